"""Transforms built from the basic ones: jacrev, jacfwd, hessian, hvp, elementwise_grad.

Jacobians vmap a VJP (or JVP) over a basis of cotangents (tangents): one batched pass,
never a Python loop over rows or columns."""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import ops
from . import tree as tree_util
from .lifting import Argnums, Lift, as_input, keep_array_type, split_args
from .masked import retry_masked
from .primitive import bind
from .prims import concatenate_p, move_bdim, ones_like, reshape_p
from .tracer import Tracer, backend, primal_value
from .transforms import _jvp, _jvp_masked_on_nan, _vjp, _vmap, grad, vmap
from .tree import TreeDef

__all__ = ["jacrev", "jacfwd", "jacobian", "hessian", "hvp", "elementwise_grad"]

P = ParamSpec("P")


def _basis(shape: tuple[int, ...], dtype: DTypeLike, start: int, stop: int) -> NDArray[Any]:
    """Rows ``start:stop`` of the identity over ``shape``, shaped ``(rows,) + shape``."""
    n = int(np.prod(shape))
    rows = np.zeros((stop - start, n), dtype)
    rows[np.arange(stop - start), np.arange(start, stop)] = 1
    return rows.reshape((stop - start,) + tuple(shape))


def _chunks(n: int, chunk_size: int | None) -> list[tuple[int, int]]:
    step = n if not chunk_size else max(1, int(chunk_size))
    return [(i, min(n, i + step)) for i in range(0, max(n, 1), step)] if n else [(0, 0)]


def _concat_rows(parts: Sequence[Any]) -> Any:
    return parts[0] if len(parts) == 1 else bind(concatenate_p, *parts, axis=0)


# seed(k, basis) -> the leaves pushed (pulled) from the rows ``basis`` of seed leaf k's identity
Seed = Callable[[int, Any], Sequence[Any]]
# (f, dyn, nums) -> (blocks[out][in], out_tree, in_tree, aux): one Jacobian's blocks
Blocks = Callable[[Callable[..., Any], tuple[Any, ...], tuple[int, ...]],
                  tuple[list[list[Any]], TreeDef, TreeDef, Any]]


def _seeded(leaves: Sequence[Any], seed: Seed, chunk_size: int | None) -> list[list[Any]]:
    """``rows[k][j]``: ``seed`` applied to every row of the identity over leaf k of
    ``leaves`` (``chunk_size`` rows per call when given), its j-th result's rows stacked
    into one array ``(leaf k's size,) + result j's shape``."""
    rows = []
    for k, x in enumerate(leaves):
        shape, dt = ops.shape_of(x), ops.dtype_of(x)
        pieces: list[list[Any]] | None = None
        for start, stop in _chunks(int(np.prod(shape)), chunk_size):
            basis = backend.lazy_basis(primal_value(x), shape, start, stop)  # Dask: lazy
            outs = seed(k, _basis(shape, dt, start, stop) if basis is None else basis)
            pieces = [[] for _ in outs] if pieces is None else pieces
            for j, t in enumerate(outs):
                pieces[j].append(t)
        assert pieces is not None  # _chunks gives at least one chunk
        rows.append([_concat_rows(p) for p in pieces])
    return rows


def _jacobian_fn(fun: Callable[P, Any], argnums: Argnums, has_aux: bool, op: str,
                 blocks: Blocks) -> Callable[P, Any]:
    """What jacrev and jacfwd share: ``argnums`` and ``has_aux``, and the Jacobian as a
    tree over the outputs of trees over the inputs (one input's block, not a 1-tuple, for
    an int ``argnums``) from ``blocks``, which computes its leaves shaped ``out + in``."""
    @functools.wraps(fun)
    def jac_fn(*args: P.args, **kwargs: P.kwargs) -> Any:
        single, nums, dyn, f = split_args(fun, argnums, args, kwargs, op)
        table, out_tree, in_tree, aux = blocks(f, dyn, nums)
        per_out = []
        for row in table:
            in_jac = tree_util.unflatten(in_tree, row)
            per_out.append(in_jac[0] if single else in_jac)
        jac = tree_util.unflatten(out_tree, per_out)
        return (jac, aux) if has_aux else jac

    return keep_array_type(op)(jac_fn)


def jacrev(fun: Callable[P, Any], argnums: Argnums = 0, has_aux: bool = False, *,
           chunk_size: int | None = None) -> Callable[P, Any]:
    """``jacrev(fun, argnums=0, has_aux=False, *, chunk_size=None)``: Jacobian by reverse
    mode, shaped ``out.shape + in.shape``; prefer it when outputs are fewer than inputs.

    The VJP is vmapped over all rows of the identity at once (``chunk_size`` rows at a time
    when given, to bound memory).

    >>> jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    def blocks(f: Callable[..., Any], dyn: tuple[Any, ...], nums: tuple[int, ...]
               ) -> tuple[list[list[Any]], TreeDef, TreeDef, Any]:
        out, vjp_fn, aux = _vjp(f, dyn, "jacrev", has_aux, False, fun, nums)
        out_flat, out_tree = tree_util.flatten(out)
        in_flat, in_tree = tree_util.flatten(dyn)

        def pull(k: int, basis: Any) -> list[Any]:
            def row(ct: Any) -> list[Any]:
                cts = [ct if j == k else ops.zeros(ops.shape_of(o), ops.dtype_of(o))
                       for j, o in enumerate(out_flat)]
                return tree_util.leaves(vjp_fn(tree_util.unflatten(out_tree, cts)))
            return _vmap(row, 0, 0, None, False)(basis)

        rows = _seeded(out_flat, pull, chunk_size)  # rows[out][in]: (out size,) + in shape
        table = [[bind(reshape_p, r, shape=ops.shape_of(o) + ops.shape_of(x))
                  for r, x in zip(row, in_flat)] for row, o in zip(rows, out_flat)]
        return table, out_tree, in_tree, aux

    return _jacobian_fn(fun, argnums, has_aux, "jacrev", blocks)


jacobian = jacrev


def jacfwd(fun: Callable[P, Any], argnums: Argnums = 0, has_aux: bool = False, *,
           chunk_size: int | None = None) -> Callable[P, Any]:
    """``jacfwd(fun, argnums=0, has_aux=False, *, chunk_size=None)``: Jacobian by forward
    mode, shaped ``out.shape + in.shape``; prefer it when inputs are fewer than outputs.

    >>> jacfwd(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return _jacfwd(fun, argnums, has_aux, chunk_size, "jacfwd", fun)


def _jacfwd(fun: Callable[P, Any], argnums: Argnums, has_aux: bool, chunk_size: int | None,
            op: str, user: Callable[..., Any]) -> Callable[P, Any]:
    """`jacfwd`; errors name the transform ``op`` the user called and ``user``'s arguments."""
    def blocks(f: Callable[..., Any], dyn: tuple[Any, ...], nums: tuple[int, ...]
               ) -> tuple[list[list[Any]], TreeDef, TreeDef, Any]:
        lift = Lift(op, user, dyn, nums)
        in_flat, in_tree = lift.flat, lift.in_tree
        primals = tuple(tree_util.unflatten(in_tree, in_flat))
        out_tree: TreeDef | None = None
        aux = None

        def push(k: int, basis: Any) -> list[Any]:
            nonlocal out_tree, aux

            def col(t: Any) -> tuple[Any, Any]:
                ts = [t if j == k else ops.zeros(ops.shape_of(x), ops.dtype_of(x))
                      for j, x in enumerate(in_flat)]
                res = _jvp(f, primals, tuple(tree_util.unflatten(in_tree, ts)), has_aux, op,
                           user, nums)
                return (res[1], res[2]) if has_aux else (res[1], None)

            t_out, aux_b = _vmap(col, 0, 0, None, False)(basis)
            if has_aux:
                aux = tree_util.map(lambda a: a[0], aux_b)
            t_flat, out_tree = tree_util.flatten(t_out)
            return t_flat

        cols = _seeded(in_flat, push, chunk_size)  # cols[in][out]: (in size,) + out shape
        if out_tree is None:  # no input leaves, so no columns: the output gives the structure
            res = f(*dyn)
            out_tree = tree_util.structure(res[0] if has_aux else res)
            aux = res[1] if has_aux else None
        table = [[bind(reshape_p, move_bdim(c[j], 0, -1),
                       shape=ops.shape_of(c[j])[1:] + ops.shape_of(x))
                  for c, x in zip(cols, in_flat)] for j in range(out_tree.num_leaves)]
        return table, out_tree, in_tree, aux

    return _jacobian_fn(fun, argnums, has_aux, op, blocks)


def hessian(fun: Callable[P, Any], argnums: Argnums = 0) -> Callable[P, Any]:
    """``hessian(fun, argnums=0)``: ``jacfwd(jacrev(fun))``, shaped ``in.shape + in.shape``.

    >>> hessian(lambda x: (x ** 3).sum())(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    return _jacfwd(jacrev(fun, argnums), argnums, False, None, "hessian", fun)


@keep_array_type("hvp")
def hvp(fun: Callable[..., Any], primals: Sequence[ArrayLike],
        tangents: Sequence[ArrayLike]) -> Any:
    """``hvp(fun, primals, tangents)``: Hessian-vector product by forward-over-reverse,
    without forming the Hessian; structured like ``primals[0]`` (a tuple for several).

    >>> hvp(lambda x: (x ** 3).sum(), (np.array([1.0, 2.0]),), (np.ones(2),))
    array([ 6., 12.])
    """
    primals, tangents = tuple(primals), tuple(tangents)
    nums = tuple(range(len(primals)))
    g = grad(fun, argnums=nums)
    out = _jvp_masked_on_nan(lambda *p: g(*p), primals, tangents, False, "hvp", fun, nums)[1]
    return out[0] if len(primals) == 1 else out


def elementwise_grad(fun: Callable[P, Any], argnums: int = 0,
                     check: bool = True) -> Callable[P, Any]:
    """``elementwise_grad(fun, argnums=0, check=True)``: ``d out[i] / d in[i]`` for a function
    whose output element i depends only on input element i, in one forward-mode pass.

    With ``check=True`` a second tangent, random, verifies that the Jacobian is diagonal and
    raises ``ValueError`` otherwise (use ``jacrev`` or ``vmap(grad(f))`` then).  The check
    runs on the first call for each input shape and dtype, where the input is a concrete
    array (the outermost call); later calls are one forward pass.

    >>> elementwise_grad(np.tanh)(np.zeros(3))
    array([1., 1., 1.])
    """
    # (shape, dtype) of inputs at which fun was found elementwise
    verified: set[tuple[Any, str]] = set()

    @functools.wraps(fun)
    def egrad(*args: P.args, **kwargs: P.kwargs) -> Any:
        single, nums, dyn, f = split_args(fun, argnums, args, kwargs, "elementwise_grad")
        if not single:
            raise TypeError("elementwise_grad takes a single argnum")
        x = as_input(dyn[0], "elementwise_grad",
                     lambda: Lift("elementwise_grad", fun, dyn, nums, check=False).name(0), True)
        shape, dt = ops.shape_of(x), ops.dtype_of(x)
        # checked where the input is concrete: inside an outer transform (nested
        # elementwise_grad) the outer call's check covers the composite
        signature = (shape, np.dtype(dt).str)
        checked = (check and signature not in verified and int(np.prod(shape)) > 1
                   and not isinstance(x, Tracer))
        if checked and backend.keep_input(x):  # lazy data: checked on a probe, not computed
            if _check_on_probe(f, shape, dt, fun, nums):
                verified.add(signature)
            checked = False
        if checked:
            # J 1 and J v for a random v in one pass: the primal computed once, the two
            # tangents batched
            v = np.random.default_rng(0).uniform(0.5, 1.5, shape).astype(dt)
            out, (d, jv) = vmap(lambda t: _jvp(f, (x,), (t,), False, "elementwise_grad", fun,
                                               nums), out_axes=(None, 0))(
                np.stack([np.ones(shape, dt), v]))
        else:
            out, d = _jvp(f, (x,), (ones_like(x),), False, "elementwise_grad", fun, nums)
        if ops.shape_of(out) != shape:
            raise ValueError(
                f"elementwise_grad: the output has shape {ops.shape_of(out)} but the input "
                f"{shape}, so output i cannot depend on input i alone; use tg.jacrev for the "
                "full Jacobian or tg.vmap(tg.grad(f)) over points")
        if checked and _check_diagonal(d, v, jv, shape, dt):
            verified.add(signature)
        return d

    return keep_array_type("elementwise_grad")(retry_masked(egrad))


def _check_on_probe(f: Callable[..., Any], shape: tuple[int, ...], dt: DTypeLike,
                    fun: Callable[..., Any], nums: tuple[int, ...]) -> bool:
    """`_check_diagonal` on a probe outside the data: random values in (0.1, 0.9) of the
    input's shape with at most 4 rows (axis 0 is the rows of lazy data).  Where ``f`` cannot
    run on the probe (it combines its input with data of the full shape) or answers with
    lazy values, the check is skipped with a warning; returns whether it was made."""
    probe_shape = (min(shape[0], 4),) + shape[1:]
    rng = np.random.default_rng(0)
    p = rng.uniform(0.1, 0.9, probe_shape).astype(dt)
    v = rng.uniform(0.5, 1.5, probe_shape).astype(dt)
    skipped = None
    try:
        with np.errstate(all="ignore"):
            out, (d, jv) = vmap(lambda t: _jvp(f, (p,), (t,), False, "elementwise_grad", fun,
                                               nums), out_axes=(None, 0))(
                np.stack([np.ones(probe_shape, dt), v]))
    except (ValueError, TypeError) as err:
        skipped = f"it failed on a probe of shape {probe_shape} ({err})"
    else:
        if backend.keep_input(primal_value(jv)):
            skipped = "its values on a probe are lazy (they would have to be computed)"
        elif ops.shape_of(out) != probe_shape:
            skipped = f"on a probe of shape {probe_shape} its output has shape {ops.shape_of(out)}"
    if skipped is not None:
        warnings.warn(f"elementwise_grad: the elementwise check of a lazy input of shape "
                      f"{shape} was skipped: {skipped}; pass check=False to silence this",
                      stacklevel=4)
        return False
    return _check_diagonal(d, v, jv, probe_shape, dt)


def _check_diagonal(d: Any, v: NDArray[Any], jv: Any, shape: tuple[int, ...],
                    dt: DTypeLike) -> bool:
    """For a diagonal Jacobian J, J v == diag(J) * v for every v; ``jv`` is J v for a
    random ``v`` and ``d`` is J 1.  Returns whether the check could be made."""
    jv, dv = _concrete(jv), _concrete(d * v)
    if jv is None or dv is None:
        return False
    tol = (1e-4 if np.dtype(dt).itemsize <= 4 else 1e-9) * (np.max(np.abs(dv), initial=0) + 1)
    err = np.abs(jv - dv)
    if np.max(err, initial=0) > tol:
        i = np.unravel_index(int(np.argmax(err)), shape)
        raise ValueError(
            "elementwise_grad: the function is not elementwise (output element "
            f"{tuple(int(k) for k in i)} depends on other input elements); use tg.jacrev for "
            "the full Jacobian or tg.vmap(tg.grad(f)) over points, or pass check=False if "
            "this is intended")
    return True


def _concrete(x: Any) -> NDArray[Any] | None:
    """The plain array of values under ``x`` (through the primals of differentiation
    tracers, e.g. when an outer grad traces parameters the function closes over), or None
    under vmap, whose values carry an extra axis."""
    from .forward import JVPTracer
    from .reverse import VJPTracer
    while isinstance(x, (JVPTracer, VJPTracer)):
        x = x.primal
    return None if isinstance(x, Tracer) else np.asarray(x)
