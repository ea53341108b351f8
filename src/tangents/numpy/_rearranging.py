"""Rearranging entries: roll, flip/fliplr/flipud, rot90, tile, repeat, resize, insert,
delete and trim_zeros.  Each is slicing, concatenation, reshapes and broadcasts, or one
gather through positions NumPy computes (so cotangents of repeated entries add); trim_zeros
finds its bounds on primal values."""
from __future__ import annotations

__all__ = ['roll', 'flip', 'fliplr', 'flipud', 'rot90', 'tile', 'repeat', 'resize', 'insert',
           'delete', 'trim_zeros']

import builtins
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..typing import Array, ArrayLike, Axis, Shape
from ._creation import asarray, cast
from ._dispatch import (
    _concrete,
    dtype_of,
    implements,
    ndim,
    normalize_axes,
    normalize_axis,
    numpy_on_plain,
    shape_of,
)
from ._indexing import argwhere, getitem, take
from ._joining import concatenate
from ._shape import broadcast_to, ravel, reshape, transpose


def _along(axis: int, index: Any) -> tuple[Any, ...]:
    return (slice(None),) * axis + (index,)


# -- rolling, flipping, rotating ----------------------------------------------------------
@implements(np.roll)
def roll(a: ArrayLike, shift: int | Sequence[int], axis: Axis = None) -> Array:
    """``roll(a, shift, axis=None)``: shift and axis may be tuples (shifts on one axis add).

    >>> roll(np.array([1.0, 2.0, 3.0]), 1)
    array([3., 1., 2.])
    """
    a = asarray(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), shape_of(a))
    nd = len(shape_of(a))
    axes, shifts = np.broadcast_arrays(np.atleast_1d(axis), np.atleast_1d(shift))
    total: dict[int, int] = {}
    for ax, sh in zip(axes.ravel(), shifts.ravel(), strict=True):
        ax = normalize_axis(int(ax), nd, "roll")
        total[ax] = total.get(ax, 0) + int(sh)
    for ax, sh in total.items():
        n = shape_of(a)[ax]
        k = sh % n if n else 0
        if k:
            a = concatenate([getitem(a, _along(ax, slice(n - k, None))),
                             getitem(a, _along(ax, slice(None, n - k)))], ax)
    return a


@implements(np.flip)
def flip(m: ArrayLike, axis: Axis = None) -> Array:
    """``flip(m, axis=None)``: reverse the order along the given axes (all by default).

    >>> flip(np.array([1.0, 2.0, 3.0]))
    array([3., 2., 1.])
    """
    m = asarray(m)
    axes = normalize_axes(axis, len(shape_of(m)), "flip")
    return getitem(m, tuple(slice(None, None, -1) if d in axes else slice(None)
                            for d in range(len(shape_of(m)))))


@implements(np.fliplr)
def fliplr(m: ArrayLike) -> Array:
    """``fliplr(m)``: flip along axis 1.

    >>> fliplr(np.array([[1.0, 2.0]]))
    array([[2., 1.]])
    """
    if len(shape_of(m)) < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(m, 1)


@implements(np.flipud)
def flipud(m: ArrayLike) -> Array:
    """``flipud(m)``: flip along axis 0.

    >>> flipud(np.array([1.0, 2.0]))
    array([2., 1.])
    """
    if len(shape_of(m)) < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(m, 0)


@implements(np.rot90)
def rot90(m: ArrayLike, k: int = 1, axes: Sequence[int] = (0, 1)) -> Array:
    """``rot90(m, k=1, axes=(0, 1))``: rotate by 90 degrees ``k`` times in the plane
    ``axes``, from the first axis towards the second.

    >>> rot90(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 4.],
           [1., 3.]])
    """
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    m = asarray(m)
    nd = len(shape_of(m))
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == nd:
        raise ValueError("Axes must be different.")
    if not all(-nd <= ax < nd for ax in axes):
        raise ValueError(f"Axes={axes} out of range for array of ndim={nd}.")
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    perm = list(range(nd))
    perm[axes[0]], perm[axes[1]] = perm[axes[1]], perm[axes[0]]
    return transpose(flip(m, axes[1]), perm) if k == 1 else flip(transpose(m, perm), axes[1])


# -- tiling, repeating, resizing (padding: _padding.py) -----------------------------------
@implements(np.tile)
def tile(A: ArrayLike, reps: Shape) -> Array:
    """``tile(A, reps)``: repeat the whole array ``reps`` times along each axis.

    >>> tile(np.array([1.0, 2.0]), 2)
    array([1., 2., 1., 2.])
    """
    reps = tuple(reps) if np.iterable(reps) else (reps,)
    A = asarray(A)
    nd = max(len(reps), len(shape_of(A)))
    ashape = (1,) * (nd - len(shape_of(A))) + shape_of(A)
    reps = (1,) * (nd - len(reps)) + tuple(operator.index(r) for r in reps)
    interleaved = reshape(A, sum(((1, s) for s in ashape), ()))
    wide = broadcast_to(interleaved, sum(((r, s) for r, s in zip(reps, ashape, strict=True)), ()))
    return reshape(wide, tuple(r * s for r, s in zip(reps, ashape, strict=True)))


@implements(np.repeat)
def repeat(a: ArrayLike, repeats: int | ArrayLike, axis: int | None = None) -> Array:
    """``repeat(a, repeats, axis=None)``: each element repeated (``repeats`` an int or one
    count per element); cotangents of the copies add.

    >>> repeat(np.array([1.0, 2.0]), [1, 2])
    array([1., 2., 2.])
    """
    a = asarray(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, len(shape_of(a)), "repeat")
    s = shape_of(a)
    reps: Any = repeats  # an int or counts: NumPy's repeat checks them
    if np.ndim(reps) == 0 or np.size(reps) == 1:
        r = int(np.ravel(reps)[0]) if np.ndim(reps) else operator.index(reps)
        if r < 0:
            raise ValueError("repeats may not contain negative values.")
        wide = broadcast_to(reshape(a, s[:axis + 1] + (1,) + s[axis + 1:]),
                            s[:axis + 1] + (r,) + s[axis + 1:])
        return reshape(wide, s[:axis] + (s[axis] * r,) + s[axis + 1:])
    return take(a, np.repeat(np.arange(s[axis]), reps), axis=axis)


@implements(np.resize)
def resize(a: ArrayLike, new_shape: Shape) -> Array:
    """``resize(a, new_shape)``: the flattened ``a`` repeated cyclically to ``new_shape``.

    >>> resize(np.array([1.0, 2.0]), 3)
    array([1., 2., 1.])
    """
    shape_in: Any = new_shape
    new_shape = (operator.index(shape_in),) if np.ndim(shape_in) == 0 else \
        tuple(operator.index(s) for s in shape_in)
    if builtins.any(s < 0 for s in new_shape):
        raise ValueError("all elements of `new_shape` must be non-negative")
    a = ravel(a)
    size, new_size = shape_of(a)[0], int(np.prod(new_shape))
    if size == 0 or new_size == 0:
        return np.zeros(new_shape, dtype_of(a))
    return reshape(take(a, np.arange(new_size) % size), new_shape)


# -- insert and delete: NumPy's own routine on position tags, then one gather --------------
@implements(np.insert)
def insert(arr: ArrayLike, obj: int | slice | ArrayLike, values: ArrayLike,
           axis: int | None = None) -> Array:
    """``insert(arr, obj, values, axis=None)``: NumPy's semantics; every output entry is
    gathered from ``arr`` or ``values`` (both differentiable).

    >>> insert(np.array([1.0, 2.0]), 1, 5.0)
    array([1., 5., 2.])
    """
    arr, values = asarray(arr), asarray(values)
    size = int(np.prod(shape_of(arr)))
    tags = np.arange(size).reshape(shape_of(arr))
    vtags = -1 - np.arange(int(np.prod(shape_of(values)))).reshape(shape_of(values))
    out = np.insert(tags, obj, vtags, axis)  # type: ignore[arg-type]  # NumPy checks obj, axis
    src = concatenate([ravel(arr), ravel(cast(values, dtype_of(arr)))])
    return getitem(src, np.where(out >= 0, out, size - 1 - out))


@implements(np.delete)
def delete(arr: ArrayLike, obj: int | slice | ArrayLike, axis: int | None = None) -> Array:
    """``delete(arr, obj, axis=None)``: NumPy's semantics, as one gather.

    >>> delete(np.array([1.0, 2.0, 3.0]), [0, 2])
    array([2.])
    """
    arr = asarray(arr)
    tags = np.delete(np.arange(int(np.prod(shape_of(arr)))).reshape(shape_of(arr)),
                     obj, axis)  # type: ignore[arg-type]  # NumPy checks obj
    return getitem(ravel(arr), tags)


# -- trim_zeros: bounds found on primal values ---------------------------------------------
@implements(np.trim_zeros)
@numpy_on_plain(np.trim_zeros)
def trim_zeros(filt: ArrayLike, trim: str = "fb", axis: Axis = None) -> Array:
    """``trim_zeros(filt, trim="fb", axis=None)``: ``filt`` without its leading/trailing
    zeros (bounds found on primal values, then sliced).

    >>> trim_zeros(np.array([0.0, 1.0, 2.0, 0.0]))
    array([1., 2.])
    """
    trim = trim.lower()
    if trim not in ("fb", "bf", "f", "b"):
        raise ValueError(f"unexpected character(s) in `trim`: {trim!r}")
    nz = _concrete(argwhere(filt), "trim_zeros")
    n = ndim(filt)
    start: Any
    stop: Any
    if nz.size == 0:
        start = stop = np.zeros(n, np.intp)
    else:
        start, stop = nz.min(axis=0), nz.max(axis=0) + 1
    start = [int(s) if "f" in trim else None for s in start]
    stop = [int(s) if "b" in trim else None for s in stop]
    if axis is None:
        key = tuple(slice(*b) for b in zip(start, stop, strict=True))
    else:
        axis = normalize_axis(axis, n, "trim_zeros")
        key = (slice(None),) * axis + (slice(start[axis], stop[axis]),)
    return getitem(filt, key)
