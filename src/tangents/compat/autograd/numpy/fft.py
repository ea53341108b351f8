"""``autograd.numpy.fft``: tangents' differentiable ``numpy.fft``."""
from ....numpy import fft as _mod
from ....numpy.fft import *  # noqa: F401,F403


def __getattr__(name):
    return getattr(_mod, name)
