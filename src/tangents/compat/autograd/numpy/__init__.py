"""``autograd.numpy``: tangents' differentiable NumPy namespace (every name of NumPy's main
namespace), with ``random``, ``linalg`` and ``fft`` as submodules."""
from ....numpy import *  # noqa: F401,F403
from .... import numpy as _tnp
from . import fft, linalg, random  # noqa: F401


def __getattr__(name):
    return getattr(_tnp, name)


def __dir__():
    return sorted(set(dir(_tnp)) | {"fft", "linalg", "random"})
