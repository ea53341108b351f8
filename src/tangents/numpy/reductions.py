"""Reductions along axes (axis int/tuple/None/negative, keepdims)."""
from __future__ import annotations

__all__ = ['sum', 'mean']

import numpy as np

from ..core.batching import batch_axis_op
from ..core.primitive import Primitive, bind
from ._dispatch import implements, normalize_axes, shape
from .shape import broadcast_to, reshape


def _keepdims_shape(xshape, axis):
    return tuple(1 if i in axis else d for i, d in enumerate(xshape))


def expand_reduced(ct, xshape, axis, keepdims):
    """A reduced cotangent brought back to ``xshape`` by broadcasting along ``axis``."""
    if not keepdims:
        ct = reshape(ct, _keepdims_shape(xshape, axis))
    return broadcast_to(ct, xshape)


# -- sum ---------------------------------------------------------------------------------
sum_p = Primitive("sum", lambda x, *, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims))
sum_p.def_vjp(lambda ct, ans, x, *, axis, keepdims: expand_reduced(ct, shape(x), axis, keepdims))
sum_p.def_jvp(lambda t, ans, x, *, axis, keepdims: bind(sum_p, t, axis=axis, keepdims=keepdims))
sum_p.def_batch(batch_axis_op(sum_p))


@implements(np.sum)
def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    """``sum(a, axis=None, dtype=None, keepdims=False)``.

    >>> sum(np.ones((2, 3)), axis=-1)
    array([3., 3.])
    """
    if out is not None or where is not None:
        raise TypeError("sum: out= and where= are not supported on traced values")
    if dtype is not None:
        a = a.astype(dtype) if hasattr(a, "astype") else np.asarray(a, dtype)
    ans = bind(sum_p, a, axis=normalize_axes(axis, len(shape(a)), "sum"), keepdims=bool(keepdims))
    return ans if initial is None else ans + initial


@implements(np.mean)
def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """``mean(a, axis=None, dtype=None, keepdims=False)``: ``sum / count``."""
    if out is not None or where is not None:
        raise TypeError("mean: out= and where= are not supported on traced values")
    axes = normalize_axes(axis, len(shape(a)), "mean")
    n = int(np.prod([shape(a)[i] for i in axes]))
    s = sum(a, axes, dtype=dtype, keepdims=keepdims)
    return s / n if n else s * np.nan
