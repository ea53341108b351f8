"""Sorting, searching and NaN-ignoring reductions (order statistics: _quantiles.py).

`sort` is a gather through the permutation ``argsort(kind="stable")`` finds on the primal
values, followed by `tie_average`, whose derivative averages over each run of tied values,
so k tied entries share their cotangents equally (as for ``max``).  The index-valued
functions (argsort, searchsorted, lexsort, unique's indices) are computed on primal values
and carry no derivative.
"""
from __future__ import annotations

__all__ = ['sort', 'argsort', 'searchsorted', 'lexsort', 'unique', 'take_along_axis',
           'put_along_axis', 'nansum', 'nanprod', 'nanmean', 'nanvar', 'nanstd', 'nanmax',
           'nanmin', 'nanargmax', 'nanargmin', 'nancumsum', 'nancumprod', 'sort_complex']

import operator
from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np

from ..core import (
    Primitive,
    Tracer,
    backend,
    batch_axis_op,
    batch_by_loop,
    bind,
    builders,
    sparsity,
)
from ..typing import Array, ArrayLike, Axis, DTypeLike, NDArray
from ._complex import conj
from ._creation import asarray, astype, cast, real
from ._dispatch import (
    dtype_of,
    implements,
    normalize_axis,
    numpy_on_plain,
    reduce_axes,
    shape_of,
)
from ._elementwise import equal, isnan, logical_not, maximum, sqrt
from ._elementwise import where as _where
from ._indexing import getitem, take
from ._reductions import all as _all
from ._reductions import argmax, argmin, cumprod, cumsum, prod, variance_args
from ._reductions import max as _max
from ._reductions import min as _min
from ._reductions import sum as _sum
from ._shape import broadcast_to, ravel, reshape
from ._updates import _require_traced_target


def _no_out(name: Any, out: Any) -> Any:
    if out is not None:
        raise TypeError(f"{name}: out= writes into a buffer; use the returned value instead")


def _scalar(x: Any) -> Any:
    """A plain 0-d result as the NumPy scalar NumPy's own function returns."""
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


# -- argsort, searchsorted, lexsort: integer results on primal values ---------------------
argsort_p = builders.nondifferentiable(
    "argsort", lambda x, *, axis, kind: np.argsort(x, axis=axis[0], kind=kind),
    batch=batch_axis_op)


def _by_fields(np_fn: Any, name: Any, a: Any, axis: Any, kind: Any, order: Any, stable: Any) -> Any:
    """``order=`` names fields of a structured array: NumPy's own function on a plain one;
    a traced array is a plain numeric array and has no fields."""
    if isinstance(a, Tracer):
        raise TypeError(
            f"{name}(..., order={order!r}) sorts a structured array by its fields, but a traced "
            f"array (shape {shape_of(a)}, dtype {dtype_of(a)}) has no fields. Sort by a key "
            "instead: tnp.take_along_axis(a, tnp.argsort(key, axis), axis), or tnp.lexsort((key2, "
            "key1)) for several keys.")
    return np_fn(a, axis=axis, kind=kind, order=order, stable=stable)


def _descending_axis(a: Any, axis: Any, order: Any, op: Any) -> Any:
    """``(a, axis)`` for a descending sort: a flattened ``a`` for ``axis=None``."""
    if order is not None:
        raise TypeError(f"{op}: descending=True does not combine with order= (sort by "
                        "fields ascending, then reverse)")
    a = asarray(a)
    if axis is None:
        return ravel(a), 0
    return a, normalize_axis(axis, len(shape_of(a)), op)


def _reverse(a: Any, axis: Any) -> Any:
    return getitem(a, (slice(None),) * axis + (slice(None, None, -1),))


@implements(np.argsort)
def argsort(a: ArrayLike, axis: int = -1, kind: str | None = None,
            order: str | Sequence[str] | None = None, *, descending: bool = False,
            stable: bool | None = None) -> Array:
    """``argsort(a, axis=-1, kind=None, order=None, *, descending=False, stable=None)``:
    the sorting permutation (plain integers, no derivative); ``axis=None`` sorts the
    flattened array.  Stable unless ``kind`` or ``stable=False`` says otherwise (the Array
    API's default; NumPy leaves the order of ties unspecified): equal elements keep their
    original order, in either direction.

    >>> argsort(np.array([3.0, 1.0, 2.0]))
    array([1, 2, 0])
    >>> argsort(np.array([1.0, 2.0, 2.0, 3.0]), descending=True)
    array([3, 1, 2, 0])
    """
    if kind is None and stable is None:
        stable = True
    if descending:
        # stable descending order from an ascending sort of the reversed axis: reversing
        # puts later equal elements first, so flipping that order back and mapping its
        # positions to n - 1 - i keeps ties in their original order
        a, axis = _descending_axis(a, axis, order, "argsort")
        up = argsort(_reverse(a, axis), axis, "stable" if stable else kind)
        return (shape_of(a)[axis] - 1) - _reverse(up, axis)
    if order is not None:
        return _by_fields(np.argsort, "argsort", a, axis, kind, order, stable)
    if stable:
        kind = "stable"
    if axis is None or (not shape_of(a) and axis in (0, -1)):  # NumPy sorts a 0-d array as 1-d
        a, axis = ravel(a), 0
    return bind(argsort_p, a, axis=(normalize_axis(axis, len(shape_of(a)), "argsort"),),
                kind=kind)


def _searchsorted_batch(vals: Any, bdims: Any, *, side: Any) -> Any:
    if bdims[0] is None:  # elementwise in v: search each example's values in the shared a
        return bind(searchsorted_p, vals[0], vals[1], side=side), bdims[1]
    return batch_by_loop(searchsorted_p)(vals, bdims, side=side)


searchsorted_p = builders.nondifferentiable(
    "searchsorted", lambda a, v, *, side: np.searchsorted(a, v, side=side))
searchsorted_p.def_batch(_searchsorted_batch)


@implements(np.searchsorted)
def searchsorted(a: ArrayLike, v: ArrayLike, side: Literal["left", "right"] = "left",
                 sorter: ArrayLike | None = None) -> Array:
    """``searchsorted(a, v, side="left", sorter=None)``: insertion indices of ``v`` in the
    sorted 1-d ``a`` (plain integers, no derivative).

    >>> searchsorted(np.array([1.0, 2.0, 3.0]), np.array([2.5, 0.0]))
    array([2, 0])
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    if len(shape_of(a)) != 1:
        raise ValueError("searchsorted: a must be 1-d")
    if sorter is not None:
        a = take(a, sorter)
    return bind(searchsorted_p, a, v, side=side)


lexsort_p = builders.nondifferentiable(
    "lexsort", lambda *keys, axis: np.lexsort(keys, axis=axis), batch=batch_by_loop)


@implements(np.lexsort)
def lexsort(keys: ArrayLike | Sequence[ArrayLike], axis: int = -1) -> Array:
    """``lexsort(keys, axis=-1)``: indirect stable sort on several keys, the last key
    primary (plain integers, no derivative).

    >>> lexsort((np.array([2.0, 1.0, 0.0]), np.array([1.0, 0.0, 1.0])))
    array([1, 2, 0])
    """
    rows: Any = keys
    if isinstance(keys, (np.ndarray, Tracer)):
        rows = [getitem(keys, i) for i in range(shape_of(keys)[0])]
    rows = [asarray(k) for k in rows]
    if not rows:
        raise TypeError("need sequence of keys with len(keys) > 0 in lexsort")
    return bind(lexsort_p, *rows, axis=operator.index(axis))


# -- unique: values gathered at the first occurrences, so they stay differentiable ---------
def _unique_impl(x: Any, *, axis: Any, equal_nan: Any) -> Any:
    _, index, inverse, counts = np.unique(x, return_index=True, return_inverse=True,
                                          return_counts=True, axis=axis, equal_nan=equal_nan)
    return [index, inverse, counts]


def _unique_batch(vals: Any, bdims: Any, **params: Any) -> Any:
    raise ValueError("unique inside vmap: the number of unique values differs between "
                     "examples, so the batched result would be ragged. Use np.sort, or "
                     "compare against a fixed set of values with a mask, instead.")


unique_p = Primitive("unique", _unique_impl, differentiable=False, multiple_results=True)
unique_p.def_batch(_unique_batch)


@overload
def unique(ar: ArrayLike, return_index: Literal[False] = False,
           return_inverse: Literal[False] = False, return_counts: Literal[False] = False,
           axis: int | None = None, *, equal_nan: bool = True, sorted: bool = True) -> Array: ...
@overload
def unique(ar: ArrayLike, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           sorted: bool = True) -> Array | tuple[Array, ...]: ...
@implements(np.unique)
def unique(ar: ArrayLike, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           sorted: bool = True) -> Array | tuple[Array, ...]:
    """``unique(ar, return_index=False, return_inverse=False, return_counts=False,
    axis=None, equal_nan=True)``.

    The unique values are gathered from the first occurrence of each (the one
    ``return_index`` names), so that entry receives their cotangent; the index arrays carry
    no derivative.  Not available inside vmap (the result's length varies).

    >>> unique(np.array([2.0, 1.0, 2.0]), return_counts=True)
    (array([1., 2.]), array([1, 2]))
    """
    if not sorted:
        raise NotImplementedError("unique: sorted=False is not supported")
    ar = asarray(ar)
    if axis is None:
        x, ax = ravel(ar), 0
    else:
        x, ax = ar, normalize_axis(axis, len(shape_of(ar)), "unique")
    index, inverse, counts = bind(unique_p, ar, axis=None if axis is None else ax,
                                  equal_nan=bool(equal_nan))
    values = take(x, index, axis=ax)
    extra = [r for r, want in ((index, return_index), (inverse, return_inverse),
                               (counts, return_counts)) if want]
    return tuple([values] + extra) if extra else values


# -- sort, take_along_axis, put_along_axis ------------------------------------------------
def _along_axis_key(xshape: Any, indices: Any, axis: Any) -> Any:
    """The advanced index that picks ``indices`` along ``axis`` and every position along the
    other axes (NumPy's ``take_along_axis`` fancy index)."""
    nd = len(xshape)
    if len(shape_of(indices)) != nd:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    if not isinstance(indices, Tracer) and not backend.keep_input(indices):  # Dask: lazy
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu":
            raise IndexError("`indices` must be an integer array")
    return tuple(indices if d == axis else
                 np.arange(xshape[d]).reshape([-1 if e == d else 1 for e in range(nd)])
                 for d in range(nd))


@implements(np.take_along_axis)
def take_along_axis(arr: ArrayLike, indices: ArrayLike, axis: int = -1) -> Array:
    """``take_along_axis(arr, indices, axis=-1)``: ``arr`` gathered at ``indices`` along
    ``axis`` (``axis=None``: the flattened array); cotangents of repeated indices add.

    >>> take_along_axis(np.array([[3.0, 1.0], [0.0, 2.0]]), np.array([[1], [0]]), axis=1)
    array([[1.],
           [0.]])
    """
    if axis is None:
        arr, axis = ravel(arr), 0
    axis = normalize_axis(axis, len(shape_of(arr)), "take_along_axis")
    return getitem(arr, _along_axis_key(shape_of(arr), indices, axis))


def _put_along_axis_value(arr: Any, indices: Any, values: Any, axis: Any) -> Any:
    """``arr`` with ``values`` written at ``indices`` along ``axis`` (a new array): where an
    index repeats, the last value written wins and alone receives the cotangent; ``arr``
    receives it everywhere else."""
    if isinstance(indices, Tracer):
        raise NotImplementedError("put_along_axis: indices traced by vmap are not supported; "
                                  "compute them outside vmap or use np.where with a mask")
    if axis is None:
        out_shape = shape_of(arr)
        arr, axis = ravel(arr), 0
    else:
        out_shape = None
    xshape = shape_of(arr)
    axis = normalize_axis(axis, len(xshape), "put_along_axis")
    key = _along_axis_key(xshape, indices, axis)
    key = tuple(k % xshape[d] if d == axis else k for d, k in enumerate(key))
    key = np.broadcast_arrays(*key)
    flat_pos = np.ravel_multi_index(key, xshape).ravel()
    # for each written position, the last entry of the (broadcast) values written there
    last = np.full(int(np.prod(xshape)), -1, np.intp)
    last[flat_pos] = np.arange(flat_pos.size)
    mask = (last >= 0).reshape(xshape)
    src = np.where(last >= 0, last, 0)
    vals = ravel(broadcast_to(cast(asarray(values), dtype_of(arr)), key[0].shape))
    out = _where(mask, reshape(getitem(vals, src), xshape), arr)
    return out if out_shape is None else reshape(out, out_shape)


@implements(np.put_along_axis)
def put_along_axis(arr: Array, indices: ArrayLike, values: ArrayLike, axis: int | None) -> None:
    """``put_along_axis(arr, indices, values, axis)``: writes ``values`` into ``arr`` at
    ``indices`` along ``axis`` in place and returns None, as NumPy; a traced ``arr`` is
    updated like ``arr[i] = v`` (every reference and view sees it).  Where an index repeats,
    the last value written wins and alone receives the cotangent.  ``indices`` must be a
    plain (not vmapped) integer array; ``arr`` must be traced when ``values`` is.

    >>> a = np.zeros((2, 2)); put_along_axis(a, np.array([[1], [0]]), 5.0, axis=1); a
    array([[0., 5.],
           [5., 0.]])
    """
    if not isinstance(arr, Tracer) and not isinstance(values, Tracer) \
            and not isinstance(indices, Tracer):
        return np.put_along_axis(arr, indices, values, axis)  # type: ignore[arg-type]
    _require_traced_target(arr, "np.put_along_axis")
    arr._become(  # type: ignore[union-attr]  # arr is traced here
        _put_along_axis_value(arr, indices, values, axis))


@implements(np.sort)
def sort(a: ArrayLike, axis: int = -1, kind: str | None = None,
         order: str | Sequence[str] | None = None, *, descending: bool = False,
         stable: bool | None = None) -> Array:
    """``sort(a, axis=-1, kind=None, order=None, *, descending=False, stable=None)``
    (``axis=None``: the flattened array; ``descending``: the Array API's keyword).

    The derivative follows the permutation of ``argsort(a, kind="stable")``, averaged over
    tied values: k equal entries share their cotangents equally (as ``max`` does), so
    ``median``, ``quantile`` and ``sort(x)[-1]`` agree with ``max`` on ties.

    >>> sort(np.array([[3.0, 1.0], [0.0, 2.0]]), axis=0)
    array([[0., 1.],
           [3., 2.]])
    >>> sort(np.array([1.0, 3.0, 2.0]), descending=True)
    array([3., 2., 1.])
    """
    if descending:
        a, axis = _descending_axis(a, axis, order, "sort")
        return _reverse(sort(a, axis, kind, stable=stable), axis)
    if order is not None:
        return _by_fields(np.sort, "sort", a, axis, kind, order, stable)
    a = asarray(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, len(shape_of(a)), "sort")
    out = take_along_axis(a, argsort(a, axis, kind="stable"), axis)
    return bind(tie_average_p, out, axis=(axis,)) if isinstance(out, Tracer) else out


# -- ties: the derivative of sort averages over each run of equal sorted values -----------
# tie_average is the identity on sorted values s (averaging a run of equal values changes
# nothing) whose derivative is the linear projection P that replaces a (co)tangent by its
# mean over each run.  P is symmetric, so it is its own transpose: with it, k tied maxima of
# sort share the cotangent 1/k each, as max does, and median/quantile inherit the rule.
def _tie_bounds_impl(s: Any, *, axis: Any) -> Any:
    ax = axis[0]
    v = np.moveaxis(np.asarray(s), ax, -1)
    n = v.shape[-1]
    pos = np.broadcast_to(np.arange(n), v.shape)
    new_run = np.ones(v.shape, bool)
    new_run[..., 1:] = v[..., 1:] != v[..., :-1]
    start = np.maximum.accumulate(np.where(new_run, pos, 0), axis=-1)
    last = np.ones(v.shape, bool)
    last[..., :-1] = new_run[..., 1:]
    end = np.flip(np.minimum.accumulate(np.flip(np.where(last, pos, n - 1), -1), -1), -1)
    return [np.moveaxis(start, -1, ax), np.moveaxis(end, -1, ax)]


tie_bounds_p = builders.nondifferentiable("tie_bounds", _tie_bounds_impl)
tie_bounds_p.multiple_results = True


def _tie_bounds_batch(vals: Any, bdims: Any, *, axis: Any) -> Any:
    from ..core import move_bdim
    return bind(tie_bounds_p, move_bdim(vals[0], bdims[0], 0), axis=(axis[0] + 1,)), [0, 0]


tie_bounds_p.def_batch(_tie_bounds_batch)


def _tie_mean(v: Any, s: Any, axis: Any) -> Any:
    """``v`` averaged over each run of equal values of the sorted ``s`` along ``axis``."""
    ax = axis[0]
    start, end = bind(tie_bounds_p, s, axis=axis)
    c = cumsum(v, axis=ax)
    total = take_along_axis(c, end, ax)
    before = take_along_axis(c, np.maximum(start - 1, 0) if not isinstance(start, Tracer)
                             else maximum(start - 1, 0), ax)
    before = _where(start > 0, before, 0.0)
    return (total - before) / (end - start + 1)


tie_average_p = Primitive("tie_average", lambda s, *, axis: s)
tie_average_p.def_vjp(lambda ct, ans, s, *, axis: _tie_mean(ct, s, axis))
tie_average_p.def_jvp(lambda t, ans, s, *, axis: _tie_mean(t, s, axis))
tie_average_p.def_batch(batch_axis_op(tie_average_p))
# the runs of ties are data: conservatively a whole lane; a projection, so linear
tie_average_p.def_sparsity(sparsity.reduction(nonlinear=False, same_shape=True))


# -- NaN-ignoring reductions: NaN entries replaced by the identity, so they get zero ------
def _nan_filled(a: Any, fill: Any) -> Any:
    a = asarray(a)
    return _where(isnan(a), fill, a) if dtype_of(a).kind in "fc" else a


def _count(a: Any, axes: Any, keepdims: Any, dt: Any) -> Any:
    c = _sum(logical_not(isnan(a)), axes, keepdims=keepdims) if dtype_of(a).kind in "fc" else \
        np.full(_keep_shape(shape_of(a), axes, keepdims),
                int(np.prod([shape_of(a)[i] for i in axes])))
    return cast(c, dt)


def _keep_shape(xshape: Any, axes: Any, keepdims: Any) -> Any:
    return tuple(1 if i in axes else d for i, d in enumerate(xshape)) if keepdims else tuple(
        d for i, d in enumerate(xshape) if i not in axes)


@implements(np.nansum)
def nansum(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
           out: NDArray[Any] | None = None, keepdims: bool = False,
           initial: ArrayLike | None = None, where: ArrayLike | None = None) -> Array:
    """``nansum``: `sum` with NaNs counted as zero (they get a zero derivative).

    >>> nansum(np.array([1.0, np.nan, 2.0]))
    np.float64(3.0)
    """
    return _sum(_nan_filled(a, 0), axis, dtype, out, keepdims, initial, where)


@implements(np.nanprod)
def nanprod(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
            out: NDArray[Any] | None = None, keepdims: bool = False,
            initial: ArrayLike | None = None, where: ArrayLike | None = None) -> Array:
    """``nanprod``: `prod` with NaNs counted as one (they get a zero derivative).

    >>> nanprod(np.array([2.0, np.nan, 3.0]))
    np.float64(6.0)
    """
    return prod(_nan_filled(a, 1), axis, dtype, out, keepdims, initial, where)


@implements(np.nancumsum)
def nancumsum(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
              out: NDArray[Any] | None = None) -> Array:
    """``nancumsum``: `cumsum` with NaNs counted as zero.

    >>> nancumsum(np.array([1.0, np.nan, 2.0]))
    array([1., 1., 3.])
    """
    return cumsum(_nan_filled(a, 0), axis, dtype, out)


@implements(np.nancumprod)
def nancumprod(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
               out: NDArray[Any] | None = None) -> Array:
    """``nancumprod``: `cumprod` with NaNs counted as one.

    >>> nancumprod(np.array([2.0, np.nan, 3.0]))
    array([2., 2., 6.])
    """
    return cumprod(_nan_filled(a, 1), axis, dtype, out)


def _nan_extremum(a: Any, axis: Any, out: Any, keepdims: Any, initial: Any, where_: Any, fill: Any,
                  reduce: Any, name: Any) -> Any:
    _no_out(name, out)
    a = asarray(a)
    if dtype_of(a).kind not in "fc":
        return reduce(a, axis, None, keepdims, initial, where_)
    ans = reduce(_where(isnan(a), fill, a), axis, None, keepdims, initial, where_)
    if initial is not None:
        return ans
    return _scalar(_where(_all(isnan(a), axis, keepdims=keepdims), np.nan, ans))


@implements(np.nanmax)
def nanmax(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None, keepdims: bool = False,
           initial: ArrayLike | None = None, where: ArrayLike | None = None) -> Array:
    """``nanmax``: `max` ignoring NaNs (ties share the derivative as in `max`; NaN entries
    get zero; an all-NaN slice gives NaN).

    >>> nanmax(np.array([1.0, np.nan, 3.0]))
    np.float64(3.0)
    """
    return _nan_extremum(a, axis, out, keepdims, initial, where, -np.inf, _max, "nanmax")


@implements(np.nanmin)
def nanmin(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None, keepdims: bool = False,
           initial: ArrayLike | None = None, where: ArrayLike | None = None) -> Array:
    """``nanmin``: `min` ignoring NaNs (see `nanmax`).

    >>> nanmin(np.array([1.0, np.nan, 3.0]))
    np.float64(1.0)
    """
    return _nan_extremum(a, axis, out, keepdims, initial, where, np.inf, _min, "nanmin")


@implements(np.nanargmax)
@numpy_on_plain(np.nanargmax)
def nanargmax(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None, *,
              keepdims: bool = False) -> Array:
    """``nanargmax``: index of the maximum ignoring NaNs (plain integers).

    >>> nanargmax(np.array([1.0, np.nan, 3.0]))
    np.int64(2)
    """
    return argmax(_nan_filled(a, -np.inf), axis, out, keepdims=keepdims)


@implements(np.nanargmin)
@numpy_on_plain(np.nanargmin)
def nanargmin(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None, *,
              keepdims: bool = False) -> Array:
    """``nanargmin``: index of the minimum ignoring NaNs (plain integers).

    >>> nanargmin(np.array([1.0, np.nan, 3.0]))
    np.int64(0)
    """
    return argmin(_nan_filled(a, np.inf), axis, out, keepdims=keepdims)


@implements(np.nanmean)
@numpy_on_plain(np.nanmean)
def nanmean(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
            out: NDArray[Any] | None = None, keepdims: bool = False, *,
            where: ArrayLike | None = None) -> Array:
    """``nanmean``: the mean of the non-NaN entries (NaN entries get a zero derivative).

    >>> nanmean(np.array([1.0, np.nan, 3.0]))
    np.float64(2.0)
    """
    _no_out("nanmean", out)
    if where is not None and where is not True:
        raise NotImplementedError("nanmean: where= is not supported")
    a = asarray(a)
    if dtype_of(a).kind not in "fc":
        from ._reductions import mean
        return mean(a, axis, dtype, keepdims=keepdims)
    axes = reduce_axes(axis, len(shape_of(a)), "nanmean")
    s = nansum(a, axes, dtype, keepdims=keepdims)
    return _scalar(s / _count(a, axes, keepdims, dtype_of(s)))


@implements(np.nanvar)
@numpy_on_plain(np.nanvar)
def nanvar(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
           out: NDArray[Any] | None = None, ddof: float = 0, keepdims: bool = False, *,
           where: ArrayLike | None = None, mean: ArrayLike | None = None,
           correction: float | None = None) -> Array:
    """``nanvar``: the variance of the non-NaN entries, ``sum((a - nanmean)**2) /
    (count - ddof)``; NaN where ``count <= ddof``.

    >>> nanvar(np.array([1.0, np.nan, 3.0]))
    np.float64(1.0)
    """
    ddof = variance_args("nanvar", out, where, ddof, correction)
    a = asarray(a)
    if dtype is not None:
        a = cast(a, dtype)
    if dtype_of(a).kind not in "fc":
        from ._reductions import var
        return var(a, axis, None, None, ddof, keepdims, mean=mean)
    axes = reduce_axes(axis, len(shape_of(a)), "nanvar")
    m = nanmean(a, axes, keepdims=True) if mean is None else mean
    d = _where(isnan(a), 0.0, a - m)
    s = _sum(real(d * conj(d)) if dtype_of(a).kind == "c" else d * d, axes,
             keepdims=keepdims)
    dof = _count(a, axes, keepdims, dtype_of(s)) - ddof
    bad = dof <= 0
    return _scalar(_where(bad, np.nan, s / _where(bad, 1.0, dof)))


@implements(np.nanstd)
@numpy_on_plain(np.nanstd)
def nanstd(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
           out: NDArray[Any] | None = None, ddof: float = 0, keepdims: bool = False, *,
           where: ArrayLike | None = None, mean: ArrayLike | None = None,
           correction: float | None = None) -> Array:
    """``nanstd``: ``sqrt(nanvar(...))``, with a zero derivative where it is 0.

    >>> nanstd(np.array([1.0, np.nan, 3.0]))
    np.float64(1.0)
    """
    v = nanvar(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
               correction=correction)
    zero = equal(v, 0)
    return _scalar(_where(zero, 0.0, sqrt(_where(zero, 1.0, v))))


@implements(np.sort_complex)
def sort_complex(a: ArrayLike) -> Array:
    """``sort_complex(a)``: sorted by real part, then imaginary part, as complex.

    >>> sort_complex(np.array([2.0, 1.0]))
    array([1.+0.j, 2.+0.j])
    """
    b = sort(a)
    if dtype_of(b).kind == "c":
        return b
    return astype(b, "F" if dtype_of(b).char in "bhBH" else
                  "G" if dtype_of(b).char == "g" else "D")
