"""scipy.ndimage's B-spline interpolation of orders 0 and 2..5 for the traced
``map_coordinates``, ``shift`` and ``zoom`` of `tangents.scipy._ndimage_interp`, and the
index maps of SciPy's boundary modes that order 1 shares.

As SciPy: with ``prefilter`` (and order > 1) the input, first padded by 12 samples for
'nearest' (edge values) and 'grid-constant' (``cval``), is turned into spline coefficients by
SciPy's own filter along each axis; a sample at ``c`` is then ``sum_j w_j(c) coef[start + j]``
over the ``order + 1`` taps per axis, ``w_j`` the B-spline weights, the taps outside the array
read by the mode's extension ('mirror' for 'constant' and 'wrap') or ``cval`` for
'grid-constant'.  A coordinate outside the input is first folded back by the mode's symmetry,
as SciPy's C code does (this decides which tap order 0 rounds to at a tie); 'constant' gives
``cval`` outside ``[0, n - 1]``.  The prefilter is a constant linear map, ``floor`` has
derivative 0 and the weights are polynomials in ``c``, so every derivative is by composition.
"""
from __future__ import annotations

import functools

import numpy as np

from .. import numpy as tnp
from ..numpy._dispatch import dtype_of, shape_of
from ._ndimage_support import _plain

_PAD = 12  # scipy.ndimage._interpolation._prepad_for_spline_filter, 'nearest'/'grid-constant'


def _neighbour(k, n, mode):
    """The index that the integer position ``k`` reads in an axis of length ``n``."""
    if mode in ("reflect", "grid-mirror"):  # period 2n, the edge sample repeated
        k = k % (2 * n)
        return tnp.where(k >= n, 2 * n - 1 - k, k)
    if mode == "mirror":  # period 2(n - 1), the edge sample not repeated
        if n == 1:
            return k * 0
        k = k % (2 * (n - 1))
        return tnp.where(k >= n, 2 * (n - 1) - k, k)
    if mode == "grid-wrap":
        return k % n
    return tnp.clip(k, 0, n - 1)  # nearest; and 'wrap'/'constant', whose c is inside


def _wrap(c, n):
    """SciPy's 'wrap' of a coordinate: period ``n - 1`` into ``[0, n - 1]``."""
    if n == 1:
        return c * 0
    sz = n - 1
    below = c + sz * (tnp.trunc(-c / sz) + 1)
    above = c - sz * tnp.trunc(c / sz)
    return tnp.where(c < 0, below, tnp.where(c > sz, above, c))


def _fold(c, n, mode):
    """A coordinate outside ``[0, n - 1]`` mapped back inside by the mode's symmetry (SciPy's
    C ``map_coordinate``); 'nearest', 'grid-constant' and 'constant' leave it as it is."""
    if mode in ("nearest", "grid-constant", "constant"):
        return c
    if n == 1:
        return c * 0
    if mode == "wrap":
        return _wrap(c, n)
    if mode == "grid-wrap":  # period n
        below = c + n * (tnp.trunc((-1 - c) / n) + 1)
        above = c - n * tnp.trunc(c / n)
    elif mode == "mirror":  # period 2(n - 1), mirrored about 0 and n - 1
        s = 2 * n - 2
        below = s * tnp.trunc(-c / s) + c
        below = tnp.where(below <= 1 - n, below + s, -below)
        above = c - s * tnp.trunc(c / s)
        above = tnp.where(above >= n, s - above, above)
    else:  # reflect, grid-mirror: period 2n, mirrored about -1/2 and n - 1/2
        s = 2 * n
        below = tnp.where(c < -s, s * tnp.trunc(-c / s) + c, c)
        # SciPy's guard: -1e-15 < c < 0 goes to -1 + 1e-15, not to -1 (outside)
        below = tnp.where(below < -n, below + s,
                          tnp.where(below > -1e-15, 1e-15, -below) - 1)
        above = c - s * tnp.trunc(c / s)
        above = tnp.where(above >= n, s - above - 1, above)
    return tnp.where(c < 0, below, tnp.where(c > n - 1, above, c))


@functools.lru_cache(maxsize=16)
def _filter_matrix(n, order, mode, dtype):
    """SciPy's spline prefilter of an axis of length ``n`` as the matrix ``M`` with
    ``spline_filter1d(x) = M @ x`` (read-only).  Exact for any input, at the price of n^2
    entries: fine up to n ~ 2000 (32 MB in float64); beyond that a recursive filter with a
    custom transpose would be the better route."""
    m = _plain("spline_filter1d")(np.eye(n), order, axis=0, mode=mode, output=np.float64)
    m = m.astype(dtype)
    m.flags.writeable = False
    return m


def _prefilter(x, order, mode, cval):
    """``x`` as spline coefficients (scipy.ndimage.spline_filter, after SciPy's padding) and
    the padding width on each side."""
    npad = _PAD if mode in ("nearest", "grid-constant") else 0
    if mode == "nearest":
        x = tnp.pad(x, npad, mode="edge")
    elif npad:
        x = tnp.pad(x, npad, constant_values=cval)
    for axis, n in enumerate(shape_of(x)):
        m = _filter_matrix(n, order, mode, dtype_of(x))
        x = tnp.moveaxis(tnp.tensordot(m, x, axes=([1], [axis])), 0, axis)
    return x, npad


# The centred B-spline of degree 4 and 5 on its inner and outer pieces (|t| as the argument);
# the outermost pieces are (order + 1) / 2 - |t| to the power order, over order!.
def _b4_inner(t):
    t = t * t
    return t * (t / 4 - 5 / 8) + 115 / 192


def _b4_outer(t):
    return t * (t * (t * (5 - t) / 6 - 5 / 4) + 5 / 24) + 55 / 96


def _b5_inner(t):
    u = t * t
    return u * (u * (1 / 4 - t / 12) - 1 / 2) + 11 / 20


def _b5_outer(t):
    return t * (t * (t * (t * (t / 24 - 3 / 8) + 5 / 4) - 7 / 4) + 5 / 8) + 17 / 40


def _weights(x, order):
    """The B-spline weights of the taps ``start .. start + order`` for a coordinate ``x``
    past the middle knot (``x`` in [0, 1) for odd orders, [-1/2, 1/2) for even)."""
    z = 1 - x
    if order == 2:
        return [(0.5 - x) ** 2 / 2, 0.75 - x * x, (0.5 + x) ** 2 / 2]
    if order == 3:
        return [z ** 3 / 6, (3 * x - 6) * x * x / 6 + 2 / 3, (3 * z - 6) * z * z / 6 + 2 / 3,
                x ** 3 / 6]
    if order == 4:
        return [(0.5 - x) ** 4 / 24, _b4_outer(1 + x), _b4_inner(x), _b4_outer(z),
                (0.5 + x) ** 4 / 24]
    return [z ** 5 / 120, _b5_outer(1 + x), _b5_inner(x), _b5_inner(z), _b5_outer(2 - x),
            x ** 5 / 120]


def _taps(c, order):
    """The first tap (an integer array) and the weights (order > 0), stacked on a last axis
    of length ``order + 1``; even orders centre on the nearest knot (a tie rounds up)."""
    base = tnp.floor(c) if order % 2 else tnp.floor(c + 0.5)  # floor: derivative 0
    start = tnp.astype(base, np.intp) - order // 2
    taps = start[..., None] + np.arange(order + 1)
    if order == 0:
        return taps, None
    return taps, tnp.stack(_weights(c - base, order), axis=-1)


def interpolate_spline(x, coords, order, mode, cval, prefilter):
    """``x`` sampled at ``coords`` (one array per axis of x, all of one shape) by SciPy's
    spline of ``order`` (0 or 2..5), its coefficients from the prefilter or ``x`` itself.

    >>> interpolate_spline(np.array([0.0, 1.0, 8.0]), [np.array([0.5])], 3, "mirror", 0.0,
    ...                    True)
    array([-0.25])
    """
    shape, nd = shape_of(x), len(shape_of(x))
    npad = 0
    if prefilter and order > 1:
        x, npad = _prefilter(x, order, mode, cval)
    ext = shape_of(x)
    flat = tnp.reshape(x, (-1,))
    strides = np.cumprod((1,) + ext[:0:-1])[::-1]
    tap_mode = "mirror" if mode in ("constant", "wrap") else mode
    index, weight, inside = 0, 1, True
    for d, (c, n, stride) in enumerate(zip(coords, ext, strides)):
        k, w = _taps(_fold(c + npad, n, mode), order)
        # axis d's taps on their own axis, so the sum runs over the (order + 1)^nd products
        put = shape_of(c) + tuple(order + 1 if a == d else 1 for a in range(nd))
        k = tnp.reshape(k, put)
        index = index + _neighbour(k, n, tap_mode) * int(stride)
        if w is not None:
            weight = weight * tnp.reshape(w, put)
        if mode == "grid-constant":  # a tap outside the coefficients reads cval
            inside = inside & (k >= 0) & (k < n)
    value = tnp.take(flat, index)
    if mode == "grid-constant":
        value = tnp.where(inside, value, cval)
    out = tnp.sum(value * weight, axis=tuple(range(-nd, 0)))
    return cval_outside(out, coords, shape, cval) if mode == "constant" else out


def cval_outside(out, coords, shape, cval):
    """``out`` with ``cval`` where a coordinate is outside ``[0, n - 1]``: mode 'constant'
    does not interpolate beyond the edges."""
    inside = True
    for c, n in zip(coords, shape):
        inside = inside & (c >= 0) & (c <= n - 1)
    return tnp.where(inside, out, cval)
