"""Pooling on NHWC inputs: ``avg_pool2d`` is a depthwise convolution with a window of ones
(``conv_p``); ``max_pool2d`` routes cotangents to the first maximum of each window through a
gather/scatter pair of primitives that are each other's transposes.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import numpy as tnp
from ..core import Primitive, bind, move_bdim
from ..numpy._dispatch import dtype_of, shape_of
from ..typing import Array, ArrayLike
from ._conv_structure import numbers
from .conv import IntOrPair, PaddingLike, Pads, Pair, _conv_impl, _padding, _pair, _windows, conv_p

__all__ = ["max_pool2d", "avg_pool2d"]


def _pool_args(x: ArrayLike, window: IntOrPair, stride: IntOrPair | None,
               padding: PaddingLike) -> tuple[Pair, Pair, Pads]:
    if len(shape_of(x)) != 4:
        raise ValueError(f"pooling expects x of shape (N, H, W, C), got {shape_of(x)}")
    window = _pair(window, "window")
    strides = window if stride is None else _pair(stride, "stride")
    return window, strides, _padding(padding, shape_of(x)[1:3], window, strides, (1, 1))


def avg_pool2d(x: ArrayLike, window: IntOrPair = 2, stride: IntOrPair | None = None,
               padding: PaddingLike = "VALID") -> Array:
    """``avg_pool2d(x, window=2, stride=None, padding="VALID")``: window means (``stride``
    defaults to ``window``); with "SAME" padding the padded cells are not counted (as TF).

    >>> avg_pool2d(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    window, strides, pad = _pool_args(x, window, stride, padding)
    c = shape_of(x)[3]
    dt = np.dtype(dtype_of(x))
    ones = np.ones(window + (1, c), dt)
    kw: dict[str, Any] = dict(strides=strides, padding=pad, lhs_dilation=(1, 1),
                              rhs_dilation=(1, 1), groups=c)
    total = bind(conv_p, x, ones, **kw)
    if all(p == (0, 0) for p in pad):
        return total * dt.type(1.0 / (window[0] * window[1]))
    count = _conv_impl(np.ones((1,) + shape_of(x)[1:3] + (1,), dt), np.ones(window + (1, 1), dt),
                       **dict(kw, groups=1))
    return total / count


def _pool_mask(x: Any, window: Pair, strides: Pair, padding: Pads) -> Any:
    """One-hot mask (N, OH, OW, C, kh, kw) of the first maximum of each window."""
    win = _windows(np.asarray(x), window, strides, padding, fill=-np.inf)
    flat = win.reshape(win.shape[:4] + (-1,))
    idx = np.argmax(flat, axis=-1) if flat.shape[-1] else np.zeros(flat.shape[:4], int)
    mask = np.zeros(flat.shape, bool)
    np.put_along_axis(mask, idx[..., None], True, axis=-1)
    return mask.reshape(win.shape)


def _pool_gather_impl(y: Any, x: Any, *, window: Pair, strides: Pair, padding: Pads) -> Any:
    # each window's entry of y at the position of x's first maximum
    mask = _pool_mask(x, window, strides, padding)
    win = _windows(np.asarray(y), window, strides, padding)
    return np.sum(np.where(mask, win, 0), axis=(-2, -1)).astype(np.result_type(y), copy=False)


def _pool_scatter_impl(ct: Any, x: Any, *, window: Pair, strides: Pair, padding: Pads) -> Any:
    # transpose of the gather: ct added at the position of each window's first maximum
    x, ct = np.asarray(x), np.asarray(ct)
    mask = _pool_mask(x, window, strides, padding)
    n, h, w, c = x.shape
    (t, b), (lft, r) = padding
    out = np.zeros((n, h + max(t, 0) + max(b, 0), w + max(lft, 0) + max(r, 0), c),
                   np.result_type(ct))
    oh, ow = mask.shape[1:3]
    for i in range(window[0] if oh and ow else 0):  # one vectorised scatter per kernel offset
        for j in range(window[1]):
            out[:, i:i + strides[0] * (oh - 1) + 1:strides[0],
                j:j + strides[1] * (ow - 1) + 1:strides[1]] += np.where(mask[..., i, j], ct, 0)
    return out[:, max(t, 0):max(t, 0) + h, max(lft, 0):max(lft, 0) + w]


def _zero(ct: Any, ans: Any, y: Any, x: Any, **params: Any) -> Any:
    return np.zeros(shape_of(x), dtype_of(x))


def _zero_t(t: Any, ans: Any, y: Any, x: Any, **params: Any) -> Any:
    return np.zeros(shape_of(ans), dtype_of(ans))


def _pool_batch(prim: Primitive) -> Callable[..., tuple[Any, int]]:
    def rule(vals: Sequence[Any], bdims: Sequence[int | None], **params: Any
             ) -> tuple[Any, int]:
        size = next(shape_of(v)[b] for v, b in zip(vals, bdims, strict=True) if b is not None)
        args = []
        for v, b in zip(vals, bdims, strict=True):
            if b is None:
                v = tnp.broadcast_to(v, (size,) + shape_of(v))
            else:
                v = move_bdim(v, b, 0)
            args.append(tnp.reshape(v, (-1,) + shape_of(v)[2:]))
        out = bind(prim, *args, **params)
        return tnp.reshape(out, (size, -1) + shape_of(out)[1:]), 0
    return rule


pool_gather_p = Primitive("nn_pool_gather", _pool_gather_impl)
pool_scatter_p = Primitive("nn_pool_scatter", _pool_scatter_impl)
pool_gather_p.def_vjp(lambda ct, ans, y, x, **p: bind(pool_scatter_p, ct, x, **p), _zero)
pool_gather_p.def_jvp(lambda t, ans, y, x, **p: bind(pool_gather_p, t, x, **p), _zero_t)
pool_gather_p.def_batch(_pool_batch(pool_gather_p))
pool_scatter_p.def_vjp(lambda ct, ans, y, x, **p: bind(pool_gather_p, ct, x, **p), _zero)
pool_scatter_p.def_jvp(lambda t, ans, y, x, **p: bind(pool_scatter_p, t, x, **p), _zero_t)
pool_scatter_p.def_batch(_pool_batch(pool_scatter_p))


def _max_pool_impl(x: Any, *, window: Pair, strides: Pair, padding: Pads) -> Any:
    win = _windows(np.asarray(x), window, strides, padding, fill=-np.inf)
    return np.max(win, axis=(-2, -1)) if win.size else np.zeros(win.shape[:4], win.dtype)


max_pool_p = Primitive("nn_max_pool", _max_pool_impl)
max_pool_p.def_vjp(lambda ct, ans, x, **p: bind(pool_scatter_p, ct, x, **p))
max_pool_p.def_jvp(lambda t, ans, x, **p: bind(pool_gather_p, t, x, **p))
max_pool_p.def_batch(_pool_batch(max_pool_p))


def _window_map(op: Any, transposed: bool) -> Any:
    """Which element of argument 0 each answer element is (or, ``transposed``, gathers):
    window element to window, where the position of x's first maximum decides; that is
    known only for a constant x, so a traced one gives the whole window (x's own
    derivative here is zero).  Piecewise linear: no second-order interactions."""
    if op.pats[0] is None:
        return None
    x = op.vals[-1]
    p = op.params
    win = _windows(numbers(np.shape(x)), p["window"], p["strides"], p["padding"])
    if not op.tainted[-1] and op.prim is not max_pool_p:
        win = np.where(_pool_mask(x, p["window"], p["strides"], p["padding"]), win, 0)
    out = np.broadcast_to(np.arange(math.prod(win.shape[:4])).reshape(win.shape[:4] + (1, 1)),
                          win.shape)
    live = win > 0
    rows, cols = out[live], win[live] - 1
    shape = (int(np.size(op.ans)), int(np.size(op.vals[0])))
    m = op.csr(cols, rows, shape) if transposed else op.csr(rows, cols, shape)
    return m @ op.pats[0]


max_pool_p.def_sparsity(lambda op: _window_map(op, False))
pool_gather_p.def_sparsity(lambda op: _window_map(op, False))
pool_scatter_p.def_sparsity(lambda op: _window_map(op, True))


def max_pool2d(x: ArrayLike, window: IntOrPair = 2, stride: IntOrPair | None = None,
               padding: PaddingLike = "VALID") -> Array:
    """``max_pool2d(x, window=2, stride=None, padding="VALID")``: window maxima (``stride``
    defaults to ``window``).  The derivative goes to the first maximum of each window.

    >>> max_pool2d(np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    window, strides, pad = _pool_args(x, window, stride, padding)
    return bind(max_pool_p, x, window=window, strides=strides, padding=pad)
