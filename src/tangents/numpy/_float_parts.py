"""Floating-point numbers taken apart: modf (fractional and integral parts), frexp and ldexp
(mantissa and exponent), divmod (quotient and remainder), fix (the integral part, toward
zero) and spacing (the gap to the next float).  The integral parts, exponents, quotients
and gaps are piecewise constant and carry no derivative."""
from __future__ import annotations

__all__ = ['modf', 'frexp', 'ldexp', 'divmod', 'fix', 'spacing']

from typing import Any

import numpy as np

from ..core import Tracer, batch_unary, bind, builders
from ..typing import Array, ArrayLike
from ._creation import asarray
from ._dispatch import dtype_of, implements, implements_ufunc, numpy_on_plain
from ._elementwise import _nondiff, equal, floor_divide, isinf, remainder, trunc, where

spacing = _nondiff("spacing", np.spacing, 1)  # piecewise constant: zero derivative


@implements_ufunc(np.modf)
@numpy_on_plain(np.modf)
def modf(x: ArrayLike) -> tuple[Array, Array]:
    """``modf(x)``: ``(fractional, integral)`` parts; the fractional part has derivative 1.

    >>> modf(np.array([-1.5]))
    (array([-0.5]), array([-1.]))
    """
    x = asarray(x)  # a list of traced values
    whole = trunc(x)
    return where(isinf(x), 0.0 * whole, x - whole), whole


frexp_exponent_p = builders.nondifferentiable(
    "frexp_exponent", lambda x: np.frexp(x)[1], batch=batch_unary)


def _mantissa_partial(ans: Any, x: Any) -> Any:
    # m = x 2^-e with e piecewise constant: dm/dx = 2^-e = m / x (0 at x == 0)
    zero = equal(x, 0)
    return where(zero, 0.0, ans / where(zero, 1.0, x))


frexp_mantissa_p = builders.elementwise("frexp_mantissa", lambda x: np.frexp(x)[0],
                                        _mantissa_partial)


@implements_ufunc(np.frexp)
def frexp(x: ArrayLike) -> tuple[Array, Array]:
    """``frexp(x)``: ``(m, e)`` with ``x = m 2**e``; ``m`` is differentiable (``2**-e``).

    >>> frexp(np.array([8.0]))
    (array([0.5]), array([4], dtype=int32))
    """
    return bind(frexp_mantissa_p, x), bind(frexp_exponent_p, x)


ldexp_p = builders.elementwise(
    "ldexp", np.ldexp,
    lambda ans, x, e: bind(ldexp_p, np.ones((), dtype_of(ans)), e),  # type: ignore[has-type]
    None)


@implements_ufunc(np.ldexp)
def ldexp(x: ArrayLike, e: ArrayLike) -> Array:
    """``ldexp(x, e)``: ``x * 2**e`` for integer ``e`` (derivative ``2**e`` in ``x``).

    >>> ldexp(np.array([0.75]), 2)
    array([3.])
    """
    if not isinstance(e, Tracer):
        e = np.asarray(e)  # rules see an integer array, not a float-promoted scalar
    return bind(ldexp_p, x, e)


@implements_ufunc(np.divmod)
def divmod(x: ArrayLike, y: ArrayLike) -> tuple[Array, Array]:  # noqa: A001 - NumPy's name
    """``divmod(x, y)``: ``(floor_divide(x, y), remainder(x, y))``; the quotient carries no
    derivative, the remainder is ``x - q y``.

    >>> divmod(np.array([7.0]), 2.0)
    (array([3.]), array([1.]))
    """
    return floor_divide(x, y), remainder(x, y)


@implements(np.fix)
def fix(x: ArrayLike, out: None = None) -> Array:
    """``fix(x)``: round toward zero (zero derivative, like trunc)."""
    if out is not None:
        raise TypeError("fix: out= is not supported on traced values")
    return trunc(x)
