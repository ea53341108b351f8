"""Transcendentals for fused kernels written as plain arithmetic, so that LLVM vectorises them.

numba compiles ``np.exp`` and ``np.tanh`` to one call of the C math library per element, which
no loop around it can vectorise (numba's SVML path needs a patched LLVM and Intel's runtime,
absent here).  ``exp`` and ``tanh`` below use only multiplies, adds, a division, selects and
integer shifts, so a kernel's loop over them becomes SIMD code and they cost no pass over
memory of their own.  Imported only
by kernel files (it imports numba).  Change ``kernels._HEADER`` when these functions change.
"""
from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

__all__ = ["exp", "tanh"]


@intrinsic
def _bits(typingctx, x):
    """The int64 whose bits are float64 ``x``'s."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))
    return types.int64(types.float64), codegen


@intrinsic
def _float(typingctx, n):
    """The float64 whose bits are int64 ``n``'s."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))
    return types.float64(types.int64), codegen


@intrinsic
def _fma(typingctx, a, b, c):
    """a * b + c rounded once (LLVM's fma: one instruction on CPUs with FMA)."""
    def codegen(context, builder, signature, args):
        return builder.fma(*args)
    return types.float64(types.float64, types.float64, types.float64), codegen


@intrinsic
def _copysign(typingctx, a, b):
    """|a| with the sign of ``b`` (LLVM's copysign: a bitwise select, -0.0 and NaN included)."""
    def codegen(context, builder, signature, args):
        f64 = args[0].type
        fn = builder.module.declare_intrinsic(
            "llvm.copysign", [f64], fnty=ir.FunctionType(f64, [f64, f64]))
        return builder.call(fn, args)
    return types.float64(types.float64, types.float64), codegen


_LOG2E = 1.4426950408889634
# ln 2 = _LN2_HI + _LN2_LO, _LN2_HI with its last 21 bits zero, so that n * _LN2_HI is exact
# for every |n| <= 1076 that exp needs
_LN2_HI = 0.6931471803691238
_LN2_LO = 1.9082149292705877e-10
# 1.5 * 2**52: adding it rounds a float64 below 2**51 to an integer, which its low bits hold
_ROUND = 6755399441055744.0
# 1/k! for k = 13 .. 2: Taylor's remainder on |r| <= ln(2)/2 is below 1e-17 relative
_C13, _C12, _C11, _C10 = 1 / 6227020800, 1 / 479001600, 1 / 39916800, 1 / 3628800
_C9, _C8, _C7, _C6, _C5 = 1 / 362880, 1 / 40320, 1 / 5040, 1 / 720, 1 / 120
_C4, _C3, _C2 = 1 / 24, 1 / 6, 1 / 2


@intrinsic
def _like(typingctx, x, y):
    """float64 ``y`` cast to ``x``'s type (rounded once)."""
    def codegen(context, builder, signature, args):
        return context.cast(builder, args[1], signature.args[1], signature.return_type)
    return x(x, y), codegen


@numba.njit(inline="always", error_model="numpy")
def exp(x):
    """e**x of a float64 or float32 ``x``, in its type: float64's value rounded once."""
    return _like(x, _exp64(np.float64(x)))


@numba.njit(inline="always", error_model="numpy")
def _exp64(x):
    """e**x in float64 within 1 ulp of NumPy's, NaN and +-inf included, without branches.

    exp(x) = 2**n * exp(r) with n = round(x / ln 2) and r = x - n ln 2; 2**n is applied as two
    powers of two built from n's bits, so that results that are subnormal, or overflow to
    inf, round once, as exp's do.  x is first clamped to [-746, 710], beyond which exp is 0
    or inf; NaN passes the clamp and stays NaN.
    """
    y = x if not (x > 710.0) else 710.0
    y = y if not (y < -746.0) else -746.0
    t = y * _LOG2E + _ROUND
    n = t - _ROUND
    r = (y - n * _LN2_HI) - n * _LN2_LO
    p = _fma(_poly(r), r, 1.0)
    p = _fma(p, r, 1.0)
    k = _bits(t) - _bits(_ROUND)  # n as an integer
    h = k >> 1
    return p * _float((h + 1023) << 52) * _float((k - h + 1023) << 52)


@numba.njit(inline="always", error_model="numpy")
def _poly(r):
    """sum of r**(k-2) / k! for k = 2 .. 13, so that e**r = 1 + r (1 + r _poly(r))."""
    p = _fma(_C13, r, _C12)
    p = _fma(p, r, _C11)
    p = _fma(p, r, _C10)
    p = _fma(p, r, _C9)
    p = _fma(p, r, _C8)
    p = _fma(p, r, _C7)
    p = _fma(p, r, _C6)
    p = _fma(p, r, _C5)
    p = _fma(p, r, _C4)
    p = _fma(p, r, _C3)
    return _fma(p, r, _C2)


@numba.njit(inline="always", error_model="numpy")
def tanh(x):
    """tanh of a float64 or float32 ``x``, in its type: float64's value rounded once."""
    return _like(x, _tanh64(np.float64(x)))


@numba.njit(inline="always", error_model="numpy")
def _tanh64(x):
    """tanh in float64 within a few ulps of NumPy's, +-0, +-inf and NaN included, without
    branches.

    tanh|x| = E / (E + 2) with E = e**(2|x|) - 1, and E = 2**n (e**r - 1) + (2**n - 1) as in
    exp's reduction (2|x| = n ln 2 + r), where e**r - 1 = r (1 + r _poly(r)) has no 1 to
    cancel: so tanh keeps full relative precision for small |x|, down to subnormals.  |x| is
    clamped to 20, beyond which tanh rounds to 1; NaN passes the clamp.  The sign is x's.
    """
    a = abs(x)
    y = 2.0 * (a if not (a > 20.0) else 20.0)
    t = y * _LOG2E + _ROUND
    n = t - _ROUND
    r = (y - n * _LN2_HI) - n * _LN2_LO
    q = _fma(_poly(r), r, 1.0)
    s = _float((_bits(t) - _bits(_ROUND) + 1023) << 52)  # 2**n, 0 <= n <= 58
    e = _fma(s * r, q, s - 1.0)
    return _copysign(e / (e + 2.0), x)
