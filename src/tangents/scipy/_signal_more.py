"""More of scipy.signal, differentiable, composed from tangents.numpy and `lfilter`:
``detrend``, ``savgol_filter``, ``filtfilt``, ``sosfiltfilt``, ``convolve2d`` and
``correlate2d``.  Re-exported by
`tangents.scipy.signal`; ``scipy.signal.<name>`` on a traced argument routes here
(tangents.scipy._registry).  Each is written with differentiable operations, so every
transform and order composes:

* ``detrend`` subtracts the least-squares line of each segment (``x - mean - slope t`` with
  ``t`` centered), a linear projection;
* ``savgol_filter`` is SciPy's Savitzky-Golay coefficients dotted with each window, and at the
  edges (``mode='interp'``) the polynomial fits of the first and last windows, which are rows
  of SciPy's own filter of a one-window identity (the fit is linear in the samples);
* ``filtfilt`` extends the signal at both ends, filters forward and backward with the
  steady-state initial condition ``zi = (I - A)^-1 B`` scaled by the first sample (SciPy's
  ``lfilter_zi``, here a differentiable solve, so ``b`` and ``a`` are differentiated too);
* ``sosfiltfilt`` is the same with `sosfilt` and each section's steady state scaled by the
  DC gain of the sections before it (SciPy's ``sosfilt_zi``);
* ``convolve2d``/``correlate2d`` extend ``in1`` by the boundary rule and take the 'valid' part
  of `convolve` with the extension, then the mode's window of the 'full' result;
* ``medfilt``/``medfilt2d`` take `tangents.numpy.median` of each zero-padded window,
  ``lfiltic`` SciPy's sums of past inputs and outputs, ``deconvolve`` the impulse response of
  `lfilter` (``b = signal``, ``a = divisor``) and the remainder by `convolve`.
"""
from __future__ import annotations

import numpy as np
import scipy.signal as _ss

from .. import numpy as tnp
from ..numpy._dispatch import dtype_of, is_traced, normalize_axis, shape_of

__all__ = ["detrend", "savgol_filter", "filtfilt", "sosfiltfilt", "convolve2d", "correlate2d",
           "medfilt", "medfilt2d", "lfiltic", "deconvolve", "lfilter_zi", "sosfilt_zi"]

COVERAGE = {
    "detrend": "data; type linear/constant, bp, axis",
    "savgol_filter": "x; every mode (odd window_length), deriv, delta, axis",
    "filtfilt": "b, a, x; method 'pad' (padtype odd/even/constant/None, padlen), axis",
    "sosfiltfilt": "sos, x; padtype odd/even/constant/None, padlen, axis",
    "convolve2d": "in1, in2; modes full/same/valid; boundary fill/wrap/symm, fillvalue",
    "correlate2d": "in1, in2; modes full/same/valid; boundary fill/wrap/symm, fillvalue",
    "medfilt": "volume (the sample each median picks); kernel_size",
    "medfilt2d": "input (the sample each median picks); kernel_size",
    "lfiltic": "b, a, y, x",
    "lfilter_zi": "b, a",
    "sosfilt_zi": "sos",
    "deconvolve": "signal, divisor",
}


def _plain(name):
    fn = getattr(_ss, name)
    return getattr(fn, "_tangents_original", fn)  # SciPy's own, not the route


def _float(x):
    return tnp.astype(x, np.float64) if dtype_of(x).kind in "biu" else x


def _last(x, axis, op):
    """``x`` with ``axis`` moved last, and that axis as a non-negative int."""
    axis = normalize_axis(axis, len(shape_of(x)), op)
    return tnp.moveaxis(x, axis, -1), axis


def _detrend_last(x, kind):
    """Detrend along the last axis: the mean, or the least-squares line."""
    mean = tnp.mean(x, axis=-1, keepdims=True)
    n = shape_of(x)[-1]
    if kind == "constant" or n < 2:
        return x - mean
    t = (np.arange(n) - (n - 1) / 2).astype(np.finfo(dtype_of(x)).dtype)
    slope = tnp.sum(x * t, axis=-1, keepdims=True) / float(t @ t)
    return x - mean - slope * t


def detrend(data, axis=-1, type='linear', bp=0, overwrite_data=False):
    """``scipy.signal.detrend``: ``data`` minus its least-squares line on each segment between
    the breakpoints ``bp`` (``type='linear'``) or minus its mean (``'constant'``) along
    ``axis``; differentiable in ``data``.

    >>> detrend(np.array([1.0, 2.5, 3.0, 4.5]))
    array([-0.1,  0.3, -0.3,  0.1])
    """
    if not is_traced(data):
        return _plain("detrend")(data, axis, type, bp, overwrite_data)
    if type not in ("linear", "l", "constant", "c"):
        raise ValueError(f"detrend: trend type must be 'linear' or 'constant', got {type!r}")
    x, axis = _last(_float(data), axis, "detrend")
    if type in ("constant", "c"):
        return tnp.moveaxis(_detrend_last(x, "constant"), -1, axis)
    n = shape_of(x)[-1]
    bps = np.sort(np.unique(np.r_[0, bp, n]))
    if np.any(bps > n):
        raise ValueError("detrend: breakpoints must be less than the length of data along "
                         f"axis {axis} ({n}), got bp={bp}")
    parts = [_detrend_last(x[..., lo:hi], "linear") for lo, hi in zip(bps[:-1], bps[1:])]
    return tnp.moveaxis(tnp.concatenate(parts, axis=-1), -1, axis)


def _windows(x, w):
    """The length-``w`` windows of the last axis: shape ``(..., n - w + 1, w)``."""
    n = shape_of(x)[-1]
    return tnp.take(x, np.arange(n - w + 1)[:, None] + np.arange(w), axis=-1)


def _extend(x, h, mode, cval):
    """``x`` extended by ``h`` samples at each end of the last axis, as scipy.ndimage does."""
    n = shape_of(x)[-1]
    if mode == "constant":
        return tnp.pad(x, [(0, 0)] * (len(shape_of(x)) - 1) + [(h, h)], constant_values=cval)
    k = np.arange(-h, n + h)
    if mode == "nearest":
        k = np.clip(k, 0, n - 1)
    elif mode == "wrap":
        k = k % n
    else:  # mirror: d c b | a b c d | c b a
        period = max(2 * (n - 1), 1)
        k = k % period
        k = np.where(k >= n, period - k, k)
    return tnp.take(x, k, axis=-1)


def savgol_filter(x, window_length, polyorder, deriv=0, delta=1.0, axis=-1, mode='interp',
                  cval=0.0):
    """``scipy.signal.savgol_filter``: the Savitzky-Golay filter of ``x`` along ``axis``,
    differentiable in ``x`` (traced calls take an odd ``window_length``).

    >>> savgol_filter(np.array([1.0, 2.0, 4.0, 7.0, 11.0]), 3, 1)
    array([ 0.83333333,  2.33333333,  4.33333333,  7.33333333, 10.83333333])
    """
    if not is_traced(x):
        return _plain("savgol_filter")(x, window_length, polyorder, deriv, delta, axis, mode,
                                       cval)
    w = int(window_length)
    if w % 2 == 0:
        raise NotImplementedError(f"savgol_filter: derivatives take an odd window_length, got "
                                  f"{w}; use {w + 1} or {w - 1}")
    if mode not in ("mirror", "constant", "nearest", "wrap", "interp"):
        raise ValueError(f"savgol_filter: mode must be 'mirror', 'constant', 'nearest', 'wrap'"
                         f" or 'interp', got {mode!r}")
    x, axis = _last(_float(x), axis, "savgol_filter")
    n, h, dt = shape_of(x)[-1], w // 2, dtype_of(x)
    coef = _ss.savgol_coeffs(w, polyorder, deriv=deriv, delta=delta, use="dot").astype(dt)
    if mode != "interp":
        y = _windows(_extend(x, h, mode, cval), w) @ coef
    elif w > n:
        raise ValueError(f"savgol_filter: with mode='interp', window_length ({w}) must be at "
                         f"most the size of x along axis {axis} ({n})")
    else:  # the edges: the first and last windows' fits, rows of a one-window filter matrix
        fit = _plain("savgol_filter")(np.eye(w), w, polyorder, deriv, delta, 0, "interp")
        fit = fit.astype(dt)
        y = tnp.concatenate([x[..., :w] @ fit[:h].T, _windows(x, w) @ coef,
                             x[..., n - w:] @ fit[w - h:].T], axis=-1)
    return tnp.moveaxis(y, -1, axis)


def _lfilter_zi(b, a):
    """SciPy's ``lfilter_zi`` in differentiable form: the state ``zi`` with which a unit step
    input is already at its steady state, ``(I - A) zi = B`` (``A`` the companion matrix)."""
    n = max(shape_of(a)[0], shape_of(b)[0])
    b, a = b / a[0], a / a[0]
    b = tnp.pad(b, [(0, n - shape_of(b)[0])])
    a = tnp.pad(a, [(0, n - shape_of(a)[0])])
    if n == 1:
        return b[:0]
    companion_t = tnp.concatenate([-a[1:, None], np.eye(n - 1, n - 2)], axis=1)
    return tnp.linalg.solve(np.eye(n - 1) - companion_t, b[1:] - a[1:] * b[0])


def lfilter_zi(b, a):
    """``scipy.signal.lfilter_zi``: the initial state of `lfilter` for the steady state of a
    step response; differentiable in ``b`` and ``a``.

    >>> lfilter_zi(np.array([0.5, 0.5]), np.array([1.0, -0.5]))
    array([1.5])
    """
    if not is_traced(b, a):
        return _plain("lfilter_zi")(b, a)
    return _lfilter_zi(_float(tnp.atleast_1d(b)), _float(tnp.atleast_1d(a)))


def sosfilt_zi(sos):
    """``scipy.signal.sosfilt_zi``: the initial states of `sosfilt` for the steady state of a
    step response; differentiable in ``sos``.

    >>> sosfilt_zi(np.array([[0.5, 0.5, 0.0, 1.0, -0.5, 0.0]]))
    array([[1.5, 0. ]])
    """
    if not is_traced(sos):
        return _plain("sosfilt_zi")(sos)
    if len(shape_of(sos)) != 2 or shape_of(sos)[1] != 6:
        raise ValueError(f"sosfilt_zi: sos must have shape (n_sections, 6), got "
                         f"{shape_of(sos)}")
    return _sos_zi(_float(sos))


def _pad_ends(x, n, padtype):
    """``x`` (last axis) extended by ``n`` samples at each end: SciPy's odd/even/const_ext."""
    if n == 0:
        return x
    first, last = x[..., :1], x[..., -1:]
    left, right = tnp.flip(x[..., 1:n + 1], -1), tnp.flip(x[..., -n - 1:-1], -1)
    if padtype == "odd":
        left, right = 2 * first - left, 2 * last - right
    elif padtype == "constant":
        left, right = tnp.repeat(first, n, -1), tnp.repeat(last, n, -1)
    return tnp.concatenate([left, x, right], axis=-1)


def filtfilt(b, a, x, axis=-1, padtype='odd', padlen=None, method='pad', irlen=None):
    """``scipy.signal.filtfilt``: ``lfilter`` forward then backward (zero phase) along
    ``axis``, differentiable in ``b``, ``a`` and ``x`` (``method='pad'``).

    >>> filtfilt(np.array([0.5, 0.5]), np.array([1.0]), np.array([1.0, 2.0, 4.0, 8.0]), padlen=1)
    array([1.  , 2.25, 4.5 , 8.  ])
    """
    if not is_traced(b, a, x):
        return _plain("filtfilt")(b, a, x, axis, padtype, padlen, method, irlen)
    if method != "pad":
        raise NotImplementedError("filtfilt: derivatives take method='pad' (Gustafsson's "
                                  "method solves for its initial states); use method='pad'")
    if padtype not in ("odd", "even", "constant", None):
        raise ValueError(f"filtfilt: padtype must be 'odd', 'even', 'constant' or None, got "
                         f"{padtype!r}")
    from .signal import lfilter
    b, a = tnp.atleast_1d(b), tnp.atleast_1d(a)
    x, axis = _last(_float(x), axis, "filtfilt")
    ntaps = max(shape_of(a)[0], shape_of(b)[0])
    edge = 0 if padtype is None else 3 * ntaps if padlen is None else int(padlen)
    if shape_of(x)[-1] <= edge:
        raise ValueError(f"filtfilt: the length of x along axis {axis} ({shape_of(x)[-1]}) must "
                         f"be greater than padlen ({edge})")
    ext = _pad_ends(x, edge, padtype)
    zi = _lfilter_zi(b, a)
    y, _ = lfilter(b, a, ext, -1, zi * ext[..., :1])
    y, _ = lfilter(b, a, tnp.flip(y, -1), -1, zi * y[..., -1:])
    y = tnp.flip(y, -1)
    return tnp.moveaxis(y[..., edge:shape_of(y)[-1] - edge], -1, axis)


def _sos_zi(sos):
    """SciPy's ``sosfilt_zi``, differentiable: each section's steady state times the DC gain
    of the sections before it."""
    zis, gain = [], 1.0
    for s in range(shape_of(sos)[0]):
        b, a = sos[s, :3], sos[s, 3:]
        zis.append(_lfilter_zi(b, a) * gain)
        gain = gain * tnp.sum(b) / tnp.sum(a)
    return tnp.stack(zis)


def sosfiltfilt(sos, x, axis=-1, padtype='odd', padlen=None):
    """``scipy.signal.sosfiltfilt``: `sosfilt` forward then backward along ``axis``,
    differentiable in ``sos`` and ``x``.

    >>> sos = np.array([[0.5, 0.5, 0.0, 1.0, 0.0, 0.0]])
    >>> sosfiltfilt(sos, np.array([1.0, 2.0, 4.0, 8.0]), padlen=0)
    array([1.25, 2.25, 4.5 , 6.  ])
    """
    if not is_traced(sos, x):
        return _plain("sosfiltfilt")(sos, x, axis, padtype, padlen)
    if padtype not in ("odd", "even", "constant", None):
        raise ValueError(f"sosfiltfilt: padtype must be 'odd', 'even', 'constant' or None, "
                         f"got {padtype!r}")
    if padlen is None and padtype is not None and is_traced(sos):
        raise NotImplementedError("sosfiltfilt: with a traced sos the default padlen depends "
                                  "on which coefficients are exactly zero; pass padlen= "
                                  "(SciPy's default is 3 * (2 * n_sections + 1) less the "
                                  "zeros)")
    from .signal import sosfilt
    x, axis = _last(_float(x), axis, "sosfiltfilt")
    if padtype is None:
        edge = 0
    elif padlen is None:
        sos0 = np.asarray(sos)
        ntaps = 2 * sos0.shape[0] + 1 - min((sos0[:, 2] == 0).sum(), (sos0[:, 5] == 0).sum())
        edge = 3 * ntaps
    else:
        edge = int(padlen)
    if shape_of(x)[-1] <= edge:
        raise ValueError(f"sosfiltfilt: the length of x along axis {axis} ({shape_of(x)[-1]}) "
                         f"must be greater than padlen ({edge})")
    ext = _pad_ends(x, edge, padtype)
    zi = tnp.reshape(_sos_zi(sos), (shape_of(sos)[0],) + (1,) * (len(shape_of(x)) - 1) + (2,))
    y, _ = sosfilt(sos, ext, -1, zi * ext[..., :1])
    y, _ = sosfilt(sos, tnp.flip(y, -1), -1, zi * y[..., -1:])
    y = tnp.flip(y, -1)
    return tnp.moveaxis(y[..., edge:shape_of(y)[-1] - edge], -1, axis)


def _conv2d(name, in1, in2, mode, boundary, fillvalue, flip):
    from .signal import convolve
    if mode not in ("full", "same", "valid") or boundary not in ("fill", "wrap", "symm"):
        raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid' and boundary 'fill', "
                         f"'wrap' or 'symm'; got mode={mode!r}, boundary={boundary!r}")
    if len(shape_of(in1)) != 2 or len(shape_of(in2)) != 2:
        raise ValueError(f"{name} inputs must both be 2-D arrays, got shapes "
                         f"{shape_of(in1)} and {shape_of(in2)}")
    if flip:  # correlation: convolution with the reversed conjugate
        in2 = tnp.conj(in2[::-1, ::-1])
    n, k = shape_of(in1), shape_of(in2)
    if mode == "valid" and all(a < b for a, b in zip(n, k)):
        in1, in2, n, k = in2, in1, k, n  # SciPy swaps when in2 is larger in every axis
    if mode == "valid":
        return convolve(in1, in2, "valid")
    widths = [(b - 1, b - 1) for b in k]
    pad = {"fill": dict(mode="constant", constant_values=fillvalue),
           "wrap": dict(mode="wrap"), "symm": dict(mode="symmetric")}[boundary]
    full = convolve(tnp.pad(in1, widths, **pad), in2, "valid")
    if mode == "full":
        return full
    start = [(b - 1) // 2 if not flip else b // 2 for b in k]
    return full[start[0]:start[0] + n[0], start[1]:start[1] + n[1]]


def convolve2d(in1, in2, mode='full', boundary='fill', fillvalue=0):
    """``scipy.signal.convolve2d``: the 2-D convolution with a boundary rule,
    differentiable in ``in1`` and ``in2``.

    >>> convolve2d(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 1.0]]), "same")
    array([[1., 3.],
           [3., 7.]])
    """
    if not is_traced(in1, in2):
        return _plain("convolve2d")(in1, in2, mode, boundary, fillvalue)
    return _conv2d("convolve2d", in1, in2, mode, boundary, fillvalue, False)


def correlate2d(in1, in2, mode='full', boundary='fill', fillvalue=0):
    """``scipy.signal.correlate2d``: the 2-D cross-correlation with a boundary rule,
    differentiable in ``in1`` and ``in2``.

    >>> correlate2d(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 1.0]]), "same")
    array([[3., 2.],
           [7., 4.]])
    """
    if not is_traced(in1, in2):
        return _plain("correlate2d")(in1, in2, mode, boundary, fillvalue)
    return _conv2d("correlate2d", in1, in2, mode, boundary, fillvalue, True)


def _median_filter(name, x, kernel_size):
    """The median of each zero-padded window of ``x`` (SciPy's rank filter of rank
    ``size // 2``); its derivative reaches the sample it picks."""
    nd = len(shape_of(x))
    ks = [3] * nd if kernel_size is None else list(np.broadcast_to(kernel_size, (nd,)))
    if any(int(k) % 2 != 1 for k in ks):
        raise ValueError(f"{name}: each element of kernel_size should be odd, got {kernel_size}")
    ks = [int(k) for k in ks]
    padded = tnp.pad(x, [(k // 2, k // 2) for k in ks])
    grid = np.indices(shape_of(x))
    offsets = np.indices(ks).reshape(nd, -1)
    windows = padded[tuple(grid[d][..., None] + offsets[d] for d in range(nd))]
    return tnp.median(windows, axis=-1)


def medfilt(volume, kernel_size=None):
    """``scipy.signal.medfilt``: the median of each zero-padded ``kernel_size`` window (3
    along every axis by default); differentiable in ``volume`` (in the sample each median
    picks).

    >>> medfilt(np.array([1.0, 5.0, 2.0, 8.0, 3.0]))
    array([1., 2., 5., 3., 3.])
    """
    if not is_traced(volume):
        return _plain("medfilt")(volume, kernel_size)
    return _median_filter("medfilt", tnp.atleast_1d(volume), kernel_size)


def medfilt2d(input, kernel_size=3):
    """``scipy.signal.medfilt2d``: `medfilt` of a 2-d array; differentiable in ``input``.

    >>> medfilt2d(np.array([[1.0, 5.0], [2.0, 8.0]]))
    array([[0., 0.],
           [0., 0.]])
    """
    if not is_traced(input):
        return _plain("medfilt2d")(input, kernel_size)
    if len(shape_of(input)) != 2:
        raise ValueError(f"medfilt2d: input must be 2-d, got shape {shape_of(input)}")
    return _median_filter("medfilt2d", input, kernel_size)


def lfiltic(b, a, y, x=None):
    """``scipy.signal.lfiltic``: the initial state of `lfilter` that reproduces past outputs
    ``y`` (newest first) and inputs ``x``; differentiable in ``b``, ``a``, ``y`` and ``x``.

    >>> lfiltic(np.array([1.0]), np.array([1.0, -0.5]), np.array([2.0]))
    array([1.])
    """
    if not is_traced(b, a, y, x):
        return _plain("lfiltic")(b, a, y, x)
    b, a, y = tnp.atleast_1d(b), tnp.atleast_1d(a), _float(tnp.atleast_1d(y))
    n, m = shape_of(a)[0] - 1, shape_of(b)[0] - 1
    if not is_traced(a) and np.asarray(a)[0] == 0:
        raise ValueError("lfiltic: the leading coefficient a[0] must be nonzero")
    fit = lambda v, k: tnp.pad(v[:k], [(0, max(k - shape_of(v)[0], 0))])  # noqa: E731
    x = tnp.zeros(m, dtype_of(y)) if x is None else _float(tnp.atleast_1d(x))
    x, y = fit(x, m), fit(y, n)
    zero = tnp.zeros((), np.result_type(dtype_of(b), dtype_of(a), dtype_of(y), dtype_of(x)))
    zi = [(tnp.sum(b[k + 1:] * x[:m - k]) if k < m else zero)
          - (tnp.sum(a[k + 1:] * y[:n - k]) if k < n else zero) for k in range(max(m, n))]
    return (tnp.stack(zi) if zi else tnp.zeros(0, dtype_of(zero))) / a[0]


def deconvolve(signal, divisor):
    """``scipy.signal.deconvolve``: ``(quotient, remainder)`` with
    ``signal = convolve(divisor, quotient) + remainder``, the quotient an IIR filter's impulse
    response; differentiable in ``signal`` and ``divisor``.

    >>> deconvolve(np.array([1.0, 3.0, 2.0]), np.array([1.0, 1.0]))
    (array([1., 2.]), array([0., 0., 0.]))
    """
    if not is_traced(signal, divisor):
        return _plain("deconvolve")(signal, divisor)
    from .signal import convolve, lfilter
    num, den = _float(tnp.atleast_1d(signal)), _float(tnp.atleast_1d(divisor))
    if len(shape_of(num)) != 1 or len(shape_of(den)) != 1:
        raise ValueError(f"deconvolve: signal and divisor must be 1-d, got shapes "
                         f"{shape_of(num)} and {shape_of(den)}")
    n, d = shape_of(num)[0], shape_of(den)[0]
    if d > n:  # no quotient: SciPy's empty list, and the signal as the remainder
        return [], num
    impulse = np.zeros(n - d + 1, np.result_type(dtype_of(num), dtype_of(den)))
    impulse[0] = 1
    quot = lfilter(num, den, impulse)
    return quot, num - convolve(den, quot, mode="full")
