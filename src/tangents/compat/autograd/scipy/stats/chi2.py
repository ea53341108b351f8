"""``autograd.scipy.stats.chi2``: chi-squared with ``df`` degrees of freedom is the gamma
distribution with shape ``df / 2`` and scale 2."""
from .....scipy.stats import gamma as _gamma

__all__ = ["pdf", "logpdf", "cdf"]


def logpdf(x, df, loc=0.0, scale=1.0):
    """``scipy.stats.chi2.logpdf``, differentiable.

    >>> round(float(logpdf(1.0, 2.0)), 6)
    -1.193147
    """
    return _gamma.logpdf(x, df / 2.0, loc, 2.0 * scale)


def pdf(x, df, loc=0.0, scale=1.0):
    """``scipy.stats.chi2.pdf``, differentiable.

    >>> round(float(pdf(1.0, 2.0)), 6)
    0.303265
    """
    return _gamma.pdf(x, df / 2.0, loc, 2.0 * scale)


def cdf(x, df, loc=0.0, scale=1.0):
    """``scipy.stats.chi2.cdf``, differentiable.

    >>> round(float(cdf(1.0, 2.0)), 6)
    0.393469
    """
    return _gamma.cdf(x, df / 2.0, loc, 2.0 * scale)


def __getattr__(name):
    # what tangents does not differentiate (rvs, mean, ...) is SciPy's own
    import scipy.stats
    return getattr(scipy.stats.chi2, name)
