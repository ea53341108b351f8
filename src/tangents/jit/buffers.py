"""Buffers that the NumPy executor's intermediates keep from one call of a program to the next.

A fresh large NumPy array costs a page fault per 4 KiB page the first time it is written,
and the C allocator gives big blocks back to the system when they are freed, so a program
that makes a dozen 4 MiB intermediates pays those faults again on every call (W6, a PINN
on 10,000 points: 6.8 ms of arithmetic and 15 ms of CPU per call).  Here each result of a
ufunc or of a product of matrices that only ufuncs, products and reductions read is
written with ``out=`` into a slot of a set of buffers kept between calls; slots are shared
by values whose lifetimes do not overlap, so a set holds as much as the program's peak of
such live values.  A call takes a set from the pool (or makes one) and gives it back when
it returns, so threads never share one.
"""
from __future__ import annotations

import numpy as np

from .ir import Eqn, Var

__all__ = ["plan", "Pool"]

# primitives that return a new array, never a view of an operand, so an operand in a slot
# may be overwritten once they ran
FRESH = frozenset({"matmul", "diagonal_matmul", "sum", "log_softmax"})
_KEEP = 4  # sets kept for threads that call at once


def _ufunc(e):
    return type(e) is Eqn and type(e.prim.impl) is np.ufunc and not e.params and \
        e.prim.impl.nout == 1 and e.outs[0].shape != ()


def _matrix_product(e):
    # np.matmul(x, y, out=) is the same BLAS call as matmul's impl for at most 2-d operands
    return type(e) is Eqn and e.prim.name == "matmul" and not e.params and \
        e.outs[0].shape != () and all(type(a) is Var and len(a.shape) <= 2 for a in e.ins)


def _writes_out(e):
    """Whether equation ``e`` can write its result into a given buffer (``out=``)."""
    return _ufunc(e) or _matrix_product(e)


def plan(program):
    """``({body position: slot}, [(shape, dtype) of each slot])``: where each pooled
    result goes.  A result is pooled when a ufunc or a product of matrices makes it, it is
    no input, constant, result or written-back value, and only ufuncs, `FRESH` primitives
    and guards read it.
    A ufunc may write into the slot of an operand it reads last (the same shape, dtype:
    elementwise, so each element is read before it is written)."""
    kept = set(program.invars) | set(program.consts)
    kept.update(v for v in program.outvars if type(v) is Var)
    kept.update(v for _, v in getattr(program, "writebacks", ()))
    last, safe = {}, {}
    for i, e in enumerate(program.body):
        reads = e.ins if type(e) is Eqn else [e.var]
        ok = type(e) is not Eqn or _ufunc(e) or e.prim.name in FRESH
        for a in reads:
            if type(a) is Var:
                last[a] = i
                safe[a] = safe.get(a, True) and ok
    slot_of, where, specs, free = {}, {}, [], {}
    for i, e in enumerate(program.body):
        out = e.outs[0] if type(e) is Eqn else None
        reads = e.ins if type(e) is Eqn else [e.var]
        if _writes_out(e) and out not in kept and safe.get(out, False):
            key = (out.shape, out.dtype)
            mine = [a for a in e.ins if type(a) is Var and a in slot_of and _ufunc(e) and
                    last[a] == i and (a.shape, a.dtype) == key]
            if mine:  # in place, in the slot of an operand read for the last time
                slot = slot_of[mine[0]]
            elif free.get(key):
                slot = free[key].pop()
            else:
                slot = len(specs)
                specs.append(key)
            slot_of[out] = where[i] = slot
        for a in dict.fromkeys(a for a in reads if type(a) is Var and a in slot_of and
                               last[a] == i):
            if slot_of[a] != slot_of.get(out):
                free.setdefault((a.shape, a.dtype), []).append(slot_of[a])
    return where, specs


class Pool:
    """Sets of buffers of the shapes and dtypes ``specs``, one per call in progress."""

    __slots__ = ("specs", "free")

    def __init__(self, specs):
        self.specs = list(specs)
        self.free = []

    def take(self):
        try:
            return self.free.pop()  # atomic: two threads never get one set
        except IndexError:
            return [np.empty(shape, dtype) for shape, dtype in self.specs]

    def give(self, buffers):
        if len(self.free) < _KEEP:
            self.free.append(buffers)
