"""The numba source of one fused kernel (jit/fused.py): its loop nests, the arrays it reads
and writes, and the Python lines that allocate and finish them."""
from __future__ import annotations

import re

import numpy as np

from . import pool
from .contract import nest_lines
from .fusible import (
    ARITH,
    BITWISE,
    BOOL,
    COMPARE,
    F32,
    F64,
    KINDS,
    LOGICAL,
    TESTS,
    alias_map,
    reduced_axes,
)
from .ir import Var

__all__ = ["KernelSource"]

def _literal(x, dt):
    if dt == BOOL:
        return repr(bool(x))
    r = repr(float(x))
    r = {"nan": "np.nan", "inf": "np.inf", "-inf": "(-np.inf)"}.get(r, r)
    return f"np.{dt.name}({r})"


def _cast(name, have, dt):
    if have == dt:
        return name
    if dt == BOOL:
        return f"({name} != 0)"
    return f"np.{dt.name}({name})"


class KernelSource:
    """The numba source of kernel ``k``.  It reads ``args`` (Vars made outside it) and writes
    the arrays that the caller allocates (``allocs``: Python lines, ``outs``: their names);
    ``post`` lines finish its results ``rets`` (the Vars read after it).  Each Var of ``screen``
    that it stores element by element is also tested for NaN as it is stored (`_flag_nan`)."""

    def __init__(self, k, loc, outside, materialize, screen=frozenset()):
        self.k, self.loc, self.materialize, self.screen = k, loc, materialize, screen
        self.flagged = []  # the Vars of screen that the NaN flag covers
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
            m = alias_map(e)
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
        # row blocks on the pool's threads (else one call over every row)
        self.threaded = bool(self.rows) and self.size >= pool.PARALLEL_MIN and pool.threads() > 1
        self.blocks = self.rows if self.threaded else 1  # entries of each flag array
        if self.flagged:
            self._flag_nan()
        self._flag_fp()
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

    def _flag_nan(self):
        """Whether the `flagged` outputs hold a NaN, found as the kernel writes them: each row
        block ``lo..hi`` sets ``nanflag[lo]`` (one entry per row, made by the caller).  It is
        an OR of ``t != t``, which does not depend on the order of the elements, so it
        vectorises with the stores; a NaN-propagating max over the written arrays costs as
        much as reading them again."""
        self.lines = ["    nf = False"] + self.lines + ["    nanflag[lo] = nf"]
        py = f"_nf{self.k.number}"
        self.allocs.append(f"{py} = np.zeros({self.blocks}, np.bool_)")
        self.outs.append((py, "nanflag"))

    def _flag_fp(self):
        """Each row block's floating-point exception flags (jit/fpstatus.py), cleared before
        its loops and read after them into ``fpflag[lo]``, so that jit/fperrors.py can tell
        what NumPy would have reported."""
        self.lines = ["    _fp_status()"] + self.lines + ["    fpflag[lo] = _fp_status()"]
        py = f"_ff{self.k.number}"
        self.allocs.append(f"{py} = np.zeros({self.blocks}, np.uint32)")
        self.outs.append((py, "fpflag"))

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
                reduced.update(reduced_axes(e.params["axis"], nd))
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
                if out in self.screen:
                    body.append(f"nf |= t{out.id} != t{out.id}")
                    self.flagged.append(out)
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
            c, x, y = (_operand(o, dt) for o, dt in zip(ops, (BOOL, out.dtype, out.dtype)))
            return f"({x} if {c} else {y})"
        if name in ARITH:
            work = out.dtype
        elif name in LOGICAL or name in BITWISE:
            work = BOOL
        else:  # comparisons and tests: NumPy's common type, Python numbers weak
            work = np.result_type(*[dt if dt is not None else o for o, dt in ops])
            if work not in KINDS:
                work = F64
        args = [_operand(o, work) for o in ops]
        if name in COMPARE:
            return f"({args[0]} {COMPARE[name]} {args[1]})"
        for table in (ARITH, LOGICAL, BITWISE, TESTS):
            if name in table:
                return table[name].format(**dict(zip("ab", args)))

    def _reduce(self, e, shape, loads, body, loops, around):
        x, out = e.ins[0], e.outs[0]
        axes = reduced_axes(e.params["axis"], len(shape))
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
            if out.dtype == F32:  # accumulated in float64, cast back after the kernel
                acc = f"s{out.id}"
                self.sums32.add(out)
                v = f"np.float64({v})"
            self._alloc(out, "zeros", acc="float64" if out.dtype == F32 else None)
            if level is None:
                body.append(f"{acc}{at} += {v}")
                return
            dt = "float64" if out.dtype == F32 else out.dtype.name
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

