"""The primitives the interpreters themselves need, declared next to them: adding and
reducing (co)tangents, broadcasting, reshaping, transposing, casting, joining.  The NumPy
layer re-exports them (and wraps them in NumPy's signatures); rules here bind only
primitives of this file, so the core stands alone."""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from . import sparsity
from .primitive import Primitive, bind
from .shapes import dtype_of, shape_of
from .tracer import Tracer, backend, primal_value

__all__ = ["add_p", "sum_p", "reshape_p", "transpose_p", "broadcast_to_p", "astype_p",
           "real_p", "concatenate_p", "split_p", "split_bounds", "zero_where_p",
           "nan_product_mask_p",
           "unbroadcast", "reduced_shape", "keepdims_shape", "expand_reduced", "reduction_blocks",
           "zeros_like", "ones_like", "move_bdim", "batch_elementwise", "batch_unary",
           "batch_axis_op", "batch_matrices", "batch_by_loop"]

Shape = tuple[int, ...]
# batch(vals, bdims, **params) -> (out, out_bdim): a primitive's batching rule
BatchRule = Callable[..., tuple[Any, Any]]


# -- seeds and zeros of the interpreters ----------------------------------------------------
def _kept_array(x: Any) -> Any:
    """The array under ``x``'s tracers when a transform keeps its type (a Dask array, see
    `backend.keep_input`) and it has ``x``'s shape, else None."""
    p = primal_value(x)
    if type(p) is np.ndarray or not backend.keep_input(p) or p.shape != shape_of(x):
        return None
    return p


def zeros_like(x: Any, dtype: DTypeLike | None = None) -> Any:
    """Zeros of ``x``'s shape and dtype (or ``dtype``): a plain array, or for a value a
    transform keeps lazy, one of its own library, chunked like it (NumPy's ``zeros_like``
    dispatches there), so that no derivative of a Dask value is an O(size) NumPy array.

    >>> zeros_like(np.ones(2, np.float32))
    array([0., 0.], dtype=float32)
    """
    dt = dtype_of(x) if dtype is None else dtype
    kept = _kept_array(x)
    return np.zeros(shape_of(x), dt) if kept is None else np.zeros_like(kept, dtype=dt)


def ones_like(x: Any) -> Any:
    """Ones of ``x``'s shape and dtype, of its array type as in `zeros_like` (the reverse
    pass's seed).

    >>> ones_like(2.0)
    array(1.)
    """
    kept = _kept_array(x)
    return np.ones(shape_of(x), dtype_of(x)) if kept is None else np.ones_like(kept)


# -- batching rules' builders (batching.py re-exports them) ---------------------------------
def move_bdim(x: Any, src: int, dst: int = 0) -> Any:
    """Move axis ``src`` of ``x`` to position ``dst``."""
    nd = len(shape_of(x))
    if dst < 0:
        dst += nd
    if src == dst:
        return x
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return bind(transpose_p, x, axes=tuple(perm))


def _aligned(x: Any, bdim: int, out_ndim: int) -> Any:
    """Batch axis to the front and singleton axes so that ``x`` broadcasts against the
    other batched operands (per-example rank ``out_ndim``)."""
    x = move_bdim(x, bdim, 0)
    shape = shape_of(x)
    missing = out_ndim - (len(shape) - 1)
    if missing:
        x = bind(reshape_p, x, shape=(shape[0],) + (1,) * missing + shape[1:])
    return x


def batch_elementwise(prim: Primitive) -> BatchRule:
    """Batching rule for an n-ary broadcasting elementwise primitive: batch axis to 0."""
    def rule(vals: Sequence[Any], bdims: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        out_ndim = 0
        for v, b in zip(vals, bdims):
            out_ndim = max(out_ndim, len(shape_of(v)) - (b is not None))
        if sum(b is not None for b in bdims) == 1 and len(vals) == 1:
            return bind(prim, vals[0], **params), bdims[0]
        args = [v if b is None else _aligned(v, b, out_ndim) for v, b in zip(vals, bdims)]
        return bind(prim, *args, **params), 0
    return rule


def batch_unary(prim: Primitive) -> BatchRule:
    """Batching rule for a one-argument primitive that acts on every element alike."""
    def rule(vals: Sequence[Any], bdims: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        return bind(prim, vals[0], **params), bdims[0]
    return rule


def batch_axis_op(prim: Primitive) -> BatchRule:
    """Batching rule for a one-argument primitive with an ``axis`` tuple param of
    non-negative ints (reductions, cumulative ops): batch axis to 0, axes shift by one."""
    def rule(vals: Sequence[Any], bdims: Sequence[Any], *, axis: Shape,
             **params: Any) -> tuple[Any, Any]:
        x = move_bdim(vals[0], bdims[0], 0)
        return bind(prim, x, axis=tuple(a + 1 for a in axis), **params), 0
    return rule


def batch_matrices(prim: Primitive, core_ndim: int = 2) -> BatchRule:
    """Batching rule for a primitive over stacks of matrices whose impl broadcasts the
    leading (stack) dimensions: batch axis to 0 in each batched argument, aligned by rank."""
    def rule(vals: Sequence[Any], bdims: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        nbatch = max(len(shape_of(v)) - (b is not None) - core_ndim
                     for v, b in zip(vals, bdims))
        args = []
        for v, b in zip(vals, bdims):
            if b is not None:
                v = move_bdim(v, b, 0)
                s = shape_of(v)
                missing = nbatch - (len(s) - 1 - core_ndim)
                if missing:
                    v = bind(reshape_p, v, shape=s[:1] + (1,) * missing + s[1:])
            args.append(v)
        out = bind(prim, *args, **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)
    return rule


def batch_by_loop(prim: Primitive) -> BatchRule:
    """Batching rule applying ``prim`` example by example and stacking the results: for
    primitives NumPy has no batched call for (index-valued results, data-dependent shapes)."""
    def rule(vals: Sequence[Any], bdims: Sequence[Any], **params: Any) -> tuple[Any, Any]:
        size = next(shape_of(v)[b] for v, b in zip(vals, bdims) if b is not None)
        rows = [[v] * size if b is None else _unstack(move_bdim(v, b, 0), size)
                for v, b in zip(vals, bdims)]
        outs = [bind(prim, *args, **params) for args in zip(*rows)]

        def stack(parts: Sequence[Any]) -> Any:
            parts = [bind(reshape_p, r, shape=(1,) + shape_of(r)) for r in parts]
            return bind(concatenate_p, *parts, axis=0)
        if prim.multiple_results:
            return [stack(list(r)) for r in zip(*outs)], [0] * len(outs[0])
        return stack(outs), 0
    return rule


def _unstack(x: Any, size: int) -> list[Any]:
    """The ``size`` slices of ``x`` along axis 0, without it (split, then reshape)."""
    inner = shape_of(x)[1:]
    pieces = bind(split_p, x, axis=0, bounds=tuple((i, i + 1) for i in range(size)))
    return [bind(reshape_p, piece, shape=inner) for piece in pieces]


# -- add -----------------------------------------------------------------------------------
add_p = Primitive("add", np.add)
add_p.def_vjp(lambda ct, ans, x, y: ct, lambda ct, ans, x, y: ct)
add_p.def_jvp(lambda t, ans, x, y: t, lambda t, ans, x, y: t)
add_p.def_batch(batch_elementwise(add_p))
add_p.def_sparsity(sparsity.union("linear"))
add_p.scalar_safe_rules = True  # rules pass ct on: Python-scalar operands need no conversion


# -- reshape, transpose, broadcast_to --------------------------------------------------------
def _reshape_impl(x: Any, *, shape: Shape) -> Any:
    return x.reshape(shape) if type(x) is np.ndarray else np.reshape(x, shape)


reshape_p = Primitive("reshape", _reshape_impl)
reshape_p.def_vjp(lambda ct, ans, x, *, shape: bind(reshape_p, ct, shape=shape_of(x)))
reshape_p.def_jvp(lambda t, ans, x, *, shape: bind(reshape_p, t, shape=shape))


def _reshape_batch(vals: Sequence[Any], bdims: Sequence[Any], *, shape: Shape
                   ) -> tuple[Any, int]:
    x = move_bdim(vals[0], bdims[0], 0)
    return bind(reshape_p, x, shape=(shape_of(x)[0],) + shape), 0


reshape_p.def_batch(_reshape_batch)
reshape_p.def_sparsity(sparsity.movement())

transpose_p = Primitive("transpose", lambda x, *, axes: x.transpose(axes)
                        if type(x) is np.ndarray else np.transpose(x, axes))
transpose_p.def_vjp(lambda ct, ans, x, *, axes: bind(transpose_p, ct,
                                                    axes=tuple(np.argsort(axes))))
transpose_p.def_jvp(lambda t, ans, x, *, axes: bind(transpose_p, t, axes=axes))


def _transpose_batch(vals: Sequence[Any], bdims: Sequence[Any], *, axes: Shape
                     ) -> tuple[Any, int]:
    x = move_bdim(vals[0], bdims[0], 0)
    return bind(transpose_p, x, axes=(0,) + tuple(a + 1 for a in axes)), 0


transpose_p.def_batch(_transpose_batch)
transpose_p.def_sparsity(sparsity.movement())


def _broadcast_to_impl(x: Any, *, shape: Shape) -> Any:
    # A read-only view with zero strides along the broadcast axes, as np.broadcast_to makes,
    # built directly for contiguous arrays (np.broadcast_to's Python wrapper costs ~5 us).
    if isinstance(x, np.generic):
        x = np.asarray(x)
    if type(x) is np.ndarray and x.flags.c_contiguous and not x.dtype.hasobject:
        lead = len(shape) - x.ndim
        strides = tuple(0 if i < lead or x.shape[i - lead] == 1 else x.strides[i - lead]
                        for i in range(len(shape)))
        view = np.ndarray(shape, x.dtype, buffer=x, strides=strides)
        view.flags.writeable = False
        return view
    return np.broadcast_to(x, shape)


def unbroadcast(ct: Any, shape: Shape) -> Any:
    """Sum ``ct`` over the axes along which a value of ``shape`` was broadcast."""
    ct_shape = shape_of(ct)
    if ct_shape == shape:
        return ct
    lead = len(ct_shape) - len(shape)
    if lead < 0:  # fewer axes than the argument: only leading ones of length one are missing
        return bind(reshape_p, ct, shape=shape)
    axes = list(range(lead))
    kept = True  # the summed axes are exactly the leading ones: no reshape needed after
    for i, d in enumerate(shape):
        if d == 1 and ct_shape[lead + i] != 1:
            axes.append(lead + i)
            kept = False
    if axes:
        ct = bind(sum_p, ct, axis=tuple(axes), keepdims=False)
    if not kept:
        ct = bind(reshape_p, ct, shape=shape)
    return ct


broadcast_to_p = Primitive("broadcast_to", _broadcast_to_impl)
broadcast_to_p.def_vjp(lambda ct, ans, x, *, shape: unbroadcast(ct, shape_of(x)))
broadcast_to_p.def_jvp(lambda t, ans, x, *, shape: bind(broadcast_to_p, t, shape=shape))


def _broadcast_to_batch(vals: Sequence[Any], bdims: Sequence[Any], *, shape: Shape
                        ) -> tuple[Any, int]:
    x = move_bdim(vals[0], bdims[0], 0)
    xs = shape_of(x)
    missing = len(shape) - (len(xs) - 1)
    if missing:
        x = bind(reshape_p, x, shape=(xs[0],) + (1,) * missing + xs[1:])
    return bind(broadcast_to_p, x, shape=(xs[0],) + tuple(shape)), 0


broadcast_to_p.def_batch(_broadcast_to_batch)
broadcast_to_p.def_sparsity(sparsity.movement())


# -- sum -----------------------------------------------------------------------------------
def keepdims_shape(xshape: Shape, axis: Shape) -> Shape:
    return tuple(1 if i in axis else d for i, d in enumerate(xshape))


def reduced_shape(xshape: Shape, axis: Shape, keepdims: bool) -> Shape:
    return keepdims_shape(xshape, axis) if keepdims else tuple(
        d for i, d in enumerate(xshape) if i not in axis)


def expand_reduced(ct: Any, xshape: Shape, axis: Shape, keepdims: bool, like: Any = None
                   ) -> Any:
    """A reduced cotangent brought back to ``xshape`` by broadcasting along ``axis``; for a
    plain ``ct`` and a lazy ``like`` (the reduced value), chunked like ``like``."""
    if not keepdims and shape_of(ct):  # a 0-d cotangent broadcasts as it is
        ct = bind(reshape_p, ct, shape=keepdims_shape(xshape, axis))
    if xshape == shape_of(ct):
        return ct
    if like is not None and not isinstance(ct, Tracer) and _kept_array(like) is not None:
        return ct * ones_like(like)  # Dask's broadcast_to would make one chunk of xshape
    return bind(broadcast_to_p, ct, shape=xshape)


# NumPy reduces a leading or middle axis of a C-contiguous array one row of the trailing
# block at a time, with an inner loop as short as that block.  Viewed as (A, n, B) with the
# reduced axes in the middle, a sum is ones(n) @ x, one BLAS matrix-vector product per A
# (5-8x faster, and no less accurate: NumPy too adds the rows one after another there).
def reduction_blocks(x: Any, axis: Shape) -> tuple[int, int, int] | None:
    """``(A, n, B)`` for reducing axes ``axis`` of ``x`` by blocks, else None."""
    if (type(x) is not np.ndarray or not axis or x.dtype.kind != "f" or x.itemsize not in (4, 8)
            or x.size < 1024 or not x.flags.c_contiguous):
        return None
    lo, hi = min(axis), max(axis)
    if hi - lo + 1 != len(axis) or hi == x.ndim - 1:  # not adjacent, or ending at the last
        return None
    s = x.shape
    return math.prod(s[:lo]), math.prod(s[lo:hi + 1]), math.prod(s[hi + 1:])


def _sum_impl(x: Any, *, axis: Shape, keepdims: bool) -> Any:
    blocks = reduction_blocks(x, axis)
    if blocks is not None:
        a, n, b = blocks
        ones = np.ones(n, x.dtype)
        return np.matmul(ones, x.reshape(a, n, b)).reshape(reduced_shape(x.shape, axis, keepdims))
    if type(x) is np.ndarray and axis:  # np.sum's Python wrapper costs more than a small sum
        # (NumPy's stubs take keepdims only as a literal True or False)
        return np.add.reduce(x, axis=axis, keepdims=keepdims)  # type: ignore[call-overload]
    return np.sum(x, axis=axis, keepdims=keepdims)


sum_p = Primitive("sum", _sum_impl)
sum_p.def_vjp(lambda ct, ans, x, *, axis, keepdims: expand_reduced(ct, shape_of(x), axis,
                                                                    keepdims, x))
sum_p.def_jvp(lambda t, ans, x, *, axis, keepdims: bind(sum_p, t, axis=axis, keepdims=keepdims))
sum_p.def_batch(batch_axis_op(sum_p))
sum_p.def_sparsity(sparsity.reduction(nonlinear=False))


# -- astype, real --------------------------------------------------------------------------
# astype: the cotangent is cast back to the input's dtype by the interpreter.
astype_p = Primitive("astype", lambda x, *, dtype: x.astype(dtype)
                     if hasattr(x, "astype") else np.asarray(x).astype(dtype))
astype_p.def_vjp(lambda ct, ans, x, *, dtype: ct)
astype_p.def_jvp(lambda t, ans, x, *, dtype: bind(astype_p, t, dtype=dtype))
astype_p.def_batch(batch_unary(astype_p))
astype_p.def_sparsity(sparsity.union("linear"))

real_p = Primitive("real", np.real)
real_p.def_vjp(lambda ct, ans, x: ct)
real_p.def_jvp(lambda t, ans, x: bind(real_p, t))
real_p.def_batch(batch_unary(real_p))
real_p.def_sparsity(sparsity.union("linear"))


# -- concatenate and split: each other's transposes ----------------------------------------
def _split_impl(x: Any, *, axis: int, bounds: Sequence[tuple[int, int]]) -> list[Any]:
    lead = (slice(None),) * axis
    return [x[lead + (slice(a, b),)] for a, b in bounds]


def split_bounds(sizes: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """The ``(start, stop)`` of consecutive pieces of these sizes (split_p's ``bounds``)."""
    out, start = [], 0
    for n in sizes:
        out.append((start, start + n))
        start += n
    return tuple(out)


concatenate_p = Primitive("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis))
split_p = Primitive("split", _split_impl, multiple_results=True)


def _concatenate_jvp(args: Sequence[Any], tangents: Sequence[Any], ans: Any, *,
                     axis: int) -> Any:
    if all(t is None for t in tangents):
        return None
    ts = [zeros_like(x, dtype_of(ans)) if t is None else t for x, t in zip(args, tangents)]
    return bind(concatenate_p, *ts, axis=axis)


def _concatenate_vjp(ct: Any, ans: Any, args: Sequence[Any], needed: Any, *,
                     axis: int) -> Any:
    return bind(split_p, ct, axis=axis, bounds=split_bounds(shape_of(x)[axis] for x in args))


def _concatenate_batch(vals: Sequence[Any], bdims: Sequence[Any], *, axis: int
                       ) -> tuple[Any, int]:
    size = next(shape_of(v)[b] for v, b in zip(vals, bdims) if b is not None)
    xs = [bind(broadcast_to_p, bind(reshape_p, v, shape=(1,) + shape_of(v)),
               shape=(size,) + shape_of(v)) if b is None
          else move_bdim(v, b, 0) for v, b in zip(vals, bdims)]
    return bind(concatenate_p, *xs, axis=axis + 1), 0


concatenate_p.def_jvp(joint=_concatenate_jvp)
concatenate_p.def_vjp(joint=_concatenate_vjp)
concatenate_p.def_batch(_concatenate_batch)
concatenate_p.def_sparsity(sparsity.movement(None))

# split_p's pieces tile the axis, so its transpose is concatenate (absent cts come as zeros).
split_p.def_jvp(joint=lambda args, tangents, ans, *, axis, bounds: None if tangents[0] is None
                else bind(split_p, tangents[0], axis=axis, bounds=bounds))
split_p.def_vjp(joint=lambda ct, ans, args, needed, *, axis, bounds: [
    bind(concatenate_p, *ct, axis=axis)])


def _split_batch(vals: Sequence[Any], bdims: Sequence[Any], *, axis: int,
                 bounds: Sequence[tuple[int, int]]) -> tuple[Any, list[int]]:
    outs = bind(split_p, move_bdim(vals[0], bdims[0], 0), axis=axis + 1, bounds=bounds)
    return outs, [0] * len(outs)


split_p.def_batch(_split_batch)
split_p.def_sparsity(sparsity.movement())


# -- masking nan products (the product rule's 0 * inf, builders.py) -------------------------
def _nan_product_mask(r: Any, t: Any, p: Any) -> Any:
    return np.isnan(r) & ((np.equal(t, 0)) | (np.equal(p, 0)))


nan_product_mask_p = Primitive("nan_product_mask", _nan_product_mask, differentiable=False)
nan_product_mask_p.def_batch(batch_elementwise(nan_product_mask_p))


def _zero_where(mask: Any, x: Any) -> Any:
    return np.where(mask, np.zeros((), dtype_of(x)), x)


# zero_where(mask, x) is linear in x (the mask carries no derivative): its own transpose
zero_where_p = Primitive("zero_where", _zero_where)
zero_where_p.def_vjp(None, lambda ct, ans, mask, x: bind(zero_where_p, mask, ct))
zero_where_p.def_jvp(None, lambda t, ans, mask, x: bind(zero_where_p, mask, t))
zero_where_p.def_batch(batch_elementwise(zero_where_p))
zero_where_p.def_sparsity(sparsity.union("linear"))
