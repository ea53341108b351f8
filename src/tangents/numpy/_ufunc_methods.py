"""NumPy's ufunc methods on traced values: ``np.add.reduce`` is ``sum`` over axis 0,
``np.maximum.reduce`` is ``max``, ``np.add.accumulate`` is ``cumsum``, ``ufunc.outer`` is the
ufunc on operands broadcast against each other, ``reduceat`` a reduction of gathered
segments, and so on, each through the differentiable function it equals.  ``ufunc.at``
updates a traced array in place (``Tracer._become``, as ``x[i] += v``), unbuffered: a
repeated index applies the ufunc once per occurrence, in order."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import (
    Primitive,
    Tracer,
    batch_axis_op,
    bind,
    sparsity,
    ufunc_handlers,
    ufunc_method_handlers,
)
from ._creation import cast
from ._dispatch import dtype_of, ndim, normalize_axis, shape_of
from ._elementwise import equal, maximum, subtract, true_divide, where
from ._indexing import getitem, take
from ._joining import concatenate
from ._reductions import amax, amin, cumprod, cumsum, prod, sum
from ._shape import broadcast_to, ravel, reshape
from ._updates import _require_traced_target, add_at, set_at

__all__: list = []


def _reduction(fn: Any, ufunc_name: Any, takes_dtype: bool = True) -> Any:
    def reduce(array: Any, axis: Any = 0, dtype: Any = None, out: Any = None,
               keepdims: bool = False, initial: Any = None, where: bool = True) -> Any:
        if out is not None or (dtype is not None and not takes_dtype):
            raise TypeError(f"numpy.{ufunc_name}.reduce: out= (a buffer) "
                            f"{'' if takes_dtype else 'and dtype= '}are not supported on "
                            "traced values; use the returned value")
        kw = {} if initial is None else {"initial": initial}
        if where is not True:
            kw["where"] = where
        if takes_dtype:
            kw["dtype"] = dtype
        return fn(array, axis=axis, keepdims=keepdims, **kw)
    return reduce


def _folded(combine: Any, total: Any) -> Any:
    """``subtract.reduce`` / ``divide.reduce``: the first entry combined with the total of
    the others (a0 - a1 - a2 ... = a0 - (a1 + a2 + ...))."""
    def reduce(array: Any, axis: Any = 0, dtype: Any = None, out: Any = None, keepdims: bool = False
               ) -> Any:
        if out is not None:
            raise TypeError("ufunc.reduce(..., out=...) is not supported on traced values")
        from ._indexing import getitem
        ax = axis % ndim(array)
        lead = (slice(None),) * ax
        first = getitem(array, lead + (slice(0, 1),))
        rest = total(getitem(array, lead + (slice(1, None),)), axis=ax, dtype=dtype,
                     keepdims=True)
        out_ = combine(first, rest)
        return out_ if keepdims else reshape(out_, tuple(
            d for i, d in enumerate(out_.shape) if i != ax))
    return reduce


def _accumulation(fn: Any) -> Any:
    def accumulate(array: Any, axis: Any = 0, dtype: Any = None, out: Any = None) -> Any:
        if out is not None:
            raise TypeError("ufunc.accumulate(..., out=...) is not supported on traced values")
        return fn(array, axis=axis, dtype=dtype)
    return accumulate


def _outer(ufunc: Any) -> Any:
    def outer(a: Any, b: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError(f"numpy.{ufunc.__name__}.outer on traced values takes no keywords")
        a = reshape(a, tuple(np.shape(a)) + (1,) * ndim(b))
        return ufunc_handlers[ufunc](a, b)
    return outer


ufunc_method_handlers.update({
    (np.add, "reduce"): _reduction(sum, "add"),
    (np.multiply, "reduce"): _reduction(prod, "multiply"),
    (np.maximum, "reduce"): _reduction(amax, "maximum", takes_dtype=False),
    (np.minimum, "reduce"): _reduction(amin, "minimum", takes_dtype=False),
    (np.fmax, "reduce"): _reduction(amax, "fmax", takes_dtype=False),
    (np.fmin, "reduce"): _reduction(amin, "fmin", takes_dtype=False),
    (np.subtract, "reduce"): _folded(subtract, sum),
    (np.true_divide, "reduce"): _folded(true_divide, prod),
    (np.add, "accumulate"): _accumulation(cumsum),
    (np.multiply, "accumulate"): _accumulation(cumprod),
})
for _ufunc in list(ufunc_handlers):
    if isinstance(_ufunc, np.ufunc) and _ufunc.nin == 2 and _ufunc.nout == 1:
        ufunc_method_handlers[(_ufunc, "outer")] = _outer(_ufunc)
del _ufunc


# -- maximum.accumulate / minimum.accumulate ----------------------------------------------
def _shift(v: Any, s: Any, axis: Any, fill: Any) -> Any:
    """``v`` moved ``s`` places forward along ``axis``, the first ``s`` entries ``fill``."""
    vs = shape_of(v)
    lead = np.full(vs[:axis] + (s,) + vs[axis + 1:], fill, dtype_of(v))
    return concatenate([lead, getitem(v, (slice(None),) * axis + (slice(None, -s),))], axis)


def _run_scan(v: Any, keys: Any, axis: Any, reverse: bool = False) -> Any:
    """Inclusive sums of ``v`` along ``axis`` within runs of equal ``keys`` (monotone along
    the axis, so equal keys at k and k - s mean one run from k - s to k): Hillis-Steele
    doubling, log2(n) shifted additions."""
    if reverse:
        flip = (slice(None),) * axis + (slice(None, None, -1),)
        return getitem(_run_scan(getitem(v, flip), getitem(keys, flip), axis), flip)
    s = 1
    while s < shape_of(v)[axis]:
        same = equal(keys, _shift(keys, s, axis, np.nan))  # NaN equals nothing
        v = v + where(same, _shift(v, s, axis, 0), 0.0)
        s *= 2
    return v


# ans_k = the mean of the entries x_j (j <= k) equal to ans_k (ties share equally, as in
# max; docs/conventions.md): linear in x with constant masks, so its JVP is that average
# of t and its VJP the transposed (reversed) scan.  After a NaN the derivative is 0.
def _cumext_parts(ans: Any, x: Any, axis: Any) -> Any:
    tie = equal(x, ans)
    count = _run_scan(cast(tie, dtype_of(x)), ans, axis)
    return tie, maximum(count, 1.0)


def _cumext_jvp(t: Any, ans: Any, x: Any, *, axis: Any) -> Any:
    tie, count = _cumext_parts(ans, x, axis[0])
    return _run_scan(where(tie, t, 0.0), ans, axis[0]) / count


def _cumext_vjp(ct: Any, ans: Any, x: Any, *, axis: Any) -> Any:
    tie, count = _cumext_parts(ans, x, axis[0])
    return where(tie, _run_scan(ct / count, ans, axis[0], reverse=True), 0.0)


def _cumext(ufunc: Any) -> Any:
    prim = Primitive(f"cum{ufunc.__name__[:3]}",
                     lambda x, *, axis: ufunc.accumulate(x, axis=axis[0]))
    prim.def_jvp(_cumext_jvp)
    prim.def_vjp(_cumext_vjp)
    prim.def_batch(batch_axis_op(prim))
    prim.def_sparsity(sparsity.cumulative(nonlinear=False))  # piecewise linear

    def accumulate(array: Any, axis: Any = 0, dtype: Any = None, out: Any = None) -> Any:
        if out is not None:
            raise TypeError(f"numpy.{ufunc.__name__}.accumulate(..., out=...) is not "
                            "supported on traced values; use the returned value")
        if dtype is not None:
            array = cast(array, dtype)
        ax = normalize_axis(axis, ndim(array), f"{ufunc.__name__}.accumulate")
        return bind(prim, array, axis=(ax,))
    return prim, accumulate


cummax_p, _cummax = _cumext(np.maximum)
cummin_p, _cummin = _cumext(np.minimum)


# -- reduceat ---------------------------------------------------------------------------
def _segments(indices: Any, n: Any, name: Any) -> Any:
    """(starts, ends) of NumPy's reduceat segments: ``[i_k, i_k+1)`` where ``i_k < i_k+1``,
    else the one entry ``i_k``; the last segment runs to the end."""
    if isinstance(indices, Tracer):
        raise NotImplementedError(f"numpy.{name}.reduceat: indices traced by vmap are not "
                                  "supported; compute them outside the transform")
    starts = np.asarray(indices)
    if starts.ndim != 1 or (starts.size and starts.dtype.kind not in "iu"):
        raise TypeError(f"numpy.{name}.reduceat: indices must be a 1-d integer array, got "
                        f"shape {starts.shape} and dtype {starts.dtype}")
    bad = starts[(starts < 0) | (starts >= n)]
    if bad.size:
        raise IndexError(f"numpy.{name}.reduceat: index {bad[0]} out-of-bounds in "
                         f"[0, {n}) along the reduced axis")
    ends = np.append(starts[1:], n)
    return starts, np.where(starts < ends, ends, starts + 1)


def _reduceat(ufunc: Any, reduce: Any, fill: Any) -> Any:
    name = ufunc.__name__

    def reduceat(array: Any, indices: Any, axis: Any = 0, dtype: Any = None, out: Any = None
                 ) -> Any:
        if out is not None:
            raise TypeError(f"numpy.{name}.reduceat(..., out=...) is not supported on traced "
                            "values; use the returned value")
        if dtype is not None:
            array = cast(array, dtype)
        ax = normalize_axis(axis, ndim(array), f"{name}.reduceat")
        n = shape_of(array)[ax]
        starts, ends = _segments(indices, n, name)
        lengths = ends - starts
        width = int(lengths.max(initial=0))
        lead = (slice(None),) * ax
        if starts.size * width > 4 * int(lengths.sum()) + 1024:  # ragged: one slice each
            parts = [reduce(getitem(array, lead + (slice(a, b),)), axis=ax, keepdims=True)
                     for a, b in zip(starts, ends)]
            return concatenate(parts, ax)
        # gather the segments into rows padded with the ufunc's identity, then reduce rows
        table = starts[:, None] + np.arange(width)
        table = np.where(np.arange(width) < lengths[:, None], table, n)
        s = shape_of(array)
        pad = np.full(s[:ax] + (1,) + s[ax + 1:], fill(array), dtype_of(array))
        return reduce(take(concatenate([array, pad], ax), table, axis=ax), axis=ax + 1)
    return reduceat


def _lowest(a: Any) -> Any:
    dt = dtype_of(a)
    return -np.inf if dt.kind in "fc" else np.iinfo(dt).min if dt.kind in "iu" else False


def _highest(a: Any) -> Any:
    dt = dtype_of(a)
    return np.inf if dt.kind in "fc" else np.iinfo(dt).max if dt.kind in "iu" else True



# -- ufunc.at ---------------------------------------------------------------------------
def _occurrence(flat: Any) -> Any:
    """For each write to the flat positions ``flat``, how many earlier writes hit its
    target (0 for the first)."""
    order = np.argsort(flat, kind="stable")
    ranked = flat[order]
    first = np.ones(ranked.size, bool)
    first[1:] = ranked[1:] != ranked[:-1]
    run_start = np.maximum.accumulate(np.where(first, np.arange(ranked.size), 0))
    rank = np.empty(ranked.size, np.intp)
    rank[order] = np.arange(ranked.size) - run_start
    return rank


def _at_rounds(ufunc: Any, a: Any, flat: Any, vals: Any) -> Any:
    """Round r applies the ufunc at the r-th occurrence of each target (targets unique
    within a round), so the result is NumPy's sequential one for any ufunc."""
    rank = _occurrence(flat)
    for r in range(int(rank.max(initial=-1)) + 1):
        sel = np.flatnonzero(rank == r)
        old = getitem(a, flat[sel])
        new = (ufunc_handlers[ufunc](old) if vals is None
               else ufunc_handlers[ufunc](old, getitem(vals, sel)))
        a = set_at(a, flat[sel], new)
    return a


def _at_extremum(reduce: Any, fill: Any) -> Any:
    """``maximum.at``: each target becomes the max of its old value and every value written
    there, one reduction per target, so tied values share its derivative equally (as in
    ``max``; docs/conventions.md)."""
    def apply(ufunc: Any, a: Any, flat: Any, vals: Any) -> Any:
        targets, row = np.unique(flat, return_inverse=True)
        h, m = targets.size, flat.size
        rank = _occurrence(flat)
        table = np.full((int(rank.max(initial=-1)) + 2, h), h + m)  # h + m: the fill
        table[0] = np.arange(h)
        table[rank + 1, row.ravel()] = h + np.arange(m)
        pool = concatenate([getitem(a, targets), cast(vals, dtype_of(a)),
                            np.full(1, fill(a), dtype_of(a))])
        return set_at(a, targets, reduce(take(pool, table), axis=0))
    return apply


def _at_add(ufunc: Any, a: Any, flat: Any, vals: Any) -> Any:
    return add_at(a, flat, vals if ufunc is np.add else -vals)


def _at(ufunc: Any, apply: Any) -> Any:
    name = f"numpy.{ufunc.__name__}.at"

    def at(a: Any, indices: Any, b: Any = None) -> Any:
        if not isinstance(a, Tracer):
            _require_traced_target(a, name)
        entries = indices if isinstance(indices, tuple) else (indices,)
        if any(isinstance(e, Tracer) for e in entries):
            raise NotImplementedError(
                f"{name}: indices traced by vmap (varying per example) are not supported; "
                "compute the indices outside the transform, or write np.where(mask, new, a) "
                "with a mask shaped like a")
        if (b is None) != (ufunc.nin == 1):
            raise ValueError(f"{name}(a, indices{', b' if ufunc.nin == 2 else ''}): "
                             f"{ufunc.__name__} takes {ufunc.nin} operand(s)")
        s = shape_of(a)
        # the flat position of each write, in NumPy's order (NumPy's own index errors)
        pos = np.arange(int(np.prod(s)), dtype=np.intp).reshape(s)[indices]
        vals = None if b is None else ravel(broadcast_to(b, pos.shape))
        new = apply(ufunc, ravel(a), pos.ravel(), vals)
        if not np.can_cast(dtype_of(new), dtype_of(a), "same_kind"):
            raise TypeError(f"{name}: cannot cast the result from {dtype_of(new)} to the "
                            f"array's {dtype_of(a)} (same_kind casting)")
        a._become(reshape(new, s))
    return at


ufunc_method_handlers.update({
    (np.maximum, "accumulate"): _cummax,
    (np.minimum, "accumulate"): _cummin,
    (np.add, "reduceat"): _reduceat(np.add, sum, lambda a: 0),
    (np.multiply, "reduceat"): _reduceat(np.multiply, prod, lambda a: 1),
    (np.maximum, "reduceat"): _reduceat(np.maximum, amax, _lowest),
    (np.minimum, "reduceat"): _reduceat(np.minimum, amin, _highest),
})
for _ufunc in list(ufunc_handlers):
    if isinstance(_ufunc, np.ufunc) and _ufunc.nout == 1 and _ufunc.nin in (1, 2):
        ufunc_method_handlers[(_ufunc, "at")] = _at(_ufunc, _at_rounds)
for _ufunc, _apply in ((np.add, _at_add), (np.subtract, _at_add),
                       (np.maximum, _at_extremum(amax, _lowest)),
                       (np.minimum, _at_extremum(amin, _highest))):
    ufunc_method_handlers[(_ufunc, "at")] = _at(_ufunc, _apply)
del _ufunc, _apply


# -- tnp's ufuncs carry NumPy's methods and attributes ----------------------------------
_METHODS = ("reduce", "accumulate", "reduceat", "outer", "at")
_ATTRIBUTES = ("nin", "nout", "nargs", "ntypes", "types", "identity", "signature")


def attach_ufunc_methods(namespace: Any) -> None:
    """Give each function of ``namespace`` (tangents.numpy's globals) that stands for a
    NumPy ufunc that ufunc's methods and attributes: ``tnp.add.reduce`` is ``np.add.reduce``
    itself, so plain arrays get NumPy's exact behaviour (values, dtype, in-place ``at``,
    return value) and traced ones reach the handlers above through NumPy's dispatch.
    Attributes on a Python function cost nothing per call, so ``tnp.add(x, y)`` is as
    cheap as before."""
    for name, fn in namespace.items():
        ufunc = getattr(np, name, None)
        if (not isinstance(ufunc, np.ufunc) or isinstance(fn, np.ufunc)
                or not callable(fn) or hasattr(fn, "reduce")):
            continue
        for attr in _METHODS + _ATTRIBUTES:
            setattr(fn, attr, getattr(ufunc, attr))
