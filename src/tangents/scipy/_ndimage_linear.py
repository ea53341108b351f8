"""Correlation with fixed (plain, real) weights as a pair of linear primitives:
``correlate_p`` runs SciPy's own C filter (``cval = 0``), and its transpose
``correlate_t_p`` spreads each cotangent over the extended input (``ebar[i + j] += w[j]
ct[i]``, the transpose of ``y[i] = sum_j w[j] e[i + j]``) and folds the extension back,
axis by axis, onto the samples it copies (the transpose of the mode's gather).  Each is the
other's transpose, so every order composes.  Used by `tangents.scipy.ndimage`'s filters
whenever the weights are plain: one SciPy call per direction instead of a weighted slice per
tap.  The weights have the input's rank (``wshape``, length 1 on axes not filtered).
"""
from __future__ import annotations

import itertools

import numpy as np

from ..core import bind, builders, move_bdim
from ..numpy._dispatch import dtype_of, shape_of
from ._ndimage_support import _boundary_index, _plain

__all__ = ["correlate_p", "correlate_t_p", "correlate_fixed"]


def _correlate_impl(x, *, weights, wshape, origins, mode):
    x = np.asarray(x)
    filtered = [a for a, s in enumerate(wshape) if s > 1]
    if len(filtered) == 1:  # SciPy's one-axis filter is the faster loop
        a = filtered[0]
        return _plain("correlate1d")(x, np.asarray(weights), a, None, mode, 0.0, origins[a])
    return _plain("correlate")(x, np.reshape(weights, wshape), None, mode, 0.0, list(origins))


def _fold(spread, axis, n, size, lo, mode):
    """The transpose of extending ``axis`` (length n) by ``lo`` before and ``size - 1 - lo``
    after: the centre, plus each copy's cotangent added onto the sample it copies."""
    spread = np.moveaxis(spread, axis, 0)
    out = spread[lo:lo + n].copy()
    if mode != "constant" and size > 1:
        outside = np.r_[0:lo, lo + n:n + size - 1]
        index = _boundary_index(np.arange(-lo, n + size - 1 - lo), n, mode)
        np.add.at(out, index[outside], spread[outside])
    return np.moveaxis(out, 0, axis)


def _correlate_t_impl(ct, *, weights, wshape, origins, mode):
    ct = np.asarray(ct)
    shape = ct.shape
    spread = np.zeros([n + s - 1 for n, s in zip(shape, wshape)], ct.dtype)
    w = np.reshape(weights, wshape)
    for offset in itertools.product(*(range(s) for s in wshape)):
        if w[offset] != 0:  # y[i] = sum_j w[j] e[i + j]  =>  ebar[i + j] += w[j] ct[i]
            spread[tuple(slice(j, j + n) for j, n in zip(offset, shape))] += w[offset] * ct
    for a, (n, s, o) in enumerate(zip(shape, wshape, origins)):
        spread = _fold(spread, a, n, s, s // 2 + o, mode)
    return spread


def _batch(prim):
    def rule(vals, bdims, *, weights, wshape, origins, mode):
        x = move_bdim(vals[0], bdims[0], 0)
        return bind(prim, x, weights=weights, wshape=(1,) + wshape, origins=(0,) + origins,
                    mode=mode), 0
    return rule


correlate_p = builders.linear(
    "scipy.ndimage.correlate", _correlate_impl,
    lambda ct, x, **params: bind(correlate_t_p, ct, **params), _batch)
correlate_t_p = builders.linear(
    "scipy.ndimage.correlate_transpose", _correlate_t_impl,
    lambda ct, x, **params: bind(correlate_p, ct, **params), _batch)


def _taps(op):
    """For each nonzero tap: the element (flat number) each answer element reads through
    it, and where it reads the constant border (no element)."""
    p = op.params
    shape = np.shape(op.vals[0])
    reads, borders = [], []
    for n, s, o in zip(shape, p["wshape"], p["origins"]):
        at = np.arange(n)[:, None] + np.arange(s) - (s // 2 + o)
        outside = (at < 0) | (at >= n)
        reads.append(np.clip(at, 0, n - 1) if p["mode"] == "constant"
                     else _boundary_index(at, n, p["mode"]))
        borders.append(outside if p["mode"] == "constant" else np.zeros(at.shape, bool))
    numbers = np.arange(int(np.prod(shape))).reshape(shape)
    w = np.reshape(p["weights"], p["wshape"])
    for offset in zip(*np.nonzero(w)):
        src, out = numbers, np.zeros(shape, bool)
        for a, j in enumerate(offset):
            src = np.take(src, reads[a][:, j], axis=a)
            lane = [shape[a] if b == a else 1 for b in range(len(shape))]
            out = out | borders[a][:, j].reshape(lane)
        yield src, out.ravel()


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


correlate_p.def_sparsity(_correlate_sparsity)
correlate_t_p.def_sparsity(_correlate_t_sparsity)


def correlate_fixed(x, w, origins, mode, cval):
    """``x`` (traced, real float) correlated with the plain real ``w`` of x's rank, every
    axis extended by the canonical filter ``mode`` (and ``cval``)."""
    params = dict(weights=tuple(float(v) for v in np.ravel(w)), wshape=tuple(np.shape(w)),
                  origins=tuple(int(o) for o in origins), mode=mode)
    out = bind(correlate_p, x, **params)
    if mode == "constant" and cval != 0:  # the border's cval terms: a plain array
        zeros = np.zeros(shape_of(x), dtype_of(x))
        out = out + _plain("correlate")(zeros, np.asarray(w), None, "constant", cval,
                                        list(origins))
    return out
