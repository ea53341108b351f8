"""The core's one shape/dtype helper pair: the shape and dtype of an array, traced or not, a
Python number, or a (nested) list or tuple of them, as NumPy's ``asarray`` would give them.
Every layer uses these (exported by ``tangents.core``) instead of keeping a copy."""
from __future__ import annotations

from typing import Any

import numpy as np

from .tracer import Tracer

__all__ = ["shape_of", "dtype_of", "contains_tracer"]


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of ``x``: an array, traced or not, a Python number, or a (nested) list or
    tuple, holding traced values or not (the shape NumPy's ``asarray`` would give it)."""
    try:
        return x.shape
    except AttributeError:  # Python numbers and sequences
        if type(x) in (list, tuple) and contains_tracer(x):
            return _sequence_shape(x)
        return np.shape(x)


def _sequence_shape(seq: list[Any] | tuple[Any, ...]) -> tuple[int, ...]:
    """The shape of the array NumPy would build from a nested sequence holding tracers."""
    inner = [shape_of(x) for x in seq]
    for k, s in enumerate(inner[1:], 1):
        if s != inner[0]:
            raise ValueError(f"asarray: the nested sequence is ragged (item {k} has shape {s}, "
                             f"item 0 has {inner[0]}), so it is not an array; give every item "
                             "the same shape, or join them with np.concatenate")
    return (len(seq),) + (inner[0] if inner else ())


def dtype_of(x: Any) -> np.dtype[Any]:
    """The dtype of ``x`` (as ``shape_of``); Python numbers and lists as NumPy's ``asarray``
    types them (floats as float64)."""
    try:
        return x.dtype
    except AttributeError:
        if type(x) in (list, tuple):
            return _sequence_dtype(x) if contains_tracer(x) else np.asarray(x).dtype
        return np.result_type(x)


def _sequence_dtype(seq: list[Any] | tuple[Any, ...]) -> np.dtype[Any]:
    return np.result_type(*[
        dtype_of(x) if hasattr(x, "dtype") or type(x) in (list, tuple) else np.asarray(x).dtype
        for x in seq])


def contains_tracer(seq: Any) -> bool:
    """Whether a (nested) list or tuple holds a traced value."""
    for x in seq:
        if isinstance(x, Tracer) or (type(x) in (list, tuple) and contains_tracer(x)):
            return True
    return False
