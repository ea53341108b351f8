"""Helpers shared by tangents.scipy.ndimage's filters and interpolation: SciPy's boundary
modes as index maps, its ``axes``/``origin``/per-axis argument conventions, and the shifted
windows of an extended input.
"""
from __future__ import annotations

import operator

import numpy as np

try:
    import scipy.ndimage as _nd
except ImportError as e:  # pragma: no cover - SciPy is optional
    raise ImportError("tangents.scipy.ndimage needs SciPy: pip install tangents[scipy]") from e

from .. import numpy as tnp
from ..numpy._dispatch import dtype_of, is_traced, normalize_axis, shape_of

# a filter's boundary modes, by the index map that implements each
_FILTER_MODES = {"reflect": "reflect", "grid-mirror": "reflect", "mirror": "mirror",
                 "nearest": "nearest", "wrap": "wrap", "grid-wrap": "wrap",
                 "constant": "constant", "grid-constant": "constant"}


def _plain(name):
    fn = getattr(_nd, name)
    return getattr(fn, "_tangents_original", fn)  # SciPy's own, not the route


def _mode(op, mode):
    if not isinstance(mode, str) or mode not in _FILTER_MODES:
        raise ValueError(f"{op}: mode must be one of {sorted(_FILTER_MODES)}, got {mode!r}")
    return _FILTER_MODES[mode]


def _boundary_index(k, n, mode):
    """Where the (possibly outside) positions ``k`` of an axis of length ``n`` read from."""
    if mode == "nearest":
        return np.clip(k, 0, n - 1)
    if mode == "wrap":
        return k % n
    if mode == "reflect":  # period 2n, the edge sample repeated
        k = k % (2 * n)
        return np.where(k >= n, 2 * n - 1 - k, k)
    if n == 1:  # mirror of one sample
        return np.zeros_like(k)
    k = k % (2 * (n - 1))  # mirror: period 2(n - 1), the edge sample not repeated
    return np.where(k >= n, 2 * (n - 1) - k, k)


def _extend(x, axis, lo, hi, mode, cval):
    """``x`` extended by ``lo`` samples before and ``hi`` after along ``axis``."""
    if lo == 0 and hi == 0:
        return x
    if mode == "constant":
        widths = [(0, 0)] * len(shape_of(x))
        widths[axis] = (lo, hi)
        return tnp.pad(x, widths, constant_values=cval)
    n = shape_of(x)[axis]
    return tnp.take(x, _boundary_index(np.arange(-lo, n + hi), n, mode), axis=axis)


def _axes(op, axes, nd):
    """SciPy's ``axes``: a tuple of distinct non-negative axes (all of them for None)."""
    if axes is None:
        return tuple(range(nd))
    axes = (axes,) if np.isscalar(axes) else tuple(axes)
    axes = tuple(normalize_axis(operator.index(a), nd, op) for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: axes must be unique, got {axes}")
    return axes


def _sequence(op, name, value, n):
    """``value`` once per filtered axis (a scalar repeated, or a sequence of length n)."""
    if isinstance(value, str) or not np.iterable(value):
        return [value] * n
    value = list(value)
    if len(value) != n:
        raise ValueError(f"{op}: {name} must be a scalar or have one entry per filtered axis "
                         f"({n}), got {value}")
    return value


def _check_origin(op, origin, size):
    if size // 2 + origin < 0 or size // 2 + origin >= size:
        raise ValueError(f"{op}: origin must satisfy -(size // 2) <= origin <= (size - 1) // 2 "
                         f"for a window of size {size}, got origin={origin}")


def _float(x):
    return tnp.astype(x, np.float64) if dtype_of(x).kind in "biu" else x


def _windows(op, x, wshape, origins, modes, cval):
    """The extended ``x`` and, for each window offset, the slice giving each output's sample
    at that offset: ``out[i] = sum_j w[j] ext[i + j]``."""
    shape = shape_of(x)
    ext = x
    for axis, (size, origin, mode) in enumerate(zip(wshape, origins, modes)):
        _check_origin(op, origin, size)
        lo = size // 2 + origin
        ext = _extend(ext, axis, lo, size - 1 - lo, mode, cval)

    def window(offset):
        return ext[tuple(slice(j, j + n) for j, n in zip(offset, shape))]
    return window


def _empty(x):
    return any(s == 0 for s in shape_of(x))


def _no_output(op, output):
    if output is not None:
        raise ValueError(f"{op}: derivatives need a new result, not output=; drop output= and "
                         "use the returned array (its dtype follows the input)")


def _nd_weights(op, x, weights, axes, origin):
    """SciPy's expansion of weights/footprint and origins over the filtered ``axes``."""
    nd = len(shape_of(x))
    axes = _axes(op, axes, nd)
    wnd = len(shape_of(weights))
    if wnd != len(axes):
        raise RuntimeError(f"{op}: weights.ndim ({wnd}) must match len(axes) ({len(axes)}); "
                           f"the input has shape {shape_of(x)}")
    origins = _sequence(op, "origin", origin, len(axes))
    if len(axes) < nd:
        others = tuple(a for a in range(nd) if a not in axes)
        weights = (tnp.expand_dims(weights, others) if is_traced(weights)
                   else np.expand_dims(weights, others))
        full = [0] * nd
        for o, a in zip(origins, axes):
            full[a] = o
        origins = full
    return weights, [int(o) for o in origins]
