"""scipy.stats quantile functions and entropies of the standardized continuous distributions
(``loc = 0``, ``scale = 1``); `tangents.scipy.stats` adds ``loc`` and ``scale``.

A quantile ``z = ppf(q; s)`` is differentiated by the inverse-function rule applied to
``cdf(z(q, s); s) = q``: ``dz/dq = 1 / pdf(z; s)`` and ``dz/ds = -(d cdf / d s)(z; s) / pdf(z;
s)``, where ``d cdf / d s`` is the CDF's own derivative, so a quantile is as differentiable
in a shape parameter as its CDF is.  Entropies are closed forms in the differentiable
namespace.
"""
from __future__ import annotations

import math

import numpy as np

try:
    import scipy.special as _sc
except ImportError as e:  # pragma: no cover - SciPy is optional
    raise ImportError("tangents.scipy.stats needs SciPy: pip install tangents[scipy]") from e

from .. import numpy as tnp
from ..core import builders, jvp
from ..numpy._dispatch import dtype_of, shape_of
from . import special as tss

__all__ = ["ppf_primitive", "PPF", "ENTROPY", "COVERAGE", "variation"]

_LOG_2 = math.log(2)


def ppf_primitive(name, impl, cdf, pdf, nshapes):
    """The quantile function ``impl(q, *shapes)`` as an elementwise primitive whose partial
    derivatives come from the distribution's ``cdf(z, *shapes)`` and ``pdf(z, *shapes)``."""
    def forward(q, *shapes):
        return np.asarray(impl(q, *shapes)).astype(np.result_type(q, *shapes), copy=False)

    def dq(ans, q, *shapes):
        return 1 / pdf(ans, *shapes)

    def dshape(i):
        def partial(ans, q, *shapes):
            def cdf_in(s):
                return cdf(ans, *shapes[:i], s, *shapes[i + 1:])
            s = shapes[i]
            _, dcdf = jvp(cdf_in, (s,), (np.ones(shape_of(s), dtype_of(s)),))
            return -dcdf / pdf(ans, *shapes)
        return partial

    return builders.elementwise(f"stats.{name}_ppf", forward, dq,
                                *[dshape(i) for i in range(nshapes)])


def _laplace_ppf(q):
    with np.errstate(divide="ignore"):
        return np.where(q > 0.5, -np.log(2 * (1 - q)), np.log(2 * q))


PPF = {  # SciPy's standardized quantile functions (the forward values)
    "norm": _sc.ndtri,
    "t": lambda q, df: _sc.stdtrit(df, q),
    "cauchy": lambda q: np.tan(np.pi * (q - 0.5)),
    "laplace": _laplace_ppf,
    "logistic": _sc.logit,
    "expon": lambda q: -np.log1p(-q),
    "gamma": lambda q, a: _sc.gammaincinv(a, q),
    "chi2": lambda q, df: 2 * _sc.gammaincinv(df / 2, q),
    "beta": lambda q, a, b: _sc.betaincinv(a, b, q),
}


def _gamma_entropy(a):
    return a + tss.gammaln(a) + (1 - a) * tss.digamma(a)


def _t_entropy(df):
    half = (df + 1) / 2
    return (half * (tss.digamma(half) - tss.digamma(df / 2)) + 0.5 * tnp.log(df)
            + tss.betaln(df / 2, np.asarray(0.5, dtype_of(df))))  # SciPy widens a float 0.5


def _beta_entropy(a, b):
    return (tss.betaln(a, b) - (a - 1) * tss.digamma(a) - (b - 1) * tss.digamma(b)
            + (a + b - 2) * tss.digamma(a + b))


ENTROPY = {  # differential entropy of the standardized distribution, in its shapes
    "norm": lambda: 0.5 * (1 + math.log(2 * math.pi)),
    "t": _t_entropy,
    "cauchy": lambda: math.log(4 * math.pi),
    "laplace": lambda: 1 + _LOG_2,
    "logistic": lambda: 2.0,
    "expon": lambda: 1.0,
    "gamma": _gamma_entropy,
    "chi2": lambda df: _gamma_entropy(df / 2) + _LOG_2,  # chi2(df) = 2 gamma(df / 2)
    "beta": _beta_entropy,
}

def variation(a, axis=0, nan_policy="propagate", ddof=0, *, keepdims=False):
    """``variation(a, axis=0, ddof=0, keepdims=False)``: the coefficient of variation
    ``std(a, ddof) / mean(a)`` along ``axis`` (None: all), as ``scipy.stats.variation``
    (which mixes plain and traced arrays under SCIPY_ARRAY_API=1, so traced calls route here).

    >>> float(variation(np.array([1.0, 3.0])))
    0.5
    """
    if nan_policy != "propagate":
        raise NotImplementedError(f"variation: nan_policy={nan_policy!r} on traced values; "
                                  "only 'propagate' is supported (drop the nans first)")
    std = tnp.std(a, axis=axis, ddof=ddof, keepdims=keepdims)
    return std / tnp.mean(a, axis=axis, keepdims=keepdims)


_METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
_SHAPED = ("t", "gamma", "chi2", "beta")


def _params(first, dist):
    return f"{first}, {'shapes, ' if dist in _SHAPED else ''}loc, scale"


# distribution -> method -> arguments it is differentiable in (entropy does not depend on loc)
COVERAGE = {
    **{d: {**{m: _params("x", d) for m in _METHODS}, "ppf": _params("q", d),
           "entropy": "shapes, scale" if d in _SHAPED else "scale"}
       for d in ("norm", "cauchy", "laplace", "logistic", "expon") + _SHAPED},
    "poisson": {m: "mu" for m in ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf")},
    "binom": {m: "p" for m in ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf")},
    "dirichlet": {"logpdf": "x, alpha", "pdf": "x, alpha", "entropy": "alpha"},
    "multivariate_normal": {"logpdf": "x, mean, cov", "pdf": "x, mean, cov", "entropy": "cov"},
}
