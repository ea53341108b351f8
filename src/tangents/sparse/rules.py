"""Precise sparsity rules of the main primitive families, registered onto the primitives
by name when tangents.sparse is imported (elementwise primitives from the builder already
have the union rule; everything else keeps the dense default, which is always correct).

A rule ``rule(op) -> pattern`` reads `pattern.Op`; linear rules report no interactions.
"""
from __future__ import annotations

import math

import numpy as np

from ..core import registry
from . import pattern as pt

__all__ = ["COVERAGE", "register"]


def _union_rule(kind):
    """Elementwise with broadcasting; ``kind`` says what second derivatives couple:
    'linear' nothing, 'bilinear' x with y (x * y), 'second' everything with the second
    argument (x / y: d2/dx2 = 0), 'nonlinear' everything."""
    def rule(op):
        used = op.differentiated()
        pats = {i: op.broadcast(i) for i in used}
        out = pt.union(*pats.values())
        if kind == "nonlinear":
            op.interact(out)
        elif kind == "bilinear" and len(pats) == 2:
            op.interact(pats[used[0]], pats[used[1]])
        elif kind == "bilinear" and len(pats) == 1 and not op.tainted[1 - used[0]]:
            # times a constant: its zeros are structural, as in matmul
            zero = np.broadcast_to(np.asarray(op.vals[1 - used[0]]) == 0, np.shape(op.ans))
            if zero.any():
                out = _drop_rows(out, zero.ravel())
        elif kind == "second" and 1 in pats:
            op.interact(out, pats[1])
        return out
    return rule


def _probe_rule(moved):
    """Data movement (reshape, transpose, slicing, concatenation, ...): the implementation
    applied to element numbers says which element each answer element is."""
    def rule(op):
        if any(op.tainted[i] for i in range(len(op.vals)) if i not in moved(op)):
            return op.dense()  # indices computed from the inputs: any element may be chosen
        sizes, probes, offset = [], list(op.vals), 0
        for i in moved(op):
            shape = np.shape(op.vals[i])
            size = math.prod(shape)
            # numbered from 1, so that a 0 the operation fills in reads as "no element"
            probes[i] = np.arange(offset + 1, offset + size + 1).reshape(shape)
            sizes.append((i, size))
            offset += size
        stacked = pt.sparse().vstack(
            [pt.empty(s, op.n) if op.pats[i] is None else op.pats[i] for i, s in sizes],
            format="csr")
        src = op.prim.impl(*probes, **op.params)
        if op.prim.multiple_results:
            return [_picked(stacked, s) for s in src]
        return _picked(stacked, src)
    return rule


def _picked(stacked, src):
    """Rows ``src - 1`` of ``stacked``, empty where ``src`` is 0."""
    src = np.asarray(src).astype(np.intp).ravel()
    found = src > 0
    out = pt.gather(stacked, np.where(found, src - 1, 0))
    return out if found.all() else _drop_rows(out, ~found)


def _drop_rows(m, drop):
    """``m`` with the rows where ``drop`` is set emptied."""
    out = (pt.sparse().diags_array(~drop, format="csr", dtype=bool) @ m).tocsr()
    out.eliminate_zeros()
    return out


def _add_at(op):
    # the transpose of getitem: each cotangent element lands on the element it was read from
    ct, dyn = op.pats[0], op.vals[1:]
    if any(op.tainted[1:]):
        return op.dense()
    shape = op.params["shape"]
    size = math.prod(shape)
    tgt = registry["getitem"].impl(np.arange(size).reshape(shape), *dyn, idx=op.params["idx"])
    tgt = np.broadcast_to(tgt, np.shape(op.vals[0]))
    return pt.scatter(ct, tgt, size)


def _reduce_rule(nonlinear, same_shape=False):
    """A reduction over ``axis``: each answer element is the union of its group; with
    ``same_shape`` (softmax) every element of a group gets the group's union."""
    def rule(op):
        shape = np.shape(op.vals[0])
        grp, count = pt.groups(shape, op.params.get("axis"))
        g = pt.scatter(op.pats[0], grp, count)
        if nonlinear:
            op.interact(g)
        return pt.gather(g, grp) if same_shape else g
    return rule


def _cumulative_rule(nonlinear):
    """Element j of a lane depends on elements 0..j of it (j..end when reversed)."""
    def rule(op):
        shape = np.shape(op.vals[0])
        axis = op.params["axis"]
        axis = (axis[0] if isinstance(axis, tuple) else axis) % len(shape)
        lanes = np.moveaxis(np.arange(math.prod(shape)).reshape(shape), axis, -1)
        lanes = lanes.reshape(-1, shape[axis])
        hi, lo = np.tril_indices(shape[axis])
        if op.params.get("reverse", False):
            hi, lo = lo, hi
        s = pt.sparse().csr_array(
            (np.ones(lanes.shape[0] * hi.size, bool),
             (lanes[:, hi].ravel(), lanes[:, lo].ravel())), shape=(lanes.size, lanes.size))
        out = s @ op.pats[0]
        if nonlinear:
            op.interact(out)
        return out
    return rule


def _matmul(op):
    """``x @ y`` for operands of at most two axes: answer (i, j) depends on x[i, l] and
    y[l, j] for the l where the other operand is not a constant zero."""
    x, y = op.vals
    if np.ndim(x) > 2 or np.ndim(y) > 2 or np.ndim(x) == 0 or np.ndim(y) == 0:
        return op.dense()
    sp = pt.sparse()
    xs = np.reshape(x, (1, -1)) if np.ndim(x) == 1 else x
    ys = np.reshape(y, (-1, 1)) if np.ndim(y) == 1 else y
    (m, k), p = np.shape(xs), np.shape(ys)[1]
    px, py = op.pats
    out = None
    if px is not None:
        mask_y = np.ones((k, p), bool) if py is not None else np.asarray(ys) != 0
        out = (sp.kron(sp.identity(m, dtype=bool), sp.csr_array(mask_y.T), format="csr")
               @ px)
    if py is not None:
        mask_x = np.ones((m, k), bool) if px is not None else np.asarray(xs) != 0
        out = pt.union(out, sp.kron(sp.csr_array(mask_x), sp.identity(p, dtype=bool),
                                    format="csr") @ py)
    if px is not None and py is not None and op.pairs is not None:
        # x[i, l] couples with y[l, j] for every i, j: group both by l
        cx = pt.scatter(px, np.tile(np.arange(k), m), k)
        cy = pt.scatter(py, np.repeat(np.arange(k), p), k)
        op.interact(cx, cy)
    return out


def _empty(op):
    results = op.ans if op.prim.multiple_results else [op.ans]
    outs = [None for _ in results]
    return outs if op.prim.multiple_results else outs[0]


_FIRST = lambda op: (0,)  # noqa: E731 - the moved argument of getitem, reshape, ...
_ALL = lambda op: tuple(range(len(op.vals)))  # noqa: E731

RULES = {
    **{name: _union_rule("linear") for name in (
        "add", "subtract", "negative", "real", "imag", "conj", "astype", "copy", "deg2rad",
        "rad2deg", "where", "zero_where", "maximum", "minimum", "fmax", "fmin",
        "relu")},
    "multiply": _union_rule("bilinear"),
    "absolute": lambda op: _union_rule(
        "nonlinear" if np.iscomplexobj(op.vals[0]) else "linear")(op),  # |z| is not linear
    "divide": _union_rule("second"),
    **{name: _probe_rule(_FIRST) for name in (
        "reshape", "transpose", "broadcast_to", "getitem", "diagonal", "split")},
    "concatenate": _probe_rule(_ALL),
    "embed_diagonal": _probe_rule(_FIRST),
    "add_at": _add_at,
    "sum": _reduce_rule(False),
    "amax": _reduce_rule(False),
    "amin": _reduce_rule(False),
    "prod": _reduce_rule(True),
    "logsumexp": _reduce_rule(True),
    "linalg_vector_norm": _reduce_rule(True),
    "softmax": _reduce_rule(True, same_shape=True),
    "log_softmax": _reduce_rule(True, same_shape=True),
    "cumsum": _cumulative_rule(False),
    "cummax": _cumulative_rule(False),
    "cummin": _cumulative_rule(False),
    "cumprod": _cumulative_rule(True),
    "matmul": _matmul,
    "stop_gradient": _empty,
}


def register():
    """Set the rules above on the registered primitives (those of loaded modules)."""
    for name, rule in RULES.items():
        prim = registry.get(name)
        if prim is not None:
            prim.sparsity = rule


def COVERAGE():
    """``{primitive name: 'precise' | 'dense default' | 'no derivative'}``."""
    register()
    return {name: ("no derivative" if not p.differentiable else
                   "dense default" if p.sparsity is None else "precise")
            for name, p in sorted(registry.items())}
