"""Small matrix products inside the fused executor's kernels: ``A @ W`` row by row.

A product ``(n, k) @ (k, m)`` with ``k`` and ``m`` at most `MAX_SIDE`, whose right operand is
made outside the kernel (the same small matrix for every row), is a loop nest of its own in
the kernel that makes or reads ``A``: row ``i`` of the result is the sum over ``k`` of
``A[i, k] * W[k, :]``, with ``W`` in cache.  So ``A`` and the result need not go out to
memory as whole arrays: in a kernel that runs row by row (jit/fused.py) they are rows of
scratch, and the elementwise work around the product reads them at the same row.  A PINN's
layers (W6: ``(10000, 50) @ (50, 50)``, three products per layer under two derivatives)
then make one pass over their rows per layer instead of a BLAS call and an elementwise pass
per intermediate.  Larger products stay BLAS calls, which are faster there.

Each element is summed over ``k`` in order (in float64 for float32, rounded once, as the
kernels' sums are), so values differ from NumPy's matmul by the order of the additions only.
"""
from __future__ import annotations

from .ir import Var

__all__ = ["MAX_SIDE", "is_contraction", "check_weights", "nest_lines"]

MAX_SIDE = 64  # largest k and m: W (32 KiB in float64) stays in the L1/L2 cache
# fewer result columns than this: each is a dot product summed in a local (a register);
# more: row i of the result is accumulated as a vector, one row of W at a time
_AXPY_MIN = 8
_FLOATS = ("float32", "float64")


def is_contraction(e):
    """True when equation ``e`` is a ``matmul`` of two float matrices of one dtype, of
    inner size and result width at most `MAX_SIDE`."""
    if e.prim.name != "matmul" or e.params or len(e.ins) != 2 or len(e.outs) != 1:
        return False
    a, w = e.ins
    out = e.outs[0]
    if type(a) is not Var or type(w) is not Var or len(a.shape) != 2 or len(w.shape) != 2:
        return False
    if not (a.dtype == w.dtype == out.dtype) or out.dtype.name not in _FLOATS:
        return False
    n, k = a.shape
    return n > 0 and 0 < k <= MAX_SIDE and 0 < w.shape[1] <= MAX_SIDE and w.shape[0] == k


def check_weights(e, kind, kernel, loc):
    """``kind`` (fused._kind's), or None (a BLAS call) for a contraction that no open
    ``kernel`` takes in: a product never opens a kernel of its own (a program of products
    alone needs no numba), and its right operand must be whole before the kernel's rows, so
    made outside it, directly or through index maps (a transpose) of an array made outside."""
    if kind != "contract":
        return kind
    if kernel is None:
        return None
    w = e.ins[1]
    made_by = {a.outs[0]: a for a in kernel.aliases}
    while w in made_by:
        w = made_by[w].ins[0]
    where = loc.get(w)
    return kind if where is None or where[0] is not kernel else None


def nest_lines(src, shape, ops):
    """The lines of one loop nest of kernel source ``src``: a contraction's, or
    ``src._nest``'s for elementwise work and reductions."""
    if ops[0][0] == "contract":
        return _contraction_lines(src, ops[0][1])
    return src._nest(shape, ops)


def _contraction_lines(src, e):
    """The loop nest of contraction ``e`` in kernel source ``src`` (a fused._KernelSource):
    its first line is the loop over rows ``i0``, as for every nest."""
    a, w = e.ins
    out = e.outs[0]
    n, k = a.shape
    m = w.shape[1]
    if n != src.rows:
        src.rows = None
    loads = {}
    body = []  # lines inside the loop over k (i1)
    x = src._load(a, (n, k), loads, body)
    term = f"{x} * {_weight(src, w)}"
    single = out.dtype.name == "float32"
    if single:  # summed in float64 and rounded once, as the kernels' sums are
        term = f"np.float64({x}) * np.float64({_weight(src, w)})"
    if m < _AXPY_MIN:
        src._alloc(out, "empty")
        r = f"r{out.id}"
        return [f"    for i0 in range(@{n}@):",
                f"        for i2 in range({m}):",
                f"            {r} = np.float64(0.0)" if single else f"            {r} = 0.0",
                f"            for i1 in range({k}):"] + \
            [f"                {s}" for s in body] + \
            [f"                {r} += {term}",
             f"            a{out.id}[i0, i2] = " + (f"np.float32({r})" if single else r)]
    # a row of scratch is reset at each row (fused._row_scratch); a float32 result is
    # accumulated in float64 (_s<id>, cast back after the kernel) as the kernels' sums are
    src._alloc(out, "zeros", acc="float64" if single else None)
    if single:
        src.sums32.add(out)
    return [f"    for i0 in range(@{n}@):",
            f"        for i1 in range({k}):"] + \
        [f"            {s}" for s in body] + \
        [f"            for i2 in range({m}):",
         f"                {'s' if single else 'a'}{out.id}[i0, i2] += {term}"]


def _weight(src, w):
    """``W[i1, i2]`` in the kernel, through the index map when ``w`` is a transpose."""
    idx = ["i1", "i2"]
    if w in src.base:
        base, axes = src.base[w]
        idx = ["0" if j is None else idx[j] for j in axes]
        w = base
    return f"{src._array(w)}[{', '.join(idx)}]"
