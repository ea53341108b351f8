"""Compiled programs shared between traces that come out the same.

A `Jitted` made anew for the same function (the ODE solvers stage their derivative systems
with a fresh `jit` on every solve, since a closure may have changed), or another function
that traces to the same program, finds the simplified program and its compiled run here and
skips simplification, code generation and the fused compile: only the trace is paid again.
Two programs match when their inputs, equations, parameters, constants (by value), guards
and outputs are equal; numbers are compared by type and bits (``0.0`` is not ``-0.0``).  Kept
out: a program with a parameter that is neither a value nor hashable, constants over
`_MAX_CONST_BYTES`, or an intermediate of `buffers.MIN_BYTES` or more (the NumPy executor
keeps such buffers between calls, which the store would pin after its jit is gone; a
compile is small next to such a program's calls anyway).  The key holds the parameters it
names, so an id in it stays that object's.
"""
from __future__ import annotations

import collections
import math
import threading
from typing import Any

import numpy as np

from .buffers import MIN_BYTES
from .ir import Guard, Program, Var

__all__ = ["fingerprint", "lookup", "store"]

_MAX_PROGRAMS = 256
_MAX_CONST_BYTES = 1 << 16

_programs: collections.OrderedDict[Any, Any] = collections.OrderedDict()
_lock = threading.Lock()


def fingerprint(program: Program, mode: Any) -> Any:
    """A hashable key equal for programs that compile to the same run under ``mode`` (the
    executor), or None when ``program`` is not to be shared."""
    if program.writebacks or sum(
            np.asarray(c).nbytes for c in program.consts.values()) > _MAX_CONST_BYTES:
        return None
    if any(_nbytes(v) >= MIN_BYTES for e in program.eqns for v in e.outs):
        return None  # its run may keep buffers between calls: not pinned past its jit
    epochs: dict[Any, int] = {}  # a custom rule's backward, numbered in order of appearance
    try:
        parts: list[Any] = [mode, tuple(_var(v) for v in program.invars)]
        parts += [(_var(v), _value(c)) for v, c in program.consts.items()]
        for e in program.body:
            if isinstance(e, Guard):
                parts.append(("guard", e.kind, e.var.id, _value(e.outcome), _value(e.args)))
                continue
            epoch = getattr(program, "epochs", {}).get(e.outs[0]) if e.outs else None
            parts.append((e.prim, tuple(_operand(a) for a in e.ins), _value(e.params),
                          tuple(_var(v) for v in e.outs),
                          None if epoch is None else epochs.setdefault(epoch, len(epochs))))
        parts.append(tuple(_operand(a) for a in program.outvars))
        key = tuple(parts)
        hash(key)
    except TypeError:  # an unhashable parameter
        return None
    return key


def lookup(key: Any) -> Any:
    """The variant stored under ``key`` (None when there is none, or no key)."""
    if key is None:
        return None
    with _lock:
        found = _programs.get(key)
        if found is not None:
            _programs.move_to_end(key)
        return found


def store(key: Any, variant: Any) -> None:
    if key is None:
        return
    with _lock:
        _programs[key] = variant
        while len(_programs) > _MAX_PROGRAMS:
            _programs.popitem(last=False)


def _nbytes(v: Var) -> int:
    return math.prod(v.shape) * v.dtype.itemsize


def _var(v: Var) -> tuple[Any, ...]:
    return (v.id, v.shape, v.dtype.str)


def _operand(a: Any) -> Any:
    return ("v", a.id) if type(a) is Var else _value(a)


def _value(p: Any) -> Any:
    """``p`` as a hashable value that tells apart what compiles differently."""
    t = type(p)
    if t is np.ndarray or isinstance(p, np.generic):
        a = np.asarray(p)
        if a.dtype.hasobject:
            raise TypeError("object array")
        return (t, a.shape, a.dtype.str, a.tobytes())
    if t is float or t is complex:
        return (t, repr(p))  # -0.0 apart from 0.0, nan equal to nan
    if t is tuple or t is list:
        return (t,) + tuple(_value(x) for x in p)
    if t is dict:
        return (t,) + tuple((k, _value(v)) for k, v in p.items())
    if t is slice:
        return (t, _value(p.start), _value(p.stop), _value(p.step))
    hash(p)
    return (t, p)
