"""``autograd.numpy.linalg``: tangents' differentiable ``numpy.linalg``."""
from ....numpy.linalg import *  # noqa: F401,F403
from ....numpy import linalg as _mod


def __getattr__(name):
    return getattr(_mod, name)
