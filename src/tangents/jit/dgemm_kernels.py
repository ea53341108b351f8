"""Float64 matrix products of the fused executor as numba kernels that add in BLAS's own order.

A float64 product of a jitted program must equal eager's to 1e-12, and another summation
order does not keep that on entries that cancel.  These kernels therefore reproduce the
order of numpy's BLAS instead of choosing their own: OpenBLAS's dgemm sums each entry of
``c`` over ``k`` one fused multiply-add at a time, in panels of ``k``, starting each panel
from zero and adding it to ``c`` (``c = p0``, ``c += p1``, ...).  The panel cuts follow its
level-3 driver: panels of ``Q`` while at least ``2 Q`` remain, then the rest halved (rounded
up to the unroll ``U`` on one thread).  On this machine (OpenBLAS 0.3.31 with
``OPENBLAS_CORETYPE=Haswell``) ``Q = 256, U = 4`` reproduce numpy's products bit for bit.

The rule is not assumed: before a product's kernel is used, `order_of` runs it on random
operands of the product's shape and layout against ``np.matmul`` under the process's BLAS
settings, for each candidate rule, and keeps the first that gives the same bits for every
entry.  If none does (another BLAS, or a shape whose edge columns OpenBLAS sums otherwise,
such as the one-column edges of odd widths), the product stays on ``np.matmul``.  The
operations do not depend on the values, so agreement on the probe is agreement on every
input.  The order depends on BLAS's thread count (threaded, the rest of ``k`` is halved
without rounding), which a user may change at any time (threadpoolctl): each product reads
the count (`blas_threads`) and uses the order measured for it, measuring it on first use.

The kernels are faster because numba compiles for the host (AVX-512) where numpy's OpenBLAS
runs its AVX2 kernels here: ``c`` is computed in blocks of 6 rows x 32 columns whose 24
vector running sums stay in registers, over column panels of 256 (a ``k`` panel of ``b``,
256 x 256, is 512 KiB and stays in the core's L2), with row blocks spread over the threads
(jit/spread.py).
A kernel is compiled for each shape (about 1 s, then kept on disk as the fused executor's).
"""
from __future__ import annotations

import functools
import threading

import numpy as np

from . import kernels, spread

__all__ = ["Ordered", "blas_threads", "covers", "direct_lines", "order_of"]

_F64 = np.dtype(np.float64)
_ROWS, _COLS, _PANEL = 6, 32, 256  # a block of c: 6 rows (as matmul_kernels.row_cases) x 4 vectors
# products of fewer multiply-adds stay on BLAS: OpenBLAS computes them on the calling thread
# (below 2 x 65536 x 4 on two CPUs), as fast as a kernel, and wakes none of its threads
_MIN_WORK = 2 * 65536 * 4
# a matrix-vector product this large: OpenBLAS wakes its threads for 2000 x 300 (W4's X @ w),
# which then spin on the other CPU for about 0.1 s, where the products' threads would run
_MIN_MATVEC = 1 << 18
_RULES = ((256, 4, False), (256, 4, True))  # (Q, U, halve without rounding): OpenBLAS 0.3
_reference = np.matmul  # the product whose order the kernels reproduce


class Ordered(tuple):
    """A covered float64 product: ``("matmul", a_transposed, b_transposed, spread)`` (row
    blocks spread over threads, jit/spread.py) or ``("matvec", False)`` (one thread)."""
    __slots__ = ()

    def on_one_thread(self):
        return type(self)((*self[:-1], False))


def covers(e, made_by, transposed):
    """An `Ordered` for a float64 ``matmul`` equation ``e`` of a matrix and a matrix or a
    vector that the kernels may compute (`order_of` decides when it is compiled), else None.
    ``transposed(v)`` says whether ``v`` is made by ``transpose(x, (1, 0))``: such an ``a``
    is read from ``x``'s rows.  ``x.T @ x`` is left alone: numpy computes it with syrk."""
    a, b = e.ins
    if any(np.dtype(v.dtype) != _F64 for v in (a, b, *e.outs)) or 0 in a.shape:
        return None
    at = transposed(a)
    if len(b.shape) == 1:  # rows of a times b (OpenBLAS's dgemv_t); a turned is dgemv_n
        if at or a.shape[0] * a.shape[1] < _MIN_MATVEC:
            return None
        return Ordered(("matvec", False))
    (m, k), n = a.shape, b.shape[1]
    if m * k * n < _MIN_WORK or n == 0:
        return None
    if at and made_by[a].ins[0] is b:
        return None
    return Ordered(("matmul", at, transposed(b), True))


def _splits(k, q, u, halve):
    cuts, start = [0], 0
    while start < k:
        size = k - start
        if size >= 2 * q:
            size = q
        elif size > q:
            size = (size + 1) // 2 if halve else (size // 2 + u - 1) // u * u
        start += size
        cuts.append(start)
    return np.array(cuts, np.intp)


_orders: dict = {}
_orders_lock = threading.Lock()
_UNKNOWN = object()
_thread_count: list = []  # [a function reading OpenBLAS's thread count, or None]


def blas_threads():
    """The number of threads numpy's OpenBLAS uses now, or None where it cannot be read
    (another BLAS): read from the loaded library by ctypes, about a microsecond."""
    if not _thread_count:
        _thread_count.append(_thread_reader())
    read = _thread_count[0]
    return None if read is None else read()


def _thread_reader():
    import ctypes
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)  # loaded already: the same library
        except OSError:
            continue
        for name in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                     "openblas_get_num_threads64_", "openblas_get_num_threads"):
            read = getattr(lib, name, None)
            if read is not None:
                read.restype, read.argtypes = ctypes.c_int, []
                return read
    return None


def order_of(m, k, n, a_transposed, b_transposed=False):
    """The panel cuts of ``k`` with which the kernel gives ``np.matmul``'s bits for an
    ``(m, k) @ (k, n)`` product whose operands are views of C-ordered arrays (transposed
    ones when ``a_transposed``, ``b_transposed``), under BLAS's thread count now, measured
    on random operands; None when no candidate rule does."""
    key = (m, k, n, a_transposed, b_transposed, blas_threads())
    found = _orders.get(key, _UNKNOWN)  # each product's call reads it: no lock
    if found is not _UNKNOWN:
        return found
    rng = np.random.default_rng(0)
    a = rng.standard_normal((k, m) if a_transposed else (m, k))
    b = rng.standard_normal((n, k)).T if b_transposed else rng.standard_normal((k, n))
    want = _reference(a.T if a_transposed else a, b)
    b = np.ascontiguousarray(b)
    found = None
    tried = set()
    for rule in _RULES:
        cuts = _splits(k, *rule)
        if tuple(cuts) in tried:
            continue
        tried.add(tuple(cuts))
        got = np.empty((m, n))
        _run(_kernel(m, n, a_transposed), a, b, got, cuts)
        if np.array_equal(got.view(np.int64), want.view(np.int64)):
            found = cuts
            break
    with _orders_lock:
        _orders[key] = found
    return found


def product(kernel, layout, threads, shape, a, b):
    """``a @ b`` by ``kernel`` with the panel cuts `order_of` finds for BLAS's thread count
    now, spread over threads if ``threads``.  ``layout`` is ``(a_transposed, b_transposed)``,
    the views `order_of` measured; operands of another layout, and a thread count under
    which no rule gives BLAS's bits, go to ``np.matmul`` (numpy may then take another path
    than BLAS's)."""
    a, b = np.asarray(a), np.asarray(b)
    ar, br = (a.T if layout[0] else a), (b.T if layout[1] else b)
    if not (ar.flags.c_contiguous and br.flags.c_contiguous) or a.dtype != _F64 \
            or b.dtype != _F64:
        return np.matmul(a, b)
    cuts = order_of(shape[0], a.shape[1], shape[1], *layout)  # a: (m, k), ar its memory
    if cuts is None or cuts[-1] != a.shape[1]:
        return np.matmul(a, b)
    c = np.empty(shape, _F64)
    # a transposed b (``delta @ W.T``) is copied to rows: k x n entries against m x k x n
    _run(kernel, ar, np.ascontiguousarray(b), c, cuts, threads)
    return c


def _run(kernel, a, b, c, cuts, threads=False):
    spread.run_blocks(kernel, -(-c.shape[0] // _ROWS), a, b, c, cuts, threads=threads)


@functools.cache
def _kernel(m, n, a_transposed):
    from numba import types
    args = (types.Array(types.float64, 2, "C"),) * 3 + (types.Array(types.intp, 1, "C"),)
    disp = kernels.load_source(_text(m, n, a_transposed),
                               lambda disp: disp.compile((types.intp, types.intp, *args)))
    spread.compile_spread(disp, args)  # not under load_source's lock: it may load its probe
    return disp


def _text(m, n, a_transposed):
    """The kernel module's source: `_source` and its `spread` loop."""
    from .conv_kernels import _DECO
    return _DECO + "\n" + _source(m, n, a_transposed) + spread.spread_source("a, b, c, cuts")


def _source(m, n, a_transposed):
    """Source of ``kernel(lo, hi, a, b, c, cuts)``: row blocks lo..hi of the ``(m, n)``
    result ``c = a @ b`` (``a`` read as its transpose when ``a_transposed``), each entry
    summed over ``k`` in order, one multiply-add at a time, panel by panel as ``cuts`` says.
    The sizes are constants of the source: with ``m`` and ``n`` read at run time the same
    loops ran 2.5-6x slower (the running sums left the registers)."""
    from .matmul_kernels import block_sums, row_cases
    read = (lambda p: f"a[q, i0 + {p}]") if a_transposed else (lambda p: f"a[i0 + {p}, q]")
    lines = ["def kernel(lo, hi, a, b, c, cuts):",
             f"    acc = np.empty(({_ROWS}, {_COLS}), np.float64)",
             "    for s in range(cuts.shape[0] - 1):",
             "        k0, k1 = cuts[s], cuts[s + 1]",
             f"        for j0 in range(0, {n}, {_PANEL}):",
             "            for blk in range(lo, hi):",
             f"                i0 = blk * {_ROWS}"]
    wide = n // _COLS * _COLS
    for rows, pad, head in row_cases(m, 16):
        lines += head
        # whole blocks of columns within the panel, then the last columns in the last panel
        for cols, js in ((_COLS, f"range(j0, min(j0 + {_PANEL}, {wide}), {_COLS})"),
                         (n - wide, f"range({wide}, {n} if j0 + {_PANEL} >= {n} else 0, {_COLS})")):
            if cols == 0:
                continue
            lines += [f"{pad}for j in {js}:"]
            lines += block_sums(pad, rows, cols, read, "0.0", "range(k0, k1)")
            lines += [f"{pad}    if s == 0:", f"{pad}        for o in range({cols}):"]
            lines += [f"{pad}            c[i0 + {p}, j + o] = acc[{p}, o]" for p in range(rows)]
            lines += [f"{pad}    else:", f"{pad}        for o in range({cols}):"]
            lines += [f"{pad}            c[i0 + {p}, j + o] += acc[{p}, o]" for p in range(rows)]
    return "\n".join(lines) + "\n"


def direct_lines(e, direct, pos, ns, later=None):
    """The generated line computing ``e`` (covered, as ``direct``): a kernel when `order_of`
    (`matvec_order`) finds BLAS's order for its shape, else ``np.matmul``; compiled and
    measured now, or by a step appended to ``later`` (`kernels.bind`)."""
    a, b = e.ins
    out = e.outs[0]
    if direct[0] == "matvec":
        call = kernels.bind(ns, f"_dmv{pos}", functools.partial(_matvec_or_blas, *a.shape),
                            np.matmul, later, kernels.on_disk(_MATVEC))
    else:
        call = kernels.bind(ns, f"_dk{pos}", functools.partial(_product_or_blas, a.shape,
                                                               out.shape, direct),
                            np.matmul, later, kernels.on_disk(_text(*out.shape, direct[1])))
    return [f"    {out!r} = {call}({a!r}, {b!r})"]


def _product_or_blas(a_shape, shape, direct):
    """``(a, b) -> a @ b``: `product` by a kernel in BLAS's order, or ``np.matmul`` itself."""
    at, bt, threads = direct[1:]
    if order_of(*a_shape, shape[1], at, bt) is None:
        return np.matmul
    return functools.partial(product, _kernel(shape[0], shape[1], at), (at, bt), threads, shape)


def _matvec_or_blas(m, k):
    return matvec if matvec_order(m, k) else np.matmul


# -- matrix times vector ------------------------------------------------------------------------
# OpenBLAS's dgemv_t (Haswell) sums a row's products in 4 lanes, lane l taking the entries
# i = l mod 4, one multiply-add at a time, and adds the lanes as (l0 + l2) + (l1 + l3).  The
# rest of a length that is not a multiple of 4 is assumed added after, in order; `matvec_order`
# checks all of it on random operands.  One thread: 2000 x 300 takes about 0.1 ms.
_MATVEC = """

@numba.njit(cache=True, error_model='numpy', fastmath={'contract'}, nogil=True)
def kernel(a, x, y):
    m, k = a.shape
    k4 = k - k % 4
    for r in range(m):
        s0 = s1 = s2 = s3 = 0.0
        for i in range(0, k4, 4):
            s0 += a[r, i] * x[i]
            s1 += a[r, i + 1] * x[i + 1]
            s2 += a[r, i + 2] * x[i + 2]
            s3 += a[r, i + 3] * x[i + 3]
        t = (s0 + s2) + (s1 + s3)
        for i in range(k4, k):
            t += a[r, i] * x[i]
        y[r] = t
"""
_matvec_orders: dict = {}


def matvec_order(m, k):
    """Whether the matrix-vector kernel gives ``np.matmul``'s bits for ``(m, k) @ (k,)``,
    measured on random operands."""
    key = (m, k)
    if key not in _matvec_orders:
        rng = np.random.default_rng(0)
        a, x = rng.standard_normal((m, k)), rng.standard_normal(k)
        got = np.empty(m)
        _matvec_kernel()(a, x, got)
        same = np.array_equal(got.view(np.int64), _reference(a, x).view(np.int64))
        with _orders_lock:
            _matvec_orders[key] = same
    return _matvec_orders[key]


def matvec(a, x):
    """``a @ x`` by the kernel (both C-contiguous, as `matvec_order` measured), else
    ``np.matmul``."""
    a, x = np.asarray(a), np.asarray(x)
    if not (a.flags.c_contiguous and x.flags.c_contiguous) or a.dtype != _F64 \
            or x.dtype != _F64:
        return np.matmul(a, x)
    y = np.empty(a.shape[0], _F64)
    _matvec_kernel()(a, x, y)
    return y


@functools.cache
def _matvec_kernel():
    from numba import types
    vec = types.Array(types.float64, 1, "C")
    return kernels.load_source(
        _MATVEC, lambda disp: disp.compile((types.Array(types.float64, 2, "C"), vec, vec)))
