"""``autograd.scipy.stats.dirichlet``: functions of tangents' ``scipy.stats.dirichlet``."""
from ._export import distribution_module

distribution_module(globals(), "dirichlet", ("pdf", "logpdf"))
