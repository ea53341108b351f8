"""Primitives, the registry that holds them, and `bind`, the one entry point of every operation.

A primitive is a name, a forward implementation on plain arrays, and one rule per
interpretation, declared side by side:

* ``vjps``   per-argument reverse rules ``vjp_i(ct, ans, *args, **params) -> ct_i``
  (or ``vjp_joint(ct, ans, args, needed, **params) -> list``);
* ``jvps``   per-argument forward rules ``jvp_i(t_i, ans, *args, **params) -> t_out``
  (or ``jvp_joint(args, tangents, ans, **params) -> t_out``);
* ``batch``  ``batch(args, bdims, **params) -> (out, out_bdim)``;
* ``sparsity`` (optional) ``sparsity(op) -> pattern``: which inputs each answer element
  depends on, from its arguments' (builders in `core.sparsity`); None: the dense default;

Two hooks let one primitive differ from the rest without the interpreters knowing which:

* ``forward_for_vjp(parents, primals, params) -> (ans, kept)``: the forward pass under
  reverse mode; ``kept`` is what the tape stores and the VJP rules receive as ``ans``.
  ``parents[i] is None`` where argument ``i`` is not differentiated; ``parents`` is None
  when an outer transform traces the values (the answer then comes from `bind`).  By
  default ``kept`` is the answer; `Primitive.def_vjp_forward` declares a forward pass that
  also keeps a residual (as im2col's columns for a convolution's filter cotangent), and
  ``answer_of(kept)`` gives the answer back (for `linearize`'s forward rules).
* ``rule_args(primals, ans) -> primals``: the arguments the rules see when some are Python
  numbers (`rule_args`: NumPy scalars, so ``1 / y`` at 0 is inf); a primitive whose rules
  only pass a scalar on (``ct * y``) keeps them as they are (``scalar_safe_rules = True``).

Rules are written with differentiable operations, so derivatives of derivatives need
nothing special.  Broadcasting of cotangents back to an argument's shape and casting to
its dtype happen once, in the interpreters, never inside rules.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .tracer import Tracer, function_handlers

__all__ = ["Primitive", "bind", "registry", "new_level", "rule_args"]

registry: dict[str, Primitive] = {}

Rule = Callable[..., Any]
# forward_for_vjp(parents, primals, params) -> (ans, kept): parents None when no argument
# is differentiated here; kept is what the tape keeps for the VJP rules
ForwardForVJP = Callable[[Sequence[Any] | None, Sequence[Any], dict[str, Any]], tuple[Any, Any]]

_levels = itertools.count(1)


def new_level() -> int:
    """A fresh trace level; later (more deeply nested) transforms get higher levels."""
    return next(_levels)


class Primitive:
    """One operation and its rules.  Calling it binds it to its arguments."""

    __slots__ = ("name", "impl", "vjps", "vjp_joint", "jvps", "jvp_joint", "batch", "sparsity",
                 "forward_for_vjp", "answer_of", "rule_args", "differentiable",
                 "multiple_results", "keeps_residual", "__weakref__")
    name: str
    impl: Rule
    vjps: tuple[Rule | None, ...] | None
    vjp_joint: Rule | None
    jvps: tuple[Rule | None, ...] | None
    jvp_joint: Rule | None
    batch: Rule | None
    sparsity: Rule | None
    forward_for_vjp: ForwardForVJP
    answer_of: Callable[[Any], Any]
    rule_args: Callable[[Sequence[Any], Any], list[Any] | Sequence[Any]]
    differentiable: bool
    multiple_results: bool
    keeps_residual: bool  # forward_for_vjp is not the default (def_vjp_forward was called)

    def __init__(self, name: str, impl: Rule, *, differentiable: bool = True,
                 multiple_results: bool = False) -> None:
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
        self.forward_for_vjp = self._forward_for_vjp
        self.answer_of = _identity
        self.rule_args = rule_args
        self.differentiable = differentiable
        self.multiple_results = multiple_results
        self.keeps_residual = False
        registry[name] = self

    def __call__(self, *args: Any, **params: Any) -> Any:
        return bind(self, *args, **params)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    # -- rule declaration -------------------------------------------------------------
    def def_vjp(self, *vjps: Rule | None, joint: Rule | None = None) -> Primitive:
        """Declare reverse rules: one per argument (None: no derivative), or a joint one."""
        if joint is not None:
            self.vjp_joint = joint
        else:
            self.vjps = vjps
        return self

    def def_jvp(self, *jvps: Rule | None, joint: Rule | None = None) -> Primitive:
        """Declare forward rules: one per argument (None: no derivative), or a joint one."""
        if joint is not None:
            self.jvp_joint = joint
        else:
            self.jvps = jvps
        return self

    def _forward_for_vjp(self, parents: Sequence[Any] | None, primals: Sequence[Any],
                         params: dict[str, Any]) -> tuple[Any, Any]:
        ans = self.impl(*primals, **params) if parents is not None else \
            bind(self, *primals, **params)
        return ans, ans

    def def_vjp_forward(self, forward: Callable[..., tuple[Any, Any]]) -> Primitive:
        """Declare ``forward(needed, *args, **params) -> (ans, residual)``, the forward pass
        under reverse mode that keeps an intermediate its VJP rules reuse (``needed[i]``:
        argument ``i`` is differentiated).  The VJP rules then receive ``(ans, residual)``
        as ``ans``, with ``residual`` None where nothing was kept (under an outer transform,
        where the rules must stay differentiable in every argument)."""
        if self.multiple_results:
            raise ValueError(f"{self.name}: vjp_forward is for single-result primitives")

        def forward_for_vjp(parents: Sequence[Any] | None, primals: Sequence[Any],
                            params: dict[str, Any]) -> tuple[Any, Any]:
            if parents is None:
                ans = bind(self, *primals, **params)
                return ans, (ans, None)
            kept = forward([p is not None for p in parents], *primals, **params)
            return kept[0], kept

        self.forward_for_vjp = forward_for_vjp
        self.answer_of = _first
        self.keeps_residual = True
        return self

    @property
    def scalar_safe_rules(self) -> bool:
        """Whether the rules take Python-number arguments as they are (see `rule_args`)."""
        return self.rule_args is as_given

    @scalar_safe_rules.setter
    def scalar_safe_rules(self, safe: bool) -> None:
        self.rule_args = as_given if safe else rule_args

    def def_batch(self, rule: Rule) -> Primitive:
        self.batch = rule
        return self

    def def_sparsity(self, rule: Rule) -> Primitive:
        """Declare ``rule(op) -> pattern``, which inputs each answer element depends on
        (`core.sparsity` builds the common shapes); without one, every answer element depends
        on every input its arguments do, which is always correct."""
        self.sparsity = rule
        return self


def _identity(kept: Any) -> Any:
    return kept


def _first(kept: Any) -> Any:
    return kept[0]


def as_given(primals: Sequence[Any], like: Any) -> Sequence[Any]:
    """The `rule_args` of a primitive whose rules take Python numbers as they are."""
    return primals


def rule_args(primals: Sequence[Any], like: Any) -> list[Any]:
    """Python scalars among ``primals`` as NumPy scalars, so that rules compute with NumPy's
    semantics (``1 / y`` at ``y = 0.0`` is inf, never a ZeroDivisionError).  They take the
    dtype of the result ``like`` when it is inexact, as NumPy's weak promotion did in the
    forward pass (``x * 1.001`` on float32 stays float32 in its rules too)."""
    first = like[0] if isinstance(like, (list, tuple)) else like
    dt = getattr(first, "dtype", None)
    dt = np.result_type(first) if dt is None else dt
    kind = dt.kind
    out = list(primals)
    for i, a in enumerate(out):
        t = type(a)
        if t is float or t is int or t is bool:
            out[i] = dt.type(a) if kind == "f" or kind == "c" else np.asarray(a)[()]
        elif t is complex:
            out[i] = dt.type(a) if kind == "c" else np.asarray(a)[()]
    return out


def bind(prim: Primitive, *args: Any, **params: Any) -> Any:
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
