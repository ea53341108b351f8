"""tangents.scipy.ndimage's filters and order-1 interpolation (scipy/ndimage.py,
scipy/_ndimage_rank.py, scipy/_ndimage_interp.py) through the shared harness (derivatives to
order 2 in both modes against finite differences of SciPy's own function, float32, vmap), their
traced values against SciPy's in every boundary mode, and scipy.ndimage's own names reaching
them on traced values."""
import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

nd = pytest.importorskip("scipy.ndimage")

from harness import Case, case_id, check_case, rand, tol  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.scipy.ndimage as tnd  # noqa: E402

MODES = ("reflect", "constant", "nearest", "mirror", "wrap", "grid-mirror", "grid-constant",
         "grid-wrap")
X, X1 = rand((4, 5), seed=1), rand((6,), seed=2)
W, W1 = rand((3, 2), seed=3), rand((4,), seed=4)
FOOT = np.array([[1, 0, 1], [0, 1, 1]], bool)
# sample points, inside and outside the input (none on an integer, where the derivative in a
# coordinate has a kink)
C, C1 = rand((2, 3, 4), -7.0, 11.0, seed=5), rand((1, 9), -7.0, 11.0, seed=6)
SHIFT = np.array([0.4, -1.3])
W0 = np.array([[0.5, 0.0, 1.5], [2.0, 1.0, 0.0]])  # plain weights: zero taps, no sum to 0


def _zoom_grid(m, x, mode):
    with warnings.catch_warnings():  # SciPy suggests grid-constant/grid-wrap in grid_mode
        warnings.simplefilter("ignore", UserWarning)
        return m.zoom(x, (0.6, 2.3), order=1, mode=mode, cval=0.7, grid_mode=True)


# name -> (call(module, *arrays), arrays): one call of each function and of its options
CALLS = {
    "correlate1d": (lambda m, x, w, mode: m.correlate1d(x, w, mode=mode, cval=0.7), (X, W1)),
    "correlate1d[plain weights,origin]": (
        lambda m, x, mode: m.correlate1d(x, W1, mode=mode, cval=0.7, origin=1), (X,)),
    "convolve[plain weights,origin]": (
        lambda m, x, mode: m.convolve(x, W0, mode=mode, cval=0.7, origin=(0, -1)), (X,)),
    "correlate1d[origin,short]": (
        lambda m, x, w, mode: m.correlate1d(x, w, mode=mode, cval=0.7, origin=-1), (X1[:2], W1)),
    "convolve1d[axis0,origin]": (
        lambda m, x, w, mode: m.convolve1d(x, w, 0, mode=mode, cval=0.7, origin=1), (X, W1)),
    "correlate[origin]": (
        lambda m, x, w, mode: m.correlate(x, w, mode=mode, cval=0.7, origin=(1, -1)), (X, W)),
    "convolve[origin]": (
        lambda m, x, w, mode: m.convolve(x, w, mode=mode, cval=0.7, origin=(-1, 0)), (X, W)),
    "convolve[axes=1]": (
        lambda m, x, w, mode: m.convolve(x, w, mode=mode, cval=0.7, axes=1), (X, W1[:3])),
    "gaussian_filter1d[order2,axis0,truncate]": (
        lambda m, x, mode: m.gaussian_filter1d(x, 0.7, 0, 2, mode=mode, cval=0.7, truncate=3),
        (X,)),
    "gaussian_filter": (lambda m, x, mode: m.gaussian_filter(x, 1.5, mode=mode, cval=0.7), (X,)),
    "gaussian_filter[orders,radius]": (
        lambda m, x, mode: m.gaussian_filter(x, [1.0, 0.8], [1, 2], mode=mode, cval=0.7,
                                             radius=[2, 3]), (X,)),
    "gaussian_filter[axes=0]": (
        lambda m, x, mode: m.gaussian_filter(x, 1.0, 1, mode=mode, axes=0), (X,)),
    "uniform_filter1d[origin]": (
        lambda m, x, mode: m.uniform_filter1d(x, 4, mode=mode, cval=0.7, origin=1), (X,)),
    "uniform_filter": (lambda m, x, mode: m.uniform_filter(x, (3, 2), mode=mode, cval=0.7), (X,)),
    "median_filter": (lambda m, x, mode: m.median_filter(x, 3, mode=mode, cval=0.7), (X,)),
    "median_filter[even,origin]": (
        lambda m, x, mode: m.median_filter(x, 4, mode=mode, cval=0.7, origin=(1, -2)), (X,)),
    "median_filter[1d,wide]": (
        lambda m, x, mode: m.median_filter(x, 9, mode=mode, cval=0.7), (X1,)),
    "median_filter[axes=0]": (
        lambda m, x, mode: m.median_filter(x, 3, mode=mode, cval=0.7, axes=0), (X,)),
    "minimum_filter": (lambda m, x, mode: m.minimum_filter(x, (2, 3), mode=mode, cval=0.7),
                       (X,)),
    "maximum_filter[footprint]": (
        lambda m, x, mode: m.maximum_filter(x, footprint=FOOT, mode=mode, cval=0.7), (X,)),
    "rank_filter[-2]": (lambda m, x, mode: m.rank_filter(x, -2, 3, mode=mode, cval=0.7), (X,)),
    "rank_filter[1d]": (lambda m, x, mode: m.rank_filter(x, 2, 5, mode=mode, cval=0.7), (X1,)),
    "percentile_filter": (
        lambda m, x, mode: m.percentile_filter(x, 30, (3, 4), mode=mode, cval=0.7), (X,)),
    "map_coordinates[1d]": (
        lambda m, x, c, mode: m.map_coordinates(x, c, order=1, mode=mode, cval=0.7), (X1, C1)),
    "map_coordinates[2d]": (
        lambda m, x, c, mode: m.map_coordinates(x, c, order=1, mode=mode, cval=0.7), (X, C)),
    "shift[per axis]": (
        lambda m, x, s, mode: m.shift(x, s, order=1, mode=mode, cval=0.7), (X, SHIFT)),
    "shift[scalar,far]": (
        lambda m, x, mode: m.shift(x, -5.6, order=1, mode=mode, cval=0.7), (X,)),
    "zoom": (lambda m, x, mode: m.zoom(x, (0.6, 2.3), order=1, mode=mode, cval=0.7), (X,)),
    "zoom[grid_mode]": (_zoom_grid, (X,)),
}


def traced_value(f, *args):
    """``f``'s value computed on traced arguments (tangents' code, not SciPy's)."""
    return tg.jvp(f, args, tuple(np.zeros_like(a) for a in args))[0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(CALLS))
def test_traced_value_is_scipys_in_every_mode(name, mode):
    call, args = CALLS[name]
    got = traced_value(lambda *a: call(tnd, *a, mode), *args)
    want = call(nd, *args, mode)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, **tol("roundoff"))


# derivatives: every function in two modes, correlate1d and median_filter in every mode
HARNESS = [(n, m) for n in sorted(CALLS) for m in ("reflect", "constant")]
HARNESS += [(n, m) for n in ("correlate1d", "correlate1d[plain weights,origin]",
                            "convolve[plain weights,origin]", "median_filter",
                            "map_coordinates[2d]")
            for m in MODES[2:]]
CASES = [Case(f"{n}[{m}]", lambda *a, n=n, m=m: CALLS[n][0](tnd, *a, m), CALLS[n][1],
              np_fun=lambda *a, n=n, m=m: CALLS[n][0](nd, *a, m)) for n, m in HARNESS]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_ndimage_rule(case):
    check_case(case)


def test_weights_alone_and_complex_weights():
    # plain input, traced weights; and a complex correlation conjugates its weights
    tg.check_grads(lambda w: tnd.correlate(X, w, mode="wrap"), (W,), order=2)
    tg.check_grads(lambda w: tnd.convolve1d(X, w, mode="mirror"), (W1,), order=2)
    wc = W1 + 1j * W1[::-1]
    got = traced_value(lambda x: tnd.correlate1d(x, wc, mode="nearest"), X)
    np.testing.assert_allclose(got, nd.correlate1d(X, wc, mode="nearest"), **tol("roundoff"))


def test_float32_and_empty_inputs_keep_their_dtype_and_shape():
    x32 = X.astype(np.float32)
    for f in (lambda x: tnd.gaussian_filter(x, 1.0), lambda x: tnd.median_filter(x, 3),
              lambda x: tnd.correlate(x, W)):
        assert traced_value(f, x32).dtype == np.float32
        assert traced_value(f, np.zeros((0, 3))).shape == (0, 3)


def test_errors_name_the_function_and_the_fix():
    g = lambda f: tg.grad(lambda x: tg.numpy.sum(f(x)))  # noqa: E731
    with pytest.raises(ValueError, match="gaussian_filter: mode must be one of"):
        g(lambda x: tnd.gaussian_filter(x, 1.0, mode="edge"))(X)
    with pytest.raises(ValueError, match=r"correlate1d: origin must satisfy .* window of "
                       r"size 4, got origin=2"):
        g(lambda x: tnd.correlate1d(x, W1, origin=2))(X)
    with pytest.raises(RuntimeError, match=r"correlate: weights.ndim \(1\) must match "
                       r"len\(axes\) \(2\); the input has shape \(4, 5\)"):
        g(lambda x: tnd.correlate(x, W1))(X)
    with pytest.raises(ValueError, match=r"rank_filter: rank 9 is outside the footprint's 9"):
        g(lambda x: tnd.rank_filter(x, 9, 3))(X)
    with pytest.raises(ValueError, match="median_filter: give the window as size= or "
                       "footprint="):
        g(lambda x: tnd.median_filter(x))(X)
    with pytest.raises(ValueError, match="uniform_filter1d: derivatives need a new result, "
                       "not output="):
        g(lambda x: tnd.uniform_filter1d(x, 3, output=np.empty_like(X)))(X)
    with pytest.raises(RuntimeError, match="shift: spline order not supported: order must "
                       "be an integer in 0..5, got order=6"):
        g(lambda x: tnd.shift(x, 0.5, order=6))(X)
    with pytest.raises(ValueError, match=r"map_coordinates: coordinates must have shape "
                       r"\(input.ndim, ...\) = \(2, ...\), got \(1, 9\)"):
        g(lambda x: tnd.map_coordinates(x, C1, order=1))(X)
    with pytest.raises(ValueError, match="zoom: mode must be one of"):
        g(lambda x: tnd.zoom(x, 2, order=1, mode="edge"))(X)
    with pytest.raises(ValueError, match=r"percentile_filter: percentile must be in "
                       r"\[-100, 100\], got 120"):
        g(lambda x: tnd.percentile_filter(x, 120, 3))(X)


_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    if sys.argv[1] == "tangents-first":
        import tangents as tg
    import scipy.ndimage as nd
    import tangents as tg
    before = sorted(m for m in sys.modules if m.startswith("tangents.scipy.ndimage"))
    x = np.random.default_rng(0).uniform(-1, 1, (4, 5))
    calls = [lambda x: nd.gaussian_filter(x, 1.5), lambda x: nd.median_filter(x, 3),
             lambda x: nd.correlate(x, np.ones((2, 3))), lambda x: nd.uniform_filter1d(x, 3),
             lambda x: nd.correlate1d(np.ones(5), x[0]),
             lambda x: nd.map_coordinates(x, x[:2, :3] * 4 + 0.1, order=1, mode="mirror"),
             lambda x: nd.zoom(x, 1.5, order=1)]
    grads = [tg.grad(lambda x: np.sum(np.sin(f(x))))(x).tolist() for f in calls]
    plain = type(nd.gaussian_filter(x, 1.5)).__name__
    print("REPORT" + json.dumps([before, grads, plain]))
""")


@pytest.mark.parametrize("order", ["scipy-first", "tangents-first"])
def test_scipy_ndimage_names_route_here_without_importing_tangents_scipy(order):
    src = os.path.dirname(os.path.dirname(tg.__file__))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (src, os.environ.get("PYTHONPATH")) if p))
    env.pop("SCIPY_ARRAY_API", None)
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, order], env=env,
                          capture_output=True, text=True, timeout=300)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("REPORT")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    before, grads, plain = json.loads(lines[-1][len("REPORT"):])
    assert before == [] and plain == "ndarray"
    x = np.random.default_rng(0).uniform(-1, 1, (4, 5))
    ours = [lambda x: tnd.gaussian_filter(x, 1.5), lambda x: tnd.median_filter(x, 3),
            lambda x: tnd.correlate(x, np.ones((2, 3))), lambda x: tnd.uniform_filter1d(x, 3),
            lambda x: tnd.correlate1d(np.ones(5), x[0]),
            lambda x: tnd.map_coordinates(x, x[:2, :3] * 4 + 0.1, order=1, mode="mirror"),
            lambda x: tnd.zoom(x, 1.5, order=1)]
    for got, f in zip(grads, ours):
        want = tg.grad(lambda x: tg.numpy.sum(tg.numpy.sin(f(x))))(x)
        np.testing.assert_allclose(got, want, **tol("exact"))


def test_jit_reads_the_interpolation_cells_of_each_call():
    # floor(c) of traced coordinates is computed per call, not frozen at tracing
    def loss(x):
        c = x[:2] * 3 + 2
        return tg.numpy.sum(tg.numpy.sin(nd.map_coordinates(x, c, order=1, mode="wrap")))
    jitted = tg.jit(tg.grad(loss))
    for x in (X, rand((4, 5), seed=7), 2 * X):
        got = jitted(x)
        if hasattr(jitted, "wait_compiled"):
            jitted.wait_compiled()
        np.testing.assert_allclose(got, tg.grad(loss)(x), **tol("roundoff"))


@pytest.mark.parametrize("mode", MODES)
def test_sparsity_of_a_fixed_weight_filter_and_its_transpose_is_exact(mode):
    # the taps each answer reads (a gap in the weights, origin, the border) and nothing more
    import tangents.sparse as ts
    for f in (lambda x: tnd.correlate1d(x, [0.5, 0.0, 2.0, 1.0], 0, mode=mode, origin=1),
              lambda x: tnd.correlate(x, W0, mode=mode, origin=(-1, 1))):
        for fun, arg in ((f, X), (lambda ct: tg.vjp(f, X)[1](ct)[0], rand((4, 5), seed=8))):
            pattern = ts.jacobian_sparsity(fun, arg).toarray()
            jac = tg.jacfwd(fun)(arg).reshape(arg.size, arg.size)
            np.testing.assert_array_equal(pattern, jac != 0)
