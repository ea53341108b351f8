"""The staging interpreter: runs each operation on the real values and records it as an equation.

A `StagingTracer` carries its concrete value (``_s0``) and its program variable (``_s1``),
so Python code that reads a value (``if x.sum() > 0``, ``float(x)``, ``x.item()``) gets
eager's answer; each such read is recorded as a guard that the program checks on every
call.  Primitives whose result shape depends on the values (a boolean mask, ``nonzero``,
``unique``) get a shape guard.
"""
from __future__ import annotations

import operator
import os
import sys

import numpy as np

from ..core import ConcreteTracer, Trace, Tracer, new_level, tree
from .call import CustomRule, current_epoch, custom_call_p
from .ir import Eqn, Guard, Program, Var

__all__ = ["StagingTrace", "StagingTracer", "Unstageable", "stage", "SHAPE_FROM_VALUES"]

# primitives whose result shape depends on their inputs' values, not only on their shapes
# (tests/jit/test_staging.py checks this set against the registry)
SHAPE_FROM_VALUES = frozenset({"getitem", "argwhere", "unique", "intersect1d_indices"})

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class Unstageable(Exception):
    """The traced function met a value of an outer transform (a tracer in a closure): the
    call runs eagerly instead."""


def user_site():
    """``file:line`` of the innermost frame outside the tangents package."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


class StagingTracer(ConcreteTracer):
    __slots__ = ()
    value, var = Tracer._s0, Tracer._s1

    def __init__(self, trace, value, var):
        self._trace = trace
        self.value = value
        self.var = var

    def __repr__(self):
        return f"StagingTracer({self.var!r}, {self.value!r})"

    def _full_like(self, fill):
        return self._trace.const(np.full(self.shape, fill, self.dtype))

    # -- reads of the value: eager's answer, checked again on every call -------------------
    def _read(self, kind, outcome, args=()):
        self._trace.guard(kind, self, outcome, args)
        return outcome

    def __bool__(self):
        return self._read("bool", bool(self.value))

    def __float__(self):
        return self._read("float", float(self.value))

    def __int__(self):
        return self._read("int", int(self.value))

    def __complex__(self):
        return self._read("complex", complex(self.value))

    def __index__(self):
        return self._read("index", operator.index(self.value))

    def item(self, *args):
        return self._read("item", np.asarray(self.value).item(*args), args)

    def tolist(self):
        return self._read("tolist", np.asarray(self.value).tolist())

    def __array__(self, dtype=None, copy=None):
        kept = self._read("array", np.array(self.value, copy=True))
        return np.array(kept, dtype=dtype, copy=True)


class StagingTrace(Trace):
    """Records ``(prim, inputs, params) -> outputs`` for each operation while computing it."""

    __slots__ = ("body", "consts", "_const_ids", "_count", "epochs")
    tracer_type = StagingTracer
    what = "tg.jit"
    # checkpoint inside jit is one custom_call equation, so a transform of the program
    # (grad(jit(f))) recomputes it as checkpoint says
    stores_intermediates = True

    def __init__(self, level):
        super().__init__(level)
        self.body = []
        self.consts = {}      # Var -> value
        self._const_ids = {}  # id(value) -> Var, one Var per captured object
        self._count = 0
        self.epochs = {}      # Var -> the custom backward it was staged in

    def new_var(self, value):
        v = Var(self._count, np.shape(value), np.result_type(value))
        self._count += 1
        return v

    def new_input(self, value):
        return StagingTracer(self, value, self.new_var(value))

    def const_var(self, value):
        v = self._const_ids.get(id(value))
        if v is None or self.consts[v] is not value:
            v = self.new_var(value)
            self._const_ids[id(value)] = v
            self.consts[v] = value
        return v

    def const(self, value):
        """A tracer of this trace standing for the constant ``value``."""
        return StagingTracer(self, value, self.const_var(value))

    def operand(self, value):
        """A constant operand of an equation: arrays are captured, the rest kept as is."""
        if isinstance(value, (np.ndarray, np.generic)):
            return self.const_var(value)
        return value

    def guard(self, kind, tracer, outcome, args=()):
        if not self.alive:
            raise self.leaked(f"reading a value ({kind})")
        self.body.append(Guard(kind, tracer.var, outcome, user_site(), args))

    def apply(self, prim, vals, aux, scalars, nested, params):
        if nested:
            raise Unstageable(prim.name)
        ans = prim.impl(*vals, **params)
        ins = [a if a is not None else self.operand(v) for v, a in zip(vals, aux)]
        if prim.multiple_results:
            outs = [self.new_var(a) for a in ans]
            tracers = [StagingTracer(self, a, v) for a, v in zip(ans, outs)]
        else:
            outs = [self.new_var(ans)]
            tracers = StagingTracer(self, ans, outs[0])
        self.body.append(Eqn(prim, ins, params, outs))
        self._mark(outs)
        if prim.name in SHAPE_FROM_VALUES and not _basic_index(prim, params):
            site = user_site()
            self.body += [Guard("shape", v, v.shape, site) for v in outs]
        return tracers

    def process_custom_vjp(self, custom, flat, in_tree):
        # one custom_call equation: a transform of the program then applies the user's rule
        if not self.alive:
            raise self.leaked(custom.__name__)
        vals, aux = self.unpack(flat)
        if any(isinstance(v, Tracer) for v in vals):
            raise Unstageable(custom.__name__)
        out_flat, out_tree = tree.flatten(custom.fun(*tree.unflatten(in_tree, vals)))
        ins = [a if a is not None else self.operand(v) for v, a in zip(vals, aux)]
        outs = [self.new_var(o) for o in out_flat]
        params = {"custom": CustomRule(custom), "in_tree": in_tree}
        self.body.append(Eqn(custom_call_p, ins, params, outs))
        self._mark(outs)
        return [StagingTracer(self, o, v) for o, v in zip(out_flat, outs)], out_tree

    process_custom_jvp = process_custom_vjp

    def _mark(self, outs):
        """Remember the outputs staged inside a custom rule's backward (`bwd_epoch`)."""
        epoch = current_epoch()
        if epoch:
            for v in outs:
                self.epochs[v] = epoch


def _basic_index(prim, params):
    """Whether ``prim`` is a getitem of ints, slices, None and Ellipsis only: its result's
    shape follows from the operand's, which the signature fixes, so it needs no guard."""
    idx = params.get("idx") if prim.name == "getitem" else None
    return type(idx) is tuple and all(
        e is None or e is Ellipsis or type(e) in (int, bool, slice) for e in idx)


def stage(fun, flat_args):
    """Run ``fun(*tracers)`` on staging tracers of ``flat_args`` (arrays).

    Returns ``(program, out_values, out_tree, transforms_inside)``: the program (not yet
    simplified), the eager values of the outputs' leaves, their structure, and whether a
    transform ran while tracing (its levels were drawn after ours)."""
    level = new_level()
    trace = StagingTrace(level)
    tracers = [trace.new_input(x) for x in flat_args]
    invars = [t.var for t in tracers]
    try:
        out = fun(*tracers)
    finally:
        trace.alive = False
    transforms_inside = new_level() > level + 1
    out_flat, out_tree = tree.flatten(out)
    outvars, values = [], []
    for o in out_flat:
        if type(o) is StagingTracer and o._trace is trace:
            outvars.append(o.var)
            values.append(o.value)
        elif isinstance(o, Tracer):
            raise Unstageable("an output traced by another transform")
        else:
            outvars.append(trace.const_var(o) if isinstance(o, np.ndarray) else o)
            values.append(o)
    # in-place updates of the arguments (x[0] = 1) rebind their tracers: write them back
    writebacks = [(i, t.var) for i, (t, v) in enumerate(zip(tracers, invars))
                  if t.var is not v and type(flat_args[i]) is np.ndarray]
    for i, _ in writebacks:
        flat_args[i][...] = tracers[i].value
    program = Program(invars, trace.body, outvars, trace.consts)
    program.writebacks = writebacks
    program.epochs = trace.epochs
    return program, values, out_tree, transforms_inside


def outcome_key(kind, outcome):
    """A hashable, exact key of a guard's outcome (NaN equals NaN, -0.0 differs from 0.0)."""
    if kind == "array":
        return (outcome.shape, outcome.dtype.str, outcome.tobytes())
    if kind == "tolist":
        return repr(outcome)
    if type(outcome) is float or type(outcome) is complex:
        return repr(outcome)
    return outcome

