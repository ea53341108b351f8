"""The few array operations the interpreters themselves need (accumulating, reducing a
broadcast cotangent back to its argument's shape, casting).  They bind the core's own
primitives (prims.py), so they are differentiable like everything else."""
from __future__ import annotations

import numpy as np

from .primitive import bind
from .prims import add_p, astype_p, broadcast_to_p, real_p, unbroadcast, zeros_like  # noqa: F401
from .prims import ones_like as _ones_like
from .tracer import Tracer, backend


def shape_of(x):
    """The shape of ``x``: an array, traced or not, a Python number, or a (nested) list or
    tuple, holding traced values or not (the shape NumPy's ``asarray`` would give it)."""
    try:
        return x.shape
    except AttributeError:  # Python numbers and sequences
        if type(x) in (list, tuple) and contains_tracer(x):
            return _sequence_shape(x)
        return np.shape(x)


def _sequence_shape(seq):
    """The shape of the array NumPy would build from a nested sequence holding tracers."""
    inner = [shape_of(x) for x in seq]
    for k, s in enumerate(inner[1:], 1):
        if s != inner[0]:
            raise ValueError(f"asarray: the nested sequence is ragged (item {k} has shape {s}, "
                             f"item 0 has {inner[0]}), so it is not an array; give every item "
                             "the same shape, or join them with np.concatenate")
    return (len(seq),) + (inner[0] if inner else ())


def dtype_of(x):
    """The dtype of ``x`` (as ``shape_of``); Python numbers and lists as NumPy's ``asarray``
    types them (floats as float64)."""
    try:
        return x.dtype
    except AttributeError:
        if type(x) in (list, tuple):
            return _sequence_dtype(x) if contains_tracer(x) else np.asarray(x).dtype
        return np.result_type(x)


def _sequence_dtype(seq):
    return np.result_type(*[
        dtype_of(x) if hasattr(x, "dtype") or type(x) in (list, tuple) else np.asarray(x).dtype
        for x in seq])


def contains_tracer(seq):
    """Whether a (nested) list or tuple holds a traced value."""
    for x in seq:
        if isinstance(x, Tracer) or (type(x) in (list, tuple) and contains_tracer(x)):
            return True
    return False


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
