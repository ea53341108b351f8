"""``autograd.scipy.stats.dirichlet``: functions of tangents' ``scipy.stats.dirichlet``."""
from .....scipy.stats import dirichlet as _dist

pdf = _dist.pdf
logpdf = _dist.logpdf

__all__ = ["pdf", "logpdf"]


def __getattr__(name):
    # what tangents does not differentiate (rvs, mean, ...) is SciPy's own
    import scipy.stats
    return getattr(scipy.stats.dirichlet, name)
