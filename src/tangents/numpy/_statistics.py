"""Statistics composed from the families: ptp, average, cov, corrcoef and trapezoid (trapz,
NumPy's deprecated name, too where NumPy has it), differentiable in the data, the weights and
the sample points."""
from __future__ import annotations

__all__ = ['average', 'cov', 'corrcoef', 'trapezoid', 'ptp']

from typing import Any, Literal, overload

import numpy as np

from .. import numpy as tnp  # the package namespace; read only at call time
from ..core import Tracer
from ..typing import Array, ArrayLike, Axis, DTypeLike
from ._dispatch import (
    dtype_of,
    implements,
    ndim,
    normalize_axes,
    normalize_axis,
    numpy_function,
    numpy_on_plain,
    shape_of,
)


@implements(np.ptp)
def ptp(a: ArrayLike, axis: Axis = None, out: None = None, keepdims: bool = False) -> Array:
    """``ptp(a, axis=None, keepdims=False)``: ``max - min`` (ties share as in max/min).

    >>> ptp(np.array([1.0, 4.0, 2.0]))
    np.float64(3.0)
    """
    if out is not None:
        raise TypeError("ptp: out= is not supported on traced values")
    return (tnp.max(a, axis=axis, keepdims=keepdims)
            - tnp.min(a, axis=axis, keepdims=keepdims))


@overload
def average(a: ArrayLike, axis: Axis = None, weights: ArrayLike | None = None,
            returned: Literal[False] = False, *, keepdims: bool = False) -> Array: ...
@overload
def average(a: ArrayLike, axis: Axis = None, weights: ArrayLike | None = None, *,
            returned: Literal[True], keepdims: bool = False) -> tuple[Array, Array]: ...
@implements(np.average)
def average(a: ArrayLike, axis: Axis = None, weights: ArrayLike | None = None,
            returned: bool = False, *, keepdims: bool = False) -> Array | tuple[Array, Array]:
    """``average(a, axis=None, weights=None, returned=False, keepdims=False)``:
    ``sum(a * w) / sum(w)``, differentiable in ``a`` and ``weights``.

    >>> average(np.array([1.0, 3.0]), weights=np.array([3.0, 1.0]))
    np.float64(1.5)
    """
    a = tnp.asarray(a)
    nd = ndim(a)
    axes = None if axis is None else normalize_axes(axis, nd, "average")
    scl: Any
    if weights is None:
        avg = tnp.mean(a, axis=axes, keepdims=keepdims)
        scl = np.asarray(max(np.prod(shape_of(a)), 0)  # type: ignore[operator]
                         / max(np.prod(shape_of(avg)), 1),
                         dtype_of(avg))
    else:
        w = tnp.asarray(weights)
        rdt = np.result_type(dtype_of(a), dtype_of(w),
                             *(["f8"] if dtype_of(a).kind in "iub" else []))
        if shape_of(w) != shape_of(a):
            if axes is None:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            if shape_of(w) != tuple(shape_of(a)[k] for k in axes):
                raise ValueError("Shape of weights must be consistent with shape of a "
                                 "along specified axis.")
            w = tnp.reshape(w, tuple(shape_of(a)[k] if k in axes else 1 for k in range(nd)))
        w = tnp.astype(w, rdt)
        scl = tnp.sum(tnp.broadcast_to(w, shape_of(a)), axis=axes, keepdims=keepdims)
        zero = tnp.any(tnp.equal(scl, 0.0))
        if not isinstance(zero, Tracer) and zero:
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        avg = tnp.sum(a * w, axis=axes, keepdims=keepdims) / scl
    if returned:
        if shape_of(scl) != shape_of(avg):
            scl = tnp.broadcast_to(scl, shape_of(avg)) + tnp.zeros_like(avg)
        return avg, scl
    return avg


@implements(np.cov)
def cov(m: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, bias: bool = False,
        ddof: int | None = None, fweights: ArrayLike | None = None,
        aweights: ArrayLike | None = None, *,
        dtype: DTypeLike | None = None) -> Array:
    """``cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None)``:
    the covariance matrix of the rows (variables) of ``m``, differentiable in ``m``, ``y``
    and ``aweights``.

    >>> cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    m = tnp.asarray(m)
    if ndim(m) > 2 or (y is not None and ndim(y) > 2):
        raise ValueError("m has more than 2 dimensions")
    if dtype is None:
        dtype = np.result_type(dtype_of(m), *([dtype_of(y)] if y is not None else []), np.float64)
    x = tnp.atleast_2d(tnp.astype(m, dtype))
    if not rowvar and ndim(m) != 1:
        x = tnp.transpose(x)
    if shape_of(x)[0] == 0:
        return np.array([]).reshape(0, 0)
    if y is not None:
        y2 = tnp.atleast_2d(tnp.astype(tnp.asarray(y), dtype))
        if not rowvar and shape_of(y2)[0] != 1:
            y2 = tnp.transpose(y2)
        x = tnp.concatenate([x, y2], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    w: Any = None
    if fweights is not None:
        w = np.asarray(fweights, dtype=float)
        if not np.all(fweights == np.around(fweights)):  # type: ignore[arg-type]
            raise TypeError("fweights must be integer")
        if np.any(w < 0):
            raise ValueError("fweights cannot be negative")
    if aweights is not None:
        aw = tnp.astype(tnp.asarray(aweights), np.result_type(dtype_of(aweights), float))
        w = aw if w is None else w * aw
    n = shape_of(x)[1]
    if w is not None and shape_of(w) != (n,):
        raise RuntimeError("incompatible numbers of samples and weights")
    avg, w_sum = average(x, axis=1, weights=w, returned=True)
    w_sum = w_sum[0]
    fact: Any
    if w is None:
        fact = n - ddof
    elif ddof == 0:
        fact = w_sum
    elif aweights is None:
        fact = w_sum - ddof
    else:
        fact = w_sum - ddof * tnp.sum(w * aw) / w_sum
    if not isinstance(fact, Tracer) and fact <= 0:
        fact = 0.0
    x = x - tnp.expand_dims(avg, 1)
    xt = tnp.transpose(x if w is None else x * w)
    c = tnp.matmul(x, tnp.conj(xt)) * (1 / fact if not isinstance(fact, float) or fact
                                        else np.inf)
    return tnp.squeeze(c)


@implements(np.corrcoef)
@numpy_on_plain(np.corrcoef)
def corrcoef(x: ArrayLike, y: ArrayLike | None = None, rowvar: bool = True, *,
             dtype: DTypeLike | None = None) -> Array:
    """``corrcoef(x, y=None, rowvar=True)``: ``cov / sqrt(outer(diag, diag))``.

    >>> corrcoef(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.5]]))[0, 1].round(3)
    np.float64(-0.982)
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if ndim(c) == 0:
        return c / c
    std = tnp.sqrt(tnp.real(tnp.diagonal(c)))
    return c / tnp.expand_dims(std, 1) / tnp.expand_dims(std, 0)


@implements(numpy_function("trapezoid"))
def trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: ArrayLike = 1.0, axis: int = -1
              ) -> Array:
    """``trapezoid(y, x=None, dx=1.0, axis=-1)``: the trapezoidal rule, differentiable in
    ``y``, ``x`` and ``dx``.

    >>> trapezoid(np.array([1.0, 2.0, 3.0]))
    np.float64(4.0)
    """
    y = tnp.asarray(y)
    nd = ndim(y)
    axis = normalize_axis(axis, nd, "trapezoid")
    d: Any
    if x is None:
        d = dx
    else:
        x = tnp.asarray(x)
        if ndim(x) == 1:
            d = tnp.diff(x)
            d = tnp.reshape(d, tuple(shape_of(d)[0] if k == axis else 1 for k in range(nd)))
        else:
            d = tnp.diff(x, axis=axis)
    lo = (slice(None),) * axis + (slice(None, -1),)
    hi = (slice(None),) * axis + (slice(1, None),)
    return tnp.sum(d * (tnp.getitem(y, hi) + tnp.getitem(y, lo)) / 2.0, axis=axis)


if hasattr(np, "trapz"):
    @implements(np.trapz)
    def trapz(y: ArrayLike, x: ArrayLike | None = None, dx: ArrayLike = 1.0, axis: int = -1
              ) -> Array:
        """``trapz``: `trapezoid` (deprecated by NumPy)."""
        return trapezoid(y, x, dx, axis)

    __all__.append("trapz")
