"""Builders for the common shapes of rule, so most primitives declare only their math.

* `elementwise`: partial derivatives only; JVP, VJP and batching follow.
* `linear`: for a primitive linear in its (single) argument, its transpose only.
* `nondifferentiable`: zero derivative or integer/bool result; computes on primal values.
"""
from __future__ import annotations

import sys

import numpy as np

from . import masked as masked_module
from . import sparsity
from .masked import masked
from .primitive import Primitive, bind
from .prims import batch_elementwise, batch_unary, nan_product_mask_p, zero_where_p
from .tracer import Tracer

__all__ = ["elementwise", "linear", "nondifferentiable"]

ndarray = np.ndarray


def elementwise(name, impl, *partials):
    """A broadcasting elementwise primitive from ``partial_i(ans, *args) -> d ans / d arg_i``
    (None where the argument is not differentiable; an int ``k`` where the partial is
    argument ``k`` itself, as multiply's ``d(x * y)/dx = y``: its rules multiply by it
    without calling a partial function, one Python call less per node)."""
    prim = Primitive(name, impl)
    vjps, jvps = [], []
    for partial in partials:
        if partial is None:
            vjps.append(None)
            jvps.append(None)
            continue
        n = len(partials)
        vjps.append(_factor_rule(partial, n) if type(partial) is int else
                    _product_rule(partial, n))
        jvps.append(vjps[-1])  # both are (co)tangent * partial
    prim.def_vjp(*vjps)
    prim.def_jvp(*jvps)
    prim.def_batch(batch_unary(prim) if len(partials) == 1 else batch_elementwise(prim))
    prim.def_sparsity(sparsity.elementwise)
    return prim


# below this size a new array costs less than the checks for writing into one (NumPy's
# own threshold for eliding temporaries, NPY_MIN_ELIDE_BYTES)
_ELIDE_BYTES = 256 * 1024

# The rules below take the primitive's arguments one by one for one or two of them (no
# tuple packed per call, bench/bench_core.py times it), and read the thread-local
# ``masked.on`` only while some thread masks (``masked_module.threads``, a plain module read).


def _product_rule(partial, nargs=None):
    """The rule ``t * partial(ans, *args)`` for a (co)tangent ``t``, for ``nargs`` arguments
    (None: any number); masked (0 wherever a factor is 0) when a transform recomputes a
    derivative that held a NaN (core.masked)."""
    def unary(t, ans, x):
        p = partial(ans, x)
        if masked_module.threads and masked.on:
            return _zero_times_anything(t, p, t * p)
        return _times_into(t, p) if type(p) is ndarray and p.nbytes >= _ELIDE_BYTES else t * p

    def binary(t, ans, x, y):
        p = partial(ans, x, y)
        if masked_module.threads and masked.on:
            return _zero_times_anything(t, p, t * p)
        return _times_into(t, p) if type(p) is ndarray and p.nbytes >= _ELIDE_BYTES else t * p

    def rule(t, ans, *args):
        p = partial(ans, *args)
        if masked_module.threads and masked.on:
            return _zero_times_anything(t, p, t * p)
        return _times_into(t, p) if type(p) is ndarray and p.nbytes >= _ELIDE_BYTES else t * p

    return unary if nargs == 1 else binary if nargs == 2 else rule


def _times_into(t, p):
    """``t * p``, written into ``p`` when it is a temporary nothing else holds (a fresh array
    owning its data, whose reference count of 3 counts only the rule's name p, this call's
    argument and getrefcount's), as NumPy itself elides temporaries from 256 KiB on."""
    if (type(t) is ndarray and sys.getrefcount(p) <= 3 and p.shape == t.shape
            and p.dtype == t.dtype and p.flags.owndata and p.flags.writeable):
        return np.multiply(t, p, out=p)
    return t * p


def _factor_rule(k, nargs=None):
    """The rule ``t * args[k]`` for a partial that is argument ``k`` itself (never a
    temporary, so never written into); masked as `_product_rule`."""
    def binary(t, ans, x, y):
        p = y if k else x
        if masked_module.threads and masked.on:
            return _zero_times_anything(t, p, t * p)
        return t * p

    def rule(t, ans, *args):
        p = args[k]
        if masked_module.threads and masked.on:
            return _zero_times_anything(t, p, t * p)
        return t * p

    return binary if nargs == 2 else rule


def _zero_times_anything(t, p, r):
    """``r = t * p`` with 0 wherever a factor is exactly 0: a zero direction, or a zero
    partial, contributes nothing, so ``0 * inf`` and ``0 * nan`` never become nan.  Thus the
    branch a ``where`` does not take (zero cotangent in reverse, discarded tangent in forward)
    leaves no trace in either mode (docs/conventions.md)."""
    if not isinstance(r, Tracer):
        out = np.where(np.isnan(r) & ((t == 0) | (p == 0)), 0, r)
        return out if type(r) is np.ndarray else out[()]
    return bind(zero_where_p, bind(nan_product_mask_p, r, t, p), r)


def linear(name, impl, transpose, batch=None):
    """A primitive linear in its one array argument: ``jvp(t) = prim(t)``, ``vjp(ct) =
    transpose(ct, x, **params)``."""
    prim = Primitive(name, impl)
    prim.def_jvp(lambda t, ans, x, **params: bind(prim, t, **params))
    prim.def_vjp(lambda ct, ans, x, **params: transpose(ct, x, **params))
    if batch is not None:
        prim.def_batch(batch(prim))
    return prim


def nondifferentiable(name, impl, batch=None):
    """A primitive whose result carries no derivative (integer/bool results, or a zero
    derivative such as floor): transforms compute it on primal values only."""
    prim = Primitive(name, impl, differentiable=False)
    if batch is not None:
        prim.def_batch(batch(prim))
    return prim
