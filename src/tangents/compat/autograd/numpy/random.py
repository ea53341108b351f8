"""``autograd.numpy.random``: NumPy's own ``numpy.random`` (random draws are not
differentiated)."""
import numpy.random as _mod
from numpy.random import *  # noqa: F401,F403


def __getattr__(name):
    return getattr(_mod, name)
