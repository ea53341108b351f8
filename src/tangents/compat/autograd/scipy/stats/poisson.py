"""``autograd.scipy.stats.poisson``: functions of tangents' ``scipy.stats.poisson``."""
from ._export import DISCRETE, distribution_module

distribution_module(globals(), "poisson", DISCRETE)
