"""``autograd.scipy.stats.beta``: functions of tangents' ``scipy.stats.beta``."""
from .....scipy.stats import beta as _dist

pdf = _dist.pdf
logpdf = _dist.logpdf
cdf = _dist.cdf
logcdf = _dist.logcdf
sf = _dist.sf
logsf = _dist.logsf

__all__ = ["pdf", "logpdf", "cdf", "logcdf", "sf", "logsf"]


def __getattr__(name):
    # what tangents does not differentiate (rvs, mean, ...) is SciPy's own
    import scipy.stats
    return getattr(scipy.stats.beta, name)
