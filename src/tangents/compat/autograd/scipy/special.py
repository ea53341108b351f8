"""``autograd.scipy.special``: tangents' differentiable ``scipy.special``."""
from ....scipy import special as _mod
from ....scipy.special import *  # noqa: F401,F403


def __getattr__(name):
    if hasattr(_mod, name):
        return getattr(_mod, name)
    raise AttributeError(f"autograd.scipy.special.{name}: tangents has no differentiable "
                         f"scipy.special.{name}; its functions are {sorted(_mod.__all__)}")
