"""The processor's floating-point exception flags, read from inside a fused kernel.

NumPy reports a division by zero, an overflow, an invalid operation (0/0, inf - inf, sqrt(-1))
and an underflow by the flags the processor sets: it clears them before a ufunc's loop, reads
them after it, and warns, raises or ignores as ``np.errstate`` says.  A fused kernel computes
many ufuncs in one loop, so it does the same around its whole loop: ``status()`` returns the
flags raised since the last call on this thread and clears them (x86's MXCSR, by
``stmxcsr``/``ldmxcsr``); jit/fperrors.py decides what NumPy would have reported.  Elsewhere
than x86-64 it returns 0 (no report).  Imported only by kernel files (it imports numba).
"""
from __future__ import annotations

import platform

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

__all__ = ["status"]

_X86 = platform.machine().lower() in ("x86_64", "amd64")
_FLAGS = 0x3F  # MXCSR's six sticky exception flags (invalid, denormal, divide, over, under,
#                precision); bits 7-15 are the masks and the rounding mode, kept as they are


@intrinsic
def status(typingctx):
    """The exception flags raised on this thread since the last call (MXCSR's low 6 bits),
    which are then cleared."""
    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        if not _X86:
            return ir.Constant(i32, 0)
        byte_ptr = ir.IntType(8).as_pointer()
        kind = ir.FunctionType(ir.VoidType(), [byte_ptr])
        store = builder.module.declare_intrinsic("llvm.x86.sse.stmxcsr", (), kind)
        load = builder.module.declare_intrinsic("llvm.x86.sse.ldmxcsr", (), kind)
        slot = builder.alloca(i32)
        at = builder.bitcast(slot, byte_ptr)
        builder.call(store, [at])
        word = builder.load(slot)
        builder.store(builder.and_(word, ir.Constant(i32, ~_FLAGS & 0xFFFFFFFF)), slot)
        builder.call(load, [at])
        return builder.and_(word, ir.Constant(i32, _FLAGS))
    return types.uint32(), codegen
