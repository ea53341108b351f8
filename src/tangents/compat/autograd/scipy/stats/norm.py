"""``autograd.scipy.stats.norm``: functions of tangents' ``scipy.stats.norm``."""
from .....scipy.stats import norm as _dist

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
    return getattr(scipy.stats.norm, name)
