"""Builders of sparsity rules, the ``sparsity`` slot of a primitive (`Primitive.def_sparsity`).

A rule ``rule(op) -> pattern`` says which inputs each answer element depends on, from its
arguments' patterns.  ``op`` is the operation as the sparsity interpreter sees it
(`tangents.sparse.pattern.Op`): ``op.vals`` (argument values), ``op.pats`` (their patterns,
None for a constant), ``op.tainted``, ``op.ans``, ``op.params``, ``op.prim`` and
``op.pairs`` (None unless second-order interactions are collected).  A pattern is opaque
here: a boolean matrix with one row per element (C order) and one column per input, made
and combined only through ``op``'s methods (`union`, `gather`, `scatter`, `stack`,
`drop_rows`, `csr`, `dense`, `broadcast`) and ``@`` (row ``i`` of ``a @ b`` is the union of
the rows ``j`` of ``b`` with ``a[i, j]``), so the core needs no sparse library.  A
nonlinear operation reports the input pairs its second derivatives couple with
``op.interact``.  A primitive without a rule gets ``op.dense()``, which is always correct.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["union", "elementwise", "movement", "gather_transpose", "reduction", "cumulative",
           "einsum", "matmul", "groups", "bilinear_terms", "lanes"]

Rule = Callable[[Any], Any]


def union(kind: str) -> Rule:
    """Elementwise with broadcasting: answer element k depends on element k of each
    differentiated argument.  ``kind`` says what second derivatives couple: 'linear'
    nothing, 'bilinear' x with y (x * y), 'second' everything with the second argument
    (x / y: d2/dx2 = 0), 'nonlinear' everything."""
    if kind not in ("linear", "bilinear", "second", "nonlinear"):
        raise ValueError(f"sparsity.union: kind {kind!r} is not one of 'linear', "
                         "'bilinear', 'second', 'nonlinear'")

    def rule(op: Any) -> Any:
        used = op.differentiated()
        pats = {i: op.broadcast(i) for i in used}
        out = op.union(*pats.values())
        if kind == "nonlinear":
            op.interact(out)
        elif kind == "bilinear" and len(pats) == 2:
            op.interact(pats[used[0]], pats[used[1]])
        elif kind == "bilinear" and len(pats) == 1 and not op.tainted[1 - used[0]]:
            # times a constant: its zeros are structural, as in matmul
            zero = np.broadcast_to(np.asarray(op.vals[1 - used[0]]) == 0, np.shape(op.ans))
            if zero.any():
                out = op.drop_rows(out, zero.ravel())
        elif kind == "second" and 1 in pats:
            op.interact(out, pats[1])
        return out
    return rule


elementwise = union("nonlinear")  # the rule builders.elementwise gives every primitive it makes


def movement(moved: Sequence[int] | None = (0,)) -> Rule:
    """Data movement (reshape, transpose, slicing, concatenation, ...): the implementation
    applied to element numbers says which element each answer element is.  ``moved``: the
    positions of the arguments whose elements move (None: all of them); the others are
    indices or sizes, and when they depend on the inputs any element may be chosen."""
    def rule(op: Any) -> Any:
        where = range(len(op.vals)) if moved is None else moved
        if any(op.tainted[i] for i in range(len(op.vals)) if i not in where):
            return op.dense()
        sizes, probes, offset = [], list(op.vals), 0
        for i in where:
            shape = np.shape(op.vals[i])
            size = math.prod(shape)
            # numbered from 1, so that a 0 the operation fills in reads as "no element"
            probes[i] = np.arange(offset + 1, offset + size + 1).reshape(shape)
            sizes.append(size)
            offset += size
        stacked = op.stack([op.pats[i] for i in where], sizes)
        src = op.prim.impl(*probes, **op.params)
        if op.prim.multiple_results:
            return [_picked(op, stacked, s) for s in src]
        return _picked(op, stacked, src)
    return rule


def _picked(op: Any, stacked: Any, src: Any) -> Any:
    """Rows ``src - 1`` of ``stacked``, empty where ``src`` is 0."""
    src = np.asarray(src).astype(np.intp).ravel()
    found = src > 0
    out = op.gather(stacked, np.where(found, src - 1, 0))
    return out if found.all() else op.drop_rows(out, ~found)


def gather_transpose(gather: Callable[..., Any]) -> Rule:
    """The rule of the transpose of a gather (add_at of getitem): each element of argument 0
    lands on the element ``gather(numbers, *args[1:], **params)`` reads it from, in an
    array of ``params['shape']``."""
    def rule(op: Any) -> Any:
        if any(op.tainted[1:]):
            return op.dense()  # indices computed from the inputs
        shape = op.params["shape"]
        size = math.prod(shape)
        params = {k: v for k, v in op.params.items() if k != "shape"}
        tgt = gather(np.arange(size).reshape(shape), *op.vals[1:], **params)
        tgt = np.broadcast_to(tgt, np.shape(op.vals[0]))
        return op.scatter(op.pats[0], tgt, size)
    return rule


def groups(shape: tuple[int, ...], axis: Any) -> tuple[np.ndarray, int]:
    """For a reduction of an array of ``shape`` over ``axis`` (None: all axes): each
    element's output index (C order of the kept axes) and the number of outputs."""
    ndim = len(shape)
    if axis is None:
        axes: tuple[int, ...] = tuple(range(ndim))
    else:
        listed = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        axes = tuple(int(a) % ndim for a in listed) if ndim else ()
    kept = tuple(1 if d in axes else s for d, s in enumerate(shape))
    count = math.prod(kept)
    return np.broadcast_to(np.arange(count).reshape(kept), shape).ravel(), count


def reduction(nonlinear: bool, same_shape: bool = False) -> Rule:
    """A reduction of argument 0 over ``params['axis']``: each answer element is the union of
    its group; with ``same_shape`` (softmax) every element of a group gets the group's."""
    def rule(op: Any) -> Any:
        grp, count = groups(np.shape(op.vals[0]), op.params.get("axis"))
        g = op.scatter(op.pats[0], grp, count)
        if nonlinear:
            op.interact(g)
        return op.gather(g, grp) if same_shape else g
    return rule


def lanes(key: str) -> Rule:
    """A linear map that mixes every lane of argument 0 along the axes ``params[key]`` (a
    Fourier transform): each answer element depends on its whole lane; the answer's length
    along those axes may differ, the other axes are kept."""
    def rule(op: Any) -> Any:
        grp, count = groups(np.shape(op.vals[0]), op.params[key])
        return op.gather(op.scatter(op.pats[0], grp, count),
                         groups(np.shape(op.ans), op.params[key])[0])
    return rule


def cumulative(nonlinear: bool) -> Rule:
    """A scan of argument 0 along ``params['axis']``: element j of a lane depends on elements
    0..j of it (j..end with ``params['reverse']``)."""
    def rule(op: Any) -> Any:
        shape = np.shape(op.vals[0])
        axis = op.params["axis"]
        axis = (axis[0] if isinstance(axis, tuple) else axis) % len(shape)
        lanes = np.moveaxis(np.arange(math.prod(shape)).reshape(shape), axis, -1)
        lanes = lanes.reshape(-1, shape[axis])
        hi, lo = np.tril_indices(shape[axis])
        if op.params.get("reverse", False):
            hi, lo = lo, hi
        scan = op.csr(lanes[:, hi].ravel(), lanes[:, lo].ravel(), (lanes.size, lanes.size))
        out = scan @ op.pats[0]
        if nonlinear:
            op.interact(out)
        return out
    return rule


def _supports(op: Any, ins: list[str], sizes: dict[str, int], keep: str,
              skip: set[int]) -> tuple[Any, int]:
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


def _elements(letters: str, shape: tuple[int, ...], keep: str, idx: Any,
              count: int) -> Any:
    """Flat element numbers, in an operand with ``letters`` and ``shape``, of the letter
    assignments ``idx`` over ``keep`` (a length-one axis broadcasts: index 0)."""
    if not shape:
        return np.zeros(count, np.intp)
    at = dict(zip(keep, idx))
    return np.ravel_multi_index([at[c] if d != 1 else np.zeros(count, np.intp)
                                 for c, d in zip(letters, shape)], shape)


def _relation(op: Any, ins: list[str], sizes: dict[str, int], a: tuple[str, Any],
              b: tuple[str, Any], skip: set[int]) -> Any:
    """Boolean matrix of which elements of ``a`` meet which of ``b`` in some term of the
    contraction; ``a``, ``b`` are (letters, shape) of the answer or of operands."""
    keep = "".join(dict.fromkeys(a[0] + b[0]))
    idx, count = _supports(op, ins, sizes, keep, skip)
    return op.csr(_elements(*a, keep, idx, count), _elements(*b, keep, idx, count),
                  (math.prod(a[1]), math.prod(b[1])))


def _contraction(op: Any, ins: list[str], out: str) -> Any:
    """Any einsum ``ins -> out`` (one letter per axis, no ellipsis): answer element o depends
    on element e of operand k when some term of the sum holds both and the constant operands
    are not zero there; two traced operands interact where one term holds both (the
    contraction is linear in each operand)."""
    sizes: dict[str, int] = {}
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
        result = op.union(result, m @ op.pats[k])
    if op.pairs is None:  # a Jacobian pattern: no second derivatives to collect
        return result
    for i, k in enumerate(used):
        for j in used[i + 1:]:
            c = _relation(op, ins, sizes, (ins[k], shapes[k]), (ins[j], shapes[j]), {k, j})
            # union over terms of x_k[e] x x_j[e']: P_k^T C P_j as rows a^T b
            op.interact(op.pats[k], c @ op.pats[j])
    return result


def einsum(op: Any) -> Any:
    """The rule of einsum with ``params['subscripts']`` in explicit form ``'ij,jk->ik'``."""
    ins, out = op.params["subscripts"].split("->")
    return _contraction(op, ins.split(","), out)


def matmul(op: Any) -> Any:
    """The rule of ``x @ y`` as the einsum it is: batch axes broadcast from the right, a 1-D
    operand has no row (column) axis."""
    nx, ny = np.ndim(op.vals[0]), np.ndim(op.vals[1])
    if nx == 0 or ny == 0 or max(nx, ny) > 22:
        return op.dense()
    batch = "abcdefghlmnopqrstuvwxy"[:max(nx, ny, 2) - 2]
    x = batch[len(batch) - max(nx - 2, 0):] + ("ij" if nx > 1 else "j")
    y = batch[len(batch) - max(ny - 2, 0):] + ("jk" if ny > 1 else "j")
    return _contraction(op, [x, y], batch + ("i" if nx > 1 else "") + ("k" if ny > 1 else ""))


def bilinear_terms(op: Any, out: Any, x: Any, y: Any) -> Any:
    """The rule of a primitive bilinear in its two arguments, given by its terms: term ``t``
    adds (a multiple of) element ``x[t]`` of argument 0 times element ``y[t]`` of argument 1
    to answer element ``out[t]`` (flat element numbers; a negative number marks a term that
    is absent, as at padding).  Zeros of a constant argument are structural; two traced
    arguments interact where one term holds both (convolutions, which are einsums over
    index maps the einsum rule cannot name)."""
    out, xs, ys = (np.asarray(a, dtype=np.intp).ravel() for a in (out, x, y))
    live = (out >= 0) & (xs >= 0) & (ys >= 0)
    for k, elems in enumerate((xs, ys)):
        if not op.tainted[k]:
            live &= np.asarray(op.vals[k]).ravel()[np.where(live, elems, 0)] != 0
    out, idx = out[live], (xs[live], ys[live])
    sizes = [int(np.size(v)) for v in op.vals]
    used = op.differentiated()
    result = None
    for k in used:
        m = op.csr(out, idx[k], (int(np.size(op.ans)), sizes[k]))
        result = op.union(result, m @ op.pats[k])
    if len(used) == 2 and op.pairs is not None:
        # d2/dx[e]dy[f] is nonzero where a term holds both: rows of x couple with C @ P_y
        op.interact(op.pats[0], op.csr(idx[0], idx[1], tuple(sizes)) @ op.pats[1])
    return result
