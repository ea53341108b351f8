"""The conventions of docs/conventions.md at awkward points (kinks, ties, zeros, inf/nan) and
the dtype rules, each to first and second order, in reverse and forward mode."""
import warnings
from pathlib import Path

import numpy as np
import pytest
from harness import TOL, tol

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
    np.testing.assert_allclose(g, ref, **tol("roundoff", np.float32))
    out, pull = tg.vjp(fun, X32)
    assert out.dtype == fun(X32).dtype  # forward values follow NumPy's promotion
    (g,) = pull(np.ones(out.shape, out.dtype))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, ref, **tol("roundoff", np.float32))
    out, t = tg.jvp(fun, (X32,), (np.ones(3, np.float32),))
    assert out.dtype == fun(X32).dtype and t.dtype == out.dtype
    np.testing.assert_allclose(t, ref, **tol("roundoff", np.float32))
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


# -- every row of docs/conventions.md in every mode, to second order ------------------------
# ROWS maps the first cell of each row of the table to its checks: (function of a 1-d array to
# a scalar, point, gradient, Hessian), each wanted value an array (the convention), FD (central
# finite differences in float64: the function is smooth there) or AGREE (the row fixes no
# value at this order: every mode must give what grad-of-grad gives).  All five first-order
# modes and all three second-order ones must give it, in the dtype of the point.
FD, AGREE, RAISES = "fd", "agree", "raises"  # RAISES: a TypeError naming numpy.ma, every mode
NAN_WARNED = "nan-warned"  # documented: NaN with a RuntimeWarning (a dict maps mode -> want)
DOC = Path(__file__).resolve().parents[2] / "docs" / "conventions.md"


def doc_rows():
    return [ln.split(" | ")[0][2:].strip() for ln in DOC.read_text().splitlines()
            if ln.startswith("| ") and not ln.startswith("| where | derivative")]


def _prods(x, sets):
    """Gradient and Hessian of ``sum over sets S of prod(x[S])``, term by term."""
    n = len(x)
    g, h = np.zeros(n), np.zeros((n, n))
    for s in sets:
        for i in s:
            g[i] += np.prod([x[k] for k in s if k != i])
            for j in s:
                if j != i:
                    h[i, j] += np.prod([x[k] for k in s if k not in (i, j)])
    return g, h


def _tie_average(x, w):
    """The cotangent ``w`` of ``sort(x)``, averaged over runs of equal values, sent back."""
    xs = np.sort(x)
    return np.array([np.mean(w[xs == v]) for v in x])


def _lse_where(x):  # SciPy's array-API logsumexp: a stable value, and a naive one where inf
    m = np.max(x)
    stable = m + np.log(np.sum(np.exp(x - m)))
    return np.where(np.isfinite(stable), stable, np.log(np.sum(np.exp(x))))


def _inplace(x):
    y = x * 1.0
    v = y[1:]
    v *= 3.0  # through a view, into y
    y[0] = x[1] * x[2]
    return np.sum(y ** 2)


def _masked_write(x):
    y = x ** 2
    y[x > 0] = 3.0 * x[0]  # the mask differs between the examples of a vmap
    return np.sum(y * np.arange(1.0, 4.0))


def _sym2(x):  # eigenvalues x[0] -+ x[1]: repeated at x[1] == 0
    return np.eye(2) * x[0] + np.array([[0.0, 1.0], [1.0, 0.0]]) * x[1]


def _quantile_weights(w):
    return np.quantile(np.array([3.0, 1.0, 2.0]), 0.5, weights=w, method="inverted_cdf")


def _boxcox(lm):
    from tangents.scipy.special import boxcox
    return np.sum(boxcox(np.array([0.5, 2.0, 3.0]), lm[0]))


_LB = np.log(np.array([0.5, 2.0, 3.0]))
_X3 = np.array([1.5, -0.5, 2.0])
_PIECEWISE = (np.floor, np.ceil, np.trunc, np.rint, np.round, np.sign,
              lambda x: np.floor_divide(x, 0.7))
_S = np.exp(np.array([1000.0, 5.0]) - 1000.0) / np.sum(np.exp(np.array([1000.0, 5.0]) - 1000.0))


def _rows():  # built lazily: a few references call NumPy at points where it warns
    z2, z3 = np.zeros(2), np.zeros(3)
    xr = np.array([5.3, -2.0])
    return {
        "`maximum(x, y)`, `minimum`, `fmax`, `fmin` at `x == y`": [
            (lambda x: np.maximum(x[0], x[1]) + 2 * np.fmin(x[0], x[1])
             + np.minimum(x[1], x[0]) + np.fmax(x[0], x[1]), [1.0, 1.0], [2.5, 2.5],
             0 * np.eye(2))],
        "`max`, `min`, `amax`, `amin` along an axis with k tied maxima": [
            (lambda x: np.max(x) + np.amin(x), [2.0, 1.0, 2.0, 1.0], [0.5] * 4, 0 * np.eye(4)),
            (lambda x: np.amax(x) - 3 * np.min(x), [2.0, 2.0, 2.0], [-2 / 3] * 3, 0 * np.eye(3))],
        "`clip(x, lo, hi)` at `x == lo` or `x == hi`": [
            (lambda x: np.clip(x[0], x[1], 3.0), [1.0, 1.0], [0.5, 0.5], z2 * z2[:, None]),
            (lambda x: np.clip(x[0], -1.0, x[1]), [2.0, 2.0], [0.5, 0.5], z2 * z2[:, None])],
        "`abs(x)`, `sign(x)` at 0": [
            (lambda x: np.sum(np.abs(x) + x * np.sign(x)), [0.0, 2.0, -2.0],
             2 * np.sign([0.0, 2.0, -2.0]), 0 * np.eye(3))],
        "`maximum(x, 0)` (relu written with maximum) at 0": [
            (lambda x: np.sum(np.maximum(x, 0.0)), [0.0, 1.0, -1.0], [0.5, 1.0, 0.0],
             0 * np.eye(3))],
        "`sqrt(x)` at 0": [
            (lambda x: np.sum(np.sqrt(x)), [0.0, 1.0], [np.inf, 0.5], np.diag([-np.inf, -0.25]))],
        "`hypot(x, y)` at the origin, `linalg.norm` at 0, `std` of a constant": [
            (lambda x: np.hypot(x[0], x[1]) + np.linalg.norm(x) + np.std(x), [0.0, 0.0], z2,
             AGREE),
            (lambda x: np.std(x * 0.0 + 1.0) + np.std(np.ones(3) * x[0]), [2.0, 1.0], z2, AGREE)],
        "`x ** y` with `y == 0`": [
            (lambda x: np.sum(x ** 0.0), [0.0, 2.0], z2, 0 * np.eye(2)),
            (lambda x: x[0] ** x[1], [2.0, 0.0], FD, FD),
            (lambda x: x[0] ** x[1], [0.0, 0.0], z2, 0 * np.eye(2))],
        "`x ** y` with `x == 0`": [
            (lambda x: np.sum(0.0 ** x), [1.0, 2.0], z2, 0 * np.eye(2)),
            (lambda x: x[0] ** x[1], [0.0, 2.0], z2, np.diag([2.0, 0.0]))],
        "`prod`, `cumprod` with zeros": [
            (lambda x: np.prod(x), [0.0, 0.0, 2.0, 3.0], *_prods([0, 0, 2, 3], [range(4)])),
            (lambda x: np.prod(x), [0.0, 0.0, 0.0, 2.0], *_prods([0, 0, 0, 2], [range(4)])),
            (lambda x: np.sum(np.cumprod(x)), [2.0, 0.0, 0.0, 3.0],
             *_prods([2, 0, 0, 3], [range(k) for k in range(1, 5)]))],
        "`floor`, `ceil`, `trunc`, `rint`, `round`, `sign`, `floor_divide`": [
            (lambda x: np.sum(x * sum(f(x) for f in _PIECEWISE)), _X3,
             sum(f(_X3) for f in _PIECEWISE), 0 * np.eye(3)),
            (lambda x: np.sum(np.floor(x) + np.floor_divide(x, 2.0)), [2.0, -1.0], z2,
             0 * np.eye(2))],
        "`remainder(x, y)`, `fmod`": [
            (lambda x: np.remainder(x[0], x[1]) + 2 * np.fmod(x[0], x[1]), xr,
             [3.0, -np.floor(xr[0] / xr[1]) - 2 * np.trunc(xr[0] / xr[1])], 0 * np.eye(2))],
        "comparisons, logical and bitwise ops, `isnan`, `isfinite`, `argmax`": [
            (lambda x: np.sum(x * (x > 0.5)) + np.sum(x * np.isfinite(x) * ~np.isnan(x))
             + x[np.argmax(x)] + np.sum(x * np.logical_and(x > 0, x < 2)), _X3,
             (_X3 > 0.5) + 1.0 + np.eye(3)[np.argmax(_X3)] + ((_X3 > 0) & (_X3 < 2)),
             0 * np.eye(3))],
        "`where(c, a, b)`": [
            (lambda x: np.sum(np.where(x > 0, np.log(x), 0.0)), [0.0, 2.0, -3.0],
             [0.0, 0.5, 0.0], np.diag([0.0, -0.25, 0.0])),
            (lambda x: np.sum(np.where(x >= 0, x, np.sqrt(-x))), [0.0, -4.0],
             [1.0, -0.25], np.diag([0.0, -1 / 32])),
            (lambda x: np.sum(np.where(x > 0, np.sqrt(x), 0.0)), [-1.0, 4.0],
             [0.0, 0.25], np.diag([0.0, -1 / 32])),
            (_lse_where, [1000.0, 5.0], _S, np.diag(_S) - np.outer(_S, _S))],
        "an input that does not reach the output": [
            (lambda x: np.sum(np.ones(3)) * 2.0, [1.0, 2.0], z2, 0 * np.eye(2)),
            (lambda x: np.sum(tg.stop_gradient(x) ** 2) + x[0], [1.0, 2.0], [1.0, 0.0],
             0 * np.eye(2))],
        "in-place updates (`x += v`, `x[i] = v`, `x.sort()`)": [
            (_inplace, [0.5, -1.0, 2.0], FD, FD)],
        "`1 / x`, `log(x)` at 0": [
            (lambda x: np.sum(1 / x), [0.0, 1.0], [-np.inf, -1.0], np.diag([np.inf, 2.0])),
            (lambda x: np.sum(np.log(x)), [0.0, 1.0], [np.inf, 1.0], np.diag([-np.inf, -1.0]))],
        "dtype of a derivative": [
            (lambda x: np.sum(np.sin(x) * np.linspace(0.5, 1.5, 3)), X32, FD, FD)],
        "`sort`, `median`, `quantile`, `percentile` with tied values": [
            (lambda x: np.sort(x) @ np.arange(1.0, 4.0), [1.0, 3.0, 1.0],
             _tie_average(np.array([1.0, 3.0, 1.0]), np.arange(1.0, 4.0)), 0 * np.eye(3)),
            (lambda x: np.median(x), [1.0, 3.0, 1.0, 3.0],
             _tie_average(np.array([1.0, 3.0, 1.0, 3.0]), np.array([0, 0.5, 0.5, 0])),
             0 * np.eye(4)),
            (lambda x: np.quantile(x, 1.0) - np.max(x), [2.0, 2.0, 1.0], z3, 0 * np.eye(3))],
        "`unique`, `intersect1d`, `union1d`": [
            (lambda x: np.unique(x) @ np.array([1.0, 2.0]), [2.0, 1.0, 2.0], [2.0, 1.0, 0.0],
             0 * np.eye(3)),
            (lambda x: np.sum(np.union1d(x, np.array([5.0])) ** 2), [2.0, 1.0, 2.0],
             [4.0, 2.0, 0.0], np.diag([2.0, 2.0, 0.0]))],
        "`nansum`, `nanmean`, `nanmax`, ...": [
            (lambda x: np.nansum(x ** 2) + np.nanmean(x) + np.nanmax(x), [1.0, np.nan, 3.0],
             [2.5, 0.0, 7.5], np.diag([2.0, 0.0, 2.0]))],
        "`interp(x, xp, fp)` exactly at a knot": [
            (lambda x: np.sum(np.interp(x, [0.0, 1.0, 3.0], [0.0, 2.0, 3.0])), [1.0, 0.0],
             [0.5, 2.0], 0 * np.eye(2))],
        "`angle(z)` at `z == 0`, and for real input": [
            (lambda x: np.sum(np.angle(x) + np.angle(x + 0j) + x), [0.0, -1.0, 2.0],
             np.ones(3), 0 * np.eye(3))],
        "complex inputs and intermediates": [
            (lambda x: np.sum(np.abs(x * (1 + 2j)) ** 2 + np.real(np.exp(1j * x))),
             [0.5, -1.0], FD, FD)],
        "`eigh`/`svd` with repeated eigen/singular values": [
            (lambda x: np.sum(np.linalg.eigh(_sym2(x))[0] * 3.0), [1.0, 0.0], [6.0, 0.0],
             {"*": 0 * np.eye(2), "grad(grad)": NAN_WARNED}),
            (lambda x: np.sum(np.linalg.svd(x[0] * np.eye(2), compute_uv=False) ** 2),
             [2.0], [8.0], [[4.0]])],
        "`eigvalsh`/`svdvals` (and the nuclear norm) with repeated values": [
            (lambda x: np.sum(np.linalg.eigvalsh(_sym2(x)) ** 2), [1.0, 0.0], [4.0, 0.0],
             {"*": 4 * np.eye(2), "grad(grad)": NAN_WARNED})],
        "`eigh`, `eigvalsh`, `cholesky` on a non-symmetric (non-Hermitian) input": [
            (lambda x: np.sum(np.linalg.eigvalsh(np.reshape(x, (2, 2))) ** 2)
             + np.sum(np.linalg.cholesky(np.reshape(x, (2, 2)) + 3 * np.eye(2)) ** 2),
             [1.0, -0.5, 0.5, 3.0], FD, FD)],
        "`quantile`/`percentile` `weights=`": [
            (_quantile_weights, [1.0, 2.0, 1.0], z3, 0 * np.eye(3))],
        "`scipy.special.boxcox(x, lmbda)` at `lmbda == 0`": [
            (_boxcox, [0.0], [np.sum(_LB ** 2) / 2], [[np.sum(_LB ** 3) / 3]])],
        "masked arrays (`np.ma`) as inputs, or captured constants meeting a traced value": [
            (lambda x: np.sum(x * np.ma.array([1.0, 2.0], mask=[0, 1])), [1.0, 2.0],
             RAISES, RAISES)],
        "`x[mask] = v` with a mask that varies per example under `vmap`": [
            (_masked_write, [1.0, 2.0, -3.0], FD, FD)],
    }


ROWS = _rows()
ENTRIES = [(row, k, *entry) for row, entries in ROWS.items() for k, entry in enumerate(entries)]
IDS = [f"{row[:40]}-{k}" for row, k, *_ in ENTRIES]


def test_every_row_of_the_conventions_table_has_checks():
    assert doc_rows() and set(doc_rows()) == set(ROWS), set(doc_rows()) ^ set(ROWS)


def _basis(x):
    return [np.eye(len(x), dtype=x.dtype)[i] for i in range(len(x))]


FIRST_MODES = {
    "grad": lambda f, x: tg.grad(f)(x),
    "jvp": lambda f, x: np.stack([tg.jvp(f, (x,), (e,))[1] for e in _basis(x)]),
    "jacfwd": lambda f, x: tg.jacfwd(f)(x),
    "jacrev": lambda f, x: tg.jacrev(f)(x),
    "vmap(grad)": lambda f, x: tg.vmap(tg.grad(f))(np.stack([x, x[::-1]]))[0],
}
SECOND_MODES = {
    "grad(grad)": lambda f, x: np.stack([tg.grad(lambda y, i=i: tg.grad(f)(y)[i])(x)
                                         for i in range(len(x))]),
    "jvp(grad)": lambda f, x: np.stack([tg.jvp(tg.grad(f), (x,), (e,))[1]
                                        for e in _basis(x)], axis=1),
    "hessian": lambda f, x: tg.hessian(f)(x),
}


def _fd_grad(f, x, h=1e-6):
    x = x.astype(np.float64)
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


def _fd_hessian(f, x, h=1e-6):  # central differences of the gradient checked at first order
    x = x.astype(np.float64)
    g = tg.grad(f)
    return np.stack([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(len(x))], axis=1)


def _check(f, x, got, want, ref, out_dtype):
    rtol, atol = TOL[x.dtype.type]
    assert np.asarray(got).dtype == out_dtype  # the dtype row: a derivative has its primal's
    want = ref(f, x) if isinstance(want, str) else np.asarray(want, np.float64)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def _quiet(mode, f, x):
    if f is _quantile_weights and np.lib.NumpyVersion(np.__version__) < "2.0.0":
        pytest.skip("quantile weights= needs NumPy 2.0")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return mode(f, x)


def _point(x):
    return np.asarray(x, np.float32 if np.asarray(x).dtype == np.float32 else np.float64)


@pytest.mark.parametrize("mode", sorted(FIRST_MODES))
@pytest.mark.parametrize("row, k, fun, x, want1, want2", ENTRIES, ids=IDS)
def test_conventions_row_first_order(row, k, fun, x, want1, want2, mode):
    x = _point(x)
    if isinstance(want1, str) and want1 == RAISES:
        with pytest.raises(TypeError, match="numpy.ma"):
            _quiet(FIRST_MODES[mode], fun, x)
        return
    if mode == "vmap(grad)" and "`unique`" in row:
        with pytest.raises(ValueError, match="inside vmap"):
            _quiet(FIRST_MODES[mode], fun, x)
        return
    got = _quiet(FIRST_MODES[mode], fun, x)
    # forward modes give the dtype of the output, reverse modes that of the input
    out_dtype = _quiet(lambda f, y: np.result_type(f(y)), fun, x) if mode in (
        "jvp", "jacfwd") else x.dtype
    with np.errstate(all="ignore"):
        _check(fun, x, got, want1, _fd_grad, out_dtype)
    if mode == "vmap(grad)":  # the second example (x reversed) equals its own gradient
        np.testing.assert_allclose(_quiet(lambda f, y: tg.vmap(tg.grad(f))(
            np.stack([y, y[::-1]]))[1], fun, x), _quiet(FIRST_MODES["grad"], fun, x[::-1]))


# Known disagreements: each check still runs, an expected failure while it fails and an
# error once it passes.
KNOWN: set = set()


@pytest.mark.parametrize("mode", sorted(SECOND_MODES))
@pytest.mark.parametrize("row, k, fun, x, want1, want2", ENTRIES, ids=IDS)
def test_conventions_row_second_order(row, k, fun, x, want1, want2, mode):
    if (row, k, mode) in KNOWN:
        try:
            _second_order(fun, x, want2, mode)
        except AssertionError as e:
            pytest.xfail(f"known: {str(e)[:200]}")
        pytest.fail("a KNOWN disagreement now holds: remove it from KNOWN")
    _second_order(fun, x, want2, mode)


def _second_order(fun, x, want2, mode):
    x = _point(x)
    if isinstance(want2, str) and want2 == RAISES:
        with pytest.raises(TypeError, match="numpy.ma"):
            _quiet(SECOND_MODES[mode], fun, x)
        return
    if isinstance(want2, dict):
        want2 = want2.get(mode, want2["*"])
    if isinstance(want2, str) and want2 == NAN_WARNED:
        with pytest.warns(RuntimeWarning), np.errstate(all="ignore"):
            assert np.isnan(SECOND_MODES[mode](fun, x)).any()
        return
    got = _quiet(SECOND_MODES[mode], fun, x)
    if isinstance(want2, str) and want2 == AGREE:
        want2 = _quiet(SECOND_MODES["grad(grad)"], fun, x)
    with np.errstate(all="ignore"):
        _check(fun, x, got, want2, _fd_hessian, x.dtype)
