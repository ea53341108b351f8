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

Each element is summed over ``k`` in order; when the result has fewer than 8 columns, as four
interleaved running sums (k = 0, 4, 8, ...; k = 1, 5, ...) added pairwise at the end.  In
float64 for float32, rounded once, as the kernels' sums are.  So values differ from NumPy's
matmul by the order of the additions only.
"""
from __future__ import annotations

import re

from .ir import Var

__all__ = ["MAX_SIDE", "is_contraction", "check_weights", "nest_lines"]

MAX_SIDE = 64  # largest k and m: W (32 KiB in float64) stays in the L1/L2 cache
_FLOATS = ("float32", "float64")
# fewer result columns than this: each column is _SPLIT running sums over k (each addition
# of one running sum waits for the one before; four interleaved do not wait on each other)
_SPLIT_MAX, _SPLIT = 8, 4


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
    single = out.dtype.name == "float32"
    if single:  # summed in float64 and rounded once, as the kernels' sums are
        body.append(f"x{out.id} = np.float64({x})")
        x = f"x{out.id}"
    src._alloc(out, "empty")
    wide = "np.float64({})" if single else "{}"
    store = "np.float32({})" if single else "{}"
    if m < _SPLIT_MAX:
        return _split_lines(src, e, body, x, wide, store)
    # one local per column of the row: kept in vector registers across the loop over k,
    # where a row of scratch would be loaded and stored at every k
    acc = [f"c{out.id}_{j}" for j in range(m)]
    w_at = [wide.format(_weight(src, w, "i1", j)) for j in range(m)]
    return [f"    for i0 in range(@{n}@):"] + [f"        {c} = 0.0" for c in acc] + \
        [f"        for i1 in range({k}):"] + [f"            {t}" for t in body] + \
        [f"            {c} += {x} * {t}" for c, t in zip(acc, w_at, strict=True)] + \
        [f"        a{out.id}[i0, {j}] = {store.format(c)}" for j, c in enumerate(acc)]


def _split_lines(src, e, body, x, wide, store):
    """Fewer than `_SPLIT_MAX` columns: each column's sum over k in `_SPLIT` running sums,
    of the products at k = s, s + _SPLIT, ... (s < _SPLIT), added pairwise at the end."""
    a, w = e.ins
    out = e.outs[0]
    (n, k), m = a.shape, w.shape[1]
    made = [t.split(" = ")[0] for t in body]
    acc = [[f"c{out.id}_{j}_{s}" for s in range(_SPLIT)] for j in range(m)]
    whole = k - k % _SPLIT
    steps = [(f"i1 + {s}", s, f"_{s}") for s in range(_SPLIT)]
    rest = [(str(kk), kk % _SPLIT, f"_r{kk}") for kk in range(whole, k)]
    lines = [f"        {c} = 0.0" for cs in acc for c in cs]
    if whole:
        lines.append(f"        for i1 in range(0, {whole}, {_SPLIT}):")
    for at, s, tag in steps * bool(whole) + rest:
        ind = "            " if at.startswith("i1") else "        "
        lines += [ind + _at(t, at, tag, made) for t in body]
        xs = _at(x, at, tag, made)
        lines += [f"{ind}{acc[j][s]} += {xs} * {wide.format(_weight(src, w, at, j))}"
                  for j in range(m)]
    lines += [f"        a{out.id}[i0, {j}] = {store.format(_tree(cs))}"
              for j, cs in enumerate(acc)]
    return [f"    for i0 in range(@{n}@):"] + lines


def _at(line, at, tag, made):
    """``line`` of the loop over k at ``i1 = at``, its locals ``made`` renamed with ``tag``."""
    line = re.sub(r"\bi1\b", at, line)
    for name in made:
        line = re.sub(rf"\b{name}\b", f"{name}{tag}", line)
    return line


def _tree(terms):
    """The pairwise sum of ``terms``."""
    while len(terms) > 1:
        terms = [f"({a} + {b})" for a, b in zip(terms[::2], terms[1::2], strict=False)] + \
            ([terms[-1]] if len(terms) % 2 else [])
    return terms[0]


def _weight(src, w, i, j):
    """``W[i, j]`` in the kernel, through the index map when ``w`` is a transpose."""
    idx = [i, str(j)]
    if w in src.base:
        base, axes = src.base[w]
        idx = ["0" if a is None else idx[a] for a in axes]
        w = base
    return f"{src._array(w)}[{', '.join(idx)}]"
