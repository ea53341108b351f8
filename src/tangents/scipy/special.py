"""scipy.special, differentiable: forward values come from SciPy, each function is an
elementwise primitive declaring its partial derivatives (or a stable composite), and the
SciPy ufuncs themselves dispatch here on traced values, so ``scipy.special.erf(x)`` inside a
transform is differentiated too (once this module is imported).

Conventions: ``xlogy(x, y)`` and ``xlog1py`` have a y-derivative of 0 (not nan) where
``x == 0``; ``i1'(0) = i1e'(0) = 1/2`` (the limit); the Box-Cox family is differentiable in
``lmbda`` at and near 0 (series there, so no cancellation: ``d boxcox / d lmbda = log(x)^2
/ 2`` at ``lmbda == 0``).  ``softmax``, ``log_softmax`` and
``logsumexp`` without ``b`` are `tangents.nn`'s primitives (shifted by the maximum); with
``b``, ``logsumexp`` is composed from stable operations.
"""
from __future__ import annotations

__all__ = ['logsumexp', 'softmax', 'log_softmax', 'xlogy', 'xlog1py', 'expit', 'logit', 'erf',
           'erfc', 'erfinv', 'erfcx', 'gammaln', 'digamma', 'psi', 'polygamma', 'gamma', 'beta',
           'betaln', 'multigammaln', 'entr', 'rel_entr', 'kl_div', 'log_ndtr', 'ndtr', 'ndtri',
           'i0', 'i1', 'i0e', 'i1e', 'exp2', 'exp10', 'log_expit', 'boxcox', 'boxcox1p',
           'inv_boxcox', 'inv_boxcox1p']

import math

import numpy as np

try:
    import scipy.special as _sc
except ImportError as e:  # pragma: no cover - SciPy is optional
    raise ImportError("tangents.scipy.special needs SciPy: pip install tangents[scipy]") from e

from .. import numpy as tnp
from ..core import bind, builders, stop_gradient
from ..nn import functions as _nn
from ..numpy._dispatch import dtype_of, implements_ufunc, is_traced, normalize_axes, shape_of

_LN2, _LN10 = math.log(2), math.log(10)
_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _safe(ufunc, name, *partials):
    """An elementwise primitive with SciPy's ``ufunc`` as its forward pass, also registered
    as the handler of ``ufunc`` on traced values."""
    prim = builders.elementwise(f"special.{name}", ufunc, *partials)
    nargs = len(partials)

    def fn(*args):
        if len(args) != nargs:
            raise TypeError(f"{name} takes {nargs} argument(s), got {len(args)}")
        return bind(prim, *args)

    fn.__name__ = fn.__qualname__ = name
    example = ", ".join(["0.5"] * nargs)
    fn.__doc__ = (f"``{name}({', '.join('xy'[:nargs])})``: ``scipy.special.{name}``, "
                  f"differentiable.\n\n    >>> {name}({example})\n"
                  f"    {ufunc(*[0.5] * nargs)!r}\n")
    implements_ufunc(ufunc)(fn)
    return fn


def _where_zero(x, y, bad):
    """``y`` with 1 where ``x == 0`` and ``y == bad`` (so that ``x / y`` is 0 there)."""
    return tnp.where(tnp.logical_and(x == 0, y == bad), 1.0, y)


def _over_x(num, x, at_zero):
    """``num / x``, ``at_zero`` where ``x == 0`` (never nan)."""
    zero = x == 0
    return tnp.where(zero, at_zero, num / tnp.where(zero, 1.0, x))


# -- logistic -----------------------------------------------------------------------------
expit = _safe(_sc.expit, "expit", lambda ans, x: ans * (1 - ans))
logit = _safe(_sc.logit, "logit", lambda ans, x: 1 / (x * (1 - x)))
log_expit = _safe(_sc.log_expit, "log_expit", lambda ans, x: expit(-x))  # 1 - expit(x)

# -- exponentials: SciPy's exp2/exp10 (and expm1, log1p, cbrt) are ufuncs of their own ------
exp2 = _safe(_sc.exp2, "exp2", lambda ans, x: ans * _LN2)
exp10 = _safe(_sc.exp10, "exp10", lambda ans, x: ans * _LN10)
for _name in ("expm1", "log1p", "cbrt"):
    implements_ufunc(getattr(_sc, _name))(getattr(tnp, _name))

# -- error functions: erf' = 2/sqrt(pi) exp(-x^2) ------------------------------------------
erf = _safe(_sc.erf, "erf", lambda ans, x: (2 / _SQRT_PI) * tnp.exp(-x * x))
erfc = _safe(_sc.erfc, "erfc", lambda ans, x: (-2 / _SQRT_PI) * tnp.exp(-x * x))
erfinv = _safe(_sc.erfinv, "erfinv", lambda ans, x: (_SQRT_PI / 2) * tnp.exp(ans * ans))
# erfcx = exp(x^2) erfc(x): erfcx' = 2 x erfcx - 2/sqrt(pi)
erfcx = _safe(_sc.erfcx, "erfcx", lambda ans, x: 2 * x * ans - 2 / _SQRT_PI)

# -- normal distribution: ndtr' = phi, ndtri' = 1/phi(ndtri), log_ndtr' = exp(log phi - ans) --
ndtr = _safe(_sc.ndtr, "ndtr", lambda ans, x: tnp.exp(-0.5 * x * x) / _SQRT_2PI)
ndtri = _safe(_sc.ndtri, "ndtri", lambda ans, x: _SQRT_2PI * tnp.exp(0.5 * ans * ans))
log_ndtr = _safe(_sc.log_ndtr, "log_ndtr",
                 lambda ans, x: tnp.exp(-0.5 * x * x - _LOG_SQRT_2PI - ans))

# -- gamma family: gammaln' = digamma, psi^(n)' = psi^(n+1) ---------------------------------
_polygamma_p = builders.elementwise(
    "special.polygamma", _sc.polygamma, None, lambda ans, n, x: polygamma(n + 1, x))


def polygamma(n, x):
    """``polygamma(n, x)``: the ``n``-th derivative of `digamma` (``n`` integer, not
    differentiated).

    >>> polygamma(1, 1.0)  # pi^2 / 6, a 0-d array as SciPy's
    array(1.64493407)
    """
    if is_traced(n):
        raise TypeError("polygamma: the order n must be a constant integer")
    n, dt = np.asarray(n), dtype_of(x)
    # n in x's float dtype, so that an integer n does not promote float32 x to float64
    return bind(_polygamma_p, n.astype(dt) if np.issubdtype(dt, np.floating) else n, x)


gammaln = _safe(_sc.gammaln, "gammaln", lambda ans, x: digamma(x))
digamma = _safe(_sc.digamma, "digamma", lambda ans, x: polygamma(1, x))
psi = digamma
gamma = _safe(_sc.gamma, "gamma", lambda ans, x: ans * digamma(x))
beta = _safe(_sc.beta, "beta", lambda ans, a, b: ans * (digamma(a) - digamma(a + b)),
             lambda ans, a, b: ans * (digamma(b) - digamma(a + b)))
betaln = _safe(_sc.betaln, "betaln", lambda ans, a, b: digamma(a) - digamma(a + b),
               lambda ans, a, b: digamma(b) - digamma(a + b))


def multigammaln(a, d):
    """``multigammaln(a, d)``: the log of the multivariate gamma function of dimension ``d``,
    ``d (d-1)/4 log(pi) + sum_j gammaln(a - j/2)`` for j in 0..d-1.

    >>> import scipy.special
    >>> bool(np.isclose(multigammaln(3.0, 2), scipy.special.multigammaln(3.0, 2)))
    True
    """
    d = int(d)
    if d < 1:
        raise ValueError("multigammaln: d should be a positive integer (dimension)")
    if not is_traced(a) and np.any(np.asarray(a) <= 0.5 * (d - 1)):
        raise ValueError(f"multigammaln: condition a ({a}) > 0.5 * (d-1) ({0.5 * (d - 1)}) "
                         "not met")
    out = gammaln(a)
    for j in range(1, d):
        out = out + gammaln(a - 0.5 * j)
    return out + d * (d - 1) * 0.25 * math.log(math.pi)


# -- entropies: y-derivatives are 0 where x == 0 --------------------------------------------
xlogy = _safe(_sc.xlogy, "xlogy", lambda ans, x, y: tnp.log(y),
              lambda ans, x, y: x / _where_zero(x, y, 0.0))
xlog1py = _safe(_sc.xlog1py, "xlog1py", lambda ans, x, y: tnp.log1p(y),
                lambda ans, x, y: x / (1 + _where_zero(x, y, -1.0)))
entr = _safe(_sc.entr, "entr", lambda ans, x: -(tnp.log(x) + 1))
rel_entr = _safe(_sc.rel_entr, "rel_entr", lambda ans, x, y: tnp.log(x) - tnp.log(y) + 1,
                 lambda ans, x, y: -x / _where_zero(x, y, 0.0))
kl_div = _safe(_sc.kl_div, "kl_div", lambda ans, x, y: tnp.log(x) - tnp.log(y),
               lambda ans, x, y: 1 - x / _where_zero(x, y, 0.0))

# -- modified Bessel functions: i0' = i1, i1' = i0 - i1/x, e-scaled: minus sign(x) * ans ----
i0 = _safe(_sc.i0, "i0", lambda ans, x: i1(x))
i1 = _safe(_sc.i1, "i1", lambda ans, x: i0(x) - _over_x(ans, x, 0.5))
i0e = _safe(_sc.i0e, "i0e", lambda ans, x: i1e(x) - tnp.sign(x) * ans)
i1e = _safe(_sc.i1e, "i1e", lambda ans, x: i0e(x) - _over_x(ans, x, 0.5) - tnp.sign(x) * ans)


# -- Box-Cox: y = (x**l - 1) / l = expm1(l L) / l with L = log(x) (log1p(x) for boxcox1p) --
def _horner(u, coefs):
    out = coefs[-1]
    for c in coefs[-2::-1]:
        out = out * u + c
    return out


# g(u) = ((u - 1) e^u + 1) / u^2 = sum_{m >= 2} (m - 1) u^(m-2) / m!, so that
# d/dl expm1(l L) / l = L^2 g(l L); the closed form cancels near u = 0
_G = [(m - 1) / math.factorial(m) for m in range(2, 19)]


def _boxcox_dlmbda(L, lmbda):
    u = lmbda * L
    small = tnp.absolute(u) < 0.5
    series = tnp.square(tnp.where(small, L, 0.0)) * _horner(tnp.where(small, u, 0.0), _G)
    # (u - 1) e^u + 1 over l^2 (not L^2 over u^2: finite where L = -inf, i.e. at x = 0);
    # below u = -700 e^u is 0 and u is clamped so that (u - 1) e^u is 0, not nan
    ul = tnp.where(small, 1.0, tnp.maximum(u, -700.0))
    lam = tnp.where(small, 1.0, lmbda)
    return tnp.where(small, series, ((ul - 1) * tnp.exp(ul) + 1) / (lam * lam))


boxcox = _safe(_sc.boxcox, "boxcox", lambda ans, x, lmbda: tnp.power(x, lmbda - 1),
               lambda ans, x, lmbda: _boxcox_dlmbda(tnp.log(x), lmbda))
boxcox1p = _safe(_sc.boxcox1p, "boxcox1p", lambda ans, x, lmbda: tnp.power(1 + x, lmbda - 1),
                 lambda ans, x, lmbda: _boxcox_dlmbda(tnp.log1p(x), lmbda))


# inverse: x = exp(y h(v)), v = l y, h(v) = log1p(v) / v; d/dl [y h(l y)] = y^2 h'(v) with
# h'(v) = (v / (1 + v) - log1p(v)) / v^2 = sum_{k >= 1} (-1)^k k v^(k-1) / (k + 1)
_H1 = [(-1) ** k * k / (k + 1) for k in range(1, 32)]


def _inv_boxcox_dlmbda(y, lmbda):
    v = lmbda * y
    small = tnp.absolute(v) < 0.25
    series = tnp.square(tnp.where(small, y, 0.0)) * _horner(tnp.where(small, v, 0.0), _H1)
    vl, lam = tnp.where(small, 1.0, v), tnp.where(small, 1.0, lmbda)
    return tnp.where(small, series, (vl / (1 + vl) - tnp.log1p(vl)) / (lam * lam))


inv_boxcox = _safe(_sc.inv_boxcox, "inv_boxcox",
                   lambda ans, y, lmbda: ans / (1 + lmbda * y),
                   lambda ans, y, lmbda: ans * _inv_boxcox_dlmbda(y, lmbda))
inv_boxcox1p = _safe(_sc.inv_boxcox1p, "inv_boxcox1p",
                     lambda ans, y, lmbda: (ans + 1) / (1 + lmbda * y),
                     lambda ans, y, lmbda: (ans + 1) * _inv_boxcox_dlmbda(y, lmbda))


# -- logsumexp with weights b: log|sum(b exp(a))|, composed (its derivatives by composition) --
def _weighted_logsumexp(a, b, axes, return_sign):
    """``(log|S|, sign(S))`` with ``S = sum(b exp(a))`` over ``axes`` (kept), shifted by a's
    maximum where ``b`` is nonzero; the shift is a constant, as the result does not depend
    on it."""
    shift = tnp.max(tnp.where(tnp.not_equal(b, 0), a, -np.inf), axis=axes, keepdims=True)
    shift = stop_gradient(tnp.where(tnp.isfinite(shift), shift, 0.0))
    # only a zero-weight entry can exceed the shift: its exponent is capped below overflow,
    # so its term is 0 (not 0 * inf) and d/db there is e^cap / S, as large as the dtype holds
    cap = float(np.log(np.finfo(dtype_of(a)).max))
    s = tnp.sum(b * tnp.exp(tnp.minimum(a - shift, cap)), axis=axes, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # -inf or nan, as SciPy's
        return tnp.log(tnp.abs(s) if return_sign else s) + shift, tnp.sign(s)


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """``logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False)``:
    ``log(sum(b * exp(a), axis))`` without overflow; with ``return_sign`` the pair
    ``(log|sum|, sign(sum))`` (the sign is a constant).  Without ``b`` it is
    `tangents.nn.logsumexp` (a primitive); with ``b`` a composite of stable operations.

    >>> logsumexp(np.array([1000.0, 1000.0]))
    np.float64(1000.6931471805599)
    """
    if b is None:
        out = _nn.logsumexp(a, normalize_axes(axis, len(shape_of(a)), "logsumexp"), keepdims)
        return (out, np.ones(shape_of(out), dtype_of(out))) if return_sign else out
    full = np.broadcast_shapes(shape_of(a), shape_of(b))
    a = tnp.broadcast_to(_nn._float(a), full)
    b = tnp.broadcast_to(_nn._float(b), full)
    axes = normalize_axes(axis, len(full), "logsumexp")
    out, sign = _weighted_logsumexp(a, b, axes, return_sign)
    if not keepdims:
        out, sign = tnp.squeeze(out, axis=axes), tnp.squeeze(sign, axis=axes)
    return (out, sign) if return_sign else out


def softmax(x, axis=None):
    """``softmax(x, axis=None)``: ``exp(x - logsumexp(x, axis, keepdims=True))`` (over all
    entries by default, as SciPy's).

    >>> softmax(np.array([1000.0, 1000.0]))
    array([0.5, 0.5])
    """
    return _nn.softmax(x, normalize_axes(axis, len(shape_of(x)), "softmax"))


def log_softmax(x, axis=None):
    """``log_softmax(x, axis=None)``: ``x - logsumexp(x, axis, keepdims=True)``.

    >>> log_softmax(np.array([0.0, 0.0]))
    array([-0.69314718, -0.69314718])
    """
    return _nn.log_softmax(x, normalize_axes(axis, len(shape_of(x)), "log_softmax"))

from ._special_more import *  # noqa: E402,F403  (Bessel, incomplete gamma/beta, ...)
from ._special_more import __all__ as _more  # noqa: E402

__all__ += _more
