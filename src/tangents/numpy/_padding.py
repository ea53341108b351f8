"""Padding: `pad` with every mode of NumPy's but a callable one: constant, edge, reflect and
symmetric (even and odd), wrap, linear_ramp, maximum, minimum, mean, median and empty.

As in NumPy, the axes are padded one after another, so a later axis's pad areas (its
corners) see the values already padded along the earlier ones.  The copying modes gather
through the positions NumPy's own pad gives an index vector; odd reflections, ramps and
statistics are composed from slices, reductions and concatenation, so every mode is
differentiable in the array and in traced ``constant_values`` / ``end_values``;
maximum/minimum/median share tied entries' cotangents equally.
"""
from __future__ import annotations

__all__ = ['pad']

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Tracer
from ..typing import Array, ArrayLike
from ._creation import asarray, cast
from ._dispatch import dtype_of, implements, shape_of
from ._elementwise import floor, rint
from ._elementwise import where as _where
from ._indexing import getitem, take
from ._joining import concatenate
from ._quantiles import median
from ._reductions import any as _any
from ._reductions import max as _max
from ._reductions import mean as _mean
from ._reductions import min as _min
from ._shape import broadcast_to, ravel, reshape

_ALLOWED = {"empty": (), "edge": (), "wrap": (), "constant": ("constant_values",),
            "linear_ramp": ("end_values",), "maximum": ("stat_length",),
            "mean": ("stat_length",), "median": ("stat_length",), "minimum": ("stat_length",),
            "reflect": ("reflect_type",), "symmetric": ("reflect_type",)}
_STATS: dict[str, Callable[..., Any]] = {"maximum": _max, "minimum": _min, "mean": _mean,
                                         "median": median}


def _pairs(x: Any, nd: int, as_index: bool = False) -> Any:
    """NumPy's ``_as_pairs``: a scalar, a (before, after) pair or one pair per axis, as ``nd``
    pairs; a traced ``x`` gives traced entries."""
    if x is None:
        return ((None, None),) * nd
    if isinstance(x, Tracer):
        if as_index:
            raise TypeError("pad: stat_length must be plain integers, not traced values")
        size = int(np.prod(shape_of(x)))
        if size in (1, 2) and shape_of(x) != (2, 1):
            x = ravel(x)
            return ((getitem(x, 0), getitem(x, size - 1)),) * nd
        x = broadcast_to(x, (nd, 2))
        return tuple((getitem(x, (k, 0)), getitem(x, (k, 1))) for k in range(nd))
    x = np.array(x)
    if as_index:
        x = np.round(x).astype(np.intp)
    if x.ndim < 3 and (x.size == 1 or (x.size == 2 and x.shape != (2, 1))):
        x = x.ravel()
        pair = (x[0], x[-1])
    else:
        pair = None
    if as_index and (x.min(initial=0) < 0):
        raise ValueError("index can't contain negative values")
    return (pair,) * nd if pair is not None else tuple(map(tuple, np.broadcast_to(x, (nd, 2))))


def _widths(pad_width: Any, nd: int) -> Any:
    if isinstance(pad_width, dict):
        seq = [(0, 0)] * nd
        for axis, width in pad_width.items():
            if isinstance(width, int):
                seq[axis] = (width, width)
            elif isinstance(width, tuple) and len(width) == 2 and all(
                    isinstance(w, int) for w in width):
                seq[axis] = width
            else:
                raise TypeError(f"pad: a pad_width dict maps axes to an int or an (int, int) "
                                f"pair, got {width!r} for axis {axis}")
        pad_width = seq
    pw = np.asarray(pad_width)
    if pw.dtype.kind != "i":
        raise TypeError("`pad_width` must be of integral type.")
    return [tuple(int(w) for w in p) for p in _pairs(pw, nd, as_index=True)]


def _along(ax: Any, index: Any) -> Any:
    return (slice(None),) * ax + (index,)


def _block(value: Any, a: Any, ax: Any, width: Any) -> Any:
    """``value`` (one entry along ``ax``) repeated ``width`` times along ``ax``."""
    s = shape_of(a)
    return broadcast_to(value, s[:ax] + (width,) + s[ax + 1:])


def _join(before: Any, a: Any, after: Any, ax: Any) -> Any:
    parts = [p for p in (before, a, after) if p is not None]
    return concatenate(parts, ax) if len(parts) > 1 else a


def _pad_constant(a: Any, ax: Any, widths: Any, values: Any) -> Any:
    s = shape_of(a)
    parts: list[Any] = []
    for width, v in zip(widths, values):
        if not width:
            parts.append(None)
        elif isinstance(v, Tracer):
            parts.append(_block(cast(v, dtype_of(a)), a, ax, width))
        else:
            parts.append(np.full(s[:ax] + (width,) + s[ax + 1:], v, dtype_of(a)))
    return _join(parts[0], a, parts[1], ax)


def _pad_stat(a: Any, ax: Any, widths: Any, lengths: Any, mode: Any) -> Any:
    n = shape_of(a)[ax]
    lo, hi = (n if k is None or k > n else k for k in lengths)
    if (lo == 0 or hi == 0) and mode in ("maximum", "minimum"):
        raise ValueError("stat_length of 0 yields no value for padding")
    if not any(widths):
        return a

    def stat(sl: Any) -> Any:
        v = _STATS[mode](getitem(a, _along(ax, sl)), axis=ax, keepdims=True)
        if dtype_of(a).kind in "iu":  # NumPy rounds a mean or median of integers
            v = cast(rint(v) if mode in ("mean", "median") else v, dtype_of(a))
        return v

    first = stat(slice(0, lo))
    last = first if lo == hi == n else stat(slice(n - hi, n))
    return _join(_block(first, a, ax, widths[0]) if widths[0] else None, a,
                 _block(last, a, ax, widths[1]) if widths[1] else None, ax)


def _ramp(edge: Any, end: Any, width: Any, ax: Any, nd: Any, rdt: Any) -> Any:
    """NumPy's ``linspace(end, edge, width, endpoint=False)`` along ``ax``."""
    i = np.arange(width, dtype=rdt).reshape((1,) * ax + (width,) + (1,) * (nd - ax - 1))
    delta = edge - end
    step = delta / width
    # NumPy's linspace scales by delta / num, or by delta after dividing by num when any
    # step is zero (denormals); the two differ in the last bit
    zero = _any(step == 0)
    return _where(zero, (i / width) * delta, i * step) + end


def _pad_ramp(a: Any, ax: Any, widths: Any, ends: Any) -> Any:
    n, nd, adt = shape_of(a)[ax], len(shape_of(a)), dtype_of(a)
    rdt = np.result_type(adt, *(dtype_of(e) if isinstance(e, Tracer) else np.asarray(e).dtype
                                for e in ends), float)
    parts: list[Any] = []
    for side, (width, end) in enumerate(zip(widths, ends)):
        if not width:
            parts.append(None)
            continue
        edge = cast(getitem(a, _along(ax, slice(0, 1) if side == 0 else slice(n - 1, n))),
                      rdt)
        end = cast(end, rdt) if isinstance(end, Tracer) else np.asarray(end, rdt)
        r = _ramp(edge, end, width, ax, nd, rdt)
        if side:
            r = getitem(r, _along(ax, slice(None, None, -1)))
        if adt.kind in "iu":
            r = floor(r)  # as NumPy's linspace into an integer dtype
        parts.append(cast(r, adt))
    return _join(parts[0], a, parts[1], ax)


def _reversed(a: Any, ax: Any, start: Any, stop: Any) -> Any:
    """``a[start:stop:-1]`` along ``ax`` (``stop`` -1 meaning through index 0)."""
    return getitem(a, _along(ax, slice(start, stop if stop >= 0 else None, -1)))


def _pad_odd(a: Any, ax: Any, widths: Any, symmetric: Any) -> Any:
    """NumPy's iterative odd reflection: chunks of the filled region mirrored about its
    edge value (``2 edge - x``), as long as the pad areas need."""
    period = shape_of(a)[ax]
    left, right = widths
    eo = 1 if symmetric else 0
    while left > 0 or right > 0:
        m = shape_of(a)[ax]
        if symmetric:
            old = m // period * period
        else:
            old = (m - 1) // (period - 1) * (period - 1)
        parts: list[Any] = [None, a, None]
        if left > 0:
            k = min(old, left)
            chunk = _reversed(a, ax, k - eo, -eo)
            parts[0] = 2 * getitem(a, _along(ax, slice(0, 1))) - chunk
            left -= k
        if right > 0:
            k = min(old, right)
            start = m - 2 + eo  # next to the right edge (reflect) or on it (symmetric)
            chunk = _reversed(a, ax, start, start - k)
            parts[2] = 2 * getitem(a, _along(ax, slice(m - 1, m))) - chunk
            right -= k
        a = _join(parts[0], parts[1], parts[2], ax)
    return a


@implements(np.pad)
def pad(array: ArrayLike, pad_width: ArrayLike | dict[int, Any],
        mode: str | Callable[..., Any] = "constant", **kwargs: Any) -> Array:
    """``pad(array, pad_width, mode="constant", **kwargs)`` with NumPy's modes constant
    (``constant_values``), edge, linear_ramp (``end_values``), maximum, mean, median,
    minimum (``stat_length``), reflect and symmetric (``reflect_type`` even or odd), wrap
    and empty (padded with zeros); ``pad_width`` an int, a pair, one pair per axis or a dict.
    ``constant_values`` and ``end_values`` may be traced.

    >>> pad(np.array([1.0, 2.0]), (1, 2), mode="reflect")
    array([2., 1., 2., 1., 2.])
    >>> pad(np.array([1.0, 2.0, 6.0]), 1, mode="mean", stat_length=2)
    array([1.5, 1. , 2. , 6. , 4. ])
    """
    if callable(mode):
        if isinstance(array, Tracer):
            raise NotImplementedError(
                "pad: a callable mode writes into NumPy buffers in place, which a traced "
                "array cannot be; build the padded array with tnp.concatenate instead")
        return np.pad(array, pad_width, mode, **kwargs)  # type: ignore[arg-type, call-overload]
    a = asarray(array)
    nd = len(shape_of(a))
    widths = _widths(pad_width, nd)
    if mode not in _ALLOWED:
        raise ValueError(f"mode '{mode}' is not supported")
    unsupported = set(kwargs) - set(_ALLOWED[mode])
    if unsupported:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unsupported}")
    out_shape = tuple(s + w0 + w1 for s, (w0, w1) in zip(shape_of(a), widths))
    if mode in ("constant", "empty"):
        values = _pairs(kwargs.get("constant_values", 0) if mode == "constant" else 0, nd)
        for ax in range(nd):
            a = _pad_constant(a, ax, widths[ax], values[ax])
        return a
    if 0 in shape_of(a):
        for ax, (s, w) in enumerate(zip(shape_of(a), widths)):
            if s == 0 and any(w):
                raise ValueError(f"can't extend empty axis {ax} using modes other than "
                                 "'constant' or 'empty'")
        return reshape(a, out_shape)
    if mode in _STATS:
        lengths = _pairs(kwargs.get("stat_length"), nd, as_index=True)
        for ax in range(nd):
            a = _pad_stat(a, ax, widths[ax], tuple(None if k is None else operator.index(k)
                                                   for k in lengths[ax]), mode)
        return a
    if mode == "linear_ramp":
        ends = _pairs(kwargs.get("end_values", 0), nd)
        for ax in range(nd):
            a = _pad_ramp(a, ax, widths[ax], ends[ax])
        return a
    odd = mode in ("reflect", "symmetric") and kwargs.get("reflect_type", "even") == "odd"
    for ax in range(nd):
        if not any(widths[ax]):
            continue
        if odd and shape_of(a)[ax] > 1:
            a = _pad_odd(a, ax, widths[ax], mode == "symmetric")
        else:  # the source position of every padded entry: NumPy's own pad of the positions
            a = take(a, np.pad(np.arange(shape_of(a)[ax]), widths[ax],  # type: ignore[call-overload]
                               mode="edge" if odd else mode), axis=ax)
    return a
