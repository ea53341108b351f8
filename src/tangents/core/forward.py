"""Forward mode: tracers carrying a primal and a tangent (None stands for a zero tangent).

Under forward-over-reverse a tangent may be a `_Deferred` one: the forward rule and its
arguments, applied only when some later operation or the transform's output reads it
(`tangent_of`), so tangents that nothing reads are never computed (see
`trace.forwarding`)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import ops
from . import tree as tree_util
from .primitive import Primitive, bind
from .trace import Slot, Trace, forwarding, inexact, slot
from .tracer import Tracer
from .tree import TreeDef

if TYPE_CHECKING:
    from .reverse import VJPTracer

__all__ = ["JVPTrace", "JVPTracer", "apply_jvp", "tangent_of", "forward_through_tape"]

_PENDING = object()


class _Deferred:
    __slots__ = ("prim", "primals", "tangents", "ans", "params", "value")

    def __init__(self, prim: Primitive, primals: Any, tangents: Any, ans: Any,
                 params: Any) -> None:
        self.prim: Any = prim  # None once computed, as the other fields
        self.primals, self.tangents = primals, tangents
        self.ans, self.params, self.value = ans, params, _PENDING


def _force(deferred: _Deferred) -> Any:
    """Compute a deferred tangent and the deferred ones it depends on, without recursion."""
    stack = [deferred]
    while stack:
        d = stack[-1]
        if d.value is not _PENDING:
            stack.pop()
            continue
        waiting = [t for t in d.tangents if type(t) is _Deferred and t.value is _PENDING]
        if waiting:
            stack.extend(waiting)
            continue
        ins = [t.value if type(t) is _Deferred else t for t in d.tangents]
        d.value = apply_jvp(d.prim, d.primals, ins, d.ans, d.params)
        d.prim = d.primals = d.tangents = d.ans = d.params = None
        stack.pop()
    return deferred.value


def tangent_of(tracer: JVPTracer) -> Any:
    """The tangent of a `JVPTracer` (None: zero), computed now if it was deferred."""
    t = tracer.tangent
    return _force(t) if type(t) is _Deferred else t


class JVPTracer(Tracer):
    __slots__ = ()
    primal: Slot[Any] = slot(0)
    tangent: Slot[Any] = slot(1)  # an array, or a _Deferred one

    def __init__(self, trace: JVPTrace, primal: Any, tangent: Any) -> None:
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def shape(self) -> tuple[int, ...]:
        return self.primal.shape

    @property
    def dtype(self) -> Any:
        return self.primal.dtype

    def __bool__(self) -> bool:
        return bool(self.primal)

    def _full_like(self, fill: Any) -> JVPTracer:
        p = ops.full_like(self.primal, fill)
        return JVPTracer(self._trace, p, ops.zeros_like(p))

    def __repr__(self) -> str:
        return f"JVPTracer(level={self._trace.level}, {self.primal!r})"


def apply_jvp(prim: Primitive, primals: Sequence[Any], tangents: Sequence[Any], ans: Any,
              params: dict[str, Any]) -> Any:
    """The output tangent(s) of ``prim`` given input tangents (None: zero)."""
    if prim.jvps is not None:
        out = None
        for rule, t in zip(prim.jvps, tangents):
            if t is None:
                continue
            if rule is None:
                raise NotImplementedError(f"forward-mode derivative of {prim.name} is not defined")
            c = rule(t, ans, *primals, **params)
            out = c if out is None else ops.add(out, c)
    else:
        # a primitive without per-argument jvps has a joint one
        out = prim.jvp_joint(primals, tangents, ans, **params)  # type: ignore[misc]
    if out is None:
        return None
    if prim.multiple_results:
        return [None if t is None else _fit(t, a) for t, a in zip(out, ans)]
    return _fit(out, ans)


def _fit(t: Any, ans: Any) -> Any:
    t = ops.broadcast(t, ops.shape_of(ans))
    dt = ops.dtype_of(ans)
    return t if ops.dtype_of(t) == dt else ops.cast(t, dt)


class JVPTrace(Trace):
    __slots__ = ()
    tracer_type = JVPTracer
    stores_intermediates = False

    def apply(self, prim: Primitive, primals: Sequence[Any], tangents: list[Any], scalars: bool,
              nested: bool, params: dict[str, Any]) -> Any:
        defer = forwarding.depth > 0 and not prim.multiple_results
        if not defer:
            for i, t in enumerate(tangents):
                if type(t) is _Deferred:
                    tangents[i] = _force(t)
        # outer transforms only see this operation if a primal is theirs
        ans = bind(prim, *primals, **params) if nested else prim.impl(*primals, **params)
        if not prim.differentiable:
            return ans
        if scalars:
            primals = prim.rule_args(primals, ans)
        if prim.multiple_results:
            outs = apply_jvp(prim, primals, tangents, ans, params)
            if outs is None:
                return ans
            return [a if t is None or not inexact(a) else JVPTracer(self, a, t)
                    for a, t in zip(ans, outs)]
        if not inexact(ans):
            return ans
        if defer:
            if all(t is None for t in tangents):
                return ans
            return JVPTracer(self, ans, _Deferred(prim, primals, tangents, ans, params))
        t = apply_jvp(prim, primals, tangents, ans, params)
        return ans if t is None else JVPTracer(self, ans, t)

    def process_custom_vjp(self, custom: Any, flat: list[Any], in_tree: Any
                           ) -> tuple[list[Any], TreeDef]:
        # forward mode differentiates the function itself
        if not self.alive:
            raise self.leaked(custom.__name__)
        return tree_util.flatten(custom.fun(*tree_util.unflatten(in_tree, flat)))

    def process_custom_jvp(self, custom: Any, flat: list[Any], in_tree: Any
                           ) -> tuple[list[Any], TreeDef]:
        if not self.alive:
            raise self.leaked(custom.__name__)
        primals, tangents = self.unpack(flat)
        tangents = [ops.zeros_like(p) if t is None else
                    (_force(t) if type(t) is _Deferred else t)
                    for t, p in zip(tangents, primals)]
        out_flat, out_tree, t_flat = custom.forward_rule(primals, tangents, in_tree)
        return [JVPTracer(self, o, None if t is None else ops.cast(t, ops.dtype_of(o)))
                if inexact(o) else o for o, t in zip(out_flat, t_flat)], out_tree


def forward_through_tape(tape: Sequence[Any], input_tangents: dict[Any, Any],
                         out_tracers: Sequence[VJPTracer]) -> list[Any]:
    """Push tangents through a recorded tape with each node's forward rule (linearize)."""
    tangents = dict(input_tangents)
    stop = max((t.index for t in out_tracers), default=-1)
    for i in range(stop + 1):
        prim, args, params, ans, parents = tape[i]
        if prim is None:
            continue
        ans = prim.answer_of(ans)  # what the tape kept may hold a residual (primitive.py)
        ins = []
        for p in parents:
            ins.append(None if p is None else tangents.get(p))
        if all(t is None for t in ins):
            continue
        out = apply_jvp(prim, args, ins, ans, params)
        if prim.multiple_results:
            for k, t in enumerate(out):
                if t is not None:
                    tangents[(i, k)] = t
        elif out is not None:
            tangents[i] = out
    return [tangents.get(t.key) for t in out_tracers]
