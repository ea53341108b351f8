"""Sorting family: sort, take/put_along_axis, unique, median/quantile/percentile and the
NaN-ignoring reductions through the shared harness; the tie rule (stable sort order), NaN
entries (zero derivative) and the index-valued functions (argsort, searchsorted, lexsort)."""
import functools
import warnings

import numpy as np
import pytest
from harness import Case, case_id, check_case, rand

import tangents as tg
import tangents.numpy as tnp

P = functools.partial

SORT_AXES = [((), None), ((5,), -1), ((5,), None), ((2, 3), 0), ((2, 3), -1),
             ((2, 1, 4), -2), ((2, 1, 4), None), ((0, 3), 0), ((0, 3), -1)]
CASES = [Case(f"sort-axis{ax}", P(tnp.sort, axis=ax), (rand(s),), np_fun=P(np.sort, axis=ax))
         for s, ax in SORT_AXES]

_IDX = np.array([[2, 0, 0], [1, -1, 2]])
CASES += [
    Case("take_along_axis", P(tnp.take_along_axis, indices=_IDX, axis=1), (rand((2, 3)),),
         np_fun=P(np.take_along_axis, indices=_IDX, axis=1)),
    Case("take_along_axis-bcast", P(tnp.take_along_axis, indices=_IDX[:1], axis=-1),
         (rand((2, 3)),), np_fun=P(np.take_along_axis, indices=_IDX[:1], axis=-1)),
    Case("take_along_axis-argsort", lambda x: tnp.take_along_axis(x, tnp.argsort(x, 0), 0),
         (rand((3, 2)),), np_fun=lambda x: np.take_along_axis(x, np.argsort(x, 0), 0)),
    Case("take_along_axis-None", P(tnp.take_along_axis, indices=np.array([3, 0, 3]), axis=None),
         (rand((2, 2)),), np_fun=P(np.take_along_axis, indices=np.array([3, 0, 3]), axis=None)),
]


def _np_put(arr, values, indices, axis):
    out = np.array(arr, copy=True)
    np.put_along_axis(out, indices, values, axis)
    return out


_PUT = np.array([[1, 1], [0, -1]])
_PUT2 = np.array([[1, 0, -1]])
CASES += [Case("put_along_axis", lambda a, v: tnp.put_along_axis(a, _PUT, v, axis=1),
               (rand((2, 3)), rand((2, 2), seed=1)), np_fun=lambda a, v: _np_put(a, v, _PUT, 1)),
          Case("put_along_axis-bcast", lambda a, v: tnp.put_along_axis(a, _PUT2, v, axis=0),
               (rand((2, 3)), rand((), seed=1)), np_fun=lambda a, v: _np_put(a, v, _PUT2, 0))]

CASES += [Case("unique", tnp.unique, (rand((2, 3)),), np_fun=np.unique, vmap=False),
          Case("unique-axis", P(tnp.unique, axis=-1), (rand((2, 3)),),
               np_fun=P(np.unique, axis=-1), vmap=False)]

# quantiles: (shape, axis, q) with scalar and array q, None/int/negative/tuple axes
Q_AXES = [((), None, 0.3), ((5,), None, 0.5), ((4,), 0, np.array([0.0, 0.25, 0.9, 1.0])),
          ((3, 4), -1, 0.5), ((3, 4), 0, np.array([[0.1, 0.6]])), ((2, 3, 4), (0, -1), 0.7),
          ((0, 3), 1, 0.5)]
for s, ax, q in Q_AXES:
    for kd in (False, True):
        CASES.append(Case(f"quantile-axis{ax}-kd{kd}", P(tnp.quantile, q=q, axis=ax, keepdims=kd),
                          (rand(s),), np_fun=P(np.quantile, q=q, axis=ax, keepdims=kd)))
CASES += [Case(f"quantile-{m}", P(tnp.quantile, q=np.array([0.05, 0.3, 0.95]), axis=1, method=m),
               (rand((2, 5)),), np_fun=P(np.quantile, q=np.array([0.05, 0.3, 0.95]), axis=1,
                                         method=m))
          for m in ["linear", "lower", "higher", "nearest", "midpoint", "weibull", "hazen",
                    "interpolated_inverted_cdf", "median_unbiased", "normal_unbiased"]]
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

# NaN-ignoring functions: NaNs inserted at fixed positions; FD in those entries gives 0,
# which the analytic derivative must match
_NAN = np.array([[False, True, False, False], [False, False, False, False],
                 [True, True, True, True]])
_NAN_ROWOK = _NAN[:2]


def _with_nans(fn, mask, **kw):
    return lambda x: fn(np.where(mask, np.nan, x) if isinstance(x, np.ndarray) else
                        tnp.where(mask, np.nan, x), **kw)


NAN_FUNS = [("nansum", tnp.nansum, np.nansum), ("nanprod", tnp.nanprod, np.nanprod),
            ("nanmean", tnp.nanmean, np.nanmean), ("nanvar", tnp.nanvar, np.nanvar),
            ("nanstd", tnp.nanstd, np.nanstd), ("nanmax", tnp.nanmax, np.nanmax),
            ("nanmin", tnp.nanmin, np.nanmin), ("nanmedian", tnp.nanmedian, np.nanmedian),
            ("nancumsum", tnp.nancumsum, np.nancumsum),
            ("nancumprod", tnp.nancumprod, np.nancumprod)]
for name, fn, np_fn in NAN_FUNS:
    scan = name.startswith("nancum")
    for ax in ([None, 1, -2] if not scan else [None, 1]):
        # an all-NaN row makes the result NaN (and FD useless) except for the sums/products
        mask = _NAN if name in ("nansum", "nanprod") or scan else _NAN_ROWOK
        CASES.append(Case(f"{name}-axis{ax}", _with_nans(fn, mask, axis=ax),
                          (rand(mask.shape, 0.5, 2.0),),
                          np_fun=_with_nans(np_fn, mask, axis=ax)))
CASES += [Case("nanvar-ddof", _with_nans(tnp.nanvar, _NAN_ROWOK, axis=1, ddof=1),
               (rand((2, 4), 0.5, 2.0),), np_fun=_with_nans(np.nanvar, _NAN_ROWOK, axis=1, ddof=1)),
          Case("nanquantile", _with_nans(tnp.nanquantile, _NAN_ROWOK, q=[0.2, 0.9], axis=1),
               (rand((2, 4)),),
               np_fun=_with_nans(np.nanquantile, _NAN_ROWOK, q=[0.2, 0.9], axis=1)),
          Case("nanpercentile", _with_nans(tnp.nanpercentile, _NAN_ROWOK, q=40, axis=None),
               (rand((2, 4)),), np_fun=_with_nans(np.nanpercentile, _NAN_ROWOK, q=40, axis=None)),
          Case("nansum-noNaN", P(tnp.nansum, axis=0), (rand((2, 3)),), np_fun=P(np.nansum, axis=0))]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_sorting_rule(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices
        check_case(case)


# -- ties: the stable sort order decides (documented in sort/median/quantile) -------------
def test_sort_ties_share_equally_like_max():
    x = np.array([2.0, 1.0, 2.0, 0.0, 2.0])
    w = np.arange(5.0)
    g = tg.grad(lambda x: tnp.sum(tnp.sort(x) * w))(x)
    # sorted: x3, x1, then the three 2s share positions 2..4: (2 + 3 + 4) / 3 each
    np.testing.assert_allclose(g, [3.0, 1.0, 3.0, 0.0, 3.0])
    t = tg.jvp(tnp.sort, (x,), (np.arange(5.0),))[1]
    np.testing.assert_allclose(t, [3.0, 1.0, 2.0, 2.0, 2.0])  # tangents 0, 2, 4 averaged
    for f in (lambda x: tnp.sort(x)[-1], tnp.max, lambda x: tnp.quantile(x, 1.0)):
        np.testing.assert_allclose(tg.grad(f)(x), [1 / 3, 0.0, 1 / 3, 0.0, 1 / 3])
    tg.check_grads(lambda x: tnp.sort(x) ** 2, (rand((6,)),), order=2)
    np.testing.assert_allclose(tg.vmap(tg.grad(lambda x: tnp.sort(x)[-1]))(np.stack([x, -x])),
                               [[1 / 3, 0, 1 / 3, 0, 1 / 3], [0, 0, 0, 1, 0]])


def test_median_and_quantile_ties_share_equally():
    x = np.array([3.0, 1.0, 1.0, 1.0])  # the three 1s share the median's cotangent
    np.testing.assert_allclose(tg.grad(tnp.median)(x), [0.0, 1 / 3, 1 / 3, 1 / 3])
    y = np.array([1.0, 2.0, 2.0, 2.0, 0.0])
    np.testing.assert_allclose(tg.grad(tnp.median)(y), [0.0, 1 / 3, 1 / 3, 1 / 3, 0.0])
    # v = 0.3 * 4 = 1.2: 0.8 to sorted[1] = y0, 0.2 to sorted[2], one of the tied 2s
    np.testing.assert_allclose(tg.grad(lambda y: tnp.quantile(y, 0.3))(y),
                               [0.8, 0.2 / 3, 0.2 / 3, 0.2 / 3, 0.0])
    np.testing.assert_allclose(tg.grad(lambda y: tnp.percentile(y, 80))(y),
                               [0.0, 1 / 3, 1 / 3, 1 / 3, 0.0])  # both neighbours are tied


def test_nan_entries_get_zero_derivative():
    x = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]])
    finite = ~np.isnan(x)
    np.testing.assert_array_equal(tg.grad(tnp.nansum)(x), finite.astype(float))
    np.testing.assert_allclose(tg.grad(tnp.nanmean)(x), finite / 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g = tg.grad(lambda x: tnp.nansum(tnp.nanmax(x, axis=1)))(x)
        assert tnp.isnan(tnp.nanmax(x, axis=1))[1]
        np.testing.assert_array_equal(g, [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
        g = tg.grad(lambda x: tnp.nansum(tnp.nanmedian(x, axis=1)))(x)
        np.testing.assert_array_equal(g, [[0.5, 0.0, 0.5], [0.0, 0.0, 0.0]])
    g = tg.grad(lambda x: tnp.nansum(tnp.median(x, axis=1)))(np.array([[1.0, np.nan], [2.0, 3.0]]))
    np.testing.assert_array_equal(g, [[0.0, 0.0], [0.5, 0.5]])


# -- index-valued functions ----------------------------------------------------------------
def test_index_functions_match_numpy_and_batch():
    x = rand((3, 5))
    for ax in (None, 0, -1):
        np.testing.assert_array_equal(tnp.argsort(x, ax), np.argsort(x, ax))
    a = np.sort(x, axis=1)
    v = np.array([0.0, -3.0, 1.5])
    for side in ("left", "right"):
        np.testing.assert_array_equal(tnp.searchsorted(a[0], v, side),
                                      np.searchsorted(a[0], v, side))
        np.testing.assert_array_equal(tg.vmap(lambda a: tnp.searchsorted(a, v, side))(a),
                                      [np.searchsorted(r, v, side) for r in a])
    np.testing.assert_array_equal(tnp.searchsorted(x[0], v, sorter=np.argsort(x[0])),
                                  np.searchsorted(x[0], v, sorter=np.argsort(x[0])))
    np.testing.assert_array_equal(tg.vmap(lambda v: tnp.searchsorted(a[0], v))(x),
                                  np.searchsorted(a[0], x))
    np.testing.assert_array_equal(tg.vmap(tnp.argsort, in_axes=1)(x), np.argsort(x.T, -1))
    keys = (np.array([1.0, 0.0, 1.0, 0.0]), np.array([2.0, 2.0, 1.0, 1.0]))
    np.testing.assert_array_equal(tnp.lexsort(keys), np.lexsort(keys))
    np.testing.assert_array_equal(tg.vmap(lambda k: tnp.lexsort((k, keys[1])))(x[:, :4]),
                                  [np.lexsort((r, keys[1])) for r in x[:, :4]])

    def f(x):
        order = np.argsort(x)  # NumPy's own function on a traced value
        assert type(order) is np.ndarray
        return tnp.sum(x[order] * np.arange(5.0))
    np.testing.assert_allclose(tg.grad(f)(x[0]), np.argsort(np.argsort(x[0])).astype(float))


def test_unique_returns_and_errors():
    x = np.array([[2.0, 1.0], [2.0, 3.0]])
    for kw in ({}, {"return_index": True, "return_inverse": True, "return_counts": True}):
        got_all, want_all = tg.tree.leaves(tnp.unique(x, **kw)), tg.tree.leaves(np.unique(x, **kw))
        for got, want in zip(got_all, want_all, strict=True):
            np.testing.assert_array_equal(got, want)
    # the first occurrence of a repeated value receives its cotangent
    np.testing.assert_array_equal(tg.grad(lambda x: tnp.sum(tnp.unique(x) * [1.0, 10.0, 100.0]))(x),
                                  [[10.0, 1.0], [0.0, 100.0]])
    with pytest.raises(ValueError, match="ragged"):
        tg.vmap(tnp.unique)(x)


def test_numpy_dispatch_and_put_along_axis_in_place_error():
    x = rand((2, 3))
    g = tg.grad(lambda x: np.sum(np.median(x, axis=0) + np.sort(x, axis=None)[-1]))(x)
    np.testing.assert_allclose(g, tg.grad(lambda x: tnp.sum(tnp.median(x, axis=0)
                                                            + tnp.max(x)))(x))
    with pytest.raises(TypeError, match="tangents.numpy.put_along_axis"):
        tg.grad(lambda x: np.put_along_axis(x, np.zeros((2, 1), int), 0.0, 1))(x)


def test_quantile_errors():
    with pytest.raises(ValueError, match="range"):
        tnp.quantile(np.ones(3), 1.5)
    with pytest.raises(ValueError, match="not a valid method"):
        tnp.quantile(np.ones(3), 0.5, method="bogus")
