"""Derivatives in the order ``v`` of the Bessel functions ``jv, yv, iv, ive, kv, kve``, for
real ``v`` and ``x > 0`` (nan at ``x <= 0``, where SciPy's real functions stop or the integrals
below do not hold).

Each ``d^k/dv^k`` (k >= 1) is its own elementwise primitive: its v-derivative is the
(k+1)-th one and its x-derivative the recurrence of the function itself applied to it (``d/dx``
and ``d/dv`` commute), so every order composes.  Values come from differentiating integral
representations under the integral sign (tanh-sinh quadrature, 385 nodes, as
`_special_more`'s shape derivatives), for ``x > 0``:

* ``K_v(x) = int_0^inf e^(-x cosh t) cosh(vt) dt``; ``d^k/dv^k`` puts ``t^k cosh(vt)`` or
  ``t^k sinh(vt)`` inside: positive integrands, accurate for every real ``v``;
* ``I_v(x) = 1/pi int_0^pi e^(x cos s) cos(vs) ds - sin(v pi)/pi int_0^inf e^(-x cosh t - vt) dt``;
* Schlaefli: ``J_v(x) = 1/pi int_0^pi cos(vs - x sin s) ds
  - sin(v pi)/pi int_0^inf e^(-x sinh t - vt) dt`` and ``Y_v(x) = 1/pi int_0^pi
  sin(x sin s - vs) ds - 1/pi int_0^inf (e^(vt) + cos(v pi) e^(-vt)) e^(-x sinh t) dt``.

``K_v`` and ``I_v`` are entire in ``v``, ``J_v`` and ``Y_v`` too for ``x > 0``: there is no
integer-order exception.  The oscillating ``[0, pi]`` parts lose relative accuracy where the
result is far smaller than 1: ``I_v``/``J_v`` for ``x`` much smaller than ``v`` (1e-10
relative holds for ``|v| <= x + 4`` with ``x >= 0.5``), and near the zeros of ``J_v``,
``Y_v`` and their v-derivatives (absolute accuracy ~1e-15 there).
"""
from __future__ import annotations

import math
from functools import cache

import numpy as np

from .. import numpy as tnp
from ..core import bind, builders

__all__ = ["order_derivative"]

_TAU = np.arange(-6.0, 6.0 + 1 / 64, 1 / 32)
_U = math.pi * np.sinh(_TAU)
# tanh-sinh on [0, 1]: nodes expit(u), weights pi cosh(tau) / 32 * expit(u) expit(-u)
_NODE = 1 / (1 + np.exp(-_U))
_W = math.pi * np.cosh(_TAU) / 32 * _NODE * (1 - _NODE)


def _on(end):
    """Tanh-sinh nodes and weights on ``[0, end]`` (a new last axis)."""
    end = np.asarray(end, np.float64)[..., None]
    return end * _NODE, end * _W


def _finite(k, v, x, kernel):
    """``1/pi int_0^pi kernel(s) ds`` for the k-th v-derivative (kernel of s, v, x, k)."""
    s, w = _on(np.full(np.shape(x), math.pi))
    return np.sum(w * kernel(s, v[..., None], x[..., None], k), axis=-1) / math.pi


def _tail(x, c, p, s_fn, ds_fn, shift):
    """``int_0^inf t^p exp(c t - x (s(t) - shift)) dt`` truncated where the log-integrand
    has fallen 40 below its peak (its log-derivative decreases, so bisection finds both)."""
    def h(t):
        with np.errstate(divide="ignore"):
            return c * t + p * np.log(t) - x * (s_fn(t) - shift)

    def slope(t):
        return c + p / t - x * ds_fn(t)

    lo, hi = np.zeros_like(x), np.maximum(np.log(2 * (np.abs(c) + p + 2) / x) + 2, 1.0)
    for _ in range(60):  # the peak: slope(t) = 0
        mid = (lo + hi) / 2
        up = slope(mid) > 0
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    peak = lo
    top = h(np.maximum(peak, 1e-300))
    lo, hi = peak, peak + 1.0
    for _ in range(12):  # grow hi until below the cut
        hi = np.where(h(hi) > top - 40, peak + 2 * (hi - peak), hi)
    for _ in range(60):
        mid = (lo + hi) / 2
        above = h(mid) > top - 40
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    t, w = _on(hi)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        f = np.exp(c[..., None] * t - x[..., None] * (s_fn(t) - shift))
        f = f * t ** p if p else f
    return np.sum(w * f, axis=-1)


def _leibniz_sin_tail(k, v, x, phase, s_fn, ds_fn, shift):
    """``d^k/dv^k [trig(v pi + phase) int_0^inf e^(-x s(t) - vt) dt]`` with trig = sin:
    ``sum_j C(k, j) pi^j sin(v pi + phase + j pi/2) int (-t)^(k-j) e^(-x s(t) - vt) dt``."""
    out = 0.0
    for j in range(k + 1):
        trig = np.sin(v * math.pi + phase + j * math.pi / 2)
        tail = _tail(x, -v, k - j, s_fn, ds_fn, shift)
        out = out + math.comb(k, j) * math.pi ** j * trig * (-1) ** (k - j) * tail
    return out / math.pi


def _j(k, v, x):
    osc = _finite(k, v, x, lambda s, v, x, k: s ** k * np.cos(v * s - x * np.sin(s)
                                                              + k * math.pi / 2))
    return osc - _leibniz_sin_tail(k, v, x, 0.0, np.sinh, np.cosh, 0.0)


def _y(k, v, x):
    osc = _finite(k, v, x, lambda s, v, x, k: (-s) ** k * np.sin(x * np.sin(s) - v * s
                                                                 + k * math.pi / 2))
    grow = _tail(x, v, k, np.sinh, np.cosh, 0.0) / math.pi
    # cos(v pi) = sin(v pi + pi/2)
    return osc - grow - _leibniz_sin_tail(k, v, x, math.pi / 2, np.sinh, np.cosh, 0.0)


def _i_scaled(k, v, x):
    """``d^k/dv^k e^-x I_v(x)``."""
    osc = _finite(k, v, x, lambda s, v, x, k: s ** k * np.exp(x * (np.cos(s) - 1))
                  * np.cos(v * s + k * math.pi / 2))
    return osc - _leibniz_sin_tail(k, v, x, 0.0, np.cosh, np.sinh, -1.0)


def _k_scaled(k, v, x):
    """``d^k/dv^k e^x K_v(x)``: the k-th derivative of cosh(vt) is t^k cosh or t^k sinh."""
    plus = _tail(x, v, k, np.cosh, np.sinh, 1.0)
    minus = _tail(x, -v, k, np.cosh, np.sinh, 1.0)
    return (plus + (-1) ** k * minus) / 2


_VALUES = {  # name -> (d^k/dv^k of it at (v, x) as float64, x-scaling back from the above)
    "jv": (_j, None), "yv": (_y, None), "iv": (_i_scaled, 1.0), "ive": (_i_scaled, 0.0),
    "kv": (_k_scaled, -1.0), "kve": (_k_scaled, 0.0)}


def _impl(name, k):
    fn, scale = _VALUES[name]

    def impl(v, x):
        dt = np.result_type(v, x)
        dt = dt if dt.kind == "f" else np.dtype(np.float64)
        v, x = np.broadcast_arrays(np.asarray(v, np.float64), np.asarray(x, np.float64))
        ok = x > 0
        xs = np.where(ok, x, 1.0)
        with np.errstate(all="ignore"):
            out = fn(k, v, xs)
            if scale:
                out = out * np.exp(scale * xs)
        return np.where(ok, out, np.nan).astype(dt)
    return impl


def _dx(name, k):
    """The x-derivative of the k-th v-derivative: the function's own recurrence in v."""
    def dx(ans, v, x):
        lower, upper = bind(order_derivative(name, k), v - 1, x), \
            bind(order_derivative(name, k), v + 1, x)
        if name in ("jv", "yv"):
            return (lower - upper) / 2
        if name == "iv":
            return (lower + upper) / 2
        if name == "ive":
            return (lower + upper) / 2 - tnp.sign(x) * ans
        if name == "kv":
            return -(lower + upper) / 2
        return ans - (lower + upper) / 2  # kve
    return dx


@cache
def order_derivative(name, k):
    """The primitive ``d^k/dv^k`` of the Bessel function ``name`` at ``(v, x)`` (k >= 1)."""
    return builders.elementwise(
        f"special.{name}_dv{k}", _impl(name, k),
        lambda ans, v, x: bind(order_derivative(name, k + 1), v, x), _dx(name, k))
