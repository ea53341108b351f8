"""``autograd.numpy.linalg``: tangents' differentiable ``numpy.linalg``."""
from .... import numpy as _tnp
from ....numpy import linalg as _mod
from ....numpy.linalg import *  # noqa: F401,F403


def T(x):
    """Swap the last two axes (autograd.numpy.linalg's helper).

    >>> T(_tnp.ones((2, 3))).shape
    (3, 2)
    """
    return _tnp.swapaxes(x, -1, -2)


def _dot(a, b):
    """Matrix product over stacks (autograd.numpy.linalg's helper)."""
    return _tnp.einsum("...ij,...jk->...ik", a, b)


def __getattr__(name):
    return getattr(_mod, name)
