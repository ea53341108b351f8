"""``autograd.scipy.stats.multivariate_normal``: functions of tangents' distribution."""
from ._export import distribution_module

distribution_module(globals(), "multivariate_normal", ("pdf", "logpdf"))
