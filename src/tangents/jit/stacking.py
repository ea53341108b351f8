"""Fewer NumPy calls for small arrays in the NumPy executor: values stacked as rows of one buffer.

A ufunc call on a few elements costs its fixed overhead (~250 ns on 8 float64s), not its
arithmetic, so a program of small arrays runs as fast as it makes few calls.  Two rewrites of
the NumPy executor's plan, each only over arrays of at most `SMALL` elements:

- **batching**: calls of one unary ufunc on operands of one shape and dtype, none of which
  needs another's result, become one call on a ``(n, *shape)`` buffer whose rows are the
  operands (grad's backward pass calls ``cos`` once per ``sin`` of the forward pass).  An
  operand's producer writes it straight into its row (``out=``), so the stack costs no copy;
- **reduction chains**: ``g1 = f0 * f1, g2 = g1 * f2, ...`` (or ``+``) whose intermediates
  nothing else reads become one ``np.multiply.reduce`` over a buffer whose rows are
  ``f0, f1, ...`` in the chain's order.  A batched call whose results are factors writes
  into those rows, and constant factors fill theirs once, when a call's buffers are made.

The buffers are made once per set of the executor's `Pool` (one set per call in progress),
with the row views the generated code names (``_r[k]``).  The values and their order of
operations are the program's own: a reduction over axis 0 of a C-contiguous buffer combines
its rows first to last when they hold two elements or more (NumPy's loop over the reduced
axis is then the outer one), which is the chain's order.
"""
from __future__ import annotations

import math

import numpy as np

from .buffers import FRESH, _ufunc
from .ir import Eqn, Var

__all__ = ["SMALL", "Stacked", "stack_small", "small_operand"]

SMALL = 256  # elements: below this a ufunc call costs about its fixed overhead
# links a chain saves beyond its copies: a reduce over a few rows of 8 float64s costs about
# three small multiplies (2.4-2.8 against 0.9 us, loaded), and 0.07 of one per row
_MIN_LINKS = 4
_REDUCE = {"multiply": np.multiply, "add": np.add}
_NUMBERS = (int, float, complex)
# ufuncs that give the same bits for a Python number or an array of it (correctly rounded)
_EXACT = frozenset({np.add, np.subtract, np.multiply, np.true_divide, np.maximum, np.minimum,
                    np.greater, np.greater_equal, np.less, np.less_equal, np.equal,
                    np.not_equal})


def small_operand(e, j):
    """Operand ``j`` of equation ``e`` as the executor passes it: a Python number of a small
    elementwise call becomes an array of the call's shape and loop dtype, made once (a ufunc
    converts a Python number on every call: 430 against 250 ns for 8 float64s)."""
    a, ufunc = e.ins[j], e.prim.impl
    if type(a) not in _NUMBERS or ufunc not in _EXACT or e.params or len(e.ins) != 2 or \
            not 0 < _size(e.outs[0]) <= SMALL or \
            not all(type(x) is Var or type(x) in _NUMBERS for x in e.ins):
        return a
    try:  # the dtypes of the loop NumPy picks, a Python number counting as weak
        loop = ufunc.resolve_dtypes(tuple(x.dtype if type(x) is Var else type(x)
                                          for x in e.ins) + (None,))
        return np.full(e.outs[0].shape, a, loop[j])
    except (TypeError, ValueError, OverflowError):  # no loop, or out of the dtype's range
        return a


def _size(v):
    return math.prod(v.shape) if v.shape != () else 0


class Stacked:
    """The rewrite of one program: ``pinned`` (Vars that live in rows, or that moved reads
    must find unchanged: the buffer plan never writes over them), ``into`` (body position ->
    the row its result is written into), ``drop`` (body positions not emitted), ``before``
    (body position -> lines emitted before it), ``ns`` (names those lines use)."""

    def __init__(self):
        self.pinned, self.into, self.drop, self.before = set(), {}, set(), {}
        self.ns = {"_copyto": np.copyto}
        self.fed = set()  # (chain, row): rows a batched call writes
        self._buffers, self._fills, self._refs = [], [], []

    def make(self):
        """One call's buffers: the list that the generated code names ``_r``."""
        bufs = [np.empty(shape, dtype) for shape, dtype in self._buffers]
        for b, row, value in self._fills:
            bufs[b][row] = value
        return [bufs[b][index] for b, index in self._refs]

    def _buffer(self, n, var):
        self._buffers.append(((n, *var.shape), var.dtype))
        return len(self._buffers) - 1

    def _ref(self, b, index=()):
        self._refs.append((b, index))
        return f"_r[{len(self._refs) - 1}]"

    def _emit(self, i, line):
        self.before.setdefault(i, []).append(line)


class _Uses:
    """Who reads and makes each Var of ``program``."""

    def __init__(self, program):
        self.program = program
        self.kept = set(program.invars) | set(program.consts)
        self.kept.update(v for v in program.outvars if type(v) is Var)
        self.kept.update(v for _, v in getattr(program, "writebacks", ()))
        self.readers, self.prod = {}, {}
        for i, e in enumerate(program.body):
            for a in (e.ins if type(e) is Eqn else [e.var]):
                if type(a) is Var:
                    self.readers.setdefault(a, []).append(i)
            if type(e) is Eqn:
                for v in e.outs:
                    self.prod[v] = i

    def first_use(self, v):
        return min(self.readers.get(v, [len(self.program.body)]))

    def safe(self, v, dropped=()):
        """Whether no reader of ``v`` can make a view of it that outlives the call (a row of
        a kept buffer must not leave as a result)."""
        body = self.program.body
        return v not in self.kept and all(
            i in dropped or type(body[i]) is not Eqn or _ufunc(body[i]) or
            body[i].prim.name in FRESH for i in self.readers.get(v, ()))


def _unary(e, uses):
    if type(e) is not Eqn or type(e.prim.impl) is not np.ufunc or e.params or \
            e.prim.impl.nin != 1 or e.prim.impl.nout != 1 or len(e.ins) != 1:
        return False
    x, y = e.ins[0], e.outs[0]
    return type(x) is Var and x.shape == y.shape and 2 <= _size(y) <= SMALL and \
        uses.safe(y)


def _groups(program, uses):
    """Lists of body positions of unary ufunc calls that can run as one call: same ufunc,
    shapes and dtypes, and every operand made before any result is read (so none needs
    another's result).  Each list's call sits before the first read of its results."""
    open_, done = {}, []
    for i, e in enumerate(program.body):
        if not _unary(e, uses):
            continue
        x, y = e.ins[0], e.outs[0]
        key = (e.prim.impl, x.shape, x.dtype, y.dtype)
        made = uses.prod.get(x, -1)
        g = open_.get(key)
        if g is not None and max(g[0], made) < min(g[1], uses.first_use(y)):
            g[0], g[1] = max(g[0], made), min(g[1], uses.first_use(y))
            g[2].append(i)
            continue
        if g is not None and len(g[2]) > 1:
            done.append(g[2])
        open_[key] = [made, uses.first_use(y), [i]]
    done.extend(g[2] for g in open_.values() if len(g[2]) > 1)
    return done


def _scheduled(groups, uses):
    """``groups`` without the members whose operand a batched call makes no earlier than
    their own (the operand is then another member's result, its own group's or one whose
    call comes later): dropping members only moves a call later, so this ends."""
    body = uses.program.body
    while True:
        at = [min(uses.first_use(body[i].outs[0]) for i in g) for g in groups]
        made = {body[i].outs[0]: p for g, p in zip(groups, at) for i in g}
        kept = [[i for i in g if made.get(body[i].ins[0], -1) < p] for g, p in zip(groups, at)]
        if kept == groups:
            return groups
        groups = [g for g in kept if len(g) > 1]


def _link(e, program):
    """The reduction ufunc of equation ``e`` when it can be a link of a chain: a product or sum
    of two operands of its result's shape and dtype, or constants that broadcast to it."""
    if type(e) is not Eqn or e.prim.name not in _REDUCE or e.params or len(e.ins) != 2 or \
            e.prim.impl is not _REDUCE[e.prim.name]:
        return None
    y = e.outs[0]
    if y.dtype.char not in "fdFD" or not 2 <= _size(y) <= SMALL:  # float16 sums in float32
        return None
    for a in e.ins:
        if type(a) is Var and a not in program.consts:
            if (a.shape, a.dtype) != (y.shape, y.dtype):
                return None
        elif _constant(a, y, program) is None:
            return None
    return _REDUCE[e.prim.name]


def _constant(a, y, program):
    """``a``'s value as a row of ``y``'s shape and dtype, or None when it does not fit one."""
    c = program.consts[a] if type(a) is Var else a
    if type(c) is bool or not isinstance(c, (int, float, complex, np.ndarray, np.generic)):
        return None
    try:
        if np.result_type(y.dtype, c) != y.dtype or \
                np.broadcast_shapes(np.shape(c), y.shape) != y.shape:
            return None
    except (TypeError, ValueError):
        return None
    return c


def _chains(program, uses):
    """Chains as (reduce ufunc, body positions of the links in order, operands in order): each
    link after the first reads the previous link's result, which nothing else reads."""
    body = program.body
    kinds = {i: _link(e, program) for i, e in enumerate(body)}
    parent, has_child = {}, set()
    for i, e in enumerate(body):
        if kinds[i] is None:
            continue
        for a in e.ins:
            p = uses.prod.get(a) if type(a) is Var and a not in uses.kept else None
            if p is not None and kinds.get(p) is kinds[i] and uses.readers[a] == [i]:
                parent[i] = p
                has_child.add(p)
                break
    chains = []
    for root in sorted(parent):
        if root in has_child:
            continue
        links = [root]
        while links[-1] in parent:
            links.append(parent[links[-1]])
        links.reverse()
        if len(links) < _MIN_LINKS:
            continue
        operands = list(body[links[0]].ins)
        for prev, i in zip(links, links[1:]):
            inner = body[prev].outs[0]
            rest = list(body[i].ins)
            rest.remove(inner)
            operands.append(rest[0])
        chains.append((kinds[root], links, operands))
    return chains


def _homeable(v, uses, dropped):
    """Whether ``v``'s producer can write it straight into a row: a ufunc call that stays."""
    p = uses.prod.get(v)
    return p is not None and p not in dropped and _ufunc(uses.program.body[p]) and \
        uses.safe(v, dropped)


def stack_small(program):
    """The `Stacked` rewrite of ``program`` for the NumPy executor, or None when nothing in
    it is worth stacking."""
    uses = _Uses(program)
    body = program.body
    chains = _chains(program, uses)
    dropped = {i for _, links, _ in chains for i in links}
    groups = []
    for g in _scheduled(_groups(program, uses), uses):
        # each operand that cannot be written into its row costs a copy
        gone = dropped | set(g)
        copies = sum(not _homeable(body[i].ins[0], uses, gone) for i in g)
        if len(g) - 1 - copies >= 1:
            groups.append(g)
            dropped.update(g)
    made_by_groups = {body[i].outs[0] for g in groups for i in g}
    kept_chains = []
    for chain in chains:
        leaves = [a for a in chain[2] if type(a) is Var and a not in program.consts]
        copies = len(leaves) - len(set(leaves)) + sum(  # a value twice needs a copy
            a not in made_by_groups and not _homeable(a, uses, dropped) for a in set(leaves))
        if len(chain[1]) - copies >= _MIN_LINKS:
            kept_chains.append(chain)
        else:
            dropped.difference_update(chain[1])
    if not groups and not kept_chains:
        return None
    st = Stacked()
    st.drop = dropped
    bufs = [st._buffer(len(operands), body[links[-1]].outs[0])
            for _, links, operands in kept_chains]
    homed = set()
    for k, g in enumerate(groups):
        _emit_group(st, k, g, kept_chains, bufs, uses, homed)
    for k, ((ufunc, links, operands), b) in enumerate(zip(kept_chains, bufs)):
        _emit_chain(st, k, ufunc, links, operands, b, uses, homed)
    return st


def _feed(g, chains, uses):
    """(chain number, rows) when the results of group ``g`` are operands of one chain, once
    each, at rows evenly spaced (so the batched call can write into a slice of its buffer),
    in the order of the rows; else None."""
    ys = {uses.program.body[i].outs[0] for i in g}
    for c, (_, _, operands) in enumerate(chains):
        rows = [r for r, a in enumerate(operands) if type(a) is Var and a in ys]
        if len(rows) == len(ys) and {operands[r] for r in rows} == ys:
            step = rows[1] - rows[0]
            if all(b - a == step for a, b in zip(rows, rows[1:])):
                return c, rows
    return None


def _emit_group(st, k, g, chains, bufs, uses, homed):
    body, dropped = uses.program.body, st.drop
    at = min(uses.first_use(body[i].outs[0]) for i in g)
    feed = _feed(g, chains, uses)
    if feed is not None:  # members in the order of their rows
        c, rows = feed
        operands = chains[c][2]
        g = [uses.prod[operands[r]] for r in rows]
        out = st._ref(bufs[c], slice(rows[0], rows[-1] + 1, rows[1] - rows[0]))
        homes = [st._ref(bufs[c], r) for r in rows]
        links = set(chains[c][1])
        st.fed.update((c, r) for r in rows)
    else:
        y = st._buffer(len(g), body[g[0]].outs[0])
        out = st._ref(y)
        homes = [st._ref(y, j) for j in range(len(g))]
        links = set()
    x = st._buffer(len(g), body[g[0]].ins[0])
    for j, i in enumerate(g):
        a = body[i].ins[0]
        row = st._ref(x, j)
        if a not in homed and _homeable(a, uses, dropped):
            st.into[uses.prod[a]] = row
            homed.add(a)
        else:
            st._emit(at, f"_copyto({row}, {a!r})")
        st.pinned.add(a)
    st.ns[f"_u{k}"] = body[g[0]].prim.impl
    st._emit(at, f"_u{k}({st._ref(x)}, {out})")
    for i, home in zip(g, homes):
        y = body[i].outs[0]
        st.pinned.add(y)
        homed.add(y)
        if not set(uses.readers.get(y, ())) <= links:
            st._emit(at, f"{y!r} = {home}")


def _emit_chain(st, k, ufunc, links, operands, b, uses, homed):
    fill = uses.program.body[links[-1]].outs[0]
    for r, a in enumerate(operands):
        at = links[max(r - 1, 0)]  # where the chain read it
        if type(a) is not Var or a in uses.program.consts:
            st._fills.append((b, r, _constant(a, fill, uses.program)))
            continue
        st.pinned.add(a)
        if (k, r) in st.fed:
            continue  # a batched call writes it into its row
        row = st._ref(b, r)
        if a not in homed and _homeable(a, uses, st.drop):
            st.into[uses.prod[a]] = row
            homed.add(a)
        else:
            st._emit(at, f"_copyto({row}, {a!r})")
    st.ns[f"_c{k}"] = ufunc.reduce
    st._emit(links[-1], f"{fill!r} = _c{k}({st._ref(b)}, 0)")
