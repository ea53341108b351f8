"""NumPy's ufunc methods on traced values: ``np.add.reduce`` is ``sum`` over axis 0,
``np.maximum.reduce`` is ``max``, ``np.add.accumulate`` is ``cumsum``, ``ufunc.outer`` is the
ufunc on operands broadcast against each other, and so on, each through the differentiable
function it equals."""
from __future__ import annotations

import numpy as np

from ..core.tracer import ufunc_handlers, ufunc_method_handlers
from ._dispatch import ndim
from .elementwise import subtract, true_divide
from .reductions import amax, amin, cumprod, cumsum, prod, sum
from .shape import reshape

__all__: list = []


def _reduction(fn, ufunc_name, takes_dtype=True):
    def reduce(array, axis=0, dtype=None, out=None, keepdims=False, initial=None,
               where=True):
        if out is not None or (dtype is not None and not takes_dtype):
            raise TypeError(f"numpy.{ufunc_name}.reduce: out= (a buffer) "
                            f"{'' if takes_dtype else 'and dtype= '}are not supported on "
                            "traced values; use the returned value")
        kw = {} if initial is None else {"initial": initial}
        if where is not True:
            kw["where"] = where
        if takes_dtype:
            kw["dtype"] = dtype
        return fn(array, axis=axis, keepdims=keepdims, **kw)
    return reduce


def _folded(combine, total):
    """``subtract.reduce`` / ``divide.reduce``: the first entry combined with the total of
    the others (a0 - a1 - a2 ... = a0 - (a1 + a2 + ...))."""
    def reduce(array, axis=0, dtype=None, out=None, keepdims=False):
        if out is not None:
            raise TypeError("ufunc.reduce(..., out=...) is not supported on traced values")
        from .indexing import getitem
        ax = axis % ndim(array)
        lead = (slice(None),) * ax
        first = getitem(array, lead + (slice(0, 1),))
        rest = total(getitem(array, lead + (slice(1, None),)), axis=ax, dtype=dtype,
                     keepdims=True)
        out_ = combine(first, rest)
        return out_ if keepdims else reshape(out_, tuple(
            d for i, d in enumerate(out_.shape) if i != ax))
    return reduce


def _accumulation(fn):
    def accumulate(array, axis=0, dtype=None, out=None):
        if out is not None:
            raise TypeError("ufunc.accumulate(..., out=...) is not supported on traced values")
        return fn(array, axis=axis, dtype=dtype)
    return accumulate


def _outer(ufunc):
    def outer(a, b, **kwargs):
        if kwargs:
            raise TypeError(f"numpy.{ufunc.__name__}.outer on traced values takes no keywords")
        a = reshape(a, tuple(np.shape(a)) + (1,) * ndim(b))
        return ufunc_handlers[ufunc](a, b)
    return outer


ufunc_method_handlers.update({
    (np.add, "reduce"): _reduction(sum, "add"),
    (np.multiply, "reduce"): _reduction(prod, "multiply"),
    (np.maximum, "reduce"): _reduction(amax, "maximum", takes_dtype=False),
    (np.minimum, "reduce"): _reduction(amin, "minimum", takes_dtype=False),
    (np.fmax, "reduce"): _reduction(amax, "fmax", takes_dtype=False),
    (np.fmin, "reduce"): _reduction(amin, "fmin", takes_dtype=False),
    (np.subtract, "reduce"): _folded(subtract, sum),
    (np.true_divide, "reduce"): _folded(true_divide, prod),
    (np.add, "accumulate"): _accumulation(cumsum),
    (np.multiply, "accumulate"): _accumulation(cumprod),
})
for _ufunc in list(ufunc_handlers):
    if isinstance(_ufunc, np.ufunc) and _ufunc.nin == 2 and _ufunc.nout == 1:
        ufunc_method_handlers[(_ufunc, "outer")] = _outer(_ufunc)
del _ufunc
