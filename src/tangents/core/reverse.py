"""Reverse mode: a trace that records a tape, and the iterative backward pass over it.

Each operation on a `VJPTracer` records one node ``(prim, args, params, ans, parents)`` in
its trace's tape, where ``args`` are the primal values (tracers of outer transforms or plain
arrays) and ``parents`` the tape indices of the arguments that are traced here (None for
constants).  The tape is a dict from index to node; an index is drawn from a counter
(``next`` is one atomic step under the GIL, so threads feeding one trace never share an
index).  Indices grow in creation order, which is a topological order, so the backward pass
is one loop from the output down, with no recursion (long chains cannot overflow the
stack).  Nodes are released as soon as they are processed when the pass runs once.
"""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from . import ops
from .primitive import as_given
from .trace import PY_SCALARS, LeakedTracerError, Slot, Trace, forwarding, inexact, slot
from .tracer import Tracer, ufunc_prims

__all__ = ["VJPTrace", "VJPTracer", "backward", "LeakedTracerError", "forwarding"]

ndarray = np.ndarray  # read on every operation: one global lookup, not two




class VJPTracer(Tracer):
    __slots__ = ()
    # key: the key of its cotangent: the tape index, or (index, position) for one of a
    # multiple-result node's outputs (the datum `Trace.process` reads, in slot _s1)
    primal: Slot[Any] = slot(0)
    key: Slot[int | tuple[int, int]] = slot(1)
    index: Slot[int] = slot(2)

    def __init__(self, trace, primal, index, out=-1):
        self._trace = trace
        self.primal = primal
        self.index = index
        self.key = index if out < 0 else (index, out)

    @property
    def shape(self):
        return self.primal.shape

    @property
    def dtype(self):
        return self.primal.dtype

    def __bool__(self):
        return bool(self.primal)

    def _full_like(self, fill):
        return self._trace.const(ops.full_like(self.primal, fill))

    def __repr__(self):
        return f"VJPTracer(level={self._trace.level}, {self.primal!r})"

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # np.sin(x) on this trace's tracer: `VJPTrace.process`'s hot path written out in this
        # call, one Python call less per operation (bench/bench_core.py times it); anything
        # else is Tracer's (which hands the operation to process)
        if len(inputs) == 1 and not kwargs and method == "__call__":
            prim = ufunc_prims.get(ufunc)
            trace = self._trace
            v = self._s0
            if (prim is not None and trace.alive and type(v) is ndarray
                    and not (prim.multiple_results or prim.keeps_residual)):
                ans = prim.impl(v)
                if not prim.differentiable:
                    return ans
                if type(ans) is ndarray:
                    if ans.dtype.kind not in "fc":
                        return ans
                elif not inexact(ans):
                    return ans
                index = next(trace.counter)
                trace.tape[index] = (prim, (v,), {}, ans, (self._s1,))
                out = _new_tracer(VJPTracer)
                out._trace = trace
                out._s0 = ans
                out._s1 = out._s2 = index
                return out
        return Tracer.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)


def _constant_operator(name, ufunc):
    """VJPTracer's operator ``name`` (``__mul__``, ``__radd__``, ...) applied to a plain
    constant (an array or a Python number): `VJPTrace.process`'s hot path written out in the
    operator's own call, one Python call less per operation (bench/bench_core.py times it);
    anything else goes to Tracer's operator, which hands it to `VJPTrace.process`."""
    shared = getattr(Tracer, name)
    swapped = name.startswith("__r")

    def constant_operator(self, other):
        t = type(other)
        if t is ndarray or t in PY_SCALARS:
            prim = ufunc_prims.get(ufunc)
            trace = self._trace
            v = self._s0
            if (prim is not None and trace.alive and type(v) is ndarray
                    and not (prim.multiple_results or prim.keeps_residual)):
                vals = (other, v) if swapped else (v, other)
                ans = prim.impl(*vals)
                if not prim.differentiable:
                    return ans
                if type(ans) is ndarray:
                    if ans.dtype.kind not in "fc":
                        return ans
                elif not inexact(ans):
                    return ans
                if t is not ndarray and prim.rule_args is not as_given:
                    vals = prim.rule_args(vals, ans)
                index = next(trace.counter)
                trace.tape[index] = (prim, vals, {}, ans,
                                     (None, self._s1) if swapped else (self._s1, None))
                out = _new_tracer(VJPTracer)
                out._trace = trace
                out._s0 = ans
                out._s1 = out._s2 = index
                return out
        return shared(self, other)

    constant_operator.__name__ = constant_operator.__qualname__ = name
    return constant_operator


for _name, _ufunc in (("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                      ("truediv", np.true_divide)):
    for _op in (f"__{_name}__", f"__r{_name}__"):
        setattr(VJPTracer, _op, _constant_operator(_op, _ufunc))
del _name, _ufunc, _op


class RuleNode:
    """Stands in for a primitive on the tape where a custom rule was applied: one node with
    several results whose VJP is ``vjp_joint(ct, ans, args, needed) -> list`` and whose
    JVP (used by linearize) is ``jvp_joint(args, tangents, ans) -> list``."""

    multiple_results = True
    vjps = None
    jvps = None
    differentiable = True

    @staticmethod
    def answer_of(kept):
        return kept

    def __init__(self, name, vjp_joint, jvp_joint):
        self.name = name
        self.vjp_joint = vjp_joint
        self.jvp_joint = jvp_joint


class VJPTrace(Trace):
    __slots__ = ("tape", "counter")
    tracer_type = VJPTracer

    def __init__(self, level):
        super().__init__(level)
        self.tape = {}
        # next(counter) is a specialized call; a bound method kept in a slot is not
        self.counter = itertools.count()

    def record(self, node):
        """Add ``node`` to the tape and return its index (safe under threads)."""
        index = next(self.counter)
        self.tape[index] = node
        return index

    def new_input(self, value):
        return VJPTracer(self, value, self.record((None, (), None, value, ())))

    const = new_input  # a constant is a leaf nobody reads the cotangent of

    def process(self, prim, args, params):
        # The hot path in one call (issue #11): this trace's tracers over plain arrays and
        # plain constants, for a single-result primitive with the default forward.  Anything
        # else (an outer trace's values, ndarray subclasses, a residual-keeping forward,
        # several results, a dead trace) takes the shared path, Trace.process then apply.
        # One and two arguments are unpacked without a loop or lists; values and parents
        # are tuples (star calls of impl and of every backward rule take them as they are,
        # and the collector stops tracking a tuple of arrays and numbers).  Its end is
        # `tracer_for` written out; bench/bench_core.py times the path against the shared one.
        if self.alive and not (prim.multiple_results or prim.keeps_residual):
            n = len(args)
            if n == 2:
                x, y = args
                t = type(x)
                if t is VJPTracer and x._trace is self:
                    vx, px, scalars = x._s0, x._s1, False
                    if type(vx) is not ndarray:  # an outer trace's value: the shared path
                        return Trace.process(self, prim, args, params)
                elif t is ndarray or t in PY_SCALARS:
                    vx, px, scalars = x, None, t is not ndarray
                else:
                    return Trace.process(self, prim, args, params)
                t = type(y)
                if t is VJPTracer and y._trace is self:
                    vy, py = y._s0, y._s1
                    if type(vy) is not ndarray:
                        return Trace.process(self, prim, args, params)
                elif t is ndarray or t in PY_SCALARS:
                    vy, py = y, None
                    scalars = scalars or t is not ndarray
                else:
                    return Trace.process(self, prim, args, params)
                vals, parents = (vx, vy), (px, py)
            elif n == 1:
                x = args[0]
                if type(x) is not VJPTracer or x._trace is not self:
                    return Trace.process(self, prim, args, params)
                vals = (x._s0,)
                if type(vals[0]) is not ndarray:
                    return Trace.process(self, prim, args, params)
                parents, scalars = (x._s1,), False
            else:
                unpacked = self._unpack_plain(args)
                if unpacked is None:
                    return Trace.process(self, prim, args, params)
                vals, parents, scalars = unpacked
            ans = prim.impl(*vals, **params) if params else prim.impl(*vals)
            if not prim.differentiable:
                return ans
            if type(ans) is ndarray:
                if ans.dtype.kind not in "fc":
                    return ans
            elif not inexact(ans):
                return ans
            if scalars and prim.rule_args is not as_given:
                vals = prim.rule_args(vals, ans)
            index = next(self.counter)
            self.tape[index] = (prim, vals, params, ans, parents)
            out = _new_tracer(VJPTracer)  # VJPTracer(self, ans, index) without __init__
            out._trace = self
            out._s0 = ans
            out._s1 = out._s2 = index
            return out
        return Trace.process(self, prim, args, params)

    def _unpack_plain(self, args):
        """``(values, parents, scalars)`` of ``args`` for `process`'s hot path (three or
        more arguments), or None where one needs the shared path."""
        vals = []
        parents = []
        scalars = False
        for a in args:
            t = type(a)
            if t is VJPTracer and a._trace is self:
                v = a._s0
                if type(v) is not ndarray:
                    return None
                vals.append(v)
                parents.append(a._s1)
            elif t is ndarray or t in PY_SCALARS:
                scalars = scalars or t is not ndarray
                vals.append(a)
                parents.append(None)
            else:
                return None
        return tuple(vals), tuple(parents), scalars

    def apply(self, prim, primals, parents, scalars, nested, params):
        # outer transforms only see this operation if a primal is theirs
        if nested:
            forwarding.depth += 1
            try:
                ans, node_ans = prim.forward_for_vjp(None, primals, params)
            finally:
                forwarding.depth -= 1
        else:
            ans, node_ans = prim.forward_for_vjp(parents, primals, params)
        if not prim.differentiable:
            return ans
        if scalars:
            primals = prim.rule_args(primals, ans)
        if prim.multiple_results:
            return self.record_outputs(prim, primals, params, ans, parents)
        return self.tracer_for(prim, primals, params, ans, node_ans, parents)

    def tracer_for(self, prim, primals, params, ans, kept, parents):
        """Record the node of a single-result operation and return its answer ``ans`` as
        this trace's tracer (``ans`` itself where it carries no derivative: a
        nondifferentiable primitive, an integer or bool result)."""
        if not prim.differentiable:
            return ans
        if type(ans) is np.ndarray:
            if ans.dtype.kind not in "fc":
                return ans
        elif not inexact(ans):
            return ans
        index = next(self.counter)
        self.tape[index] = (prim, primals, params, kept, parents)
        out = _new_tracer(VJPTracer)  # VJPTracer(self, ans, index), without __init__'s call
        out._trace = self
        out._s0 = ans
        out._s1 = out._s2 = index
        return out

    def record_outputs(self, prim, primals, params, outs, parents):
        """Record a node with several results; its inexact ones become tracers."""
        index = self.record((prim, primals, params, outs, parents))
        return [VJPTracer(self, a, index, k) if inexact(a) else a for k, a in enumerate(outs)]

    def _record_rule(self, name, flat, node):
        """Run ``node(primals) -> (out_flat, out_tree, vjp_joint, jvp_joint)`` on the
        values of ``flat`` and record one `RuleNode` for it."""
        if not self.alive:
            raise self.leaked(name)
        primals, parents = self.unpack(flat)
        out_flat, out_tree, vjp_joint, jvp_joint = node(primals)
        rule = RuleNode(name, vjp_joint, jvp_joint)
        return self.record_outputs(rule, primals, {}, out_flat, parents), out_tree

    def process_custom_vjp(self, custom, flat, in_tree):
        return self._record_rule(custom.__name__, flat,
                                 lambda primals: custom.reverse_node(primals, in_tree))

    process_custom_jvp = process_custom_vjp  # each custom kind gives its own reverse_node


_new_tracer = object.__new__


def _accumulate(cts, key, ct):
    old = cts.get(key)
    cts[key] = ct if old is None else ops.add(old, ct)


def backward(tape, seeds, release):
    """Propagate cotangents from ``seeds`` (a list of (tracer, ct)) to the inputs.

    Returns a dict from input tape index to its cotangent (absent: no path)."""
    cts = {}
    start = -1
    for tracer, ct in seeds:
        _accumulate(cts, tracer.key, ct)
        start = max(start, tracer.index)
    leaves = {}
    node_at = tape.pop if release else tape.__getitem__
    ct_at = cts.pop
    for i in range(start, -1, -1):
        prim, args, params, ans, parents = node_at(i)
        ct = ct_at(i, None)  # the outputs of a multiple-result node are keyed (i, k)
        if ct is None:
            if prim is None or not prim.multiple_results:
                continue
            ct = _output_cotangents(cts, i, ans)
            if ct is None:
                continue
        elif prim is None:
            leaves[i] = ct
            continue
        vjps = prim.vjps
        if vjps is None:
            _joint_vjp(cts, prim, ct, ans, args, params, parents)
            continue
        n = len(args)
        j = -1
        for p in parents:  # the common case inline: one call per differentiated argument
            j += 1
            if p is None:
                continue
            rule = vjps[j]
            if rule is None:
                raise NotImplementedError(
                    f"reverse-mode derivative of {prim.name} with respect to argument {j} "
                    "is not defined")
            # one or two arguments passed one by one: no tuple packed per call
            if params:
                g = rule(ct, ans, *args, **params)
            elif n == 2:
                g = rule(ct, ans, args[0], args[1])
            elif n == 1:
                g = rule(ct, ans, args[0])
            else:
                g = rule(ct, ans, *args)
            a = args[j]
            try:  # the same dtype is most often the same object
                fits = g.shape == a.shape and (g.dtype is a.dtype or g.dtype == a.dtype)
            except AttributeError:
                fits = False
            if not fits:
                g = _fit(g, a)
            cts[p] = ops.add(cts[p], g) if p in cts else g
    return leaves


def _output_cotangents(cts, i, ans):
    """The cotangents of node ``i``'s several outputs ``ans`` (zeros where an output has
    none), or None when none has one."""
    outs = [cts.pop((i, k), None) for k in range(len(ans))]
    if all(c is None for c in outs):
        return None
    return [ops.zeros_like(a) if c is None else c for a, c in zip(ans, outs)]


def _joint_vjp(cts, prim, ct, ans, args, params, parents):
    """Accumulate the argument cotangents of a node whose primitive has a joint VJP."""
    needed = [p is not None for p in parents]
    arg_cts = prim.vjp_joint(ct, ans, args, needed, **params)
    for j, p in enumerate(parents):
        if p is not None and arg_cts[j] is not None:
            _accumulate(cts, p, _fit(arg_cts[j], args[j]))


def _fit(ct, arg):
    """Bring a cotangent to its argument's shape (summing broadcast axes) and dtype."""
    ct = ops.unbroadcast(ct, ops.shape_of(arg))
    dt = ops.dtype_of(arg)
    return ct if ops.dtype_of(ct) == dt else ops.cast(ct, dt)
