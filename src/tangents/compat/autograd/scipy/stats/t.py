"""``autograd.scipy.stats.t``: functions of tangents' ``scipy.stats.t``."""
from ._export import CONTINUOUS, distribution_module

distribution_module(globals(), "t", CONTINUOUS)
