"""Selection: select, choose, compress, extract, partition and argpartition.  The chosen
entries receive the cotangent; index-valued results are plain integers."""
from __future__ import annotations

__all__ = ['select', 'choose', 'compress', 'extract', 'partition', 'argpartition']

import numpy as np

from .. import numpy as tnp  # the package namespace; read only at call time
from ..core import Tracer, bind, builders, move_bdim
from ._dispatch import dtype_of, implements, ndim, normalize_axis, numpy_on_plain, shape_of
from ._extras import _concrete, _dt


@implements(np.select)
@numpy_on_plain(np.select)
def select(condlist, choicelist, default=0):
    """``select(condlist, choicelist, default=0)``: the choice of the first true condition;
    the cotangent goes to that choice.

    >>> select([np.array([True, False])], [np.array([1.0, 2.0])], 5.0)
    array([1., 5.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(choicelist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    rdt = np.result_type(*[c if type(c) in (int, float, complex) else _dt(c)
                           for c in list(choicelist) + [default]])
    out = tnp.astype(tnp.asarray(default), rdt)
    for cond, choice in reversed(list(zip(condlist, choicelist, strict=True))):
        if _dt(cond) != np.bool_:
            raise TypeError("invalid entry in condlist: should be boolean ndarray")
        out = tnp.where(cond, choice, out)
    shp = np.broadcast_shapes(*[shape_of(c) for c in condlist], *[shape_of(c) for c in choicelist],
                              shape_of(default))
    return out if shape_of(out) == shp else tnp.broadcast_to(out, shp) + np.zeros(shp, rdt)


@implements(np.choose)
def choose(a, choices, out=None, mode="raise"):
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
    res = choices[-1]
    for k in range(n - 2, -1, -1):
        res = tnp.where(tnp.equal(a, k), choices[k], res)
    shp = np.broadcast_shapes(shape_of(a), *[shape_of(c) for c in choices])
    if shape_of(res) == shp:
        return res
    return tnp.broadcast_to(res, shp) + np.zeros(shp, dtype_of(res))


@implements(np.compress)
def compress(condition, a, axis=None, out=None):
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
def extract(condition, arr):
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
def argpartition(a, kth, axis=-1, kind="introselect", order=None):
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
def partition(a, kth, axis=-1, kind="introselect", order=None):
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


def _by_fields(np_fn, name, a, kth, axis, kind, order):
    """``order=`` names fields of a structured array: NumPy's own function on a plain one."""
    if isinstance(a, Tracer):
        raise TypeError(
            f"{name}(..., order={order!r}) partitions a structured array by its fields, but a "
            f"traced array (shape {shape_of(a)}, dtype {dtype_of(a)}) has no fields. Partition by "
            f"a key instead: tnp.take_along_axis(a, tnp.argpartition(key, kth, axis), axis).")
    return np_fn(a, kth, axis=axis, kind=kind, order=order)
