"""What NumPy would have reported for the floating-point flags a fused program's kernels
raised (jit/fpstatus.py): a call whose flags NumPy's ``np.errstate`` does not ignore is
computed again eagerly by jit/api.py, so that the warning, or the FloatingPointError, is
NumPy's own, as in eager.

An ordered comparison (``<``, ``>=``, the ``maximum``/``amax`` of the kernels) of a NaN raises
the invalid flag on x86 where NumPy's loops raise nothing, so the invalid flag counts only
when no input of the call holds a NaN; with a NaN among the inputs an invalid operation in a
kernel (0/0, inf - inf) is not reported.  Division by zero and overflow are always exact.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["INVALID", "DIVIDE", "OVERFLOW", "UNDERFLOW", "raised", "reported"]

INVALID, DIVIDE, OVERFLOW, UNDERFLOW = 0x1, 0x4, 0x8, 0x10
_ERRSTATE = (("invalid", INVALID), ("divide", DIVIDE), ("over", OVERFLOW),
             ("under", UNDERFLOW))


def raised(flags: Sequence[np.ndarray]) -> int:
    """The flags of a call: the OR of its kernels' flag arrays (one entry per row block)."""
    bits = 0
    for f in flags:
        bits |= int(f[0]) if f.shape[0] == 1 else int(np.bitwise_or.reduce(f))
    return bits


def reported(bits: int, inputs: Sequence[Any], holds_nan: Callable[[Any], bool]) -> bool:
    """Whether NumPy, under the ``np.errstate`` in force, reports one of the flags ``bits``
    (``holds_nan(inputs)``: whether an input holds a NaN, which makes the invalid flag moot)."""
    errs = np.geterr()
    asked = 0
    for name, bit in _ERRSTATE:
        if errs[name] != "ignore":
            asked |= bit
    bits &= asked
    if bits & ~INVALID:
        return True
    return bool(bits) and not holds_nan(inputs)
