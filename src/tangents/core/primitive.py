"""Primitives, the registry that holds them, and `bind`, the one entry point of every operation.

A primitive is a name, a forward implementation on plain arrays, and one rule per
interpretation, declared side by side:

* ``vjps``   per-argument reverse rules ``vjp_i(ct, ans, *args, **params) -> ct_i``
  (or ``vjp_joint(ct, ans, args, needed, **params) -> list``);
* ``jvps``   per-argument forward rules ``jvp_i(t_i, ans, *args, **params) -> t_out``
  (or ``jvp_joint(args, tangents, ans, **params) -> t_out``);
* ``batch``  ``batch(args, bdims, **params) -> (out, out_bdim)``;
* ``sparsity`` (optional) ``sparsity(op) -> pattern``: which inputs each answer element
  depends on, from its arguments' (`tangents.sparse.pattern.Op`); None: the dense default;
* ``vjp_forward`` (optional) ``vjp_forward(needed, *args, **params) -> (ans, residual)``:
  the forward pass under reverse mode, keeping an intermediate its VJP rules reuse instead
  of recomputing it (as im2col's columns for a convolution's filter cotangent).  ``needed``
  says which arguments are differentiated.  The VJP rules of such a primitive receive
  ``(ans, residual)`` as their ``ans``; ``residual`` is None where it was not kept (nested
  transforms, whose rules must then stay differentiable in every argument).

Rules are written with differentiable operations, so derivatives of derivatives need
nothing special.  Broadcasting of cotangents back to an argument's shape and casting to
its dtype happen once, in the interpreters, never inside rules.
"""
from __future__ import annotations

import itertools

from .tracer import Tracer, function_handlers

__all__ = ["Primitive", "bind", "registry", "new_level"]

registry: dict[str, Primitive] = {}

_levels = itertools.count(1)


def new_level() -> int:
    """A fresh trace level; later (more deeply nested) transforms get higher levels."""
    return next(_levels)


class Primitive:
    """One operation and its rules.  Calling it binds it to its arguments."""

    __slots__ = ("name", "impl", "vjps", "vjp_joint", "jvps", "jvp_joint", "batch", "sparsity",
                 "vjp_forward", "differentiable", "multiple_results", "scalar_safe_rules",
                 "__weakref__")

    def __init__(self, name, impl, *, differentiable=True, multiple_results=False):
        if name in registry:
            raise ValueError(f"primitive {name!r} is already registered")
        self.name = name
        self.impl = impl
        self.vjps = None
        self.vjp_joint = None
        self.jvps = None
        self.jvp_joint = None
        self.batch = None
        self.sparsity = None
        self.vjp_forward = None
        # rules that only combine Python-scalar arguments with arrays (ct * y, never 1 / y)
        # may receive them as they are, without conversion to NumPy scalars (ops.rule_args)
        self.scalar_safe_rules = False
        self.differentiable = differentiable
        self.multiple_results = multiple_results
        registry[name] = self

    def __call__(self, *args, **params):
        return bind(self, *args, **params)

    def __repr__(self):
        return f"<primitive {self.name}>"

    # -- rule declaration -------------------------------------------------------------
    def def_vjp(self, *vjps, joint=None):
        """Declare reverse rules: one per argument (None: no derivative), or a joint one."""
        if joint is not None:
            self.vjp_joint = joint
        else:
            self.vjps = vjps
        return self

    def def_jvp(self, *jvps, joint=None):
        """Declare forward rules: one per argument (None: no derivative), or a joint one."""
        if joint is not None:
            self.jvp_joint = joint
        else:
            self.jvps = jvps
        return self

    def def_vjp_forward(self, forward):
        """Declare the reverse-mode forward pass that keeps a residual for the VJP rules."""
        if self.multiple_results:
            raise ValueError(f"{self.name}: vjp_forward is for single-result primitives")
        self.vjp_forward = forward
        return self

    def def_batch(self, rule):
        self.batch = rule
        return self


def bind(prim, *args, **params):
    """Apply ``prim``: on plain values run its implementation, otherwise hand it to the
    trace of the highest-level tracer among ``args`` (the innermost transform)."""
    top = None
    level = 0
    sequences = False
    for a in args:
        if isinstance(a, Tracer):
            t = a._trace
            if t.level > level:
                top, level = t, t.level
        elif type(a) is list or type(a) is tuple:
            sequences = True
    if sequences:  # [t1, 2.0] as an array: the NumPy layer stacks traced items
        as_array = function_handlers["sequence"]
        return bind(prim, *[as_array(a) if type(a) is list or type(a) is tuple else a
                            for a in args], **params)
    if top is None:
        return prim.impl(*args, **params)
    return top.process(prim, args, params)
