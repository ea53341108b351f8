"""scipy.stats distributions, differentiable: ``logpdf``/``pdf``/``cdf``/``logcdf``/``sf``/
``logsf`` (``logpmf``/``pmf`` for discrete ones) with SciPy's signatures, composed from
`tangents.numpy` and `tangents.scipy.special`, differentiable in ``x`` and the parameters.

    >>> norm.logpdf(0.0, loc=0.0, scale=1.0)  # -log(sqrt(2 pi))
    np.float64(-0.9189385332046727)

Conventions: outside the support ``logpdf`` is ``-inf`` (derivative 0), invalid parameters
give nan, like SciPy.  The CDFs of ``t``, ``gamma``, ``chi2`` and ``beta`` take their
shape-parameter derivatives from the incomplete gamma/beta functions' rules (series there);
``ppf`` is differentiated by the inverse-function rule and ``entropy`` is a closed form
(`tangents.scipy._stats_more`).
Discrete ``logpmf`` is differentiated in ``k`` as its gammaln extension; ``cdf``/``sf`` are
constant in ``k``.  float32 in gives float32 out (SciPy computes in float64).
"""
from __future__ import annotations

__all__ = ['norm', 't', 'cauchy', 'laplace', 'logistic', 'gamma', 'chi2', 'beta', 'expon',
           'poisson',
           'binom', 'dirichlet', 'multivariate_normal', 'variation']

import math

import numpy as np

try:
    import scipy.special as _sc
except ImportError as e:  # pragma: no cover - SciPy is optional
    raise ImportError("tangents.scipy.stats needs SciPy: pip install tangents[scipy]") from e

from .. import numpy as tnp
from ..core import builders, jvp
from ..numpy._dispatch import dtype_of, is_traced, shape_of
from . import _stats_more as _more
from . import linalg as _tsl
from . import special as tss
from ._stats_more import variation

_LOG_PI = math.log(math.pi)
_LOG_2PI = math.log(2 * math.pi)
_LOG_SQRT_2PI = 0.5 * _LOG_2PI
_LOG_2 = math.log(2)


# -- CDFs with a derivative in x (or the Poisson/binomial rate) only -----------------------
def _cdf_prim(name, ufunc, *partials):
    """An elementwise primitive computing ``ufunc`` in its last argument's dtype."""
    def impl(*args):
        out = ufunc(*args)
        return out.astype(np.result_type(args[-1]), copy=False)
    return builders.elementwise(f"stats.{name}", impl, *partials)


def _t_logpdf(z, df):
    return (tss.gammaln((df + 1) / 2) - tss.gammaln(df / 2) - 0.5 * (tnp.log(df) + _LOG_PI)
            - (df + 1) / 2 * tnp.log1p(z * z / df))


def _poisson_logpmf(k, mu):
    return tss.xlogy(k, mu) - tss.gammaln(k + 1) - mu


def _binom_logpmf(k, n, p):
    return (tss.gammaln(n + 1) - tss.gammaln(k + 1) - tss.gammaln(n - k + 1)
            + tss.xlogy(k, p) + tss.xlog1py(n - k, -p))


# one definition, in special (with shape-parameter derivatives)
from ._special_more import _betainc_p, _betaincc_p, _gammainc_p, _gammaincc_p  # noqa: E402


def _stdtr_ddf(ans, df, z):
    # stdtr = I_x(df/2, 1/2) / 2 for z < 0 and 1 minus that for z >= 0, x = df / (df + z^2)
    def tail(d):
        return _betainc_p(d / 2, 0.5, d / (d + z * z)) / 2
    _, dtail = jvp(tail, (df,), (np.ones(shape_of(df), dtype_of(df)),))
    return tnp.where(z < 0, dtail, -dtail)


_stdtr_p = _cdf_prim("stdtr", _sc.stdtr, _stdtr_ddf, lambda ans, df, z: tnp.exp(_t_logpdf(z, df)))
# d/dmu P(X <= k) = -pmf(k; mu)
_pdtr_p = _cdf_prim("pdtr", _sc.pdtr, None, lambda ans, k, mu: -tnp.exp(_poisson_logpmf(k, mu)))
_pdtrc_p = _cdf_prim("pdtrc", _sc.pdtrc, None, lambda ans, k, mu: tnp.exp(_poisson_logpmf(k, mu)))


def _bdtr_dp(k, n, p):  # d/dp P(X <= k) = -n pmf(k; n - 1, p)
    return -n * tnp.exp(_binom_logpmf(k, n - 1, p))


_bdtr_p = _cdf_prim("bdtr", lambda k, n, p: _sc.bdtr(k, n.astype(np.int64), p), None, None,
                    lambda ans, k, n, p: _bdtr_dp(k, n, p))
_bdtrc_p = _cdf_prim("bdtrc", lambda k, n, p: _sc.bdtrc(k, n.astype(np.int64), p), None, None,
                     lambda ans, k, n, p: -_bdtr_dp(k, n, p))


# -- argument handling ---------------------------------------------------------------------
def _floats(*args):
    """The arguments as arrays of one floating dtype: the floating arrays' common dtype
    (integer arrays such as counts do not widen it; float64 when there is none)."""
    dts = [dtype_of(a) for a in args if not isinstance(a, (bool, int, float))]
    dts = [d for d in dts if d.kind == "f"]
    dt = np.result_type(*dts) if dts else np.dtype(np.float64)
    return [tnp.astype(a, dt) if is_traced(a) and dtype_of(a) != dt else
            a if is_traced(a) else np.asarray(a, dt) for a in args]


def _all_true(mask):
    return not is_traced(mask) and bool(np.all(mask))


def _safe(mask, x, fill):
    """``x`` with ``fill`` where ``mask`` is false, so that derivatives there stay finite."""
    return x if _all_true(mask) else tnp.where(mask, x, fill)


def _select(mask, x, other):
    return x if _all_true(mask) else tnp.where(mask, x, other)


def _either(mask, a, b, like):
    """``a`` where ``mask`` holds, else ``b`` (constants), in ``like``'s dtype."""
    dt = dtype_of(like)
    return tnp.where(mask, np.asarray(a, dt), np.asarray(b, dt))


def _quiet_log(method):
    """log(0) = -inf is the intended value at the support's edges (SciPy is silent too)."""
    def wrapper(*args, **kwds):
        with np.errstate(divide="ignore"):
            return method(*args, **kwds)
    return wrapper


def _parse(name, names, args, kwds, defaults):
    if len(args) > len(names):
        raise TypeError(f"{name}: too many positional arguments")
    vals = dict(defaults)
    for key, val in zip(names, args, strict=False):
        vals[key] = val
    for key, val in kwds.items():
        if key not in names:
            raise TypeError(f"{name}: unexpected keyword argument {key!r}")
        if key in names[:len(args)]:
            raise TypeError(f"{name}: got multiple values for argument {key!r}")
        vals[key] = val
    missing = [k for k in names if k not in vals]
    if missing:
        raise TypeError(f"{name}: missing argument(s) {missing}")
    return [vals[k] for k in names]


class _Frozen:
    """A distribution with its parameters fixed: ``norm(loc, scale).logpdf(x)``."""

    def __init__(self, dist, args, kwds):
        self.dist, self.args, self.kwds = dist, args, kwds

    def __getattr__(self, method):
        fn = getattr(self.dist, method)
        return lambda x: fn(x, *self.args, **self.kwds)


# -- continuous distributions: methods of the standardized variable z = (x - loc) / scale ---
_OUTSIDE = {  # method -> (value below the support, value above it)
    "logpdf": (-np.inf, -np.inf), "pdf": (0.0, 0.0), "cdf": (0.0, 1.0),
    "logcdf": (-np.inf, 0.0), "sf": (1.0, 0.0), "logsf": (0.0, -np.inf)}


class rv_continuous:
    """A continuous distribution with SciPy's ``loc``/``scale`` family methods."""

    def __init__(self, name, shapes=(), *, support=(-np.inf, np.inf), interior=0.0,
                 argcheck=None, **methods):
        self.name, self.shapes = name, tuple(shapes)
        self.support, self.interior = support, interior
        self._argcheck = argcheck
        self._methods = methods
        self._ppf_p = _more.ppf_primitive(
            name, _more.PPF[name], lambda z, *s: self._std("cdf", z, *s),
            lambda z, *s: self._std("pdf", z, *s), len(self.shapes))

    def __repr__(self):
        return f"<tangents.scipy.stats.{self.name}>"

    def __call__(self, *args, **kwds):
        return _Frozen(self, args, kwds)

    def _std(self, method, z, *shapes):
        m = self._methods
        if method in m:
            return m[method](z, *shapes)
        if method == "pdf":
            return tnp.exp(m["logpdf"](z, *shapes))
        if method in ("logcdf", "logsf"):
            return tnp.log(self._std(method[3:], z, *shapes))
        raise NotImplementedError(f"{self.name}.{method}")  # pragma: no cover

    @_quiet_log
    def _eval(self, method, x, args, kwds):
        names = self.shapes + ("loc", "scale")
        vals = _parse(f"{self.name}.{method}", names, args, kwds, {"loc": 0.0, "scale": 1.0})
        x, *vals = _floats(x, *vals)
        *shapes, loc, scale = vals
        valid = scale > 0
        if self._argcheck is not None:
            valid = valid & self._argcheck(*shapes)
        shapes = [_safe(valid, s, 1.0) for s in shapes]
        scale = _safe(valid, scale, 1.0)
        z = (x - loc) / scale
        lo, hi = self.support
        inside = (z >= lo) & (z <= hi)
        out = self._std(method, _safe(inside, z, self.interior), *shapes)
        if method == "logpdf":
            out = out - tnp.log(scale)
        elif method == "pdf":
            out = out / scale
        below, above = _OUTSIDE[method]
        out = _select(inside, out, below if below == above else _either(z < lo, below, above, out))
        return _select(valid, out, np.nan)

    def logpdf(self, x, *args, **kwds):
        return self._eval("logpdf", x, args, kwds)

    def pdf(self, x, *args, **kwds):
        return self._eval("pdf", x, args, kwds)

    def cdf(self, x, *args, **kwds):
        return self._eval("cdf", x, args, kwds)

    def logcdf(self, x, *args, **kwds):
        return self._eval("logcdf", x, args, kwds)

    def sf(self, x, *args, **kwds):
        return self._eval("sf", x, args, kwds)

    def logsf(self, x, *args, **kwds):
        return self._eval("logsf", x, args, kwds)

    def _params(self, method, first, args, kwds):
        """``first`` and the parsed parameters in one float dtype, invalid ones replaced by 1,
        and the mask of valid ones."""
        names = self.shapes + ("loc", "scale")
        vals = _parse(f"{self.name}.{method}", names, args, kwds, {"loc": 0.0, "scale": 1.0})
        first, *vals = _floats(first, *vals)
        valid = vals[-1] > 0
        if self._argcheck is not None:
            valid = valid & self._argcheck(*vals[:-2])
        return first, valid, [_safe(valid, v, 1.0) for v in vals]

    def ppf(self, q, *args, **kwds):
        """The quantile function: ``loc + scale * z`` with ``cdf(z) = q`` (nan outside
        ``[0, 1]``), differentiated by the inverse-function rule.

        >>> float(norm.ppf(0.975))
        1.959963984540054
        """
        q, valid, (*shapes, loc, scale) = self._params("ppf", q, args, kwds)
        inside = (q > 0) & (q < 1)
        z = self._ppf_p(_safe(inside, q, 0.5), *shapes)
        z = _select(inside, z, _either(q == 0, *self.support, z))  # the support's ends, as SciPy
        return _select(valid & (q >= 0) & (q <= 1), loc + scale * z, np.nan)

    def entropy(self, *args, **kwds):
        """The differential entropy (natural log), ``h(shapes) + log(scale)``.

        >>> float(expon.entropy(scale=2.0))  # 1 + log 2
        1.6931471805599454
        """
        _, valid, (*shapes, loc, scale) = self._params("entropy", 0.0, args, kwds)
        out = _more.ENTROPY[self.name](*shapes) + tnp.log(scale)
        full = np.broadcast_shapes(*(shape_of(v) for v in (*shapes, loc, scale)))
        out = _select(valid, out, np.nan)
        return out if shape_of(out) == full else tnp.broadcast_to(out, full)


def _cauchy_logpdf(z):
    # -log(pi) - log1p(z^2), written as -log(pi) - 2 log|z| - log1p(1/z^2) for |z| >= 1
    a = tnp.abs(z)
    small = a < 1
    a_small, a_big = tnp.where(small, a, 0.0), tnp.where(small, 1.0, a)
    return tnp.where(small, -_LOG_PI - tnp.log1p(a_small * a_small),
                     -_LOG_PI - (2 * tnp.log(a_big) + tnp.log1p(1 / (a_big * a_big))))


def _laplace_cdf(z):
    pos = z > 0
    return tnp.where(pos, 1 - 0.5 * tnp.exp(-tnp.where(pos, z, 0.0)),
                     0.5 * tnp.exp(tnp.where(pos, 0.0, z)))


def _laplace_logcdf(z):
    pos = z > 0
    return tnp.where(pos, tnp.log1p(-0.5 * tnp.exp(-tnp.where(pos, z, 0.0))),
                     tnp.where(pos, 0.0, z) - math.log(2))


def _log_expit(z):
    return -tnp.logaddexp(0.0, -z)


norm = rv_continuous(
    "norm",
    logpdf=lambda z: -0.5 * z * z - _LOG_SQRT_2PI,
    pdf=lambda z: tnp.exp(-0.5 * z * z) / math.sqrt(2 * math.pi),
    cdf=tss.ndtr, logcdf=tss.log_ndtr,
    sf=lambda z: tss.ndtr(-z), logsf=lambda z: tss.log_ndtr(-z))

t = rv_continuous(
    "t", ("df",), argcheck=lambda df: df > 0,
    logpdf=_t_logpdf,
    cdf=lambda z, df: _stdtr_p(df, z), sf=lambda z, df: _stdtr_p(df, -z))

cauchy = rv_continuous(
    "cauchy",
    logpdf=_cauchy_logpdf, pdf=lambda z: 1 / math.pi / (1 + z * z),
    cdf=lambda z: tnp.arctan2(1.0, -z) / math.pi, sf=lambda z: tnp.arctan2(1.0, z) / math.pi)

laplace = rv_continuous(
    "laplace",
    logpdf=lambda z: -tnp.abs(z) - math.log(2), pdf=lambda z: 0.5 * tnp.exp(-tnp.abs(z)),
    cdf=_laplace_cdf, logcdf=_laplace_logcdf,
    sf=lambda z: _laplace_cdf(-z), logsf=lambda z: _laplace_logcdf(-z))

logistic = rv_continuous(
    "logistic",
    logpdf=lambda z: _log_expit(z) + _log_expit(-z),  # smooth at 0, unlike -|z| - ...
    cdf=tss.expit, logcdf=_log_expit,
    sf=lambda z: tss.expit(-z), logsf=lambda z: _log_expit(-z))

expon = rv_continuous(
    "expon", support=(0.0, np.inf), interior=1.0,
    logpdf=lambda z: -z, pdf=lambda z: tnp.exp(-z),
    cdf=lambda z: -tnp.expm1(-z), logcdf=lambda z: tnp.log(-tnp.expm1(-z)),
    sf=lambda z: tnp.exp(-z), logsf=lambda z: -z)

gamma = rv_continuous(
    "gamma", ("a",), support=(0.0, np.inf), interior=1.0, argcheck=lambda a: a > 0,
    logpdf=lambda z, a: tss.xlogy(a - 1, z) - z - tss.gammaln(a),
    cdf=lambda z, a: _gammainc_p(a, z), sf=lambda z, a: _gammaincc_p(a, z))

chi2 = rv_continuous(  # chi2(df) is gamma(df / 2) with scale 2
    "chi2", ("df",), support=(0.0, np.inf), interior=1.0, argcheck=lambda df: df > 0,
    logpdf=lambda z, df: tss.xlogy(df / 2 - 1, z / 2) - z / 2 - tss.gammaln(df / 2) - _LOG_2,
    cdf=lambda z, df: _gammainc_p(df / 2, z / 2), sf=lambda z, df: _gammaincc_p(df / 2, z / 2))

beta = rv_continuous(
    "beta", ("a", "b"), support=(0.0, 1.0), interior=0.5,
    argcheck=lambda a, b: (a > 0) & (b > 0),
    logpdf=lambda z, a, b: tss.xlog1py(b - 1, -z) + tss.xlogy(a - 1, z) - tss.betaln(a, b),
    cdf=lambda z, a, b: _betainc_p(a, b, z), sf=lambda z, a, b: _betaincc_p(a, b, z))


# -- discrete distributions (integer support shifted by loc) -------------------------------
class rv_discrete:
    """A discrete distribution on the integers ``[0, upper(*shapes)]`` shifted by ``loc``."""

    def __init__(self, name, shapes, *, upper, argcheck, logpmf, cdf, sf):
        self.name, self.shapes = name, tuple(shapes)
        self._upper, self._argcheck = upper, argcheck
        self._methods = {"logpmf": logpmf, "cdf": cdf, "sf": sf}

    def __repr__(self):
        return f"<tangents.scipy.stats.{self.name}>"

    def __call__(self, *args, **kwds):
        return _Frozen(self, args, kwds)

    @_quiet_log
    def _eval(self, method, k, args, kwds):
        names = self.shapes + ("loc",)
        vals = _parse(f"{self.name}.{method}", names, args, kwds, {"loc": 0.0})
        k, *shapes, loc = _floats(k, *vals)
        valid = self._argcheck(*shapes)
        shapes = [_safe(valid, s, 1.0) for s in shapes]
        k = k - loc
        hi = self._upper(*shapes)
        if method in ("logpmf", "pmf"):
            inside = (k >= 0) & (k <= hi) & (k == tnp.floor(k))
            out = self._methods["logpmf"](_safe(inside, k, 0.0), *shapes)
            out = _select(inside, out, -np.inf)
            out = tnp.exp(out) if method == "pmf" else out
        else:
            k = tnp.floor(k)
            inside = (k >= 0) & (k < hi)
            base = method[3:] if method.startswith("log") else method
            out = self._methods[base](_safe(inside, k, 0.0), *shapes)
            low, high = (0.0, 1.0) if base == "cdf" else (1.0, 0.0)
            out = _select(inside, out, _either(k < 0, low, high, out))
            out = tnp.log(out) if method != base else out
        return _select(valid, out, np.nan)

    def logpmf(self, k, *args, **kwds):
        return self._eval("logpmf", k, args, kwds)

    def pmf(self, k, *args, **kwds):
        return self._eval("pmf", k, args, kwds)

    def cdf(self, k, *args, **kwds):
        return self._eval("cdf", k, args, kwds)

    def logcdf(self, k, *args, **kwds):
        return self._eval("logcdf", k, args, kwds)

    def sf(self, k, *args, **kwds):
        return self._eval("sf", k, args, kwds)

    def logsf(self, k, *args, **kwds):
        return self._eval("logsf", k, args, kwds)


poisson = rv_discrete(
    "poisson", ("mu",), upper=lambda mu: np.inf, argcheck=lambda mu: mu >= 0,
    logpmf=_poisson_logpmf,
    cdf=lambda k, mu: _pdtr_p(k, mu), sf=lambda k, mu: _pdtrc_p(k, mu))

binom = rv_discrete(
    "binom", ("n", "p"), upper=lambda n, p: n,
    argcheck=lambda n, p: (n >= 0) & (n == tnp.floor(n)) & (p >= 0) & (p <= 1),
    logpmf=_binom_logpmf,
    cdf=lambda k, n, p: _bdtr_p(k, n, p), sf=lambda k, n, p: _bdtrc_p(k, n, p))


# -- multivariate ---------------------------------------------------------------------------
def _squeeze(out):
    """Length-one axes removed, a 0-d result as a scalar (like SciPy's multivariate output)."""
    out = tnp.squeeze(out)
    return out[()] if len(shape_of(out)) == 0 and not is_traced(out) else out


class dirichlet_gen:
    """The Dirichlet distribution; ``x`` holds the components along its first axis (shape
    ``(K,)`` or ``(K, N)``; ``K - 1`` rows imply the last as ``1 - sum``), like SciPy."""

    def __repr__(self):
        return "<tangents.scipy.stats.dirichlet>"

    def _check(self, x, alpha):
        x, alpha = _floats(x, alpha)
        if len(shape_of(alpha)) != 1:
            raise ValueError("Parameter vector 'a' must be one dimensional, but "
                             f"a.shape = {shape_of(alpha)}.")
        if not is_traced(alpha) and np.any(np.asarray(alpha) <= 0):
            raise ValueError("All parameters must be greater than 0")
        k = shape_of(alpha)[0]
        if shape_of(x)[0] not in (k, k - 1):
            raise ValueError("Vector 'x' must have either the same number of entries as, or "
                             f"one entry fewer than, parameter vector 'a', but alpha.shape = "
                             f"{shape_of(alpha)} and x.shape = {shape_of(x)}.")
        if shape_of(x)[0] == k - 1:
            x = tnp.concatenate([x, 1 - tnp.sum(x, axis=0, keepdims=True)], axis=0)
        if not is_traced(x):
            if np.min(x) < 0 or np.max(x) > 1:
                raise ValueError("Each entry in 'x' must lie in [0, 1].")
            if np.any(np.abs(np.sum(x, 0) - 1.0) > 10e-10):
                raise ValueError("The input vector 'x' must lie within the normal simplex.")
        return x, alpha

    def logpdf(self, x, alpha):
        """``dirichlet.logpdf(x, alpha)``: ``sum((alpha - 1) log x) - log B(alpha)``.

        >>> dirichlet.logpdf(np.array([0.5, 0.5]), np.array([1.0, 1.0]))
        np.float64(0.0)
        """
        x, alpha = self._check(x, alpha)
        lnb = tnp.sum(tss.gammaln(alpha)) - tss.gammaln(tnp.sum(alpha))
        terms = tnp.transpose(tss.xlogy(alpha - 1, tnp.transpose(x)))  # components first
        return _squeeze(-lnb + tnp.sum(terms, axis=0))

    def pdf(self, x, alpha):
        return tnp.exp(self.logpdf(x, alpha))

    def entropy(self, alpha):
        """``log B(alpha) + (a0 - K) digamma(a0) - sum((alpha - 1) digamma(alpha))``,
        ``a0 = sum(alpha)``.

        >>> float(dirichlet.entropy(np.ones(3)))  # uniform on the simplex: -log 2
        -0.6931471805599453
        """
        dt = dtype_of(alpha) if dtype_of(alpha).kind == "f" else np.dtype(np.float64)
        alpha = self._check(np.full(shape_of(alpha), 1.0 / shape_of(alpha)[0], dt), alpha)[1]
        a0 = tnp.sum(alpha)
        lnb = tnp.sum(tss.gammaln(alpha)) - tss.gammaln(a0)
        return (lnb + (a0 - shape_of(alpha)[0]) * tss.digamma(a0)
                - tnp.sum((alpha - 1) * tss.digamma(alpha)))


dirichlet = dirichlet_gen()


class multivariate_normal_gen:
    """The multivariate normal distribution; ``x`` has the components along its last axis."""

    def __repr__(self):
        return "<tangents.scipy.stats.multivariate_normal>"

    def _params(self, x, mean, cov):
        if mean is not None:
            dim = int(np.prod(shape_of(mean)))
        elif cov is not None and len(shape_of(cov)) >= 2:
            dim = shape_of(cov)[0]
        else:
            dim = 1
        x, mean, cov = _floats(x, 0.0 if mean is None else mean, 1.0 if cov is None else cov)
        if len(shape_of(mean)) == 0 or dim == 1:
            mean = tnp.broadcast_to(tnp.reshape(mean, (-1,)), (dim,))
        if len(shape_of(mean)) != 1 or shape_of(mean)[0] != dim:
            raise ValueError(f"Array 'mean' must be a vector of length {dim}.")
        if dim == 1:
            cov = tnp.reshape(cov, (1, 1))
        elif len(shape_of(cov)) == 0:
            cov = cov * np.eye(dim, dtype=dtype_of(cov))
        elif len(shape_of(cov)) == 1:
            cov = tnp.expand_dims(cov, -1) * np.eye(dim, dtype=dtype_of(cov))
        if shape_of(cov) != (dim, dim):
            raise ValueError(f"Array 'cov' must be of shape ({dim}, {dim}), got {shape_of(cov)}.")
        if len(shape_of(x)) == 0:
            x = tnp.reshape(x, (1,))
        elif len(shape_of(x)) == 1:
            x = tnp.reshape(x, (-1, 1) if dim == 1 else (1, -1))
        return dim, x, mean, cov

    def logpdf(self, x, mean=None, cov=1, allow_singular=False):
        """``multivariate_normal.logpdf(x, mean=None, cov=1, allow_singular=False)``, through
        a Cholesky factor (eigendecomposition with ``allow_singular``: pseudo-inverse and
        pseudo-determinant on the covariance's support).  ``cov`` is read as symmetric from
        its lower triangle, as NumPy's ``cholesky``/``eigh`` read it: the derivative in
        ``cov`` is taken entry by entry of the matrix as passed, so entries above the diagonal
        get 0 and those below carry both symmetric positions.

        >>> multivariate_normal.logpdf(np.zeros(2), cov=np.eye(2))  # -log(2 pi)
        np.float64(-1.8378770664093453)
        """
        dim, x, mean, cov = self._params(x, mean, cov)
        dev = x - mean
        if not allow_singular:
            chol = tnp.linalg.cholesky(cov)
            z = _tsl.solve_triangular(chol, tnp.expand_dims(dev, -1), lower=True)
            maha = tnp.sum(z * z, axis=(-2, -1))
            logdet = 2 * tnp.sum(tnp.log(tnp.diagonal(chol)))
            rank = dim
        else:
            w, v = tnp.linalg.eigh(cov)
            eps = {"f": 1e3, "d": 1e6}[dtype_of(w).char.lower()] * np.finfo(dtype_of(w)).eps
            keep = w > eps * tnp.max(tnp.abs(w))
            w_safe = tnp.where(keep, w, 1.0)
            proj = dev @ v
            maha = tnp.sum(tnp.where(keep, proj * proj / w_safe, 0.0), axis=-1)
            logdet = tnp.sum(tnp.where(keep, tnp.log(w_safe), 0.0))
            rank = tnp.sum(_either(keep, 1.0, 0.0, w))
        return _squeeze(-0.5 * (rank * _LOG_2PI + logdet + maha))

    def pdf(self, x, mean=None, cov=1, allow_singular=False):
        return tnp.exp(self.logpdf(x, mean, cov, allow_singular))

    def entropy(self, mean=None, cov=1):
        """``(dim (1 + log 2 pi) + log det cov) / 2`` through a Cholesky factor, so that the
        derivative in ``cov`` is the one in the lower triangle NumPy's ``cholesky`` reads
        (``g = inv(cov) / 2`` on the diagonal, ``2 g`` below it, 0 above); ``mean`` has none.

        >>> float(multivariate_normal.entropy(cov=np.eye(2)))  # 1 + log 2 pi
        2.8378770664093453
        """
        dim, _, _, cov = self._params(0.0, mean, cov)
        logdet = 2 * tnp.sum(tnp.log(tnp.diagonal(tnp.linalg.cholesky(cov))))
        return 0.5 * (dim * (1 + _LOG_2PI) + logdet)


multivariate_normal = multivariate_normal_gen()
