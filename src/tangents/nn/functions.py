"""Numerically stable activations and normalisers along any axis, with closed-form rules.

`softmax`, `log_softmax` and `logsumexp` are primitives: their forward pass shifts by the
maximum (no overflow for logits of any magnitude) and their derivatives are the closed forms
(softmax VJP ``s * (g - sum(g * s))``), written with differentiable operations so that every
order works.  The elementwise activations are compositions of stable tangents.numpy
operations.  Kink conventions: ``relu'(0) = 0``, ``leaky_relu'(0) = negative_slope``,
``elu'(0) = alpha``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import numpy as tnp
from ..core import Primitive, batch_axis_op, bind, builders, sparsity
from ..numpy._dispatch import normalize_axes, shape_of
from ..numpy._elementwise import sigmoid_p
from ..numpy._reductions import amax_p, sum_p
from ..typing import Array, ArrayLike, Axis, Numeric

__all__ = ["softmax", "log_softmax", "logsumexp", "sigmoid", "log_sigmoid", "softplus", "relu",
           "leaky_relu", "elu", "gelu", "silu", "tanh", "normal_cdf"]


def _stable_shift(x: Any, axis: tuple[int, ...]) -> Any:
    """The maximum along ``axis`` (kept), with non-finite maxima replaced by 0."""
    size = x.size if hasattr(x, "size") else np.size(x)
    if not size:
        return np.zeros((), np.result_type(x))
    # NumPy arrays: the max primitive's implementation (its fast paths, without np.max's
    # wrapper); lazy array types (Dask) keep their np.max and are not asked whether the
    # maxima are finite
    plain = type(x) is np.ndarray
    m = amax_p.impl(x, axis=axis, keepdims=True) if plain else np.max(
        x, axis=axis, keepdims=True)
    finite = np.isfinite(m)
    return m if plain and finite.all() else np.where(finite, m, np.zeros((), m.dtype))


def _expand(y: Any, xshape: tuple[int, ...], axis: tuple[int, ...], keepdims: bool) -> Any:
    """A value reduced over ``axis`` reshaped so that it broadcasts against ``xshape``."""
    if keepdims:
        return y
    return tnp.reshape(y, tuple(1 if i in axis else d for i, d in enumerate(xshape)))


def _sum_keep(x: Any, axis: tuple[int, ...]) -> Any:
    return tnp.sum(x, axis=axis, keepdims=True)


def _plain_sum_keep(x: Any, axis: tuple[int, ...]) -> Any:
    """`_sum_keep` of an untraced array (in implementations and first-order fast paths):
    the sum primitive's own implementation, without the NumPy-facing wrapper."""
    return sum_p.impl(x, axis=axis, keepdims=True)


# -- softmax: s = exp(x - lse);  VJP s * (g - sum(g s));  JVP s * (t - sum(t s)) ------------
def _softmax_impl(x: Any, *, axis: tuple[int, ...]) -> Any:
    e = x - _stable_shift(x, axis)
    if type(e) is not np.ndarray:  # a NumPy scalar, or a lazy array type such as Dask's
        e = np.exp(e)
        return e / _plain_sum_keep(e, axis)
    np.exp(e, out=e)
    e /= _plain_sum_keep(e, axis)
    return e


def _plain(*xs: Any) -> bool:
    return all(type(x) is np.ndarray for x in xs)


def _softmax_vjp(ct: Any, ans: Any, x: Any, *, axis: tuple[int, ...]) -> Any:
    if _plain(ct, ans):  # nothing traces this: fused in place (two temporaries, not three)
        out = ct * ans
        out -= ans * _plain_sum_keep(out, axis)
        return out
    return ans * (ct - _sum_keep(ct * ans, axis))


softmax_p = Primitive("softmax", _softmax_impl)
softmax_p.def_vjp(_softmax_vjp)
softmax_p.def_jvp(lambda t, ans, x, *, axis: ans * (t - _sum_keep(t * ans, axis)))
softmax_p.def_batch(batch_axis_op(softmax_p))
softmax_p.def_sparsity(sparsity.reduction(nonlinear=True, same_shape=True))


# -- log_softmax: x - lse;  VJP g - exp(ans) sum(g);  JVP t - sum(exp(ans) t) ----------------
def _log_softmax_impl(x: Any, *, axis: tuple[int, ...]) -> Any:
    z = x - _stable_shift(x, axis)
    if type(z) is not np.ndarray:
        return z - np.log(_plain_sum_keep(np.exp(z), axis))
    z -= np.log(_plain_sum_keep(np.exp(z), axis))
    return z


def _log_softmax_vjp(ct: Any, ans: Any, x: Any, *, axis: tuple[int, ...]) -> Any:
    if _plain(ct, ans):  # nothing traces this: fused in place (one temporary)
        out = np.exp(ans)
        out *= _plain_sum_keep(ct, axis)
        np.subtract(ct, out, out=out)
        return out
    return ct - tnp.exp(ans) * _sum_keep(ct, axis)


log_softmax_p = Primitive("log_softmax", _log_softmax_impl)
log_softmax_p.def_vjp(_log_softmax_vjp)
log_softmax_p.def_jvp(lambda t, ans, x, *, axis: t - _sum_keep(tnp.exp(ans) * t, axis))
log_softmax_p.def_batch(batch_axis_op(log_softmax_p))
log_softmax_p.def_sparsity(sparsity.reduction(nonlinear=True, same_shape=True))


# -- logsumexp: VJP g softmax(x);  JVP sum(t softmax(x)) ------------------------------------
def _logsumexp_impl(x: Any, *, axis: tuple[int, ...], keepdims: bool) -> Any:
    m = _stable_shift(x, axis)
    with np.errstate(divide="ignore"):
        out = np.log(_plain_sum_keep(np.exp(x - m), axis)) + m
    return out if keepdims else np.squeeze(out, axis=axis)[()]


logsumexp_p = Primitive("logsumexp", _logsumexp_impl)
logsumexp_p.def_vjp(lambda ct, ans, x, *, axis, keepdims:
                    _expand(ct, shape_of(x), axis, keepdims) * bind(softmax_p, x, axis=axis))
logsumexp_p.def_jvp(lambda t, ans, x, *, axis, keepdims:
                    tnp.sum(t * bind(softmax_p, x, axis=axis), axis=axis, keepdims=keepdims))
logsumexp_p.def_batch(batch_axis_op(logsumexp_p))
logsumexp_p.def_sparsity(sparsity.reduction(nonlinear=True))


def _axes(x: Any, axis: Axis, op: str) -> tuple[int, ...]:
    return normalize_axes(axis, len(shape_of(x)), op)


def _float(x: ArrayLike) -> Any:
    dt = getattr(x, "dtype", None)
    return x if dt is not None and dt.kind in "fc" else np.asarray(x, float)


def softmax(x: ArrayLike, axis: int | tuple[int, ...] = -1) -> Array:
    """``softmax(x, axis=-1)``: ``exp(x) / sum(exp(x), axis)``, stable for any magnitude;
    ``axis`` may be an int or a tuple.

    >>> softmax(np.array([1000.0, 1000.0]))
    array([0.5, 0.5])
    """
    x = _float(x)
    return bind(softmax_p, x, axis=_axes(x, axis, "softmax"))


def log_softmax(x: ArrayLike, axis: int | tuple[int, ...] = -1) -> Array:
    """``log_softmax(x, axis=-1)``: ``x - logsumexp(x, axis, keepdims=True)``.

    >>> log_softmax(np.array([0.0, 0.0]))
    array([-0.69314718, -0.69314718])
    """
    x = _float(x)
    return bind(log_softmax_p, x, axis=_axes(x, axis, "log_softmax"))


def logsumexp(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Array:
    """``logsumexp(x, axis=None, keepdims=False)``: ``log(sum(exp(x), axis))`` without overflow.

    >>> logsumexp(np.array([1000.0, 1000.0]))
    np.float64(1000.6931471805599)
    """
    x = _float(x)
    return bind(logsumexp_p, x, axis=_axes(x, axis, "logsumexp"), keepdims=bool(keepdims))


# -- elementwise activations --------------------------------------------------------------
def sigmoid(x: ArrayLike) -> Array:
    """``sigmoid(x) = 1 / (1 + exp(-x))``, as ``(1 + tanh(x / 2)) / 2`` (no overflow).

    >>> sigmoid(np.array([0.0, 1e3, -1e3]))
    array([0.5, 1. , 0. ])
    """
    return bind(sigmoid_p, _float(x))


def softplus(x: ArrayLike) -> Array:
    """``softplus(x) = log(1 + exp(x))``, as ``logaddexp(x, 0)``.

    >>> softplus(np.array([0.0]))
    array([0.69314718])
    """
    return tnp.logaddexp(x, 0.0)


def log_sigmoid(x: Numeric) -> Array:
    """``log_sigmoid(x) = -softplus(-x)``.

    >>> log_sigmoid(np.array([0.0]))
    array([-0.69314718])
    """
    return -softplus(-x)


def relu(x: ArrayLike) -> Array:
    """``relu(x) = max(x, 0)``; its derivative at 0 is 0 (not the 1/2 of ``np.maximum``).

    >>> relu(np.array([-1.0, 2.0]))
    array([0., 2.])
    """
    return bind(relu_p, _float(x))


# relu as one elementwise primitive: np.maximum forward and a mask derivative are ~10x faster
# than where() on large activations; the mask (x > 0) makes relu'(0) = 0
relu_p = builders.elementwise("relu", lambda x: np.maximum(x, 0), lambda ans, x: x > 0)
relu_p.def_sparsity(sparsity.union("linear"))  # piecewise linear


def leaky_relu(x: Numeric, negative_slope: float = 0.01) -> Array:
    """``leaky_relu(x) = x if x > 0 else negative_slope * x``; derivative ``negative_slope``
    at 0.

    >>> leaky_relu(np.array([-1.0, 2.0]))
    array([-0.01,  2.  ])
    """
    return tnp.where(x > 0, x, negative_slope * x)


def elu(x: Numeric, alpha: float = 1.0) -> Array:
    """``elu(x) = x if x > 0 else alpha * (exp(x) - 1)``.

    >>> elu(np.array([0.0, 1.0]))
    array([0., 1.])
    """
    pos = x > 0
    return tnp.where(pos, x, alpha * tnp.expm1(tnp.where(pos, 0.0, x)))


def _ndtr_impl(x: Any) -> Any:
    try:
        from scipy.special import ndtr  # type: ignore[import-untyped]
        return ndtr(x)
    except ImportError:  # pragma: no cover - scipy is optional
        erfc = np.frompyfunc(lambda v: 0.5 * math.erfc(-v / math.sqrt(2.0)), 1, 1)
        return erfc(x).astype(np.result_type(x, np.float32))


# Phi'(x) = phi(x), the standard normal density
normal_cdf_p = builders.elementwise(
    "nn_normal_cdf", _ndtr_impl,
    lambda ans, x: tnp.exp(-0.5 * x * x) * (1.0 / math.sqrt(2.0 * math.pi)))


def normal_cdf(x: ArrayLike) -> Array:
    """``normal_cdf(x)``: the standard normal CDF ``(1 + erf(x / sqrt(2))) / 2``.

    >>> normal_cdf(np.array([0.0]))
    array([0.5])
    """
    return bind(normal_cdf_p, _float(x))


def gelu(x: Numeric, approximate: bool = False) -> Array:
    """``gelu(x) = x * Phi(x)`` (exact), or with ``approximate=True`` the tanh form
    ``x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))``.

    >>> gelu(np.array([0.0, 1e3]))
    array([   0., 1000.])
    """
    if approximate:
        c = math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + tnp.tanh(c * (x + 0.044715 * (x * x * x))))
    return x * normal_cdf(x)


def silu(x: Numeric) -> Array:
    """``silu(x) = x * sigmoid(x)`` (swish).

    >>> silu(np.array([0.0]))
    array([0.])
    """
    return x * sigmoid(x)


def tanh(x: ArrayLike) -> Array:
    """``tanh(x)``.

    >>> tanh(np.array([0.0]))
    array([0.])
    """
    return tnp.tanh(x)
