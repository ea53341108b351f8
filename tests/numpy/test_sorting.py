"""Sorting family: sort, take/put_along_axis, unique and the NaN-ignoring reductions through
the shared harness (sort_complex too); the tie rule (ties share equally), NaN entries (zero
derivative), the index-valued functions (argsort, searchsorted, lexsort) and
structured-array order=.  Quantiles: test_quantiles.py."""
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


def _tnp_put(arr, values, indices, axis):
    """A copy of ``arr`` written in place by ``tnp.put_along_axis`` (returns None); the
    copy is traced whenever either argument is (a traced value cannot go into a plain
    buffer)."""
    out = arr + 0.0 * np.sum(values)
    assert tnp.put_along_axis(out, indices, values, axis) is None
    return out


CASES += [Case("put_along_axis", lambda a, v: _tnp_put(a, v, _PUT, 1),
               (rand((2, 3)), rand((2, 2), seed=1)), np_fun=lambda a, v: _np_put(a, v, _PUT, 1)),
          Case("put_along_axis-bcast", lambda a, v: _tnp_put(a, v, _PUT2, 0),
               (rand((2, 3)), rand((), seed=1)), np_fun=lambda a, v: _np_put(a, v, _PUT2, 0)),
          Case("put_along_axis-None", lambda a, v: _tnp_put(a, v, np.array([3, 0, 3]), None),
               (rand((4,)), rand((3,), seed=1)),
               np_fun=lambda a, v: _np_put(a, v, np.array([3, 0, 3]), None))]

CASES += [Case("unique", tnp.unique, (rand((2, 3)),), np_fun=np.unique, vmap=False),
          Case("unique-axis", P(tnp.unique, axis=-1), (rand((2, 3)),),
               np_fun=P(np.unique, axis=-1), vmap=False)]

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
            ("nanmin", tnp.nanmin, np.nanmin),
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


def test_numpy_dispatch_of_sort_and_median():
    x = rand((2, 3))
    g = tg.grad(lambda x: np.sum(np.median(x, axis=0) + np.sort(x, axis=None)[-1]))(x)
    np.testing.assert_allclose(g, tg.grad(lambda x: tnp.sum(tnp.median(x, axis=0)
                                                            + tnp.max(x)))(x))


def test_put_along_axis_writes_in_place_as_numpy():
    """tnp.put_along_axis is NumPy's function: in place, returning None, on plain arrays
    (it once returned a new array and left its argument alone) and on traced ones, where
    every reference and view sees the write."""
    idx, vals = np.array([[1], [0]]), np.array([[5.0], [6.0]])
    a, ref = rand((2, 3)), rand((2, 3))
    assert tnp.put_along_axis(a, idx, vals, 1) is None
    assert np.put_along_axis(ref, idx, vals, 1) is None
    np.testing.assert_array_equal(a, ref)
    a32 = rand((2, 3), dtype=np.float32)
    tnp.put_along_axis(a32, idx, vals, 1)
    assert a32.dtype == np.float32 and a32[0, 1] == 5.0

    def f(x, v):
        y = x * 2.0 + 0.0 * np.sum(v)  # traced when either argument is
        row = y[1]  # a view: sees the write into y
        assert np.put_along_axis(y, idx, v, axis=1) is None
        return y * row
    x, v = rand((2, 3), seed=2), rand((2, 1), seed=3)
    want = 2.0 * x
    np.put_along_axis(want, idx, v, axis=1)
    np.testing.assert_allclose(f(x, v), want * want[1])
    check_case(Case("put_along_axis-view", f, (x, v), np_fun=f))


def test_put_along_axis_errors_name_the_operation():
    with pytest.raises(tg.TracerConversionError, match="np.put_along_axis"):
        tg.grad(lambda v: np.sum(np.put_along_axis(np.zeros((2, 2)), np.array([[0], [1]]),
                                                   v, 1) or v))(rand((2, 1)))
    with pytest.raises(NotImplementedError, match="indices traced by vmap"):
        tg.vmap(lambda x, i: np.put_along_axis(x, i, 0.0, 1))(
            rand((3, 2, 2)), np.zeros((3, 2, 1), int))


def test_order_sorts_plain_structured_arrays_and_rejects_traced_ones():
    rec = np.array([(1, 2.0), (0, 3.0), (1, 1.0)], dtype=[("i", int), ("f", float)])
    for fn, np_fn in ((tnp.sort, np.sort), (tnp.argsort, np.argsort)):
        for order in ("f", ["i", "f"]):
            np.testing.assert_array_equal(fn(rec, order=order), np_fn(rec, order=order))
    np.testing.assert_array_equal(tnp.partition(rec, 1, order="f"),
                                  np.partition(rec, 1, order="f"))
    np.testing.assert_array_equal(tnp.argpartition(rec, 1, order="i"),
                                  np.argpartition(rec, 1, order="i"))
    for call in (lambda x: np.sort(x, order="f"), lambda x: np.argsort(x, order="f"),
                 lambda x: np.partition(x, 1, order="f"), lambda x: tnp.sort(x, order=["f"])):
        with pytest.raises(TypeError, match=r"order=.*has no fields.*take_along_axis"):
            tg.grad(lambda x, call=call: np.sum(call(x) * 1.0))(rand((3,)))


# -- sort_complex, and put_along_axis through np (a row the coverage table cannot probe) ---
def _put_along_axis_copy(a, indices, values, axis):
    out = a + 0.0 * np.sum(values)  # traced when either argument is
    np.put_along_axis(out, indices, values, axis)  # in place, as NumPy (tested in test_sorting)
    return out


MORE_CASES = [
    Case("sort_complex", lambda x: tnp.real(tnp.sort_complex(x)), (rand((4,)),),
         np_fun=lambda x: np.real(np.sort_complex(x)), float32=False),
    Case("put_along_axis", lambda a, v: _put_along_axis_copy(a, np.array([[1], [0]]), v, 1),
         (rand((2, 3)), rand((2, 1), seed=1))),
]


@pytest.mark.parametrize("case", MORE_CASES, ids=case_id)
def test_sort_complex_and_put_along_axis_rule(case):
    check_case(case)
