"""scipy.ndimage's filters, differentiable: correlation and convolution (``correlate1d``,
``convolve1d``, ``correlate``, ``convolve``, differentiable in the input and the weights),
``gaussian_filter1d``, ``gaussian_filter``, ``uniform_filter1d``, ``uniform_filter`` and the
rank filters (``median_filter``, ``minimum_filter``, ``maximum_filter``, ``rank_filter``,
``percentile_filter``: the derivative reaches the sample each window picks, as `medfilt`'s);
spline interpolation of orders 0..5 (``map_coordinates``, ``shift``, ``zoom``: in the input,
the coordinates and the shift) is in `tangents.scipy._ndimage_interp`, re-exported here.

Every filter extends the input by SciPy's boundary ``mode`` (an index map: 'reflect' =
'grid-mirror' ``d c b a | a b c d | d c b a``, 'mirror' ``d c b | a b c d | c b a``,
'nearest', 'wrap' = 'grid-wrap', or ``cval`` for 'constant' = 'grid-constant'), then a
correlation is the sum over the weights of each weight times a shifted slice of the extended
array, and a rank filter sorts the stack of those slices.  Written with tangents.numpy, so
every transform and order composes.  Plain calls are SciPy's; ``scipy.ndimage.<name>`` on a
traced argument routes here (tangents.scipy._registry).
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import numpy as tnp
from ..numpy._dispatch import dtype_of, is_traced, normalize_axis, shape_of
from ._ndimage_interp import map_coordinates, shift, zoom
from ._ndimage_linear import correlate_fixed
from ._ndimage_rank import (
    maximum_filter,
    median_filter,
    minimum_filter,
    percentile_filter,
    rank_filter,
)
from ._ndimage_support import (
    _axes,
    _check_origin,
    _empty,
    _float,
    _mode,
    _nd_weights,
    _no_output,
    _plain,
    _sequence,
    _windows,
)

__all__ = ["correlate1d", "convolve1d", "correlate", "convolve", "gaussian_filter1d",
           "gaussian_filter", "uniform_filter1d", "uniform_filter", "median_filter",
           "minimum_filter", "maximum_filter", "rank_filter", "percentile_filter",
           "map_coordinates", "shift", "zoom", "COVERAGE"]

_MODES = "modes reflect/constant (cval)/nearest/mirror/wrap/grid-*"
COVERAGE = {
    "correlate1d": f"input, weights; {_MODES}, origin, axis",
    "convolve1d": f"input, weights; {_MODES}, origin, axis",
    "correlate": f"input, weights; {_MODES}, origin, axes",
    "convolve": f"input, weights; {_MODES}, origin, axes",
    "gaussian_filter1d": f"input; order 0-2 and higher, truncate, radius, {_MODES}, axis",
    "gaussian_filter": f"input; order 0-2 and higher, truncate, radius, {_MODES}, axes",
    "uniform_filter1d": f"input; size, {_MODES}, origin, axis",
    "uniform_filter": f"input; size, {_MODES}, origin, axes",
}
COVERAGE.update({n: f"input (the sample each window picks); size/footprint, {_MODES}, origin, "
                    "axes" for n in ("median_filter", "minimum_filter", "maximum_filter",
                                     "rank_filter", "percentile_filter")})
COVERAGE.update({
    "map_coordinates": "input, coordinates; orders 0-5, prefilter, every mode (cval)",
    "shift": "input, shift; orders 0-5, prefilter, every mode (cval)",
    "zoom": "input; orders 0-5, prefilter, every mode (cval), grid_mode",
})


def _correlate_nd(op, x, w, origins, modes, cval):
    """The correlation of ``x`` with ``w`` (both of x's rank): one primitive for plain real
    weights, else the sum of weighted slices."""
    traced_w = is_traced(w)
    if (not traced_w and np.isrealobj(w) and dtype_of(x).kind == "f"
            and len(set(modes)) == 1):
        for o, s in zip(origins, shape_of(w)):
            _check_origin(op, o, s)
        return correlate_fixed(x, w, origins, modes[0], cval)
    window = _windows(op, x, shape_of(w), origins, modes, cval)
    if not traced_w:
        dt = np.result_type(dtype_of(x), np.float32)
        w = np.asarray(w, np.result_type(dt, np.complex64) if np.iscomplexobj(w) else dt)
    out = None
    for offset in itertools.product(*(range(s) for s in shape_of(w))):
        if not traced_w and w[offset] == 0:  # SciPy's footprint skips zero weights too
            continue
        term = w[offset] * window(offset)
        out = term if out is None else out + term
    return tnp.zeros_like(x) if out is None else out


def _filter_1d(op, x, w, axis, mode, cval, origin):
    """Correlate ``x`` along ``axis`` with the 1-d weights ``w``."""
    nd = len(shape_of(x))
    axis = normalize_axis(axis, nd, op)
    if len(shape_of(w)) != 1 or shape_of(w)[0] < 1:
        raise ValueError(f"{op}: weights must be 1-d and non-empty, got shape {shape_of(w)}")
    mode = _mode(op, mode)
    wshape = [1] * nd
    wshape[axis] = shape_of(w)[0]
    origins = [0] * nd
    origins[axis] = int(origin)
    modes = [mode] * nd
    return _correlate_nd(op, x, tnp.reshape(w, wshape) if is_traced(w) else
                         np.reshape(w, wshape), origins, modes, cval)


def correlate1d(input, weights, axis=-1, output=None, mode='reflect', cval=0.0, origin=0):
    """``scipy.ndimage.correlate1d``: ``out[i] = sum_j w[j] x[i + j - len(w) // 2 - origin]``
    along ``axis``, the input extended by ``mode``; differentiable in ``input`` and
    ``weights``.

    >>> correlate1d(np.array([1.0, 2.0, 4.0]), np.array([1.0, 1.0, 0.0]))
    array([2., 3., 6.])
    """
    if not is_traced(input, weights):
        return _plain("correlate1d")(input, weights, axis, output, mode, cval, origin)
    _no_output("correlate1d", output)
    x, w = _float(input), tnp.conj(weights) if is_traced(weights) else np.conj(weights)
    return x if _empty(x) else _filter_1d("correlate1d", x, w, axis, mode, cval, origin)


def convolve1d(input, weights, axis=-1, output=None, mode='reflect', cval=0.0, origin=0):
    """``scipy.ndimage.convolve1d``: `correlate1d` with the reversed weights (and the origin
    mirrored); differentiable in ``input`` and ``weights``.

    >>> convolve1d(np.array([1.0, 2.0, 4.0]), np.array([1.0, 1.0, 0.0]))
    array([3., 6., 8.])
    """
    if not is_traced(input, weights):
        return _plain("convolve1d")(input, weights, axis, output, mode, cval, origin)
    _no_output("convolve1d", output)
    n = shape_of(weights)[0] if len(shape_of(weights)) == 1 else 0
    origin = -origin - (1 - n % 2)
    x = _float(input)
    return x if _empty(x) else _filter_1d("convolve1d", x, weights[::-1], axis, mode, cval,
                                          origin)


def _correlate_or_convolve(op, input, weights, mode, cval, origin, axes, flip):
    x = _float(input)
    w = weights if is_traced(weights) else np.asarray(weights)
    if dtype_of(w).kind == "c" and not flip:  # as np.correlate: conjugate the weights
        w = tnp.conj(w) if is_traced(w) else np.conj(w)
    w, origins = _nd_weights(op, x, w, axes, origin)
    if flip:  # convolution: correlation with the reversed weights, origins mirrored
        w = w[(slice(None, None, -1),) * len(shape_of(w))]
        origins = [-o - (1 - s % 2) for o, s in zip(origins, shape_of(w))]
    if _empty(x):
        return x
    modes = [_mode(op, mode)] * len(shape_of(x))
    return _correlate_nd(op, x, w, origins, modes, cval)


def correlate(input, weights, output=None, mode='reflect', cval=0.0, origin=0, *, axes=None):
    """``scipy.ndimage.correlate``: the n-d correlation with ``weights`` over ``axes``, the
    input extended by ``mode``; differentiable in ``input`` and ``weights``.

    >>> correlate(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [0.0, 1.0]]))
    array([[2., 3.],
           [4., 5.]])
    """
    if not is_traced(input, weights):
        return _plain("correlate")(input, weights, output, mode, cval, origin, axes=axes)
    _no_output("correlate", output)
    return _correlate_or_convolve("correlate", input, weights, mode, cval, origin, axes, False)


def convolve(input, weights, output=None, mode='reflect', cval=0.0, origin=0, *, axes=None):
    """``scipy.ndimage.convolve``: `correlate` with the weights reversed on every axis;
    differentiable in ``input`` and ``weights``.

    >>> convolve(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [0.0, 1.0]]))
    array([[5., 6.],
           [7., 8.]])
    """
    if not is_traced(input, weights):
        return _plain("convolve")(input, weights, output, mode, cval, origin, axes=axes)
    _no_output("convolve", output)
    return _correlate_or_convolve("convolve", input, weights, mode, cval, origin, axes, True)


def _gaussian_weights(op, sigma, order, truncate, radius):
    """SciPy's correlation weights of a Gaussian derivative of ``order`` (its kernel
    reversed); the Gaussian's parameters are static."""
    from scipy.ndimage._filters import _gaussian_kernel1d
    lw = int(truncate * float(sigma) + 0.5) if radius is None else radius
    if not isinstance(lw, (int, np.integer)) or lw < 0:
        raise ValueError(f"{op}: radius must be a nonnegative integer, got {radius!r}")
    if int(order) < 0:
        raise ValueError(f"{op}: order must be non-negative, got {order}")
    return _gaussian_kernel1d(sigma, int(order), int(lw))[::-1]


def gaussian_filter1d(input, sigma, axis=-1, order=0, output=None, mode='reflect', cval=0.0,
                      truncate=4.0, *, radius=None):
    """``scipy.ndimage.gaussian_filter1d``: correlation along ``axis`` with SciPy's Gaussian
    (derivative of ``order``) of width ``sigma``, cut at ``radius`` or ``truncate`` sigmas;
    differentiable in ``input``.

    >>> gaussian_filter1d(np.array([0.0, 1.0, 0.0]), 1.0, radius=1).round(4)
    array([0.2741, 0.4519, 0.2741])
    """
    if not is_traced(input):
        return _plain("gaussian_filter1d")(input, sigma, axis, output=output, order=order,
                                           mode=mode, cval=cval, truncate=truncate,
                                           radius=radius)
    _no_output("gaussian_filter1d", output)
    w = _gaussian_weights("gaussian_filter1d", sigma, order, truncate, radius)
    x = _float(input)
    return x if _empty(x) else _filter_1d("gaussian_filter1d", x, w, axis, mode, cval, 0)


def gaussian_filter(input, sigma, order=0, output=None, mode='reflect', cval=0.0,
                    truncate=4.0, *, radius=None, axes=None):
    """``scipy.ndimage.gaussian_filter``: `gaussian_filter1d` along each of ``axes`` (sigma,
    order, mode and radius may differ per axis); differentiable in ``input``.

    >>> gaussian_filter(np.array([[0.0, 0.0], [0.0, 4.0]]), 1.0, radius=1).round(3)
    array([[0.3  , 0.796],
           [0.796, 2.108]])
    """
    if not is_traced(input):
        return _plain("gaussian_filter")(input, sigma, order, output, mode, cval, truncate,
                                         radius=radius, axes=axes)
    op = "gaussian_filter"
    _no_output(op, output)
    x = _float(input)
    axes = _axes(op, axes, len(shape_of(x)))
    per_axis = zip(axes, *(_sequence(op, name, v, len(axes)) for name, v in
                           (("sigma", sigma), ("order", order), ("mode", mode),
                            ("radius", radius))))
    for axis, s, o, m, r in per_axis:
        if s > 1e-15 and not _empty(x):  # SciPy leaves an axis of sigma ~ 0 alone
            w = _gaussian_weights(op, s, o, truncate, r)
            x = _filter_1d(op, x, w, axis, m, cval, 0)
    return x


def uniform_filter1d(input, size, axis=-1, output=None, mode='reflect', cval=0.0, origin=0):
    """``scipy.ndimage.uniform_filter1d``: the mean of each length-``size`` window along
    ``axis``; differentiable in ``input``.

    >>> uniform_filter1d(np.array([1.0, 2.0, 6.0]), 3)
    array([1.33333333, 3.        , 4.66666667])
    """
    if not is_traced(input):
        return _plain("uniform_filter1d")(input, size, axis, output, mode, cval, origin)
    op = "uniform_filter1d"
    _no_output(op, output)
    if int(size) < 1:
        raise ValueError(f"{op}: size must be at least 1, got {size}")
    x = _float(input)
    w = np.full(int(size), 1 / int(size))
    return x if _empty(x) else _filter_1d(op, x, w, axis, mode, cval, origin)


def uniform_filter(input, size=3, output=None, mode='reflect', cval=0.0, origin=0, *,
                   axes=None):
    """``scipy.ndimage.uniform_filter``: `uniform_filter1d` along each of ``axes`` (size,
    mode and origin may differ per axis); differentiable in ``input``.

    >>> uniform_filter(np.array([[1.0, 2.0], [3.0, 6.0]]), 2)
    array([[1. , 1.5],
           [2. , 3. ]])
    """
    if not is_traced(input):
        return _plain("uniform_filter")(input, size, output, mode, cval, origin, axes=axes)
    op = "uniform_filter"
    _no_output(op, output)
    x = _float(input)
    axes = _axes(op, axes, len(shape_of(x)))
    per_axis = zip(axes, *(_sequence(op, name, v, len(axes)) for name, v in
                           (("size", size), ("mode", mode), ("origin", origin))))
    for axis, s, m, o in per_axis:
        if int(s) > 1 and not _empty(x):
            x = _filter_1d(op, x, np.full(int(s), 1 / int(s)), axis, m, cval, o)
    return x
