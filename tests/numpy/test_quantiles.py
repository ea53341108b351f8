"""Order statistics (numpy/_quantiles.py): median, quantile, percentile and the NaN-ignoring
forms, every NumPy method and ``weights=``, through the shared harness; forward values and
dtypes against NumPy over a grid of methods, q's and dtypes; ties share equally; NumPy's
errors."""
import functools
import warnings

import numpy as np
import pytest
from harness import Case, case_id, check_case, positive, rand, tol

import tangents as tg
import tangents.numpy as tnp

P = functools.partial

METHODS = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation",
           "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
           "normal_unbiased", "lower", "higher", "midpoint", "nearest"]


def test_methods_cover_numpys():
    with pytest.raises(ValueError) as info:
        np.quantile(np.ones(3), 0.5, method="bogus")
    listed = info.value.args[0].split("Use one of: ")[1]
    assert sorted(m for m in METHODS if f"'{m}'" in listed) == sorted(METHODS)
    assert listed.count("'") == 2 * len(METHODS)


# (shape, axis, q) with scalar and array q, None/int/negative/tuple axes
Q_AXES = [((), None, 0.3), ((5,), None, 0.5), ((4,), 0, np.array([0.0, 0.25, 0.9, 1.0])),
          ((3, 4), -1, 0.5), ((3, 4), 0, np.array([[0.1, 0.6]])), ((2, 3, 4), (0, -1), 0.7),
          ((0, 3), 1, 0.5)]
CASES = [Case(f"quantile-axis{ax}-kd{kd}", P(tnp.quantile, q=q, axis=ax, keepdims=kd),
              (rand(s),), np_fun=P(np.quantile, q=q, axis=ax, keepdims=kd))
         for s, ax, q in Q_AXES for kd in (False, True)]
# every method at q's that fall between, and exactly on, order statistics (n = 5: q = k/5,
# k/4 hit the integer virtual indices of the cdf-based and the linear methods)
_Q = np.array([0.0, 0.05, 0.2, 0.25, 0.3, 0.5, 0.6, 0.75, 0.95, 1.0])
CASES += [Case(f"quantile-{m}", P(tnp.quantile, q=_Q, axis=1, method=m), (rand((2, 5)),),
               np_fun=P(np.quantile, q=_Q, axis=1, method=m)) for m in METHODS]
CASES += [Case(f"nanpercentile-{m}", P(tnp.nanpercentile, q=[0, 30, 50, 100], axis=-1,
                                       method=m, keepdims=True),
               (rand((3, 4)),), np_fun=P(np.nanpercentile, q=[0, 30, 50, 100], axis=-1,
                                         method=m, keepdims=True)) for m in METHODS]
CASES += [
    Case("quantile-traced-q", lambda x, q: tnp.quantile(x, q, axis=0),
         (rand((5, 2)), rand((3,), 0.1, 0.9, seed=4)),
         np_fun=lambda x, q: np.quantile(x, q, axis=0)),
    Case("percentile", P(tnp.percentile, q=[10, 50], axis=-1), (rand((2, 4)),),
         np_fun=P(np.percentile, q=[10, 50], axis=-1)),
    Case("median-odd", tnp.median, (rand((5,)),), np_fun=np.median),
    Case("median-even-axis", P(tnp.median, axis=-2, keepdims=True), (rand((4, 3)),),
         np_fun=P(np.median, axis=-2, keepdims=True)),
    Case("median-tuple", P(tnp.median, axis=(0, 2)), (rand((2, 3, 2)),),
         np_fun=P(np.median, axis=(0, 2))),
]

# weights (method="inverted_cdf" only): full-shape and per-axis weights, both arguments
# differentiated (the weights' derivative is zero) and vmapped
_QW = np.array([0.2, 0.55, 0.9])
for s, ws, ax, kd in [((6,), (6,), None, False), ((3, 5), (3, 5), 1, True),
                      ((3, 5), (5,), -1, False), ((2, 3, 4), (4, 2), (2, 0), False),
                      ((2, 3, 4), (2, 3, 4), None, True)]:
    for fn, np_fn, q in ((tnp.quantile, np.quantile, _QW),
                         (tnp.percentile, np.percentile, 100 * _QW)):
        kw = dict(q=q, axis=ax, keepdims=kd, method="inverted_cdf")
        CASES.append(Case(f"{fn.__name__}-weights{ws}-axis{ax}",
                          lambda a, w, fn=fn, kw=kw: fn(a, weights=w, **kw),
                          (rand(s), positive(ws, seed=2)),
                          np_fun=lambda a, w, fn=np_fn, kw=kw: fn(a, weights=w, **kw)))

# NaN-ignoring forms: NaNs at fixed positions get a zero derivative
_NAN = np.array([[False, True, False, False], [False, False, False, False]])


def _with_nans(fn, **kw):
    return lambda x, **more: fn(np.where(_NAN, np.nan, x) if isinstance(x, np.ndarray) else
                                tnp.where(_NAN, np.nan, x), **kw, **more)


CASES += [Case(f"{fn.__name__}-axis{ax}", _with_nans(fn, axis=ax, **kw), (rand((2, 4)),),
               np_fun=_with_nans(np_fn, axis=ax, **kw))
          for fn, np_fn, kw in ((tnp.nanmedian, np.nanmedian, {}),
                                (tnp.nanquantile, np.nanquantile, dict(q=[0.2, 0.9])),
                                (tnp.nanpercentile, np.nanpercentile, dict(q=40)))
          for ax in (None, 1, -2)]
_NQW = dict(q=_QW, axis=None, method="inverted_cdf")
CASES += [Case("nanquantile-weights",
               lambda x, w: _with_nans(tnp.nanquantile, **_NQW)(x, weights=w),
               (rand((2, 4)), positive((2, 4), seed=3)),
               np_fun=lambda x, w: _with_nans(np.nanquantile, **_NQW)(x, weights=w))]


# tangents follows NumPy 2.3+'s quantiles: q kept in the data's precision, weights= with
# several axes, and its error messages; earlier NumPy computes or raises differently
_OLD_NUMPY = tuple(int(p) for p in np.__version__.split(".")[:2]) < (2, 3)
_needs_new_numpy = pytest.mark.skipif(_OLD_NUMPY, reason="NumPy < 2.3 quantile semantics")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_quantile_rule(case):
    if _OLD_NUMPY and "weights" in case.name and "axis(" in case.name:
        pytest.skip("weights= with several axes is NumPy 2.3+")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices
        check_case(case)


# -- forward values and dtypes equal NumPy's over methods x q's x dtypes ------------------
_QS = [0.3, np.float32(0.37), 1, 0, [0, 1], np.array([0.5, 0.37, 0.93], np.float32),
       np.linspace(0, 1, 23)]
_DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int8]


@_needs_new_numpy
@pytest.mark.parametrize("method", METHODS)
def test_values_and_dtypes_equal_numpy(method):
    rng = np.random.default_rng(0)
    for a in (rng.normal(size=(2, 3, 7)) * 3, rng.integers(-3, 3, (2, 3, 5)).astype(float)):
        for dt in _DTYPES:
            x = a.astype(dt)
            for q in _QS:
                for fn, np_fn, qq in ((tnp.quantile, np.quantile, q),
                                      (tnp.nanquantile, np.nanquantile, q),
                                      (tnp.percentile, np.percentile, np.multiply(q, 100))):
                    got, want = fn(x, qq, axis=2, method=method), np_fn(x, qq, axis=2,
                                                                        method=method)
                    assert np.asarray(got).dtype == np.asarray(want).dtype, (fn, dt, q)
                    np.testing.assert_allclose(got, want, **tol("exact"),
                                               err_msg=f"{fn.__name__} {dt} {q}")
        an = a.copy()
        an[0, 1, 2] = np.nan
        an[1, 2, :] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for fn, np_fn in ((tnp.quantile, np.quantile), (tnp.nanquantile, np.nanquantile)):
                np.testing.assert_allclose(fn(an, _QS[-1], axis=(0, 2), method=method),
                                           np_fn(an, _QS[-1], axis=(0, 2), method=method),
                                           **tol("exact"))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_weighted_values_equal_numpy():
    rng = np.random.default_rng(1)
    q = np.concatenate([np.linspace(0, 1, 41), [1 / 3, 2 / 3]])
    for trial in range(40):
        n = 1 + trial % 7
        a = rng.integers(0, 4, (2, n)).astype(float) if trial % 2 else rng.normal(size=(2, n))
        a = a.astype(np.float32) if trial % 5 == 0 else a
        w = rng.integers(0, 3, (2, n)).astype(float)
        w[:, -1] += 1.0
        if trial % 3 == 0 and n > 1:
            w[:, 0] = 0.0  # leading zero weights
        an = a.copy()
        an[0, 0] = np.nan
        for fn, np_fn, x in ((tnp.quantile, np.quantile, a), (tnp.nanquantile, np.nanquantile, a),
                             (tnp.quantile, np.quantile, an),
                             (tnp.nanquantile, np.nanquantile, an)):
            got = fn(x, q, axis=1, method="inverted_cdf", weights=w)
            want = np_fn(x, q, axis=1, method="inverted_cdf", weights=w)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)


# -- ties share equally, for every way of selecting ----------------------------------------
def test_ties_share_equally():
    x = np.array([3.0, 1.0, 1.0, 1.0])  # the three 1s share the median's cotangent
    np.testing.assert_allclose(tg.grad(tnp.median)(x), [0.0, 1 / 3, 1 / 3, 1 / 3])
    y = np.array([1.0, 2.0, 2.0, 2.0, 0.0])
    np.testing.assert_allclose(tg.grad(tnp.median)(y), [0.0, 1 / 3, 1 / 3, 1 / 3, 0.0])
    # v = 0.3 * 4 = 1.2: 0.8 to sorted[1] = y0, 0.2 to sorted[2], one of the tied 2s
    np.testing.assert_allclose(tg.grad(lambda y: tnp.quantile(y, 0.3))(y),
                               [0.8, 0.2 / 3, 0.2 / 3, 0.2 / 3, 0.0])
    np.testing.assert_allclose(tg.grad(lambda y: tnp.percentile(y, 80))(y),
                               [0.0, 1 / 3, 1 / 3, 1 / 3, 0.0])  # both neighbours are tied
    z = np.array([1.0, 2.0, 2.0, 0.0])  # sorted 0, 1, 2, 2
    for method in ("inverted_cdf", "closest_observation", "higher", "nearest"):
        np.testing.assert_allclose(tg.grad(lambda z: tnp.quantile(z, 0.9, method=method))(z),
                                   [0.0, 0.5, 0.5, 0.0], err_msg=method)
    # averaged_inverted_cdf at an integer virtual index (4 * 0.5 - 1 = 1): the mean of
    # sorted[1] (z0) and sorted[2] (one of the tied 2s)
    np.testing.assert_allclose(
        tg.grad(lambda z: tnp.quantile(z, 0.5, method="averaged_inverted_cdf"))(z),
        [0.5, 0.25, 0.25, 0.0])
    # weighted: sorted 0, 1, 2, 2 with weights 1, 2, 1, 1, cdf 0.2, 0.6, 0.8, 1: q = 0.7
    # selects sorted[2], a tied 2
    w = np.array([2.0, 1.0, 1.0, 1.0])
    wq = lambda z: tnp.quantile(z, 0.7, method="inverted_cdf", weights=w)
    assert wq(z) == np.quantile(z, 0.7, method="inverted_cdf", weights=w) == 2.0
    np.testing.assert_allclose(tg.grad(wq)(z), [0.0, 0.5, 0.5, 0.0])


def test_weights_get_zero_derivative_and_vmap():
    a, w = rand((4, 5)), positive((4, 5), seed=7)
    f = lambda a, w: tnp.sum(tnp.quantile(a, _QW, axis=-1, method="inverted_cdf", weights=w))
    ga, gw = tg.grad(f, argnums=(0, 1))(a, w)
    np.testing.assert_array_equal(gw, np.zeros_like(w))
    np.testing.assert_allclose(ga.sum(axis=1), [3.0] * 4)  # three selected entries per row
    for axis in (0, 1):
        got = tg.vmap(tg.grad(f, argnums=(0, 1)), in_axes=axis)(a, w)
        want = [np.stack([tg.grad(f, argnums=(0, 1))(np.take(a, i, axis), np.take(w, i, axis))[k]
                          for i in range(a.shape[axis])]) for k in (0, 1)]
        np.testing.assert_allclose(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])


@_needs_new_numpy
def test_numpy_errors():
    a = rand((2, 3, 4))
    cases = [
        (dict(q=1.5), ValueError, r"Quantiles must be in the range \[0, 1\]"),
        (dict(q=0.5, method="bogus"), ValueError, "'bogus' is not a valid method"),
        (dict(q=np.full((2, 2, 2), 0.5)), ValueError, "q must be a scalar or 1d"),
        (dict(q=0.5, weights=np.ones(3), axis=1), ValueError,
         "Only method 'inverted_cdf' supports weights. Got: linear."),
        (dict(q=0.5, weights=np.ones(3), method="inverted_cdf"), TypeError,
         "Axis must be specified"),
        (dict(q=0.5, weights=np.ones(4), axis=1, method="inverted_cdf"), ValueError,
         "Shape of weights must be consistent"),
        (dict(q=0.5, weights=-np.ones(3), axis=1, method="inverted_cdf"), ValueError,
         "Weights must be non-negative."),
        (dict(q=0.5, weights=np.zeros(3), axis=1, method="inverted_cdf"), ValueError,
         "Weights included NaN, inf or were all zero."),
        (dict(q=0.5, weights=np.array([1.0, np.inf, 1.0]), axis=1, method="inverted_cdf"),
         ValueError, "Weights included NaN, inf or were all zero."),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for kw, err, msg in cases:
            for fn in (np.quantile, tnp.quantile, lambda a, **kw: tg.grad(
                    lambda a: tnp.sum(tnp.quantile(a, **kw)))(a)):
                with pytest.raises(err, match=msg):
                    fn(a, **kw)
    with pytest.raises(ValueError, match=r"Percentiles must be in the range \[0, 100\]"):
        tnp.percentile(a, 101)
    with pytest.raises(TypeError, match="real numbers"):
        tnp.quantile(a + 1j, 0.5)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_invalid_weights_inside_vmap_give_nan_for_that_example():
    a = rand((3, 4))
    w = np.ones((3, 4))
    w[1] = 0.0  # all zero: NumPy raises; the example's result is NaN
    w[2, 0] = -1.0  # negative
    got = tg.vmap(lambda a, w: tnp.quantile(a, 0.5, method="inverted_cdf", weights=w))(a, w)
    assert np.isnan(got[1]) and np.isnan(got[2])
    assert got[0] == np.quantile(a[0], 0.5, method="inverted_cdf", weights=w[0])
