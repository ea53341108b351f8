"""The fused executor: elementwise operations and the reductions that consume them as numba loops.

A program is cut into kernels.  A kernel is a run of loop nests; each nest iterates over one
shape and computes, per element, a chain of elementwise primitives (NumPy ufuncs, ``where``,
``astype``, ``broadcast_to``) on scalars, reading its array operands with broadcasting by index
arithmetic, and accumulates the ``sum``/``amax``/``amin`` reductions that consume them.  Reshapes
that only add or drop axes of length one, and transposes, are index maps on arrays.  Everything
else (matmul, einsum, indexing, linalg) stays a NumPy call in the generated Python, as in the
NumPy executor (a convolution and its filter gradient share their columns: jit/patches.py);
such a call is moved before the open kernel when it does not read it, so the kernel keeps
growing.  Float32 stays float32 (operands and Python numbers are cast to the
operation's NumPy dtype); sums accumulate in float64 and are cast back, so they may differ from
NumPy's pairwise sums by reordering only.  Each kernel's source is written to a file named by
its hash under `cache_dir` (tangents.jit.kernels), where numba keeps the compiled code.
"""
from __future__ import annotations

import itertools
import math
import operator
import os
import re
import threading

import numpy as np

from .contract import check_weights, is_contraction, nest_lines, products_alone, shared_nest
from .executor import (
    _READS,
    GuardMiss,
    _call_line,
    _copy,
    _free_dead,
    _outputs,
    _read_item,
    _same_array,
    _same_number,
)
from .inplace import in_place
from .ir import Eqn, Var
from .kernels import cache_dir, load_kernel
from .outputs import reuse_outputs
from .patches import conv_pairs, pair_lines

__all__ = ["compile_fused", "cache_dir", "ELEMENTWISE"]

_F32, _F64, _BOOL = np.dtype(np.float32), np.dtype(np.float64), np.dtype(bool)
_FLOATS = (_F32, _F64)
_KINDS = (_F32, _F64, _BOOL)
# a nest with at least this many elements runs its outer loop on numba's threads
_PARALLEL_MIN = 1 << 16

# prim name -> scalar expression over operand names already cast to the working dtype
_ARITH = {
    "add": "({a} + {b})", "subtract": "({a} - {b})", "multiply": "({a} * {b})",
    "divide": "({a} / {b})", "power": "({a} ** {b})", "arctan2": "np.arctan2({a}, {b})",
    "hypot": "np.hypot({a}, {b})",
    # NumPy's maximum/minimum: the first operand unless the second wins or is NaN; `|`, not
    # `or`, so that it is a select without a branch, which LLVM can vectorise
    "maximum": "({a} if ({a} >= {b}) | ({a} != {a}) else {b})",
    "minimum": "({a} if ({a} <= {b}) | ({a} != {a}) else {b})",
    "negative": "(-{a})", "absolute": "abs({a})", "square": "({a} * {a})",
    "sqrt": "np.sqrt({a})", "exp": "_exp({a})", "exp2": "np.exp2({a})",
    "expm1": "np.expm1({a})", "log": "np.log({a})", "log2": "np.log2({a})",
    "log10": "np.log10({a})", "log1p": "np.log1p({a})", "sin": "np.sin({a})",
    "cos": "np.cos({a})", "tan": "np.tan({a})", "arcsin": "np.arcsin({a})",
    "arccos": "np.arccos({a})", "arctan": "np.arctan({a})", "sinh": "np.sinh({a})",
    "cosh": "np.cosh({a})", "tanh": "_tanh({a})", "arcsinh": "np.arcsinh({a})",
    "arccosh": "np.arccosh({a})", "arctanh": "np.arctanh({a})", "floor": "np.floor({a})",
    "ceil": "np.ceil({a})", "trunc": "np.trunc({a})", "sign": "np.sign({a})",
}
_COMPARE = {"equal": "==", "not_equal": "!=", "less": "<", "less_equal": "<=",
            "greater": ">", "greater_equal": ">="}
_LOGICAL = {"logical_and": "({a} and {b})", "logical_or": "({a} or {b})",
            "logical_xor": "({a} != {b})", "logical_not": "(not {a})"}
# on booleans only: NumPy's bitwise operations are the logical ones
_BITWISE = {"bitwise_and": "({a} and {b})", "bitwise_or": "({a} or {b})",
            "bitwise_xor": "({a} != {b})", "invert": "(not {a})"}
_TESTS = {"isnan": "({a} != {a})", "isinf": "np.isinf({a})", "isfinite": "np.isfinite({a})"}
# every fused elementwise primitive (tests/jit/test_fused.py checks each against NumPy)
ELEMENTWISE = frozenset(_ARITH) | frozenset(_COMPARE) | frozenset(_LOGICAL) | frozenset(_TESTS) \
    | frozenset(_BITWISE) | {"where", "astype", "broadcast_to"}
_REDUCE = {"sum", "amax", "amin"}
# Transcendentals that NumPy computes with SIMD loops while numba calls the C math library
# once per element: over 5e5 elements NumPy's is 5x (log) to 50x (arctan, sinh)
# faster than numba's loop, far more than the array pass that a NumPy call adds, so over
# at least _NUMPY_MIN elements they stay NumPy calls (sqrt is the other way round).  So does
# a float32 exp or tanh: kernels compute them in float64 (jit/vecmath.py), 1.7x/4x NumPy's.
_SIMD = frozenset({"exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos",
                   "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh",
                   "arccosh", "arctanh", "arctan2", "hypot", "power"})
_NUMPY_MIN = 1 << 10


# -- which equations fuse -------------------------------------------------------------------
def _kind(e):
    """"elem", "reduce", "alias" (an index map on an array), "contract" or None (a NumPy call)."""
    name, outs = e.prim.name, e.outs
    if e.prim.multiple_results or any(v.dtype not in _KINDS for v in outs):
        return None
    for a in e.ins:
        if type(a) is Var:
            if a.dtype not in _KINDS:
                return None
        elif type(a) not in (float, int, bool):
            return None
    out = outs[0]
    if name in _REDUCE:
        x = e.ins[0]
        if (set(e.params) != {"axis", "keepdims"} or type(x) is not Var or x.dtype not in _FLOATS
                or out.dtype != x.dtype):
            return None
        axes = _axes(e.params["axis"], len(x.shape))
        if name != "sum" and any(x.shape[a] == 0 for a in axes):
            return None  # NumPy raises: no identity
        return "reduce"
    if name in ("reshape", "transpose"):
        x = e.ins[0]
        if type(x) is not Var or x.dtype != out.dtype:
            return None
        if name == "reshape" and [n for n in x.shape if n != 1] != [n for n in out.shape if n != 1]:
            return None
        return "alias"
    if name not in ELEMENTWISE:
        return "contract" if is_contraction(e) else None  # small products: jit/contract.py
    if name in ("where", "astype", "broadcast_to"):
        keys = {"where": set(), "astype": {"dtype", "copy"}, "broadcast_to": {"shape"}}[name]
        return "elem" if set(e.params) <= keys else None
    if e.params or e.prim.impl is not getattr(np, name, None):
        return None
    if name in _ARITH and out.dtype not in _FLOATS:
        return None  # integer and boolean arithmetic stay NumPy's
    if (name in _SIMD or name in ("exp", "tanh") and out.dtype == _F32) and \
            math.prod(out.shape) >= _NUMPY_MIN and not (
            name == "power" and type(e.ins[1]) is not Var and e.ins[1] == 2):
        return None  # NumPy's SIMD loop is faster (see _SIMD); x ** 2 is x * x in both
    if name in _BITWISE and any(type(a) is Var and a.dtype != _BOOL or
                                type(a) is not Var and type(a) is not bool for a in e.ins):
        return None
    return "elem"


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted(a % ndim for a in ((axis,) if type(axis) is int else axis)))


def _alias_map(e):
    """For each input axis, the output axis it is read at (None: a length-one axis)."""
    x, out = e.ins[0], e.outs[0]
    if e.prim.name == "transpose":
        perm = _axes_perm(e.params.get("axes"), len(x.shape))
        m = [None] * len(x.shape)
        for j, p in enumerate(perm):
            m[p] = j
        return m
    outs = iter(j for j, n in enumerate(out.shape) if n != 1)
    return [None if n == 1 else next(outs) for n in x.shape]


def _axes_perm(axes, ndim):
    return tuple(range(ndim))[::-1] if axes is None else tuple(a % ndim for a in axes)


# -- partition into kernels and nests -------------------------------------------------------
class _Kernel:
    def __init__(self, number):
        self.number = number
        self.nests = []    # [shape, [(kind, eqn)]]
        self.aliases = []  # alias equations, in order


def _partition(body):
    """Items in run order: ("py", eqn or guard, position) and ("kernel", kernel); and where
    each fused Var is made: Var -> (kernel, nest, "temp" | "array")."""
    items, kernels, loc = [], [], {}
    open_k = None
    for pos, e in enumerate(body):
        kind = check_weights(e, _kind(e), open_k, loc) if type(e) is Eqn else None
        if kind is None:
            reads = e.ins if type(e) is Eqn else [e.var]
            if open_k is not None and any(type(a) is Var and loc.get(a, (None,))[0] is open_k
                                          for a in reads):
                open_k = None
            if open_k is None:
                items.append(("py", e, pos))
            else:  # it does not read the open kernel: run it first
                items.insert(len(items) - 1, ("py", e, pos))
            continue
        if open_k is None:
            open_k = _Kernel(len(kernels))
            kernels.append(open_k)
            items.append(("kernel", open_k))
        k = open_k
        if kind == "alias":
            x = e.ins[0]
            where = loc.get(x)
            ready = where[1] if where is not None and where[0] is k else -1
            k.aliases.append(e)
            loc[e.outs[0]] = (k, ready, "array")
            continue
        shape = e.ins[0].shape if kind == "reduce" else e.outs[0].shape
        n = shared_nest(e, k, loc) if kind == "contract" else _place(e, shape, k, loc)
        if n is None:
            k.nests.append([shape, []])
            n = len(k.nests) - 1
        k.nests[n][1].append((kind, e))
        loc[e.outs[0]] = (k, n, "temp" if kind == "elem" else "array")
    return products_alone(items, kernels, loc, body)  # jit/contract.py


def _place(e, shape, k, loc):
    """The first nest of ``k`` over ``shape`` that runs after everything ``e`` reads, best
    one that computes its temps (so they stay scalars); None when there is none."""
    first, temps = 0, set()
    for a in e.ins:
        w = loc.get(a) if type(a) is Var else None
        if w is not None and w[0] is k:
            first = max(first, w[1] + (w[2] == "array"))  # an array is whole after its nest
            if w[2] == "temp":
                temps.add(w[1])
    fits = [n for n in range(first, len(k.nests))
            if k.nests[n][0] == shape and k.nests[n][1][0][0] != "contract"]
    best = [n for n in fits if temps <= {n}]
    return (best or fits or [None])[0]


# -- code of one kernel -----------------------------------------------------------------------
def _literal(x, dt):
    if dt == _BOOL:
        return repr(bool(x))
    r = repr(float(x))
    r = {"nan": "np.nan", "inf": "np.inf", "-inf": "(-np.inf)"}.get(r, r)
    return f"np.{dt.name}({r})"


def _cast(name, have, dt):
    if have == dt:
        return name
    if dt == _BOOL:
        return f"({name} != 0)"
    return f"np.{dt.name}({name})"


class _KernelSource:
    """The numba source of kernel ``k``.  It reads ``args`` (Vars made outside it) and writes
    the arrays that the caller allocates (``allocs``: Python lines, ``outs``: their names);
    ``post`` lines finish its results ``rets`` (the Vars read after it)."""

    def __init__(self, k, loc, outside, materialize):
        self.k, self.loc, self.materialize = k, loc, materialize
        self.args = []
        # rows: every nest's first axis has the same length, is not reduced, and arrays made
        # in the kernel are read only at their own row, so threads may take blocks of rows
        self.rows = k.nests[0][0][0] if k.nests and k.nests[0][0] else None
        self.size = max((int(np.prod(sh)) for sh, _ in k.nests), default=0)
        self.allocs, self.outs, self.post, self.sums32 = [], [], [], set()
        self.made_arrays, self.scratch = [], []  # per alloc: (Var, how, fill); (name, shape, dtype)
        self.base = {}  # alias Var -> (base Var, map from base axes to alias axes)
        for e in k.aliases:
            x = e.ins[0]
            inner = self.base.get(x)
            m = _alias_map(e)
            if inner is None:
                self.base[e.outs[0]] = (x, m)
            else:
                b, mi = inner
                self.base[e.outs[0]] = (b, [None if j is None else m[j] for j in mi])
        self.made = made = {v for v, w in loc.items() if w[0] is k and v not in self.base}
        self.rets = [v for v in made if v in outside and (loc[v][2] == "array" or v in materialize)]
        self.rets.sort(key=lambda v: v.id)
        nests = [nest_lines(self, shape, ops) for shape, ops in k.nests]
        if self.rows is not None:
            # one loop over the rows around every nest (each nest's first line is its loop
            # over i0): a row's arrays stay in cache from one nest to the next
            self.lines = self._row_scratch([s for lines in nests for s in lines[1:]])
        else:
            self.lines = [re.sub(r"@(\d+)@", r"\1", s) for lines in nests for s in lines]
        for v in self.rets:
            if v in self.sums32:
                self.post.append(f"{v!r} = _s{v.id}.astype(np.float32)")
            if not v.shape:  # NumPy's ufuncs and reductions give a scalar, not a 0-d array
                self.post.append(f"{v!r} = {v!r}[()]")

    def _alloc(self, v, how, fill="", acc=None):
        """The caller makes ``v``'s array (``acc``: a float64 accumulator for it)."""
        dt = acc or v.dtype.name
        py = f"_s{v.id}" if acc else repr(v)
        self.allocs.append(f"{py} = np.{how}({v.shape!r}, {fill}np.{dt})")
        self.outs.append((py, f"s{v.id}" if acc else f"a{v.id}"))
        self.made_arrays.append((v, how, fill))

    def _row_scratch(self, body):
        """The loop over rows around ``body``.  An array that nothing reads after the kernel
        is needed one row at a time: it becomes a row of ``scratch`` that the kernel makes
        for itself (so one per thread), reset at each row when it accumulates, instead of a
        whole array that the caller allocates and that goes out to memory and back."""
        reset = []
        for (v, how, fill), (py, name) in zip(self.made_arrays, self.outs, strict=True):
            if v not in self.rets:
                self.scratch.append((name, v.shape[1:], py.startswith("_s") and "float64"
                                     or v.dtype.name))
                if how != "empty":  # numba has no fill() of a 0-d array
                    at = ".fill(" if len(v.shape) > 1 else "[()] = ("
                    reset.append(f"        {name}{at}{fill.rstrip(', ') or '0.0'})")
                body = [re.sub(rf"\b{name}\[i0(, |\])", lambda m, n=name: n + (
                    "[()]" if m.group(1) == "]" else "["), line) for line in body]
        keep = [i for i, (_, name) in enumerate(self.outs)
                if name not in {n for n, _, _ in self.scratch}]
        self.allocs = [self.allocs[i] for i in keep]
        self.outs = [self.outs[i] for i in keep]
        return ["    for i0 in range(lo, hi):"] + reset + body
    def _array(self, v):
        """The name of array ``v`` in the kernel (an argument when made outside it)."""
        w = self.loc.get(v)
        if (w is None or w[0] is not self.k) and v not in self.args:
            self.args.append(v)
        return f"a{v.id}"

    def _load(self, v, shape, loads, body):
        """A name holding ``v``'s element at the nest's index."""
        w = self.loc.get(v)
        if w is not None and w[0] is self.k and w[2] == "temp" and v not in self.base and \
                v.shape == shape and loads.get(("t", v)) is not None:
            return loads[("t", v)]
        off = len(shape) - len(v.shape)
        idx = ["0" if n == 1 else f"i{j + off}" for j, n in enumerate(v.shape)]
        base = v
        if v in self.base:
            base, m = self.base[v]
            idx = ["0" if j is None else idx[j] for j in m]
        key = (base.id, tuple(idx))
        if key not in loads:
            loads[key] = f"l{len(loads)}"
            name = self._array(base)
            if base in self.args and not base.shape:
                idx = None  # a 0-d argument comes in as a scalar
            load = name + ("" if idx is None else f"[{_index(idx)}]")
            if base not in self.args and (not idx or idx[0] != "i0"):
                self.rows = None  # another row of an array this kernel writes
            if base in self.sums32:
                load = f"np.float32(s{base.id}[{_index(idx)}])"
            body.append(f"{loads[key]} = {load}")
        return loads[key]

    def _nest(self, shape, ops):
        nd = len(shape)
        reduced = set()
        for kind, e in ops:
            if kind == "reduce":
                reduced.update(_axes(e.params["axis"], nd))
        if not nd or shape[0] != self.rows or 0 in reduced:
            self.rows = None
        body, loads = [], {}
        loops = [j for j in range(nd) if j == 0 or shape[j] != 1]
        around = [([], []) for _ in loops]  # per loop: lines before it, lines after it
        for kind, e in ops:
            out = e.outs[0]
            if kind == "reduce":
                self._reduce(e, shape, loads, body, loops, around)
                continue
            body.append(f"t{out.id} = {self._expr(e, shape, loads, body)}")
            loads[("t", out)] = f"t{out.id}"
            if out in self.materialize:
                self._alloc(out, "empty")
                body.append(f"a{out.id}[{_index(_loop_index(shape))}] = t{out.id}")
        ind, lines = "    ", []
        for level, j in enumerate(loops):  # a length-one axis is read at 0
            lines += [ind + s for s in around[level][0]]
            span = f"@{shape[0]}@" if j == 0 else shape[j]  # rows: see __init__
            lines.append(f"{ind}for i{j} in range({span}):")
            ind += "    "
        lines += [ind + s for s in body]
        for _, after in reversed(around):
            ind = ind[:-4]
            lines += [ind + s for s in after]
        return lines

    def _expr(self, e, shape, loads, body):
        name, out = e.prim.name, e.outs[0]
        ops = [(self._load(a, shape, loads, body), a.dtype) if type(a) is Var else (a, None)
               for a in e.ins]
        if name in ("broadcast_to", "astype"):
            return _cast(ops[0][0], ops[0][1], out.dtype)
        if name == "where":
            c, x, y = (_operand(o, dt) for o, dt in zip(ops, (_BOOL, out.dtype, out.dtype)))
            return f"({x} if {c} else {y})"
        if name in _ARITH:
            work = out.dtype
        elif name in _LOGICAL or name in _BITWISE:
            work = _BOOL
        else:  # comparisons and tests: NumPy's common type, Python numbers weak
            work = np.result_type(*[dt if dt is not None else o for o, dt in ops])
            if work not in _KINDS:
                work = _F64
        args = [_operand(o, work) for o in ops]
        if name in _COMPARE:
            return f"({args[0]} {_COMPARE[name]} {args[1]})"
        for table in (_ARITH, _LOGICAL, _BITWISE, _TESTS):
            if name in table:
                return table[name].format(**dict(zip("ab", args)))

    def _reduce(self, e, shape, loads, body, loops, around):
        x, out = e.ins[0], e.outs[0]
        axes = _axes(e.params["axis"], len(shape))
        keep = e.params["keepdims"]
        idx = [("0" if keep else None) if j in axes else i
               for j, i in enumerate(_loop_index(shape))]
        at = f"[{_index([i for i in idx if i is not None])}]"
        v = self._load(x, shape, loads, body)
        acc = f"a{out.id}"
        # when the reduced loops are the innermost ones, each element of the result is
        # whole after them: it is accumulated in a local (a register), in the same order,
        # and stored once, rather than loaded and stored at every step
        inner = [j in axes for j in loops]
        level = inner.index(True) if True in inner and all(inner[inner.index(True):]) else None
        if e.prim.name == "sum":
            if out.dtype == _F32:  # accumulated in float64, cast back after the kernel
                acc = f"s{out.id}"
                self.sums32.add(out)
                v = f"np.float64({v})"
            self._alloc(out, "zeros", acc="float64" if out.dtype == _F32 else None)
            if level is None:
                body.append(f"{acc}{at} += {v}")
                return
            dt = "float64" if out.dtype == _F32 else out.dtype.name
            around[level][0].append(f"r{out.id} = np.{dt}(0.0)")
            body.append(f"r{out.id} += {v}")
            around[level][1].append(f"{acc}{at} = r{out.id}")
            return
        cmp = ">" if e.prim.name == "amax" else "<"
        self._alloc(out, "full", "-np.inf, " if cmp == ">" else "np.inf, ")
        # NaN wins and stays: NaN compares false with everything
        if level is None:
            body.append(f"{acc}{at} = {v} if ({v} {cmp} {acc}{at}) | ({v} != {v}) else {acc}{at}")
            return
        start = "-np.inf" if cmp == ">" else "np.inf"
        around[level][0].append(f"r{out.id} = np.{out.dtype.name}({start})")
        body.append(f"r{out.id} = {v} if ({v} {cmp} r{out.id}) | ({v} != {v}) else r{out.id}")
        around[level][1].append(f"{acc}{at} = r{out.id}")


def _operand(o, dt):
    name, have = o
    return _literal(name, dt) if have is None else _cast(name, have, dt)


def _loop_index(shape):
    return ["0" if n == 1 and j else f"i{j}" for j, n in enumerate(shape)]


def _index(idx):
    return ", ".join(idx) if idx else "()"


def _threads():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


_pool = []


def _rows(kernel, n, *args):
    """``kernel`` over rows 0..n in blocks taken in turn by this thread and the pool's
    (kernels release the GIL).  The caller never waits for a thread that has not started:
    on a busy machine a woken thread may wait a time slice (milliseconds) for a CPU, so the
    caller takes every block that no thread has taken yet, and waits only for blocks that
    are running.  A queued ``work`` that a thread starts after the call returned must not
    hold the call's arrays (they would outlive it): ``job`` is emptied on return."""
    if not _pool:
        import concurrent.futures
        _pool.append(concurrent.futures.ThreadPoolExecutor(_threads() - 1, "tangents-jit"))
    t = _threads()
    blocks, job = 2 * t, [kernel, args]
    cut = [n * i // blocks for i in range(blocks + 1)]
    taken = itertools.count()  # next() on it is atomic under the GIL
    done, errors = threading.Semaphore(0), []

    def work():
        while (i := next(taken)) < blocks:
            try:
                job[0](cut[i], cut[i + 1], *job[1])
            except BaseException as exc:  # noqa: BLE001 - raised again by the caller
                errors.append(exc)
            done.release()

    for _ in range(t - 1):
        _pool[0].submit(work)
    work()
    for _ in range(blocks):
        done.acquire()
    job.clear()
    if errors:
        raise errors[0]


# -- the program ------------------------------------------------------------------------------
def compile_fused(program, alias_ok=()):
    """A Python function ``run(*inputs) -> list of outputs`` for ``program``, computing its
    elementwise parts and their reductions in numba kernels (see the module's docstring);
    ``alias_ok`` as for the NumPy executor's ``compile_program``."""
    items, kernels, loc = _partition(program.body)
    outside, materialize = _uses(program, items, kernels, loc)
    ns = {"np": np, "_Miss": GuardMiss, "_rows": _rows, "_same_number": _same_number,
          "_same_array": _same_array, "_read_item": _read_item, "_index": operator.index,
          "_copy": _copy}
    for v, c in program.consts.items():
        ns[repr(v)] = c
    guard_no = {id(e): i for i, e in enumerate(program.guards)}
    pairs = conv_pairs(program.body)  # convolutions that share their columns (jit/patches.py)
    views = {e.outs[0] for k in kernels for e in k.aliases}
    fresh = {v for v, w in loc.items() if v not in views and (w[2] == "array" or v in materialize)}
    writes_over = in_place(program, fresh, _SIMD)  # jit/inplace.py
    lines = [f"def run({', '.join(repr(v) for v in program.invars)}):"]
    kernels_used = []  # numba dispatchers; each one's source is its py_source
    for item in items:
        if item[0] == "py":
            _, e, pos = item
            if type(e) is Eqn:
                partner, over = pairs.get(id(e)), writes_over.get(id(e))
                line = _call_line(e, pos, ns)
                lines += pair_lines(e, partner, pos, ns) if partner is not None else \
                    ["    " + (line if over is None else f"{line[:-1]}, out={over!r})")]
                continue
            g = guard_no[id(e)]
            read, differs = _READS[e.kind]
            ns[f"_w{g}"], ns[f"_a{g}"] = e.outcome, e.args
            lines.append(f"    _g = {read.format(v=e.var, a=f'_a{g}')}")
            lines.append(f"    if {differs.format(g='_g', w=f'_w{g}')}: raise _Miss({g}, _g)")
            continue
        k = item[1]
        src = _KernelSource(k, loc, outside, materialize)
        if src.rets:
            name = f"_K{k.number}"
            ns[name] = load_kernel(src, program.consts)
            kernels_used.append(ns[name])
            lines += [f"    {a}" for a in src.allocs]
            call = [_arg(v) for v in src.args] + [py for py, _ in src.outs]
            n = src.rows if src.rows is not None else 1
            if src.rows and src.size >= _PARALLEL_MIN and _threads() > 1:
                lines.append(f"    _rows({name}, {n}, {', '.join(call)})")
            else:
                lines.append(f"    {name}(0, {n}, {', '.join(call)})")
            lines += [f"    {a}" for a in src.post]
        for j, e in enumerate(k.aliases):
            if e.outs[0] in outside:
                lines.append("    " + _call_line(e, f"{k.number}a{j}", ns))
    for i, v in getattr(program, "writebacks", ()):
        lines.append(f"    {program.invars[i]!r}[...] = {v!r}")
    lines = _free_dead(program, reuse_outputs(lines, program, ns))  # jit/outputs.py
    lines.append(f"    return [{', '.join(_outputs(program, alias_ok, ns))}]")
    source = "\n".join(lines) + "\n"
    exec(compile(source, "<tg.jit fused program>", "exec"), ns)  # noqa: S102 - generated
    run = ns["run"]
    run.source = source
    run.kernels = kernels_used
    return run


def _arg(v):
    return repr(v) if v.shape else f"{v!r}[()]"  # a 0-d value goes in as a NumPy scalar


def _uses(program, items, kernels, loc):
    """(Vars read outside the kernel that makes them, temps that must be stored)."""
    outside = {v for v in program.outvars if type(v) is Var}
    outside.update(v for _, v in getattr(program, "writebacks", ()))
    materialize = set()
    for item in items:
        if item[0] == "py":
            e = item[1]
            outside.update(a for a in (e.ins if type(e) is Eqn else [e.var]) if type(a) is Var)
            continue
        k = item[1]
        for n, (_, ops) in enumerate(k.nests):
            for _, e in ops:
                for a in e.ins:
                    w = loc.get(a) if type(a) is Var else None
                    if w is None:
                        continue
                    if w[0] is not k:
                        outside.add(a)
                    elif w[2] == "temp" and w[1] != n:
                        materialize.add(a)
        for e in k.aliases:
            w = loc.get(e.ins[0])
            if w is not None and w[0] is not k:
                outside.add(e.ins[0])
            elif w is not None and w[2] == "temp":
                materialize.add(e.ins[0])
    for k in kernels:  # an alias read outside is computed there, from its input
        for e in reversed(k.aliases):
            if e.outs[0] in outside:
                outside.add(e.ins[0])
    materialize.update(v for v, w in loc.items() if w[2] == "temp" and v in outside)
    return outside, materialize
