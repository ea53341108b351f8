"""``autograd.scipy.stats.multivariate_normal``: functions of tangents' distribution."""
from .....scipy.stats import multivariate_normal as _dist

pdf = _dist.pdf
logpdf = _dist.logpdf

__all__ = ["pdf", "logpdf"]


def __getattr__(name):
    # what tangents does not differentiate (rvs, mean, ...) is SciPy's own
    import scipy.stats
    return getattr(scipy.stats.multivariate_normal, name)
