"""``autograd.scipy.stats.poisson``: functions of tangents' ``scipy.stats.poisson``."""
from .....scipy.stats import poisson as _dist

cdf = _dist.cdf
logcdf = _dist.logcdf
sf = _dist.sf
logsf = _dist.logsf
pmf = _dist.pmf
logpmf = _dist.logpmf

__all__ = ["cdf", "logcdf", "sf", "logsf", "pmf", "logpmf"]


def __getattr__(name):
    # what tangents does not differentiate (rvs, mean, ...) is SciPy's own
    import scipy.stats
    return getattr(scipy.stats.poisson, name)
