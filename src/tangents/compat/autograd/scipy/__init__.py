"""``autograd.scipy``: tangents' differentiable SciPy functions (``special``, ``linalg``,
``stats``, ``signal``, ``integrate``); SciPy is imported when a submodule is first used."""
import importlib

__all__ = ["special", "linalg", "stats", "signal", "integrate"]


def __getattr__(name):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
