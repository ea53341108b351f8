"""Layout rewrites of the simplifier: elementwise work done in the order its operands lie in.

Reverse and forward passes multiply by transposed matrices: the Hessian of ``f(X @ w)``
scales the columns of ``X.T`` (a transposed view of a captured constant) by a vector and
multiplies the result with ``X``.  An elementwise loop over a C-ordered result then reads
its operand across rows, a stride of a whole row per element, and its vector is read along
the inner axis, so the loop cannot run by rows either.  When every full-size operand of an
elementwise equation is a transpose and a matrix product is all that reads the result, the
equation is computed on the untransposed operands (``X * s[:, None]``) and its result
transposed, which a matrix product reads at no cost (BLAS takes the transposed layout).
Each element is the same operation on the same numbers, so the bits are the same.

`transposed_operands` returns the equations of a program body with these rewrites.
"""
from __future__ import annotations

import numpy as np

from ..core import registry
from .ir import Eqn, Var

__all__ = ["transposed_operands"]


def transposed_operands(body, consts, roots, fresh):
    """``body`` with each elementwise equation on transposed matrices that only matrix
    products read computed in its operands' layout and transposed after.  ``consts`` (Var ->
    value) gains the untransposed views of transposed constants; ``roots`` are the Vars read
    after the body (outputs, written-back arguments); ``fresh(shape, dtype)`` makes a Var."""
    made_by, readers = {}, {}
    for e in body:
        if type(e) is not Eqn:
            readers.setdefault(e.var, []).append(None)
            continue
        for v in e.outs:
            made_by[v] = e
        for a in e.ins:
            if type(a) is Var:
                readers.setdefault(a, []).append(e)
    roots = set(roots)
    views = {}  # a transposed constant's Var -> the Var of its untransposed view
    out = []
    for e in body:
        moved = None
        if type(e) is Eqn and e.outs[0] not in roots and _only_products(readers, e.outs[0]):
            moved = _untransposed(e, consts, made_by, views, fresh)
        if moved is None:
            out.append(e)
            continue
        reshapes, ins = moved
        (n, m), dtype = e.outs[0].shape, e.outs[0].dtype
        t = fresh((m, n), dtype)
        out += reshapes
        out.append(Eqn(e.prim, ins, {}, [t]))
        out.append(Eqn(registry["transpose"], [t], {"axes": (1, 0)}, e.outs))
    return out


def _only_products(readers, v):
    seen = readers.get(v, ())
    return bool(seen) and all(r is not None and r.prim.name == "matmul" for r in seen)


def _untransposed(e, consts, made_by, views, fresh):
    """(reshapes, operands): the operands of ``e`` (an elementwise NumPy ufunc with a
    matrix result) in the transposed layout, rows and columns turned by the reshape
    equations; None when some full-size operand is not a transpose."""
    if type(e.prim.impl) is not np.ufunc or e.params or len(e.outs) != 1:
        return None
    out = e.outs[0]
    if len(out.shape) != 2 or 1 in out.shape:
        return None
    n, m = out.shape
    ins, reshapes, full = [], [], 0
    for a in e.ins:
        if type(a) is not Var:
            if type(a) not in (int, float, bool):
                return None
            ins.append(a)
            continue
        shape = (1,) * (2 - len(a.shape)) + a.shape
        if len(a.shape) > 2 or shape[0] not in (1, n) or shape[1] not in (1, m):
            return None
        if shape == (n, m):
            x = _transposed_source(a, consts, made_by, views, fresh)
            if x is None:
                return None
            ins.append(x)
            full += 1
        elif shape == (1, 1):
            ins.append(a)
        else:  # a row or a column: the other one in the new layout
            v = fresh(shape[::-1], a.dtype)
            ins.append(v)
            reshapes.append(Eqn(registry["reshape"], [a], {"shape": shape[::-1]}, [v]))
    return (reshapes, ins) if full else None


def _transposed_source(a, consts, made_by, views, fresh):
    """The matrix whose transpose ``a`` is, or None."""
    if a in consts:
        c = consts[a]
        if type(c) is not np.ndarray or c.flags.c_contiguous or not c.flags.f_contiguous:
            return None
        if a not in views:
            views[a] = fresh(c.shape[::-1], c.dtype)
            consts[views[a]] = c.T  # a view: the same memory as the captured array
        return views[a]
    inner = made_by.get(a)
    if inner is None or inner.prim.name != "transpose" or type(inner.ins[0]) is not Var or \
            inner.params.get("axes") not in (None, (1, 0)):
        return None
    return inner.ins[0]
