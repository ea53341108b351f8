"""User-defined derivative rules (custom_vjp, custom_jvp) and stop_gradient.

A custom function is dispatched on the innermost trace among its arguments, like a
primitive: that trace's ``process_custom_vjp`` / ``process_custom_jvp`` does what its
interpretation does (reverse mode records one tape node calling the user's rule, forward
mode calls the user's JVP, vmap calls a vmapped copy of the function and its rules) with
the pieces this module builds (`reverse_node`, `forward_rule`, `batched`)."""
from __future__ import annotations

import collections
import functools
from collections.abc import Callable, Sequence
from typing import Any

from . import ops
from . import tree as tree_util
from .primitive import Primitive, bind
from .prims import batch_unary, move_bdim, sum_p
from .trace import top_trace
from .tree import TreeDef

__all__ = ["custom_vjp", "custom_jvp", "stop_gradient"]

# a tape node's pieces: (out_flat, out_tree, vjp_joint, jvp_joint)
Node = tuple[list[Any], TreeDef, Callable[..., list[Any]], Callable[..., list[Any]]]
# on_leaf(leaf, position, path) -> checked leaf; mismatch(path, got, want) raises
OnLeaf = Callable[[Any, int, str], Any]
Mismatch = Callable[[str, TreeDef, TreeDef], None]


def _zero_tangents(args: Sequence[Any], tangents: Sequence[Any]) -> list[Any]:
    return [ops.zeros_like(a) if t is None else t
            for a, t in zip(args, tangents)]


def _jvp_of(fun: Callable[..., Any], in_tree: TreeDef) -> Callable[..., list[Any]]:
    """A joint JVP rule over flat leaves that differentiates ``fun`` itself in forward mode."""
    def jvp_joint(args: Sequence[Any], tangents: Sequence[Any], ans: Any) -> list[Any]:
        from .transforms import jvp
        idx = [i for i, a in enumerate(args) if ops.dtype_of(a).kind in "fc"]
        ts = _zero_tangents(args, tangents)

        def f(*dyn: Any) -> Any:
            full = list(args)
            for i, d in zip(idx, dyn):
                full[i] = d
            return fun(*tree_util.unflatten(in_tree, full))

        t_out = jvp(f, tuple(args[i] for i in idx), tuple(ts[i] for i in idx))[1]
        return tree_util.flatten(t_out)[0]
    return jvp_joint


def _fun_name(custom: _Custom) -> str:
    return getattr(custom, "__qualname__", custom.__name__)


def _checked(custom: _Custom, kind: str, what: str, value: Any, like: Any) -> Any:
    """``value`` (a cotangent or tangent leaf) checked against ``like`` (the primal it
    belongs to): the same shape, and no imaginary part for a real primal.  A wider real or
    complex dtype is cast to the primal's, as every built-in rule's result is."""
    shape, want = ops.shape_of(value), ops.shape_of(like)
    dt, want_dt = ops.dtype_of(value), ops.dtype_of(like)
    if shape != want:
        raise ValueError(f"{kind} rule of {_fun_name(custom)} returned a {what} of shape {shape} "
                         f"(dtype {dt}) but it must have the primal's shape {want} "
                         f"(dtype {want_dt}); return one of exactly that shape, or None for zero")
    if dt.kind == "c" and want_dt.kind != "c":
        raise TypeError(f"{kind} rule of {_fun_name(custom)} returned a complex {what} ({dt}) "
                        f"for a real primal of shape {want} ({want_dt}); its imaginary part "
                        "would be lost. Return a real value (np.real(...) if that is intended)")
    return value


def _aligned_leaves(c: Any, sub: TreeDef, path: str, on_leaf: OnLeaf, mismatch: Mismatch,
                    out: list[Any] | None = None) -> list[Any]:
    """The leaves of ``c`` aligned with the structure ``sub`` (None anywhere stands for
    zeros of that whole subtree), each passed through ``on_leaf(leaf, position, path)``."""
    out = [] if out is None else out
    if c is None:
        out.extend([None] * sub.num_leaves)
        return out
    if sub.kind == "leaf":
        out.append(on_leaf(c, len(out), path))
        return out
    flat, tree = tree_util.flatten(c)
    if tree.kind != sub.kind or tree.meta != sub.meta or \
            len(tree.children) != len(sub.children):
        mismatch(path, tree, sub)
    keys: Sequence[Any]
    if sub.kind in (tuple, list):
        keys, parts = range(len(c)), list(c)
    elif isinstance(c, dict):
        keys = sorted(c) if sub.kind is not collections.OrderedDict else list(c)
        parts = [c[k] for k in keys]
    else:  # other registered nodes: no None inside, the structure must be the same
        if tree != sub:
            mismatch(path, tree, sub)
        for v in flat:
            out.append(on_leaf(v, len(out), path))
        return out
    for k, part, child in zip(keys, parts, sub.children):
        _aligned_leaves(part, child, f"{path}[{k!r}]", on_leaf, mismatch, out)
    return out


def _bwd_leaves(custom: _Custom, cts: Any, in_tree: TreeDef, args: Sequence[Any]) -> list[Any]:
    """The flat cotangent leaves that ``bwd`` returned, checked against the primal inputs
    ``args`` (flat): one entry per argument, each structured and shaped like it."""
    subs = in_tree.children
    name = _fun_name(custom)
    if not isinstance(cts, (tuple, list)) or len(cts) != len(subs):
        got = f"a {type(cts).__name__} of length {len(cts)}" if isinstance(
            cts, (tuple, list)) else f"a {type(cts).__name__}"
        raise TypeError(f"custom_vjp rule (bwd) of {name} must return a tuple with one "
                        f"cotangent per argument ({len(subs)}), got {got}; write (ct,) for "
                        "one argument and None for a zero cotangent")
    leaves: list[Any] = []
    for i, (c, sub) in enumerate(zip(cts, subs)):
        start = len(leaves)

        def on_leaf(v: Any, k: int, path: str, i: int = i, start: int = start) -> Any:
            return _checked(custom, "custom_vjp", f"cotangent for argument {i}{path}", v,
                            args[start + k])

        def mismatch(path: str, got: TreeDef, want: TreeDef, i: int = i) -> None:
            raise TypeError(f"custom_vjp rule (bwd) of {name} returned a cotangent for "
                            f"argument {i}{path} structured as {got}, but the argument is "
                            f"{want}; return the same structure (None for zero)")
        leaves.extend(_aligned_leaves(c, sub, "", on_leaf, mismatch))
    return leaves



def _jvp_leaves(custom: _Custom, t_out: Any, out_tree: TreeDef,
                out_flat: Sequence[Any]) -> list[Any]:
    """The flat output tangents of a custom_jvp rule, checked against its primal outputs."""
    name = _fun_name(custom)

    def on_leaf(v: Any, k: int, path: str) -> Any:
        return _checked(custom, "custom_jvp", f"tangent for output{path}", v, out_flat[k])

    def mismatch(path: str, got: TreeDef, want: TreeDef) -> None:
        raise TypeError(f"custom_jvp rule of {name} returned a tangent for output{path} "
                        f"structured as {got}, but the output is {want}; return the same "
                        "structure (None for zero)")
    return _aligned_leaves(t_out, out_tree, "", on_leaf, mismatch)


class _Custom:
    """What custom_vjp and custom_jvp share: dispatch on the innermost trace."""

    __name__: str
    __qualname__: str

    def __init__(self, fun: Callable[..., Any]) -> None:
        # the instances are custom_vjp/custom_jvp, whose __call__ makes them the wrappers
        functools.update_wrapper(self, fun)  # type: ignore[arg-type]
        self.__name__ = getattr(fun, "__name__", type(self).__name__)
        self.fun = fun

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def _dispatch(self, args: tuple[Any, ...], kwargs: dict[str, Any], process: str) -> Any:
        if kwargs:
            return _with_kwargs(self, kwargs)(*args)
        flat, in_tree = tree_util.flatten(args)
        top = top_trace(flat)
        if top is None:
            return self.fun(*args)
        out_flat, out_tree = getattr(top, process)(self, flat, in_tree)
        return tree_util.unflatten(out_tree, out_flat)


class custom_vjp(_Custom):
    """``@custom_vjp`` then ``f.defvjp(fwd, bwd)``: give ``f`` its own reverse-mode rule.

    ``fwd(*args) -> (out, residuals)``; ``bwd(residuals, ct) -> tuple`` with one cotangent
    per argument (None for zero).  Forward mode differentiates ``f`` itself.

    >>> import numpy as np, tangents as tg
    >>> @custom_vjp
    ... def clip_grad(x): return x
    >>> _ = clip_grad.defvjp(lambda x: (x, None), lambda res, ct: (np.clip(ct, -1, 1),))
    >>> tg.grad(lambda x: 5.0 * clip_grad(x))(np.array(2.0))
    np.float64(1.0)
    """

    def __init__(self, fun: Callable[..., Any]) -> None:
        super().__init__(fun)
        self.fwd: Callable[..., tuple[Any, Any]] | None = None
        self.bwd: Callable[[Any, Any], tuple[Any, ...]] | None = None

    def defvjp(self, fwd: Callable[..., tuple[Any, Any]],
               bwd: Callable[[Any, Any], tuple[Any, ...]]) -> custom_vjp:
        self.fwd, self.bwd = fwd, bwd
        return self

    def rules(self) -> tuple[Callable[..., tuple[Any, Any]], Callable[[Any, Any], tuple[Any, ...]]]:
        """``(fwd, bwd)``, or a TypeError if `defvjp` was not called."""
        if self.fwd is None or self.bwd is None:
            raise TypeError(f"custom_vjp function {self.__name__} has no rule; call "
                            "f.defvjp(fwd, bwd) first")
        return self.fwd, self.bwd

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.rules()
        return self._dispatch(args, kwargs, "process_custom_vjp")

    def reverse_node(self, primals: Sequence[Any], in_tree: TreeDef) -> Node:
        """``(out_flat, out_tree, vjp_joint, jvp_joint)`` of one tape node: ``fwd`` run on
        the flat ``primals``, the user's ``bwd`` as its VJP, forward mode through ``f``."""
        fwd, bwd = self.rules()
        out, res = fwd(*tree_util.unflatten(in_tree, primals))
        out_flat, out_tree = tree_util.flatten(out)

        def rule(ct: Sequence[Any], ans: Any, args: Sequence[Any], needed: Any) -> list[Any]:
            cts = bwd(res, tree_util.unflatten(out_tree, ct))
            return _bwd_leaves(self, cts, in_tree, args)

        return out_flat, out_tree, rule, _jvp_of(self.fun, in_tree)

    def batched(self, in_axes: Any) -> custom_vjp:
        """A custom_vjp of ``f`` vmapped over ``in_axes``, its rules vmapped alike."""
        from .transforms import vmap

        fwd, bwd = self.rules()

        def bwd_b(res: Any, ct: Any) -> tuple[Any, ...]:
            cts = vmap(lambda r, c: tuple(bwd(r, c)))(res, ct)
            out = []
            for c, ax in zip(cts, in_axes):
                out.append(None if c is None else tree_util.map(
                    lambda ci, ai: None if ci is None else (
                        bind_sum0(ci) if ai is None else move_bdim(ci, 0, ai)),
                    c, ax))
            return tuple(out)

        new = custom_vjp(vmap(self.fun, in_axes=in_axes))
        new.defvjp(vmap(fwd, in_axes=in_axes), bwd_b)
        return new


def bind_sum0(x: Any) -> Any:
    return bind(sum_p, x, axis=(0,), keepdims=False)


def _with_kwargs(custom: _Custom, kwargs: dict[str, Any]) -> _Custom:
    """A copy of a custom function with keyword arguments fixed."""
    fun = functools.partial(custom.fun, **kwargs)
    if isinstance(custom, custom_vjp):
        fwd, bwd = custom.rules()
        return type(custom)(fun).defvjp(functools.partial(fwd, **kwargs), bwd)
    assert isinstance(custom, custom_jvp)  # the only other kind
    rule = custom.rule()
    return type(custom)(fun).defjvp(lambda p, t: rule(p, t, **kwargs))


class custom_jvp(_Custom):
    """``@custom_jvp`` then ``f.defjvp(rule)``: give ``f`` its own forward-mode rule.

    ``rule(primals, tangents) -> (out, tangent_out)``, linear in ``tangents``; reverse mode
    uses its transpose (computed by reverse mode through the rule).

    >>> import numpy as np, tangents as tg
    >>> @custom_jvp
    ... def f(x): return np.sin(x)
    >>> _ = f.defjvp(lambda p, t: (np.sin(p[0]), np.cos(p[0]) * t[0]))
    >>> tg.jvp(f, (np.array(0.0),), (np.array(2.0),))[1]
    np.float64(2.0)
    """

    def __init__(self, fun: Callable[..., Any]) -> None:
        super().__init__(fun)
        self.jvp_rule: Callable[[Any, Any], tuple[Any, Any]] | None = None

    def defjvp(self, rule: Callable[[Any, Any], tuple[Any, Any]]) -> custom_jvp:
        self.jvp_rule = rule
        return self

    def rule(self) -> Callable[..., tuple[Any, Any]]:
        """The forward rule, or a TypeError if `defjvp` was not called."""
        if self.jvp_rule is None:
            raise TypeError(f"custom_jvp function {self.__name__} has no rule; call "
                            "f.defjvp(rule) first")
        return self.jvp_rule

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.rule()
        return self._dispatch(args, kwargs, "process_custom_jvp")

    def forward_rule(self, primals: Sequence[Any], tangents: Sequence[Any], in_tree: TreeDef
                     ) -> tuple[list[Any], TreeDef, list[Any]]:
        """``(out_flat, out_tree, tangents_out_flat)``: the user's rule on flat leaves,
        its tangents checked against the outputs."""
        out, t_out = self.rule()(tree_util.unflatten(in_tree, primals),
                                   tree_util.unflatten(in_tree, tangents))
        out_flat, out_tree = tree_util.flatten(out)
        return out_flat, out_tree, _jvp_leaves(self, t_out, out_tree, out_flat)

    def reverse_node(self, primals: Sequence[Any], in_tree: TreeDef) -> Node:
        """``(out_flat, out_tree, vjp_joint, jvp_joint)`` of one tape node whose VJP is the
        transpose of the user's (linear) rule, by reverse mode through it."""
        rule = self.rule()
        out = self(*tree_util.unflatten(in_tree, primals))
        out_flat, out_tree = tree_util.flatten(out)

        def transpose_rule(ct: Sequence[Any], ans: Any, args: Sequence[Any],
                           needed: Any) -> list[Any]:
            # the rule is linear in the tangents: reverse mode through it, with respect to
            # the floating-point tangents only (integer arguments keep zero tangents)
            from .transforms import vjp
            zeros = [ops.zeros_like(p) for p in primals]
            idx = [i for i, p in enumerate(primals) if ops.dtype_of(p).kind in "fc"]
            p_tree = tree_util.unflatten(in_tree, primals)

            def tangent_out(*dyn: Any) -> Any:
                ts = list(zeros)
                for i, d in zip(idx, dyn):
                    ts[i] = d
                return rule(p_tree, tree_util.unflatten(in_tree, ts))[1]

            _, pull = vjp(tangent_out, *[zeros[i] for i in idx])
            cts = dict(zip(idx, pull(tree_util.unflatten(out_tree, list(ct)))))
            return [cts.get(i) for i in range(len(primals))]

        def jvp_rule(args: Sequence[Any], tangents: Sequence[Any], ans: Any) -> list[Any]:
            t_out = rule(tree_util.unflatten(in_tree, args),
                         tree_util.unflatten(in_tree, _zero_tangents(args, tangents)))[1]
            return tree_util.flatten(t_out)[0]

        return out_flat, out_tree, transpose_rule, jvp_rule

    def batched(self, in_axes: Any) -> custom_jvp:
        """A custom_jvp of ``f`` vmapped over ``in_axes``, its rule vmapped alike."""
        from .transforms import vmap

        rule = self.rule()
        new = custom_jvp(vmap(self.fun, in_axes=in_axes))
        new.defjvp(lambda p, t: vmap(lambda pp, tt: rule(pp, tt), in_axes=(in_axes, in_axes))(p, t))
        return new


stop_gradient_p = Primitive("stop_gradient", lambda x: x, differentiable=False)
stop_gradient_p.def_batch(batch_unary(stop_gradient_p))


def stop_gradient(x: Any) -> Any:
    """``stop_gradient(x)``: ``x`` (any pytree), treated as a constant by every transform.

    >>> import numpy as np, tangents as tg
    >>> tg.grad(lambda x: x * stop_gradient(x))(np.array(3.0))
    np.float64(3.0)
    """
    return tree_util.map(lambda v: bind(stop_gradient_p, v), x)
