"""Correlation along one axis with fixed (plain, real) weights as a pair of linear
primitives: ``correlate1d_p`` runs SciPy's own C filter (``cval = 0``), and its transpose
``correlate1d_t_p`` spreads each cotangent over the extended axis (``ebar[i + j] += w[j]
ct[i]``, the transpose of ``y[i] = sum_j w[j] e[i + j]``) and folds the extension back onto
the samples it copies (the transpose of the mode's gather).  Each is the other's transpose,
so every order composes.  Used by `tangents.scipy.ndimage`'s separable filters (gaussian,
uniform, correlate1d/convolve1d with plain weights): one SciPy call per axis and direction
instead of a weighted slice per tap.
"""
from __future__ import annotations

import numpy as np

from ..core import batch_axis_op, bind, builders
from ._ndimage_support import _boundary_index, _plain

__all__ = ["correlate1d_p", "correlate1d_t_p", "correlate_along"]


def _correlate_impl(x, *, weights, axis, mode, origin):
    return _plain("correlate1d")(np.asarray(x), np.asarray(weights), axis[0], None, mode, 0.0,
                                 origin)


def _correlate_t_impl(ct, *, weights, axis, mode, origin):
    ct = np.moveaxis(np.asarray(ct), axis[0], 0)
    n, size = ct.shape[0], len(weights)
    lo = size // 2 + origin
    spread = np.zeros((n + size - 1,) + ct.shape[1:], ct.dtype)
    for j, w in enumerate(weights):  # y[i] = sum_j w[j] e[i + j]  =>  ebar[i + j] += w[j] ct[i]
        spread[j:j + n] += w * ct
    out = spread[lo:lo + n].copy()
    if mode != "constant":  # the extension's samples are copies: their cotangents add back
        outside = np.r_[0:lo, lo + n:n + size - 1]
        index = _boundary_index(np.arange(-lo, n + size - 1 - lo), n, mode)
        np.add.at(out, index[outside], spread[outside])
    return np.moveaxis(out, 0, axis[0])


correlate1d_p = builders.linear(
    "scipy.ndimage.correlate1d", _correlate_impl,
    lambda ct, x, **params: bind(correlate1d_t_p, ct, **params), batch_axis_op)
correlate1d_t_p = builders.linear(
    "scipy.ndimage.correlate1d_transpose", _correlate_t_impl,
    lambda ct, x, **params: bind(correlate1d_p, ct, **params), batch_axis_op)


def _taps(op):
    """For each nonzero tap: the element (flat number) each answer element reads through
    it, and where it reads the constant border (no element)."""
    weights, axis, mode = op.params["weights"], op.params["axis"][0], op.params["mode"]
    shape = np.shape(op.vals[0])
    n, size = shape[axis], len(weights)
    at = np.arange(n)[:, None] + np.arange(size) - (size // 2 + op.params["origin"])
    border = (at < 0) | (at >= n) if mode == "constant" else np.zeros(at.shape, bool)
    read = np.clip(at, 0, n - 1) if mode == "constant" else _boundary_index(at, n, mode)
    numbers = np.arange(int(np.prod(shape))).reshape(shape)
    lane = [n if a == axis else 1 for a in range(len(shape))]
    for j in np.flatnonzero(weights):
        yield (np.take(numbers, read[:, j], axis=axis),
               np.broadcast_to(border[:, j].reshape(lane), shape).ravel())


def _dropped(op, m, out):
    return op.drop_rows(m, out) if out.any() else m


def _correlate_sparsity(op):
    # answer element i depends on the elements its nonzero taps read
    return op.union(*[_dropped(op, op.gather(op.pats[0], src), out) for src, out in _taps(op)])


def _correlate_t_sparsity(op):
    # the transpose: element m collects the cotangents of the answers whose taps read it
    size = int(np.prod(np.shape(op.vals[0])))
    return op.union(*[op.scatter(_dropped(op, op.pats[0], out), src, size)
                      for src, out in _taps(op)])


correlate1d_p.def_sparsity(_correlate_sparsity)
correlate1d_t_p.def_sparsity(_correlate_t_sparsity)


def correlate_along(x, weights, axis, mode, cval, origin, shape, dtype):
    """``x`` (traced, real) correlated along ``axis`` with the plain real ``weights``, the
    axis extended by ``mode`` (a canonical filter mode) and ``cval``."""
    out = bind(correlate1d_p, x, weights=tuple(float(w) for w in weights), axis=(axis,),
               mode=mode, origin=int(origin))
    if mode == "constant" and cval != 0:  # the border's cval terms: a plain array
        border = _plain("correlate1d")(np.zeros(shape, dtype), np.asarray(weights), axis,
                                       None, "constant", cval, origin)
        out = out + border
    return out
