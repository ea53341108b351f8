"""scipy.signal, differentiable: convolution and correlation (``convolve``, ``correlate``,
``fftconvolve``, ``oaconvolve``, every mode, n-d, ``axes=``) and IIR filtering (``lfilter``
with ``zi``, ``sosfilt``); composed from these and tangents.numpy: ``detrend``,
``savgol_filter``, ``filtfilt``, ``sosfiltfilt``, ``convolve2d``, ``correlate2d``,
``medfilt``, ``medfilt2d``, ``lfiltic``, ``lfilter_zi``, ``sosfilt_zi``, ``deconvolve``
(`tangents.scipy._signal_more`),
``upfirdn``, ``resample_poly``, ``decimate`` (`tangents.scipy._signal_resample`), ``welch``,
``periodogram``, ``csd``, ``coherence``, ``spectrogram``, ``stft``
(`tangents.scipy._signal_spectral`).
Forward values come from SciPy.

Two primitives carry every derivative.  ``conv_p`` is the full convolution over some axes
(the others broadcast); its transpose in one argument is a correlation with the other, i.e.
the 'valid' part of a full convolution with the flipped other argument (the transpose of
'full' is 'valid'; 'same' and 'valid' are slices of 'full').  ``iir_p`` is ``lfilter``
without initial state along the last axis, ``y = (B/A) x``; its adjoint in ``x`` is the same
filter run backwards in time, and in the coefficients it follows from ``dY/db_k = z^-k X/A``
and ``dY/da_k = -z^-k Y/A``.  Initial and final states use ``A Y = B X + a0 Zi`` (the
direct form II transposed that SciPy uses), and ``sosfilt`` is a cascade of ``lfilter``.

Importing this module makes ``scipy.signal.<name>`` for these names hand calls with a traced
argument here (with or without ``SCIPY_ARRAY_API=1``); plain calls reach SciPy unchanged.
"""
from __future__ import annotations

__all__ = ['convolve', 'correlate', 'fftconvolve', 'oaconvolve', 'lfilter', 'sosfilt',
           'COVERAGE']

import numpy as np

try:
    import scipy.signal as _ss
except ImportError as e:  # pragma: no cover - SciPy is optional
    raise ImportError("tangents.scipy.signal needs SciPy: pip install tangents[scipy]") from e

from .. import numpy as tnp
from ..core import Primitive, bind, move_bdim, sparsity
from ..numpy._dispatch import dtype_of, is_traced, shape_of
from . import _registry

# what this module covers of scipy.signal (name -> differentiable in which arguments)
COVERAGE = {
    "convolve": "in1, in2; modes full/same/valid; method auto/direct/fft",
    "correlate": "in1, in2; modes full/same/valid; method auto/direct/fft",
    "fftconvolve": "in1, in2; modes full/same/valid; axes",
    "oaconvolve": "in1, in2; modes full/same/valid; axes",
    "lfilter": "b, a, x, zi; axis",
    "sosfilt": "sos, x, zi; axis",
}

_METHODS = {"auto", "direct", "fft", "oa"}


# -- conv_p: full convolution over `axes`; other axes broadcast --------------------------------
def _conv_impl(x, y, *, axes, method):
    x, y = np.asarray(x), np.asarray(y)
    out_shape = tuple(x.shape[i] + y.shape[i] - 1 if i in axes else max(x.shape[i], y.shape[i])
                      for i in range(x.ndim))
    dt = np.result_type(x, y)
    if not axes:
        return x * y
    if 0 in x.shape or 0 in y.shape:
        return np.zeros(tuple(max(n, 0) for n in out_shape), dt)
    # axes that both broadcast along (both longer than 1) are looped; where one side has
    # length 1, convolving along that axis too is the same as broadcasting
    shared = [i for i in range(x.ndim) if i not in axes and x.shape[i] > 1 and y.shape[i] > 1]
    full = set(range(x.ndim)) - set(shared)
    fn = {"fft": _ss.fftconvolve, "oa": _ss.oaconvolve}.get(method)
    if not shared:
        out = (fn(x, y, mode="full", axes=sorted(full)) if fn is not None
               else _ss.convolve(x, y, mode="full", method=method))
        return np.asarray(out, dt)
    out = np.empty(out_shape, dt)
    for idx in np.ndindex(*[out_shape[i] for i in shared]):
        sel = [slice(None)] * x.ndim
        for i, k in zip(shared, idx):
            sel[i] = slice(k, k + 1)
        out[tuple(sel)] = _conv_impl(x[tuple(sel)], y[tuple(sel)], axes=axes, method=method)
    return out


def _flip(x, axes):
    return tnp.flip(x, axis=axes) if axes else x


def _window(x, axes, starts, lengths):
    """``x[start:start + length]`` along each of ``axes``."""
    sel = [slice(None)] * len(shape_of(x))
    for ax, s, n in zip(axes, starts, lengths):
        sel[ax] = slice(s, s + n)
    return x[tuple(sel)]


def _conv_vjp_arg(ct, other, mine, axes, method):
    # transpose of 'full' in one argument: the 'valid' part of ct * flip(other)
    full = bind(conv_p, ct, _flip(other, axes), axes=axes, method=method)
    return _window(full, axes, [shape_of(other)[i] - 1 for i in axes],
                   [shape_of(mine)[i] for i in axes])


conv_p = Primitive("scipy.signal.convolve_full", _conv_impl)
conv_p.def_jvp(lambda t, ans, x, y, **p: bind(conv_p, t, y, **p),
               lambda t, ans, x, y, **p: bind(conv_p, x, t, **p))
conv_p.def_vjp(lambda ct, ans, x, y, *, axes, method: _conv_vjp_arg(ct, y, x, axes, method),
               lambda ct, ans, x, y, *, axes, method: _conv_vjp_arg(ct, x, y, axes, method))


def _conv_batch(vals, bdims, *, axes, method):
    # the batch axis goes first in both (length 1 where unbatched) and broadcasts
    moved = [move_bdim(v, b, 0) if b is not None else tnp.expand_dims(v, 0)
             for v, b in zip(vals, bdims)]
    return bind(conv_p, *moved, axes=tuple(a + 1 for a in axes), method=method), 0


conv_p.def_batch(_conv_batch)


def _conv_sparsity(op):
    # the terms x[i] y[j] -> out[i + j] along `axes`, x[k] y[k] -> out[k] (broadcast) along
    # the others: one grid axis per index of the term
    xs, ys = (np.shape(v) for v in op.vals)
    if 0 in xs + ys:
        return None  # no terms: zeros, which depend on nothing
    axes, grid, at = op.params["axes"], [], []
    for a in range(len(xs)):
        at.append(len(grid))
        grid += [xs[a], ys[a]] if a in axes else [max(xs[a], ys[a])]
    ix = np.indices(grid, sparse=True)
    xi, yi, oi = [], [], []
    for a, g in enumerate(at):
        if a in axes:
            xi.append(ix[g])
            yi.append(ix[g + 1])
            oi.append(ix[g] + ix[g + 1])
        else:
            xi.append(ix[g] if xs[a] > 1 else 0 * ix[g])
            yi.append(ix[g] if ys[a] > 1 else 0 * ix[g])
            oi.append(ix[g])
    flat = [np.broadcast_to(np.ravel_multi_index(np.broadcast_arrays(*i), s), grid)
            for i, s in ((oi, np.shape(op.ans)), (xi, xs), (yi, ys))]
    return sparsity.bilinear_terms(op, *flat)


conv_p.def_sparsity(_conv_sparsity)


def _common(name, *xs):
    """The arguments in one inexact dtype (int -> float64), as SciPy computes."""
    dt = np.result_type(*[dtype_of(x) for x in xs], np.float16)
    return [x if dtype_of(x) == dt else tnp.astype(x, dt) for x in xs]


def _convolve(name, in1, in2, mode, axes, method):
    """``mode`` part of the full convolution of in1 and in2 over ``axes`` (None: all)."""
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    s1, s2 = shape_of(in1), shape_of(in2)
    if len(s1) != len(s2):
        raise ValueError(f"{name}: in1 and in2 should have the same dimensionality, got shapes "
                         f"{s1} and {s2}")
    nd = len(s1)
    if axes is None:
        axes = tuple(range(nd))
    else:
        axes = tuple(sorted({int(a) % nd for a in np.atleast_1d(axes)})) if nd else ()
    for i in range(nd):
        if i not in axes and s1[i] != s2[i] and 1 not in (s1[i], s2[i]):
            raise ValueError(f"{name}: in1 {s1} and in2 {s2} differ along axis {i}, which is "
                             "not convolved; it must match or be 1 in one of them")
    pairs = [(s1[i], s2[i]) for i in axes]
    if mode == "valid" and not (all(a >= b for a, b in pairs) or all(a <= b for a, b in pairs)):
        raise ValueError(f"{name}: for mode 'valid' in1 {s1} or in2 {s2} must be at least as "
                         f"large as the other along every convolved axis {axes}")
    in1, in2 = _common(name, in1, in2)
    full = bind(conv_p, in1, in2, axes=axes, method=method)
    # 'same' (in1's length) and 'valid' (|n1 - n2| + 1) are centred in 'full' as SciPy's
    want = {"full": [a + b - 1 for a, b in pairs], "same": [a for a, _ in pairs],
            "valid": [abs(a - b) + 1 for a, b in pairs]}[mode]
    return _window(full, axes, [(a + b - 1 - w) // 2 for (a, b), w in zip(pairs, want)], want)


def convolve(in1, in2, mode='full', method='auto'):
    """``convolve(in1, in2, mode='full', method='auto')``: the n-d convolution of two arrays
    of equal dimensionality, differentiable in both.

    >>> convolve(np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0]))
    array([1., 3., 3., 2.])
    """
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"convolve: method must be 'auto', 'direct' or 'fft', got {method!r}")
    if not is_traced(in1, in2):
        return _ss.convolve(in1, in2, mode=mode, method=method)
    return _convolve("convolve", in1, in2, mode, None, method)


def _reverse_conj(x):
    x = _flip(x, tuple(range(len(shape_of(x)))))
    return tnp.conj(x) if np.dtype(dtype_of(x)).kind == "c" else x


def correlate(in1, in2, mode='full', method='auto'):
    """``correlate(in1, in2, mode='full', method='auto')``: the n-d cross-correlation,
    ``convolve(in1, flip(conj(in2)))``, differentiable in both.

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0]), mode='valid')
    array([2., 3.])
    """
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"correlate: method must be 'auto', 'direct' or 'fft', got {method!r}")
    if not is_traced(in1, in2):
        return _ss.correlate(in1, in2, mode=mode, method=method)
    s1, s2 = shape_of(in1), shape_of(in2)
    if mode == "valid" and len(s1) == len(s2) and s1 != s2 and all(
            a <= b for a, b in zip(s1, s2)):
        # SciPy swaps the inputs here: correlate(y, x) reversed (and conjugated)
        return _reverse_conj(correlate(in2, in1, mode, method))
    return _convolve("correlate", in1, _reverse_conj(in2), mode, None, method)


def fftconvolve(in1, in2, mode='full', axes=None):
    """``fftconvolve(in1, in2, mode='full', axes=None)``: convolution by FFT over ``axes``
    (the other axes broadcast), differentiable in both.

    >>> fftconvolve(np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0])).round(12)
    array([1., 3., 3., 2.])
    """
    if not is_traced(in1, in2):
        return _ss.fftconvolve(in1, in2, mode=mode, axes=axes)
    return _convolve("fftconvolve", in1, in2, mode, axes, "fft")


def oaconvolve(in1, in2, mode='full', axes=None):
    """``oaconvolve(in1, in2, mode='full', axes=None)``: convolution by overlap-add over
    ``axes`` (the other axes broadcast), differentiable in both.

    >>> oaconvolve(np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0])).round(12)
    array([1., 3., 3., 2.])
    """
    if not is_traced(in1, in2):
        return _ss.oaconvolve(in1, in2, mode=mode, axes=axes)
    return _convolve("oaconvolve", in1, in2, mode, axes, "oa")


# -- iir_p: lfilter without initial state along the last axis --------------------------------
def _rev(x):
    return tnp.flip(x, axis=-1)


def _delay(x, k):
    """``x`` delayed by ``k`` samples along the last axis (zeros first, same length)."""
    n = shape_of(x)[-1]
    k = min(k, n)
    pad = [(0, 0)] * (len(shape_of(x)) - 1) + [(k, 0)]
    return tnp.pad(x, pad)[..., :n]


def _lags(g, x, taps):
    """``[sum_n g[n] x[n - k] for k < taps]``, summed over every axis."""
    n = shape_of(x)[-1]
    return tnp.stack([tnp.sum(g[..., min(k, n):] * x[..., :max(n - k, 0)]) for k in range(taps)])


def _iir_vjp(ct, ans, args, needed):
    b, a, x = args
    ct_b = ct_a = ct_x = None
    if needed[0] or needed[1]:
        g = _rev(bind(iir_p, np.ones(1, dtype_of(a)), a, _rev(ct)))  # (1/A)^T ct
        ct_b = _lags(g, x, shape_of(b)[0]) if needed[0] else None
        ct_a = -_lags(g, ans, shape_of(a)[0]) if needed[1] else None
    if needed[2]:  # the transpose of a causal filter is the filter run backwards
        ct_x = _rev(bind(iir_p, b, a, _rev(ct)))
    return [ct_b, ct_a, ct_x]


def _iir_jvp(args, tangents, ans):
    # A dY = dB X - dA Y + B dX
    b, a, x = args
    tb, ta, tx = tangents
    r = None
    for tc, sig, sign in ((tb, x, 1), (ta, ans, -1)):
        if tc is None:
            continue
        for k in range(shape_of(tc)[0]):
            term = tc[k] * _delay(sig, k) if sign > 0 else -(tc[k] * _delay(sig, k))
            r = term if r is None else r + term
    out = None if r is None else bind(iir_p, np.ones(1, dtype_of(a)), a, r)
    if tx is not None:
        d = bind(iir_p, b, a, tx)
        out = d if out is None else out + d
    return out


def _iir_batch(vals, bdims):
    b, a, x = vals
    if bdims[0] is None and bdims[1] is None:
        return bind(iir_p, b, a, move_bdim(x, bdims[2], 0)), 0
    size = next(shape_of(v)[d] for v, d in zip(vals, bdims) if d is not None)
    moved = [move_bdim(v, d, 0) if d is not None else None for v, d in zip(vals, bdims)]
    rows = [bind(iir_p, *[v if m is None else m[i] for v, m in zip(vals, moved)])
            for i in range(size)]
    return tnp.stack(rows), 0


iir_p = Primitive("scipy.signal.lfilter", lambda b, a, x: _ss.lfilter(b, a, x, axis=-1))
iir_p.def_vjp(joint=_iir_vjp)
iir_p.def_jvp(joint=_iir_jvp)
iir_p.def_batch(_iir_batch)


def _fit(x, n):
    """``x`` cut or zero-padded to ``n`` samples along the last axis."""
    m = shape_of(x)[-1]
    if m >= n:
        return x[..., :n]
    return tnp.pad(x, [(0, 0)] * (len(shape_of(x)) - 1) + [(0, n - m)])


def _conv_last(x, c):
    """The full convolution of each row of ``x`` (last axis) with the 1-d ``c``."""
    c = tnp.reshape(c, (1,) * (len(shape_of(x)) - 1) + shape_of(c))
    return bind(conv_p, x, c, axes=(len(shape_of(x)) - 1,), method="direct")


def _with_state(b, a, x, zi):
    """``(y, zf)`` along the last axis from ``A Y = B X + a0 Zi``: ``zf`` holds the
    coefficients of ``B X + a0 Zi - A Y`` past the input's end, over ``a0``."""
    n, k = shape_of(x)[-1], max(shape_of(a)[0], shape_of(b)[0]) - 1
    zi = tnp.broadcast_to(zi, shape_of(x)[:-1] + (k,))
    a0 = a[:1]
    y = bind(iir_p, b, a, x) + bind(iir_p, a0, a, _fit(zi, n))
    rest = (_fit(_conv_last(x, b), n + k) + a0 * _fit(zi, n + k)
            - _fit(_conv_last(y, a), n + k))
    return y, rest[..., n:] / a0


def lfilter(b, a, x, axis=-1, zi=None):
    """``lfilter(b, a, x, axis=-1, zi=None)``: the IIR filter ``A y = B x`` along ``axis``
    (``(y, zf)`` with an initial state ``zi``), differentiable in ``b``, ``a``, ``x`` and
    ``zi``.

    >>> lfilter(np.array([1.0]), np.array([1.0, -0.5]), np.array([1.0, 0.0, 0.0]))
    array([1.  , 0.5 , 0.25])
    """
    if not is_traced(b, a, x, zi):
        return _ss.lfilter(b, a, x, axis=axis) if zi is None else _ss.lfilter(b, a, x, axis, zi)
    b, a = tnp.atleast_1d(b), tnp.atleast_1d(a)
    if len(shape_of(b)) != 1 or len(shape_of(a)) != 1:
        raise ValueError(f"lfilter: b and a must be 1-d coefficient arrays, got shapes "
                         f"{shape_of(b)} and {shape_of(a)}")
    if not is_traced(a) and np.asarray(a)[0] == 0:
        raise ValueError("lfilter: the leading coefficient a[0] must be nonzero")
    args = _common("lfilter", b, a, x, *([] if zi is None else [zi]))
    b, a, x = args[:3]
    axis = int(axis) % max(len(shape_of(x)), 1)
    x = tnp.moveaxis(x, axis, -1)
    if zi is None:
        return tnp.moveaxis(bind(iir_p, b, a, x), -1, axis)
    k = max(shape_of(a)[0], shape_of(b)[0]) - 1
    zi = tnp.moveaxis(args[3], axis, -1)
    if shape_of(zi)[-1] != k:
        raise ValueError(f"lfilter: zi has length {shape_of(zi)[-1]} along axis {axis}; it must "
                         f"be max(len(a), len(b)) - 1 = {k}")
    y, zf = _with_state(b, a, x, zi)
    return tnp.moveaxis(y, -1, axis), tnp.moveaxis(zf, -1, axis)


def sosfilt(sos, x, axis=-1, zi=None):
    """``sosfilt(sos, x, axis=-1, zi=None)``: a cascade of second-order sections (rows
    ``[b0, b1, b2, a0, a1, a2]``) along ``axis``, ``(y, zf)`` with ``zi`` of shape
    ``(n_sections, ..., 2, ...)``; differentiable in ``sos``, ``x`` and ``zi``.

    >>> sosfilt(np.array([[1.0, 0.0, 0.0, 1.0, -0.5, 0.0]]), np.array([1.0, 0.0, 0.0]))
    array([1.  , 0.5 , 0.25])
    """
    if not is_traced(sos, x, zi):
        return _ss.sosfilt(sos, x, axis=axis) if zi is None else _ss.sosfilt(sos, x, axis, zi)
    if len(shape_of(sos)) != 2 or shape_of(sos)[1] != 6:
        raise ValueError(f"sosfilt: sos must have shape (n_sections, 6), got {shape_of(sos)}")
    y, zfs = x, []
    for s in range(shape_of(sos)[0]):
        if zi is None:
            y = lfilter(sos[s, :3], sos[s, 3:], y, axis)
        else:
            y, zf = lfilter(sos[s, :3], sos[s, 3:], y, axis, zi[s])
            zfs.append(zf)
    return y if zi is None else (y, tnp.stack(zfs))


from ._signal_filters import COVERAGE as _FILTERS  # noqa: E402
from ._signal_filters import hilbert, order_filter, wiener  # noqa: E402, F401
from ._signal_more import COVERAGE as _MORE  # noqa: E402
from ._signal_more import __all__ as _more  # noqa: E402
from ._signal_more import (  # noqa: E402, F401
    convolve2d,
    correlate2d,
    deconvolve,
    detrend,
    filtfilt,
    lfilter_zi,
    lfiltic,
    medfilt,
    medfilt2d,
    savgol_filter,
    sosfilt_zi,
    sosfiltfilt,
)
from ._signal_resample import COVERAGE as _RESAMPLE  # noqa: E402
from ._signal_resample import decimate, resample_poly, upfirdn  # noqa: E402, F401
from ._signal_spectral import COVERAGE as _SPECTRAL  # noqa: E402
from ._signal_spectral import (  # noqa: E402, F401
    coherence,
    csd,
    periodogram,
    spectrogram,
    stft,
    welch,
)

__all__ += _more + ["upfirdn", "resample_poly", "decimate", "welch", "periodogram", "csd",
                    "coherence", "spectrogram", "stft", "wiener", "order_filter", "hilbert"]
for _notes in (_MORE, _RESAMPLE, _SPECTRAL, _FILTERS):
    COVERAGE.update(_notes)

# -- scipy.signal.<name>(traced, ...) reaches the functions above (one mechanism for SciPy:
# tangents.scipy._registry, installed when scipy.signal is imported; here it already is) ------
_registry.install("scipy.signal")
