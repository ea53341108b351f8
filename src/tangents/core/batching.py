"""Batching (vmap): tracers carrying a value with one extra axis, ``bdim``, the batch axis.

A primitive's batching rule takes the unwrapped values and their batch axes (None for an
unbatched value) and returns ``(out, out_bdim)``.  The builders below cover the common
shapes of rule: elementwise with broadcasting, and reductions/ops with an ``axis`` param.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import ops
from . import tree as tree_util
from .prims import (  # noqa: F401  (the batching builders, re-exported)
    batch_axis_op,
    batch_by_loop,
    batch_elementwise,
    batch_matrices,
    batch_unary,
    move_bdim,
)
from .trace import Slot, Trace, slot
from .tracer import Tracer
from .tree import TreeDef

if TYPE_CHECKING:
    from .primitive import Primitive

__all__ = ["BatchTrace", "BatchTracer", "move_bdim", "batch_elementwise", "batch_axis_op",
           "batch_unary", "batch_matrices", "batch_by_loop"]


class BatchTracer(Tracer):
    __slots__ = ()
    _batched = True
    val: Slot[Any] = slot(0)
    bdim: Slot[int] = slot(1)

    def __init__(self, trace: BatchTrace, val: Any, bdim: int) -> None:
        self._trace = trace
        self.val = val
        self.bdim = bdim

    @property
    def shape(self) -> tuple[int, ...]:
        s = self.val.shape
        return s[:self.bdim] + s[self.bdim + 1:]

    @property
    def dtype(self) -> Any:
        return self.val.dtype

    def __bool__(self) -> bool:
        raise TypeError(
            "the truth value of a batched (vmapped) value depends on the example; Python "
            "control flow cannot branch per example inside vmap. Use np.where(cond, a, b).")

    def _full_like(self, fill: Any) -> BatchTracer:
        return BatchTracer(self._trace, ops.full_like(self.val, fill), self.bdim)

    def __repr__(self) -> str:
        return f"BatchTracer(level={self._trace.level}, bdim={self.bdim}, {self.val!r})"


class BatchTrace(Trace):
    __slots__ = ("axis_size",)
    tracer_type = BatchTracer
    what = "a vmap"

    def __init__(self, level: int, axis_size: int) -> None:
        super().__init__(level)
        self.axis_size = axis_size

    def apply(self, prim: Primitive, vals: list[Any], bdims: list[Any], scalars: bool,
              nested: bool, params: dict[str, Any]) -> Any:
        if prim.batch is None:
            raise NotImplementedError(f"vmap has no batching rule for primitive {prim.name}")
        out, out_bdim = prim.batch(vals, bdims, **params)
        if prim.multiple_results:
            return [o if b is None else BatchTracer(self, o, b) for o, b in zip(out, out_bdim)]
        return out if out_bdim is None else BatchTracer(self, out, out_bdim)

    def process_custom_vjp(self, custom: Any, flat: list[Any], in_tree: Any
                           ) -> tuple[list[Any], TreeDef]:
        # a copy of the custom function and its rules, vmapped, applied to the batch
        return self._batched(custom, flat, in_tree)

    process_custom_jvp = process_custom_vjp

    def _batched(self, custom: Any, flat: list[Any], in_tree: Any
                 ) -> tuple[list[Any], TreeDef]:
        if not self.alive:
            raise self.leaked(custom.__name__)
        vals, axes = self.unpack(flat)
        new = custom.batched(tree_util.unflatten(in_tree, axes))
        out_flat, out_tree = tree_util.flatten(new(*tree_util.unflatten(in_tree, vals)))
        return [BatchTracer(self, o, 0) for o in out_flat], out_tree
