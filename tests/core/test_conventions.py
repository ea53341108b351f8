"""The conventions of docs/conventions.md at awkward points (kinks, ties, zeros, inf/nan) and
the dtype rules, each to first and second order, in reverse and forward mode."""
import warnings

import numpy as np
import pytest

import tangents as tg


def d1_rev(fun):
    return tg.grad(fun)


def d1_fwd(fun):
    return lambda x: tg.jvp(fun, (x,), (np.ones_like(x),))[1]


def d2_rev(fun):
    return tg.grad(tg.grad(fun))


def d2_fwd_rev(fun):
    return lambda x: tg.jvp(tg.grad(fun), (x,), (np.ones_like(x),))[1]


FIRST = {"rev": d1_rev, "fwd": d1_fwd}
SECOND = {"rev-rev": d2_rev, "fwd-rev": d2_fwd_rev}

# (name, function, point, first derivative, second derivative)
KINKS = [
    ("abs at 0", np.abs, 0.0, 0.0, 0.0),
    ("abs at 2", np.abs, 2.0, 1.0, 0.0),
    ("abs at -2", np.abs, -2.0, -1.0, 0.0),
    ("sign at 0", np.sign, 0.0, 0.0, 0.0),
    ("sign at 1", np.sign, 1.0, 0.0, 0.0),
    ("relu (maximum) at 0", lambda x: np.maximum(x, 0.0), 0.0, 0.5, 0.0),
    ("relu (maximum) at 1", lambda x: np.maximum(x, 0.0), 1.0, 1.0, 0.0),
    ("relu (maximum) at -1", lambda x: np.maximum(x, 0.0), -1.0, 0.0, 0.0),
    ("minimum at tie", lambda x: np.minimum(0.0, x), 0.0, 0.5, 0.0),
    ("x * abs(x) at 0", lambda x: x * np.abs(x), 0.0, 0.0, 0.0),
    # the tie share composes: 2 * (1/2)**2
    ("maximum(x, 0)**2 at 0", lambda x: np.maximum(x, 0.0) ** 2, 0.0, 0.0, 0.5),
    ("floor", np.floor, 1.5, 0.0, 0.0),
    ("sqrt at 0", np.sqrt, 0.0, np.inf, -np.inf),
    ("log at 0", np.log, 0.0, np.inf, -np.inf),
    ("1/x at 0", lambda x: 1 / x, 0.0, -np.inf, np.inf),
    ("1.0/x at 0", lambda x: 1.0 / x, 0.0, -np.inf, np.inf),
    ("x/0.0", lambda x: x / 0.0, 1.0, np.inf, 0.0),
    ("x/0", lambda x: x / 0, 1.0, np.inf, 0.0),
    ("x**0.0", lambda x: x ** 0.0, 0.0, 0.0, 0.0),
    ("x**-1 at 0", lambda x: x ** -1.0, 0.0, -np.inf, np.inf),
    ("0.0**x at 1", lambda x: 0.0 ** x, 1.0, 0.0, 0.0),
]


@pytest.mark.parametrize("mode", sorted(FIRST))
@pytest.mark.parametrize("name, fun, x, want1, want2", KINKS, ids=[k[0] for k in KINKS])
def test_convention_first_order(name, fun, x, want1, want2, mode):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = FIRST[mode](fun)(x)
    assert isinstance(got, (np.ndarray, np.generic))
    np.testing.assert_equal(float(got), want1)


@pytest.mark.parametrize("mode", sorted(SECOND))
@pytest.mark.parametrize("name, fun, x, want1, want2", KINKS, ids=[k[0] for k in KINKS])
def test_convention_second_order(name, fun, x, want1, want2, mode):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = SECOND[mode](fun)(x)
    np.testing.assert_equal(float(got), want2)


def test_maximum_ties_share_equally_between_arguments():
    g = tg.grad(lambda a, b: np.maximum(a, b), argnums=(0, 1))(1.0, 1.0)
    assert g == (0.5, 0.5)
    g = tg.grad(lambda a, b: np.minimum(a, b), argnums=(0, 1))(1.0, 1.0)
    assert g == (0.5, 0.5)
    t = tg.jvp(lambda a, b: np.maximum(a, b), (1.0, 1.0), (1.0, 3.0))[1]
    assert t == 2.0  # 0.5 * 1 + 0.5 * 3
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(tg.elementwise_grad(lambda a: np.maximum(a, 0.0))(x),
                                  [0.0, 0.5, 1.0])


def test_elementwise_kinks_in_arrays():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(tg.grad(lambda a: np.sum(np.abs(a)))(x), [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(tg.grad(lambda a: np.sum(np.sign(a) * 3.0))(x), [0, 0, 0])


@pytest.mark.parametrize("fun", [lambda x: 1 / x, np.log, np.sqrt, lambda x: x ** -0.5,
                                 lambda x: np.arctan2(x, 0.0), lambda x: x / 0.0,
                                 lambda x: 0.0 / x, lambda x: np.log(x) * x],
                         ids=["1/x", "log", "sqrt", "x**-0.5", "arctan2", "x/0.0", "0.0/x",
                              "x log x"])
def test_scalar_math_never_raises_python_exceptions(fun):
    # plain Python floats in and out of the function: results follow NumPy (inf/nan, warnings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for x in (0.0, -0.0, 1.0, -1.0):
            for op in (d1_rev, d1_fwd, d2_rev, d2_fwd_rev):
                got = op(fun)(x)
                assert np.shape(got) == ()


# -- inputs that do not reach the output ------------------------------------------------------
def test_disconnected_inputs_get_zeros_never_none():
    x32 = np.ones((2, 2), np.float32)
    g = tg.grad(lambda a, b: np.sum(a), argnums=(0, 1))(np.ones(3), x32)
    assert isinstance(g[1], np.ndarray) and g[1].dtype == np.float32 and g[1].shape == (2, 2)
    assert not g[1].any()
    # a path that exists but is cut by stop_gradient, or goes through a comparison
    g = tg.grad(lambda a: np.sum(tg.stop_gradient(a) * 2.0) + np.sum(a > 0))(x32)
    assert g.dtype == np.float32 and g.shape == (2, 2) and not g.any()
    # second order: the inner gradient does not depend on x
    g = tg.grad(lambda a: np.sum(tg.grad(lambda b: np.sum(b * 3.0))(a)))(x32)
    assert g.dtype == np.float32 and g.shape == (2, 2) and not g.any()
    _, pull = tg.vjp(lambda a, b: a * 2.0, np.ones(2), x32)
    ga, gb = pull(np.ones(2))
    assert gb.dtype == np.float32 and gb.shape == (2, 2) and not gb.any()
    _, t = tg.jvp(lambda a: (a * 2.0, np.ones(3, np.float32)), (np.ones(2),), (np.ones(2),))
    assert t[1].dtype == np.float32 and t[1].shape == (3,) and not t[1].any()


# -- dtypes -----------------------------------------------------------------------------------
MIXED = [  # functions of a float32 array that bring in float64 constants
    ("x * np.float64(2)", lambda x: x * np.float64(2.0)),
    ("x + np.ones(3)", lambda x: x + np.ones(3)),
    ("x * float64 array", lambda x: np.sin(x) * np.linspace(0.5, 1.5, 3)),
    ("x ** 2.0", lambda x: x ** 2.0),
    ("x / 3", lambda x: x / 3),
    ("exp(x) * 0.1", lambda x: np.exp(x) * 0.1),
]

X32 = np.array([0.5, -1.0, 2.0], np.float32)


@pytest.mark.parametrize("name, fun", MIXED, ids=[m[0] for m in MIXED])
def test_float32_in_float32_derivative_out(name, fun):
    x64 = X32.astype(np.float64)
    ref = np.asarray(tg.grad(lambda x: np.sum(fun(x)))(x64))
    g = tg.grad(lambda x: np.sum(fun(x)))(X32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, ref, rtol=1e-5)
    out, pull = tg.vjp(fun, X32)
    assert out.dtype == fun(X32).dtype  # forward values follow NumPy's promotion
    (g,) = pull(np.ones(out.shape, out.dtype))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, ref, rtol=1e-5)
    out, t = tg.jvp(fun, (X32,), (np.ones(3, np.float32),))
    assert out.dtype == fun(X32).dtype and t.dtype == out.dtype
    np.testing.assert_allclose(t, ref, rtol=1e-5)
    g2 = tg.grad(lambda x: np.sum(tg.grad(lambda y: np.sum(fun(y)))(x) ** 2))(X32)
    assert g2.dtype == np.float32
    h = tg.hessian(lambda x: np.sum(fun(x)))(X32)
    assert h.dtype == np.float32 and h.shape == (3, 3)


def test_float32_with_python_scalars_stays_float32_forward():
    out, t = tg.jvp(lambda x: np.sin(x) * 2.0 + 1, (X32,), (X32,))
    assert out.dtype == np.float32 and t.dtype == np.float32


def test_float16_and_mixed_precision_arguments():
    a16 = np.array([0.5, 1.5], np.float16)
    b64 = np.array([2.0, 3.0])
    ga, gb = tg.grad(lambda a, b: np.sum(a * b), argnums=(0, 1))(a16, b64)
    assert ga.dtype == np.float16 and gb.dtype == np.float64
    np.testing.assert_allclose(ga, b64.astype(np.float16))


def test_complex_intermediates_give_real_derivatives():
    g = tg.grad(lambda x: np.real(x * (1 + 2j)) * 3.0)(np.float32(2.0))
    assert np.asarray(g).dtype == np.float32 and g == pytest.approx(3.0)
