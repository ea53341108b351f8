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
# smaller arrays come from the allocator's heap without new page faults (and W1's, at
# 256 KiB, kept between calls would add to its peak memory): only in-place writes for them
MIN_BYTES = 1 << 20


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


def plan(program, pinned=()):
    """``(where, views, sizes)``: ``where`` maps a body position to the ``out=`` its result
    is written into (``_b[k]``, view ``k`` of the call's set, or an operand's name),
    ``views[k]`` is ``(slot, shape, dtype)``, ``sizes[slot]`` a slot's size in bytes.

    A result is pooled when a ufunc or a product of matrices makes it, it has at least
    `MIN_BYTES`, it is no input, constant, result or written-back value, and only ufuncs,
    `FRESH` primitives and guards read it (so no view of it escapes).  It takes a free slot
    (growing the largest one if none is big enough), so the slots hold about the peak of
    live pooled bytes.  A ufunc writes into an operand it reads last, of its shape and dtype
    (elementwise, so each element is read before it is written), when that operand is
    pooled, or is a smaller array made the same way and read the same way.  Nothing is
    written over a Var in ``pinned`` (those `tangents.jit.stacking` keeps in rows)."""
    kept = set(program.invars) | set(program.consts) | set(pinned)
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
    own = set()  # values in arrays of their own that nothing else can see
    view_of, where, views, sizes, free = {}, {}, [], [], []
    for i, e in enumerate(program.body):
        out = e.outs[0] if type(e) is Eqn else None
        reads = e.ins if type(e) is Eqn else [e.var]
        if _writes_out(e) and out not in kept and safe.get(out, False):
            own.add(out)
        mine = [a for a in reads if type(a) is Var and a in own and _ufunc(e) and
                last[a] == i and (a.shape, a.dtype) == (out.shape, out.dtype) and
                (a not in view_of or out in own)]  # a kept buffer never leaves as a result
        if mine:  # in place, in an operand read for the last time
            where[i] = f"_b[{view_of[mine[0]]}]" if mine[0] in view_of else repr(mine[0])
            if mine[0] in view_of and out in own:
                view_of[out] = view_of[mine[0]]
        elif out in own and out.dtype.itemsize * int(np.prod(out.shape)) >= MIN_BYTES:
            view_of[out] = len(views)
            views.append((_slot(free, sizes, out.dtype.itemsize * int(np.prod(out.shape))),
                          out.shape, out.dtype))
            where[i] = f"_b[{view_of[out]}]"
        for a in dict.fromkeys(a for a in reads if type(a) is Var and a in view_of and
                               last[a] == i):
            if view_of[a] != view_of.get(out):
                free.append(views[view_of[a]][0])
    return where, views, sizes


def _slot(free, sizes, nbytes):
    """A slot of at least ``nbytes``: the smallest free one that fits, else the largest free
    one grown, else a new one."""
    fits = [k for k in free if sizes[k] >= nbytes]
    if fits or free:
        k = min(fits, key=sizes.__getitem__) if fits else max(free, key=sizes.__getitem__)
        free.remove(k)
        sizes[k] = max(sizes[k], nbytes)
        return k
    sizes.append(nbytes)
    return len(sizes) - 1


class Pool:
    """Sets of buffers, one per call in progress: ``sizes`` bytes per slot, and the arrays
    ``views`` (slot, shape, dtype) on them that the program writes into; a set ends with
    ``extra()`` when it is given (the stacked rows of `tangents.jit.stacking`)."""

    __slots__ = ("views", "sizes", "free", "extra")

    def __init__(self, views, sizes, extra=None):
        self.views, self.sizes = list(views), list(sizes)
        self.free = []
        self.extra = extra

    def take(self):
        try:
            return self.free.pop()  # atomic: two threads never get one set
        except IndexError:
            slots = [np.empty(n, np.uint8) for n in self.sizes]
            views = [slots[k][:dtype.itemsize * int(np.prod(shape))].view(dtype).reshape(shape)
                     for k, shape, dtype in self.views]
            return views if self.extra is None else [*views, self.extra()]

    def give(self, buffers):
        if len(self.free) < _KEEP:
            self.free.append(buffers)
