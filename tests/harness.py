"""The shared gradient-checking harness used by every rule family's tests.

A family's test module lists `Case` rows (function, argument makers, order) and calls
`check_case` from a parametrized test.  Each case is checked:

* forward value equals plain NumPy's (``np_fun``, when given);
* reverse mode against central finite differences in float64 (entry by entry) and forward
  mode against reverse mode through <J v, w> = <v, J^T w> (``tg.check_grads``), to ``order``;
* float32 inputs give float32 derivatives close to the float64 ones;
* vmap over a new batch axis at every position equals stacking the unbatched results.

Tolerances live in `TOL` (by name, see `tol`), not in test bodies.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import numpy as np
import pytest

import tangents as tg

_F64, _F32 = np.dtype(np.float64), np.dtype(np.float32)

# Named tolerances: name -> {dtype: (rtol, atol)}, with the reason each is as loose as it is.
# Tests take theirs from `tol(name, dtype)`; a literal rtol=/atol= in a test body fails
# tests/test_tolerances.py.  Pick the tightest entry that the comparison honestly meets.
TOL = {
    # the same floating-point operations reached by another route (vmap vs a loop,
    # value_and_grad's value vs f): they may differ only by a few ulps of reordering
    "exact": {_F64: (1e-14, 0.0), _F32: (1e-6, 0.0)},
    # one quantity by different algebra (AD vs a closed form, forward vs reverse): rounding
    # of a few dozen operations, so ~1e4 ulps; atol: O(1) terms that cancel to 0 leave ~1e-16
    "roundoff": {_F64: (1e-12, 1e-15), _F32: (1e-5, 0.0)},
    # nested or high-order derivatives, batched BLAS paths and conditioned linear algebra
    # (solves, matrix functions), where rounding is amplified by the condition number
    "composed": {_F64: (1e-10, 1e-15), _F32: (1e-4, 0.0)},
    # central finite differences with step 1e-6: O(eps^2) truncation plus roundoff/eps ~ 1e-10
    "fd": {_F64: (1e-7, 1e-9)},
    # derivative rule vs reference for `tg.check_grads`-style checks, and a float32 result vs
    # its float64 counterpart (float32 rounding amplified through the derivative)
    "derivative": {_F64: (1e-6, 1e-8), _F32: (2e-3, 2e-4)},
    # a truncated method vs the exact value: an adaptive ODE solver run at rtol ~1e-10 (its
    # error accumulates over the steps), a series where it hands over to the closed form
    "truncation": {_F64: (1e-8, 0.0)},
    # an optimizer's solution when it converges quadratically (Newton, exact Hessian)
    "converged": {_F64: (0.0, 1e-8)},
    # an optimizer stopped by its default gradient tolerance on an ill-conditioned problem
    # (Rosenbrock): the error in x is ~ gtol * cond
    "stopped": {_F64: (0.0, 1e-4)},
    # a statistic of random samples (N ~ 1e5 entries: relative error ~ sqrt(2 / N) * few)
    "sampling": {_F64: (5e-2, 0.0)},
}
# legacy dtype keys, kept while tests/numpy moves to names
TOL[np.float64] = TOL["derivative"][_F64]
TOL[np.float32] = TOL["derivative"][_F32]


def tol(name, dtype=np.float64):
    """``dict(rtol=, atol=)`` of the named tolerance for ``dtype`` (complex uses its real part).

    Example: ``np.testing.assert_allclose(got, want, **tol("roundoff"))``.
    """
    if name not in TOL or not isinstance(name, str):
        raise KeyError(f"tol: unknown tolerance {name!r}; the names are "
                       f"{sorted(k for k in TOL if isinstance(k, str))}")
    real = np.finfo(np.dtype(dtype)).dtype
    if real not in TOL[name]:
        raise KeyError(f"tol: {name!r} has no entry for {real} (it has "
                       f"{sorted(map(str, TOL[name]))}); pick an entry meant for {real}")
    rtol, atol = TOL[name][real]
    return {"rtol": rtol, "atol": atol}


def approx(expected, name, dtype=np.float64):
    """``pytest.approx(expected)`` at the named tolerance (see `tol`)."""
    t = tol(name, dtype)
    return pytest.approx(expected, rel=t["rtol"], abs=t["atol"])

# shape families: 0-d, 1-d, n-d and size-0
SHAPES = [(), (3,), (2, 3), (2, 1, 4), (0, 3)]
# broadcasting pairs (including 0-d and size-0)
BROADCAST_PAIRS = [((), (3,)), ((2, 3), (2, 3)), ((2, 1), (1, 3)), ((3,), (2, 3)),
                   ((4, 1, 3), (2, 1)), ((0, 3), (1, 3))]


def rand(shape, low=-2.0, high=2.0, seed=0, dtype=np.float64):
    """Uniform random array of ``shape`` in [low, high)."""
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


def positive(shape, seed=0, dtype=np.float64):
    return rand(shape, 0.5, 2.0, seed, dtype)


def unit(shape, seed=0, dtype=np.float64):
    return rand(shape, -0.9, 0.9, seed, dtype)


def spd(shape, seed=0):
    """A well-conditioned symmetric positive definite matrix (or stack of them)."""
    x = np.random.default_rng(seed).standard_normal(shape)
    return x @ np.swapaxes(x, -1, -2) / shape[-1] + np.eye(shape[-1])


def sym(a):
    """The symmetric part of a matrix (or stack of them)."""
    return (a + np.swapaxes(a, -1, -2)) / 2


@dataclasses.dataclass
class Case:
    """One row of a family's spec table."""
    name: str
    fun: Callable            # differentiable function of the arrays in args
    args: tuple              # float64 example arguments (arrays)
    np_fun: Callable | None = None   # plain NumPy reference for the forward value
    order: int = 2           # highest derivative order checked
    modes: tuple = ("fwd", "rev")
    vmap: bool = True
    float32: bool = True
    rtol: float | None = None
    atol: float | None = None

    def __str__(self):
        shapes = ",".join(str(np.shape(a)) for a in self.args)
        return f"{self.name}[{shapes}]"


def case_id(case):
    return str(case)


def check_case(case: Case):
    check_value(case)
    check_derivatives(case)
    if case.float32:
        check_float32(case)
    if case.vmap:
        check_vmap(case)


def check_value(case: Case):
    out = case.fun(*case.args)
    leaves = tg.tree.leaves(out)
    for leaf in leaves:
        assert isinstance(leaf, (np.ndarray, np.generic, float, int, bool)), \
            f"{case}: outside a transform the result must be a plain array, got {type(leaf)}"
    if case.np_fun is not None:
        ref = case.np_fun(*case.args)
        for a, b in zip(leaves, tg.tree.leaves(ref)):
            np.testing.assert_allclose(a, b, **tol("roundoff"), err_msg=str(case))
            assert np.shape(a) == np.shape(b), f"{case}: shape {np.shape(a)} != {np.shape(b)}"


def check_derivatives(case: Case):
    tg.check_grads(case.fun, case.args, order=case.order, modes=case.modes,
                   rtol=case.rtol, atol=case.atol)


def check_float32(case: Case):
    args32 = tuple(np.asarray(a, np.float32) if np.asarray(a).dtype == np.float64 else a
                   for a in case.args)
    if "rev" in case.modes:
        out32 = case.fun(*args32)
        leaves32 = tg.tree.leaves(out32)
        if not all(np.asarray(o).dtype.kind == "f" for o in leaves32):
            return
        ref32 = tg.tree.leaves(case.np_fun(*args32)) if case.np_fun is not None else None
        for k, o in enumerate(leaves32):
            want = np.asarray(ref32[k]).dtype if ref32 is not None else np.float32
            assert np.asarray(o).dtype == want, f"{case}: float32 in, {o.dtype} out"
        seeds = lambda out: tg.tree.map(lambda o: np.ones(np.shape(o), np.asarray(o).dtype), out)
        _, pull32 = tg.vjp(case.fun, *args32)
        g32 = pull32(seeds(out32))
        _, pull64 = tg.vjp(case.fun, *case.args)
        g64 = pull64(seeds(case.fun(*case.args)))
        rtol, atol = tol("derivative", np.float32).values()
        for a32, a, b in zip(args32, g32, g64):
            assert np.asarray(a).dtype == np.asarray(a32).dtype, \
                f"{case}: derivative dtype {np.asarray(a).dtype} for a {a32.dtype} input"
            scale = max(1.0, float(np.max(np.abs(b), initial=0)))
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * scale, err_msg=str(case))


def check_vmap(case: Case, batch=3):
    """vmap over a new axis (at every position, in each argument) equals stacking."""
    rng = np.random.default_rng(1)
    for k, a in enumerate(case.args):
        a = np.asarray(a)
        if a.dtype.kind != "f":
            continue
        noise = [a + 0.01 * rng.standard_normal(a.shape) for _ in range(batch)]
        expected = [case.fun(*case.args[:k], n, *case.args[k + 1:]) for n in noise]
        for axis in range(a.ndim + 1):
            stacked = np.stack(noise, axis=axis)
            f = tg.vmap(lambda x: case.fun(*case.args[:k], x, *case.args[k + 1:]),
                        in_axes=axis)
            got = f(stacked)
            for g, *e in zip(tg.tree.leaves(got), *[tg.tree.leaves(x) for x in expected]):
                np.testing.assert_allclose(g, np.stack(e), **tol("composed"),
                                           err_msg=f"{case}: vmap over arg {k} axis {axis}")


def both(name, f, *args, **kw):
    """A Case whose function takes the namespace (tnp or np) as its first argument: the
    forward value is checked against the same code run with NumPy."""
    import tangents.numpy as tnp
    return Case(name, functools.partial(f, tnp), args, np_fun=functools.partial(f, np), **kw)


def check_plain_result(fn, x):
    """``fn``'s plain (integer, boolean) result is NumPy's inside grad, where ``x`` is
    traced, and under vmap, where it equals the results stacked example by example."""
    with np.errstate(all="ignore"):
        ref = fn(x)
        seen = {}

        def f(x):
            seen["out"] = fn(x)
            return tg.numpy.sum(x * x)

        np.testing.assert_allclose(tg.grad(f)(x), 2 * x)
        assert type(seen["out"]) is type(ref)
        np.testing.assert_array_equal(seen["out"], ref)
        batch = np.stack([x, -x, x[::-1]])
        got = tg.vmap(fn)(batch)
        np.testing.assert_array_equal(got, np.stack([fn(b) for b in batch]))
