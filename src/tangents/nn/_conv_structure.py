"""Sparsity rules of the convolution primitives (`conv`), by structure: the terms of each
convolution as element numbers of its operands and answer, read off the windows that the
primitives' own implementations cut from an array of element numbers (``numbers``), for
`tangents.core.sparsity.bilinear_terms`.  The implementations are imported when a rule
runs: `conv` imports this module to declare the rules beside its primitives.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core import sparsity

__all__ = ["numbers", "conv_rule", "fold_rule", "gemm_rule"]


def numbers(shape: Sequence[int]) -> Any:
    """Element numbers from 1 in an array of ``shape``, so that a 0 that padding or dilation
    fills in reads as "no element"."""
    return np.arange(1, math.prod(shape) + 1).reshape(shape)


def conv_rule(op: Any) -> Any:
    """``conv_p``: terms (n, p, q, g, c, i, j, o) add win[n, p, q, g*cin + c, i, j] *
    w[i, j, c, g*og + o] to out[n, p, q, g*og + o], with win the windows of x's numbers."""
    from .conv import _windows
    x, w, p = op.vals[0], op.vals[1], op.params
    kh, kw, cin, cout = np.shape(w)
    g = p["groups"]
    win = _windows(numbers(np.shape(x)), (kh, kw), p["strides"], p["padding"],
                   p["lhs_dilation"], p["rhs_dilation"])
    n, oh, ow = win.shape[:3]
    og = cout // g
    xe = win.reshape(n, oh, ow, g, cin, kh, kw, 1) - 1
    we = np.arange(kh * kw * cin * cout).reshape(kh, kw, cin, g, og).transpose(3, 2, 0, 1, 4)
    ye = np.arange(n * oh * ow * cout).reshape(n, oh, ow, g, 1, 1, 1, og)
    shape = (n, oh, ow, g, cin, kh, kw, og)
    return sparsity.bilinear_terms(op, *(np.broadcast_to(a, shape) for a in (ye, xe, we)))


def fold_rule(op: Any) -> Any:
    """``fold_p`` (col2im) sends column element k to the input element that patches() read
    it from (none at padding)."""
    from .conv import _patches_impl
    p = dict(op.params)
    shape = p.pop("input_shape")
    src = _patches_impl(numbers(shape), **p).ravel()
    cols = op.drop_rows(op.pats[0], src == 0)
    return op.scatter(cols, np.maximum(src - 1, 0), math.prod(shape))


def _gemm_terms(x_shape: Sequence[int], kernel: Sequence[int], cout: int,
                **p: Any) -> tuple[Any, Any, Any]:
    """The terms (m, k, o) of ``patches(x) @ W``: element numbers of x (-1: padding), of W
    (= w's, C order) and of the answer (= conv2d's), each of shape (M, K, O)."""
    from .conv import _patches_impl
    cols = _patches_impl(numbers(x_shape), kernel=kernel, **p)
    m, k = math.prod(cols.shape[:3]), cols.shape[3]
    shape = (m, k, cout)
    return (np.broadcast_to(cols.reshape(m, k, 1) - 1, shape),
            np.broadcast_to(np.arange(k * cout).reshape(1, k, cout), shape),
            np.broadcast_to(np.arange(m * cout).reshape(m, 1, cout), shape))


def gemm_rule(answer: str) -> Callable[[Any], Any]:
    """conv2d (x, w -> y), its dx (y, w -> x) and dw (x, y -> w) are the terms of
    y = patches(x) @ W in three roles; ``answer`` names the role of the answer."""
    def rule(op: Any) -> Any:
        p = dict(op.params)
        first, second = np.shape(op.vals[0]), np.shape(op.vals[1])
        x_shape = p.pop("input_shape") if answer == "x" else first
        kernel = p.pop("kernel") if answer == "w" else second[:2]
        xe, we, ye = _gemm_terms(x_shape, kernel, second[3], **p)
        terms = {"y": (ye, xe, we), "x": (xe, ye, we), "w": (we, xe, ye)}[answer]
        return sparsity.bilinear_terms(op, *terms)
    return rule
