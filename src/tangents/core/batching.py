"""Batching (vmap): tracers carrying a value with one extra axis, ``bdim``, the batch axis.

A primitive's batching rule takes the unwrapped values and their batch axes (None for an
unbatched value) and returns ``(out, out_bdim)``.  The builders below cover the common
shapes of rule: elementwise with broadcasting, and reductions/ops with an ``axis`` param.
"""
from __future__ import annotations

from . import ops
from . import tree as tree_util
from .primitive import bind, registry
from .trace import Trace
from .tracer import Tracer

__all__ = ["BatchTrace", "BatchTracer", "move_bdim", "batch_elementwise", "batch_axis_op",
           "batch_unary", "batch_matrices", "batch_by_loop"]


class BatchTracer(Tracer):
    __slots__ = ()
    _batched = True
    val, bdim = Tracer._s0, Tracer._s1

    def __init__(self, trace, val, bdim):
        self._trace = trace
        self.val = val
        self.bdim = bdim

    @property
    def shape(self):
        s = self.val.shape
        return s[:self.bdim] + s[self.bdim + 1:]

    @property
    def dtype(self):
        return self.val.dtype

    def __bool__(self):
        raise TypeError(
            "the truth value of a batched (vmapped) value depends on the example; Python "
            "control flow cannot branch per example inside vmap. Use np.where(cond, a, b).")

    def _full_like(self, fill):
        return BatchTracer(self._trace, ops.full_like(self.val, fill), self.bdim)

    def __repr__(self):
        return f"BatchTracer(level={self._trace.level}, bdim={self.bdim}, {self.val!r})"


class BatchTrace(Trace):
    __slots__ = ("axis_size",)
    tracer_type = BatchTracer
    what = "a vmap"

    def __init__(self, level, axis_size):
        super().__init__(level)
        self.axis_size = axis_size

    def apply(self, prim, vals, bdims, scalars, nested, params):
        if prim.batch is None:
            raise NotImplementedError(f"vmap has no batching rule for primitive {prim.name}")
        out, out_bdim = prim.batch(vals, bdims, **params)
        if prim.multiple_results:
            return [o if b is None else BatchTracer(self, o, b) for o, b in zip(out, out_bdim)]
        return out if out_bdim is None else BatchTracer(self, out, out_bdim)

    def process_custom_vjp(self, custom, flat, in_tree):
        # a copy of the custom function and its rules, vmapped, applied to the batch
        return self._batched(custom, flat, in_tree)

    process_custom_jvp = process_custom_vjp

    def _batched(self, custom, flat, in_tree):
        if not self.alive:
            raise self.leaked(custom.__name__)
        vals, axes = self.unpack(flat)
        new = custom.batched(tree_util.unflatten(in_tree, axes))
        out_flat, out_tree = tree_util.flatten(new(*tree_util.unflatten(in_tree, vals)))
        return [BatchTracer(self, o, 0) for o in out_flat], out_tree


def move_bdim(x, src, dst=0):
    """Move axis ``src`` of ``x`` to position ``dst``."""
    nd = len(ops.shape_of(x))
    if dst < 0:
        dst += nd
    if src == dst:
        return x
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return bind(registry["transpose"], x, axes=tuple(perm))


def _aligned(x, bdim, out_ndim):
    """Batch axis to the front and singleton axes so that ``x`` broadcasts against the
    other batched operands (per-example rank ``out_ndim``)."""
    x = move_bdim(x, bdim, 0)
    shape = ops.shape_of(x)
    missing = out_ndim - (len(shape) - 1)
    if missing:
        x = bind(registry["reshape"], x, shape=(shape[0],) + (1,) * missing + shape[1:])
    return x


def batch_elementwise(prim):
    """Batching rule for an n-ary broadcasting elementwise primitive: batch axis to 0."""
    def rule(vals, bdims, **params):
        out_ndim = 0
        for v, b in zip(vals, bdims):
            out_ndim = max(out_ndim, len(ops.shape_of(v)) - (b is not None))
        if sum(b is not None for b in bdims) == 1 and len(vals) == 1:
            return bind(prim, vals[0], **params), bdims[0]
        args = [v if b is None else _aligned(v, b, out_ndim) for v, b in zip(vals, bdims)]
        return bind(prim, *args, **params), 0
    return rule


def batch_unary(prim):
    """Batching rule for a one-argument primitive that acts on every element alike."""
    def rule(vals, bdims, **params):
        return bind(prim, vals[0], **params), bdims[0]
    return rule


def batch_axis_op(prim):
    """Batching rule for a one-argument primitive with an ``axis`` tuple param of
    non-negative ints (reductions, cumulative ops): batch axis to 0, axes shift by one."""
    def rule(vals, bdims, *, axis, **params):
        x = move_bdim(vals[0], bdims[0], 0)
        return bind(prim, x, axis=tuple(a + 1 for a in axis), **params), 0
    return rule


def batch_matrices(prim, core_ndim=2):
    """Batching rule for a primitive over stacks of matrices whose impl broadcasts the
    leading (stack) dimensions: batch axis to 0 in each batched argument, aligned by rank."""
    def rule(vals, bdims, **params):
        nbatch = max(len(ops.shape_of(v)) - (b is not None) - core_ndim
                     for v, b in zip(vals, bdims))
        args = []
        for v, b in zip(vals, bdims):
            if b is not None:
                v = move_bdim(v, b, 0)
                s = ops.shape_of(v)
                missing = nbatch - (len(s) - 1 - core_ndim)
                if missing:
                    v = bind(registry["reshape"], v, shape=s[:1] + (1,) * missing + s[1:])
            args.append(v)
        out = bind(prim, *args, **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)
    return rule


def batch_by_loop(prim):
    """Batching rule applying ``prim`` example by example and stacking the results: for
    primitives NumPy has no batched call for (index-valued results, data-dependent shapes)."""
    def rule(vals, bdims, **params):
        size = next(ops.shape_of(v)[b] for v, b in zip(vals, bdims) if b is not None)
        vals = [v if b is None else move_bdim(v, b, 0) for v, b in zip(vals, bdims)]
        rows = []
        for i in range(size):
            args = [v if b is None else bind(registry["getitem"], v, idx=(i,))
                    for v, b in zip(vals, bdims)]
            rows.append(bind(prim, *args, **params))

        def stack(parts):
            parts = [bind(registry["reshape"], r, shape=(1,) + ops.shape_of(r)) for r in parts]
            return bind(registry["concatenate"], *parts, axis=0)
        if prim.multiple_results:
            return [stack(list(r)) for r in zip(*rows)], [0] * len(rows[0])
        return stack(rows), 0
    return rule
