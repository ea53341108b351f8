"""Float32 matrix products of the fused executor as numba kernels instead of OpenBLAS's sgemm.

As for jit/conv_kernels.py: numpy's OpenBLAS may run older SIMD kernels than the CPU has
(``OPENBLAS_CORETYPE=Haswell`` runs AVX2 on an AVX-512 machine), while numba compiles for
the host.  ``c = a @ b`` is computed by blocks of 6 rows and 64 columns of ``c``: the block's
24 vector running sums stay in registers while the loop runs over ``k``, each step loading 4
vectors of ``b``'s row ``k`` and 6 entries of ``a``'s column ``k``.  ``a`` may be read as its
transpose (W1's weight gradients ``h.T @ delta``), and a transposed ``b`` (``delta @ W2.T``)
is copied to rows first when ``a`` has at least 32 rows.  Row blocks are spread over
threads by jit/spread.py (through jit's own pool, which wakes a sleeping thread per call, a
product took as long on two threads as on one).  Float64 products are jit/dgemm_kernels.py's:
values equal to eager's to 1e-12 need BLAS's own summation order.
"""
from __future__ import annotations

import functools

import numpy as np

from . import dgemm_kernels, kernels, spread
from .ir import Eqn, Var

__all__ = ["Direct", "covers", "direct_lines"]

_F32 = np.dtype(np.float32)
_LANES = 16  # float32 lanes of one AVX-512 register
_ROWS, _COLS = 6, 4 * _LANES  # a block of c: 6 rows x 4 vectors = 24 running-sum registers
# the window where products were measured faster than BLAS (W1's, and 32^3 to 1000 x 1000 x 16
# took 0.46-0.96 of its time, one process, interleaved): at least 32 x 32 x 32, no
# side over 1024, b within the core's L2 (W1's 784 x 256: the loop over a block's rows reads
# all of b; 512 x 1000 x 512 was 1.1x BLAS's time, 1024 x 1024 x 1024 1.6x), and whole
# vectors of columns (the last columns of a row are otherwise a scalar loop: 300 x 300 x 300
# was 1.2x BLAS's time, 300 x 300 x 10 1.4x)
_MIN_WORK, _MAX_SIDE, _MAX_B = 1 << 15, 1024, 784 * 256
# a transposed b is copied to rows when the copy is at most 1/32 of the product's work (W1's
# delta2 @ W2.T copies 256 x 256 for 128 rows): left to BLAS, it would wake BLAS's threads,
# which then contend with the spread products' (jit/spread.py)
_COPY_ROWS = 32


class Direct(tuple):
    """How a covered product reads its operands, and whether its row blocks are spread over
    threads (jit/spread.py): ``(a_transposed, b_transposed, spread)``."""
    __slots__ = ()

    def on_one_thread(self):
        return type(self)((*self[:-1], False))


def covers(e, made_by):
    """A `Direct` for a float32 ``matmul`` equation ``e`` of two matrices that the kernels
    compute (for float64, what `dgemm_kernels.covers` says), else None.  ``made_by`` maps a
    Var to the equation that made it: an operand made by ``transpose(x, (1, 0))`` is read
    from ``x``'s rows.  At run time an operand of another layout than planned goes to
    ``np.matmul``."""
    if type(e) is not Eqn or e.prim.name != "matmul" or e.params or len(e.ins) != 2 \
            or len(e.outs) != 1:
        return None
    a, b = e.ins
    out = e.outs[0]
    if type(a) is not Var or type(b) is not Var or len(a.shape) != 2 \
            or len(b.shape) not in (1, 2):
        return None
    if np.dtype(out.dtype) == np.float64:  # BLAS's own order (jit/dgemm_kernels.py)
        return dgemm_kernels.covers(e, made_by, lambda v: _transposed(v, made_by))
    if len(b.shape) != 2:
        return None
    if any(np.dtype(v.dtype) != _F32 for v in (a, b, out)):
        return None
    (m, k), n = a.shape, b.shape[1]
    if m * k * n < _MIN_WORK or max(m, k, n) > _MAX_SIDE or k * n > _MAX_B:
        return None
    if n % _LANES:
        return None
    at, bt = _transposed(a, made_by), _transposed(b, made_by)
    if bt and m < _COPY_ROWS:
        return None
    return Direct((at, bt, True))


def _transposed(v, made_by):
    e = made_by.get(v)
    return e is not None and e.prim.name == "transpose" and \
        tuple(e.params.get("axes", ())) == (1, 0)


def _text(a_shape, shape, direct):
    """The kernel module's source (before its decorator): `_source` and its `spread` loop."""
    (m, k), n = a_shape, shape[1]
    return _source(m, k, n, direct[0]) + spread.spread_source("a, b, c")


def _source(m, k, n, a_transposed):
    """Source of ``kernel(lo, hi, a, b, c)``: row blocks lo..hi of ``c = a @ b`` (``a.T @ b``
    when ``a_transposed``), blocks of `_ROWS` rows, `_COLS` columns and a narrower last one."""
    at = (lambda p: f"a[q, i0 + {p}]") if a_transposed else (lambda p: f"a[i0 + {p}, q]")
    lines = ["def kernel(lo, hi, a, b, c):",
             f"    acc = np.empty(({_ROWS}, {_COLS}), np.float32)",
             "    for blk in range(lo, hi):",
             f"        i0 = blk * {_ROWS}"]
    for rows, pad, head in row_cases(m, 8):
        lines += head
        wide = n // _COLS * _COLS
        for start, stop, cols in ((0, wide, _COLS), (wide, n, n - wide)):
            if cols == 0:
                continue
            lines += [f"{pad}for j in range({start}, {stop}, {cols}):"]
            lines += block_sums(pad, rows, cols, at, "np.float32(0.0)", f"range({k})")
            lines += [f"{pad}    for o in range({cols}):"]
            lines += [f"{pad}        c[i0 + {p}, j + o] = acc[{p}, o]" for p in range(rows)]
    return "\n".join(lines) + "\n"


def row_cases(m, indent):
    """``(rows, pad, head)`` for the blocks of `_ROWS` rows of an ``m``-row result and for
    its last rows: ``head`` is the branch that picks the case (none if there are no last
    rows), ``pad`` the indent of the case's lines, in a loop over ``blk`` at ``indent``."""
    full, rest = divmod(m, _ROWS)
    for rows, test in ((_ROWS, f"if blk < {full}:"), (rest, "else:")):
        if rows:
            head = [" " * indent + test] if rest else []
            yield rows, " " * (indent + 4 * bool(rest)), head


def block_sums(pad, rows, cols, read, zero, ks):
    """Lines summing a block of ``rows`` x ``cols`` entries of ``c`` from column ``j`` into
    ``acc``: for each ``q`` in ``ks``, ``rows`` entries of ``a`` (``read(p)``) times ``cols``
    of ``b``'s row ``q``, one multiply-add per entry."""
    lines = [f"{pad}    for o in range({cols}):"]
    lines += [f"{pad}        acc[{p}, o] = {zero}" for p in range(rows)]
    lines += [f"{pad}    for q in {ks}:"]
    lines += [f"{pad}        a{p} = {read(p)}" for p in range(rows)]
    lines += [f"{pad}        for o in range({cols}):", f"{pad}            bv = b[q, j + o]"]
    lines += [f"{pad}            acc[{p}, o] += a{p} * bv" for p in range(rows)]
    return lines


def direct_lines(e, direct, pos, ns, later=None):
    """The generated line computing ``e`` (one that `covers`, as ``direct``) with a kernel,
    compiled now or by a step appended to ``later`` (`kernels.bind`)."""
    if type(direct) is dgemm_kernels.Ordered:
        return dgemm_kernels.direct_lines(e, direct, pos, ns, later)
    a, b = e.ins
    out = e.outs[0]
    from .conv_kernels import _DECO
    quick = kernels.on_disk(_DECO + "\n" + _text(a.shape, out.shape, direct))
    kernels.bind(ns, f"_mk{pos}", functools.partial(_bound, a.shape, out.shape, direct),
                 np.matmul, later, quick)
    return [f"    {out!r} = _mk{pos}({a!r}, {b!r})"]


def _bound(a_shape, shape, direct):
    """``(a, b) -> a @ b`` by the kernel for these shapes, compiled (or loaded) now."""
    from numba import types

    from .conv_kernels import _load
    kernel = _load(_text(a_shape, shape, direct), (2, 2, 2))
    spread.compile_spread(kernel, (types.Array(types.float32, 2, "C"),) * 3)
    return functools.partial(_product, kernel, direct, -(-shape[0] // _ROWS), shape)


def _product(kernel, direct, blocks, shape, a, b):
    a, b = np.asarray(a), np.asarray(b)
    ar = a.T if direct[0] else a
    if not ar.flags.c_contiguous or not (b.flags.c_contiguous or direct[1]):
        return np.matmul(a, b)  # a layout the kernel was not made for
    c = np.empty(shape, _F32)
    spread.run_blocks(kernel, blocks, ar, np.ascontiguousarray(b), c, threads=direct[2])
    return c
