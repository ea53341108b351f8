"""Which equations a fused kernel computes (jit/fused.py), and each elementwise primitive's
scalar code.

An equation fuses as "elem" (a NumPy ufunc, ``where``, ``astype`` or ``broadcast_to`` on
float32, float64 or bool), "reduce" (``sum``/``amax``/``amin`` of a float array), "alias" (a
reshape that only adds or drops axes of length one, or a transpose: an index map on an array)
or "contract" (a small product that jit/contract.py writes as loops); anything else stays a
NumPy call in the program's Python.
"""
from __future__ import annotations

import math

import numpy as np

from .contract import is_contraction
from .ir import Var

__all__ = ["ARITH", "BITWISE", "BOOL", "COMPARE", "ELEMENTWISE", "F32", "F64", "FLOATS",
           "KINDS", "LOGICAL", "SIMD", "TESTS", "alias_map", "fusion_kind", "reduced_axes"]

# the dtypes that kernels compute in
F32, F64, BOOL = np.dtype(np.float32), np.dtype(np.float64), np.dtype(bool)
FLOATS = (F32, F64)
KINDS = (F32, F64, BOOL)

# prim name -> scalar expression over operand names already cast to the working dtype
ARITH = {
    "add": "({a} + {b})", "subtract": "({a} - {b})", "multiply": "({a} * {b})",
    "divide": "({a} / {b})", "power": "({a} ** {b})", "arctan2": "np.arctan2({a}, {b})",
    "hypot": "np.hypot({a}, {b})",
    # NumPy's maximum/minimum: the first operand unless the second wins or is NaN; `|`, not
    # `or`, so that it is a select without a branch, which LLVM can vectorise
    "maximum": "({a} if ({a} >= {b}) | ({a} != {a}) else {b})",
    "minimum": "({a} if ({a} <= {b}) | ({a} != {a}) else {b})",
    "negative": "(-{a})", "absolute": "abs({a})", "square": "({a} * {a})",
    "sqrt": "np.sqrt({a})", "exp": "_exp({a})", "exp2": "np.exp2({a})",
    "expm1": "np.expm1({a})", "log": "np.log({a})", "log2": "np.log2({a})",
    "log10": "np.log10({a})", "log1p": "np.log1p({a})", "sin": "np.sin({a})",
    "cos": "np.cos({a})", "tan": "np.tan({a})", "arcsin": "np.arcsin({a})",
    "arccos": "np.arccos({a})", "arctan": "np.arctan({a})", "sinh": "np.sinh({a})",
    "cosh": "np.cosh({a})", "tanh": "_tanh({a})", "arcsinh": "np.arcsinh({a})",
    "arccosh": "np.arccosh({a})", "arctanh": "np.arctanh({a})", "floor": "np.floor({a})",
    "ceil": "np.ceil({a})", "trunc": "np.trunc({a})", "sign": "np.sign({a})",
}
COMPARE = {"equal": "==", "not_equal": "!=", "less": "<", "less_equal": "<=",
            "greater": ">", "greater_equal": ">="}
LOGICAL = {"logical_and": "({a} and {b})", "logical_or": "({a} or {b})",
            "logical_xor": "({a} != {b})", "logical_not": "(not {a})"}
# on booleans only: NumPy's bitwise operations are the logical ones
BITWISE = {"bitwise_and": "({a} and {b})", "bitwise_or": "({a} or {b})",
            "bitwise_xor": "({a} != {b})", "invert": "(not {a})"}
TESTS = {"isnan": "({a} != {a})", "isinf": "np.isinf({a})", "isfinite": "np.isfinite({a})"}
# every fused elementwise primitive (tests/jit/test_fused.py checks each against NumPy)
ELEMENTWISE = frozenset(ARITH) | frozenset(COMPARE) | frozenset(LOGICAL) | frozenset(TESTS) \
    | frozenset(BITWISE) | {"where", "astype", "broadcast_to"}
_REDUCE = {"sum", "amax", "amin"}
# Transcendentals that NumPy computes with SIMD loops while numba calls the C math library
# once per element: over 5e5 elements NumPy's is 5x (log) to 50x (arctan, sinh)
# faster than numba's loop, far more than the array pass that a NumPy call adds, so over
# at least _NUMPY_MIN elements they stay NumPy calls (sqrt is the other way round).  So does
# a float32 exp or tanh: kernels compute them in float64 (jit/vecmath.py), 1.7x/4x NumPy's.
SIMD = frozenset({"exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos",
                   "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh",
                   "arccosh", "arctanh", "arctan2", "hypot", "power"})
_NUMPY_MIN = 1 << 10


def fusion_kind(e):
    """"elem", "reduce", "alias" (an index map on an array), "contract" or None (a NumPy call)."""
    name, outs = e.prim.name, e.outs
    if e.prim.multiple_results or any(v.dtype not in KINDS for v in outs):
        return None
    for a in e.ins:
        if type(a) is Var:
            if a.dtype not in KINDS:
                return None
        elif type(a) not in (float, int, bool):
            return None
    out = outs[0]
    if name in _REDUCE:
        x = e.ins[0]
        if (set(e.params) != {"axis", "keepdims"} or type(x) is not Var or x.dtype not in FLOATS
                or out.dtype != x.dtype):
            return None
        axes = reduced_axes(e.params["axis"], len(x.shape))
        if name != "sum" and any(x.shape[a] == 0 for a in axes):
            return None  # NumPy raises: no identity
        return "reduce"
    if name in ("reshape", "transpose"):
        x = e.ins[0]
        if type(x) is not Var or x.dtype != out.dtype:
            return None
        if name == "reshape" and [n for n in x.shape if n != 1] != [n for n in out.shape if n != 1]:
            return None
        return "alias"
    if name not in ELEMENTWISE:
        return "contract" if is_contraction(e) else None  # small products: jit/contract.py
    if name in ("where", "astype", "broadcast_to"):
        keys = {"where": set(), "astype": {"dtype", "copy"}, "broadcast_to": {"shape"}}[name]
        return "elem" if set(e.params) <= keys else None
    if e.params or e.prim.impl is not getattr(np, name, None):
        return None
    if name in ARITH and out.dtype not in FLOATS:
        return None  # integer and boolean arithmetic stay NumPy's
    if (name in SIMD or name in ("exp", "tanh") and out.dtype == F32) and \
            math.prod(out.shape) >= _NUMPY_MIN and not (
            name == "power" and type(e.ins[1]) is not Var and e.ins[1] == 2):
        return None  # NumPy's SIMD loop is faster (see SIMD); x ** 2 is x * x in both
    if name in BITWISE and any(type(a) is Var and a.dtype != BOOL or
                                type(a) is not Var and type(a) is not bool for a in e.ins):
        return None
    return "elem"


def reduced_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted(a % ndim for a in ((axis,) if type(axis) is int else axis)))


def alias_map(e):
    """For each input axis, the output axis it is read at (None: a length-one axis)."""
    x, out = e.ins[0], e.outs[0]
    if e.prim.name == "transpose":
        perm = _axes_perm(e.params.get("axes"), len(x.shape))
        m = [None] * len(x.shape)
        for j, p in enumerate(perm):
            m[p] = j
        return m
    outs = iter(j for j, n in enumerate(out.shape) if n != 1)
    return [None if n == 1 else next(outs) for n in x.shape]


def _axes_perm(axes, ndim):
    return tuple(range(ndim))[::-1] if axes is None else tuple(a % ndim for a in axes)

