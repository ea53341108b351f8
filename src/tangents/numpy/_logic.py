"""Comparisons and type tests with plain results: isclose, allclose, array_equal,
array_equiv, isneginf, isposinf, isreal, iscomplex, iscomplexobj and isrealobj (Python
bools where NumPy returns one, per example under vmap); and `_check`, the test on primal
values that other families raise NumPy's errors with (under vmap: when any example fails).
"""
from __future__ import annotations

__all__ = ['isclose', 'allclose', 'array_equal', 'array_equiv', 'isneginf', 'isposinf',
           'isreal', 'iscomplex', 'iscomplexobj', 'isrealobj']

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import numpy as tnp  # the package namespace; read only at call time
from ..core import Tracer, batch_elementwise, bind, builders, move_bdim
from ..typing import Array, ArrayLike, NDArray
from ._dispatch import dtype_of, implements, numpy_on_plain, shape_of
from ._elementwise import not_equal


def _as_bool(x: Any) -> bool | Tracer:
    """NumPy returns a Python bool; under vmap the answer is per example (a tracer)."""
    return x if isinstance(x, Tracer) else builtins.bool(x)


def _bool(c: Any) -> Array:
    """A condition as a boolean array, nonzero meaning True (as ``asarray(c, bool)``)."""
    if isinstance(c, Tracer):
        return c if dtype_of(c) == np.bool_ else not_equal(c, 0)
    return np.asarray(c, dtype=bool)


# -- checks on values that may be traced ---------------------------------------------------
def _check_impl(*xs: Any, test: Callable[..., Any], message: Callable[..., str]) -> np.bool_:
    if test(*xs):
        raise ValueError(message(*xs))
    return np.False_


def _check_batch(vals: Any, bdims: Any, **params: Any) -> tuple[Any, None]:
    # a batched value fails the check when any of its examples does
    vals = [v if b is None else move_bdim(v, b, 0) for v, b in zip(vals, bdims)]
    return bind(check_p, *vals, **params), None


check_p = builders.nondifferentiable("namespace_check", _check_impl)
check_p.def_batch(_check_batch)


def _check(test: Callable[..., Any], message: Callable[..., str], *xs: Any) -> None:
    """Raise ``ValueError(message(*xs))`` when ``test(*xs)`` holds on the (primal) values;
    under vmap, when it holds for any example."""
    bind(check_p, *xs, test=test, message=message)


# -- comparisons and type tests: plain booleans -------------------------------------------
isclose_p = builders.nondifferentiable(
    "isclose", lambda a, b, *, rtol, atol, equal_nan: np.isclose(a, b, rtol, atol, equal_nan),
    batch=batch_elementwise)


@implements(np.isclose)
def isclose(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Array:
    """``isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False)``: a plain boolean array."""
    return bind(isclose_p, a, b, rtol=float(rtol), atol=float(atol),
                equal_nan=builtins.bool(equal_nan))


@implements(np.allclose)
def allclose(a: ArrayLike, b: ArrayLike, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool | Tracer:
    """``allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False)``: a Python bool.

    >>> allclose(np.array([1.0]), np.array([1.0 + 1e-9]))
    True
    """
    return _as_bool(tnp.all(isclose(a, b, rtol, atol, equal_nan)))


@implements(np.array_equal)
def array_equal(a1: ArrayLike, a2: ArrayLike, equal_nan: bool = False) -> bool | Tracer:
    """``array_equal(a1, a2, equal_nan=False)``: same shape and elements (a Python bool)."""
    if shape_of(a1) != shape_of(a2):
        return False
    same = tnp.equal(a1, a2)
    if equal_nan:
        same = tnp.logical_or(same, tnp.logical_and(tnp.isnan(a1), tnp.isnan(a2)))
    return _as_bool(tnp.all(same))


@implements(np.array_equiv)
def array_equiv(a1: ArrayLike, a2: ArrayLike) -> bool | Tracer:
    """``array_equiv(a1, a2)``: broadcastable and equal elementwise (a Python bool)."""
    try:
        np.broadcast_shapes(shape_of(a1), shape_of(a2))
    except ValueError:
        return False
    return _as_bool(tnp.all(tnp.equal(a1, a2)))


def _into(out: Any, ans: Any, name: str) -> Any:
    """``ans`` (a plain boolean array) written into ``out`` when given, as NumPy's ``out=``."""
    if out is None:
        return ans
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name}: out must be a NumPy array (of shape {np.shape(ans)}), "
                        f"got {type(out).__name__}")
    np.copyto(out, ans, casting="same_kind")
    return out


@implements(np.isneginf)
@numpy_on_plain(np.isneginf)
def isneginf(x: ArrayLike, out: NDArray[Any] | None = None) -> Array:
    """``isneginf(x, out=None)``: a plain boolean array (written into ``out`` if given).

    >>> isneginf(np.array([-np.inf, 0.0]))
    array([ True, False])
    """
    return _into(out, tnp.logical_and(tnp.isinf(x), tnp.signbit(x)), "isneginf")


@implements(np.isposinf)
@numpy_on_plain(np.isposinf)
def isposinf(x: ArrayLike, out: NDArray[Any] | None = None) -> Array:
    """``isposinf(x, out=None)``: a plain boolean array (written into ``out`` if given).

    >>> isposinf(np.array([np.inf, 0.0]))
    array([ True, False])
    """
    return _into(out, tnp.logical_and(tnp.isinf(x), tnp.logical_not(tnp.signbit(x))),
                 "isposinf")


@implements(np.isreal)
def isreal(x: ArrayLike) -> Array:
    """``isreal(x)``: imaginary part zero (a plain boolean array)."""
    return tnp.equal(tnp.imag(x), 0)


@implements(np.iscomplex)
def iscomplex(x: ArrayLike) -> Array:
    """``iscomplex(x)``: imaginary part nonzero (a plain boolean array)."""
    return tnp.not_equal(tnp.imag(x), 0)


@implements(np.iscomplexobj)
def iscomplexobj(x: ArrayLike) -> bool:
    """``iscomplexobj(x)``: whether the dtype is complex."""
    return dtype_of(x).kind == "c"


@implements(np.isrealobj)
def isrealobj(x: ArrayLike) -> bool:
    """``isrealobj(x)``: whether the dtype is not complex."""
    return dtype_of(x).kind != "c"
