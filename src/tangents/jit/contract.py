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

A vector operand (``(n, k) @ (k,)``, ``(k,) @ (k, m)``, ``(k,) @ (k,)``, with ``k`` and ``m``
at most `MAX_SIDE`) gives a loop over the result's elements (one for a dot), each a sum over
``k``: an ODE adjoint's ``w @ y`` and ``a^T w`` (issue #15) run in the kernel of the
elementwise work around them.  A vector is read whole, so one made in the kernel makes it run
nest by nest, not row by row.  A product small enough that NumPy's call (~0.7 us) is its cost
(`_OPEN_MAX`) may open a kernel; a kernel left holding products alone becomes NumPy calls
again (`products_alone`), as a program of products alone needs no numba.

Each element is summed over ``k`` in order; when the result has fewer than 8 columns, as four
interleaved running sums (k = 0, 4, 8, ...; k = 1, 5, ...) added pairwise at the end.  In
float64 for float32, rounded once, as the kernels' sums are.  So values differ from NumPy's
matmul by the order of the additions only.
"""
from __future__ import annotations

import math
import re

from .ir import Var

__all__ = ["MAX_SIDE", "is_contraction", "check_weights", "nest_lines", "products_alone",
           "shared_nest"]

MAX_SIDE = 64  # largest k and m: W (32 KiB in float64) stays in the L1/L2 cache
# most multiply-adds (n k m) of a product that opens a kernel: over this, BLAS's speed is the
# question (measured for products inside kernels only), below it the call's overhead
_OPEN_MAX = 4096
_FLOATS = ("float32", "float64")
# fewer result columns than this: each column is _SPLIT running sums over k (each addition
# of one running sum waits for the one before; four interleaved do not wait on each other)
_SPLIT_MAX, _SPLIT = 8, 4
# most result columns summed in one loop over k by products that share their right operand:
# 160 float64 columns are 20 of the 32 AVX-512 registers, leaving room for W's row
_SHARED_COLUMNS = 160


def is_contraction(e):
    """True when equation ``e`` is a ``matmul`` of two float arrays of one dtype, matrices or
    vectors, of inner size and result width at most `MAX_SIDE` (`_sizes`)."""
    if e.prim.name != "matmul" or e.params or len(e.ins) != 2 or len(e.outs) != 1:
        return False
    a, w = e.ins
    out = e.outs[0]
    if type(a) is not Var or type(w) is not Var or len(a.shape) not in (1, 2) or \
            len(w.shape) not in (1, 2):
        return False
    if not (a.dtype == w.dtype == out.dtype) or out.dtype.name not in _FLOATS:
        return False
    n, k, m = _sizes(e)
    return n > 0 and 0 < k <= MAX_SIDE and 0 < m <= MAX_SIDE and w.shape[0] == k


def _sizes(e):
    """``(n, k, m)`` of contraction ``e``: a vector is one row (left) or one column (right)."""
    a, w = e.ins
    return (a.shape[0] if len(a.shape) == 2 else 1, a.shape[-1],
            w.shape[1] if len(w.shape) == 2 else 1)


def check_weights(e, kind, kernel, loc):
    """``kind`` (fusible.fusion_kind's), or None (a BLAS call) for a contraction that the kernel
    cannot take.  With no ``kernel`` open, a product opens one only when at most `_OPEN_MAX`
    multiply-adds (see `products_alone`).  A right operand read as a matrix must be whole
    before the kernel's rows, so made outside it, directly or through index maps (a
    transpose) of an array made outside; a vector is read with `_load`, which sees to that."""
    if kind != "contract":
        return kind
    if kernel is None:
        return kind if math.prod(_sizes(e)) <= _OPEN_MAX else None
    w = e.ins[1]
    if len(w.shape) == 1:
        return kind
    made_by = {a.outs[0]: a for a in kernel.aliases}
    while w in made_by:
        w = made_by[w].ins[0]
    where = loc.get(w)
    return kind if where is None or where[0] is not kernel else None


def shared_nest(e, kernel, loc):
    """The nest of ``kernel`` whose products have ``e``'s right operand, that runs after
    everything ``e`` reads, so that ``e`` joins their loop over k and each row of W is read
    once for all of them (W6: h1, h1' and h1'' times W2); None: a nest of its own.  Only
    products of at least `_SPLIT_MAX` columns, up to `_SHARED_COLUMNS` in all."""
    a, w = e.ins
    if len(a.shape) != 2 or len(w.shape) != 2 or w.shape[1] < _SPLIT_MAX:
        return None
    first = max((loc[v][1] + 1 for v in e.ins if v in loc and loc[v][0] is kernel), default=0)
    for n in range(first, len(kernel.nests)):
        ops = kernel.nests[n][1]
        f = ops[0][1]
        if ops[0][0] == "contract" and f.ins[1] is w and f.ins[0].shape == a.shape and \
                f.outs[0].dtype == e.outs[0].dtype and \
                (len(ops) + 1) * w.shape[1] <= _SHARED_COLUMNS:
            return n
    return None


def products_alone(items, kernels, loc, body):
    """``(items, kernels, loc)`` (fused._partition's) with each kernel whose nests are
    products only (one that a small product opened and nothing else joined) turned back into
    NumPy calls, its equations in program order at its place."""
    pos = {id(e): i for i, e in enumerate(body)}
    out = []
    for item in items:
        k = item[1] if item[0] == "kernel" else None
        if k is None or not k.nests or any(ops[0][0] != "contract" for _, ops in k.nests):
            out.append(item)
            continue
        eqns = sorted([e for _, ops in k.nests for _, e in ops] + k.aliases,
                      key=lambda e: pos[id(e)])
        for e in eqns:
            del loc[e.outs[0]]
        out += [("py", e, pos[id(e)]) for e in eqns]
        kernels.remove(k)
    return out, kernels, loc


def nest_lines(src, shape, ops):
    """The lines of one loop nest of kernel source ``src``: a contraction's, or
    ``src._nest``'s for elementwise work and reductions."""
    if ops[0][0] == "contract":
        return _contraction_lines(src, [e for _, e in ops])
    return src._nest(shape, ops)


def _contraction_lines(src, products):
    """The loop nest of ``products`` (contractions; more than one: sharing their right
    operand, `shared_nest`) in kernel source ``src`` (a kernel_source.KernelSource): its first line
    is the loop over rows ``i0``, as for every nest."""
    a, w = products[0].ins
    if len(a.shape) == 1 or len(w.shape) == 1:
        return _vector_lines(src, products[0])
    n, k = a.shape
    m = w.shape[1]
    if n != src.rows:
        src.rows = None
    loads = {}
    body, init, adds, stores = [], [], [], []  # body, adds: the lines inside the loop over k
    for e in products:
        out = e.outs[0]
        x = src._load(e.ins[0], (n, k), loads, body)
        single = out.dtype.name == "float32"
        if single:  # summed in float64 and rounded once, as the kernels' sums are
            body.append(f"x{out.id} = np.float64({x})")
            x = f"x{out.id}"
        src._alloc(out, "empty")
        wide = "np.float64({})" if single else "{}"
        store = "np.float32({})" if single else "{}"
        if m < _SPLIT_MAX:
            return [f"    for i0 in range(@{n}@):"] + _split_lines(
                out, k, body, [f"{x} * {wide.format(_weight(src, w, 'i1', j))}"
                               for j in range(m)],
                [f"a{out.id}[i0, {j}]" for j in range(m)], store)
        # one local per column of the row: kept in vector registers across the loop over k,
        # where a row of scratch would be loaded and stored at every k
        acc = [f"c{out.id}_{j}" for j in range(m)]
        w_at = [wide.format(_weight(src, w, "i1", j)) for j in range(m)]
        init += [f"        {c} = 0.0" for c in acc]
        adds += [f"            {c} += {x} * {t}" for c, t in zip(acc, w_at, strict=True)]
        stores += [f"        a{out.id}[i0, {j}] = {store.format(c)}" for j, c in enumerate(acc)]
    return [f"    for i0 in range(@{n}@):"] + init + [f"        for i1 in range({k}):"] + \
        [f"            {t}" for t in body] + adds + stores


def _vector_lines(src, e):
    """A product with a vector operand: loop ``i0`` over the result's elements (one for a
    dot), each the sum over ``k`` (loop ``i1``) of row i0 of a matrix times the right vector,
    or of the left vector times column i0 of a matrix (read as `_weight`), or of the two
    vectors' products."""
    a, w = e.ins
    out = e.outs[0]
    _, k, _ = _sizes(e)
    rows = out.shape[0] if out.shape else 1
    if rows != src.rows or not out.shape:
        src.rows = None
    loads, body = {}, []  # a vector read whole: _load sees to the kernel's rows
    x = src._load(a, (rows, k), loads, body)
    y = src._load(w, (rows, k), loads, body) if len(w.shape) == 1 else _weight(src, w, "i1", "i0")
    single = out.dtype.name == "float32"
    if single:  # summed in float64 and rounded once, as the kernels' sums are
        x, y = f"np.float64({x})", f"np.float64({y})"
    src._alloc(out, "empty")
    return [f"    for i0 in range(@{rows}@):"] + _split_lines(
        out, k, body, [f"{x} * {y}"], [f"a{out.id}[{'i0' if out.shape else '()'}]"],
        "np.float32({})" if single else "{}")


def _split_lines(out, k, body, products, targets, store):
    """The lines inside the loop over rows that store in each of ``targets`` the sum over k
    of its one of ``products`` (expressions at ``i1``, after the ``body`` lines that load
    their operands), in `_SPLIT` running sums, of the products at k = s, s + _SPLIT, ...
    (s < _SPLIT), added pairwise at the end."""
    made = [t.split(" = ")[0] for t in body]
    acc = [[f"c{out.id}_{j}_{s}" for s in range(_SPLIT)] for j in range(len(products))]
    whole = k - k % _SPLIT
    steps = [(f"i1 + {s}", s, f"_{s}") for s in range(_SPLIT)]
    rest = [(str(kk), kk % _SPLIT, f"_r{kk}") for kk in range(whole, k)]
    lines = [f"        {c} = 0.0" for cs in acc for c in cs]
    if whole:
        lines.append(f"        for i1 in range(0, {whole}, {_SPLIT}):")
    for at, s, tag in steps * bool(whole) + rest:
        ind = "            " if at.startswith("i1") else "        "
        lines += [ind + _at(t, at, tag, made) for t in body]
        lines += [f"{ind}{cs[s]} += {_at(p, at, tag, made)}" for cs, p in zip(acc, products)]
    return lines + [f"        {t} = {store.format(_tree(cs))}" for t, cs in zip(targets, acc)]


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
