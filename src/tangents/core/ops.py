"""The few array operations the interpreters themselves need (accumulating, reducing a
broadcast cotangent back to its argument's shape, casting).  They bind the core's own
primitives (prims.py), so they are differentiable like everything else."""
from __future__ import annotations

import numpy as np

from .primitive import bind
from .prims import add_p, astype_p, broadcast_to_p, real_p, unbroadcast, zeros_like  # noqa: F401
from .prims import ones_like as _ones_like
from .shapes import contains_tracer, dtype_of, shape_of  # noqa: F401  (the core's helpers)
from .tracer import Tracer, backend


def add(x, y):
    return bind(add_p, x, y)


def broadcast(t, shape):
    """Broadcast a tangent up to the output's ``shape``."""
    return t if shape_of(t) == shape else bind(broadcast_to_p, t, shape=shape)


def cast(x, dtype):
    """Cast a derivative to its primal's dtype (complex to real keeps the real part)."""
    src = dtype_of(x)
    if src == dtype:
        return x
    if src.kind == "c" and dtype.kind != "c":
        x = bind(real_p, x)
        if dtype_of(x) == dtype:
            return x
    return bind(astype_p, x, dtype=np.dtype(dtype))


def zeros(shape, dtype):
    return np.zeros(shape, dtype)


def full_like(x, fill):
    """``fill`` shaped like ``x``; for a traced ``x``, a traced buffer of its trace (an
    in-place write of a traced value into it is then traced too)."""
    if isinstance(x, Tracer):
        return x._full_like(fill)
    if backend.keep_input(x):  # a Dask buffer for a Dask value, chunked like it
        return np.full_like(x, fill)
    return np.full(shape_of(x), fill, dtype_of(x))


def ones_like(x):
    return _ones_like(x)  # of x's array type where a transform keeps it lazy (Dask)
