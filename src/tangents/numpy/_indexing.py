"""Indexing: ``x[idx]`` (basic and advanced), its transpose (a scatter-add), ``take``, and
the index-valued functions ``nonzero``, ``argwhere`` and ``flatnonzero``.

An index is normalised once, in `getitem`, into a *template*: a tuple of ints, slices,
None, Ellipsis, Python bools, integer ndarrays (boolean masks become their ``nonzero``
arrays) and `_Dyn` placeholders that stand for integer index arrays traced by vmap, which
travel as positional arguments of the primitives.
"""
from __future__ import annotations

__all__ = ['getitem', 'take', 'nonzero', 'argwhere', 'flatnonzero']

import operator
import typing
from typing import Any

import numpy as np

from ..core import (
    Primitive,
    Tracer,
    backend,
    bind,
    builders,
    function_handlers,
    move_bdim,
    record_view,
    sparsity,
)
from ..typing import Array, ArrayLike, NDArray
from ._dispatch import dtype_of, implements, normalize_axis, shape_of
from ._elementwise import clip
from ._shape import broadcast_to, expand_dims, ravel, reshape


class _Dyn:
    """Placeholder in an index template for the ``k``-th traced index array."""

    __slots__ = ("k",)

    def __init__(self, k: int) -> None:
        self.k = k

    def __repr__(self) -> str:
        return f"_Dyn({self.k})"


def _fill(idx: Any, dyn: Any) -> Any:
    """The concrete NumPy index: placeholders replaced by their arrays."""
    if not dyn:
        return idx
    return tuple(dyn[e.k] if isinstance(e, _Dyn) else e for e in idx)


def _is_array(e: Any) -> Any:
    return isinstance(e, (np.ndarray, _Dyn, bool))


def _consumed(e: Any) -> Any:
    """How many operand axes one template entry indexes."""
    return 0 if e is None or e is Ellipsis or isinstance(e, bool) else 1


def _layout(idx: Any, nd: Any, dyn_shapes: Any) -> Any:
    """Where NumPy puts the advanced-index dimensions of ``idx`` (operand rank ``nd``).

    Returns ``(advanced, adjacent, first, lead, adv_nd)``: whether there are advanced entries
    (arrays; integers count as advanced once an array is present), whether they are adjacent
    (then their dims go in place, after ``lead`` output dims, else first), the template
    position of the first of them, and the rank of their broadcast shape."""
    arrays = [e for e in idx if _is_array(e)]
    if not arrays:
        return False, True, 0, 0, 0
    pos = [i for i, e in enumerate(idx) if _is_array(e) or isinstance(e, int)]
    adjacent = pos == list(range(pos[0], pos[-1] + 1))
    ell = nd - sum(_consumed(e) for e in idx)
    lead = sum(ell if e is Ellipsis else 1 for e in idx[:pos[0]])
    shapes = [dyn_shapes[e.k] if isinstance(e, _Dyn) else (int(e),) if isinstance(e, bool)
              else e.shape for e in arrays]
    return True, adjacent, pos[0], lead, len(np.broadcast_shapes(*shapes))


def _unbatched_shape(v: Any, b: Any) -> Any:
    s = shape_of(v)
    return s if b is None else s[:b] + s[b + 1:]


def _batch_size(vals: Any, bdims: Any) -> Any:
    return next(shape_of(v)[b] for v, b in zip(vals, bdims) if b is not None)


def _batched_dyn(dyn: Any, bdims: Any, dyn_shapes: Any, adv_nd: Any, size: Any) -> Any:
    """Batched index arrays with the batch axis first, padded so it broadcasts leftmost."""
    out = []
    for d, b, s in zip(dyn, bdims, dyn_shapes):
        if b is not None:
            d = reshape(move_bdim(d, b, 0), (size,) + (1,) * (adv_nd - len(s)) + s)
        out.append(d)
    return out


def _batched_index(idx: Any, nd: Any, dyn: Any, dbdims: Any, size: Any) -> Any:
    """``idx`` rewritten for the operand batched along one axis.

    Returns ``(new_idx, new_dyn, x_axis, out_axis)``: the operand's batch axis must sit at
    ``x_axis``; the result's batch axis is ``out_axis``."""
    dyn_shapes = [_unbatched_shape(d, b) for d, b in zip(dyn, dbdims)]
    advanced, adjacent, first, lead, adv_nd = _layout(idx, nd, dyn_shapes)
    if all(b is None for b in dbdims):
        # a full slice for the batch axis; it lands after the advanced dims if those go first
        return (slice(None),) + idx, list(dyn), 0, adv_nd if advanced and not adjacent else 0
    new_dyn = _batched_dyn(dyn, dbdims, dyn_shapes, adv_nd, size)
    # the batch axis becomes one more advanced index, arange(size), broadcast leftmost
    bidx = np.arange(size).reshape((size,) + (1,) * adv_nd)
    if adjacent:
        x_axis = sum(nd - sum(_consumed(e) for e in idx) if e is Ellipsis else _consumed(e)
                     for e in idx[:first])
        return idx[:first] + (bidx,) + idx[first:], new_dyn, x_axis, lead
    return (bidx,) + idx, new_dyn, 0, 0


# -- getitem and its transpose, add_at ---------------------------------------------------
def _getitem_impl(x: Any, *dyn: Any, idx: Any) -> Any:
    if any(backend.keep_input(d) for d in dyn):  # a lazy library's index array (Dask)
        lazy = backend.lazy_getitem(x, _fill(idx, dyn))
        if lazy is not None:
            return lazy
    return x[_fill(idx, dyn)]


def _add_at_impl(ct: Any, *dyn: Any, shape: Any, idx: Any) -> Any:
    if type(ct) is not np.ndarray or any(backend.keep_input(d) for d in dyn):
        # a lazy library's cotangent or index array (Dask) is scattered by that library
        lazy = backend.lazy_add_at(ct, _fill(idx, dyn), shape)
        if lazy is not None:
            return lazy
    out = np.zeros(shape, dtype_of(ct))
    index = _fill(idx, dyn)
    if any(_is_array(e) for e in idx):
        np.add.at(out, index, ct)  # repeated indices accumulate
    else:
        out[index] = ct
    return out


getitem_p = Primitive("getitem", _getitem_impl)
add_at_p = Primitive("add_at", _add_at_impl)

# getitem and add_at (zeros, then add ct at idx) are each other's transposes.
getitem_p.def_vjp(joint=lambda ct, ans, args, needed, *, idx: [
    bind(add_at_p, ct, *args[1:], shape=shape_of(args[0]), idx=idx)] + [None] * (len(args) - 1))
getitem_p.def_jvp(joint=lambda args, tangents, ans, *, idx: None if tangents[0] is None else
                  bind(getitem_p, tangents[0], *args[1:], idx=idx))
add_at_p.def_vjp(joint=lambda ct, ans, args, needed, *, shape, idx: [
    bind(getitem_p, ct, *args[1:], idx=idx)] + [None] * (len(args) - 1))
add_at_p.def_jvp(joint=lambda args, tangents, ans, *, shape, idx: None if tangents[0] is None
                 else bind(add_at_p, tangents[0], *args[1:], shape=shape, idx=idx))


def _getitem_batch(vals: Any, bdims: Any, *, idx: Any) -> Any:
    x, dyn, xb, dbdims = vals[0], vals[1:], bdims[0], bdims[1:]
    size = _batch_size(vals, bdims)
    nd = len(_unbatched_shape(x, xb))
    if xb is None:  # only the index arrays are batched: gather from the shared operand
        dyn_shapes = [_unbatched_shape(d, b) for d, b in zip(dyn, dbdims)]
        _, adjacent, _, lead, adv_nd = _layout(idx, nd, dyn_shapes)
        new_dyn = _batched_dyn(dyn, dbdims, dyn_shapes, adv_nd, size)
        return bind(getitem_p, x, *new_dyn, idx=idx), lead if adjacent else 0
    new_idx, new_dyn, x_axis, out_axis = _batched_index(idx, nd, dyn, dbdims, size)
    return bind(getitem_p, move_bdim(x, xb, x_axis), *new_dyn, idx=new_idx), out_axis


def _add_at_batch(vals: Any, bdims: Any, *, shape: Any, idx: Any) -> Any:
    ct, dyn, cb, dbdims = vals[0], vals[1:], bdims[0], bdims[1:]
    size = _batch_size(vals, bdims)
    new_idx, new_dyn, x_axis, out_axis = _batched_index(idx, len(shape), dyn, dbdims, size)
    if cb is None:
        ct_shape = shape_of(ct)
        ct = broadcast_to(expand_dims(ct, out_axis),
                          ct_shape[:out_axis] + (size,) + ct_shape[out_axis:])
    else:
        ct = move_bdim(ct, cb, out_axis)
    new_shape = shape[:x_axis] + (size,) + shape[x_axis:]
    return bind(add_at_p, ct, *new_dyn, shape=new_shape, idx=new_idx), x_axis


getitem_p.def_batch(_getitem_batch)
add_at_p.def_batch(_add_at_batch)
getitem_p.def_sparsity(sparsity.movement())
add_at_p.def_sparsity(sparsity.gather_transpose(_getitem_impl))


def _normalize_index(key: Any, xshape: Any) -> Any:
    """A user's index as ``(template, traced_index_arrays)``."""
    if not isinstance(key, tuple):
        key = (key,)
    entries: list[Any] = []
    dyn: list[Any] = []
    for e in key:
        if e is None or e is Ellipsis:
            entries.append(e)
        elif isinstance(e, slice):
            if any(isinstance(v, Tracer) for v in (e.start, e.stop, e.step)):
                raise TypeError("slice bounds must be plain integers, not traced values; use "
                                "np.take or a mask with np.where for value-dependent selection")
            entries.append(e)
        elif isinstance(e, (bool, np.bool_)):
            entries.append(bool(e))
        elif isinstance(e, (int, np.integer)):
            entries.append(operator.index(e))
        else:
            if isinstance(e, (list, tuple)) and _contains_tracer(e):
                from ._creation import asarray
                e = asarray(e)
            if backend.keep_input(e):  # a lazy library's index array (Dask) stays lazy
                _check_lazy_index(e)
                entries.append(_Dyn(len(dyn)))
                dyn.append(e)
                continue
            if isinstance(e, Tracer):
                kind = dtype_of(e).kind
                if kind == "b":
                    raise NotImplementedError(_TRACED_MASK_READ)
                if kind not in "iu":
                    raise IndexError("arrays used as indices must be of integer (or boolean) "
                                     f"type, got a traced {dtype_of(e)} array")
                entries.append(_Dyn(len(dyn)))
                dyn.append(e)
                continue
            arr = np.asarray(e)
            if arr.dtype == bool:
                entries.append(bool(arr) if arr.ndim == 0 else arr)
            elif arr.dtype.kind in "iu" or arr.size == 0:
                entries.append(operator.index(arr) if arr.ndim == 0 else arr.astype(np.intp))
            else:
                raise IndexError("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis "
                                 "(`None`) and integer or boolean arrays are valid indices")
    if sum(e is Ellipsis for e in entries) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    width = [e.ndim if isinstance(e, np.ndarray) and e.dtype == bool else _consumed(e)
             for e in entries]
    nd = len(xshape)
    if sum(width) > nd:
        raise IndexError(f"too many indices for array: array is {nd}-dimensional, but "
                         f"{sum(width)} were indexed")
    template: list[Any] = []
    axis = 0
    for e, w in zip(entries, width):
        if e is Ellipsis:
            axis += nd - sum(width)
        elif isinstance(e, np.ndarray) and e.dtype == bool:
            if e.shape != xshape[axis:axis + w]:
                raise IndexError(f"boolean index did not match indexed array: the mask has "
                                 f"shape {e.shape} but the indexed dimensions are "
                                 f"{xshape[axis:axis + w]}")
            template.extend(np.nonzero(e))  # x[mask] == x[mask.nonzero()]
            axis += w
            continue
        axis += w
        template.append(e)
    return tuple(template), dyn


def _check_lazy_index(e: Any) -> None:
    kind = np.dtype(e.dtype).kind
    if kind == "b":
        raise NotImplementedError(
            f"x[mask] with a lazy (Dask) boolean mask of shape {e.shape}: its result's length "
            "is unknown until the mask is computed; use np.where(mask, x, 0) (or np.sum(x, "
            "where=mask)), or index with the mask's nonzero() computed outside the transform")
    if kind not in "iu":
        raise IndexError("arrays used as indices must be of integer (or boolean) type, got a "
                         f"lazy (Dask) {e.dtype} array of shape {e.shape}")


def _contains_tracer(seq: Any) -> Any:
    return any(isinstance(x, Tracer) or (isinstance(x, (list, tuple)) and _contains_tracer(x))
               for x in seq)


_TRACED_MASK_READ = (
    "reading x[mask] with a boolean mask traced by vmap is not supported: the result's shape "
    "would differ between examples. Use np.where(mask, x, 0) (or np.sum(x, where=mask)) "
    "instead; writes work: x[mask] = v, x[mask] += v, x[mask] *= a.")


class MaskedSelection:
    """``x[mask]`` for a boolean mask that varies per example under vmap.  Its length would
    differ between examples, so it exists only on the way to an augmented assignment:
    ``x[mask] += v`` is ``x[mask] = x[mask] + v``, written as ``where(mask, x + v, x)``."""

    __slots__ = ("base", "key", "ufunc", "operand")

    def __init__(self, base: Any, key: Any, ufunc: Any = None, operand: Any = None) -> None:
        self.base, self.key, self.ufunc, self.operand = base, key, ufunc, operand

    def _updated(ufunc: Any) -> Any:  # noqa: N805 - class-body helper
        def method(self: MaskedSelection, other: Any) -> MaskedSelection:
            if self.ufunc is not None:
                raise NotImplementedError(_TRACED_MASK_READ)
            return MaskedSelection(self.base, self.key, ufunc, other)
        return method

    __iadd__ = _updated(np.add)
    __isub__ = _updated(np.subtract)
    __imul__ = _updated(np.multiply)
    __itruediv__ = _updated(np.true_divide)
    __ipow__ = _updated(np.power)
    __imod__ = _updated(np.remainder)
    __ifloordiv__ = _updated(np.floor_divide)
    del _updated

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        raise NotImplementedError(_TRACED_MASK_READ)

    def __array_ufunc__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(_TRACED_MASK_READ)

    def __array_function__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(_TRACED_MASK_READ)

    def __getattr__(self, name: Any) -> Any:
        raise NotImplementedError(_TRACED_MASK_READ)


def _refuse(self: MaskedSelection, *args: Any) -> Any:
    raise NotImplementedError(_TRACED_MASK_READ)


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "lt", "le",
              "gt", "ge", "and", "or", "xor"):
    setattr(MaskedSelection, f"__{_name}__", _refuse)
    setattr(MaskedSelection, f"__r{_name}__", _refuse)
for _name in ("neg", "abs", "getitem", "setitem", "len", "iter", "float", "bool", "eq", "ne"):
    setattr(MaskedSelection, f"__{_name}__", _refuse)
del _name


def _traced_mask_key(key: Any) -> Any:
    """Whether ``key`` holds a boolean mask that is traced (varies per example under vmap)."""
    entries = key if isinstance(key, tuple) else (key,)
    return any(isinstance(e, Tracer) and dtype_of(e) == np.bool_ for e in entries)


def getitem(a: ArrayLike, key: Any) -> Array:
    """``a[key]``: basic (ints, slices, ``...``, ``None``) and advanced (integer arrays and
    lists, boolean masks) indexing with NumPy's semantics; cotangents of repeated indices add.

    >>> getitem(np.arange(5.0), [0, 0, -1])
    array([0., 0., 4.])
    """
    if type(a) in (list, tuple):  # [t1, t2][key]: the array NumPy would build from it
        a = function_handlers["sequence"](a)
    if isinstance(a, Tracer) or _is_traced_key(key):
        if _traced_mask_key(key):
            # stands in for a[mask] on its way to an augmented assignment (a[mask] += v)
            return typing.cast(Array, MaskedSelection(a, key))
        idx, dyn = _normalize_index(key, shape_of(a))
        out = bind(getitem_p, a, *dyn, idx=idx)
        if not dyn and isinstance(out, Tracer) and isinstance(a, Tracer) and _is_view(idx, out):
            record_view(out, a, lambda b: bind(getitem_p, b, idx=idx),
                        lambda b, v: function_handlers["setitem"](b, idx, v),
                        lambda lay: lay[idx])
        return out
    return np.asarray(a)[key]


def _is_view(idx: Any, out: Any) -> Any:
    """Whether NumPy's ``a[idx]`` is a view: basic indexing, except a scalar result (which
    NumPy returns as a new scalar unless the index has an ellipsis)."""
    ellipsis = False
    for e in idx:
        if type(e) is np.ndarray or type(e) is bool:
            return False
        ellipsis = ellipsis or e is Ellipsis
    return ellipsis or bool(out.shape)


def _is_traced_key(key: Any) -> Any:
    key = key if isinstance(key, tuple) else (key,)
    return _contains_tracer(key) or any(backend.keep_input(e) for e in key)


function_handlers["getitem"] = getitem


@implements(np.take)
def take(a: ArrayLike, indices: ArrayLike, axis: int | None = None, out: NDArray[Any] | None = None,
         mode: str | None = None) -> Array:
    """``take(a, indices, axis=None, mode="raise")``: ``a`` indexed by ``indices`` along
    ``axis`` (the flattened array when None); ``mode`` "wrap" or "clip" for out-of-range.

    >>> take(np.arange(6.0).reshape(2, 3), [2, 0], axis=1)
    array([[2., 0.],
           [5., 3.]])
    """
    if out is not None:
        raise TypeError("take: out= is not supported on traced values")
    if axis is None or len(shape_of(a)) == 0:  # NumPy takes from a 0-d array as a 1-d one
        a, axis = ravel(a), 0 if axis is None else axis
    axis = normalize_axis(axis, len(shape_of(a)), "take")
    n = shape_of(a)[axis]
    if mode in ("wrap", "clip"):
        if not isinstance(indices, Tracer) and not backend.keep_input(indices):
            indices = np.asarray(indices)
        if mode == "wrap":
            indices = indices % n  # type: ignore[operator]  # ndarray, Tracer or Dask here
        else:
            indices = clip(indices, 0, n - 1)
    elif mode not in (None, "raise"):
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    if backend.keep_input(indices):  # a lazy library's index array (Dask) stays lazy
        _check_lazy_index(indices)
    elif not isinstance(indices, Tracer):
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu" and indices.size:
            raise TypeError(f"take: indices must be integers, got dtype {indices.dtype}")
        indices = indices.astype(np.intp)
    return getitem(a, (slice(None),) * axis + (indices,))


# -- index-valued functions (no derivative) ----------------------------------------------
def _argwhere_batch(prim: Any) -> Any:
    # the number of nonzero entries may differ between examples, so loop and stack
    def rule(vals: Any, bdims: Any) -> Any:
        from ._joining import stack
        x = move_bdim(vals[0], bdims[0], 0)
        rows = [bind(prim, x[i]) for i in range(shape_of(x)[0])]
        if len({shape_of(r) for r in rows}) > 1:
            raise ValueError(
                "nonzero/argwhere inside vmap: examples have different numbers of nonzero "
                f"entries ({[shape_of(r)[0] for r in rows]}), so the batched result would be "
                "ragged. Use a mask (np.where) instead of indices.")
        if not rows:
            return np.zeros((0, 0, len(shape_of(x)) - 1), np.intp), 0
        return stack(rows), 0
    return rule


argwhere_p = builders.nondifferentiable("argwhere", np.argwhere, batch=_argwhere_batch)


@implements(np.argwhere)
def argwhere(a: ArrayLike) -> Array:
    """``argwhere(a)``: indices of the nonzero elements, one row each (no derivative).

    >>> argwhere(np.array([[0.0, 1.0], [2.0, 0.0]]))
    array([[0, 1],
           [1, 0]])
    """
    return bind(argwhere_p, a)


@implements(np.nonzero)
def nonzero(a: ArrayLike) -> tuple[Array, ...]:
    """``nonzero(a)``: a tuple of index arrays, one per axis (no derivative).

    >>> nonzero(np.array([0.0, 3.0, 0.0, 1.0]))
    (array([1, 3]),)
    """
    if len(shape_of(a)) == 0:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                         "np.atleast_1d(scalar).nonzero() instead.")
    rows = argwhere(a)
    return tuple(getitem(rows, (slice(None), k)) for k in range(len(shape_of(a))))


@implements(np.flatnonzero)
def flatnonzero(a: ArrayLike) -> Array:
    """``flatnonzero(a)``: indices of the nonzero elements of ``ravel(a)`` (no derivative).

    >>> flatnonzero(np.array([[0.0, 1.0], [2.0, 0.0]]))
    array([1, 2])
    """
    return nonzero(ravel(a))[0]
