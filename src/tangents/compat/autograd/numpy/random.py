"""``autograd.numpy.random``: NumPy's own ``numpy.random`` (random draws are not
differentiated)."""
from numpy.random import *  # noqa: F401,F403
import numpy.random as _mod


def __getattr__(name):
    return getattr(_mod, name)
