"""NumPy's special functions and rounding: sinc, i0, nan_to_num, round/around."""
from __future__ import annotations

__all__ = ['sinc', 'i0', 'nan_to_num', 'round', 'around']

import operator
from typing import Any

import numpy as np

from ..core import batch_unary, bind, builders
from ..typing import Array, ArrayLike
from ._complex import imag
from ._creation import _float, asarray, cast, real
from ._dispatch import dtype_of, implements, numpy_on_plain
from ._elementwise import abs as _abs
from ._elementwise import equal, isnan, sin, where
from ._sorting import _scalar

# -- special functions ----------------------------------------------------------------------
_SINC_TAYLOR = [(-1.0) ** k / float(np.prod(np.arange(1, 2 * k + 2, dtype=float)))
                for k in range(12)]


@implements(np.sinc)
@numpy_on_plain(np.sinc)
def sinc(x: ArrayLike) -> Array:
    """``sinc(x)``: ``sin(pi x) / (pi x)``, 1 at 0; near 0 its Taylor series, so every
    derivative is exact there.

    >>> sinc(np.array([0.0, 0.5]))
    array([1.        , 0.63661977])
    """
    x = _float(asarray(x))
    y = np.pi * x
    small = _abs(y) < 0.5
    ys = where(small, 1.0, y)
    u = where(small, y, 0.0)
    u = u * u
    taylor: Any = 0.0
    for c in reversed(_SINC_TAYLOR):  # sum_k (-u)^k / (2k+1)!
        taylor = taylor * u + c
    return _scalar(where(small, taylor, sin(ys) / ys))


def _i1_impl(x: Any) -> Any:
    """Modified Bessel function of the first kind, order 1: its power series (positive
    terms) for |x| <= 30, the asymptotic expansion beyond; relative error ~1e-15."""
    x = np.asarray(x)
    ax = np.abs(x).astype(np.float64)
    small = np.minimum(ax, 30.0)
    h2 = (small / 2) ** 2
    term = small / 2
    series = term.copy()
    for k in range(90):
        term = term * h2 / ((k + 1) * (k + 2))
        series = series + term
    big = np.maximum(ax, 30.0)
    c = np.ones_like(big)
    asym = np.ones_like(big)
    for k in range(1, 40):  # I_1(x) ~ e^x / sqrt(2 pi x) * sum_k c_k, mu = 4
        c = -c * (4.0 - (2 * k - 1) ** 2) / (k * 8.0 * big)
        asym = asym + c
    with np.errstate(over="ignore"):
        asym = np.exp(big) / np.sqrt(2 * np.pi * big) * asym
    out = np.sign(x) * np.where(ax <= 30.0, series, asym)
    return out.astype(x.dtype) if x.dtype.kind == "f" else out


def _i0_impl(x: Any) -> Any:
    return np.asarray(np.i0(x))


# i0' = i1 and i1' = i0 - i1 / x (1/2 at 0)
i0_p = builders.elementwise("i0", _i0_impl, lambda ans, x: _i1(x))
i1_p = builders.elementwise(
    "i1", _i1_impl,
    lambda ans, x: where(equal(x, 0), 0.5,
                         i0(x) - ans / where(equal(x, 0), 1.0, x)))  # type: ignore[has-type]


def _i1(x: Any) -> Any:
    return bind(i1_p, x)


@implements(np.i0)
def i0(x: ArrayLike) -> Array:
    """``i0(x)``: NumPy's modified Bessel function of order 0; its derivative is ``i1``
    (series / asymptotic expansion, accurate to ~1e-15).

    >>> i0(np.array([0.0, 1.0]))
    array([1.        , 1.26606588])
    """
    x = asarray(x)
    if dtype_of(x).kind == "c":
        raise TypeError("i0 is not supported for complex values")
    return bind(i0_p, _float(x))


@implements(np.nan_to_num)
@numpy_on_plain(np.nan_to_num)
def nan_to_num(x: ArrayLike, copy: bool = True, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Array:
    """``nan_to_num(x, nan=0.0, posinf=None, neginf=None)``: the derivative is 1 at finite
    entries and 0 at replaced ones.

    >>> nan_to_num(np.array([np.nan, 1.0, np.inf]), posinf=9.0)
    array([0., 1., 9.])
    """
    x = asarray(x)
    dt = dtype_of(x)
    if dt.kind == "c":
        parts = [nan_to_num(p, nan=nan, posinf=posinf, neginf=neginf) for p in (real(x), imag(x))]
        return cast(parts[0], dt) + cast(parts[1], dt) * 1j
    if dt.kind != "f":
        return x
    big = np.finfo(dt).max
    x = where(isnan(x), nan, x)
    x = where(equal(x, np.inf), big if posinf is None else posinf, x)
    return where(equal(x, -np.inf), -big if neginf is None else neginf, x)


round_p = builders.nondifferentiable(
    "round", lambda x, *, decimals: np.round(x, decimals), batch=batch_unary)


@implements(np.round, np.around)
def round(a: ArrayLike, decimals: int = 0, out: None = None) -> Array:  # noqa: A001 - NumPy's
    """``round(a, decimals=0)``: round half to even; zero derivative (piecewise constant).

    >>> round(np.array([0.5, 1.25]), 1)
    array([0.5, 1.2])
    """
    if out is not None:
        raise TypeError("round: out= writes into a buffer; use the returned value instead")
    return bind(round_p, a, decimals=operator.index(decimals))


around = round
