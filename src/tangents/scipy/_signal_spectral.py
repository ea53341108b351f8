"""scipy.signal's spectral estimates, differentiable, composed from tangents.numpy: ``welch``,
``periodogram``, ``csd``, ``coherence``, ``spectrogram`` and ``stft``.  Each cuts the signal into
overlapping segments, detrends them (mean or least-squares line), multiplies by the window and
takes ``rfft`` (``fft`` for two-sided spectra); the cross power ``conj(X) Y`` times SciPy's
scale (``1 / (fs sum(w^2))`` for a density, ``1 / sum(w)^2`` for a spectrum), doubled on the
positive frequencies that fold their negative twins (not 0, not Nyquist), is then averaged
over the segments (``welch``, ``csd``) or kept per segment (``spectrogram``; ``stft`` keeps
the spectra themselves, scaled by the square root).  Re-exported by
`tangents.scipy.signal`; ``scipy.signal.<name>`` on a traced argument routes here.
"""
from __future__ import annotations

import warnings

import numpy as np
import scipy.signal as _ss
from scipy.signal._spectral_py import _median_bias

from .. import numpy as tnp
from ..numpy._dispatch import dtype_of, is_traced, normalize_axis, shape_of
from ._signal_more import _detrend_last, _float, _plain

__all__ = ["welch", "periodogram", "csd", "coherence", "spectrogram", "stft"]

_OPTIONS = "window, nperseg, noverlap, nfft, detrend constant/linear/False, scaling, axis"
COVERAGE = {
    "welch": f"x; {_OPTIONS}, onesided, average mean/median",
    "periodogram": "x; window, nfft, detrend, onesided, scaling, axis",
    "csd": f"x, y; {_OPTIONS}, onesided, average mean/median",
    "coherence": f"x, y; {_OPTIONS}",
    "spectrogram": f"x; {_OPTIONS}, onesided, mode psd/complex/magnitude",
    "stft": f"x; {_OPTIONS}, onesided, boundary, padded",
}


def _window(name, window, nperseg, n):
    """SciPy's window and segment length: a named window of ``nperseg`` (at most ``n``,
    with SciPy's warning) or an array window of its own length."""
    if isinstance(window, (str, tuple)):
        nperseg = 256 if nperseg is None else int(nperseg)
        if nperseg > n:
            warnings.warn(f"nperseg={nperseg} is greater than signal length {n}, using "
                          f"nperseg = {n}", stacklevel=4)
            nperseg = n
        return _ss.get_window(window, nperseg), nperseg
    win = np.asarray(window)
    nperseg = len(win) if nperseg is None else int(nperseg)
    if nperseg != len(win):
        raise ValueError(f"{name}: nperseg={nperseg} does not equal len(window)={len(win)}")
    return win, nperseg


class _Plan:
    """Segments, window, scale and frequencies of one spectral estimate (last axis)."""

    def __init__(self, name, n, dt, fs, window, nperseg, noverlap, nfft, detrend, onesided,
                 scaling, default_overlap=2):
        if detrend not in ("constant", "linear", False) or scaling not in ("density",
                                                                          "spectrum"):
            raise NotImplementedError(f"{name}: derivatives take detrend 'constant', 'linear' "
                                      f"or False and scaling 'density' or 'spectrum'; got "
                                      f"detrend={detrend!r}, scaling={scaling!r}")
        win, nperseg = _window(name, window, nperseg, n)
        self.nfft = nperseg if nfft is None else int(nfft)
        noverlap = nperseg // default_overlap if noverlap is None else int(noverlap)
        if self.nfft < nperseg or noverlap >= nperseg:
            raise ValueError(f"{name}: need nfft >= nperseg > noverlap, got nfft={self.nfft}, "
                             f"nperseg={nperseg}, noverlap={noverlap}")
        hop = nperseg - noverlap
        self.index = np.arange((n - noverlap) // hop)[:, None] * hop + np.arange(nperseg)
        self.times = (np.arange(len(self.index)) * hop + nperseg / 2) / fs
        self.win = win.astype(np.finfo(dt).dtype)
        w = np.asarray(self.win, np.float64)
        self.scale = 1 / (fs * float(w @ w)) if scaling == "density" else 1 / float(w.sum()) ** 2
        self.detrend, self.onesided = detrend, onesided
        self.freqs = (np.fft.rfftfreq if onesided else np.fft.fftfreq)(self.nfft, 1 / fs)

    def spectra(self, x):
        """The windowed FFT of each detrended segment: ``(..., nseg, nfreq)``."""
        seg = tnp.take(x, self.index, axis=-1)
        if self.detrend:
            seg = _detrend_last(seg, self.detrend)
        return (tnp.fft.rfft if self.onesided else tnp.fft.fft)(seg * self.win, n=self.nfft)

    def fold(self, power):
        """Double the one-sided spectrum's frequencies that stand for two (not 0, Nyquist)."""
        if not self.onesided:
            return power
        double = np.full(shape_of(power)[-1], 2.0)
        double[0] = 1.0
        if self.nfft % 2 == 0:
            double[-1] = 1.0
        return power * double.astype(self.win.dtype)


def _average(name, power, average):
    if shape_of(power)[-2] == 1:
        return power[..., 0, :]
    if average == "mean":
        return tnp.mean(power, axis=-2)
    if average == "median":
        if dtype_of(power).kind == "c":  # SciPy's: the real and imaginary parts apart
            return (tnp.median(tnp.real(power), axis=-2) + 1j * tnp.median(
                tnp.imag(power), axis=-2)) / _median_bias(shape_of(power)[-2])
        return tnp.median(power, axis=-2) / _median_bias(shape_of(power)[-2])
    raise ValueError(f"{name}: average must be 'mean' or 'median', got {average!r}")


def _real_last(name, x, axis):
    if dtype_of(x).kind == "c":
        raise NotImplementedError(f"{name}: derivatives take real input, got {dtype_of(x)}")
    x = _float(tnp.asarray(x))
    return tnp.moveaxis(x, normalize_axis(axis, len(shape_of(x)), name), -1)


def welch(x, fs=1.0, window='hann_periodic', nperseg=None, noverlap=None, nfft=None,
          detrend='constant', return_onesided=True, scaling='density', axis=-1,
          average='mean'):
    """``scipy.signal.welch``: ``(f, Pxx)``, the power spectral density estimate averaged
    over overlapping windowed segments; ``Pxx`` differentiable in real ``x``.

    >>> f, p = welch(np.array([1.0, -1.0, 1.0, -1.0]), nperseg=4, window="boxcar")
    >>> p
    array([0., 0., 4.])
    """
    if not is_traced(x):
        return _plain("welch")(x, fs, window, nperseg, noverlap, nfft, detrend,
                               return_onesided, scaling, axis, average)
    x = _real_last("welch", x, axis)
    plan = _Plan("welch", shape_of(x)[-1], dtype_of(x), fs, window, nperseg, noverlap, nfft,
                 detrend, return_onesided, scaling)
    spec = plan.spectra(x)
    power = plan.fold(tnp.real(spec * tnp.conj(spec)) * plan.scale)
    return plan.freqs, tnp.moveaxis(_average("welch", power, average), -1, axis)


def periodogram(x, fs=1.0, window='boxcar', nfft=None, detrend='constant',
                return_onesided=True, scaling='density', axis=-1):
    """``scipy.signal.periodogram``: `welch` with one segment the length of ``x`` (or
    ``nfft``); ``Pxx`` differentiable in real ``x``.

    >>> periodogram(np.array([1.0, -1.0, 1.0, -1.0]), scaling="spectrum")[1]
    array([0., 0., 1.])
    """
    if not is_traced(x):
        return _plain("periodogram")(x, fs, window, nfft, detrend, return_onesided, scaling,
                                     axis)
    window = "boxcar" if window is None else window
    n = shape_of(x)[normalize_axis(axis, len(shape_of(x)), "periodogram")]
    nperseg = n if nfft is None else min(int(nfft), n)
    if nfft is not None and nfft < n:  # SciPy crops x to nfft samples
        x = tnp.take(x, np.arange(nfft), axis=axis)
        nfft = None
    return welch(x, fs, window, nperseg, 0, nfft, detrend, return_onesided, scaling, axis)


def _pair_last(name, x, y, axis):
    """``x`` and ``y`` with ``axis`` last, the shorter zero-padded to the longer (SciPy's)."""
    x, y = _real_last(name, x, axis), _real_last(name, y, axis)
    nx, ny = shape_of(x)[-1], shape_of(y)[-1]
    pad = lambda a, k: tnp.pad(a, [(0, 0)] * (len(shape_of(a)) - 1) + [(0, k)])  # noqa: E731
    return (pad(x, ny - nx) if nx < ny else x), (pad(y, nx - ny) if ny < nx else y)


def csd(x, y, fs=1.0, window='hann_periodic', nperseg=None, noverlap=None, nfft=None,
        detrend='constant', return_onesided=True, scaling='density', axis=-1,
        average='mean'):
    """``scipy.signal.csd``: ``(f, Pxy)``, the cross spectral density ``conj(X) Y`` averaged
    over segments; ``Pxy`` (complex) differentiable in real ``x`` and ``y``.

    >>> csd(np.array([1.0, -1.0, 1.0, -1.0]), np.array([1.0, -1.0, 1.0, -1.0]), nperseg=4,
    ...     window="boxcar")[1]
    array([0.+0.j, 0.+0.j, 4.+0.j])
    """
    if not is_traced(x, y):
        return _plain("csd")(x, y, fs, window, nperseg, noverlap, nfft, detrend,
                             return_onesided, scaling, axis, average)
    x, y = _pair_last("csd", x, y, axis)
    plan = _Plan("csd", shape_of(x)[-1], np.result_type(dtype_of(x), dtype_of(y)), fs, window,
                 nperseg, noverlap, nfft, detrend, return_onesided, scaling)
    power = plan.fold(tnp.conj(plan.spectra(x)) * plan.spectra(y) * plan.scale)
    return plan.freqs, tnp.moveaxis(_average("csd", power, average), -1, axis)


def coherence(x, y, fs=1.0, window='hann_periodic', nperseg=None, noverlap=None, nfft=None,
              detrend='constant', axis=-1):
    """``scipy.signal.coherence``: ``(f, Cxy)``, ``|Pxy|^2 / (Pxx Pyy)`` from `csd` and
    `welch`; ``Cxy`` differentiable in real ``x`` and ``y``.

    >>> x = np.array([1.0, 2.0, 0.5, 1.0])
    >>> coherence(x, 2 * x, nperseg=2, window="boxcar", detrend=False)[1]  # y linear in x
    array([1., 1.])
    """
    if not is_traced(x, y):
        return _plain("coherence")(x, y, fs, window, nperseg, noverlap, nfft, detrend, axis)
    kw = dict(fs=fs, window=window, nperseg=nperseg, noverlap=noverlap, nfft=nfft,
              detrend=detrend, axis=axis)
    freqs, pxx = welch(x, **kw)
    _, pyy = welch(y, **kw)
    _, pxy = csd(x, y, **kw)
    return freqs, (tnp.real(pxy) ** 2 + tnp.imag(pxy) ** 2) / pxx / pyy


def spectrogram(x, fs=1.0, window=('tukey_periodic', .25), nperseg=None, noverlap=None,
                nfft=None, detrend='constant', return_onesided=True, scaling='density',
                axis=-1, mode='psd'):
    """``scipy.signal.spectrogram``: ``(f, t, Sxx)``, the power (``mode='psd'``), magnitude
    or complex spectrum of each segment, frequencies along ``axis`` and segments last;
    ``Sxx`` differentiable in real ``x``.

    >>> spectrogram(np.array([1.0, -1.0, 1.0, -1.0]), nperseg=4, window="boxcar")[2]
    array([[0.],
           [0.],
           [4.]])
    """
    if not is_traced(x):
        return _plain("spectrogram")(x, fs, window, nperseg, noverlap, nfft, detrend,
                                     return_onesided, scaling, axis, mode)
    if mode not in ("psd", "complex", "magnitude"):
        raise NotImplementedError(f"spectrogram: derivatives take mode 'psd', 'complex' or "
                                  f"'magnitude', got {mode!r} (the phase is not smooth where "
                                  "the spectrum is 0); take tnp.angle of mode='complex'")
    nd = len(shape_of(x))
    x = _real_last("spectrogram", x, axis)
    plan = _Plan("spectrogram", shape_of(x)[-1], dtype_of(x), fs, window, nperseg, noverlap,
                 nfft, detrend, return_onesided, scaling, default_overlap=8)
    spec = plan.spectra(x)
    if mode == "psd":
        out = plan.fold(tnp.real(spec * tnp.conj(spec)) * plan.scale)
    else:
        out = spec * np.sqrt(plan.scale)
        out = tnp.abs(out) if mode == "magnitude" else out
    # (..., nseg, nfreq) -> frequencies where the data's axis was, segments last
    axis = normalize_axis(axis, nd, "spectrogram")
    out = tnp.moveaxis(tnp.moveaxis(out, -2, -1), -2, axis)
    return plan.freqs, plan.times, out


def _extend_ends(x, n, boundary):
    """SciPy's boundary extension of the last axis by ``n`` samples at each end."""
    if boundary is None or n == 0:
        return x
    first, last = x[..., :1], x[..., -1:]
    left, right = tnp.flip(x[..., 1:n + 1], -1), tnp.flip(x[..., -n - 1:-1], -1)
    if boundary == "odd":
        left, right = 2 * first - left, 2 * last - right
    elif boundary == "constant":
        left, right = tnp.repeat(first, n, -1), tnp.repeat(last, n, -1)
    elif boundary == "zeros":
        left, right = tnp.zeros_like(x[..., :n]), tnp.zeros_like(x[..., :n])
    return tnp.concatenate([left, x, right], axis=-1)


def stft(x, fs=1.0, window='hann_periodic', nperseg=256, noverlap=None, nfft=None,
         detrend=False, return_onesided=True, boundary='zeros', padded=True, axis=-1,
         scaling='spectrum'):
    """``scipy.signal.stft``: ``(f, t, Zxx)``, the short-time Fourier transform (the signal
    extended by ``boundary`` and zero-padded to whole segments); ``Zxx`` (complex)
    differentiable in real ``x``.

    >>> stft(np.array([1.0, -1.0, 1.0, -1.0]), nperseg=4, window="boxcar", boundary=None)[2]
    array([[0.+0.j],
           [0.+0.j],
           [1.+0.j]])
    """
    if not is_traced(x):
        return _plain("stft")(x, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                              boundary, padded, axis, scaling)
    if boundary not in ("even", "odd", "constant", "zeros", None):
        raise ValueError(f"stft: boundary must be 'even', 'odd', 'constant', 'zeros' or None, "
                         f"got {boundary!r}")
    if scaling not in ("spectrum", "psd"):
        raise ValueError(f"stft: scaling must be 'spectrum' or 'psd', got {scaling!r}")
    nd = len(shape_of(x))
    x = _real_last("stft", x, axis)
    win, nperseg = _window("stft", window, nperseg, shape_of(x)[-1])
    noverlap = nperseg // 2 if noverlap is None else int(noverlap)
    x = _extend_ends(x, nperseg // 2, boundary)
    if padded:  # zeros to a whole number of segments
        extra = (-(shape_of(x)[-1] - nperseg) % (nperseg - noverlap)) % nperseg
        x = tnp.pad(x, [(0, 0)] * (nd - 1) + [(0, extra)])
    plan = _Plan("stft", shape_of(x)[-1], dtype_of(x), fs, win, None, noverlap, nfft, detrend,
                 return_onesided, "density" if scaling == "psd" else "spectrum")
    out = plan.spectra(x) * np.sqrt(plan.scale)
    times = plan.times - (nperseg / 2 / fs if boundary is not None else 0)
    axis = normalize_axis(axis, nd, "stft")
    return plan.freqs, times, tnp.moveaxis(tnp.moveaxis(out, -2, -1), -2, axis)
