"""scipy.ndimage's spline interpolation, differentiable in the input and in the
coordinates: ``map_coordinates``, ``shift`` (in the shift too) and ``zoom``, for every SciPy
order 0..5 and ``prefilter``.  Re-exported by `tangents.scipy.ndimage`.  Orders other than 1
are in `tangents.scipy._ndimage_spline`; order 1 is here.

At order 1 a sample at coordinate ``c`` (per axis) is the linear interpolation of the two
neighbours ``floor(c)`` and ``floor(c) + 1``: ``(1 - t) x[i] + t x[i + 1]`` with
``t = c - floor(c)``, the product of such weights over the axes (the 2^d corners of the cell).
Outside the input a neighbour is read by the mode's extension of the integer index, as
SciPy does: 'reflect' = 'grid-mirror', 'mirror', 'nearest', 'grid-wrap', and ``cval`` for
'grid-constant'; 'wrap' first wraps the coordinate with period ``n - 1`` and 'constant'
gives ``cval`` where a coordinate is outside ``[0, n - 1]``.  ``floor`` is piecewise
constant, so its derivative is 0 and ``t`` carries the derivative in ``c`` (one-sided at
the integers, the kinks).
"""
from __future__ import annotations

import numpy as np

from .. import numpy as tnp
from ..numpy._dispatch import dtype_of, is_traced, shape_of
from ._ndimage_spline import _neighbour, _wrap, cval_outside, interpolate_spline
from ._ndimage_support import _float, _no_output, _plain, _sequence

__all__ = ["map_coordinates", "shift", "zoom"]

_INTERP_MODES = ("reflect", "grid-mirror", "mirror", "nearest", "wrap", "grid-wrap",
                 "constant", "grid-constant")


def _check(op, order, mode, x):
    if not isinstance(order, (int, np.integer)):  # as SciPy: TypeError, then RuntimeError
        raise TypeError(f"{op}: order must be an integer in 0..5, got order={order!r}")
    if not 0 <= order <= 5:
        raise RuntimeError(f"{op}: spline order not supported: order must be an integer in "
                           f"0..5, got order={order}")
    if mode not in _INTERP_MODES:
        raise ValueError(f"{op}: mode must be one of {list(_INTERP_MODES)}, got {mode!r}")
    if dtype_of(x).kind == "c":
        raise TypeError(f"{op}: complex input is interpolated part by part; call it on the "
                        f"real and imaginary parts (got dtype {dtype_of(x)})")
    if len(shape_of(x)) < 1:
        raise ValueError(f"{op}: the input must have at least one axis, got shape ()")


def _interpolate(x, coords, mode, cval):
    """``x`` linearly interpolated at ``coords`` (a list, one array per axis of x)."""
    shape = shape_of(x)
    if mode == "wrap":
        coords = [_wrap(c, n) for c, n in zip(coords, shape)]
    flat = tnp.reshape(x, (-1,))
    strides = np.cumprod((1,) + shape[:0:-1])[::-1]
    lows = [tnp.floor(c) for c in coords]
    fracs = [c - lo for c, lo in zip(coords, lows)]
    lows = [tnp.astype(lo, np.intp) for lo in lows]
    out = None
    for corner in np.ndindex(*(2,) * len(shape)):
        index, weight, inside = 0, 1, True
        for b, lo, t, n, stride in zip(corner, lows, fracs, shape, strides):
            k = lo + b
            if mode == "grid-constant":
                inside = inside & (k >= 0) & (k < n)
            index = index + _neighbour(k, n, mode) * int(stride)
            weight = weight * (t if b else 1 - t)
        value = tnp.take(flat, index)
        if mode == "grid-constant":
            value = tnp.where(inside, value, cval)
        out = weight * value if out is None else out + weight * value
    return cval_outside(out, coords, shape, cval) if mode == "constant" else out


def _sample(x, coords, order, mode, cval, prefilter):
    if order == 1:  # SciPy prefilters only orders 2..5
        return _interpolate(x, coords, mode, cval)
    return interpolate_spline(x, coords, order, mode, cval, prefilter)


def _coords_dtype(x, coords):
    """Plain coordinates in the input's float precision, so float32 stays float32."""
    if is_traced(coords):
        return coords
    return np.asarray(coords, np.result_type(dtype_of(x), np.float32))


def map_coordinates(input, coordinates, output=None, order=3, mode='constant', cval=0.0,
                    prefilter=True):
    """``scipy.ndimage.map_coordinates``: ``input`` sampled at ``coordinates`` (shape
    ``(input.ndim, ...)``) by the spline of ``order`` (0..5); differentiable in ``input`` and
    ``coordinates`` (order 0: derivative 0 in the coordinates).

    >>> map_coordinates(np.array([0.0, 10.0, 30.0]), np.array([[0.5, 1.25]]), order=1)
    array([ 5., 15.])
    """
    if not is_traced(input, coordinates):
        return _plain("map_coordinates")(input, coordinates, output, order, mode, cval,
                                         prefilter)
    op = "map_coordinates"
    _no_output(op, output)
    x = _float(input)
    _check(op, order, mode, x)
    c = _coords_dtype(x, coordinates)
    if len(shape_of(c)) < 2 or shape_of(c)[0] != len(shape_of(x)):
        raise ValueError(f"{op}: coordinates must have shape (input.ndim, ...) = "
                         f"({len(shape_of(x))}, ...), got {shape_of(c)} for an input of "
                         f"shape {shape_of(x)}")
    if any(s == 0 for s in shape_of(c)) or any(s == 0 for s in shape_of(x)):
        return tnp.zeros(shape_of(c)[1:], dtype_of(x)) + cval
    return _sample(x, [c[d] for d in range(len(shape_of(x)))], order, mode, cval, prefilter)


def shift(input, shift, output=None, order=3, mode='constant', cval=0.0, prefilter=True):
    """``scipy.ndimage.shift``: ``out[i] = input[i - shift]`` by the spline of ``order``
    (0..5); differentiable in ``input`` and ``shift`` (order 0: derivative 0 in the shift).

    >>> shift(np.array([0.0, 10.0, 30.0]), 0.5, order=1, mode="nearest")
    array([ 0.,  5., 20.])
    """
    if not is_traced(input, shift):
        return _plain("shift")(input, shift, output, order, mode, cval, prefilter)
    op = "shift"
    _no_output(op, output)
    x = _float(input)
    _check(op, order, mode, x)
    nd, shape = len(shape_of(x)), shape_of(x)
    if is_traced(shift):
        s = tnp.broadcast_to(shift, (nd,)) if len(shape_of(shift)) <= 1 else shift
        if shape_of(s) != (nd,):
            raise ValueError(f"{op}: shift must be a scalar or have one entry per axis ({nd}), "
                             f"got shape {shape_of(shift)}")
        s = [s[d] for d in range(nd)]
    else:
        s = [float(v) for v in _sequence(op, "shift", shift, nd)]
    if any(n == 0 for n in shape):
        return x
    grid = np.indices(shape, np.result_type(dtype_of(x), np.float32))
    return _sample(x, [grid[d] - s[d] for d in range(nd)], order, mode, cval, prefilter)


def zoom(input, zoom, output=None, order=3, mode='constant', cval=0.0, prefilter=True, *,
         grid_mode=False):
    """``scipy.ndimage.zoom``: ``input`` resampled to ``round(shape * zoom)`` samples per
    axis by the spline of ``order`` (0..5), the end samples aligned (or, with
    ``grid_mode=True``, the pixels' outer edges); differentiable in ``input``.

    >>> zoom(np.array([0.0, 10.0, 30.0]), 5 / 3, order=1)
    array([ 0.,  5., 10., 20., 30.])
    """
    if not is_traced(input):
        return _plain("zoom")(input, zoom, output, order, mode, cval, prefilter,
                              grid_mode=grid_mode)
    op = "zoom"
    _no_output(op, output)
    x = _float(input)
    _check(op, order, mode, x)
    shape = shape_of(x)
    factors = _sequence(op, "zoom", zoom, len(shape))
    out_shape = tuple(int(round(n * z)) for n, z in zip(shape, factors))
    if all(z == 1 for z in factors) and (prefilter or order < 2):  # SciPy returns the input
        return x
    if any(n == 0 for n in shape + out_shape):
        return tnp.zeros(out_shape, dtype_of(x))
    dt = np.result_type(dtype_of(x), np.float32)
    coords = []
    for d, (n, m) in enumerate(zip(shape, out_shape)):
        num, div = (n, m) if grid_mode else (n - 1, m - 1)
        step = num / div if div != 0 else 1.0  # SciPy: factor 1 for one output sample
        i = np.arange(m, dtype=np.float64)
        c = (i + 0.5) * step - 0.5 if grid_mode else i * step
        coords.append(c.astype(dt).reshape([m if a == d else 1 for a in range(len(shape))]))
    coords = [np.broadcast_to(c, out_shape) for c in coords]
    return _sample(x, coords, order, mode, cval, prefilter)
