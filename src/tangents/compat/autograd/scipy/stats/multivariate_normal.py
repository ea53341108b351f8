"""``autograd.scipy.stats.multivariate_normal``: functions of tangents' ``scipy.stats.multivariate_normal``."""
from .....scipy.stats import multivariate_normal as _dist

pdf = _dist.pdf
logpdf = _dist.logpdf

__all__ = ["pdf", "logpdf"]
