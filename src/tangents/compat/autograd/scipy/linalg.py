"""``autograd.scipy.linalg``: tangents' differentiable ``scipy.linalg``."""
from ....scipy import linalg as _mod
from ....scipy.linalg import *  # noqa: F401,F403


def __getattr__(name):
    if hasattr(_mod, name):
        return getattr(_mod, name)
    raise AttributeError(f"autograd.scipy.linalg.{name}: tangents has no differentiable "
                         f"scipy.linalg.{name}; its functions are {sorted(_mod.__all__)}")
