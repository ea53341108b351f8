"""Shape functions: reshape, transpose, broadcast_to and the names built on them.  All are
linear; each declares its transpose."""
from __future__ import annotations

__all__ = ['reshape', 'ravel', 'transpose', 'moveaxis', 'swapaxes', 'broadcast_to',
           'expand_dims', 'squeeze', 'rollaxis']

import math
import operator
import typing
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core import (
    Tracer,
    bind,
    broadcast_to_p,
    is_view,
    layout,
    record_view,
    reshape_p,
    reshaped_layout,
    transpose_p,
)
from ..typing import Array, ArrayLike, Axis, Order, Shape
from ._dispatch import implements, ndim, normalize_axes, normalize_axis, shape_of


# -- reshape (reshape_p is the core's) ---------------------------------------------------
@implements(np.reshape)
def reshape(a: ArrayLike, shape: Shape | None = None, order: Order = "C", *,
            newshape: Shape | None = None, copy: bool | None = None) -> Array:
    """``reshape(a, shape, order="C")``.

    >>> reshape(np.arange(6.0), (2, -1)).shape
    (2, 3)
    """
    if shape is None:
        shape = newshape
    if order not in ("C", "A"):
        raise NotImplementedError("reshape: only order='C' is supported on traced values")
    src = shape_of(a)
    shp: Any = shape  # None only when newshape was None too: NumPy's error below
    new = (operator.index(shp),) if isinstance(shp, (int, np.integer)) else tuple(
        map(operator.index, shp))
    size = math.prod(src)
    if -1 in new:
        known = math.prod([d for d in new if d != -1])
        if new.count(-1) > 1 or known == 0 or size % known:
            raise ValueError(f"reshape: cannot reshape an array of shape {src} into {shape}")
        new = tuple(size // known if d == -1 else d for d in new)
    if math.prod(new) != size or min(new, default=0) < 0:
        raise ValueError(f"reshape: cannot reshape an array of shape {src} (size {size}) into "
                         f"shape {new}")
    if new == src:
        return typing.cast(Array, a)  # a unchanged
    out = bind(reshape_p, a, shape=new)
    # a view unless ``a`` is a view NumPy cannot reshape without a copy (traced arrays of
    # their own are C-contiguous)
    if isinstance(out, Tracer) and isinstance(a, Tracer) and (
            not is_view(a) or reshaped_layout(layout(a), new) is not None):
        record_view(out, a, lambda b: bind(reshape_p, b, shape=new),
                    lambda b, v: bind(reshape_p, v, shape=src),
                    lambda lay: reshaped_layout(lay, new))
    return out


@implements(np.ravel)
def ravel(a: ArrayLike, order: Order = "C") -> Array:
    """``ravel(a)``: the elements as a 1-d array."""
    return reshape(a, (-1,), order)


# -- transpose (transpose_p is the core's) -----------------------------------------------
@implements(np.transpose)
def transpose(a: ArrayLike, axes: Sequence[int] | None = None) -> Array:
    """``transpose(a, axes=None)``: permute the axes (reverse them by default)."""
    nd = len(shape_of(a))
    perm: tuple[int, ...]
    if axes is None:
        perm = tuple(range(nd - 1, -1, -1))
    else:
        perm = tuple(normalize_axis(ax, nd, "transpose") for ax in axes)
        if sorted(perm) != list(range(nd)):
            raise ValueError(f"transpose: axes {perm} are not a permutation of {nd} axes")
    if perm == tuple(range(nd)):
        return typing.cast(Array, a)  # a unchanged
    out = bind(transpose_p, a, axes=perm)
    if isinstance(out, Tracer) and isinstance(a, Tracer):  # always a view in NumPy
        record_view(out, a, lambda b: bind(transpose_p, b, axes=perm),
                    lambda b, v: bind(transpose_p, v, axes=tuple(np.argsort(perm))),
                    lambda lay: lay.transpose(perm))
    return out


@implements(np.moveaxis)
def moveaxis(a: ArrayLike, source: int | Sequence[int], destination: int | Sequence[int]
             ) -> Array:
    """``moveaxis(a, source, destination)``."""
    nd = len(shape_of(a))
    src = normalize_axes(source, nd, "moveaxis") if not isinstance(source, int) else (
        normalize_axis(source, nd, "moveaxis"),)
    dst = normalize_axes(destination, nd, "moveaxis") if not isinstance(destination, int) else (
        normalize_axis(destination, nd, "moveaxis"),)
    if isinstance(source, (tuple, list)):
        src = tuple(normalize_axis(s, nd, "moveaxis") for s in source)
        dst = tuple(normalize_axis(d, nd, "moveaxis") for d in destination)  # type: ignore[union-attr]
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination need the same number of axes")
    order = [n for n in range(nd) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order)


@implements(np.swapaxes)
def swapaxes(a: ArrayLike, axis1: int, axis2: int) -> Array:
    """``swapaxes(a, axis1, axis2)``."""
    nd = len(shape_of(a))
    i, j = normalize_axis(axis1, nd, "swapaxes"), normalize_axis(axis2, nd, "swapaxes")
    perm = list(range(nd))
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


# -- broadcast_to (broadcast_to_p is the core's) -----------------------------------------
@implements(np.broadcast_to)
def broadcast_to(array: ArrayLike, shape: Shape, subok: bool = False) -> Array:
    """``broadcast_to(array, shape)``: a read-only broadcast view for plain arrays."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    src = shape_of(array)
    if src == shape:
        return typing.cast(Array, array)  # array unchanged
    if len(src) > len(shape) or any(
            s != 1 and s != d for s, d in zip(src[::-1], shape[::-1])) or min(shape, default=0) < 0:
        np.broadcast_shapes(src, shape)  # raises NumPy's error
        raise ValueError(f"broadcast_to: cannot broadcast shape {src} to {shape}")
    return bind(broadcast_to_p, array, shape=shape)


@implements(np.expand_dims)
def expand_dims(a: ArrayLike, axis: int | Sequence[int] = 0) -> Array:
    """``expand_dims(a, axis=0)``: insert axes of length one (``axis`` int or tuple; the
    default is the Array API's).

    >>> expand_dims(np.zeros(3)).shape
    (1, 3)
    """
    src = shape_of(a)
    given = axis if isinstance(axis, (tuple, list)) else (axis,)
    nd = len(src) + len(given)
    axes = normalize_axes(tuple(given), nd, "expand_dims")
    it = iter(src)
    new = tuple(1 if i in axes else next(it) for i in range(nd))
    return reshape(a, new)


@implements(np.squeeze)
def squeeze(a: ArrayLike, axis: Axis = None) -> Array:
    """``squeeze(a, axis=None)``: remove axes of length one."""
    src = shape_of(a)
    if axis is None:
        axes = tuple(i for i, d in enumerate(src) if d == 1)
    else:
        axes = normalize_axes(axis, len(src), "squeeze")
        for i in axes:
            if src[i] != 1:
                raise ValueError(f"squeeze: cannot select an axis to squeeze out which has size "
                                 f"not equal to one (axis {i} of shape {src})")
    return reshape(a, tuple(d for i, d in enumerate(src) if i not in axes))


@implements(np.rollaxis)
def rollaxis(a: ArrayLike, axis: int, start: int = 0) -> Array:
    """``rollaxis(a, axis, start=0)``: move ``axis`` to before position ``start``."""
    n = ndim(a)
    axis = normalize_axis(axis, n, "rollaxis")
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise np.exceptions.AxisError(f"'start' arg requires {-n} <= start < {n + 1}, "
                                      f"but {start} was passed in")
    if axis < start:
        start -= 1
    if axis == start:
        return typing.cast(Array, a)  # a unchanged
    axes = [k for k in range(n) if k != axis]
    axes.insert(start, axis)
    return transpose(a, axes)
