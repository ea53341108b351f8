"""tangents.scipy.signal's wiener, order_filter and hilbert (scipy/_signal_filters.py) through
the shared harness (derivatives to order 2 in both modes against finite differences of SciPy's
own function, float32, vmap), their traced values against SciPy's, and scipy.signal's own
names reaching them on traced values."""
import numpy as np
import pytest

ss = pytest.importorskip("scipy.signal")

from harness import Case, case_id, check_case, rand, tol  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.scipy.signal as tss  # noqa: E402
from tangents._backends import _scipy_version_advice  # noqa: E402

X, X1 = rand((4, 5), seed=1), rand((9,), seed=2)

# name -> (call(module, *arrays), arrays)
CALLS = {
    "wiener": (lambda m, x: m.wiener(x), (X,)),
    "wiener[mysize,noise]": (lambda m, x: m.wiener(x, (3, 5), 0.4), (X,)),
    "wiener[1d,noise traced]": (lambda m, x, n: m.wiener(x, 5, n), (X1, np.array(0.5))),
    "order_filter[eye]": (lambda m, x: m.order_filter(x, np.eye(3), 1), (X,)),
    "order_filter[1d,max]": (lambda m, x: m.order_filter(x, np.ones(5), 4), (X1,)),
    "hilbert.real": (lambda m, x: m.hilbert(x).real, (X,)),
    "hilbert[N odd,axis0]": (lambda m, x: m.hilbert(x, 7, axis=0), (X,)),
    "hilbert[N even<n]": (lambda m, x: m.hilbert(x, 6), (X1,)),
}


def traced_value(f, *args):
    """``f``'s value computed on traced arguments (tangents' code, not SciPy's)."""
    return tg.jvp(f, args, tuple(np.zeros_like(a) for a in args))[0]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_traced_value_is_scipys(name):
    call, args = CALLS[name]
    got, want = traced_value(lambda *a: call(tss, *a), *args), call(ss, *args)
    assert np.shape(got) == np.shape(want) and np.result_type(got) == np.result_type(want)
    np.testing.assert_allclose(got, want, **tol("roundoff"))


CASES = [Case(n, lambda *a, n=n: CALLS[n][0](tss, *a), CALLS[n][1],
              np_fun=lambda *a, n=n: CALLS[n][0](ss, *a)) for n in sorted(CALLS)]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_signal_filters_rule(case):
    check_case(case)


def test_wiener_is_finite_where_the_local_variance_is_zero():
    # a flat patch: variance 0 < noise, so the local mean is taken; the other branch divides
    # by 0, and no derivative may take its nan (fails at order 2 with the divisor unguarded)
    x = np.concatenate([np.zeros(5), X1])
    with np.errstate(divide="ignore", invalid="ignore"):
        g = tg.grad(lambda x: tg.numpy.sum(tss.wiener(x, 3, 0.1) ** 2))(x)
        assert np.all(np.isfinite(g))
        tg.check_grads(lambda x: tss.wiener(x, 3, 0.1), (x,), order=2)


def test_scipy_signal_names_route_here():
    calls = [lambda m, x: m.wiener(x), lambda m, x: m.order_filter(x, np.ones((3, 1)), 2),
             lambda m, x: m.hilbert(x).imag]
    for call in calls:
        got = tg.grad(lambda x: np.sum(np.sin(call(ss, x))))(X)
        want = tg.grad(lambda x: tg.numpy.sum(tg.numpy.sin(call(tss, x))))(X)
        np.testing.assert_array_equal(got, want)
    assert type(ss.wiener(X)) is np.ndarray


def test_errors_name_the_function_and_the_fix():
    g = lambda f: tg.grad(lambda x: tg.numpy.sum(f(x)))  # noqa: E731
    with pytest.raises(ValueError, match=r"order_filter: each dimension of domain should have "
                       r"an odd number of elements, got shape \(2, 3\)"):
        g(lambda x: tss.order_filter(x, np.ones((2, 3)), 0))(X)
    with pytest.raises(ValueError, match="hilbert: N must be positive, got 0"):
        g(lambda x: tss.hilbert(x, 0).real)(X)
    with pytest.raises(ValueError, match=r"wiener: mysize must be a scalar or have one entry "
                       r"per axis of im \(2\), got \[3, 3, 3\]"):
        g(lambda x: tss.wiener(x, (3, 3, 3)))(X)


def test_scipy_conversion_advice_names_tangents_version_only_where_it_exists():
    assert _scipy_version_advice("scipy.signal.wiener") == "Use tangents.scipy.signal.wiener"
    assert _scipy_version_advice("scipy.ndimage.median_filter") == \
        "Use tangents.scipy.ndimage.median_filter"
    assert "tangents.scipy has no version of scipy.ndimage.sobel" in \
        _scipy_version_advice("scipy.ndimage.sobel")
    import scipy.ndimage
    with pytest.raises(tg.TracerConversionError, match="no version of scipy.ndimage.sobel"):
        tg.grad(lambda x: np.sum(scipy.ndimage.sobel(x)))(X)
