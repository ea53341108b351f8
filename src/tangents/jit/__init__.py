"""``tg.jit``: staging a function into a typed program of primitives (ir, staging),
simplifying it (simplify) and running it with the NumPy executor (executor) or the fused
numba one (fused, docs/jit.md); api holds `jit` and its cache.  docs/architecture.md
places the staging trace among the others."""
from .api import Jitted, Lowered, jit

__all__ = ["jit", "Jitted", "Lowered"]
