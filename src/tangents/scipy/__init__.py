"""tangents.scipy: SciPy's functions, differentiable (``special``, ``linalg``, ``stats``,
``signal``, ``integrate``, ``fft``, ``ndimage``).

SciPy is optional (``pip install tangents[scipy]``); a submodule imports it when it is first
used (``import tangents.scipy.special`` or ``tangents.scipy.special``), so
``import tangents.scipy`` itself never needs it.
"""
import importlib

__all__ = ["special", "linalg", "stats", "signal", "integrate", "fft", "ndimage"]


def __getattr__(name):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
