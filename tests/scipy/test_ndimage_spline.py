"""tangents.scipy.ndimage's spline interpolation at orders 0 and 2..5 (scipy/_ndimage_spline.py,
reached through map_coordinates, shift and zoom): traced values against SciPy's in every
boundary mode, with and without the prefilter, in 1, 2 and 3 dimensions; derivatives through
the shared harness (to order 2 in both modes against central finite differences of SciPy's own
function, float32, vmap at every axis); float32, empty inputs and the order check."""
import warnings

import numpy as np
import pytest

nd = pytest.importorskip("scipy.ndimage")

from harness import Case, case_id, check_case, rand, tol  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.scipy.ndimage as tnd  # noqa: E402

MODES = ("reflect", "constant", "nearest", "mirror", "wrap", "grid-mirror", "grid-constant",
         "grid-wrap")
ORDERS = (0, 2, 3, 4, 5)
X1, X2, X3 = rand((6,), seed=11), rand((4, 5), seed=12), rand((3, 4, 2), seed=13)
# sample points inside and far outside the input, plus integers and half-integers: the ties
# where order 0 and the even orders pick their middle tap, and the kinks of 'constant'/'wrap'
TIES = np.arange(-17, 25) / 2
C1 = np.concatenate([rand((1, 12), -9.0, 13.0, seed=14), TIES[None]], axis=1)
C2 = np.concatenate([rand((2, 12), -7.0, 11.0, seed=15),
                     np.stack(np.meshgrid(TIES[::3], [-1.5, 0.0, 2.0, 3.5, 4.5]))
                     .reshape(2, -1)], axis=1)
C3 = np.concatenate([rand((3, 6), -4.0, 7.0, seed=16), [[-1.0, 0.5, 2.0], [3.0, -0.5, 1.5],
                                                        [0.0, 1.0, -2.5]]], axis=1)


def _grid_zoom(m, x, z, **kw):
    with warnings.catch_warnings():  # SciPy suggests grid-constant/grid-wrap in grid_mode
        warnings.simplefilter("ignore", UserWarning)
        return m.zoom(x, z, grid_mode=True, **kw)


# name -> (call(module, x, **options), input): each function in 1, 2 (and 3) dimensions
CALLS = {
    "map_coordinates[1d]": (lambda m, x, **kw: m.map_coordinates(x, C1, **kw), X1),
    "map_coordinates[2d]": (lambda m, x, **kw: m.map_coordinates(x, C2, **kw), X2),
    "map_coordinates[3d]": (lambda m, x, **kw: m.map_coordinates(x, C3, **kw), X3),
    "shift[scalar,far]": (lambda m, x, **kw: m.shift(x, -5.6, **kw), X1),
    "shift[per axis]": (lambda m, x, **kw: m.shift(x, (0.5, -1.3), **kw), X2),
    "zoom": (lambda m, x, **kw: m.zoom(x, (0.6, 2.3), **kw), X2),
    "zoom[grid_mode]": (lambda m, x, **kw: _grid_zoom(m, x, 1.7, **kw), X1),
    "zoom[1]": (lambda m, x, **kw: m.zoom(x, 1, **kw), X2),
}


def traced_value(f, *args):
    """``f``'s value computed on traced arguments (tangents' code, not SciPy's)."""
    return tg.jvp(f, args, tuple(np.zeros_like(a) for a in args))[0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("prefilter", [True, False])
@pytest.mark.parametrize("order", ORDERS)
def test_traced_value_is_scipys(order, prefilter, mode):
    kw = dict(order=order, mode=mode, cval=0.7, prefilter=prefilter)
    for name, (call, x) in CALLS.items():
        got = traced_value(lambda x: call(tnd, x, **kw), x)
        want = call(nd, x, **kw)
        assert np.shape(got) == np.shape(want), name
        np.testing.assert_allclose(got, want, **tol("roundoff"), err_msg=name)


@pytest.mark.parametrize("mode", ["nearest", "grid-constant", "reflect", "wrap", "constant"])
@pytest.mark.parametrize("order", [0, 3, 5])
def test_float32_stays_float32_and_is_close_to_scipys(order, mode):
    kw = dict(order=order, mode=mode, cval=0.7)
    for name, (call, x) in CALLS.items():
        got = traced_value(lambda x: call(tnd, x, **kw), x.astype(np.float32))
        assert got.dtype == np.float32, name
        np.testing.assert_allclose(got, call(nd, x, **kw), err_msg=name,
                                   **tol("derivative", np.float32))


# Derivatives against finite differences of SciPy's own function (a plain call is SciPy's).
# The spline of order k has kinks (a jump in its k-th derivative) at the integers (odd k) or
# the half-integers (even k), order 0 jumps at the half-integers, 'constant' jumps at 0 and
# n - 1 and 'wrap' at the multiples of n - 1: the coordinates and the shifts below keep 0.1
# away from every integer and half-integer, so a step of 1e-6 never crosses one.
def _off_kinks(shape, low, high, seed):
    c = rand(shape, low, high, seed)
    frac = rand(shape, 0.1, 0.3, seed + 1)
    return np.floor(c) + np.where(c - np.floor(c) < 0.5, frac, frac + 0.5)


K1, K2 = _off_kinks((1, 7), -4.0, 9.0, 21), _off_kinks((2, 2, 3), -3.0, 7.0, 23)


def _map(order, mode, prefilter=True):
    return lambda m, x, c: m.map_coordinates(x, c, order=order, mode=mode, cval=0.7,
                                             prefilter=prefilter)


RULES = [
    ("map_coordinates[order2,reflect]", _map(2, "reflect"), (X1, K1)),
    ("map_coordinates[order3,constant]", _map(3, "constant"), (X1, K1)),
    ("map_coordinates[order3,nearest]", _map(3, "nearest"), (X2, K2)),
    ("map_coordinates[order4,wrap]", _map(4, "wrap"), (X1, K1)),
    ("map_coordinates[order5,grid-constant]", _map(5, "grid-constant"), (X2, K2)),
    ("map_coordinates[order5,mirror,no prefilter]", _map(5, "mirror", False), (X1, K1)),
    ("map_coordinates[order2,grid-wrap,no prefilter]", _map(2, "grid-wrap", False), (X2, K2)),
    ("map_coordinates[order0,grid-mirror]", _map(0, "grid-mirror"), (X2, K2)),
    ("shift[order3,grid-constant]",
     lambda m, x, s: m.shift(x, s, order=3, mode="grid-constant", cval=0.7),
     (X2, np.array([0.3, -1.2]))),
    ("shift[order5,nearest]", lambda m, x, s: m.shift(x, s, order=5, mode="nearest"),
     (X1, np.array([2.7]))),
    ("zoom[order3,reflect]", lambda m, x: m.zoom(x, (0.6, 2.3), order=3, mode="reflect"),
     (X2,)),
    ("zoom[order2,grid-wrap,grid_mode]",
     lambda m, x: m.zoom(x, 1.7, order=2, mode="grid-wrap", grid_mode=True), (X1,)),
]
CASES = [Case(name, lambda *a, f=f: f(tnd, *a), args, np_fun=lambda *a, f=f: f(nd, *a))
         for name, f, args in RULES]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_spline_rule(case):
    check_case(case)


def test_order_0_has_derivative_0_in_the_coordinates():
    _, pull = tg.vjp(lambda c: tnd.map_coordinates(X2, c, order=0, mode="reflect"), K2)
    np.testing.assert_array_equal(pull(np.ones(K2.shape[1:]))[0], np.zeros_like(K2))


def test_vmap_over_inputs_equals_a_loop():
    batch = np.stack([X2, 2 * X2 - 1, X2[::-1]])
    f = lambda x: tnd.map_coordinates(x, K2, order=3, mode="mirror")  # noqa: E731
    np.testing.assert_allclose(tg.vmap(f)(batch), np.stack([f(x) for x in batch]),
                               **tol("roundoff"))


EMPTY = [(lambda x, o: tnd.map_coordinates(x, np.zeros((2, 0)), order=o), X2),
         (lambda x, o: tnd.map_coordinates(x, [[0.5, 3.0]], order=o, cval=0.7), np.zeros((0,))),
         (lambda x, o: tnd.shift(x, 0.5, order=o), np.zeros((0, 3))),
         (lambda x, o: tnd.zoom(x, 2, order=o), np.zeros((0, 3))),
         (lambda x, o: tnd.zoom(x, (0.1, 2), order=o), np.zeros((2, 3)))]


@pytest.mark.parametrize("order", [0, 3])
def test_empty_inputs_and_coordinates_behave_as_at_order_1(order):
    for f, x in EMPTY:
        got = traced_value(lambda x: f(x, order), x)
        want = traced_value(lambda x: f(x, 1), x)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_orders_outside_0_to_5_raise_as_scipy_does():
    g = lambda f: tg.grad(lambda x: tg.numpy.sum(f(x)))  # noqa: E731
    for order in (-1, 6):
        with pytest.raises(RuntimeError, match=rf"zoom: spline order not supported: order "
                           rf"must be an integer in 0..5, got order={order}"):
            g(lambda x: tnd.zoom(x, 2, order=order))(X2)
        with pytest.raises(RuntimeError, match="spline order not supported"):
            nd.zoom(X2, 2, order=order)
    with pytest.raises(TypeError, match=r"map_coordinates: order must be an integer in "
                       r"0..5, got order=2.0"):
        g(lambda x: tnd.map_coordinates(x, K2, order=2.0))(X2)
