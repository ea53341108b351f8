"""scipy.signal's polyphase resampling, differentiable, composed from tangents.numpy and
`convolve`: ``upfirdn`` (upsample by zero insertion, FIR filter, downsample: bilinear in the
filter and the signal), ``resample_poly`` (``upfirdn`` with SciPy's anti-aliasing filter,
aligned and cropped as SciPy does) and ``decimate`` (SciPy's Chebyshev or FIR filter, then every
``q``-th sample).  Re-exported by `tangents.scipy.signal`; ``scipy.signal.<name>`` on a
traced argument routes here (tangents.scipy._registry).  The filters SciPy designs (firwin,
cheby1) are constants.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.signal as _ss

from .. import numpy as tnp
from ..numpy._dispatch import dtype_of, is_traced, normalize_axis, shape_of

__all__ = ["upfirdn", "resample_poly", "decimate"]

COVERAGE = {
    "upfirdn": "h, x; up, down, axis (mode 'constant', cval 0)",
    "resample_poly": "x (and an array window); padtype constant/mean/median/minimum/maximum, "
                     "axis",
    "decimate": "x; ftype iir/fir, n, zero_phase, axis",
}


def _plain(name):
    fn = getattr(_ss, name)
    return getattr(fn, "_tangents_original", fn)  # SciPy's own, not the route


def _upfirdn_last(h, x, up, down):
    """``upfirdn`` along the last axis of ``x`` (traced values allowed in both)."""
    from .signal import convolve
    n, nd = shape_of(x)[-1], len(shape_of(x))
    if up > 1:  # zero insertion: x[k] lands at k * up
        x = tnp.pad(x[..., None], [(0, 0)] * nd + [(0, up - 1)])
        x = tnp.reshape(x, shape_of(x)[:-2] + (n * up,))[..., :(n - 1) * up + 1]
    full = convolve(x, tnp.reshape(h, (1,) * (nd - 1) + (shape_of(h)[0],)), "full")
    return full[..., ::down]


def upfirdn(h, x, up=1, down=1, axis=-1, mode='constant', cval=0):
    """``scipy.signal.upfirdn``: upsample ``x`` by ``up``, filter with the FIR ``h``,
    downsample by ``down`` (along ``axis``); differentiable in ``h`` and ``x``.

    >>> upfirdn(np.array([1.0, 1.0]), np.array([1.0, 2.0, 3.0]), up=2)
    array([1., 1., 2., 2., 3., 3.])
    """
    if not is_traced(h, x):
        return _plain("upfirdn")(h, x, up, down, axis, mode, cval)
    if mode != "constant" or cval != 0:
        raise NotImplementedError(f"upfirdn: derivatives take mode='constant' with cval=0, got "
                                  f"mode={mode!r}, cval={cval!r}; extend x yourself with "
                                  "tangents.numpy.pad first")
    if len(shape_of(h)) != 1 or shape_of(h)[0] == 0:
        raise ValueError(f"upfirdn: h must be a non-empty 1-d array, got shape {shape_of(h)}")
    if int(up) < 1 or int(down) < 1:
        raise ValueError(f"upfirdn: up and down must be >= 1, got {up} and {down}")
    h, x = tnp.asarray(h), tnp.asarray(x)
    if dtype_of(x).kind in "biu":
        x = tnp.astype(x, np.float64)
    axis = normalize_axis(axis, len(shape_of(x)), "upfirdn")
    y = _upfirdn_last(h, tnp.moveaxis(x, axis, -1), int(up), int(down))
    return tnp.moveaxis(y, -1, axis)


_BACKGROUND = {"mean": tnp.mean, "median": tnp.median, "minimum": tnp.min, "maximum": tnp.max}


def resample_poly(x, up, down, axis=0, window=('kaiser', 5.0), padtype='constant',
                  cval=None):
    """``scipy.signal.resample_poly``: resample ``x`` by ``up / down`` along ``axis`` with a
    polyphase FIR filter; differentiable in ``x`` (and an array ``window``).

    >>> resample_poly(np.array([1.0, 1.0, 1.0, 1.0]), 1, 2, window=np.array([0.5, 1.0, 0.5]))
    array([1.5, 2. ])
    """
    if not is_traced(x, window):
        return _plain("resample_poly")(x, up, down, axis, window, padtype, cval)
    if padtype not in ("constant", *_BACKGROUND) or (cval not in (None, 0)):
        raise NotImplementedError(f"resample_poly: derivatives take padtype 'constant' (cval "
                                  f"0), 'mean', 'median', 'minimum' or 'maximum', got "
                                  f"padtype={padtype!r}, cval={cval!r}")
    g = math.gcd(int(up), int(down))
    up, down = int(up) // g, int(down) // g
    x = tnp.asarray(x)
    if dtype_of(x).kind in "biu":
        x = tnp.astype(x, np.float64)
    axis = normalize_axis(axis, len(shape_of(x)), "resample_poly")
    x = tnp.moveaxis(x, axis, -1)
    if up == down == 1:
        return tnp.moveaxis(x + 0, -1, axis)
    n_in = shape_of(x)[-1]
    n_out = -(-n_in * up // down)
    if isinstance(window, (list, np.ndarray)) or is_traced(window):
        h = tnp.asarray(window)
        half_len = (shape_of(h)[0] - 1) // 2
    else:
        half_len = 10 * max(up, down)
        h = _ss.firwin(2 * half_len + 1, 1 / max(up, down), window=window).astype(dtype_of(x))
    # SciPy's alignment: zeros before the filter so that output 0 is input 0, and after it
    # so that the output is long enough
    pre = down - half_len % down
    post, length = 0, shape_of(h)[0] + pre
    while ((n_in - 1) * up + length + post - 1) // down + 1 < n_out + (half_len + pre) // down:
        post += 1
    h = tnp.pad(h * up, [(pre, post)])
    background = 0.0
    if padtype in _BACKGROUND:
        background = _BACKGROUND[padtype](x, axis=-1, keepdims=True)
    start = (half_len + pre) // down
    y = _upfirdn_last(h, x - background, up, down)[..., start:start + n_out] + background
    return tnp.moveaxis(y, -1, axis)


def decimate(x, q, n=None, ftype='iir', axis=-1, zero_phase=True):
    """``scipy.signal.decimate``: low-pass filter (SciPy's order-``n`` Chebyshev type I, or
    a Hamming FIR) and keep every ``q``-th sample along ``axis``; differentiable in ``x``.

    >>> decimate(np.ones(8), 2, ftype="fir", n=4).round(4)
    array([0.7963, 1.    , 1.    , 1.    ])
    """
    if not is_traced(x):
        return _plain("decimate")(x, q, n, ftype, axis, zero_phase)
    from ._signal_more import sosfiltfilt
    from .signal import sosfilt
    if ftype not in ("iir", "fir"):
        raise NotImplementedError(f"decimate: derivatives take ftype 'iir' or 'fir', got "
                                  f"{ftype!r}; filter with lfilter/filtfilt and slice instead")
    q = int(q)
    x = tnp.asarray(x)
    dt = dtype_of(x) if dtype_of(x).kind in "fc" and dtype_of(x) != np.float16 else np.float64
    x = tnp.astype(x, dt)
    axis = normalize_axis(axis, len(shape_of(x)), "decimate")
    if ftype == "fir":
        b = _ss.firwin((20 * q if n is None else int(n)) + 1, 1.0 / q, window="hamming")
        b = b.astype(dt)
        if zero_phase:
            return resample_poly(x, 1, q, axis=axis, window=b)
        y = tnp.moveaxis(upfirdn(b, x, 1, q, axis), axis, -1)
        return tnp.moveaxis(y[..., :-(-shape_of(x)[axis] // q)], -1, axis)
    sos = _ss.cheby1(8 if n is None else int(n), 0.05, 0.8 / q, output="sos").astype(dt)
    y = sosfiltfilt(sos, x, axis) if zero_phase else sosfilt(sos, x, axis)
    return tnp.moveaxis(tnp.moveaxis(y, axis, -1)[..., ::q], -1, axis)
