"""The distribution modules' shared body: a distribution's differentiable methods from
tangents.scipy.stats, everything else (rvs, mean, ...) from SciPy's own distribution."""
from __future__ import annotations

import importlib

CONTINUOUS = ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf")
DISCRETE = ("cdf", "logcdf", "sf", "logsf", "pmf", "logpmf")


def distribution_module(namespace: dict, name: str, methods: tuple) -> None:
    """Fill a module's ``namespace`` with ``methods`` of tangents' distribution ``name``."""
    dist = getattr(importlib.import_module("tangents.scipy.stats"), name)
    for method in methods:
        namespace[method] = getattr(dist, method)
    namespace["__all__"] = list(methods)

    def __getattr__(attr):
        return getattr(getattr(importlib.import_module("scipy.stats"), name), attr)
    namespace["__getattr__"] = __getattr__
