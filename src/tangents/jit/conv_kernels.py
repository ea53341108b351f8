"""Direct float32 convolutions for the fused executor: numba loops instead of im2col and a GEMM.

numpy's OpenBLAS may run older SIMD kernels than the CPU has (``OPENBLAS_CORETYPE=Haswell``
runs AVX2 on an AVX-512 machine), while numba compiles for the host.  A direct NHWC
convolution is a small GEMM per block of output pixels: the pixels' running sums over all
output channels stay in vector registers while the loop runs over the (tap, channel) pairs,
so neither the im2col matrix nor the col2im scatter is made.  Three kernels cover
``nn_conv2d`` (forward), ``nn_conv2d_dx`` (stride 1 only: the forward kernel on the
cotangent padded by the dilated kernel size, with the filter flipped and its channel axes
swapped) and ``nn_conv2d_dw`` (threads take blocks of filter entries; each entry is summed
over the pixels in one fixed order, so the value does not depend on the number of threads).
Float64 stays on the BLAS path: its values must equal eager's to 1e-12, which another
summation order does not keep on cancelling entries.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from . import kernels
from .ir import Var

__all__ = ["covers", "direct_lines"]

_F32 = np.dtype(np.float32)
_LANES = 16  # float32 lanes of one AVX-512 register: running sums are planned in these
_REGS = 16  # vector registers given to running sums (of AVX-512's 32)
_DECO = ("@numba.njit(cache=True, error_model='numpy', fastmath={'contract'}, nogil=True, "
         "pipeline_class=_Compiler)")


def _regs(cout):
    return -(-cout // _LANES)


def _forward_source(cin, cout, kernel, strides, dilation, oh, ow):
    """Source of ``kernel(lo, hi, x, w, y)``: ``y[n] = conv(x[n], w)`` for images lo..hi of
    the padded input ``x``.  A block of ``jb`` output pixels along a row keeps ``jb *
    ceil(cout / 16)`` vector running sums (``acc``) across the loop over kernel rows and input
    channels; a row's taps are unrolled, so each input entry is loaded once per block and
    used by every (pixel, tap) pair that reads it."""
    (kh, kw), (s1, s2), (d1, d2) = kernel, strides, dilation
    most = max(1, min(ow, _REGS // _regs(cout)))
    jb = -(-ow // -(-ow // most))  # blocks as even as their number allows: 26 is 13 + 13
    lines = ["def kernel(lo, hi, x, w, y):",
             f"    acc = np.empty(({jb}, {cout}), np.float32)",
             "    for n in range(lo, hi):",
             f"        for i in range({oh}):"]
    full, rest = ow // jb * jb, ow % jb
    pad = " " * 16
    for start, stop, width in ((0, full, jb), (full, ow, rest)):
        if width == 0:
            continue
        offsets = sorted({p * s2 + dj * d2 for p in range(width) for dj in range(kw)})
        lines += [f"            for j in range({start}, {stop}, {width}):",
                  f"{pad}for o in range({cout}):"]
        lines += [f"{pad}    acc[{p}, o] = np.float32(0.0)" for p in range(width)]
        lines += [f"{pad}q = j * {s2}",
                  f"{pad}for di in range({kh}):",
                  f"{pad}    r = i * {s1} + di * {d1}",
                  f"{pad}    for c in range({cin}):"]
        lines += [f"{pad}        x{k} = x[n, r, q + {k}, c]" for k in offsets]
        lines.append(f"{pad}        for o in range({cout}):")
        lines += [f"{pad}            w{dj} = w[di, {dj}, c, o]" for dj in range(kw)]
        lines += [f"{pad}            acc[{p}, o] += x{p * s2 + dj * d2} * w{dj}"
                  for dj in range(kw) for p in range(width)]
        lines.append(f"{pad}for o in range({cout}):")
        lines += [f"{pad}    y[n, i, j + {p}, o] = acc[{p}, o]" for p in range(width)]
    return "\n".join(lines) + "\n"


def _dw_source(cin, cout, kernel, strides, dilation, n_img, oh, ow):
    """Source of ``kernel(lo, hi, x, g, dw)``: blocks lo..hi (`_dw_blocks`) of the rows of
    ``dw[(di, dj, c), o] = sum_{n, i, j} x[n, i s + di d, j s + dj d, c] g[n, i, j, o]``.
    Images are outermost (one image of x and g stays in cache); a block's sums over one image
    are made in registers (``acc``), then added to ``dw``."""
    (kh, kw), (s1, s2), (d1, d2) = kernel, strides, dilation
    tb, per_tap, _ = _dw_blocks(cin, cout, kernel)
    lines = ["def kernel(lo, hi, x, g, dw):",
             f"    acc = np.empty(({tb}, {cout}), np.float32)",
             f"    for n in range({n_img}):",
             "        for b in range(lo, hi):"]
    pad = " " * 16
    if per_tap:  # a block is tb channels of one tap: its entries are next to each other in x
        lines += [f"            tap = b // {per_tap}",
                  f"            c0 = b % {per_tap} * {tb}",
                  f"            t0 = tap * {cin} + c0",
                  f"            r0 = tap // {kw} * {d1}",
                  f"            q0 = tap % {kw} * {d2}"]
        fits, rest = f"c0 + {tb} <= {cin}", cin % tb
    else:  # fewer channels than a block: a block is tb (tap, channel) pairs in a row
        lines.append(f"            t0 = b * {tb}")
        fits, rest = f"t0 + {tb} <= {kh * kw * cin}", kh * kw * cin % tb
    for k, width in enumerate([tb] + ([rest] if rest else [])):
        lines.append(f"            if {fits}:" if k == 0 else "            else:")
        if per_tap:
            at = [f"i * {s1} + r0, j * {s2} + q0, c0 + {p}" for p in range(width)]
        else:
            for p in range(width):
                lines += [f"{pad}r{p} = (t0 + {p}) // {kw * cin} * {d1}",
                          f"{pad}q{p} = (t0 + {p}) // {cin} % {kw} * {d2}",
                          f"{pad}c{p} = (t0 + {p}) % {cin}"]
            at = [f"i * {s1} + r{p}, j * {s2} + q{p}, c{p}" for p in range(width)]
        lines.append(f"{pad}for o in range({cout}):")
        lines += [f"{pad}    acc[{p}, o] = np.float32(0.0)" for p in range(width)]
        lines += [f"{pad}for i in range({oh}):",
                  f"{pad}    for j in range({ow}):"]
        lines += [f"{pad}        x{p} = x[n, {at[p]}]" for p in range(width)]
        lines += [f"{pad}        for o in range({cout}):",
                  f"{pad}            gv = g[n, i, j, o]"]
        lines += [f"{pad}            acc[{p}, o] += x{p} * gv" for p in range(width)]
        for first in (True, False):  # the first image's sums are stored, the others added
            lines += [f"{pad}if n == 0:" if first else f"{pad}else:",
                      f"{pad}    for o in range({cout}):"]
            lines += [f"{pad}        dw[t0 + {p}, o] {'=' if first else '+='} acc[{p}, o]"
                      for p in range(width)]
    return "\n".join(lines) + "\n"


def _dw_blocks(cin, cout, kernel):
    """(entries per block, blocks per tap (0: blocks run across taps), number of blocks)."""
    taps = kernel[0] * kernel[1]
    tb = max(1, min(taps * cin, _REGS // _regs(cout)))
    if cin >= tb:
        per_tap = -(-cin // tb)
        return tb, per_tap, taps * per_tap
    return tb, 0, -(-taps * cin // tb)


def _load(text, ndim):
    """The numba dispatcher of ``text`` (defining ``kernel``), kept on disk as the fused
    executor's kernels are, compiled now for C-contiguous float32 arrays."""
    from numba import types
    arr = [types.Array(types.float32, d, "C") for d in ndim]
    return kernels.load_source(_DECO + "\n" + text,
                               lambda disp: disp.compile((types.intp, types.intp, *arr)))


# -- the executor's side ----------------------------------------------------------------------
def covers(e):
    """Whether a direct kernel computes equation ``e``: an ``nn_conv2d``, ``nn_conv2d_dw`` or
    (unit stride) ``nn_conv2d_dx`` of float32 arrays, none empty, whose result has at least 8
    channels (fewer leave most of a vector's lanes idle: BLAS is faster there) and at most
    256 (one pixel's running sums fill the registers), and whose kernel is at most 7 wide (a
    row's taps are unrolled)."""
    from ..nn import conv
    if e.prim not in (conv.conv2d_p, conv.conv2d_dw_p, conv.conv2d_dx_p):
        return False
    if any(type(v) is not Var for v in e.ins):
        return False
    if any(np.dtype(v.dtype) != _F32 for v in (*e.ins, *e.outs)):
        return False
    if any(0 in v.shape for v in (*e.ins, *e.outs)):
        return False
    kernel = e.params["kernel"] if e.prim is conv.conv2d_dw_p else e.ins[1].shape[:2]
    if e.prim is conv.conv2d_dx_p and tuple(e.params["strides"]) != (1, 1):
        return False
    return 8 <= e.outs[0].shape[3] <= _REGS * _LANES and kernel[1] <= 7


def direct_lines(e, pos, ns):
    """The generated line computing ``e`` (one that `covers`) with a direct kernel."""
    from ..nn import conv
    from . import pool
    x, other = e.ins[0], e.ins[1]
    out = e.outs[0]
    p = e.params
    # threads when the arrays are large, as for the fused kernels' nests
    size = max(math.prod(v.shape) for v in (*e.ins, out))
    threads = pool.run_rows if size >= pool.PARALLEL_MIN and pool.threads() > 1 else None
    if e.prim is conv.conv2d_p:
        kh, kw, cin, cout = other.shape
        text = _forward_source(cin, cout, (kh, kw), p["strides"], p["dilation"], *out.shape[1:3])
        run = functools.partial(_forward, _load(text, (4, 4, 4)), threads, p["padding"],
                                out.shape)
    elif e.prim is conv.conv2d_dx_p:
        kh, kw, cin, cout = other.shape
        d1, d2 = p["dilation"]
        full = ((d1 * (kh - 1),) * 2, (d2 * (kw - 1),) * 2)
        hp = out.shape[1] + sum(p["padding"][0])
        wp = out.shape[2] + sum(p["padding"][1])
        text = _forward_source(cout, cin, (kh, kw), (1, 1), p["dilation"], hp, wp)
        run = functools.partial(_dx, _load(text, (4, 4, 4)), threads, full, p["padding"],
                                (out.shape[0], hp, wp, cin))
    else:
        kernel = tuple(p["kernel"])
        cin, cout = x.shape[3], other.shape[3]
        text = _dw_source(cin, cout, kernel, p["strides"], p["dilation"], *other.shape[:3])
        blocks = _dw_blocks(cin, cout, kernel)[2]
        run = functools.partial(_dw, _load(text, (4, 4, 2)), threads if blocks > 1 else None,
                                p["padding"], blocks, out.shape)
    ns[f"_dk{pos}"] = run
    return [f"    {out!r} = _dk{pos}({x!r}, {other!r})"]


def _call(kernel, threads, n, *args):
    if threads is None:
        kernel(0, n, *args)
    else:
        threads(kernel, n, *args)


def _padded(x, padding):
    from ..nn.conv import _dilate_pad
    return np.ascontiguousarray(_dilate_pad(np.asarray(x), (1, 1), padding))


def _forward(kernel, threads, padding, shape, x, w):
    y = np.empty(shape, _F32)
    _call(kernel, threads, shape[0], _padded(x, padding), np.ascontiguousarray(w), y)
    return y


def _dx(kernel, threads, full, padding, shape, g, w):
    # dx of the padded input = the full correlation of g with the flipped filter, whose input
    # and output channels swap roles; the padding is then cropped off
    from ..nn.conv import _unpad
    wt = np.ascontiguousarray(np.asarray(w)[::-1, ::-1].transpose(0, 1, 3, 2))
    dxp = np.empty(shape, _F32)
    _call(kernel, threads, shape[0], _padded(g, full), wt, dxp)
    return _unpad(dxp, padding)


def _dw(kernel, threads, padding, blocks, shape, x, g):
    dw = np.empty(shape, _F32)
    _call(kernel, threads, blocks, _padded(x, padding), np.ascontiguousarray(g),
          dw.reshape(-1, shape[3]))
    return dw
