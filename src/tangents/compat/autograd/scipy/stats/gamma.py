"""``autograd.scipy.stats.gamma``: functions of tangents' ``scipy.stats.gamma``."""
from ._export import CONTINUOUS, distribution_module

distribution_module(globals(), "gamma", CONTINUOUS)
