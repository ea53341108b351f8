"""The public transforms: grad, value_and_grad, vjp, jvp, linearize, vmap, jacrev, jacfwd,
hessian, hvp and elementwise_grad.  Each is written once over flat lists of leaves and lifted
to pytrees and ``argnums`` by the helpers at the top."""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, Literal, ParamSpec, overload

import numpy as np

from . import ops
from . import tree as tree_util
from .batching import BatchTrace, BatchTracer, move_bdim
from .forward import JVPTrace, JVPTracer, forward_through_tape, tangent_of
from .masked import retry_masked
from .primitive import bind, new_level
from .prims import broadcast_to_p, reshape_p
from .reverse import VJPTrace, VJPTracer, backward
from .tracer import Tracer, TracerConversionError, backend, check_subclass
from .tree import TreeDef

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "vmap"]

P = ParamSpec("P")
# argnums: one argument's position or several (a tuple or list of them)
Argnums = int | Sequence[int]


# -- argument checking -------------------------------------------------------------------
def _as_input(x: Any, op: str, where: str, need_float: bool) -> Any:
    """Validate one leaf of a transform's input and return it as an array (or tracer)."""
    if type(x) is np.ndarray and x.dtype.kind in "fc":
        return x
    if isinstance(x, Tracer):
        dt = x.dtype
    else:
        if isinstance(x, np.ndarray):
            check_subclass(x, op, where)
        if not isinstance(x, (np.ndarray, np.generic, float, int, complex, bool)):
            if backend.keep_input(x):
                pass  # a lazy array library's arrays (Dask) are kept as they are
            elif hasattr(x, "__array__") or isinstance(x, (list, tuple)):
                x = np.asarray(x)
            else:
                raise TypeError(f"{op}: {where} has type {type(x).__name__}, which is not an "
                                "array; pass NumPy arrays, Python numbers or pytrees of them")
        else:
            x = np.asarray(x)
        dt = x.dtype
    if dt.kind in "OSUVMm":
        raise TypeError(f"{op}: {where} has dtype {dt}, which cannot be differentiated; "
                        "pass a numeric array (for ragged data, pad it to a rectangular array)")
    if need_float and dt.kind not in "fc":
        raise TypeError(f"{op}: {where} has dtype {dt}; derivatives need floating-point "
                        f"inputs. Convert it with x.astype(float) (or np.float32).")
    return x


def _fun_name(fun: Callable[..., Any]) -> str:
    # ufuncs have no __qualname__ before NumPy 2.2
    return (getattr(fun, "__qualname__", None) or getattr(fun, "__name__", None)
            or type(fun).__name__)


def _paths(tree: Any) -> list[str]:
    """The pytree path of each leaf of ``tree``, in flatten order ("" for a leaf)."""
    if isinstance(tree, (tuple, list)) and not hasattr(tree, "_fields"):
        return [f"[{i}]{p}" for i, c in enumerate(tree) for p in _paths(c)]
    if hasattr(tree, "_fields"):
        return [f".{k}{p}" for k, c in zip(tree._fields, tree) for p in _paths(c)]
    if type(tree) is dict:
        return [f"[{k!r}]{p}" for k in sorted(tree) for p in _paths(tree[k])]
    if tree is None:
        return []
    n = len(tree_util.leaves(tree))
    return [""] if n == 1 else [f" (leaf {k})" for k in range(n)]


def _leaf_names(fun: Callable[..., Any], trees: Sequence[Any], positions: Sequence[int],
                argnums: bool = False) -> list[str]:
    """For error messages: each leaf of the arguments ``trees`` (at ``positions``) named as
    the user wrote it, e.g. "argument 1 (argnums=1) of loss, at ['w']"."""
    names = []
    for tree, p in zip(trees, positions):
        arg = f"argument {p}" + (f" (argnums={p})" if argnums else "")
        paths = _paths(tree)
        if len(paths) != len(tree_util.leaves(tree)):  # a registered node: number them
            paths = [f" (leaf {k})" for k in range(len(tree_util.leaves(tree)))]
        names += [f"{arg} of {_fun_name(fun)}" + (f", at {q}" if q else "") for q in paths]
    return names


def _check_output(out: Any, op: str, fun: Callable[..., Any]) -> None:
    if inspect.isgenerator(out):
        raise TypeError(f"{op}: {_fun_name(fun)} returned a generator (it is a generator "
                        "function); differentiate a function that returns arrays, e.g. "
                        "collect the values with np.stack(list(...)) inside it")


def _normalize_argnums(argnums: Argnums, nargs: int, op: str) -> tuple[bool, tuple[int, ...]]:
    if type(argnums) is int and 0 <= argnums < nargs:
        return True, (argnums,)
    single = isinstance(argnums, (int, np.integer))
    try:
        nums = (argnums,) if isinstance(argnums, (int, np.integer)) else tuple(argnums)
    except TypeError:
        raise TypeError(f"{op}: argnums must be an int or a tuple of ints, "
                        f"got {argnums!r}") from None
    if not nums:
        raise ValueError(f"{op}: argnums is empty")
    out = []
    for a in nums:
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"{op}: argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -nargs <= a < nargs:
            raise ValueError(f"{op}: argnums={argnums!r} but the function was called with "
                             f"{nargs} positional argument(s)")
        out.append(int(a) % nargs)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: argnums={argnums!r} names the same argument twice")
    return single, tuple(out)


def _partial_argnums(fun: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any],
                     nums: Sequence[int]) -> Callable[..., Any]:
    """``fun`` as a function of the arguments at ``nums`` only."""
    def partial(*dyn: Any) -> Any:
        full = list(args)
        for i, v in zip(nums, dyn):
            full[i] = v
        return fun(*full, **kwargs)
    return partial


def _unwrap_out(x: Any, trace: Any) -> Any:
    """The primal of an output leaf (a tracer of ``trace``) or the leaf itself."""
    if isinstance(x, Tracer) and x._trace is trace:
        return x._s0  # its primal, whatever the trace's kind
    return x


# -- reverse mode ------------------------------------------------------------------------
def _trace_vjp(fun: Callable[..., Any], primals: Sequence[Any], op: str, has_aux: bool,
               user: Callable[..., Any] | None = None,
               positions: Sequence[int] | None = None
               ) -> tuple[VJPTrace, list[Any], TreeDef, list[Any], TreeDef, list[Any], Any]:
    """Run ``fun`` on reverse-mode tracers of the leaves of ``primals``; ``user`` is the
    user's function and ``positions`` the argument numbers of ``primals`` (for errors).

    Returns ``(trace, flat_inputs, in_tree, out_flat, out_tree, out_primals, aux)``; the
    inputs are the first ``len(flat_inputs)`` nodes of the trace's tape."""
    user = fun if user is None else user
    positions = range(len(primals)) if positions is None else positions
    flat, in_tree = tree_util.flatten(primals)
    names = _leaf_names(user, primals, positions, argnums=op in ("grad", "jacrev", "hessian"))
    flat = [_as_input(x, op, names[i], True) for i, x in enumerate(flat)]
    trace = VJPTrace(new_level())
    ins = [trace.new_input(x) for x in flat]
    try:
        out = fun(*tree_util.unflatten(in_tree, ins))
    except TypeError as err:
        _list_input_error(err, primals, op, user, positions)
        raise
    except ValueError as err:
        _unhide_conversion(err)
        raise
    finally:
        trace.alive = False
    _check_output(out, op, user)
    aux = None
    if has_aux:
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"{op} with has_aux=True needs the function to return a pair "
                            f"(output, aux), got {type(out).__name__}")
        out, aux = out
        aux = tree_util.map(lambda a: _unwrap_out(a, trace), aux)
    out_flat, out_tree = tree_util.flatten(out)
    out_primals = [_unwrap_out(o, trace) for o in out_flat]
    return trace, flat, in_tree, out_flat, out_tree, out_primals, aux


def _unhide_conversion(err: ValueError) -> None:
    """Raise the tracer-conversion error that NumPy replaced with its own ValueError
    (``out[i, j] = y`` into a plain array calls ``float(y)``, and NumPy reports "setting an
    array element with a sequence"), at the user's line."""
    cause = err.__cause__
    if isinstance(cause, TracerConversionError):
        raise cause.with_traceback(err.__traceback__) from None


def _list_input_error(err: TypeError, primals: Sequence[Any], op: str, fun: Callable[..., Any],
                      positions: Sequence[int]) -> None:
    """A list of numbers is a pytree of scalars, not an array: when the function then fails
    on it (``x ** 2`` on a list), raise an error that says so."""
    for p, tree in zip(positions, primals):
        if isinstance(tree, (list, tuple)) and tree:
            leaves = tree_util.leaves(tree)
            if leaves and all(isinstance(v, (int, float, complex, np.number)) for v in leaves):
                msg = (f"{op}: argument {p} of {_fun_name(fun)} is a Python "
                       f"{type(tree).__name__} of {len(leaves)} numbers, which tangents (as "
                       f"JAX) treats as a pytree of {len(leaves)} separate scalars, not as an "
                       f"array, and the function failed on it ({err}). If it expects an "
                       "array, pass np.asarray(x) (a ragged list cannot be one: pad it to a "
                       "rectangular array first).")
                raise (TracerConversionError(msg) if isinstance(err, TracerConversionError)
                       else TypeError(msg)) from err


def _input_cotangents(cts: dict[int, Any], flat: Sequence[Any]) -> list[Any]:
    """The cotangent of each input leaf (input ``i`` is tape node ``i``); zeros where no
    path reached it.  Read-only views (a broadcast cotangent, as ``sum`` gives) are copied:
    a gradient is an ordinary array the caller may update in place."""
    out = []
    for i, x in enumerate(flat):
        c = cts.get(i)
        if c is None:
            c = ops.zeros(ops.shape_of(x), ops.dtype_of(x))
        elif type(c) is np.ndarray and not c.flags.writeable:
            c = c.copy()
        out.append(c)
    return out


def _vjp(fun: Callable[..., Any], primals: Sequence[Any], op: str, has_aux: bool, release: bool,
         user: Callable[..., Any] | None = None,
         positions: Sequence[int] | None = None) -> tuple[Any, Callable[[Any], Any], Any]:
    trace, flat, in_tree, out_flat, out_tree, out_primals, aux = _trace_vjp(
        fun, primals, op, has_aux, user, positions)

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
        single, nums = _normalize_argnums(argnums, len(args), "grad")
        dyn = tuple(args[i] for i in nums)
        if holomorphic:
            for i, leaf in enumerate(tree_util.leaves(dyn)):
                if ops.dtype_of(leaf if hasattr(leaf, "dtype") else np.asarray(leaf)).kind != "c":
                    raise TypeError(f"grad with holomorphic=True needs complex inputs; input leaf "
                                    f"{i} is real. Convert it with x.astype(complex).")
        trace, flat, in_tree, out_flat, out_tree, out_primals, aux = _trace_vjp(
            _partial_argnums(fun, args, kwargs, nums), dyn, "grad", has_aux, fun, nums)
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
        g = tree_util.unflatten(in_tree, _input_cotangents(cts, flat))
        g = g[0] if single else g
        return ((ans, aux), g) if has_aux else (ans, g)

    return retry_masked(value_and_grad_fn, lambda res: res[1])


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
    user = fun if user is None else user
    p_flat, p_tree = tree_util.flatten(tuple(primals))
    t_flat, t_tree = tree_util.flatten(tuple(tangents))
    if p_tree != t_tree:
        raise ValueError(f"{op}: primals {p_tree} and tangents {t_tree} differ in structure")
    names = _leaf_names(user, primals, range(len(primals)) if positions is None else positions,
                        argnums=op != "jvp")
    p_flat = [_as_input(x, op, names[i], True) for i, x in enumerate(p_flat)]
    trace = JVPTrace(new_level())
    ins = []
    for i, (p, t) in enumerate(zip(p_flat, t_flat)):
        t = _as_input(t, op, f"the tangent for {names[i]}", True)
        if ops.shape_of(t) != ops.shape_of(p):
            raise ValueError(f"{op}: the tangent for {names[i]} has shape {ops.shape_of(t)} "
                             f"but the argument has shape {ops.shape_of(p)}")
        ins.append(JVPTracer(trace, p, ops.cast(t, ops.dtype_of(p))))
    try:
        out = fun(*tree_util.unflatten(p_tree, ins))
    except ValueError as err:
        _unhide_conversion(err)
        raise
    finally:
        trace.alive = False
    _check_output(out, op, user)
    aux = None
    if has_aux:
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError("jvp with has_aux=True needs the function to return a pair "
                            f"(output, aux), got {type(out).__name__}")
        out, aux = out
        aux = tree_util.map(lambda a: _unwrap_out(a, trace), aux)
    out_flat, out_tree = tree_util.flatten(out)
    primals_out, tangents_out = [], []
    for o in out_flat:
        if isinstance(o, JVPTracer) and o._trace is trace:
            primals_out.append(o.primal)
            tangents_out.append(tangent_of(o))
        else:
            primals_out.append(o)
            tangents_out.append(ops.zeros(ops.shape_of(o), ops.dtype_of(o)))
    res = (tree_util.unflatten(out_tree, primals_out), tree_util.unflatten(out_tree, tangents_out))
    return res + (aux,) if has_aux else res


_jvp_masked_on_nan = retry_masked(_jvp, lambda res: res[1])


def linearize(fun: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``linearize(fun, *primals) -> (out, jvp_fn)``: ``jvp_fn(*tangents)`` evaluates the
    linearized function by pushing tangents through the recorded tape (no re-run of ``fun``).

    >>> out, f_jvp = linearize(np.exp, np.zeros(2))
    >>> f_jvp(np.ones(2))
    array([1., 1.])
    """
    flat, in_tree = tree_util.flatten(primals)
    names = _leaf_names(fun, primals, range(len(primals)))
    flat = [_as_input(x, "linearize", names[i], True) for i, x in enumerate(flat)]
    trace = VJPTrace(new_level())
    ins = [trace.new_input(x) for x in flat]
    in_index = [t.index for t in ins]  # read now: fun may update its inputs in place
    try:
        out = fun(*tree_util.unflatten(in_tree, ins))
    except ValueError as err:
        _unhide_conversion(err)
        raise
    finally:
        trace.alive = False
    out_flat, out_tree = tree_util.flatten(out)
    out_primals = [_unwrap_out(o, trace) for o in out_flat]
    traced = [o for o in out_flat if isinstance(o, VJPTracer) and o._trace is trace]

    def jvp_fn(*tangents: Any) -> Any:
        t_flat, t_tree = tree_util.flatten(tangents)
        if t_tree != in_tree:
            raise ValueError(f"linearize: tangents {t_tree} do not match primals {in_tree}")
        seeds = {}
        for i, (index, v, x) in enumerate(zip(in_index, t_flat, flat)):
            v = _as_input(v, "linearize", f"tangent leaf {i}", True)
            if ops.shape_of(v) != ops.shape_of(x):
                raise ValueError(f"linearize: tangent leaf {i} has shape {ops.shape_of(v)} but "
                                 f"its primal has shape {ops.shape_of(x)}")
            seeds[index] = ops.cast(v, ops.dtype_of(x))
        outs = iter(forward_through_tape(trace.tape, seeds, traced))
        res = []
        for o, p in zip(out_flat, out_primals):
            t = next(outs) if isinstance(o, VJPTracer) and o._trace is trace else None
            res.append(ops.zeros(ops.shape_of(p), ops.dtype_of(p)) if t is None else t)
        return tree_util.unflatten(out_tree, res)

    return tree_util.unflatten(out_tree, out_primals), retry_masked(jvp_fn)


# -- vmap --------------------------------------------------------------------------------
def _broadcast_prefix(prefix: Any, tree: Any, what: str) -> list[Any]:
    """One axis spec per leaf of ``tree``, from a prefix tree of ints/None."""
    return tree_util.broadcast_prefix(prefix, tree, what, (int, np.integer, type(None)), "vmap")


def vmap(fun: Callable[P, Any], in_axes: Any = 0, out_axes: Any = 0, *,
         axis_size: int | None = None) -> Callable[P, Any]:
    """``vmap(fun, in_axes=0, out_axes=0, *, axis_size=None)``: map ``fun`` over an axis.

    >>> vmap(lambda x: x @ x)(np.ones((3, 2)))
    array([2., 2., 2.])
    """
    call: Callable[..., Any] = fun  # called with the batched leaves, not with P's arguments

    @functools.wraps(fun)
    def batched(*args: P.args, **kwargs: P.kwargs) -> Any:
        if kwargs:  # keyword arguments are mapped along their axis 0 (as in JAX)
            keys = sorted(kwargs)
            n = len(args)
            spec = (tuple(in_axes) + (0,) * len(keys)) if isinstance(in_axes, (tuple, list)) \
                else in_axes
            return vmap(lambda *a: call(*a[:n], **dict(zip(keys, a[n:]))), spec, out_axes,
                        axis_size=axis_size)(*args, *[kwargs[k] for k in keys])
        flat, in_tree = tree_util.flatten(args)
        spec = tuple(in_axes) if isinstance(in_axes, list) else in_axes
        if len(args) == 1 and not isinstance(spec, tuple) and \
                tree_util.structure(spec).kind not in ("leaf", "none"):  # the one arg's prefix
            spec = (spec,)
        axes = _broadcast_prefix(spec, args, "in_axes")
        size = axis_size
        vals = []
        for i, (x, ax) in enumerate(zip(flat, axes)):
            if not isinstance(x, Tracer):
                if isinstance(x, np.ndarray):
                    check_subclass(x, "vmap", f"input leaf {i}")
                x = np.asarray(x)
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
        try:
            out = call(*tree_util.unflatten(in_tree, ins))
        finally:
            trace.alive = False
        _check_output(out, "vmap", fun)
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
