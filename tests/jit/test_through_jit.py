"""The transform tests run through tg.jit (issue #12), under both executors (conftest.py).

A slice of the rule families' spec tables (elementwise, reductions, indexing, linalg.solve,
softmax, cross_entropy, conv2d) is run two ways:

* the whole harness (`check_case`: forward value, check_grads to order 2 in both modes,
  float32, vmap) on ``tg.jit(f)``, i.e. every transform of a jitted function;
* each transform ``T`` of the core's tests (vjp, jvp, linearize, jacrev, jacfwd, vmap, and to
  second order hessian, jvp of grad, grad of jvp, vjp of vjp) as ``tg.jit(T(f))``,
  ``T(tg.jit(f))`` and ``tg.jit(T(tg.jit(f)))``, compared with eager ``T(f)`` in float64 and
  float32 at the "roundoff" tolerance.

Guards, caching and threads have their own tests in test_jit.py and test_composition.py.
"""
import dataclasses
import importlib.util
import os

import numpy as np
import pytest
from harness import check_case, rand, tol

import tangents as tg

_TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _table(path, names):
    """The rows of ``path``'s CASES whose ids are in ``names`` (each must be found)."""
    spec = importlib.util.spec_from_file_location(
        "_through_jit_" + path.replace("/", "_")[:-3], os.path.join(_TESTS, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = {str(c): c for c in module.CASES}
    missing = set(names) - set(rows)
    assert not missing, f"{path}: no case {sorted(missing)}"
    return [rows[n] for n in names]


CASES = (
    _table("numpy/test_elementwise.py", [
        "exp[(2, 1, 4)]", "log1p[(2, 3)]", "tanh[()]", "arctan2[(2, 1),(1, 3)]",
        "power[(3,),(2, 3)]", "maximum[(4, 1, 3),(2, 1)]", "where[(2, 3),(2, 3),(2, 3)]",
        "clip_min_max[(2, 3),()]", "divide[(0, 3),(1, 3)]"])
    + _table("numpy/test_reductions.py", [
        "sum-axis(0, -1)-keepdimsTrue[(2, 3, 4)]", "prod-axis1-keepdimsFalse[(2, 3, 4)]",
        "std-axis-1-keepdimsFalse[(2, 3, 4)]", "max-axis1-keepdimsTrue[(2, 3, 4)]",
        "cumsum-axis0[(2, 3, 4)]", "mean-where[(2, 3)]"])
    + _table("numpy/test_indexing.py", [
        "getitem[-1,::2][(3, 4, 5)]", "getitem[[0,2],::,[1,1]][(3, 4, 5)]",
        "getitem[b[3, 4]][(3, 4, 5)]", "getitem[i[2, 1],i[1, 2]][(3, 4, 5)]",
        "take_axis[(2, 3)]"])
    + _table("numpy/test_counting.py", ["setdiff1d[(6,)]", "setxor1d[(2,),(2,)]"])
    + _table("numpy/test_rearranging.py", ["trim_zeros[(5,)]"])
    + _table("numpy/linalg/test_linalg.py", [
        "solve_vector[(3, 3),(3,)]", "solve_matrix[(2, 3, 3),(2, 3, 2)]"])
    + _table("nn/test_functions.py", [
        "softmax(axis=1)[(2, 3, 4)]", "log_softmax(axis=-1)[(2, 3)]"])
    + _table("nn/test_losses.py", [
        "cross_entropy(int)[(4, 3)]", "cross_entropy(none,smoothing)[(4, 3)]"])
    + _table("nn/test_conv.py", [
        "conv2d(s=2,p=SAME,d=1,g=1)[(1, 5, 5, 2),(3, 3, 2, 2)]",
        "conv2d(s=1,p=1,d=1,g=2)[(1, 5, 5, 4),(3, 3, 2, 4)]"])
)


# The fused executor compiles a numba kernel for each new elementwise part (about a second
# each with an empty kernel cache, as in CI; std's hessian took 40 s on the loaded machine):
# it runs every test on one elementwise case and softmax (sums and maxima in its kernels),
# and two transforms on cross_entropy.
_FUSED_ALL = {"exp[(2, 1, 4)]", "softmax(axis=1)[(2, 3, 4)]"}
_FUSED_SOME = {"cross_entropy(int)[(4, 3)]": {"vjp", "jvp(grad)"}}


def _runs(transforms=None):
    """(executor, case[, transform]) rows: every one with NumPy's, the slice with fused."""
    rows = []
    for case in CASES:
        for t in transforms or [None]:
            if t == "vmap" and not case.vmap:  # ragged under vmap (its table says so)
                continue
            fused = str(case) in _FUSED_ALL or t in _FUSED_SOME.get(str(case), ())
            for executor in ("numpy", "fused") if fused else ("numpy",):
                rows.append(pytest.param(executor, case, *([t] if t else []),
                                         id="-".join([executor, str(case)] + ([t] if t else []))))
    return rows


@pytest.mark.parametrize("executor,case", _runs(), indirect=["executor"])
def test_harness_on_the_jitted_function(case):
    check_case(dataclasses.replace(case, fun=tg.jit(case.fun)))


# -- each transform, jit outside, inside and both, against eager --------------------------

def _sum_weighted(weights):
    return lambda out: sum(tg.numpy.sum(o * w) for o, w in zip(tg.tree.leaves(out), weights))


def _vjp(h, weights):
    def f(*xs):
        out, pull = tg.vjp(h, *xs)
        return out, pull(tg.tree.unflatten(tg.tree.structure(out), list(weights)))
    return f


def _scalar(h, weights):
    return lambda *xs: _sum_weighted(weights)(h(*xs))


TRANSFORMS = {  # name -> (h, weights, tangents, argnums) -> function of the float arguments
    "value": lambda h, w, t, a: h,
    "vjp": lambda h, w, t, a: _vjp(h, w),
    "jvp": lambda h, w, t, a: lambda *xs: tg.jvp(h, xs, t),
    "linearize": lambda h, w, t, a: lambda *xs: tg.linearize(h, *xs)[1](*t),
    "jacrev": lambda h, w, t, a: tg.jacrev(h, argnums=a),
    "jacfwd": lambda h, w, t, a: tg.jacfwd(h, argnums=a),
    "vmap": lambda h, w, t, a: lambda *xs: tg.vmap(h)(*[np.stack([x, 2 * x]) for x in xs]),
    "hessian": lambda h, w, t, a: tg.hessian(_scalar(h, w), argnums=a),
    "jvp(grad)": lambda h, w, t, a: lambda *xs: tg.jvp(
        tg.grad(_scalar(h, w), argnums=a), xs, t),
    "grad(jvp)": lambda h, w, t, a: tg.grad(
        lambda *xs: _sum_weighted(w)(tg.jvp(h, xs, t)[1]), argnums=a),
    "vjp(vjp)": lambda h, w, t, a: lambda *xs: tg.vjp(
        lambda *ys: _vjp(h, w)(*ys)[1], *xs)[1](t),
}
WRAPS = {
    "jit(T(f))": lambda T, h: tg.jit(T(h)),
    "T(jit(f))": lambda T, h: T(tg.jit(h)),
    "jit(T(jit(f)))": lambda T, h: tg.jit(T(tg.jit(h))),
}


def _setup(case, dtype):
    """(h, float arguments, weights, tangents): h takes the case's float arguments only
    (the others are closed over), weights pair with its outputs, tangents with its inputs."""
    args = [np.asarray(a, dtype) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
            for a in case.args]
    where = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]

    def h(*xs):
        full = list(args)
        for i, x in zip(where, xs):
            full[i] = x
        return case.fun(*full)

    xs = tuple(args[i] for i in where)
    out = tg.tree.leaves(h(*xs))
    weights = [rand(np.shape(o), seed=10 + k, dtype=np.result_type(o)) for k, o in
               enumerate(out)]
    tangents = tuple(rand(x.shape, seed=20 + k, dtype=dtype) for k, x in enumerate(xs))
    return h, xs, weights, tangents


@pytest.mark.parametrize("executor,case,transform", _runs(list(TRANSFORMS)),
                         indirect=["executor"])
def test_transform_through_jit_equals_eager(case, transform):
    for dtype in (np.float64, np.float32):
        h, xs, weights, tangents = _setup(case, dtype)
        make = lambda g: TRANSFORMS[transform](g, weights, tangents, tuple(range(len(xs))))
        want = tg.tree.leaves(make(h)(*xs))
        for wrap_name, wrap in WRAPS.items():
            fun = wrap(make, h)
            for call in range(2):  # the traced call, then the cached program
                got = tg.tree.leaves(fun(*xs))
                where = f"{case} {wrap_name} {transform} {np.dtype(dtype)} call {call}"
                assert len(got) == len(want), where
                for g, e in zip(got, want):
                    assert np.result_type(g) == np.result_type(e), where
                    assert np.shape(g) == np.shape(e), where
                    _assert_close(g, e, dtype, where)


def _assert_close(got, want, dtype, where):
    # roundoff is relative to the leaf's scale: some rules take another (equal) formula on
    # plain arrays than on traced ones (softmax's VJP: ct*s - s*sum vs s*(ct - sum)), and an
    # entry that cancels to 1e-3 of the terms keeps their absolute error, not its own
    rtol, atol = tol("roundoff", dtype).values()
    scale = float(np.max(np.abs(want), initial=0.0))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=max(atol, rtol * scale),
                               err_msg=where)


# Rows whose traced path gives another dtype than NumPy's plain call (what eager returns), so
# that tg.jit, which traces, differs from eager; each is the family's traced code, not jit's.
_DTYPE_DIFFERS = [
    (_table("numpy/linalg/test_linalg_eig.py", ["eigvals-real[(3, 3)]"])[0],
     "eigvals of a matrix with real eigenvalues: NumPy returns float64, the traced "
     "linalg_eig complex128"),
    (_table("numpy/test_creation.py", ["logspace-base[(2,),()]"])[0],
     "logspace of float32 endpoints: NumPy returns float32, the traced path float64"),
    (_table("numpy/test_interpolation.py", ["arange[(),()]"])[0],
     "arange of float32 0-d start/step: NumPy returns float64, the traced path float32"),
]


@pytest.mark.parametrize("executor,case", [
    pytest.param("numpy", case, id=str(case), marks=pytest.mark.xfail(strict=True, reason=why))
    for case, why in _DTYPE_DIFFERS], indirect=["executor"])
def test_traced_dtype_differs_from_numpy(case):
    test_transform_through_jit_equals_eager(case, "value")
