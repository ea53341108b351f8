"""``autograd.scipy.stats.beta``: functions of tangents' ``scipy.stats.beta``."""
from ._export import CONTINUOUS, distribution_module

distribution_module(globals(), "beta", CONTINUOUS)
