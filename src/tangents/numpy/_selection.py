"""Selection: select, choose, compress, extract, partition, argpartition and piecewise.  The
chosen entries receive the cotangent; index-valued results are plain integers."""
from __future__ import annotations

__all__ = ['select', 'choose', 'compress', 'extract', 'partition', 'argpartition', 'piecewise']

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import numpy as tnp  # the package namespace; read only at call time
from ..core import Tracer, bind, builders, move_bdim, stop_gradient
from ..typing import Array, ArrayLike
from ._creation import asarray, cast, zeros_like
from ._dispatch import (
    _concrete,
    dtype_of,
    implements,
    ndim,
    normalize_axis,
    numpy_on_plain,
    shape_of,
)
from ._elementwise import logical_not, logical_or, where
from ._indexing import getitem, take
from ._logic import _bool, _check
from ._reductions import argmax
from ._shape import ravel, reshape
from ._updates import at


@implements(np.select)
@numpy_on_plain(np.select)
def select(condlist: Sequence[ArrayLike], choicelist: Sequence[ArrayLike], default: ArrayLike = 0
           ) -> Array:
    """``select(condlist, choicelist, default=0)``: the choice of the first true condition;
    the cotangent goes to that choice.

    >>> select([np.array([True, False])], [np.array([1.0, 2.0])], 5.0)
    array([1., 5.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(choicelist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    rdt = np.result_type(*[c if type(c) in (int, float, complex) else dtype_of(c)
                           for c in list(choicelist) + [default]])
    out = tnp.astype(tnp.asarray(default), rdt)
    for cond, choice in reversed(list(zip(condlist, choicelist, strict=True))):
        if dtype_of(cond) != np.bool_:
            raise TypeError("invalid entry in condlist: should be boolean ndarray")
        out = tnp.where(cond, choice, out)
    shp = np.broadcast_shapes(*[shape_of(c) for c in condlist], *[shape_of(c) for c in choicelist],
                              shape_of(default))
    return out if shape_of(out) == shp else tnp.broadcast_to(out, shp) + np.zeros(shp, rdt)


@implements(np.choose)
def choose(a: ArrayLike, choices: Sequence[ArrayLike], out: None = None, mode: str = "raise"
           ) -> Array:
    """``choose(a, choices, mode="raise")``: ``choices[a]`` elementwise (``mode``: raise,
    wrap or clip); the cotangent goes to the chosen entries.

    >>> choose(np.array([1, 0]), [np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    array([3., 2.])
    """
    if out is not None:
        raise TypeError("choose: out= is not supported on traced values")
    choices = list(choices)
    n = len(choices)
    if mode == "wrap":
        a = tnp.remainder(a, n)
    elif mode == "clip":
        a = tnp.clip(a, 0, n - 1)
    elif not isinstance(a, Tracer) and (np.any(np.asarray(a) < 0) or np.any(np.asarray(a) >= n)):
        raise ValueError("invalid entry in choice array")
    res: Any = choices[-1]
    for k in range(n - 2, -1, -1):
        res = tnp.where(tnp.equal(a, k), choices[k], res)
    shp = np.broadcast_shapes(shape_of(a), *[shape_of(c) for c in choices])
    if shape_of(res) == shp:
        return res
    return tnp.broadcast_to(res, shp) + np.zeros(shp, dtype_of(res))


@implements(np.compress)
def compress(condition: ArrayLike, a: ArrayLike, axis: int | None = None, out: None = None
             ) -> Array:
    """``compress(condition, a, axis=None)``: the slices where ``condition`` holds.

    >>> compress([True, False, True], np.array([1.0, 2.0, 3.0]))
    array([1., 3.])
    """
    if out is not None:
        raise TypeError("compress: out= is not supported on traced values")
    cond = _concrete(tnp.not_equal(condition, 0), "compress")
    if cond.ndim != 1:
        raise ValueError("condition must be a 1-d array")
    if axis is None:
        a, axis = tnp.ravel(a), 0
    idx = np.nonzero(cond)[0]
    if idx.size and idx[-1] >= shape_of(a)[axis]:
        raise IndexError(f"index {idx[-1]} is out of bounds for axis {axis} with size "
                         f"{shape_of(a)[axis]}")
    return tnp.take(a, idx, axis=axis)


@implements(np.extract)
def extract(condition: ArrayLike, arr: ArrayLike) -> Array:
    """``extract(condition, arr)``: the elements of ``arr`` where ``condition`` is nonzero.

    >>> extract(np.array([1, 0, 1]), np.array([1.0, 2.0, 3.0]))
    array([1., 3.])
    """
    idx = _concrete(tnp.nonzero(tnp.ravel(condition))[0], "extract")
    return tnp.take(tnp.ravel(arr), idx)


argpartition_p = builders.nondifferentiable(
    "argpartition",
    lambda x, *, kth, axis, kind: np.argpartition(x, kth, axis=axis[0], kind=kind),
    batch=lambda prim: lambda vals, bdims, *, axis, **kw: (
        bind(prim, move_bdim(vals[0], bdims[0], 0), axis=(axis[0] + 1,), **kw), 0))


@implements(np.argpartition)
def argpartition(a: ArrayLike, kth: int | Sequence[int], axis: int | None = -1,
                 kind: str = "introselect", order: str | Sequence[str] | None = None) -> Array:
    """``argpartition(a, kth, axis=-1)``: the partitioning permutation (plain integers)."""
    if order is not None:
        return _by_fields(np.argpartition, "argpartition", a, kth, axis, kind, order)
    if axis is None or (not ndim(a) and axis in (0, -1)):  # NumPy: a 0-d array as 1-d
        a, axis = tnp.ravel(a), 0
    kth = tuple(int(k) for k in np.atleast_1d(kth))
    return bind(argpartition_p, a, kth=kth, axis=(normalize_axis(axis, ndim(a),
                                                                 "argpartition"),), kind=kind)


@implements(np.partition)
@numpy_on_plain(np.partition)
def partition(a: ArrayLike, kth: int | Sequence[int], axis: int | None = -1,
              kind: str = "introselect", order: str | Sequence[str] | None = None) -> Array:
    """``partition(a, kth, axis=-1)``: ``a`` gathered through `argpartition`'s permutation,
    so the derivative follows the entries (as for sort).

    >>> partition(np.array([3.0, 1.0, 2.0]), 1)[1]
    np.float64(2.0)
    """
    if order is not None:
        return _by_fields(np.partition, "partition", a, kth, axis, kind, order)
    if axis is None:
        a, axis = tnp.ravel(a), 0
    return tnp.take_along_axis(a, argpartition(a, kth, axis, kind), axis=axis)


def _by_fields(np_fn: Any, name: str, a: Any, kth: Any, axis: Any, kind: str, order: Any) -> Any:
    """``order=`` names fields of a structured array: NumPy's own function on a plain one."""
    if isinstance(a, Tracer):
        raise TypeError(
            f"{name}(..., order={order!r}) partitions a structured array by its fields, but a "
            f"traced array (shape {shape_of(a)}, dtype {dtype_of(a)}) has no fields. Partition by "
            f"a key instead: tnp.take_along_axis(a, tnp.argpartition(key, kth, axis), axis).")
    return np_fn(a, kth, axis=axis, kind=kind, order=order)


# -- piecewise -----------------------------------------------------------------------------
def _array_like(c: Any) -> bool:
    """Whether NumPy's piecewise reads ``c`` as an array (a traced 0-d value is a scalar)."""
    return isinstance(c, (list, np.ndarray)) or (isinstance(c, Tracer) and ndim(c) > 0)


@implements(np.piecewise)
def piecewise(x: ArrayLike, condlist: ArrayLike | Sequence[ArrayLike],
              funclist: Sequence[Callable[..., Any] | ArrayLike], *args: Any, **kw: Any) -> Array:
    """``piecewise(x, condlist, funclist, *args, **kw)``: NumPy's piecewise, differentiable
    in ``x`` and in any traced value the functions (or scalar entries of ``funclist``) use.

    Each function is called on ``x[cond]`` (a 1-d array of the selected entries, skipped
    when there are none) and later conditions overwrite earlier ones, as in NumPy.  Entries
    no condition selects are 0.  Under vmap, a condition that varies per example selects a
    different number of entries in each: the function is then called once on all of ``x``'s
    entries (flattened), with each entry the condition does not select replaced by the
    first one it does select, and its results are kept where the condition holds.  That is
    NumPy's result for functions that act entry by entry; a function returning one value
    for all the entries (a reduction) raises there.

    >>> piecewise(np.array([-1.0, 2.0]), [np.array([True, False])], [lambda v: -v, np.sqrt])
    array([1.        , 1.41421356])
    """
    x = asarray(x)
    n2 = len(funclist)
    # as NumPy: a condlist whose first entry is not an array is one condition
    conds_in: Any = condlist
    if np.isscalar(conds_in) or (not _array_like(conds_in[0]) and ndim(x) != 0):
        conds_in = [conds_in]
    conds = [_bool(c) for c in conds_in]
    shapes = {shape_of(c) for c in conds}
    if len(shapes) > 1:
        raise ValueError(f"piecewise: the conditions have different shapes {sorted(shapes)}; "
                         "NumPy stacks them into one boolean array")
    n = len(conds)
    if n == n2 - 1:  # the "otherwise" condition: none of the others
        other = conds[0]
        for c in conds[1:]:
            other = logical_or(other, c)
        conds.append(logical_not(other))
    elif n != n2:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    y = zeros_like(x)
    for cond, func in zip(conds, funclist):
        if isinstance(cond, Tracer):
            y = _piecewise_varying(x, y, cond, func, args, kw)
        elif not callable(func):
            y = _write(y, cond, func)
        else:
            vals = getitem(x, cond)
            if int(np.prod(shape_of(vals))) > 0:
                y = _write(y, cond, func(vals, *args, **kw))
    return y


def _write(y: Any, cond: Any, v: Any) -> Any:
    """``y[cond] = v``; a plain ``y`` receiving a traced ``v`` becomes a new traced array."""
    if isinstance(v, Tracer) and not isinstance(y, Tracer):
        return at(y)[cond].set(v)
    y[cond] = v
    return y


def _piecewise_varying(x: Any, y: Any, cond: Any, func: Any, args: Any, kw: Any) -> Any:
    """One piece under vmap with a condition that varies per example (see `piecewise`)."""
    if not callable(func):
        return at(y)[cond].set(func)
    if shape_of(cond) != shape_of(x):
        raise NotImplementedError(
            f"piecewise inside vmap: a condition that varies per example must have x's shape "
            f"{shape_of(x)}, got {shape_of(cond)}; broadcast it to x.shape")
    xf, cf = ravel(x), ravel(cond)
    if shape_of(xf)[0] == 0:
        return y
    # entries the condition does not select see its first selected value, so the function
    # is only evaluated where it is meant to be (the results there are discarded)
    fill = stop_gradient(take(xf, argmax(cf)))
    out = func(where(cf, xf, fill), *args, **kw)
    if ndim(out) != 0:
        _check_entrywise(func, xf, cf, fill, out, args, kw)
    if ndim(out) == 0:
        if isinstance(out, Tracer):
            raise NotImplementedError(
                "piecewise inside vmap: the condition selects a different number of entries "
                "in each example, so each function is called on all of x's entries at once; "
                f"{getattr(func, '__name__', func)!r} returned one value for all of them, "
                "which NumPy computes from the selected entries only. Return one value per "
                "entry (np.full_like(v, value) when it does not depend on them).")
    elif shape_of(out) != shape_of(xf):
        raise ValueError(f"piecewise: the function returned shape {shape_of(out)} for "
                         f"{shape_of(xf)[0]} entries")
    else:
        out = reshape(out, shape_of(x))
    if not isinstance(out, Tracer):
        out = np.asarray(out, dtype_of(y))
    return where(cond, cast(out, dtype_of(y)), y)


def _check_entrywise(func: Any, xf: Any, cf: Any, fill: Any, out: Any, args: Any, kw: Any) -> Any:
    """Raise when ``func``'s results at the selected entries change with what the
    unselected entries hold: the function mixes entries, so calling it on all of them is
    not NumPy's call on ``x[cond]`` and the result would be silently wrong."""
    with np.errstate(all="ignore"):  # the other filling may leave the function's domain
        other = func(where(cf, xf, fill * 2.0 + 1.0), *args, **kw)
    other = reshape(other, shape_of(out)) if ndim(other) else other
    _check(_mixes_entries, _mixing_message(func), ravel(out), ravel(other), cf)


def _mixes_entries(out: Any, other: Any, cond: Any) -> Any:
    same = (out == other) | (np.isnan(out) & np.isnan(other))
    return bool(np.any(cond & ~same))


def _mixing_message(func: Any) -> Any:
    name = getattr(func, "__name__", func)
    return lambda *_: (
        f"piecewise inside vmap: the condition selects a different number of entries in each "
        f"example, so {name!r} is called on all of x's entries at once, and its results at the "
        "selected entries depend on the others (it mixes entries, e.g. v - v.mean()); NumPy "
        "calls it on x[cond] alone. Apply it outside vmap, or write the piece with np.where.")
