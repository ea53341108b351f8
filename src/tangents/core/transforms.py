"""The public transforms: grad, value_and_grad, vjp, jvp, linearize, vmap, jacrev, jacfwd,
hessian, hvp and elementwise_grad.  Each is written once over flat lists of leaves and lifted
to pytrees and ``argnums`` by the helpers at the top."""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Literal, ParamSpec, overload

import numpy as np

from . import ops
from . import tree as tree_util
from .batching import BatchTrace, BatchTracer, move_bdim
from .forward import JVPTrace, JVPTracer, forward_through_tape, tangent_of
from .lifting import Argnums, Lift, as_input, keep_array_type, split_args, unwrap_out
from .masked import retry_masked
from .primitive import bind, new_level
from .prims import broadcast_to_p, reshape_p
from .reverse import VJPTrace, VJPTracer, backward
from .tracer import Tracer, backend, check_subclass
from .tree import TreeDef

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "vmap", "Argnums"]

P = ParamSpec("P")


# -- reverse mode ------------------------------------------------------------------------
def _trace_vjp(fun: Callable[..., Any], lift: Lift, has_aux: bool
               ) -> tuple[VJPTrace, list[Any], TreeDef, list[Any], Any]:
    """Run ``fun`` on reverse-mode tracers of ``lift``'s leaves.

    Returns ``(trace, out_flat, out_tree, out_primals, aux)``; the inputs are the first
    ``len(lift.flat)`` nodes of the trace's tape."""
    trace = VJPTrace(new_level())
    out, aux = lift.run(fun, trace, [trace.new_input(x) for x in lift.flat], has_aux)
    out_flat, out_tree = tree_util.flatten(out)
    return trace, out_flat, out_tree, [unwrap_out(o, trace) for o in out_flat], aux


def _input_cotangents(cts: dict[int, Any], flat: Sequence[Any]) -> list[Any]:
    """The cotangent of each input leaf (input ``i`` is tape node ``i``); zeros where no
    path reached it.  Read-only views (a broadcast cotangent, as ``sum`` gives) are copied:
    a gradient is an ordinary array the caller may update in place."""
    out = []
    for i, x in enumerate(flat):
        c = cts.get(i)
        if c is None:
            c = ops.zeros_like(x)
        elif type(c) is np.ndarray and not c.flags.writeable:
            c = c.copy()
        out.append(c)
    return out


def _vjp(fun: Callable[..., Any], primals: Sequence[Any], op: str, has_aux: bool, release: bool,
         user: Callable[..., Any] | None = None,
         positions: Sequence[int] | None = None) -> tuple[Any, Callable[[Any], Any], Any]:
    lift = Lift(op, fun if user is None else user, primals, positions)
    flat, in_tree = lift.flat, lift.in_tree
    trace, out_flat, out_tree, out_primals, aux = _trace_vjp(fun, lift, has_aux)

    def vjp_fn(ct: Any) -> Any:
        ct_flat, ct_tree = tree_util.flatten(ct)
        if ct_tree != out_tree:
            raise ValueError(f"vjp_fn: the cotangent's structure {ct_tree} does not match the "
                             f"output's {out_tree}")
        seeds = []
        for k, (o, p, c) in enumerate(zip(out_flat, out_primals, ct_flat)):
            if ops.shape_of(c) != ops.shape_of(p):
                raise ValueError(f"vjp_fn: cotangent leaf {k} has shape {ops.shape_of(c)} but "
                                 f"the output has shape {ops.shape_of(p)}")
            if isinstance(o, VJPTracer) and o._trace is trace:
                if ops.dtype_of(c) != o.dtype:
                    c = ops.cast(c, o.dtype)
                seeds.append((o, c))
        cts = backward(trace.tape, seeds, release) if seeds else {}
        return tree_util.unflatten(in_tree, _input_cotangents(cts, flat))

    return tree_util.unflatten(out_tree, out_primals), vjp_fn, aux


@overload
def vjp(fun: Callable[..., Any], *primals: Any,
        has_aux: Literal[False] = False) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]: ...
@overload
def vjp(fun: Callable[..., Any], *primals: Any,
        has_aux: Literal[True]) -> tuple[Any, Callable[[Any], tuple[Any, ...]], Any]: ...
@keep_array_type("vjp")
def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """``vjp(fun, *primals, has_aux=False) -> (out, vjp_fn[, aux])``.

    ``vjp_fn(ct)`` returns a tuple with one cotangent per primal and may be called many times.

    >>> out, f_vjp = vjp(lambda x: x * 3.0, np.ones(2))
    >>> f_vjp(np.ones(2))
    (array([3., 3.]),)
    """
    out, fn, aux = _vjp(fun, primals, "vjp", has_aux, release=False)
    fn = retry_masked(fn)
    return (out, fn, aux) if has_aux else (out, fn)


def value_and_grad(fun: Callable[P, Any], argnums: Argnums = 0, has_aux: bool = False,
                   holomorphic: bool = False) -> Callable[P, tuple[Any, Any]]:
    """``value_and_grad(fun, argnums=0, has_aux=False, holomorphic=False)``: returns
    ``(value, grad)``.  With ``holomorphic=True`` (complex inputs, complex output) the
    gradient is the complex derivative ``f'(z)``.

    >>> value_and_grad(lambda x: (x ** 2).sum())(np.array([1.0, 2.0]))
    (np.float64(5.0), array([2., 4.]))
    """
    @functools.wraps(fun)
    def value_and_grad_fn(*args: P.args, **kwargs: P.kwargs) -> tuple[Any, Any]:
        single, nums, dyn, f = split_args(fun, argnums, args, kwargs, "grad")
        if holomorphic:
            for i, leaf in enumerate(tree_util.leaves(dyn)):
                if ops.dtype_of(leaf if hasattr(leaf, "dtype") else np.asarray(leaf)).kind != "c":
                    raise TypeError(f"grad with holomorphic=True needs complex inputs; input leaf "
                                    f"{i} is real. Convert it with x.astype(complex).")
        lift = Lift("grad", fun, dyn, nums)
        trace, out_flat, out_tree, out_primals, aux = _trace_vjp(f, lift, has_aux)
        is_leaf = out_tree.kind == "leaf"
        ans = out_primals[0] if is_leaf else tree_util.unflatten(out_tree, out_primals)
        if not is_leaf or ops.shape_of(ans) != ():
            shape = ops.shape_of(ans) if is_leaf else "a pytree"
            raise TypeError(
                f"grad requires a function with a scalar output, got shape {shape}. For "
                "vector outputs use tg.jacrev (full Jacobian), tg.vjp (vector-Jacobian "
                "product), or tg.elementwise_grad (output i depends only on input i).")
        if ops.dtype_of(ans).kind == "c" and not holomorphic:
            raise TypeError("grad requires a real-valued output; got a complex one. Take "
                            "np.real/np.abs of it, pass holomorphic=True for a holomorphic "
                            "function (the complex derivative), or use tg.vjp.")
        out = out_flat[0]
        if isinstance(out, VJPTracer) and out._trace is trace:
            cts = backward(trace.tape, [(out, ops.ones_like(ans))], True)
        else:
            cts = {}
        g = tree_util.unflatten(lift.in_tree, _input_cotangents(cts, lift.flat))
        g = g[0] if single else g
        return ((ans, aux), g) if has_aux else (ans, g)

    return keep_array_type("grad")(retry_masked(value_and_grad_fn, lambda res: res[1]))


def grad(fun: Callable[P, Any], argnums: Argnums = 0, has_aux: bool = False,
         holomorphic: bool = False) -> Callable[P, Any]:
    """``grad(fun, argnums=0, has_aux=False, holomorphic=False)``: gradient of a
    scalar-valued function.

    The gradient has the structure, shape and dtype of the argument(s) at ``argnums``.
    For a real function of complex inputs it is ``dL/da - i dL/db`` (docs/conventions.md);
    ``holomorphic=True`` gives the complex derivative of a holomorphic function.

    >>> grad(lambda x: np.sin(x).sum())(np.zeros(3))
    array([1., 1., 1.])
    """
    vg = value_and_grad(fun, argnums, has_aux, holomorphic)

    @functools.wraps(fun)
    def grad_fn(*args: P.args, **kwargs: P.kwargs) -> Any:
        res = vg(*args, **kwargs)
        if has_aux:
            (_, aux), g = res
            return g, aux
        return res[1]

    return grad_fn


# -- forward mode ------------------------------------------------------------------------
@overload
def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: Literal[False] = False) -> tuple[Any, Any]: ...
@overload
def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: Literal[True]) -> tuple[Any, Any, Any]: ...
@keep_array_type("jvp")
def jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool = False) -> tuple[Any, ...]:
    """``jvp(fun, primals, tangents, has_aux=False) -> (out, tangent_out)``.

    >>> jvp(np.sin, (np.zeros(2),), (np.ones(2),))
    (array([0., 0.]), array([1., 1.]))
    """
    return _jvp_masked_on_nan(fun, primals, tangents, has_aux)


def _jvp(fun: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
         has_aux: bool, op: str = "jvp", user: Callable[..., Any] | None = None,
         positions: Sequence[int] | None = None) -> tuple[Any, ...]:
    """`jvp`; errors name the transform ``op`` the user called, and the user's function
    and argument numbers (``user``, ``positions``) where ``fun`` is a partial of it."""
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples, e.g. jvp(f, (x,), (v,))")
    lift = Lift(op, fun if user is None else user, tuple(primals), positions, check=False)
    t_flat, t_tree = tree_util.flatten(tuple(tangents))
    if lift.in_tree != t_tree:
        raise ValueError(f"{op}: primals {lift.in_tree} and tangents {t_tree} differ in "
                         "structure")
    lift.check()
    trace = JVPTrace(new_level())
    ins = []
    for i, (p, t) in enumerate(zip(lift.flat, t_flat)):
        t = as_input(t, op, functools.partial(lift.name, i, "the tangent for "), True)
        if ops.shape_of(t) != ops.shape_of(p):
            raise ValueError(f"{op}: the tangent for {lift.name(i)} has shape "
                             f"{ops.shape_of(t)} but the argument has shape {ops.shape_of(p)}")
        ins.append(JVPTracer(trace, p, ops.cast(t, ops.dtype_of(p))))
    out, aux = lift.run(fun, trace, ins, has_aux)
    out_flat, out_tree = tree_util.flatten(out)
    primals_out, tangents_out = [], []
    for o in out_flat:
        if isinstance(o, JVPTracer) and o._trace is trace:
            primals_out.append(o.primal)
            tangents_out.append(tangent_of(o))
        else:
            primals_out.append(o)
            tangents_out.append(ops.zeros_like(o))
    res = (tree_util.unflatten(out_tree, primals_out), tree_util.unflatten(out_tree, tangents_out))
    return res + (aux,) if has_aux else res


_jvp_masked_on_nan = retry_masked(_jvp, lambda res: res[1])


@keep_array_type("linearize")
def linearize(fun: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``linearize(fun, *primals) -> (out, jvp_fn)``: ``jvp_fn(*tangents)`` evaluates the
    linearized function by pushing tangents through the recorded tape (no re-run of ``fun``).

    >>> out, f_jvp = linearize(np.exp, np.zeros(2))
    >>> f_jvp(np.ones(2))
    array([1., 1.])
    """
    lift = Lift("linearize", fun, primals)
    flat, in_tree = lift.flat, lift.in_tree
    trace = VJPTrace(new_level())
    ins = [trace.new_input(x) for x in flat]
    in_index = [t.index for t in ins]  # read now: fun may update its inputs in place
    out, _ = lift.run(fun, trace, ins)
    out_flat, out_tree = tree_util.flatten(out)
    out_primals = [unwrap_out(o, trace) for o in out_flat]
    traced = [o for o in out_flat if isinstance(o, VJPTracer) and o._trace is trace]

    def jvp_fn(*tangents: Any) -> Any:
        t_flat, t_tree = tree_util.flatten(tangents)
        if t_tree != in_tree:
            raise ValueError(f"linearize: tangents {t_tree} do not match primals {in_tree}")
        seeds = {}
        for i, (index, v, x) in enumerate(zip(in_index, t_flat, flat)):
            v = as_input(v, "linearize", f"tangent leaf {i}", True)
            if ops.shape_of(v) != ops.shape_of(x):
                raise ValueError(f"linearize: tangent leaf {i} has shape {ops.shape_of(v)} but "
                                 f"its primal has shape {ops.shape_of(x)}")
            seeds[index] = ops.cast(v, ops.dtype_of(x))
        outs = iter(forward_through_tape(trace.tape, seeds, traced))
        res = []
        for o, p in zip(out_flat, out_primals):
            t = next(outs) if isinstance(o, VJPTracer) and o._trace is trace else None
            res.append(ops.zeros_like(p) if t is None else t)
        return tree_util.unflatten(out_tree, res)

    return tree_util.unflatten(out_tree, out_primals), retry_masked(jvp_fn)


# -- vmap --------------------------------------------------------------------------------
def _broadcast_prefix(prefix: Any, tree: Any, what: str) -> list[Any]:
    """One axis spec per leaf of ``tree``, from a prefix tree of ints/None."""
    return tree_util.broadcast_prefix(prefix, tree, what, (int, np.integer, type(None)), "vmap")


def vmap(fun: Callable[P, Any], in_axes: Any = 0, out_axes: Any = 0, *,
         axis_size: int | None = None) -> Callable[P, Any]:
    """``vmap(fun, in_axes=0, out_axes=0, *, axis_size=None)``: map ``fun`` over an axis.

    A lazy chunked array (Dask) mapped along an axis is mapped chunk by chunk by the
    backend (``fun`` vmapped over each chunk), lazily.

    >>> vmap(lambda x: x @ x)(np.ones((3, 2)))
    array([2., 2., 2.])
    """
    return keep_array_type("vmap")(_vmap(fun, in_axes, out_axes, axis_size, True))


def _vmap(fun: Callable[P, Any], in_axes: Any, out_axes: Any, axis_size: int | None,
          by_chunks: bool) -> Callable[P, Any]:
    """`vmap`; with ``by_chunks`` False a lazy mapped input is batched whole (the
    Jacobians' lazy bases), not chunk by chunk."""
    call: Callable[..., Any] = fun  # called with the batched leaves, not with P's arguments

    @functools.wraps(fun)
    def batched(*args: P.args, **kwargs: P.kwargs) -> Any:
        if kwargs:  # keyword arguments are mapped along their axis 0 (as in JAX)
            keys = sorted(kwargs)
            n = len(args)
            spec = (tuple(in_axes) + (0,) * len(keys)) if isinstance(in_axes, (tuple, list)) \
                else in_axes
            return _vmap(lambda *a: call(*a[:n], **dict(zip(keys, a[n:]))), spec, out_axes,
                         axis_size, by_chunks)(*args, *[kwargs[k] for k in keys])
        lift = Lift("vmap", fun, args, check=False)  # vmap maps integer arrays too
        spec = tuple(in_axes) if isinstance(in_axes, list) else in_axes
        if len(args) == 1 and not isinstance(spec, tuple) and \
                tree_util.structure(spec).kind not in ("leaf", "none"):  # the one arg's prefix
            spec = (spec,)
        axes = _broadcast_prefix(spec, args, "in_axes")
        if by_chunks and axis_size is None and any(
                ax is not None and backend.keep_input(x) for x, ax in zip(lift.flat, axes)):
            chunked = backend.lazy_vmap(_vmap(fun, in_axes, out_axes, None, False), args,
                                        axes, out_axes)  # each chunk a plain vmap
            if chunked is not None:
                return chunked
        size = axis_size
        vals = []
        for i, (x, ax) in enumerate(zip(lift.flat, axes)):
            if not isinstance(x, Tracer):
                if isinstance(x, np.ndarray):
                    check_subclass(x, "vmap", f"input leaf {i}")
                x = x if backend.keep_input(x) else np.asarray(x)
            if ax is not None:
                nd = len(ops.shape_of(x))
                if not -nd <= ax < nd:
                    raise ValueError(f"vmap: in_axes {ax} is out of range for an input of "
                                     f"shape {ops.shape_of(x)} (leaf {i})")
                ax %= nd
                n = ops.shape_of(x)[ax]
                if size is None:
                    size = n
                elif n != size:
                    raise ValueError(f"vmap: mapped axes have different sizes: {size} and {n} "
                                     f"(input leaf {i}, shape {ops.shape_of(x)}, axis {ax})")
            vals.append((x, ax))
        if size is None:
            raise ValueError("vmap: no input is mapped (all in_axes are None); pass axis_size=")
        trace = BatchTrace(new_level(), size)
        ins = [x if ax is None else BatchTracer(trace, x, ax) for x, ax in vals]
        out, _ = lift.run(call, trace, ins)
        out_flat, out_tree = tree_util.flatten(out)
        oaxes = _broadcast_prefix(out_axes, out, "out_axes")
        res = []
        for o, ax in zip(out_flat, oaxes):
            if isinstance(o, BatchTracer) and o._trace is trace:
                if ax is None:
                    raise ValueError("vmap: out_axes=None for an output that varies along the "
                                     "mapped axis")
                nd = len(ops.shape_of(o.val))
                res.append(move_bdim(o.val, o.bdim, ax % nd))
            else:
                if ax is None:
                    res.append(o)
                    continue
                o = o if isinstance(o, Tracer) else np.asarray(o)
                shape = ops.shape_of(o)
                nd = len(shape) + 1
                b = bind(broadcast_to_p, bind(reshape_p, o, shape=(1,) + shape),
                         shape=(size,) + shape)
                res.append(move_bdim(b, 0, ax % nd))
        return tree_util.unflatten(out_tree, res)

    return retry_masked(batched)
