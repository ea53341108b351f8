"""In-place updates of traced arrays and their functional form (putmask and place too).

``x[idx] = v``, ``x[idx] -= v``, ``x += v``, ``np.fill_diagonal``, ``np.copyto`` and
``np.put`` on a traced array rebind that array (every reference sees the update, as with
NumPy); ``tnp.at(x)[idx].set(v)`` / ``.add(v)`` / ``.multiply(v)`` return a new array.
All are compositions of getitem's transpose (``add_at``) with constant masks:

    set(x, idx, v) = where(keep, x, 0) + add_at(v * last, idx)

where ``keep`` is False at the written entries and ``last`` keeps, for an index that names an
entry several times, only the last write (NumPy's behaviour for repeated indices).
A boolean mask that varies per example under vmap cannot become index arrays (their length
would differ between examples); a write through it is ``where(mask, v, x)``, which needs
``v`` to broadcast without the masked axes (a scalar, or one value per trailing position);
``x[mask] += v`` (any augmented operator) is ``where(mask, x + v, x)``, and ``z[m] = y[m]``
(one mask object) is ``where(m, y, z)``.  Reading ``x[mask]`` otherwise raises.
Views behave as in NumPy (see ``core/aliasing.py``): after ``y = x[0:2]``, writing into
``y`` changes ``x`` and writing into ``x`` changes ``y``.
"""
from __future__ import annotations

from typing import Any, Literal

import numpy as np

from ..core import Tracer, TracerConversionError, bind, function_handlers
from ..typing import Array, ArrayLike
from ._creation import cast
from ._dispatch import dtype_of, implements, is_traced, shape_of
from ._elementwise import where
from ._indexing import (
    _TRACED_MASK_READ,
    MaskedSelection,
    _normalize_index,
    _traced_mask_key,
    add_at_p,
    getitem,
    take,
)
from ._logic import _bool, _check
from ._reductions import cumsum
from ._shape import broadcast_to, ravel, reshape

__all__ = ["at", "fill_diagonal", "copyto", "put", 'putmask', 'place']


def _plan(xshape: Any, key: Any) -> Any:
    """(template index, shape of x[key], mask of last writes or None, keep mask)."""
    idx, dyn = _normalize_index(key, xshape)
    if dyn:
        raise NotImplementedError(
            "assigning through index arrays that vary under vmap is not supported; use "
            "np.where with a mask, or index with plain integer arrays")
    positions = np.arange(int(np.prod(xshape)), dtype=np.intp).reshape(xshape)[idx]
    keep = np.ones(xshape, bool)
    keep[idx] = False
    last = None
    if any(isinstance(e, np.ndarray) for e in idx) and positions.size:
        flat = positions.ravel()
        rev_first = np.unique(flat[::-1], return_index=True)[1]
        if len(rev_first) != flat.size:  # repeated targets: only the last write lands
            last = np.zeros(flat.size, bool)
            last[flat.size - 1 - rev_first] = True
            last = last.reshape(positions.shape)
    return idx, positions.shape, last, keep


def _scatter(x: Any, key: Any, v: Any) -> Any:
    """(x with zeros at key, v placed at key on zeros): the two halves of set/add."""
    xs, dt = shape_of(x), dtype_of(x)
    idx, sel, last, keep = _plan(xs, key)
    v = cast(v, dt) if isinstance(v, Tracer) else np.asarray(v, dt)
    v = broadcast_to(v, sel)
    if last is not None:
        v = where(last, v, 0.0)
    return idx, keep, bind(add_at_p, v, shape=xs, idx=idx)


def _masked(x: Any, key: Any, v: Any, op: Any) -> Any:
    """``(mask, v)`` broadcast against ``x`` for a write through the traced boolean mask in
    ``key``: ``x[mask] = v`` is ``where(mask, v, x)`` when ``v`` has no extent along the
    (data-dependent) axis of the selected entries."""
    entries = key if isinstance(key, tuple) else (key,)
    k = next(i for i, e in enumerate(entries) if isinstance(e, Tracer))
    mask, before, after = entries[k], entries[:k], entries[k + 1:]
    others = before + after
    if (sum(e is Ellipsis for e in others) > 1 or not all(
            e is Ellipsis or (isinstance(e, slice) and e == slice(None)) for e in others)):
        raise NotImplementedError(
            f"{op} through a boolean mask traced by vmap supports the mask alone or with full "
            f"slices and one Ellipsis (x[mask], x[:, mask], x[..., mask]); got the index "
            f"{key!r}. Write np.where(mask, value, x) with a mask shaped like x instead.")
    xs, m = shape_of(x), len(shape_of(mask))
    n_after = sum(e is not Ellipsis for e in after)
    start = len(xs) - m - n_after if Ellipsis in before else len(before)
    if start < 0 or start + m + n_after > len(xs) or shape_of(mask) != xs[start:start + m]:
        raise IndexError(f"boolean index did not match indexed array: the mask has shape "
                         f"{shape_of(mask)} but the array has shape {xs} (index {key!r})")
    lead, trail = xs[:start], xs[start + m:]
    v = cast(v, dtype_of(x)) if isinstance(v, Tracer) else np.asarray(v, dtype_of(x))
    rank = len(lead) + 1 + len(trail)
    vs = shape_of(v)
    padded = (1,) * (rank - len(vs)) + vs
    if len(vs) > rank or padded[len(lead)] != 1:
        raise ValueError(
            f"{op}: x[mask] = v with v of shape {vs} needs one value per selected entry, but "
            f"the number of entries mask selects varies between examples under vmap (mask "
            f"of shape {shape_of(mask)} on x of shape {xs}), so the write is data-dependent. Give "
            "v without that axis (a scalar, or shape x.shape[mask.ndim:]) or lay the values "
            "out like x and use np.where(mask, values, x).")
    target = padded[:len(lead)] + (1,) * m + padded[len(lead) + 1:]
    if np.broadcast_shapes(target, xs) != xs:
        raise ValueError(f"{op}: shape mismatch: value array of shape {vs} could not be "
                         f"broadcast to the indexing result of x (shape {xs}) at mask "
                         f"{shape_of(mask)}")
    return reshape(mask, shape_of(mask) + (1,) * len(trail)), reshape(v, target)


def set_at(x: ArrayLike, key: Any, v: ArrayLike) -> Array:
    """``x`` with ``x[key]`` replaced by ``v`` (a new array)."""
    if isinstance(v, MaskedSelection):
        return _masked_update(x, key, v)
    if _traced_mask_key(key):
        mask, v = _masked(x, key, v, "assignment")
        return where(mask, v, x)
    _, keep, placed = _scatter(x, key, v)
    return where(keep, x, 0.0) + placed


def _masked_update(x: Any, key: Any, sel: Any) -> Any:
    """``x[key] = sel`` where ``sel`` is ``y[key] <op> operand`` (``x[mask] += v``): the
    same selection of an array shaped like ``x``, so ``where(mask, y <op> operand, x)``."""
    if not _same_key(sel.key, key) or shape_of(sel.base) != shape_of(x):
        raise NotImplementedError(_TRACED_MASK_READ)
    if sel.ufunc is None:
        mask, _ = _masked(x, key, 0.0, "assignment")
        return where(mask, sel.base, x)
    mask, operand = _masked(x, key, sel.operand, f"x[mask] {sel.ufunc.__name__}=")
    return where(mask, sel.ufunc(sel.base, operand), x)


def _same_key(a: Any, b: Any) -> Any:
    """The same index: the same mask objects (their values cannot be compared per example)."""
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    return len(a) == len(b) and all(
        p is q or (isinstance(p, slice) and isinstance(q, slice) and p == q) for p, q in zip(a, b))


def add_at(x: ArrayLike, key: Any, v: ArrayLike) -> Array:
    """``x`` with ``v`` added at ``key``; repeated indices accumulate (like ``np.add.at``)."""
    if _traced_mask_key(key):
        mask, v = _masked(x, key, v, "at[...].add")
        return x + where(mask, v, 0.0)
    xs, dt = shape_of(x), dtype_of(x)
    idx, dyn = _normalize_index(key, xs)
    if dyn:
        raise NotImplementedError("add through index arrays that vary under vmap is not "
                                  "supported")
    sel = np.empty(xs, bool)[idx].shape
    v = cast(v, dt) if isinstance(v, Tracer) else np.asarray(v, dt)
    return x + bind(add_at_p, broadcast_to(v, sel), shape=xs, idx=idx)


def _setitem(x: Any, key: Any, v: Any) -> Any:
    return set_at(x, key, v)


function_handlers["setitem"] = _setitem


class _AtIndex:
    __slots__ = ("x", "key")

    def __init__(self, x: Array, key: Any) -> None:
        self.x, self.key = x, key

    def get(self) -> Array:
        return getitem(self.x, self.key)

    def set(self, v: ArrayLike) -> Array:
        return set_at(self.x, self.key, v)

    def add(self, v: ArrayLike) -> Array:
        return add_at(self.x, self.key, v)

    def multiply(self, v: ArrayLike) -> Array:
        if _traced_mask_key(self.key):
            mask, v = _masked(self.x, self.key, v, "at[...].multiply")
            return where(mask, self.x * v, self.x)
        return set_at(self.x, self.key, getitem(self.x, self.key) * v)


class _At:
    __slots__ = ("x",)

    def __init__(self, x: Array) -> None:
        self.x = x

    def __getitem__(self, key: Any) -> _AtIndex:
        return _AtIndex(self.x, key)


def at(x: ArrayLike) -> _At:
    """``at(x)[idx].set(v)`` / ``.add(v)`` / ``.multiply(v)`` / ``.get()``: functional updates
    returning a new array (``x`` is left unchanged); ``.add`` accumulates repeated indices.

    >>> at(np.zeros(3))[[0, 0, 2]].add(1.0)
    array([2., 0., 1.])
    """
    if not isinstance(x, Tracer):
        x = np.asarray(x)
    return _At(x)


def _plain_write(a: Any, *values: Any) -> bool:
    """Nothing is traced: NumPy's own in-place function does the write."""
    return not isinstance(a, Tracer) and not any(isinstance(v, Tracer) for v in values)


def _require_traced_target(a: Any, op: str) -> None:
    if not isinstance(a, Tracer):
        raise TracerConversionError(
            f"{op} would write a traced value into a plain ndarray, dropping its derivative. "
            "Make the buffer from a traced array (np.zeros_like(x), x.copy()) or use "
            "tnp.at(buffer)[idx].set(value), which returns a new array.")


def _cyclic(values: Any, n: Any) -> Any:
    """``values`` repeated cyclically to length ``n`` (how NumPy's flat writes fill)."""
    if isinstance(values, Tracer) or np.ndim(values):
        flat = ravel(values)
        m = shape_of(flat)[0]
        return flat if m == n else getitem(flat, np.arange(n) % max(m, 1))
    return values


@implements(np.fill_diagonal)
def fill_diagonal(a: Array, val: ArrayLike, wrap: bool = False) -> None:
    """``fill_diagonal(a, val, wrap=False)``: in place, as NumPy (``a`` must be traced when
    ``val`` is)."""
    if _plain_write(a, val):
        return np.fill_diagonal(a, val, wrap)  # type: ignore[arg-type]  # plain: NumPy checks
    _require_traced_target(a, "np.fill_diagonal")
    s = shape_of(a)
    if len(s) < 2:
        raise ValueError("fill_diagonal: array must be at least 2-d")
    if len(s) == 2:
        step, end = s[1] + 1, (None if wrap else s[1] * s[1])
    else:
        if len(set(s)) != 1:
            raise ValueError("fill_diagonal: all dimensions of input must be of equal length")
        step, end = 1 + int(np.cumprod(s[:-1]).sum()), None
    flat = np.arange(int(np.prod(s)))[:end:step]
    a[np.unravel_index(flat, s)] = _cyclic(val, flat.size)


@implements(np.copyto)
def copyto(dst: Array, src: ArrayLike, casting: str = "same_kind", where: ArrayLike = True
           ) -> None:
    """``copyto(dst, src, where=True)``: in place into a traced ``dst``."""
    if _plain_write(dst, src, where):
        return np.copyto(dst, src, casting, where)  # type: ignore[arg-type]  # plain: NumPy checks
    _require_traced_target(dst, "np.copyto")
    if where is True:
        dst[...] = src
    else:
        from ._elementwise import where as where_
        dst[...] = where_(where, src, dst)


@implements(np.put)
def put(a: Array, ind: ArrayLike, v: ArrayLike, mode: Literal["raise", "wrap", "clip"] = "raise"
        ) -> None:
    """``put(a, ind, v, mode="raise")``: in place into a traced ``a`` at flat indices."""
    if _plain_write(a, ind, v):
        return np.put(a, ind, v, mode)  # type: ignore[arg-type]  # plain: NumPy checks
    _require_traced_target(a, "np.put")
    s = shape_of(a)
    n = int(np.prod(s))
    ind = np.asarray(ind, np.intp).ravel()
    if mode == "wrap":
        ind = ind % n
    elif mode == "clip":
        ind = np.clip(ind, 0, n - 1)
    elif ((ind < -n) | (ind >= n)).any():
        raise IndexError(f"put: index out of bounds for an array of size {n}")
    a[np.unravel_index(ind % n, s)] = _cyclic(v, ind.size)


# -- putmask and place: writes through a mask ------------------------------------------------
def _flat_mask(a: Any, mask: Any, op: Any) -> Any:
    if int(np.prod(shape_of(mask))) != int(np.prod(shape_of(a))):
        raise ValueError(f"{op}: mask and data must be the same size")
    return reshape(_bool(mask), shape_of(a))


@implements(np.putmask)
def putmask(a: Array, mask: ArrayLike, values: ArrayLike) -> None:
    """``putmask(a, mask, values)``: in place, ``a.flat[n] = values.flat[n % values.size]``
    where ``mask.flat[n]``; ``a`` must be traced when ``values`` is.

    >>> a = np.zeros(3); putmask(a, a == 0, np.array([1.0, 2.0])); a
    array([1., 2., 1.])
    """
    if not is_traced(a, mask, values):
        return np.putmask(a, mask, values)  # type: ignore[arg-type]  # plain: NumPy checks
    _require_traced_target(a, "np.putmask")
    m = _flat_mask(a, mask, "putmask")
    n, k = int(np.prod(shape_of(a))), int(np.prod(shape_of(values)))
    if k == 0:
        return None
    vals = take(ravel(values), np.arange(n) % k)
    a[...] = where(m, reshape(cast(vals, dtype_of(a)), shape_of(a)), a)
    return None


def _empty_with_selection(mask: Any) -> Any:
    return np.any(mask)


@implements(np.place)
def place(arr: Array, mask: ArrayLike, vals: ArrayLike) -> None:
    """``place(arr, mask, vals)``: in place, the entries where ``mask`` holds receive
    ``vals`` in order (repeated when it is shorter); ``arr`` must be traced when ``vals``
    is.

    >>> a = np.zeros(3); place(a, a == 0, np.array([1.0, 2.0])); a
    array([1., 2., 1.])
    """
    if not is_traced(arr, mask, vals):
        return np.place(arr, mask, vals)  # type: ignore[arg-type]  # plain: NumPy checks
    if not isinstance(arr, (np.ndarray, Tracer)):
        raise TypeError(f"place() argument 1 must be numpy.ndarray, not "
                        f"{type(arr).__name__}")
    _require_traced_target(arr, "np.place")
    m = _flat_mask(arr, mask, "place")
    k = int(np.prod(shape_of(vals)))
    if k == 0:
        _check(_empty_with_selection, lambda *_: "Cannot insert from an empty array!", m)
        return None
    # the i-th selected entry (in flat order) receives vals[i % k]
    order = cumsum(cast(ravel(m), np.intp)) - 1
    picked = take(ravel(vals), order % k)
    arr[...] = where(m, reshape(cast(picked, dtype_of(arr)), shape_of(arr)), arr)
    return None
