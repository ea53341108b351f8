"""``autograd.scipy.stats.norm``: functions of tangents' ``scipy.stats.norm``."""
from ._export import CONTINUOUS, distribution_module

distribution_module(globals(), "norm", CONTINUOUS)
