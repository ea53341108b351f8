"""Registration of tangents.numpy functions as the handlers NumPy's dispatch protocols call
on tracers, and the small helpers shared by the families: argument normalizers, `_concrete`
(a value needed on its primal values, which vmap cannot give) and `_stand_in` (a plain array
of a traced value's shape and dtype)."""
from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

from ..core import (
    Tracer,
    bind,
    contains_tracer,
    dtype_of,
    function_handlers,
    shape_of,
    ufunc_handlers,
    ufunc_prims,
)

__all__ = ["implements", "implements_ufunc", "numpy_function", "normalize_axes",
           "normalize_axis", "reduce_axes", "is_traced", "contains_tracer", "numpy_on_plain",
           "shape_of", "dtype_of", "ndim"]

F = TypeVar("F", bound=Callable[..., Any])


def implements(*np_funcs: Any) -> Callable[[F], F]:
    """Make the decorated function the handler of ``np_funcs`` on traced values."""
    def register(fn: F) -> F:
        for f in np_funcs:
            function_handlers[f] = fn
        return fn
    return register


def implements_ufunc(ufunc: np.ufunc) -> Callable[[F], F]:
    """Make the decorated function the handler of a NumPy ufunc on traced values."""
    def register(fn: F) -> F:
        ufunc_handlers[ufunc] = fn
        ufunc_prims.pop(ufunc, None)
        part: Any = fn
        if (type(part) is functools.partial and part.func is bind and len(part.args) == 1
                and not part.keywords):  # bind(prim, ...): tracers may hand it to their trace
            ufunc_prims[ufunc] = part.args[0]
        return fn
    return register


class _Absent:
    """Stands for a NumPy function that the installed NumPy does not have yet (the newer
    names tangents.numpy provides): registering a handler for it is harmless."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"<numpy.{self.path}: not in NumPy {np.__version__}>"


def numpy_function(path: str) -> Any:
    """NumPy's function at ``path`` ("unstack", "linalg.vecdot"), or a stand-in where the
    installed NumPy predates it."""
    obj: Any = np
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return _Absent(path)
    return obj


def is_traced(*xs: Any) -> bool:
    """Whether any of ``xs`` is a traced value or a (nested) list or tuple holding one."""
    return contains_tracer(xs)


def numpy_on_plain(np_fn: Any) -> Callable[[F], F]:
    """Make the decorated function NumPy's ``np_fn`` itself when no argument (positional or
    keyword, nested lists included) is traced: plain arrays get NumPy's values, dtypes,
    scalar types, warnings and errors bit for bit; traced ones the differentiable version."""
    def decorate(fn: F) -> F:
        if isinstance(np_fn, _Absent):  # an older NumPy: tnp's own everywhere
            return fn

        @functools.wraps(fn)
        def dispatch(*args: Any, **kwargs: Any) -> Any:
            if is_traced(*args, *kwargs.values()):
                return fn(*args, **kwargs)
            return np_fn(*args, **kwargs)
        return cast(F, dispatch)
    return decorate


def ndim(x: Any) -> int:
    return len(shape_of(x))


def normalize_axis(axis: Any, nd: int, op: str) -> int:
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be an integer, got {axis!r}") from None
    if not -nd <= a < nd:
        raise np.exceptions.AxisError(f"{op}: axis {axis} is out of bounds for an array of "
                                      f"dimension {nd}")
    return a % nd


def reduce_axes(axis: Any, nd: int, op: str) -> tuple[int, ...]:
    """`normalize_axes` for NumPy's ufunc reductions (sum, prod, max, all, ...), which also
    take an integer ``axis`` of 0 or -1 on a 0-d array (reducing nothing)."""
    if nd == 0 and not isinstance(axis, (tuple, list)) and axis is not None:
        try:
            if operator.index(axis) in (0, -1):
                return ()
        except TypeError:
            pass  # normalize_axes names the bad axis
    return normalize_axes(axis, nd, op)


def normalize_axes(axis: Any, nd: int, op: str) -> tuple[int, ...]:
    """``axis`` (None, int or tuple, negatives allowed) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(nd))
    if isinstance(axis, (tuple, list)):
        axes = tuple(normalize_axis(a, nd, op) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"{op}: repeated axis in {axis!r}")
        return tuple(sorted(axes))
    return (normalize_axis(axis, nd, op),)


# -- values the families read on primal values or by shape ---------------------------------
def _concrete(x: Any, name: str) -> np.ndarray[Any, Any]:
    # a tracer with its own __array__ has one value to give (tg.jit staging: a guarded read)
    if isinstance(x, Tracer) and type(x).__array__ is Tracer.__array__:
        raise ValueError(f"{name} inside vmap: the result's shape depends on each example's "
                         "values, so the batched result would be ragged")
    return np.asarray(x)


def _stand_in(a: Any) -> Any:
    """A plain array with ``a``'s shape and dtype (no memory): for NumPy functions that read
    only those of a traced value."""
    return np.broadcast_to(np.zeros((), dtype_of(a)), shape_of(a)) if isinstance(a, Tracer) else a
