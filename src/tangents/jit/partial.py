"""Reverse mode of a `jit_call` that runs its forward pass once: residuals, as eager's tape.

The VJP of a jitted function is traced once per program and differentiated arguments as
one joint program ``(args, cts) -> (outputs, argument cotangents)`` and partially
evaluated into two: a **forward** program ``args -> outputs + residuals`` and a
**backward** program ``(args, residuals, cts) -> argument cotangents``.  Under ``grad``,
``vjp`` and ``jacrev`` of ``jit(f)``, `jit_call`'s forward under reverse mode runs the
forward program and the tape keeps its residuals; its VJP rule runs the backward program
on them, so ``f``'s forward pass runs once per call, not a second time inside the backward.

The split is by phase, not only by dependence: the equations traced while ``vjp`` ran
``f`` form the forward program, and those traced while the pullback ran form the backward
program, even the ones that read no cotangent (the ``cos(x)`` of ``sin``'s rule).  So the
forward program does what the plain program does and no more, and each residual is a
value computed by the forward pass that eager's tape holds too.  The joint program is
simplified before the split, so a backward equation that repeats a forward one (the same
``tanh(z)``) reads the forward's value as a residual instead of computing it again.

Under an outer transform (``hessian(jit(f))``, ``jvp``, ``vmap`` of the forward) the rules
must stay differentiable in every argument, and `tangents.jit.call` keeps its path: the
VJP is the jitted ``vjp`` of the program, which computes the forward again.
"""
from __future__ import annotations

import functools

import numpy as np

from ..core import Tracer, bind, vjp
from . import api, background
from .call import ProgramHandle, _rules_lock, concrete, eval_program, jit_call_p
from .executor import compile_program, executor_forced, executor_name
from .ir import Eqn, Program, Var
from .simplify import simplify
from .staging import Unstageable

__all__ = ["Residuals", "Split", "split_vjp", "forward_keeping_residuals"]

_NONE = object()  # cached: this program's VJP does not split (it reads values: guards)


class Residuals(list):
    """The outputs of a `jit_call` under reverse mode (a list, as the tape records a
    multiple-result answer) carrying ``values``, the residuals its ``split`` reads."""

    __slots__ = ("split", "values")


class Split:
    """The forward and backward programs of one `ProgramHandle`'s VJP with respect to
    arguments ``idx``: ``forward(*args) -> outputs + residuals``;
    ``backward(*args, *residuals, *cts) -> cotangents of args[idx]``."""

    __slots__ = ("idx", "n_out", "inexact_out", "ct_types", "forward", "backward",
                 "fwd_program", "bwd_program", "bwd_handle", "pending")

    def wait_fused(self):
        """Wait for the fused forward and backward compiling in the background (as `jit`'s
        calls after the first do: calls made meanwhile slowed both)."""
        for job in self.pending or ():
            job.done.wait()
        self.pending = None

    def run_forward(self, args):
        outs = self.forward(*args)
        kept = Residuals(outs[:self.n_out])
        kept.split = self
        kept.values = outs[self.n_out:]
        return kept

    def run_backward(self, args, values, ct):
        """The cotangents of ``args[idx]`` from the residuals ``values`` and the outputs'
        cotangents ``ct`` (one per output), or None where this program cannot give eager's
        numbers: a cotangent of another shape or dtype, or a NaN (eager masks ``0 * inf``,
        `tangents.core.masked`; the caller then takes the jitted ``vjp`` path)."""
        cts = [ct[j] for j in self.inexact_out]
        traced = False
        for k, (c, (shape, dtype)) in enumerate(zip(cts, self.ct_types)):
            if type(c) is not np.ndarray:
                if isinstance(c, Tracer):
                    traced = True
                else:  # a Python number (a seed of 1.0) or a NumPy scalar: an array
                    c = cts[k] = np.asarray(c)
            if c.shape != shape or c.dtype != dtype:
                return None
        if not traced:
            out = self.backward(*args, *values, *cts)
            return None if api._has_nan(out) else out
        # a transform of the pullback (jacrev's vmap over cotangents): one jit_call of the
        # backward program, whose own rules come from it
        out = self.bwd_handle.outputs(
            bind(jit_call_p, *args, *values, *cts, program=self.bwd_handle))
        return None if api._has_nan([concrete(o)[0] for o in out]) else out


def forward_keeping_residuals(handle, parents, primals):
    """`jit_call`'s forward under reverse mode on plain values: a `Residuals` list, or None
    where the program's VJP does not split (the caller runs the plain program)."""
    idx = tuple(i for i, p in enumerate(parents) if p is not None)
    split = handle.rules.get(("split", idx))
    if split is None:
        # traced without the lock (its rules may take it: a jit_call inside); a thread
        # that lost the race drops its own copy
        split = split_vjp(handle, idx, primals) or _NONE
        with _rules_lock:
            split = handle.rules.setdefault(("split", idx), split)
    elif split is not _NONE and split.pending is not None:  # not the call that made it
        split.wait_fused()
    return None if split is _NONE else split.run_forward(primals)


def split_vjp(handle, idx, args):
    """The `Split` of ``handle``'s VJP with respect to ``args[idx]``, traced on ``args``
    (their values only pick the path; a program without guards takes one), or None when
    the joint program reads a value (a guard) or writes into an argument."""
    if not idx or not handle.inexact_out:
        return None
    program = handle.program
    n, mark = len(args), []
    outvars = [program.outvars[k] for k in handle.var_pos]
    ct_types = [(outvars[j].shape, outvars[j].dtype) for j in handle.inexact_out]

    def joint(*flat):
        xs, cts, box = list(flat[:n]), list(flat[n:]), []

        def f(*dyn):
            full = list(xs)
            for i, d in zip(idx, dyn):
                full[i] = d
            outs = eval_program(program, *full)
            box[:] = [outs[k] for k in handle.var_pos]
            return [box[j] for j in handle.inexact_out]

        ys, pull = vjp(f, *[xs[i] for i in idx])
        mark.append(len(flat[0]._trace.body))  # the forward phase ends here
        outs = list(box)
        for j, y in zip(handle.inexact_out, ys):
            outs[j] = y
        return outs, list(pull(cts))

    values = [np.array(a, copy=True) if type(a) is np.ndarray else a for a in args]
    values += [np.ones(shape, dtype) for shape, dtype in ct_types]
    try:
        raw = api.stage(joint, values)[0]
    except Unstageable:  # a rule met an outer transform's value: keep the jitted vjp
        return None
    if raw.guards or raw.writebacks:
        return None
    traced_first = {v for e in raw.body[:mark[0]] if type(e) is Eqn for v in e.outs}
    joint_program = simplify(raw)
    if joint_program.guards or len(joint_program.outvars) != len(outvars) + len(idx):
        return None
    return _split(handle, idx, joint_program, traced_first, raw, ct_types)


def _split(handle, idx, joint, traced_first, raw, ct_types):
    n, n_out = len(joint.invars) - len(ct_types), len(handle.var_pos)
    fwd_body = [e for e in joint.body if e.outs and e.outs[0] in traced_first]
    bwd_body = [e for e in joint.body if not (e.outs and e.outs[0] in traced_first)]
    made = {v for e in fwd_body for v in e.outs}
    residuals = []
    for e in bwd_body:
        residuals += [a for a in e.ins if type(a) is Var and a in made]
    residuals += [v for v in joint.outvars[n_out:] if type(v) is Var and v in made]
    residuals = list(dict.fromkeys(residuals))
    args, cts = joint.invars[:n], joint.invars[n:]
    fwd = _program(args, fwd_body, joint.outvars[:n_out] + residuals, joint.consts)
    bwd = _program(args + residuals + cts, bwd_body, joint.outvars[n_out:], joint.consts)
    if fwd is None or bwd is None:
        return None
    split = Split()
    split.idx, split.n_out, split.ct_types = idx, n_out, ct_types
    split.inexact_out = handle.inexact_out
    split.fwd_program, split.bwd_program = fwd, bwd
    # outputs the traced function returned as they are (an argument) stay uncopied, as in
    # the plain program; residuals are read by the backward program only
    alias_ok = {v for v in raw.outvars[:n_out] if type(v) is Var} | set(residuals)
    # as `jit` does: with the fused executor chosen automatically, the NumPy executor's
    # programs answer this call, and the next one waits for the fused ones, compiled on the
    # background thread
    later = executor_name() == "fused" and \
        background.compile_mode(executor_forced()) == "background"
    now = "numpy" if later else None
    split.forward = compile_program(fwd, alias_ok, now)
    split.backward = compile_program(bwd, (), now)
    split.bwd_handle = ProgramHandle(f"vjp of {handle.name}", bwd, split.backward)
    split.pending = None
    if later:
        fused = functools.partial(compile_program, executor="fused", defer=True)
        split.pending = [
            background.submit(f"{handle.name} forward keeping residuals",
                              functools.partial(fused, fwd, alias_ok),
                              functools.partial(setattr, split, "forward")),
            background.submit(f"{handle.name} backward", functools.partial(fused, bwd, ()),
                              functools.partial(_install_backward, split))]
    return split


def _install_backward(split, run):
    split.backward = run  # one attribute store each: a call runs one program or the other
    split.bwd_handle.run = run


def _program(invars, body, outvars, consts):
    """A `Program` of these parts holding the constants it reads, or None when it reads a
    value it neither takes nor computes (the split would be wrong: keep the joint path)."""
    known = set(invars) | {v for e in body for v in e.outs}
    reads = [a for e in body for a in e.ins if type(a) is Var]
    reads += [v for v in outvars if type(v) is Var]
    if any(v not in known and v not in consts for v in reads):
        return None
    reads = set(reads)
    out = Program(invars, body, outvars, {v: c for v, c in consts.items() if v in reads})
    out.writebacks = []
    out.epochs = {}
    return out
