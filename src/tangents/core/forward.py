"""Forward mode: tracers carrying a primal and a tangent (None stands for a zero tangent).

Under forward-over-reverse a tangent may be a `_Deferred` one: the forward rule and its
arguments, applied only when some later operation or the transform's output reads it
(`tangent_of`), so tangents that nothing reads are never computed (see
`reverse.forwarding`)."""
from __future__ import annotations

from . import ops
from .primitive import bind
from .reverse import LeakedTracerError, forwarding
from .tracer import FOREIGN_ARRAYS, Tracer, check_subclass

__all__ = ["JVPTrace", "JVPTracer", "apply_jvp", "tangent_of"]

_PENDING = object()


class _Deferred:
    __slots__ = ("prim", "primals", "tangents", "ans", "params", "value")

    def __init__(self, prim, primals, tangents, ans, params):
        self.prim, self.primals, self.tangents = prim, primals, tangents
        self.ans, self.params, self.value = ans, params, _PENDING


def _force(deferred):
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


def tangent_of(tracer):
    """The tangent of a `JVPTracer` (None: zero), computed now if it was deferred."""
    t = tracer.tangent
    return _force(t) if type(t) is _Deferred else t


class JVPTracer(Tracer):
    __slots__ = ()
    primal, tangent = Tracer._s0, Tracer._s1

    def __init__(self, trace, primal, tangent):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def shape(self):
        return self.primal.shape

    @property
    def dtype(self):
        return self.primal.dtype

    def __bool__(self):
        return bool(self.primal)

    def _full_like(self, fill):
        from ..numpy.creation import full_like
        p = full_like(self.primal, fill)
        return JVPTracer(self._trace, p, ops.zeros(ops.shape_of(p), ops.dtype_of(p)))

    def __repr__(self):
        return f"JVPTracer(level={self._trace.level}, {self.primal!r})"


def apply_jvp(prim, primals, tangents, ans, params):
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
        out = prim.jvp_joint(primals, tangents, ans, **params)
    if out is None:
        return None
    if prim.multiple_results:
        return [None if t is None else _fit(t, a) for t, a in zip(out, ans)]
    return _fit(out, ans)


def _fit(t, ans):
    t = ops.broadcast(t, ops.shape_of(ans))
    dt = ops.dtype_of(ans)
    return t if ops.dtype_of(t) == dt else ops.cast(t, dt)


class JVPTrace:
    __slots__ = ("level", "alive")

    def __init__(self, level):
        self.level = level
        self.alive = True

    def process(self, prim, args, params):
        if not self.alive:
            raise LeakedTracerError(
                f"{prim.name} was applied to a value traced by a transform that has already "
                "returned (a tracer escaped). Pass values in as arguments instead.")
        primals = []
        tangents = []
        scalars = nested = False
        defer = forwarding.depth > 0 and not prim.multiple_results
        for a in args:
            if type(a) is JVPTracer and a._trace is self:
                p = a.primal
                nested = nested or isinstance(p, Tracer)
                primals.append(p)
                t = a.tangent
                if type(t) is _Deferred and not defer:
                    t = _force(t)
                tangents.append(t)
            else:
                scalars = scalars or type(a) in ops.PY_SCALARS
                nested = nested or isinstance(a, Tracer)
                if isinstance(a, FOREIGN_ARRAYS):
                    check_subclass(a, prim.name, "a constant operand")
                primals.append(a)
                tangents.append(None)
        # outer transforms only see this operation if a primal is theirs
        ans = bind(prim, *primals, **params) if nested else prim.impl(*primals, **params)
        if not prim.differentiable:
            return ans
        if scalars and not prim.scalar_safe_rules:
            primals = ops.rule_args(primals, ans)
        if prim.multiple_results:
            outs = apply_jvp(prim, primals, tangents, ans, params)
            if outs is None:
                return ans
            return [a if t is None or ops.dtype_of(a).kind not in "fc" else JVPTracer(self, a, t)
                    for a, t in zip(ans, outs)]
        if ops.dtype_of(ans).kind not in "fc":
            return ans
        if defer:
            if all(t is None for t in tangents):
                return ans
            return JVPTracer(self, ans, _Deferred(prim, primals, tangents, ans, params))
        t = apply_jvp(prim, primals, tangents, ans, params)
        return ans if t is None else JVPTracer(self, ans, t)
