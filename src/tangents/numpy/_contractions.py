"""Contractions: matmul, einsum and diagonal are primitives; dot, vdot, inner, outer,
tensordot, kron and trace are composites built on them; einsum_path reads only the
operands' shapes."""
from __future__ import annotations

__all__ = ['matmul', 'dot', 'vdot', 'inner', 'outer', 'tensordot', 'einsum', 'kron',
           'trace', 'diagonal', 'einsum_path']

import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core import Primitive, bind, builders, move_bdim, sparsity
from ..typing import Array, ArrayLike, DTypeLike, NDArray, Order
from ._creation import asarray
from ._dispatch import (
    _stand_in,
    dtype_of,
    implements,
    implements_ufunc,
    ndim,
    normalize_axis,
    numpy_on_plain,
    shape_of,
)
from ._reductions import sum as _sum
from ._shape import broadcast_to, ravel, reshape, reshape_p, transpose, transpose_p


def _asarray(x: Any) -> Array:
    return x if hasattr(x, "shape") else asarray(x)  # lists of traced values are stacked


def _swap(x: Any) -> Any:
    """``x`` with its last two axes swapped."""
    nd = ndim(x)
    return bind(transpose_p, x, axes=tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _insert_one(x: Any, axis: Any) -> Any:
    """``x`` with a length-one axis inserted at ``axis`` (negative counts from the end)."""
    s = shape_of(x)
    axis = axis % (len(s) + 1)
    return bind(reshape_p, x, shape=s[:axis] + (1,) + s[axis:])


def _drop_one(x: Any, axis: Any) -> Any:
    """``x`` without its length-one axis ``axis``."""
    s = shape_of(x)
    axis = axis % len(s)
    return bind(reshape_p, x, shape=s[:axis] + s[axis + 1:])


def _pad_after_batch(x: Any, n: Any) -> Any:
    """``n`` length-one axes inserted after the leading batch axis."""
    if n <= 0:
        return x
    s = shape_of(x)
    return bind(reshape_p, x, shape=s[:1] + (1,) * n + s[1:])


# -- matmul ------------------------------------------------------------------------------
# d(x @ y) = dx @ y + x @ dy, so ct_x = ct @ y^T and ct_y = x^T @ ct; a 1-d operand is a
# row (x) or column (y) vector whose length-one axis is dropped from the result.
def _matmul_vjp_x(ct: Any, ans: Any, x: Any, y: Any) -> Any:
    if type(ct) is np.ndarray and type(y) is np.ndarray and ct.ndim == y.ndim == 2:
        return np.matmul(ct, y.T)  # first order, matrices: the GEMM directly
    xn, yn = ndim(x), ndim(y)
    if xn == yn == 2:
        return bind(matmul_p, ct, bind(transpose_p, y, axes=(1, 0)))
    if yn == 1:
        return ct * y if xn == 1 else _insert_one(ct, -1) * y
    if xn == 1:
        if yn == 2:
            return bind(matmul_p, y, ct)
        return _drop_one(bind(matmul_p, y, _insert_one(ct, -1)), -1)
    return bind(matmul_p, ct, _swap(y))


def _matmul_vjp_y(ct: Any, ans: Any, x: Any, y: Any) -> Any:
    if type(ct) is np.ndarray and type(x) is np.ndarray and ct.ndim == x.ndim == 2:
        return np.matmul(x.T, ct)
    xn, yn = ndim(x), ndim(y)
    if xn == yn == 2:
        return bind(matmul_p, bind(transpose_p, x, axes=(1, 0)), ct)
    if xn == 1:
        return ct * x if yn == 1 else _insert_one(x, -1) * _insert_one(ct, -2)
    if yn == 1:
        if xn == 2:
            return bind(matmul_p, ct, x)
        return _drop_one(bind(matmul_p, _insert_one(ct, -2), x), -2)
    return bind(matmul_p, _swap(x), ct)


def _diagonal_of(v: Any) -> Any:
    """The diagonal of ``v`` if it is a concrete square matrix with no nonzero entry off
    its diagonal (as a basis of one-hot rows is after a diagonal scaling), else None."""
    if type(v) is not np.ndarray or v.ndim != 2 or v.shape[0] != v.shape[1] or v.shape[0] < 16:
        return None
    d = np.diagonal(v)
    return d if np.count_nonzero(v) == np.count_nonzero(d) else None


def _matmul_batch(vals: Any, bdims: Any) -> Any:
    x, y = vals
    bx, by = bdims
    xn, yn = ndim(x) - (bx is not None), ndim(y) - (by is not None)
    if by is None:
        if yn <= 2:  # a vector or matrix y acts on x's last axis only; bdim stays put
            if bx == xn:
                x, bx = move_bdim(x, bx, 0), 0
            d = _diagonal_of(x) if xn == 1 and yn == 2 else None
            if d is not None:  # Jacobian bases: diag(d) @ y is a row scaling, not a GEMM
                return d[:, None] * y, bx
            return bind(matmul_p, x, y), bx
        x = move_bdim(x, bx, 0)
        if xn == 1:  # rows of x against a stack of matrices
            x = bind(reshape_p, x, shape=shape_of(x)[:1] + (1,) * (yn - 1) + shape_of(x)[1:])
            return _drop_one(bind(matmul_p, x, y), -2), 0
        return bind(matmul_p, _pad_after_batch(x, yn - xn), y), 0
    if bx is None:
        if yn >= 2 and xn == 2 and by < yn - 1:
            return bind(matmul_p, x, y), by
        if xn == 1:  # (B, k) @ x, or x @ (B, ..., k, n)
            y = move_bdim(y, by, 0)
            return (bind(matmul_p, y, x) if yn == 1 else bind(matmul_p, x, y)), 0
        if yn == 1:  # x @ (k, B): the batch axis comes out last
            y = move_bdim(y, by, 1)
            d = _diagonal_of(y) if xn == 2 else None
            if d is not None:  # x @ diag(d) is a column scaling
                return x * d, xn - 1
            return bind(matmul_p, x, y), xn - 1
        return bind(matmul_p, x, _pad_after_batch(move_bdim(y, by, 0), xn - yn)), 0
    x, y = move_bdim(x, bx, 0), move_bdim(y, by, 0)
    if xn == 1:
        x = _insert_one(x, 1)
    if yn == 1:
        y = _insert_one(y, -1)
    xr, yr = max(xn, 2), max(yn, 2)
    out = bind(matmul_p, _pad_after_batch(x, yr - xr), _pad_after_batch(y, xr - yr))
    if yn == 1:
        out = _drop_one(out, -1)
    if xn == 1:
        out = _drop_one(out, -1 if yn == 1 else -2)
    return out, 0


def _matmul_impl(x: Any, y: Any) -> Any:
    # A stack of matrices times one matrix is one GEMM on the stacked rows: NumPy would
    # otherwise loop over the stack (slow for the thin slices that batched VJPs produce).
    if getattr(x, "ndim", 0) > 2 and getattr(y, "ndim", 0) == 2 and x.size:
        k, n = y.shape
        rows = x.reshape(-1, x.shape[-1]) if x.shape[-1] == k else None
        if rows is not None:
            return np.matmul(rows, y).reshape(x.shape[:-1] + (n,))
    return np.matmul(x, y)


matmul_p = Primitive("matmul", _matmul_impl)
matmul_p.def_vjp(_matmul_vjp_x, _matmul_vjp_y)
matmul_p.def_jvp(lambda t, ans, x, y: bind(matmul_p, t, y),
                 lambda t, ans, x, y: bind(matmul_p, x, t))
matmul_p.def_batch(_matmul_batch)
matmul_p.def_sparsity(sparsity.matmul)


@implements_ufunc(np.matmul)
def matmul(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """``matmul(x1, x2)``: the matrix product ``x1 @ x2`` (1-d operands are vectors, leading
    axes broadcast as a stack of matrices).

    >>> matmul(np.ones((2, 3)), np.ones(3))
    array([3., 3.])
    """
    x1, x2 = _asarray(x1), _asarray(x2)
    s1, s2 = shape_of(x1), shape_of(x2)
    if not s1 or not s2:
        raise ValueError("matmul: Input operand does not have enough dimensions (a 0-d "
                         "operand; use multiply or * for scalars)")
    k2 = s2[-2] if len(s2) > 1 else s2[0]
    if s1[-1] != k2:
        raise ValueError(
            f"matmul: shapes {s1} and {s2} do not align: the last axis of the first operand "
            f"({s1[-1]}) must equal the {'second-to-last' if len(s2) > 1 else 'only'} axis of "
            f"the second ({k2}). Check the order of the operands, or transpose one (x.T, "
            "np.swapaxes(x, -1, -2)).")
    return bind(matmul_p, x1, x2)


# -- dot and friends (composites) --------------------------------------------------------
@implements(np.dot)
def dot(a: ArrayLike, b: ArrayLike, out: NDArray[Any] | None = None) -> Array:
    """``dot(a, b)``: ``a * b`` for scalars, ``matmul`` up to 2-d, otherwise the sum over the
    last axis of ``a`` and the second-to-last of ``b``.

    >>> float(dot(np.arange(3.0), np.arange(3.0)))
    5.0
    """
    if out is not None:
        raise TypeError("dot: out= is not supported on traced values")
    a, b = _asarray(a), _asarray(b)
    na, nb = ndim(a), ndim(b)
    if na == 0 or nb == 0:
        return a * b
    if nb <= 2:
        return matmul(a, b)
    return tensordot(a, b, axes=([na - 1], [nb - 2]))


@implements(np.vdot)
def vdot(a: ArrayLike, b: ArrayLike, /) -> Array:
    """``vdot(a, b)``: the dot product of the flattened arrays, conjugating ``a``.

    >>> float(vdot(np.ones((2, 2)), np.ones((2, 2))))
    4.0
    """
    a, b = ravel(_asarray(a)), ravel(_asarray(b))
    if dtype_of(a).kind == "c":
        a = np.conjugate(a)
    return bind(matmul_p, a, b)


@implements(np.inner)
def inner(a: ArrayLike, b: ArrayLike, /) -> Array:
    """``inner(a, b)``: the sum product over the last axes.

    >>> inner(np.ones((2, 3)), np.ones(3))
    array([3., 3.])
    """
    a, b = _asarray(a), _asarray(b)
    na, nb = ndim(a), ndim(b)
    if na == 0 or nb == 0:
        return a * b
    if nb == 1:
        return bind(matmul_p, a, b)
    if nb == 2:
        return bind(matmul_p, a, _swap(b))
    return tensordot(a, b, axes=([na - 1], [nb - 1]))


@implements(np.outer)
def outer(a: ArrayLike, b: ArrayLike, out: NDArray[Any] | None = None) -> Array:
    """``outer(a, b)``: ``ravel(a)[:, None] * ravel(b)[None, :]``.

    >>> outer(np.arange(2.0), np.ones(3)).shape
    (2, 3)
    """
    if out is not None:
        raise TypeError("outer: out= is not supported on traced values")
    a, b = ravel(_asarray(a)), ravel(_asarray(b))
    return _insert_one(a, 1) * _insert_one(b, 0)


@implements(np.tensordot)
@numpy_on_plain(np.tensordot)
def tensordot(a: ArrayLike, b: ArrayLike,
              axes: int | tuple[int | Sequence[int], int | Sequence[int]] = 2) -> Array:
    """``tensordot(a, b, axes=2)``: sum products over the last ``axes`` axes of ``a`` and the
    first of ``b``, or over the axis lists ``axes = (axes_a, axes_b)``.

    >>> tensordot(np.ones((2, 3, 4)), np.ones((3, 4, 5)), axes=2).shape
    (2, 5)
    """
    a, b = _asarray(a), _asarray(b)
    sa, sb = shape_of(a), shape_of(b)
    axes_a: Any
    axes_b: Any
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > min(len(sa), len(sb)):
            raise ValueError(f"tensordot: axes={n} is out of range for shapes {sa} and {sb}")
        axes_a, axes_b = tuple(range(len(sa) - n, len(sa))), tuple(range(n))
    else:
        axes_a, axes_b = axes
        axes_a = (axes_a,) if isinstance(axes_a, (int, np.integer)) else tuple(axes_a)
        axes_b = (axes_b,) if isinstance(axes_b, (int, np.integer)) else tuple(axes_b)
        if len(axes_a) != len(axes_b):
            raise ValueError("tensordot: shape-mismatch for sum (axes lists differ in length)")
        axes_a = tuple(normalize_axis(i, len(sa), "tensordot") for i in axes_a)
        axes_b = tuple(normalize_axis(i, len(sb), "tensordot") for i in axes_b)
    if any(sa[i] != sb[j] for i, j in zip(axes_a, axes_b)):
        raise ValueError(f"tensordot: shape-mismatch for sum ({sa} over {axes_a}, {sb} over "
                         f"{axes_b})")
    free_a = [i for i in range(len(sa)) if i not in axes_a]
    free_b = [j for j in range(len(sb)) if j not in axes_b]
    k = int(np.prod([sa[i] for i in axes_a]))
    m = int(np.prod([sa[i] for i in free_a]))
    n = int(np.prod([sb[j] for j in free_b]))
    a2 = reshape(transpose(a, free_a + list(axes_a)), (m, k))
    b2 = reshape(transpose(b, list(axes_b) + free_b), (k, n))
    out = bind(matmul_p, a2, b2)
    return reshape(out, tuple(sa[i] for i in free_a) + tuple(sb[j] for j in free_b))


@implements(np.kron)
def kron(a: ArrayLike, b: ArrayLike) -> Array:
    """``kron(a, b)``: the Kronecker product (the lower-rank operand gets leading ones).

    >>> kron(np.eye(2), np.ones((2, 2))).shape
    (4, 4)
    """
    a, b = _asarray(a), _asarray(b)
    sa, sb = shape_of(a), shape_of(b)
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    # kron(a, b)[i * nb + j] = a[i] * b[j], axis by axis: interleave the axes, then merge
    a = reshape(a, tuple(d for s in sa for d in (s, 1)))
    b = reshape(b, tuple(d for s in sb for d in (1, s)))
    return reshape(a * b, tuple(p * q for p, q in zip(sa, sb)))


# -- diagonal and its transpose ----------------------------------------------------------
def _diag_index(d: Any, offset: Any) -> Any:
    rows = np.arange(d) + max(-offset, 0)
    return rows, rows + offset


def _embed_diagonal_impl(ct: Any, *, shape: Any, offset: Any, axis1: Any, axis2: Any) -> Any:
    out = np.zeros(shape, dtype=np.result_type(ct))
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    rows, cols = _diag_index(np.shape(ct)[-1], offset)
    view[..., rows, cols] = ct
    return out


def _diagonal_batch(prim: Any) -> Any:
    def rule(vals: Any, bdims: Any, *, offset: Any, axis1: Any, axis2: Any) -> Any:
        x = move_bdim(vals[0], bdims[0], 0)
        return bind(prim, x, offset=offset, axis1=axis1 + 1, axis2=axis2 + 1), 0
    return rule


def _embed_diagonal_batch(prim: Any) -> Any:
    def rule(vals: Any, bdims: Any, *, shape: Any, offset: Any, axis1: Any, axis2: Any) -> Any:
        ct = move_bdim(vals[0], bdims[0], 0)
        return bind(prim, ct, shape=(shape_of(ct)[0],) + shape, offset=offset,
                    axis1=axis1 + 1, axis2=axis2 + 1), 0
    return rule


diagonal_p = builders.linear(
    "diagonal", lambda x, *, offset, axis1, axis2: np.diagonal(x, offset, axis1, axis2),
    lambda ct, x, **params: bind(embed_diagonal_p,  # type: ignore[has-type]
                                 ct, shape=shape_of(x), **params),
    _diagonal_batch)
# zeros of ``shape`` with ``ct`` on the diagonal of (axis1, axis2): diagonal's transpose
embed_diagonal_p = builders.linear(
    "embed_diagonal", _embed_diagonal_impl,
    lambda ct, x, *, shape, **params: bind(diagonal_p, ct, **params),
    _embed_diagonal_batch)
diagonal_p.def_sparsity(sparsity.movement())
embed_diagonal_p.def_sparsity(sparsity.movement())


def _diagonal_axes(a: Any, axis1: Any, axis2: Any, op: Any) -> Any:
    nd = ndim(a)
    if nd < 2:
        raise ValueError(f"{op}: diag requires an array of at least two dimensions")
    axis1, axis2 = normalize_axis(axis1, nd, op), normalize_axis(axis2, nd, op)
    if axis1 == axis2:
        raise ValueError(f"{op}: axis1 and axis2 cannot be the same")
    return axis1, axis2


@implements(np.diagonal)
def diagonal(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
    """``diagonal(a, offset=0, axis1=0, axis2=1)``: the diagonal as the last axis.

    >>> diagonal(np.arange(4.0).reshape(2, 2))
    array([0., 3.])
    """
    a = _asarray(a)
    axis1, axis2 = _diagonal_axes(a, axis1, axis2, "diagonal")
    return bind(diagonal_p, a, offset=int(offset), axis1=axis1, axis2=axis2)


@implements(np.trace)
def trace(a: ArrayLike, offset: int = 0, axis1: int = 0, axis2: int = 1,
          dtype: DTypeLike | None = None, out: NDArray[Any] | None = None) -> Array:
    """``trace(a, offset=0, axis1=0, axis2=1, dtype=None)``: the sum along a diagonal.

    >>> float(trace(np.eye(3)))
    3.0
    """
    if out is not None:
        raise TypeError("trace: out= is not supported on traced values")
    return _sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


# -- einsum ------------------------------------------------------------------------------
def _split(subscripts: Any) -> Any:
    lhs, out = subscripts.split("->")
    return lhs.split(","), out


def _join(ins: Any, out: Any) -> Any:
    return ",".join(ins) + "->" + out


def _fresh(used: Any, n: Any) -> Any:
    free = [c for c in string.ascii_letters if c not in used]
    if len(free) < n:
        raise ValueError("einsum: too many distinct indices (at most 52)")
    return "".join(free[:n])


def _canonical_subscripts(subscripts: Any, shapes: Any) -> Any:
    """Explicit subscripts, ellipses replaced by letters: ``'...ij,jk'`` -> ``'aij,jk->aik'``."""
    subscripts = subscripts.replace(" ", "")
    lhs, arrow, rhs = subscripts.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: {len(ins)} operand subscripts for {len(shapes)} operands")
    for s in ins + [rhs]:
        if any(not (c.isalpha() and c in string.ascii_letters) for c in s.replace("...", "")):
            raise ValueError(f"einsum: invalid subscript in {subscripts!r}")
    used = set(subscripts)
    ell_dims = []
    for s, shp in zip(ins, shapes):
        n = len(s.replace("...", ""))
        e = len(shp) - n if "..." in s else 0
        if e < 0 or ("..." not in s and n != len(shp)):
            raise ValueError(f"einsum: subscripts {s!r} do not match an operand of shape {shp}")
        ell_dims.append(e)
    ell = _fresh(used, max(ell_dims, default=0))
    new_ins = [s.replace("...", ell[len(ell) - e:]) for s, e in zip(ins, ell_dims)]
    if arrow:
        if "..." not in rhs and ell:
            raise ValueError("einsum: output has more dimensions than subscripts given in "
                             "einstein sum, but no '...' ellipsis provided to broadcast the "
                             "extra dimensions.")
        out = rhs.replace("...", ell)
    else:  # implicit output: ellipsis axes, then the letters seen once, in ASCII order
        counts: dict[str, int] = {}
        for c in lhs.replace("...", "").replace(",", ""):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1))
    if len(set(out)) != len(out) or any(c not in "".join(new_ins) for c in out):
        raise ValueError(f"einsum: invalid output subscripts in {subscripts!r}")
    return _join(new_ins, out)


def _einsum_impl(*operands: Any, subscripts: Any, optimize: Any) -> Any:
    return np.einsum(subscripts, *operands, optimize=optimize)


def _inner_optimize(optimize: Any) -> Any:
    # an explicit contraction path names the original operands; rules re-plan greedily
    return optimize if isinstance(optimize, (bool, str)) else "greedy"


def _diagonal_mask(letters: Any, full: Any) -> Any:
    """0/1 mask of shape ``full`` that is 1 where the axes sharing a letter agree."""
    mask = np.ones((1,) * len(full), bool)
    for c in set(letters):
        pos = [i for i, d in enumerate(letters) if d == c]
        first = np.arange(full[pos[0]]).reshape(
            tuple(-1 if i == pos[0] else 1 for i in range(len(full))))
        for p in pos[1:]:
            mask = mask & (first == np.arange(full[p]).reshape(
                tuple(-1 if i == p else 1 for i in range(len(full)))))
    return mask


def _einsum_vjp(ct: Any, ans: Any, args: Any, needed: Any, *, subscripts: Any, optimize: Any
                ) -> Any:
    ins, out = _split(subscripts)
    sizes: dict[str, int] = {}
    for s, a in zip(ins, args):
        for c, d in zip(s, shape_of(a)):
            if sizes.get(c, 1) == 1:  # a length-one axis broadcasts (also against 0)
                sizes[c] = d
    opt = _inner_optimize(optimize)
    cts: list[Any] = []
    for k, need in enumerate(needed):
        if not need:
            cts.append(None)
            continue
        lk = ins[k]
        others = [s for j, s in enumerate(ins) if j != k]
        seen = set(out).union(*others)
        # sum ct times the other operands down to operand k's letters (unique, in order)
        keep = "".join(c for c in dict.fromkeys(lk) if c in seen)
        if keep == out and not others:
            g = ct
        else:
            g = bind(einsum_p, ct, *[a for j, a in enumerate(args) if j != k],
                     subscripts=_join([out] + others, keep), optimize=opt)
        full = tuple(sizes[c] for c in lk)
        if keep == lk:  # (broadcast where only operand k has the full length of a letter)
            cts.append(broadcast_to(g, full))
            continue
        # broadcast along letters only operand k has; put repeated letters on the diagonal
        gshape = dict(zip(keep, shape_of(g)))
        placed = tuple(gshape[c] if c in gshape and lk.index(c) == i else 1
                       for i, c in enumerate(lk))
        g = broadcast_to(reshape(g, placed), full)
        if len(set(lk)) != len(lk):
            g = g * _diagonal_mask(lk, full)
        cts.append(g)
    return cts


def _einsum_jvp(primals: Any, tangents: Any, ans: Any, *, subscripts: Any, optimize: Any) -> Any:
    out = None
    for k, t in enumerate(tangents):
        if t is None:
            continue
        ops = list(primals)
        ops[k] = t
        term = bind(einsum_p, *ops, subscripts=subscripts, optimize=optimize)
        out = term if out is None else out + term
    return out


def _einsum_batch(vals: Any, bdims: Any, *, subscripts: Any, optimize: Any) -> Any:
    # a fresh letter for the batch axis, inserted where each batched operand has it
    ins, out = _split(subscripts)
    z = _fresh(set(subscripts), 1)
    ins = [s if b is None else s[:b] + z + s[b:] for s, b in zip(ins, bdims)]
    return bind(einsum_p, *vals, subscripts=_join(ins, z + out), optimize=optimize), 0


einsum_p = Primitive("einsum", _einsum_impl)
einsum_p.def_vjp(joint=_einsum_vjp)
einsum_p.def_jvp(joint=_einsum_jvp)
einsum_p.def_batch(_einsum_batch)
einsum_p.def_sparsity(sparsity.einsum)


def _sublist_subscripts(args: Any) -> Any:
    """NumPy's ``einsum(op0, sublist0, op1, sublist1, ..., [sublistout])`` form."""
    def letters(sub: Any) -> Any:
        return "".join("..." if s is Ellipsis else string.ascii_letters[s] for s in sub)
    operands, subs = list(args[0::2]), [letters(s) for s in args[1::2]]
    out = "->" + letters(args[-1]) if len(args) % 2 else ""
    if len(args) % 2:
        operands = operands[:-1]
    return ",".join(subs) + out, operands


@implements(np.einsum)
def einsum(subscripts: str | Sequence[Any], *operands: Any, out: NDArray[Any] | None = None,
           dtype: DTypeLike | None = None, order: Order = "K", casting: str = "safe",
           optimize: bool | str | list[Any] = False) -> Array:
    """``einsum(subscripts, *operands, optimize=False)``: Einstein summation, with
    ellipses, implicit output, repeated indices and broadcasting of length-one axes.

    >>> einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    """
    if out is not None:
        raise TypeError("einsum: out= is not supported on traced values")
    ops: Any = operands
    if not isinstance(subscripts, str):
        subscripts, ops = _sublist_subscripts((subscripts,) + operands)
    ops = [_asarray(o) for o in ops]
    if dtype is not None:
        ops = [o.astype(dtype) for o in ops]
    subs = _canonical_subscripts(subscripts, [shape_of(o) for o in ops])
    return bind(einsum_p, *ops, subscripts=subs, optimize=optimize)


@implements(np.einsum_path)
def einsum_path(subscripts: str, *operands: ArrayLike, optimize: bool | str | list[Any] = "greedy",
                einsum_call: bool = False) -> tuple[list[Any], str]:
    """``einsum_path(subscripts, *operands, optimize="greedy")``: NumPy's contraction order
    for `einsum` (read from the operands' shapes, so traced operands work).

    >>> einsum_path("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4)))[0]
    ['einsum_path', (0, 1)]
    """
    return np.einsum_path(subscripts, *[_stand_in(o) for o in operands],  # type: ignore[call-overload]
                          optimize=optimize,  # NumPy checks optimize and einsum_call
                          einsum_call=einsum_call)  # type: ignore[arg-type]
