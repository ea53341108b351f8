"""Differences: diff, ediff1d and gradient (slices of the array subtracted and scaled, so
linear in it, and in gradient's coordinates differentiable too), and unwrap, which adds to
``p`` multiples of the period found on its primal values (so its derivative is the
identity)."""
from __future__ import annotations

__all__ = ['diff', 'ediff1d', 'gradient', 'unwrap']

import typing
from typing import Any

import numpy as np

from ..core import bind, builders, move_bdim
from ..typing import Array, ArrayLike, Axis
from ._creation import _float, asarray, cast
from ._dispatch import dtype_of, implements, ndim, normalize_axis, numpy_on_plain, shape_of
from ._indexing import getitem
from ._joining import concatenate
from ._rearranging import _along
from ._shape import broadcast_to, ravel, reshape

_NoValue = np._NoValue


@implements(np.diff)
def diff(a: ArrayLike, n: int = 1, axis: int = -1, prepend: ArrayLike | Any = _NoValue,
         append: ArrayLike | Any = _NoValue) -> Array:
    """``diff(a, n=1, axis=-1, prepend=, append=)``: the n-th forward difference.

    >>> diff(np.array([1.0, 4.0, 9.0]))
    array([3., 5.])
    """
    if n == 0:
        return typing.cast(Array, a)  # a unchanged, as NumPy's
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    a = asarray(a)
    nd = len(shape_of(a))
    if nd == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis(axis, nd, "diff")
    parts: list[Any] = []
    for extra in (prepend, None, append):
        if extra is None:
            parts.append(a)
        elif extra is not _NoValue:
            extra = asarray(extra)
            if len(shape_of(extra)) == 0:
                extra = broadcast_to(extra, shape_of(a)[:axis] + (1,) + shape_of(a)[axis + 1:])
            parts.append(extra)
    if len(parts) > 1:
        a = concatenate(parts, axis)
    for _ in range(n):
        hi = getitem(a, _along(axis, slice(1, None)))
        lo = getitem(a, _along(axis, slice(None, -1)))
        a = (hi != lo) if dtype_of(a).kind == "b" else hi - lo
    return typing.cast(Array, a)


@implements(np.ediff1d)
def ediff1d(ary: ArrayLike, to_end: ArrayLike | None = None, to_begin: ArrayLike | None = None
            ) -> Array:
    """``ediff1d(ary, to_end=None, to_begin=None)``: differences of the flattened array.

    >>> ediff1d(np.array([1.0, 2.0, 4.0]), to_begin=0.0)
    array([0., 1., 2.])
    """
    a = ravel(asarray(ary))
    parts = [] if to_begin is None else [cast(ravel(asarray(to_begin)), dtype_of(a))]
    parts.append(getitem(a, slice(1, None)) - getitem(a, slice(None, -1)))
    if to_end is not None:
        parts.append(cast(ravel(asarray(to_end)), dtype_of(a)))
    return concatenate(parts) if len(parts) > 1 else parts[0]


def _coefs(c: Any, axis: int, nd: int) -> Any:
    return reshape(c, tuple(-1 if d == axis else 1 for d in range(nd)))


def _gradient_axis(f: Any, axis: int, h: Any, edge_order: int) -> Any:
    """One axis of `gradient`: central differences inside, one-sided ones at the edges."""
    nd = len(shape_of(f))
    n = shape_of(f)[axis]
    if n < edge_order + 1:
        raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                         "least (edge_order + 1) elements are required.")

    def sl(start: Any, stop: Any = None) -> Any:
        return getitem(f, _along(axis, slice(start, stop)))

    def el(i: Any) -> Any:
        return getitem(f, _along(axis, slice(i, i + 1 if i != -1 else None)))

    if len(shape_of(h)) == 0:  # uniform spacing
        mid = (sl(2) - sl(0, -2)) / (2.0 * h)
        if edge_order == 1:
            first, last = (el(1) - el(0)) / h, (el(-1) - el(-2)) / h
        else:
            first = (-1.5 * el(0) + 2.0 * el(1) - 0.5 * el(2)) / h
            last = (0.5 * el(-3) - 2.0 * el(-2) + 1.5 * el(-1)) / h
        return concatenate([first, mid, last], axis)
    if shape_of(h) != (n,):
        raise ValueError("when 1d, distances must match the length of the corresponding "
                         "dimension")
    dx = diff(_float(h))
    dx1, dx2 = getitem(dx, slice(None, -1)), getitem(dx, slice(1, None))
    a = _coefs(-dx2 / (dx1 * (dx1 + dx2)), axis, nd)
    b = _coefs((dx2 - dx1) / (dx1 * dx2), axis, nd)
    c = _coefs(dx1 / (dx2 * (dx1 + dx2)), axis, nd)
    mid = a * sl(0, -2) + b * sl(1, -1) + c * sl(2)
    if edge_order == 1:
        first = (el(1) - el(0)) / getitem(dx, slice(0, 1))
        last = (el(-1) - el(-2)) / getitem(dx, slice(-1, None))
    else:
        d1, d2 = getitem(dx, 0), getitem(dx, 1)
        first = (-(2.0 * d1 + d2) / (d1 * (d1 + d2)) * el(0) + (d1 + d2) / (d1 * d2) * el(1)
                 - d1 / (d2 * (d1 + d2)) * el(2))
        d1, d2 = getitem(dx, -2), getitem(dx, -1)
        last = (d2 / (d1 * (d1 + d2)) * el(-3) - (d2 + d1) / (d1 * d2) * el(-2)
                + (2.0 * d2 + d1) / (d2 * (d1 + d2)) * el(-1))
    return concatenate([first, mid, last], axis)


@implements(np.gradient)
@numpy_on_plain(np.gradient)
def gradient(f: ArrayLike, *varargs: ArrayLike, axis: Axis = None, edge_order: int = 1
             ) -> Array | tuple[Array, ...]:
    """``gradient(f, *varargs, axis=None, edge_order=1)``: second-order central differences
    inside, first- or second-order one-sided differences at the edges; spacings are scalars
    or coordinate arrays (which may be traced).  A tuple for several axes.

    >>> gradient(np.array([1.0, 4.0, 9.0, 16.0]))
    array([3., 4., 6., 7.])
    """
    f = _float(asarray(f))
    nd = len(shape_of(f))
    if axis is None:
        axes = list(range(nd))
    else:
        axes = [normalize_axis(ax, nd, "gradient") for ax in
                (axis if isinstance(axis, (tuple, list)) else (axis,))]
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    if len(varargs) == 0:
        spacing: list[Any] = [1.0] * len(axes)
    elif len(varargs) == 1 and len(shape_of(varargs[0])) == 0:
        spacing = list(varargs) * len(axes)
    elif len(varargs) == len(axes):
        spacing = list(varargs)
    else:
        raise TypeError("invalid number of arguments")
    out = tuple(_gradient_axis(f, ax, asarray(h) if not isinstance(h, float) else h, edge_order)
                for ax, h in zip(axes, spacing, strict=True))
    return out[0] if len(out) == 1 else out


# -- unwrap: a correction found on primal values ------------------------------------------
unwrap_correction_p = builders.nondifferentiable(
    "unwrap_correction",
    lambda p, *, discont, axis, period: np.unwrap(p, discont, axis[0], period=period) - p,
    batch=lambda prim: lambda vals, bdims, *, axis, **kw: (
        bind(prim, move_bdim(vals[0], bdims[0], 0), axis=(axis[0] + 1,), **kw), 0))


@implements(np.unwrap)
@numpy_on_plain(np.unwrap)
def unwrap(p: ArrayLike, discont: float | None = None, axis: int = -1, *,
           period: float = 2 * np.pi) -> Array:
    """``unwrap(p, discont=None, axis=-1, period=2 pi)``: ``p`` plus multiples of
    ``period`` (found on primal values), so its derivative is the identity.

    >>> unwrap(np.array([0.0, 6.0]))
    array([ 0.        , -0.28318531])
    """
    p = asarray(p)
    axis = normalize_axis(axis, ndim(p), "unwrap")
    return p + bind(unwrap_correction_p, p, discont=discont, axis=(axis,), period=period)
