"""Interpolation and grids: interp, linspace/arange with traced endpoints, meshgrid,
block."""
from __future__ import annotations

__all__ = ['interp', 'linspace', 'arange', 'meshgrid', 'block']

import operator
from typing import Any, Literal, overload

import numpy as np

from ..core import Tracer, batch_elementwise, bind, builders
from ..typing import Array, ArrayLike, DTypeLike
from ._creation import _float, asarray, cast
from ._dispatch import dtype_of, implements, numpy_on_plain, shape_of
from ._elementwise import clip, where
from ._indexing import getitem, take
from ._joining import concatenate
from ._shape import broadcast_to, moveaxis, reshape
from ._sorting import _scalar, argsort, searchsorted


# -- interpolation and grids ---------------------------------------------------------------
@implements(np.interp)
@numpy_on_plain(np.interp)
def interp(x: ArrayLike, xp: ArrayLike, fp: ArrayLike, left: ArrayLike | None = None,
           right: ArrayLike | None = None, period: float | None = None) -> Array:
    """``interp(x, xp, fp, left=None, right=None, period=None)``: piecewise-linear
    interpolation, differentiable in ``x``, ``fp`` and ``xp``.  At a knot the derivative in
    ``x`` is the slope of the segment to its right (of the last segment at ``xp[-1]``).

    >>> interp(np.array([0.5, 3.0]), np.array([0.0, 1.0]), np.array([0.0, 2.0]))
    array([1., 2.])
    """
    x, xp, fp = asarray(x), _float(asarray(xp)), asarray(fp)
    if len(shape_of(xp)) != 1 or len(shape_of(fp)) != 1:
        raise ValueError("object too deep for desired array")
    if shape_of(xp)[0] != shape_of(fp)[0]:
        raise ValueError("fp and xp are not of the same length.")
    if shape_of(xp)[0] == 0:
        raise ValueError("array of sample points is empty")
    out_dt = np.complex128 if dtype_of(fp).kind == "c" else np.float64
    x, xp, fp = cast(x, np.float64), cast(xp, np.float64), cast(fp, out_dt)
    if period is not None:
        if period == 0:
            raise ValueError("period must be a non-zero value")
        period = abs(period)
        left = right = None
        x, xp = x % period, xp % period
        order = argsort(xp)
        xp, fp = take(xp, order), take(fp, order)
        xp = concatenate([getitem(xp, slice(-1, None)) - period, xp,
                          getitem(xp, slice(0, 1)) + period])
        fp = concatenate([getitem(fp, slice(-1, None)), fp, getitem(fp, slice(0, 1))])
    n = shape_of(xp)[0]
    if n == 1:
        val = broadcast_to(getitem(fp, 0), shape_of(x))
    else:
        j = clip(searchsorted(xp, x, side="right") - 1, 0, n - 2)
        xj, fj = take(xp, j), take(fp, j)
        slope = (take(fp, j + 1) - fj) / (take(xp, j + 1) - xj)
        val = slope * (x - xj) + fj
    lo = getitem(fp, 0) if left is None else left
    hi = getitem(fp, -1) if right is None else right
    val = where(x < getitem(xp, 0), lo, where(x > getitem(xp, -1), hi, val))
    return _scalar(cast(val, out_dt))


@overload
def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             retstep: Literal[False] = False, dtype: DTypeLike | None = None, axis: int = 0, *,
             device: Any = None) -> Array: ...
@overload
def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True, *,
             retstep: Literal[True], dtype: DTypeLike | None = None, axis: int = 0,
             device: Any = None) -> tuple[Array, Array]: ...
@implements(np.linspace)
@numpy_on_plain(np.linspace)
def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: DTypeLike | None = None, axis: int = 0, *,
             device: Any = None) -> Array | tuple[Array, Array]:
    """``linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0)``:
    differentiable in ``start`` and ``stop`` (entry i moves by ``1 - i/div`` and ``i/div``).

    >>> linspace(0.0, 1.0, 3)
    array([0. , 0.5, 1. ])
    """
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = (num - 1) if endpoint else num
    # lists (of traced values) as arrays; Python scalars stay weak in the promotion below
    start, stop = (asarray(v) if type(v) in (list, tuple) else v for v in (start, stop))
    dt = np.result_type(*[dtype_of(v) if isinstance(v, Tracer) else v
                          for v in (start, stop)], float(num))
    start, stop = asarray(start), asarray(stop)
    start, stop = cast(start, dt), cast(stop, dt)
    delta = stop - start
    t = np.arange(num, dtype=dt).reshape((-1,) + (1,) * len(shape_of(delta)))
    step = delta / div if div > 0 else delta * np.nan
    y = (t * step if div > 0 else t * delta) + start
    if endpoint and num > 1:
        last = broadcast_to(stop, shape_of(delta))  # the endpoints may differ in shape
        y = concatenate([getitem(y, slice(None, -1)), reshape(last, (1,) + shape_of(delta))])
    if axis != 0:
        y = moveaxis(y, 0, axis)
    if dtype is not None:
        if np.dtype(dtype).kind in "iu":
            from ._elementwise import floor
            y = floor(y)
        y = cast(y, dtype)
    return (y, step) if retstep else y


def _arange_len_batch(vals: Any, bdims: Any) -> tuple[Any, None]:
    out, _ = batch_elementwise(arange_len_p)(vals, bdims)
    if isinstance(out, Tracer) or np.size(out) == 0 or not (out == np.ravel(out)[0]).all():
        raise ValueError("arange inside vmap: the number of elements differs between "
                         "examples, so the batched result would be ragged")
    return np.ravel(out)[0], None


arange_len_p = builders.nondifferentiable(
    "arange_len", lambda start, stop, step: np.maximum(
        np.ceil((stop - start) / step), 0).astype(np.intp))
arange_len_p.def_batch(_arange_len_batch)


@implements(np.arange)
def arange(start: ArrayLike, stop: ArrayLike | None = None, step: ArrayLike | None = None,
           dtype: DTypeLike | None = None, *, device: Any = None, like: Any = None) -> Array:
    """``arange(start, stop=None, step=None, dtype=None)``: traced ``start``/``step`` give a
    differentiable ``start + step * i`` (``stop`` only decides the length).

    >>> arange(1.0, 2.0, 0.5)
    array([1. , 1.5])
    """
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    if not any(isinstance(v, Tracer) for v in (start, stop, step)):
        return np.arange(start, stop, step, dtype=dtype)  # type: ignore[arg-type, call-overload, misc]
    n = int(bind(arange_len_p, start, stop, step))
    dt = np.result_type(*[dtype_of(v) if isinstance(v, Tracer) else v
                          for v in (start, stop, step)]) if dtype is None else np.dtype(dtype)
    return cast(cast(start, dt) + cast(step, dt) * np.arange(n, dtype=dt), dt)


@implements(np.meshgrid)
def meshgrid(*xi: ArrayLike, copy: bool = True, sparse: bool = False, indexing: str = "xy"
             ) -> tuple[Array, ...]:
    """``meshgrid(*xi, copy=True, sparse=False, indexing="xy")``: coordinate grids, a tuple.

    >>> [g.shape for g in meshgrid(np.zeros(2), np.zeros(3))]
    [(3, 2), (3, 2)]
    """
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    nd = len(xi)
    ones = (1,) * nd
    out = [reshape(asarray(x), ones[:i] + (-1,) + ones[i + 1:]) for i, x in enumerate(xi)]
    if indexing == "xy" and nd > 1:
        out[0] = reshape(out[0], (1, -1) + ones[2:])
        out[1] = reshape(out[1], (-1, 1) + ones[2:])
    if not sparse:
        full = np.broadcast_shapes(*[shape_of(o) for o in out])
        out = [broadcast_to(o, full) for o in out]
    return tuple(out)


def _block_depth(arrays: Any, where_: Any = ()) -> Any:
    if isinstance(arrays, tuple):
        raise TypeError(f"arrays{''.join(f'[{i}]' for i in where_)} is a tuple. Only lists can "
                        "be used to arrange blocks, and np.block does not allow implicit "
                        "conversion from tuple to ndarray.")
    if not isinstance(arrays, list):
        return 0
    if not arrays:
        raise ValueError(f"List at arrays{''.join(f'[{i}]' for i in where_)} cannot be empty")
    depths = {_block_depth(a, where_ + (i,)) for i, a in enumerate(arrays)}
    if len(depths) > 1:
        raise ValueError("List depths are mismatched.")
    return 1 + depths.pop()


def _block_leaves(arrays: Any) -> Any:
    return [x for a in arrays for x in _block_leaves(a)] if isinstance(arrays, list) \
        else [arrays]


@implements(np.block)
def block(arrays: ArrayLike | list[Any]) -> Array:
    """``block(arrays)``: assemble an array from nested lists of blocks (the innermost lists
    join along the last axis).

    >>> block([[np.eye(2), np.zeros((2, 1))]]).shape
    (2, 3)
    """
    depth = _block_depth(arrays)
    ndim = max([depth] + [len(shape_of(asarray(a))) for a in _block_leaves(arrays)])

    def rec(arr: Any, level: Any) -> Any:
        if level < depth:
            return concatenate([rec(a, level + 1) for a in arr], axis=-(depth - level))
        arr = asarray(arr)
        return reshape(arr, (1,) * (ndim - len(shape_of(arr))) + shape_of(arr))

    return rec(arrays, 0)
