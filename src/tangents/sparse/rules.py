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


def _supports(op, ins, sizes, keep, skip):
    """The assignments of the letters ``keep`` (index arrays, one per letter, and their
    count) for which some assignment of the other letters makes every operand outside
    ``skip`` possibly nonzero: a constant's zeros are structural, a traced value's are not."""
    if 0 in sizes.values():
        return tuple(np.zeros(0, np.intp) for _ in keep), 0
    masks, subs = [], []
    for j, (letters, v) in enumerate(zip(ins, op.vals)):
        if j not in skip and not op.tainted[j]:
            # float32: counts of nonnegative terms, only compared with 0
            masks.append(np.broadcast_to(np.asarray(v) != 0, tuple(
                sizes[c] for c in letters)).astype(np.float32))
            subs.append(letters)
    for c in keep:
        if not any(c in letters for letters in subs):
            masks.append(np.ones(sizes[c], np.float32))  # a letter no constant operand has
            subs.append(c)
    found = (np.einsum(",".join(subs) + "->" + keep, *masks, optimize=True) > 0 if subs
             else np.ones((), bool))
    flat = np.flatnonzero(found)
    return (np.unravel_index(flat, found.shape) if keep else ()), flat.size


def _elements(letters, shape, keep, idx, count):
    """Flat element numbers, in an operand with ``letters`` and ``shape``, of the letter
    assignments ``idx`` over ``keep`` (a length-one axis broadcasts: index 0)."""
    if not shape:
        return np.zeros(count, np.intp)
    at = dict(zip(keep, idx))
    return np.ravel_multi_index([at[c] if d != 1 else np.zeros(count, np.intp)
                                 for c, d in zip(letters, shape)], shape)


def _relation(op, ins, sizes, a, b, skip):
    """Boolean matrix of which elements of ``a`` meet which of ``b`` in some term of the
    contraction; ``a``, ``b`` are (letters, shape) of the answer or of operands."""
    keep = "".join(dict.fromkeys(a[0] + b[0]))
    idx, count = _supports(op, ins, sizes, keep, skip)
    rows = _elements(*a, keep, idx, count)
    cols = _elements(*b, keep, idx, count)
    return pt.sparse().csr_array((np.ones(count, bool), (rows, cols)),
                                 shape=(math.prod(a[1]), math.prod(b[1])))


def _contraction(op, ins, out):
    """Any einsum ``ins -> out`` (one letter per axis, no ellipsis): answer element o depends
    on element e of operand k when some term of the sum holds both and the constant operands
    are not zero there; two traced operands interact where one term holds both (the
    contraction is linear in each operand)."""
    sizes = {}
    for letters, v in zip(ins, op.vals):
        for c, d in zip(letters, np.shape(v)):
            if sizes.get(c, 1) == 1:
                sizes[c] = d
    shapes = [np.shape(v) for v in op.vals]
    answer = (out, np.shape(op.ans))
    used = op.differentiated()
    result = None
    for k in used:
        m = _relation(op, ins, sizes, answer, (ins[k], shapes[k]), {k})
        result = pt.union(result, m @ op.pats[k])
    if op.pairs is not None:
        for i, k in enumerate(used):
            for j in used[i + 1:]:
                c = _relation(op, ins, sizes, (ins[k], shapes[k]), (ins[j], shapes[j]),
                              {k, j})
                # union over terms of x_k[e] x x_j[e']: P_k^T C P_j as rows a^T b
                op.interact(op.pats[k], c @ op.pats[j])
    return result


def _einsum(op):
    ins, out = op.params["subscripts"].split("->")
    return _contraction(op, ins.split(","), out)


def _matmul(op):
    """``x @ y`` as the einsum it is: batch axes broadcast from the right, a 1-D operand
    has no row (column) axis."""
    nx, ny = np.ndim(op.vals[0]), np.ndim(op.vals[1])
    if nx == 0 or ny == 0 or max(nx, ny) > 22:
        return op.dense()
    batch = "abcdefghlmnopqrstuvwxy"[:max(nx, ny, 2) - 2]
    x = batch[len(batch) - max(nx - 2, 0):] + ("ij" if nx > 1 else "j")
    y = batch[len(batch) - max(ny - 2, 0):] + ("jk" if ny > 1 else "j")
    return _contraction(op, [x, y], batch + ("i" if nx > 1 else "") + ("k" if ny > 1 else ""))


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
    "einsum": _einsum,
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
