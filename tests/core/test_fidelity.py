"""Fidelity of the core to NumPy and to its own contracts: in-place updates never reach the
caller's arrays, several threads may feed one trace, masked arrays and np.matrix are refused
rather than silently misread, and user rules are checked against the values they replace."""
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from harness import TOL, tol

import tangents as tg

RNG = np.random.default_rng(0)


# -- several threads feeding one reverse trace ------------------------------------------
def _chain(v):
    for _ in range(40):
        v = np.sin(v) * 1.01 + 0.1
    return np.sum(v)


def _threaded_loss(x, pool):
    # each task records its own chain of operations on one trace, concurrently
    return sum(pool.map(lambda k: _chain(x[k]), range(len(x))))


def test_threads_recording_into_one_trace_get_the_serial_gradient():
    x = RNG.standard_normal((32, 3))
    want = tg.grad(lambda a: sum(_chain(a[k]) for k in range(len(a))))(x)
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(32) as pool:
            for _ in range(40):
                got = tg.grad(lambda a: _threaded_loss(a, pool))(x)
                np.testing.assert_allclose(got, want, **tol("roundoff"))
    finally:
        sys.setswitchinterval(old)


# -- custom rules are checked against the primals they stand for -------------------------
def _custom_sin(bwd_ct):
    @tg.custom_vjp
    def csin(x):
        return np.sin(x)
    csin.defvjp(lambda x: (np.sin(x), x), lambda x, ct: bwd_ct(x, ct))
    return csin


def test_custom_vjp_cotangent_of_the_wrong_shape_raises_naming_function_and_argument():
    csin = _custom_sin(lambda x, ct: ((ct * np.cos(x))[:3],))
    with pytest.raises(ValueError, match=r"csin.*argument 0.*\(3,\).*\(10,\)"):
        tg.grad(lambda x: np.sum(csin(x)))(np.ones(10))


def test_custom_vjp_complex_cotangent_for_real_input_raises():
    csin = _custom_sin(lambda x, ct: (ct * np.cos(x) * (1 + 1j),))
    with pytest.raises(TypeError, match=r"csin.*complex.*argument 0.*real"):
        tg.grad(lambda x: np.sum(csin(x)))(np.ones(3))


def test_custom_vjp_wider_cotangent_is_cast_to_the_input_dtype():
    csin = _custom_sin(lambda x, ct: (ct.astype(np.float64) * np.cos(x).astype(np.float64),))
    x = np.linspace(0.1, 1.0, 4, dtype=np.float32)
    g = tg.grad(lambda x: np.sum(csin(x)))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, tg.grad(lambda x: np.sum(np.sin(x)))(x),
                               **tol("exact", np.float32))


def test_custom_vjp_wrong_number_or_structure_of_cotangents_raises():
    @tg.custom_vjp
    def scaled(x, p):
        return x * p["s"]
    scaled.defvjp(lambda x, p: (x * p["s"], (x, p)),
                  lambda r, ct: (ct * r[1]["s"], {"t": np.sum(ct * r[0])}))
    with pytest.raises(TypeError, match=r"scaled.*argument 1.*\{'t': \*\}.*\{'s': \*\}"):
        tg.grad(lambda s: np.sum(scaled(np.ones(2), {"s": s})))(2.0)
    scaled.defvjp(lambda x, p: (x * p["s"], None), lambda r, ct: (ct,))
    with pytest.raises(TypeError, match=r"scaled.*one cotangent per argument \(2\)"):
        tg.grad(lambda x: np.sum(scaled(x, {"s": 2.0})))(np.ones(2))
    # None stands for zeros of a whole argument or of one entry of it
    scaled.defvjp(lambda x, p: (x * p["s"], p), lambda p, ct: (ct * p["s"], {"s": None}))
    np.testing.assert_allclose(tg.grad(lambda x: np.sum(scaled(x, {"s": 2.0})))(np.ones(2)), 2.0)


def test_custom_jvp_tangent_must_match_the_output():
    @tg.custom_jvp
    def cube(x):
        return x ** 3
    cube.defjvp(lambda p, t: (p[0] ** 3, np.sum(3 * p[0] ** 2 * t[0])))
    with pytest.raises(ValueError, match=r"custom_jvp.*cube.*shape \(\).*\(3,\)"):
        tg.jvp(cube, (np.ones(3),), (np.ones(3),))
    cube.defjvp(lambda p, t: (p[0] ** 3, 3j * p[0] ** 2 * t[0]))
    with pytest.raises(TypeError, match=r"custom_jvp.*cube.*complex"):
        tg.jvp(cube, (np.ones(3),), (np.ones(3),))


# -- masked arrays and np.matrix are refused, never silently reinterpreted -----------------
TRANSFORMS = {  # name -> a call of the transform on a scalar function of one array
    "grad": lambda f, x: tg.grad(f)(x),
    "value_and_grad": lambda f, x: tg.value_and_grad(f)(x),
    "vjp": lambda f, x: tg.vjp(f, x),
    "jvp": lambda f, x: tg.jvp(f, (x,), (np.ones(np.shape(x)),)),
    "linearize": lambda f, x: tg.linearize(f, x),
    "vmap": lambda f, x: tg.vmap(f)(x),
    "jacrev": lambda f, x: tg.jacrev(f)(x),
    "jacfwd": lambda f, x: tg.jacfwd(f)(x),
    "hessian": lambda f, x: tg.hessian(f)(x),
    "hvp": lambda f, x: tg.hvp(f, (x,), (np.ones(np.shape(x)),)),
    "elementwise_grad": lambda f, x: tg.elementwise_grad(np.sin)(x),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_masked_array_input_raises_naming_np_ma_and_the_fix(name):
    x = np.ma.array([0.5, 1.0, 2.0], mask=[0, 1, 0])
    with pytest.raises(TypeError, match=r"numpy\.ma.*filled"):
        TRANSFORMS[name](lambda a: np.sum(np.sin(a) * a), x)


MASKED = np.ma.array([0.5, 1.0, 2.0], mask=[0, 1, 0])
CAPTURED_MASKED = {
    "masked * traced": lambda w: np.sum(MASKED * w),
    "traced * masked": lambda w: np.sum(w * MASKED),
    "concatenate": lambda w: np.sum(np.concatenate([w, MASKED])),
    "where": lambda w: np.sum(np.where(MASKED > 0.7, w, 0.0)),
}


@pytest.mark.parametrize("transform", ["grad", "jvp", "vmap", "hessian"])
@pytest.mark.parametrize("case", sorted(CAPTURED_MASKED))
def test_captured_masked_array_meeting_a_tracer_raises(case, transform):
    x = np.ones((2, 3)) if transform == "vmap" else np.ones(3)
    with pytest.raises(TypeError, match=r"numpy\.ma.*filled"):
        TRANSFORMS[transform](CAPTURED_MASKED[case], x)


with warnings.catch_warnings():
    warnings.simplefilter("ignore", PendingDeprecationWarning)
    MATRIX = np.matrix([[1.0, 2.0], [3.0, 4.0]])
CAPTURED_MATRIX = {
    "matrix * traced": lambda w: np.sum(MATRIX * w),
    "traced * matrix": lambda w: np.sum(w * MATRIX),
    "matrix @ traced": lambda w: np.sum(MATRIX @ w),
    "dot": lambda w: np.sum(np.dot(MATRIX, w)),
    "add": lambda w: np.sum(np.add(w, MATRIX)),
}


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
@pytest.mark.parametrize("transform", ["grad", "jvp", "vmap", "hessian", "linearize"])
@pytest.mark.parametrize("case", sorted(CAPTURED_MATRIX))
def test_captured_matrix_meeting_a_tracer_raises(case, transform):
    w = np.arange(1.0, 5.0).reshape(2, 2)
    x = np.stack([w, w]) if transform == "vmap" else w
    with pytest.raises(TypeError, match=r"np\.matrix.*np\.asarray"):
        TRANSFORMS[transform](CAPTURED_MATRIX[case], x)


# -- checkpoint and in-place updates: as without checkpoint, caller's arrays untouched -----
def _add_one_then_square(x):
    x += 1.0
    return np.sum(x ** 2)


def _write_then_cube(x):
    x[0] = 5.0  # writing the value already there still cuts the derivative of x[0]
    return np.sum(x ** 3)


def _twice(inner):
    def f(x):
        return inner(x) + inner(x)  # the first call's update is seen by the second
    return f


def _update_view(x):
    v = x[1:]
    v *= 2.0
    return np.sum(np.sin(x))


def _mutates_argument(inner):
    def f(x):
        y = x * 1.0
        value = inner(y)
        return value + np.sum(y * x)  # y's update must reach the caller, with derivative
    return f


INPLACE = {
    "add": lambda ck: ck(_add_one_then_square),
    "write same value": lambda ck: ck(_write_then_cube),
    "called twice": lambda ck: _twice(ck(_add_one_then_square)),
    "through a view": lambda ck: ck(_update_view),
    "argument updated": lambda ck: _mutates_argument(ck(_add_one_then_square)),
}
INPLACE_TRANSFORMS = {
    "grad": lambda f, x: tg.grad(f)(x),
    "vjp": lambda f, x: tg.vjp(f, x)[1](1.0),
    "jvp": lambda f, x: tg.jvp(f, (x,), (np.linspace(0.5, 1.5, x.size),)),
    "linearize": lambda f, x: tg.linearize(f, x)[1](np.linspace(0.5, 1.5, x.size)),
    "vmap": lambda f, x: tg.vmap(f)(np.stack([x, 2 * x])),
    "vmap-grad": lambda f, x: tg.vmap(tg.grad(f))(np.stack([x, 2 * x])),
    "grad-vmap": lambda f, x: tg.grad(lambda a: np.sum(tg.vmap(f)(a)))(np.stack([x, 2 * x])),
    "hessian": lambda f, x: tg.hessian(f)(x),
    "grad-grad": lambda f, x: tg.grad(lambda a: np.sum(tg.grad(f)(a) ** 2))(x),
}


@pytest.mark.parametrize("transform", sorted(INPLACE_TRANSFORMS))
@pytest.mark.parametrize("case", sorted(INPLACE))
def test_checkpoint_with_inplace_updates_equals_the_plain_function(case, transform):
    x = np.array([5.0, 2.0, -0.5])
    keep = x.copy()
    call = INPLACE_TRANSFORMS[transform]
    want = call(INPLACE[case](lambda f: f), x)
    np.testing.assert_array_equal(x, keep)     # the plain function under a transform
    got = call(INPLACE[case](tg.checkpoint), x)
    np.testing.assert_array_equal(x, keep)     # the caller's array is never written
    rtol, atol = TOL[np.float64]
    for a, b in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


@pytest.mark.parametrize("case", sorted(INPLACE))
def test_checkpoint_with_inplace_updates_checks_against_finite_differences(case):
    tg.check_grads(INPLACE[case](tg.checkpoint), (np.array([5.0, 2.0, -0.5]),), order=2)
    # outside any transform it is the function itself, with NumPy's in-place semantics
    x, y = np.array([5.0, 2.0, -0.5]), np.array([5.0, 2.0, -0.5])
    assert INPLACE[case](tg.checkpoint)(x) == INPLACE[case](lambda f: f)(y)
    np.testing.assert_array_equal(x, y)


def test_checkpoint_does_not_write_the_callers_array_and_matches_numpy():
    x = np.array([1.0, 2.0])
    f = lambda x: (x.__iadd__(1.0), np.sum(x ** 2))[1]
    g = tg.grad(tg.checkpoint(f))(x)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    np.testing.assert_allclose(g, 2 * (x + 1.0), rtol=TOL[np.float64][0])


def test_checkpoint_integer_argument_updated_in_place_is_not_updated_twice():
    def f(x, n):
        n += 1          # an integer constant: NumPy updates the caller's array once
        return np.sum(x ** n)
    n = np.array([2])
    g = tg.grad(tg.checkpoint(f))(np.array([1.5, 2.0]), n)
    np.testing.assert_array_equal(n, [3])
    np.testing.assert_allclose(g, 3 * np.array([1.5, 2.0]) ** 2, rtol=TOL[np.float64][0])


@pytest.mark.parametrize("transform", sorted(INPLACE_TRANSFORMS))
def test_no_transform_writes_into_the_callers_array(transform):
    x = np.array([5.0, 2.0, -0.5])
    keep = x.copy()
    for case in INPLACE.values():
        INPLACE_TRANSFORMS[transform](case(lambda f: f), x)
        np.testing.assert_array_equal(x, keep)
