"""User-defined derivative rules (custom_vjp, custom_jvp) and stop_gradient.

A custom function is dispatched on the innermost trace among its arguments, like a
primitive: reverse mode records one tape node that calls the user's rule, forward mode calls
the user's JVP, and vmap calls a vmapped copy of the function and its rules."""
from __future__ import annotations

import collections
import functools

from .. import tree as tree_util
from . import ops
from .batching import BatchTrace, BatchTracer, batch_unary, move_bdim
from .forward import JVPTrace, JVPTracer, tangent_of
from .primitive import Primitive, bind
from .reverse import VJPTracer
from .tracer import Tracer

__all__ = ["custom_vjp", "custom_jvp", "stop_gradient"]


def _top_trace(leaves):
    top = None
    for x in leaves:
        if isinstance(x, Tracer) and (top is None or x._trace.level > top.level):
            top = x._trace
    return top


class _CustomNode:
    """Stands in for a primitive on the tape: one node whose VJP is the user's rule and
    whose JVP (used by linearize) is ``jvp_joint(args, tangents, ans) -> list``."""

    multiple_results = True
    vjps = None
    jvps = None
    vjp_forward = None
    differentiable = True

    def __init__(self, name, vjp_joint, jvp_joint):
        self.name = name
        self.vjp_joint = vjp_joint
        self.jvp_joint = jvp_joint


def _zero_tangents(args, tangents):
    return [ops.zeros(ops.shape_of(a), ops.dtype_of(a)) if t is None else t
            for a, t in zip(args, tangents)]


def _jvp_of(fun, in_tree):
    """A joint JVP rule over flat leaves that differentiates ``fun`` itself in forward mode."""
    def jvp_joint(args, tangents, ans):
        from .transforms import jvp
        idx = [i for i, a in enumerate(args) if ops.dtype_of(a).kind in "fc"]
        ts = _zero_tangents(args, tangents)

        def f(*dyn):
            full = list(args)
            for i, d in zip(idx, dyn):
                full[i] = d
            return fun(*tree_util.unflatten(in_tree, full))

        t_out = jvp(f, tuple(args[i] for i in idx), tuple(ts[i] for i in idx))[1]
        return tree_util.flatten(t_out)[0]
    return jvp_joint


def _record(trace, name, flat, out_flat, rule, jvp_rule):
    """Append a custom node to ``trace``'s tape and wrap the outputs as its tracers."""
    primals, parents = [], []
    for x in flat:
        if isinstance(x, VJPTracer) and x._trace is trace:
            primals.append(x.primal)
            parents.append(x.key)
        else:
            primals.append(x)
            parents.append(-1)
    index = trace.record((_CustomNode(name, rule, jvp_rule), primals, {}, out_flat, parents))
    return [VJPTracer(trace, o, index, k) if ops.dtype_of(o).kind in "fc" else o
            for k, o in enumerate(out_flat)]


def _unwrap(flat, trace):
    out = []
    for x in flat:
        if isinstance(x, VJPTracer) and x._trace is trace:
            out.append(x.primal)
        elif isinstance(x, JVPTracer) and x._trace is trace:
            out.append(x.primal)
        else:
            out.append(x)
    return out


def _fun_name(custom):
    return getattr(custom, "__qualname__", custom.__name__)


def _checked(custom, kind, what, value, like):
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


def _aligned_leaves(c, sub, path, on_leaf, mismatch, out=None):
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


def _bwd_leaves(custom, cts, in_tree, args):
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
    leaves = []
    for i, (c, sub) in enumerate(zip(cts, subs)):
        start = len(leaves)

        def on_leaf(v, k, path, i=i, start=start):
            return _checked(custom, "custom_vjp", f"cotangent for argument {i}{path}", v,
                            args[start + k])

        def mismatch(path, got, want, i=i):
            raise TypeError(f"custom_vjp rule (bwd) of {name} returned a cotangent for "
                            f"argument {i}{path} structured as {got}, but the argument is "
                            f"{want}; return the same structure (None for zero)")
        leaves.extend(_aligned_leaves(c, sub, "", on_leaf, mismatch))
    return leaves



def _jvp_leaves(custom, t_out, out_tree, out_flat):
    """The flat output tangents of a custom_jvp rule, checked against its primal outputs."""
    name = _fun_name(custom)

    def on_leaf(v, k, path):
        return _checked(custom, "custom_jvp", f"tangent for output{path}", v, out_flat[k])

    def mismatch(path, got, want):
        raise TypeError(f"custom_jvp rule of {name} returned a tangent for output{path} "
                        f"structured as {got}, but the output is {want}; return the same "
                        "structure (None for zero)")
    return _aligned_leaves(t_out, out_tree, "", on_leaf, mismatch)


def _batched_axes(flat, trace):
    vals, axes = [], []
    for x in flat:
        if isinstance(x, BatchTracer) and x._trace is trace:
            vals.append(x.val)
            axes.append(x.bdim)
        else:
            vals.append(x)
            axes.append(None)
    return vals, axes


class custom_vjp:
    """``@custom_vjp`` then ``f.defvjp(fwd, bwd)``: give ``f`` its own reverse-mode rule.

    ``fwd(*args) -> (out, residuals)``; ``bwd(residuals, ct) -> tuple`` with one cotangent
    per argument (None for zero).  Forward mode differentiates ``f`` itself.

    >>> @custom_vjp
    ... def clip_grad(x): return x
    >>> clip_grad.defvjp(lambda x: (x, None), lambda res, ct: (np.clip(ct, -1, 1),))
    """

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.__name__ = getattr(fun, "__name__", type(self).__name__)
        self.fun = fun
        self.fwd = None
        self.bwd = None

    def defvjp(self, fwd, bwd):
        self.fwd, self.bwd = fwd, bwd
        return self

    def __call__(self, *args, **kwargs):
        if self.fwd is None:
            raise TypeError(f"custom_vjp function {self.__name__} has no rule; call "
                            "f.defvjp(fwd, bwd) first")
        if kwargs:
            return _with_kwargs(self, kwargs)(*args)
        flat, in_tree = tree_util.flatten(args)
        top = _top_trace(flat)
        if top is None or isinstance(top, JVPTrace):
            return self.fun(*args)
        if isinstance(top, BatchTrace):
            return self._batched(top, flat, in_tree)
        primals = _unwrap(flat, top)
        out, res = self.fwd(*tree_util.unflatten(in_tree, primals))
        out_flat, out_tree = tree_util.flatten(out)
        bwd = self.bwd

        def rule(ct, ans, args, needed):
            cts = bwd(res, tree_util.unflatten(out_tree, ct))
            return _bwd_leaves(self, cts, in_tree, args)

        return tree_util.unflatten(out_tree, _record(top, self.__name__, flat, out_flat, rule,
                                                     _jvp_of(self.fun, in_tree)))

    def _batched(self, trace, flat, in_tree):
        from .transforms import vmap

        vals, axes = _batched_axes(flat, trace)
        in_axes = tree_util.unflatten(in_tree, axes)
        fwd, bwd = self.fwd, self.bwd

        def bwd_b(res, ct):
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
        out = new(*tree_util.unflatten(in_tree, vals))
        return tree_util.map(lambda o: BatchTracer(trace, o, 0), out)


def bind_sum0(x):
    from .primitive import registry
    return bind(registry["sum"], x, axis=(0,), keepdims=False)


def _with_kwargs(custom, kwargs):
    """A copy of a custom function with keyword arguments fixed."""
    new = type(custom)(functools.partial(custom.fun, **kwargs))
    if isinstance(custom, custom_vjp):
        new.defvjp(functools.partial(custom.fwd, **kwargs), custom.bwd)
    else:
        rule = custom.jvp_rule
        new.defjvp(lambda p, t: rule(p, t, **kwargs))
    return new


class custom_jvp:
    """``@custom_jvp`` then ``f.defjvp(rule)``: give ``f`` its own forward-mode rule.

    ``rule(primals, tangents) -> (out, tangent_out)``, linear in ``tangents``; reverse mode
    uses its transpose (computed by reverse mode through the rule).

    >>> @custom_jvp
    ... def f(x): return np.sin(x)
    >>> f.defjvp(lambda p, t: (np.sin(p[0]), np.cos(p[0]) * t[0]))
    """

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.__name__ = getattr(fun, "__name__", type(self).__name__)
        self.fun = fun
        self.jvp_rule = None

    def defjvp(self, rule):
        self.jvp_rule = rule
        return self

    def __call__(self, *args, **kwargs):
        if self.jvp_rule is None:
            raise TypeError(f"custom_jvp function {self.__name__} has no rule; call "
                            "f.defjvp(rule) first")
        if kwargs:
            return _with_kwargs(self, kwargs)(*args)
        flat, in_tree = tree_util.flatten(args)
        top = _top_trace(flat)
        if top is None:
            return self.fun(*args)
        if isinstance(top, BatchTrace):
            return self._batched(top, flat, in_tree)
        primals = _unwrap(flat, top)
        rule = self.jvp_rule
        if isinstance(top, JVPTrace):
            tangents = [tangent_of(x) if isinstance(x, JVPTracer) and x._trace is top else None
                        for x in flat]
            tangents = [ops.zeros(ops.shape_of(p), ops.dtype_of(p)) if t is None else t
                        for t, p in zip(tangents, primals)]
            out, t_out = rule(tree_util.unflatten(in_tree, primals),
                              tree_util.unflatten(in_tree, tangents))
            out_flat, out_tree = tree_util.flatten(out)
            t_flat = _jvp_leaves(self, t_out, out_tree, out_flat)
            return tree_util.unflatten(out_tree, [
                JVPTracer(top, o, None if t is None else ops.cast(t, ops.dtype_of(o)))
                if ops.dtype_of(o).kind in "fc" else o for o, t in zip(out_flat, t_flat)])
        out = self(*tree_util.unflatten(in_tree, primals))
        out_flat, out_tree = tree_util.flatten(out)

        def transpose_rule(ct, ans, args, needed):
            # the rule is linear in the tangents: reverse mode through it, with respect to
            # the floating-point tangents only (integer arguments keep zero tangents)
            from .transforms import vjp
            zeros = [ops.zeros(ops.shape_of(p), ops.dtype_of(p)) for p in primals]
            idx = [i for i, p in enumerate(primals) if ops.dtype_of(p).kind in "fc"]
            p_tree = tree_util.unflatten(in_tree, primals)

            def tangent_out(*dyn):
                ts = list(zeros)
                for i, d in zip(idx, dyn):
                    ts[i] = d
                return rule(p_tree, tree_util.unflatten(in_tree, ts))[1]

            _, pull = vjp(tangent_out, *[zeros[i] for i in idx])
            cts = dict(zip(idx, pull(tree_util.unflatten(out_tree, list(ct)))))
            return [cts.get(i) for i in range(len(primals))]

        def jvp_rule(args, tangents, ans):
            t_out = rule(tree_util.unflatten(in_tree, args),
                         tree_util.unflatten(in_tree, _zero_tangents(args, tangents)))[1]
            return tree_util.flatten(t_out)[0]

        return tree_util.unflatten(out_tree, _record(top, self.__name__, flat, out_flat,
                                                     transpose_rule, jvp_rule))

    def _batched(self, trace, flat, in_tree):
        from .transforms import vmap

        vals, axes = _batched_axes(flat, trace)
        in_axes = tree_util.unflatten(in_tree, axes)
        rule = self.jvp_rule
        new = custom_jvp(vmap(self.fun, in_axes=in_axes))
        new.defjvp(lambda p, t: vmap(lambda pp, tt: rule(pp, tt), in_axes=(in_axes, in_axes))(p, t))
        out = new(*tree_util.unflatten(in_tree, vals))
        return tree_util.map(lambda o: BatchTracer(trace, o, 0), out)


stop_gradient_p = Primitive("stop_gradient", lambda x: x, differentiable=False)
stop_gradient_p.def_batch(batch_unary(stop_gradient_p))


def stop_gradient(x):
    """``stop_gradient(x)``: ``x`` (any pytree), treated as a constant by every transform.

    >>> grad(lambda x: x * stop_gradient(x))(3.0)
    3.0
    """
    return tree_util.map(lambda v: bind(stop_gradient_p, v), x)
