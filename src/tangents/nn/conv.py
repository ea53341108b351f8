"""Convolutions and pooling on NHWC inputs with HWIO filters (the layout of ``tf.nn.conv2d``).

``conv2d`` (and ``conv1d``) is im2col: ``conv2d_p(x, w) = patches(x) @ W`` with ``patches``
the contiguous ``(N, OH, OW, kh*kw*C)`` window rows and ``W`` the ``(kh*kw*C, C_out)``
filter matrix, one GEMM.  Its two transposes are primitives too: ``conv2d_dx_p`` (the input
cotangent ``fold(ct @ W^T)``, computed one kernel tap at a time straight into the fold, never
forming the large column matrix) and ``conv2d_dw_p`` (``patches(x)^T @ ct``); the three are
bilinear and each one's derivatives are the other two, so every order works.  ``patches_p``
(im2col) and ``fold_p`` (col2im) are linear and each other's transposes; grouped convolution
and the batching rules use them with ``einsum``/``matmul``.

``conv_p`` covers the rest (input dilation for ``conv_transpose2d``, the depthwise sums of
``avg_pool2d``): sliding windows and one tensor contraction, with VJPs that are themselves
``conv_p`` (as JAX's ``conv_general_dilated``): the input cotangent is the convolution of the
stride-dilated cotangent with the flipped, in/out-transposed filter, the filter cotangent the
convolution of the input with the cotangent.  Pooling is in `pooling`.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .. import numpy as tnp
from ..core import Primitive, bind, move_bdim, sparsity
from ..numpy._dispatch import shape_of
from ..typing import Array, ArrayLike
from . import _conv_structure as structure

__all__ = ["conv2d", "conv1d", "conv_transpose2d"]

Pair = tuple[int, int]
Pads = tuple[tuple[int, int], ...]  # (low, high) per spatial axis
# "VALID", "SAME", an int, a pair, or ((top, bottom), (left, right))
PaddingLike = str | int | Sequence[int] | Sequence[tuple[int, int]]
IntOrPair = int | Sequence[int]


def _dilated(n: int, d: int) -> int:
    return 0 if n == 0 else (n - 1) * d + 1


def _dilate_pad(x: Any, lhs_dilation: Pair, padding: Pads, fill: float = 0.0) -> Any:
    """Spatial axes 1, 2 of ``x`` with ``d - 1`` zeros between elements, then padded with
    ``fill`` (negative padding crops)."""
    n, h, w, c = x.shape
    a1, a2 = lhs_dilation
    if a1 != 1 or a2 != 1:
        y = np.zeros((n, _dilated(h, a1), _dilated(w, a2), c), x.dtype)
        y[:, ::a1, ::a2] = x
        x = y
    pads = [(0, 0)] + [(max(lo, 0), max(hi, 0)) for lo, hi in padding] + [(0, 0)]
    if any(p != (0, 0) for p in pads):
        x = np.pad(x, pads, constant_values=fill)
    crop = [slice(None)] + [slice(max(-lo, 0), x.shape[i + 1] - max(-hi, 0))
                            for i, (lo, hi) in enumerate(padding)] + [slice(None)]
    return x[tuple(crop)]


def _windows(x: Any, ksize: Sequence[int], strides: Pair, padding: Pads,
             lhs_dilation: Pair = (1, 1), rhs_dilation: Pair = (1, 1), fill: float = 0.0
             ) -> Any:
    """``(N, OH, OW, C, kh, kw)`` view of the windows a convolution contracts."""
    xp = _dilate_pad(x, lhs_dilation, padding, fill)
    eff = [_dilated(k, d) for k, d in zip(ksize, rhs_dilation, strict=True)]
    out = [(p - e) // s + 1 if p >= e > 0 else 0
           for p, e, s in zip(xp.shape[1:3], eff, strides, strict=True)]
    if 0 in out:
        return np.zeros((x.shape[0], out[0], out[1], x.shape[3]) + tuple(ksize), x.dtype)
    win = sliding_window_view(xp, eff, axis=(1, 2))
    return win[:, ::strides[0], ::strides[1], :, ::rhs_dilation[0], ::rhs_dilation[1]]


# -- conv_p ---------------------------------------------------------------------------------
def _conv_impl(x: Any, w: Any, *, strides: Pair, padding: Pads, lhs_dilation: Pair,
               rhs_dilation: Pair, groups: int) -> Any:
    x, w = np.asarray(x), np.asarray(w)
    kh, kw, cin, cout = w.shape
    win = _windows(x, (kh, kw), strides, padding, lhs_dilation, rhs_dilation)
    n, oh, ow = win.shape[:3]
    dt = np.result_type(x, w)
    if groups == 1:
        out = np.tensordot(win, w, axes=([3, 4, 5], [2, 0, 1]))
    else:
        win = win.reshape(n, oh, ow, groups, cin, kh, kw)
        out = np.einsum("nhwgcij,ijcgo->nhwgo", win, w.reshape(kh, kw, cin, groups, -1),
                        optimize=True).reshape(n, oh, ow, cout)
    return out.astype(dt, copy=False)


conv_p = Primitive("conv", _conv_impl)


def _flip_hw(w: Any) -> Any:
    return bind(flip_hw_p, w)


def _conv_vjp_x(ct: Any, ans: Any, x: Any, w: Any, *, strides: Pair, padding: Pads,
                lhs_dilation: Pair, rhs_dilation: Pair, groups: int) -> Any:
    # d x = conv(ct dilated by the strides, flipped filter with in/out channels swapped)
    kh, kw, cin, cout = shape_of(w)
    xs, os = shape_of(x)[1:3], shape_of(ct)[1:3]
    pad = []
    for i, k in enumerate((kh, kw)):
        lhs_d = _dilated(xs[i], lhs_dilation[i])
        rhs_d = _dilated(k, rhs_dilation[i])
        out_d = _dilated(os[i], strides[i])
        before = rhs_d - padding[i][0] - 1
        pad.append((before, lhs_d + rhs_d - 1 - out_d - before))
    wt = tnp.reshape(w, (kh, kw, cin, groups, cout // groups))
    wt = tnp.reshape(tnp.transpose(wt, (0, 1, 4, 3, 2)), (kh, kw, cout // groups, cin * groups))
    return bind(conv_p, ct, _flip_hw(wt), strides=lhs_dilation, padding=tuple(pad),
                lhs_dilation=strides, rhs_dilation=rhs_dilation, groups=groups)


def _conv_vjp_w(ct: Any, ans: Any, x: Any, w: Any, *, strides: Pair, padding: Pads,
                lhs_dilation: Pair, rhs_dilation: Pair, groups: int) -> Any:
    # d w = conv(x with batch and channels swapped, ct as the filter), per group
    kh, kw, cin, cout = shape_of(w)
    n, h, wd, c = shape_of(x)
    os = shape_of(ct)[1:3]
    pad = []
    for i, k in enumerate((kh, kw)):
        lhs_d = _dilated((h, wd)[i], lhs_dilation[i])
        rhs_d = _dilated(k, rhs_dilation[i])
        out_d = _dilated(os[i], strides[i])
        lo = padding[i][0]
        pad.append((lo, out_d - lhs_d + rhs_d - lo - 1))
    xt = tnp.reshape(x, (n, h, wd, groups, cin))
    xt = tnp.reshape(tnp.transpose(xt, (4, 1, 2, 3, 0)), (cin, h, wd, groups * n))
    ctt = tnp.transpose(ct, (1, 2, 0, 3))
    out = bind(conv_p, xt, ctt, strides=rhs_dilation, padding=tuple(pad),
               lhs_dilation=lhs_dilation, rhs_dilation=strides, groups=groups)
    return tnp.transpose(out, (1, 2, 0, 3))


conv_p.def_vjp(_conv_vjp_x, _conv_vjp_w)
conv_p.def_jvp(lambda t, ans, x, w, **p: bind(conv_p, t, w, **p),
               lambda t, ans, x, w, **p: bind(conv_p, x, t, **p))


def _conv_batch(vals: Sequence[Any], bdims: Sequence[Any], *, groups: int,
                **params: Any) -> tuple[Any, int]:
    x, w = vals
    bx, bw = bdims
    if bw is None:  # fold the batch into N
        x = move_bdim(x, bx, 0)
        b, n = shape_of(x)[:2]
        out = bind(conv_p, tnp.reshape(x, (b * n,) + shape_of(x)[2:]), w, groups=groups, **params)
        return tnp.reshape(out, (b, n) + shape_of(out)[1:]), 0
    # a batch of filters: one convolution with B * groups groups, batch next to channels
    w = move_bdim(w, bw, 3)
    kh, kw, cin, b, cout = shape_of(w)
    if bx is None:
        n, h, wd, c = shape_of(x)
        x = tnp.broadcast_to(tnp.reshape(x, (n, h, wd, 1, c)), (n, h, wd, b, c))
    else:
        x = move_bdim(x, bx, 3)
    n, h, wd = shape_of(x)[:3]
    out = bind(conv_p, tnp.reshape(x, (n, h, wd, -1)), tnp.reshape(w, (kh, kw, cin, b * cout)),
               groups=groups * b, **params)
    return tnp.reshape(out, shape_of(out)[:3] + (b, cout)), 3


conv_p.def_batch(_conv_batch)
conv_p.def_sparsity(structure.conv_rule)

# -- flip of the two leading (spatial filter) axes: linear and its own transpose -------------
flip_hw_p = Primitive("nn_flip_hw", lambda w, *, axes=(0, 1): np.flip(w, axes))
flip_hw_p.def_vjp(lambda ct, ans, w, *, axes=(0, 1): bind(flip_hw_p, ct, axes=axes))
flip_hw_p.def_jvp(lambda t, ans, w, *, axes=(0, 1): bind(flip_hw_p, t, axes=axes))
flip_hw_p.def_batch(lambda vals, bdims, *, axes=(0, 1): (
    bind(flip_hw_p, vals[0], axes=tuple(a + (a >= bdims[0]) for a in axes)), bdims[0]))
flip_hw_p.def_sparsity(sparsity.movement())


# -- patches_p / fold_p: im2col and its transpose col2im ----------------------------------------
def _out_size(n: int, k: int, stride: int, pad: tuple[int, int], dil: int) -> int:
    size = n + pad[0] + pad[1] - _dilated(k, dil)
    return size // stride + 1 if size >= 0 and k > 0 else 0


def _patches_impl(x: Any, *, kernel: Sequence[int], strides: Pair, padding: Pads,
                  dilation: Pair) -> Any:
    x = np.asarray(x)
    n, h, w, c = x.shape
    (kh, kw), (s1, s2), (d1, d2) = kernel, strides, dilation
    oh, ow = (_out_size(m, k, s, p, d) for m, k, s, p, d in
              zip((h, w), kernel, strides, padding, dilation, strict=True))
    out = np.empty((n, oh, ow, kh, kw, c), x.dtype)  # every entry is written below
    if out.size:
        xp = _dilate_pad(x, (1, 1), padding)
        if c >= 4:  # one strided copy out of the window view
            win = sliding_window_view(xp, (_dilated(kh, d1), _dilated(kw, d2)), axis=(1, 2))
            out[...] = win[:, ::s1, ::s2, :, ::d1, ::d2][:, :oh, :ow].transpose(0, 1, 2, 4, 5, 3)
        else:  # few channels: one slice copy per kernel tap has far longer inner loops
            for i in range(kh):
                for j in range(kw):
                    out[:, :, :, i, j] = xp[:, i * d1:i * d1 + s1 * (oh - 1) + 1:s1,
                                            j * d2:j * d2 + s2 * (ow - 1) + 1:s2]
    return out.reshape(n, oh, ow, kh * kw * c)


def _fold_taps(tap: Callable[[int, int], Any], out_hw: Pair, input_shape: tuple[int, ...],
               kernel: Sequence[int], strides: Pair, padding: Pads, dilation: Pair,
               dt: Any) -> Any:
    """col2im: ``tap(i, j)`` (the (N, OH, OW, C) block of kernel tap i, j) added back at its
    strided window positions of the padded input, then the padding transposed away."""
    n, h, w, c = input_shape
    (kh, kw), (s1, s2), (d1, d2) = kernel, strides, dilation
    (t, b), (lft, r) = padding
    oh, ow = out_hw
    buf = np.zeros((n, h + t + b, w + lft + r, c), dt)
    if n * oh * ow * c:
        for i in range(kh):
            for j in range(kw):
                buf[:, i * d1:i * d1 + s1 * (oh - 1) + 1:s1,
                    j * d2:j * d2 + s2 * (ow - 1) + 1:s2] += tap(i, j)
    return _unpad(buf, padding)


def _unpad(buf: Any, padding: Pads) -> Any:
    """The transpose of padding a (N, H, W, C) input: crop the padding off (and put zeros
    back where a negative padding had cropped the input)."""
    (t, b), (lft, r) = padding
    buf = buf[:, max(t, 0):buf.shape[1] - max(b, 0), max(lft, 0):buf.shape[2] - max(r, 0)]
    pads = ((0, 0), (max(-t, 0), max(-b, 0)), (max(-lft, 0), max(-r, 0)), (0, 0))
    return np.pad(buf, pads) if any(p != (0, 0) for p in pads) else buf


def _fold_impl(cols: Any, *, input_shape: tuple[int, ...], kernel: Sequence[int],
               strides: Pair, padding: Pads, dilation: Pair) -> Any:
    cols = np.asarray(cols)
    n, oh, ow = cols.shape[:3]
    blocks = cols.reshape(n, oh, ow, kernel[0], kernel[1], input_shape[3])
    return _fold_taps(lambda i, j: blocks[:, :, :, i, j], (oh, ow), input_shape, kernel,
                      strides, padding, dilation, cols.dtype)


patches_p = Primitive("nn_patches", _patches_impl)
fold_p = Primitive("nn_fold", _fold_impl)
patches_p.def_vjp(lambda ct, ans, x, **p: bind(fold_p, ct, input_shape=shape_of(x), **p))
patches_p.def_jvp(lambda t, ans, x, **p: bind(patches_p, t, **p))
fold_p.def_vjp(lambda ct, ans, cols, *, input_shape, **p: bind(patches_p, ct, **p))
fold_p.def_jvp(lambda t, ans, cols, **p: bind(fold_p, t, **p))


def _patches_batch(vals: Sequence[Any], bdims: Sequence[Any], **params: Any
                   ) -> tuple[Any, int]:
    x = move_bdim(vals[0], bdims[0], 0)
    b, n = shape_of(x)[:2]
    out = bind(patches_p, tnp.reshape(x, (b * n,) + shape_of(x)[2:]), **params)
    return tnp.reshape(out, (b, n) + shape_of(out)[1:]), 0


def _fold_batch(vals: Sequence[Any], bdims: Sequence[Any], *,
                input_shape: tuple[int, ...], **params: Any) -> tuple[Any, int]:
    cols = move_bdim(vals[0], bdims[0], 0)
    s = shape_of(cols)
    out = bind(fold_p, tnp.reshape(cols, (s[0] * s[1],) + s[2:]),
               input_shape=(s[0] * input_shape[0],) + input_shape[1:], **params)
    return tnp.reshape(out, (s[0],) + input_shape), 0


patches_p.def_batch(_patches_batch)
fold_p.def_batch(_fold_batch)
patches_p.def_sparsity(sparsity.movement())
fold_p.def_sparsity(structure.fold_rule)


# -- conv2d_p and its two transposes, closed under differentiation -----------------------------
# For y = conv(x, w) = patches(x) @ W (W = w as a (kh*kw*C, C_out) matrix) the cotangents are
# dx = fold(ct @ W^T) (conv2d_dx_p) and dw = patches(x)^T @ ct (conv2d_dw_p).  All three are
# bilinear, and each one's derivatives are the other two, by <conv(x, w), y> =
# <x, dx(y, w)> = <w, dw(x, y)>.  dx never materialises ct @ W^T: one small product per
# kernel tap goes straight into the fold.
def _conv2d_forward(needed: Sequence[bool], x: Any, w: Any, *, strides: Pair, padding: Pads,
                    dilation: Pair) -> tuple[Any, Any]:
    """``(conv2d(x, w), columns)``; the columns are kept only when ``w`` is differentiated
    (``needed[1]``), so that its cotangent ``columns^T @ ct`` need not rebuild them."""
    w = np.asarray(w)
    cols = _patches_impl(x, kernel=w.shape[:2], strides=strides, padding=padding,
                         dilation=dilation)
    n, oh, ow, k = cols.shape
    cout = w.shape[3]
    cols = cols.reshape(n * oh * ow, k)
    y = np.matmul(cols, w.reshape(k, cout)).reshape(n, oh, ow, cout)
    return y, (cols if needed[1] else None)


def _conv2d_impl(x: Any, w: Any, **params: Any) -> Any:
    return _conv2d_forward((False, False), x, w, **params)[0]


def _conv2d_vjp_w(ct: Any, ans_cols: tuple[Any, Any], x: Any, w: Any, **p: Any) -> Any:
    cols = ans_cols[1]
    if cols is None:
        return bind(conv2d_dw_p, x, ct, kernel=shape_of(w)[:2], **p)
    # the kept columns are constants here (x and w were plain arrays), so the product is
    # differentiable in ct, which is all that a transform of the backward pass can ask for
    dw = tnp.matmul(cols.T, tnp.reshape(ct, (cols.shape[0], shape_of(ct)[3])))
    return tnp.reshape(dw, shape_of(w))


def _conv2d_dx_impl(y: Any, w: Any, *, input_shape: tuple[int, ...], strides: Pair,
                    padding: Pads, dilation: Pair) -> Any:
    y, w = np.asarray(y), np.asarray(w)
    dt = np.result_type(y, w)
    if strides == (1, 1) and y.size and w.size:
        return _conv2d_dx_unit_stride(y, w, input_shape, padding, dilation, dt)
    n, oh, ow, cout = y.shape
    rows = y.reshape(n * oh * ow, cout).astype(dt, copy=False)
    wt = w.astype(dt, copy=False).transpose(0, 1, 3, 2)
    tmp = np.empty((n * oh * ow, w.shape[2]), dt)
    tap4 = tmp.reshape(n, oh, ow, w.shape[2])

    def tap(i: int, j: int) -> Any:
        np.matmul(rows, wt[i, j], out=tmp)
        return tap4
    return _fold_taps(tap, (oh, ow), input_shape, w.shape[:2], strides, padding, dilation, dt)


def _conv2d_dx_unit_stride(y: Any, w: Any, input_shape: tuple[int, ...], padding: Pads,
                           dilation: Pair, dt: Any) -> Any:
    # With unit stride, output pixel (r, q) and kernel tap (i, j) land on padded-input pixel
    # (r + i*d1, q + j*d2).  With the cotangent's rows laid out as wide as the padded input
    # (zeros past its own width), each tap's contribution is one flat shift by
    # (i*d1*wp + j*d2)*C within an image: one long contiguous add per tap.
    n, oh, ow, cout = y.shape
    kh, kw, c = w.shape[:3]
    (t, b), (lft, r) = padding
    hp, wp = input_shape[1] + t + b, input_shape[2] + lft + r
    d1, d2 = dilation
    rows = np.zeros((n, oh, wp, cout), dt)
    rows[:, :, :ow] = y
    rows = rows.reshape(n * oh * wp, cout)
    wt = w.astype(dt, copy=False).transpose(0, 1, 3, 2)
    tap = np.empty((n * oh * wp, c), dt)
    tap_flat, span = tap.reshape(n, oh * wp * c), oh * wp * c
    acc = np.zeros((n, hp * wp * c + (kw - 1) * d2 * c), dt)  # the last row's spill: zeros
    for i in range(kh):
        for j in range(kw):
            np.matmul(rows, wt[i, j], out=tap)
            start = (i * d1 * wp + j * d2) * c
            acc[:, start:start + span] += tap_flat
    return _unpad(acc[:, :hp * wp * c].reshape(n, hp, wp, c), padding)


def _conv2d_dw_impl(x: Any, y: Any, *, kernel: tuple[int, ...], strides: Pair, padding: Pads,
                    dilation: Pair) -> Any:
    y = np.asarray(y)
    cols = _patches_impl(x, kernel=kernel, strides=strides, padding=padding, dilation=dilation)
    n, oh, ow, k = cols.shape
    out = np.matmul(cols.reshape(n * oh * ow, k).T, y.reshape(n * oh * ow, y.shape[3]))
    return out.reshape(kernel + (np.shape(x)[3], y.shape[3]))


conv2d_p = Primitive("nn_conv2d", _conv2d_impl)
conv2d_dx_p = Primitive("nn_conv2d_dx", _conv2d_dx_impl)
conv2d_dw_p = Primitive("nn_conv2d_dw", _conv2d_dw_impl)

conv2d_p.def_vjp_forward(_conv2d_forward)
conv2d_p.def_vjp(
    lambda ct, ans, x, w, **p: bind(conv2d_dx_p, ct, w, input_shape=shape_of(x), **p),
    _conv2d_vjp_w)
conv2d_p.def_jvp(lambda t, ans, x, w, **p: bind(conv2d_p, t, w, **p),
                 lambda t, ans, x, w, **p: bind(conv2d_p, x, t, **p))
conv2d_dx_p.def_vjp(
    lambda ct, ans, y, w, *, input_shape, **p: bind(conv2d_p, ct, w, **p),
    lambda ct, ans, y, w, *, input_shape, **p: bind(conv2d_dw_p, ct, y, kernel=shape_of(w)[:2],
                                                    **p))
conv2d_dx_p.def_jvp(lambda t, ans, y, w, **p: bind(conv2d_dx_p, t, w, **p),
                    lambda t, ans, y, w, **p: bind(conv2d_dx_p, y, t, **p))
conv2d_dw_p.def_vjp(
    lambda ct, ans, x, y, *, kernel, **p: bind(conv2d_dx_p, y, ct, input_shape=shape_of(x), **p),
    lambda ct, ans, x, y, *, kernel, **p: bind(conv2d_p, x, ct, **p))
conv2d_dw_p.def_jvp(lambda t, ans, x, y, **p: bind(conv2d_dw_p, t, y, **p),
                    lambda t, ans, x, y, **p: bind(conv2d_dw_p, x, t, **p))


def _batch_size(vals: Sequence[Any], bdims: Sequence[int | None]) -> int:
    return next(shape_of(v)[b] for v, b in zip(vals, bdims, strict=True) if b is not None)


def _batched_rows(v: Any, bdim: int | None, size: int) -> Any:
    """``v`` with its batch axis (broadcast if None) folded into its leading axis."""
    v = tnp.broadcast_to(v, (size,) + shape_of(v)) if bdim is None else move_bdim(v, bdim, 0)
    return tnp.reshape(v, (size * shape_of(v)[1],) + shape_of(v)[2:])


def _batched_patches(x: Any, bx: int | None, size: int, kernel: Sequence[int],
                     p: dict[str, Any]) -> Any:
    """Patches of a batched (or broadcast) ``x`` as a (B, N, OH, OW, K) stack."""
    cols = bind(patches_p, _batched_rows(x, bx, size), kernel=kernel, **p)
    return tnp.reshape(cols, (size, -1) + shape_of(cols)[1:])


def _conv2d_batch(vals: Sequence[Any], bdims: Sequence[Any], **p: Any) -> tuple[Any, int]:
    (x, w), (bx, bw) = vals, bdims
    if bw is None:  # fold the batch into N
        b = shape_of(x)[bx]
        out = bind(conv2d_p, _batched_rows(x, bx, b), w, **p)
        return tnp.reshape(out, (b, -1) + shape_of(out)[1:]), 0
    w = move_bdim(w, bw, 0)
    b, kh, kw, cin, cout = shape_of(w)
    cols = _batched_patches(x, bx, b, (kh, kw), p)  # a batch of filters: (B, M, K) @ (B, K, O)
    m = int(np.prod(shape_of(cols)[1:4]))
    out = tnp.matmul(tnp.reshape(cols, (b, m, kh * kw * cin)),
                     tnp.reshape(w, (b, kh * kw * cin, cout)))
    return tnp.reshape(out, shape_of(cols)[:4] + (cout,)), 0


def _conv2d_dx_batch(vals: Sequence[Any], bdims: Sequence[int | None], *,
                     input_shape: tuple[int, ...], **p: Any) -> tuple[Any, int]:
    (y, w), (by, bw) = vals, bdims
    b = _batch_size(vals, bdims)
    y = _batched_rows(y, by, b)
    full = (b * input_shape[0],) + input_shape[1:]
    if bw is None:
        out = bind(conv2d_dx_p, y, w, input_shape=full, **p)
    else:  # a batch of filters: the (B, M, K) column cotangents, folded
        w = move_bdim(w, bw, 0)
        kh, kw, cin, cout = shape_of(w)[1:]
        rows = tnp.reshape(y, (b, int(np.prod(shape_of(y)[:3])) // b, cout))
        wt = tnp.transpose(tnp.reshape(w, (b, kh * kw * cin, cout)), (0, 2, 1))
        cols = tnp.reshape(tnp.matmul(rows, wt), shape_of(y)[:3] + (kh * kw * cin,))
        out = bind(fold_p, cols, input_shape=full, kernel=(kh, kw), **p)
    return tnp.reshape(out, (b,) + input_shape), 0


def _conv2d_dw_batch(vals: Sequence[Any], bdims: Sequence[int | None], *,
                     kernel: tuple[int, ...], **p: Any) -> tuple[Any, int]:
    (x, y), (bx, by) = vals, bdims
    b = _batch_size(vals, bdims)
    cols = _batched_patches(x, bx, b, kernel, p)
    m = int(np.prod(shape_of(cols)[1:4]))
    cols = tnp.reshape(cols, (b, m, shape_of(cols)[4]))
    y = _batched_rows(y, by, b)
    cout = shape_of(y)[3]
    out = tnp.matmul(tnp.transpose(cols, (0, 2, 1)), tnp.reshape(y, (b, m, cout)))
    return tnp.reshape(out, (b,) + kernel + (shape_of(out)[1] // (kernel[0] * kernel[1]), cout)), 0


conv2d_p.def_batch(_conv2d_batch)
conv2d_dx_p.def_batch(_conv2d_dx_batch)
conv2d_dw_p.def_batch(_conv2d_dw_batch)
# the three are the terms of y = patches(x) @ W in three roles
conv2d_p.def_sparsity(structure.gemm_rule("y"))
conv2d_dx_p.def_sparsity(structure.gemm_rule("x"))
conv2d_dw_p.def_sparsity(structure.gemm_rule("w"))


# -- argument normalisation -------------------------------------------------------------------
def _pair(v: IntOrPair, name: str) -> Pair:
    if isinstance(v, (int, np.integer)):
        return (int(v), int(v))
    v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"{name} must be an int or a pair, got {v!r}")
    return v


def _padding(padding: PaddingLike, in_hw: Sequence[int], ksize: Sequence[int],
             strides: Sequence[int], rhs_dilation: Sequence[int]) -> Pads:
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return ((0, 0), (0, 0))
        if mode != "SAME":
            raise ValueError(f"padding must be 'VALID', 'SAME' or explicit, got {padding!r}")
        pads = []
        for n, k, s, d in zip(in_hw, ksize, strides, rhs_dilation, strict=True):
            out = -(-n // s)
            total = max((out - 1) * s + _dilated(k, d) - n, 0)
            pads.append((total // 2, total - total // 2))
        return tuple(pads)
    if isinstance(padding, (int, np.integer)):
        return ((int(padding),) * 2,) * 2
    entries: tuple[Any, ...] = tuple(padding)
    if all(isinstance(p, (int, np.integer)) for p in entries):
        return tuple((int(p), int(p)) for p in _pair(entries, "padding"))
    return tuple((int(lo), int(hi)) for lo, hi in entries)


def _check_4d(x: ArrayLike, w: ArrayLike, op: str) -> None:
    if len(shape_of(x)) != 4 or len(shape_of(w)) != 4:
        raise ValueError(f"{op}: expected x of shape (N, H, W, C) and w of shape "
                         f"(kh, kw, C_in, C_out), got {shape_of(x)} and {shape_of(w)}")


def conv2d(x: ArrayLike, w: ArrayLike, stride: IntOrPair = 1, padding: PaddingLike = "VALID",
           dilation: IntOrPair = 1, groups: int = 1) -> Array:
    """``conv2d(x, w, stride=1, padding="VALID", dilation=1, groups=1)``: cross-correlation of
    NHWC ``x`` with HWIO filters ``w`` (as ``tf.nn.conv2d``); ``padding`` is "VALID", "SAME",
    an int, a pair, or ``((top, bottom), (left, right))``.  With ``groups`` > 1 the channels
    split into groups and ``w`` has shape ``(kh, kw, C // groups, C_out)``.

    >>> conv2d(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1))).shape
    (1, 2, 2, 1)
    """
    _check_4d(x, w, "conv2d")
    kh, kw, cin, cout = shape_of(w)
    c = shape_of(x)[3]
    if c != cin * groups or cout % groups:
        raise ValueError(f"conv2d: x has {c} channels, w expects {cin} per group x {groups} "
                         f"groups and {cout} outputs (divisible by groups)")
    strides, dil = _pair(stride, "stride"), _pair(dilation, "dilation")
    pad = _padding(padding, shape_of(x)[1:3], (kh, kw), strides, dil)
    if groups == 1:
        return bind(conv2d_p, x, w, strides=strides, padding=pad, dilation=dil)
    # rows (kh*kw, groups, C_in) of each patch against each group's filters
    cols = bind(patches_p, x, kernel=(kh, kw), strides=strides, padding=pad, dilation=dil)
    n, oh, ow, k = shape_of(cols)
    out = tnp.einsum("mkgc,kcgo->mgo", tnp.reshape(cols, (n * oh * ow, kh * kw, groups, cin)),
                     tnp.reshape(w, (kh * kw, cin, groups, cout // groups)))
    return tnp.reshape(out, (n, oh, ow, cout))


def conv1d(x: ArrayLike, w: ArrayLike, stride: int = 1, padding: str | IntOrPair = "VALID",
           dilation: int = 1, groups: int = 1) -> Array:
    """``conv1d(x, w, stride=1, padding="VALID", dilation=1, groups=1)``: NLC input, (k, C_in,
    C_out) filters.

    >>> conv1d(np.ones((1, 5, 1)), np.ones((3, 1, 2))).shape
    (1, 3, 2)
    """
    if len(shape_of(x)) != 3 or len(shape_of(w)) != 3:
        raise ValueError(f"conv1d: expected x (N, L, C) and w (k, C_in, C_out), got {shape_of(x)} "
                         f"and {shape_of(w)}")
    n, length, c = shape_of(x)
    pad2d: PaddingLike = padding
    if not isinstance(padding, str):
        pad2d = ((0, 0), _pair(padding, "padding") if not isinstance(padding, (int, np.integer))
                 else (int(padding),) * 2)
    out = conv2d(tnp.reshape(x, (n, 1, length, c)), tnp.reshape(w, (1,) + shape_of(w)),
                 (1, stride), pad2d, (1, dilation), groups)
    return tnp.reshape(out, (n,) + shape_of(out)[2:])


def conv_transpose2d(x: ArrayLike, w: ArrayLike, stride: IntOrPair = 1, padding: str = "VALID",
                     dilation: IntOrPair = 1) -> Array:
    """``conv_transpose2d(x, w, stride=1, padding="VALID", dilation=1)``: the upsampling
    ("fractionally strided") convolution with filters ``(kh, kw, C_in, C_out)``: a
    convolution of ``x`` with ``stride - 1`` zeros inserted between its elements.  Output size
    ``H * stride`` ("SAME") or ``H * stride + max(k - stride, 0)`` ("VALID"), as
    ``tf.nn.conv2d_transpose``/``jax.lax.conv_transpose``.

    >>> conv_transpose2d(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1)), stride=2).shape
    (1, 5, 5, 1)
    """
    _check_4d(x, w, "conv_transpose2d")
    strides, dil = _pair(stride, "stride"), _pair(dilation, "dilation")
    pads = []
    for k, s, d in zip(shape_of(w)[:2], strides, dil, strict=True):
        k = _dilated(k, d)
        if isinstance(padding, str) and padding.upper() == "SAME":
            total = k + s - 2
            lo = k - 1 if s > k - 1 else -(-total // 2)
        elif isinstance(padding, str) and padding.upper() == "VALID":
            total = k + s - 2 + max(k - s, 0)
            lo = k - 1
        else:
            raise ValueError("conv_transpose2d: padding must be 'SAME' or 'VALID'")
        pads.append((lo, total - lo))
    return bind(conv_p, x, w, strides=(1, 1), padding=tuple(pads), lhs_dilation=strides,
                rhs_dilation=dil, groups=1)
