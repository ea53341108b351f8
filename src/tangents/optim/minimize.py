"""SciPy's ``minimize`` over pytree parameters with exact derivatives, and a small Newton solver.

The parameters travel to SciPy as one float64 vector (`tangents.tree.ravel` layout);
value and ``jac`` come together from one `value_and_grad` pass, ``hessp`` from `hvp`
(forward-over-reverse) and ``hess`` from `hessian`, for exactly the methods that use them.
Bounds may be a pytree of (low, high) pairs shaped like the parameters; callbacks receive
the parameters as a pytree; ``progress=True`` shows a tqdm bar.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, cast

import numpy as np

from .. import tree
from ..core import hessian, hvp, value_and_grad
from ..typing import NDArray
from ._lazy import compute
from ._lazy import persist as persist_lazy

__all__ = ["minimize", "newton", "NewtonResult"]

_HESSP_METHODS = {"newton-cg", "trust-ncg", "trust-krylov", "trust-constr"}
_HESS_METHODS = {"trust-exact", "dogleg"}
_GRADIENT_FREE = {"nelder-mead", "powell", "cobyla", "cobyqa"}
_X_ONLY_CALLBACK = {"tnc"}  # SciPy calls TNC's callback with x alone
Kids = list[tuple[str, Any]]  # tree.children of a node


class _Flat:
    """Plain-array ravel/unravel of a pytree, and its traced counterpart for Hessians."""

    def __init__(self, x0: Any) -> None:
        leaves, self.treedef = tree.flatten(x0)
        leaves = [np.asarray(x) for x in leaves]
        self.dtypes = [x.dtype if x.dtype.kind in "fc" else np.dtype(np.float64) for x in leaves]
        self.shapes = [x.shape for x in leaves]
        self.offsets = np.cumsum([0] + [x.size for x in leaves])
        self.x0 = tree.unflatten(self.treedef, [x.astype(d) for x, d in zip(leaves, self.dtypes)])

    def ravel(self, t: Any) -> NDArray[np.float64]:
        parts = [np.ravel(np.asarray(x, np.float64)) for x in tree.leaves(t)]
        return np.concatenate(parts) if parts else np.zeros(0)

    def unravel(self, v: NDArray[Any]) -> Any:
        o = self.offsets
        return tree.unflatten(self.treedef, [
            np.reshape(v[o[i]:o[i + 1]], s).astype(d)
            for i, (s, d) in enumerate(zip(self.shapes, self.dtypes))])

    def traced_unravel(self) -> Callable[[Any], Any]:
        return tree.ravel(self.x0)[1]


def _scipy_minimize() -> Callable[..., Any]:
    try:
        from scipy.optimize import minimize as scipy_minimize  # type: ignore[import-untyped]
    except ImportError:
        raise ImportError("tangents.optim.minimize needs SciPy: pip install tangents[scipy]"
                          ) from None
    return scipy_minimize


class _Slot:
    """Marks leaf ``i`` of ``x0`` in a copy of its structure (to read bounds against it)."""

    def __init__(self, i: int) -> None:
        self.i = i


def _template(flat: _Flat) -> Any:
    return tree.unflatten(flat.treedef, [_Slot(i) for i in range(len(flat.shapes))])


def _leaf_paths(node: Any, path: str = "", out: dict[int, str] | None = None
                ) -> dict[int, str]:
    """``{leaf index: "['key'][0]"}`` for a template from `_template`."""
    out = {} if out is None else out
    if isinstance(node, _Slot):
        out[node.i] = path
    elif isinstance(node, Mapping):
        for k in node:
            _leaf_paths(node[k], f"{path}[{k!r}]", out)
    elif isinstance(node, (list, tuple)):
        for i, child in enumerate(node):
            _leaf_paths(child, f"{path}[{i}]", out)
    elif node is not None:  # a dataclass or a registered pytree node
        for k, child in cast(Kids, tree.children(node)):  # a node: never None
            _leaf_paths(child, path + k, out)
    return out


class _Mismatch(ValueError):
    """``bounds`` does not have the structure of ``x0`` with (low, high) pairs at its leaves."""


def _match_bounds(b: Any, node: Any, path: str, out: dict[int, tuple[Any, str]]) -> None:
    """Fill ``out[i] = (pair or None, path)`` for each leaf slot of ``node``, walking ``b``."""
    if isinstance(node, _Slot):
        out[node.i] = (b, path)
    elif node is None:
        if b is not None:
            raise _Mismatch(f"bounds{path} is {type(b).__name__} where x0 has None")
    elif isinstance(node, Mapping):
        if not isinstance(b, Mapping) or set(b) != set(node):
            raise _Mismatch(f"bounds{path} should be a dict with keys {sorted(node, key=repr)}, "
                            f"got {sorted(b, key=repr) if isinstance(b, Mapping) else type(b)}")
        for k in node:
            _match_bounds(b[k], node[k], f"{path}[{k!r}]", out)
    elif isinstance(node, (list, tuple)):
        if not isinstance(b, (list, tuple)) or len(b) != len(node):
            got = f"length {len(b)}" if isinstance(b, (list, tuple)) else type(b).__name__
            raise _Mismatch(f"bounds{path} should be a sequence of length {len(node)} like "
                            f"x0{path}, got {got}")
        for i, (child_b, child) in enumerate(zip(b, node)):
            _match_bounds(child_b, child, f"{path}[{i}]", out)
    else:  # a dataclass or a registered pytree node: bounds has the same class there
        if type(b) is not type(node):
            raise _Mismatch(f"bounds{path} should be a {type(node).__name__} like x0{path}, "
                            f"got {type(b).__name__}")
        for (k, child_b), (_, child) in zip(cast(Kids, tree.children(b)),  # b and node: one kind
                                            cast(Kids, tree.children(node))):
            _match_bounds(child_b, child, path + k, out)


def _is_end(e: Any) -> bool:
    """A bound end: None, a number or an ndarray (not a list, which would be ambiguous)."""
    return e is None or isinstance(e, np.ndarray) or (
        not isinstance(e, (list, tuple)) and np.ndim(e) == 0)


def _end(e: Any, shape: tuple[int, ...], fill: float, where: str) -> NDArray[np.float64]:
    if e is None:
        return np.full(shape, fill)
    try:
        return np.broadcast_to(np.asarray(e, np.float64), shape)
    except ValueError:
        raise _Mismatch(f"{where} has shape {np.shape(e)}, which does not broadcast to the "
                        f"leaf's shape {shape}") from None


def _bounds_by_leaf(bounds: Any, flat: _Flat) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``(lb, ub)`` flat vectors from a pytree of (low, high) pairs shaped like x0."""
    found: dict[int, tuple[Any, str]] = {}
    _match_bounds(bounds, _template(flat), "", found)
    lbs, ubs = [], []
    for i, shape in enumerate(flat.shapes):
        pair, path = found[i]
        pair = (None, None) if pair is None else pair
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
            raise _Mismatch(f"bounds{path} should be a (low, high) pair, got "
                            f"{type(pair).__name__}")
        if not all(_is_end(e) for e in pair):
            raise _Mismatch(f"bounds{path} = {pair!r}: low and high must each be None, a "
                            "number or a NumPy array (write np.asarray([...]) for a list)")
        lbs.append(_end(pair[0], shape, -np.inf, f"bounds{path}[0]").ravel())
        ubs.append(_end(pair[1], shape, np.inf, f"bounds{path}[1]").ravel())
    return (np.concatenate(lbs), np.concatenate(ubs)) if lbs else (np.zeros(0), np.zeros(0))


def _bounds_by_entry(bounds: Any, n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """``(lb, ub)`` from SciPy's form, one (low, high) pair per entry of the flat vector,
    or None when ``bounds`` is not in that form."""
    if isinstance(bounds, np.ndarray) and bounds.shape == (n, 2) and bounds.dtype.kind in "fiu":
        return np.asarray(bounds[:, 0], np.float64), np.asarray(bounds[:, 1], np.float64)
    if not (isinstance(bounds, (list, tuple)) and len(bounds) == n and all(
            isinstance(p, (list, tuple)) and len(p) == 2 and all(
                e is None or (not isinstance(e, (list, tuple)) and np.ndim(e) == 0) for e in p)
            for p in bounds)):
        return None
    lb = np.array([-np.inf if p[0] is None else p[0] for p in bounds], np.float64)
    ub = np.array([np.inf if p[1] is None else p[1] for p in bounds], np.float64)
    return lb.reshape(n), ub.reshape(n)


def _flat_bounds(bounds: Any, flat: _Flat, bounds_type: Any) -> Any:
    """SciPy ``Bounds`` on the flat vector from any accepted form of ``bounds``."""
    n = int(flat.offsets[-1])
    if isinstance(bounds, bounds_type):
        try:
            lb, ub = (np.broadcast_to(np.asarray(e, np.float64), (n,))
                      for e in (bounds.lb, bounds.ub))
        except ValueError:
            raise ValueError(f"minimize: Bounds with lb of shape {np.shape(bounds.lb)} and ub "
                             f"of shape {np.shape(bounds.ub)} do not broadcast to the {n} "
                             "entries of x0 (tangents.tree.ravel order); give a pytree of "
                             "(low, high) pairs shaped like x0 instead") from None
        return bounds_type(lb, ub, keep_feasible=bounds.keep_feasible)
    by_entry = _bounds_by_entry(bounds, n)
    try:
        by_leaf = _bounds_by_leaf(bounds, flat)
    except _Mismatch as e:
        if by_entry is None:
            raise ValueError(
                f"minimize: {e}. bounds may be a pytree shaped like x0 (structure "
                f"{flat.treedef}) with a (low, high) pair (None for unbounded) at each leaf, "
                f"a sequence of {n} (low, high) pairs (one per entry, tangents.tree.ravel "
                "order), or scipy.optimize.Bounds") from None
        by_leaf = None
    if by_leaf is not None and by_entry is not None and not all(
            np.array_equal(a, b) for a, b in zip(by_leaf, by_entry)):
        raise ValueError("minimize: bounds reads both as one (low, high) pair per leaf of x0 "
                         "and as one pair per entry, with different meanings; pass "
                         "scipy.optimize.Bounds(lb, ub) on the flat vector, or NumPy arrays "
                         "for low and high")
    # one of them is set: the except clause above raised when both were None
    lb, ub = by_leaf if by_leaf is not None else cast(tuple[Any, Any], by_entry)
    bad = np.flatnonzero(np.isnan(lb) | np.isnan(ub) | (lb > ub))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"minimize: bounds for entry {i} of x0 (tangents.tree.ravel order) "
                         f"are low={lb[i]}, high={ub[i]}; low must be <= high, and NaN is not "
                         "a bound (use None or inf for unbounded)")
    return bounds_type(lb, ub)


def _takes_intermediate_result(callback: Callable[..., Any]) -> bool:
    """SciPy's rule: a callback whose only parameter is ``intermediate_result`` gets a
    result object; any other gets the parameters."""
    try:
        return set(inspect.signature(callback).parameters) == {"intermediate_result"}
    except (TypeError, ValueError):
        return False


def _progress_bar(total: int | None) -> Any:
    try:
        from tqdm.auto import tqdm  # type: ignore[import-untyped]
    except ImportError:
        raise ImportError("tangents.optim.minimize(progress=True) draws its bar with tqdm, "
                          "which is not installed: pip install tqdm (or tangents[demo]), or "
                          "pass progress=False") from None
    return tqdm(total=total, desc="minimize", unit="it")


def _scipy_callback(callback: Callable[..., Any] | None, bar: Any, flat: _Flat, method: str,
                    value_at: Callable[[Any], float | None]) -> Callable[..., Any]:
    """The per-iteration callback handed to SciPy: advances the bar with the loss and calls
    the user's ``callback`` with the parameters structured like x0 (``callback(params)``,
    ``callback(params, state)`` for trust-constr, or ``callback(intermediate_result=r)``
    with ``r.x`` structured)."""
    from scipy.optimize import OptimizeResult
    wants_result = callback is not None and _takes_intermediate_result(callback)

    def report(x: NDArray[Any], result: Any) -> Any:
        loss = result.get("fun") if result is not None else None
        loss = value_at(x) if loss is None else float(loss)
        if bar is not None:
            bar.update(1)
            if loss is not None:
                bar.set_postfix(loss=f"{loss:.6g}", refresh=False)
        if callback is None:
            return None
        params = flat.unravel(x)
        if wants_result:
            r = OptimizeResult(result if result is not None else {})
            r.x, r.x_flat = params, np.copy(x)
            if loss is not None:
                r.fun = loss
            return callback(intermediate_result=r)
        if method == "trust-constr":
            return callback(params, result)
        return callback(params)

    if method in _X_ONLY_CALLBACK:
        return lambda xk: report(np.asarray(xk), None)

    def on_iteration(intermediate_result: Any) -> Any:  # SciPy passes a result object to this name
        return report(intermediate_result.x, intermediate_result)
    return on_iteration


class _Recent(dict[bytes, float]):
    """The last few values of ``fun`` by flat point, for the loss where SciPy passes x alone."""

    def remember(self, v: NDArray[Any], val: float) -> float:
        if len(self) >= 8:
            self.pop(next(iter(self)))
        self[np.asarray(v, np.float64).tobytes()] = val
        return val

    def value_at(self, x: Any) -> float | None:
        return self.get(np.asarray(x, np.float64).tobytes())


def _objective(fun: Callable[..., Any], flat: _Flat, method: str,
               remember: Callable[[NDArray[Any], float], float]) -> Callable[..., Any]:
    """The function SciPy calls: ``(value, gradient)`` from one `value_and_grad` pass, or the
    value alone for the methods that never use a gradient."""
    if method in _GRADIENT_FREE:
        def value(v: NDArray[Any], *a: Any) -> float:
            return remember(v, float(compute(fun(flat.unravel(v), *a))[0]))
        return value
    vg = value_and_grad(fun)

    def fun_and_jac(v: NDArray[Any], *a: Any) -> tuple[float, NDArray[np.float64]]:
        val, g = compute(*vg(flat.unravel(v), *a))  # Dask: one compute for both
        return remember(v, float(val)), flat.ravel(g)
    return fun_and_jac


def _fill_hessian(kwargs: dict[str, Any], fun: Callable[..., Any], flat: _Flat, method: str
                  ) -> None:
    """Exact ``hessp`` (forward-over-reverse) or dense ``hess`` for the methods that use one;
    each call differentiates at the point SciPy gives, nothing is cached across calls."""
    if kwargs.get("hess") is not None or kwargs.get("hessp") is not None:
        return
    if method in _HESSP_METHODS:
        def hessp(v: NDArray[Any], p: NDArray[Any], *a: Any) -> NDArray[np.float64]:
            return flat.ravel(compute(hvp(lambda t: fun(t, *a), (flat.unravel(v),),
                                          (flat.unravel(p),)))[0])
        kwargs["hessp"] = hessp
    elif method in _HESS_METHODS:
        unravel_t = flat.traced_unravel()

        def hess(v: NDArray[Any], *a: Any) -> NDArray[np.float64]:
            h = hessian(lambda u: fun(unravel_t(u), *a))(np.asarray(v, np.float64))
            return np.asarray(h, np.float64)
        kwargs["hess"] = hess


def _drop_jac(kwargs: dict[str, Any]) -> None:
    if kwargs.get("jac") not in (None, True):
        raise TypeError("minimize computes the exact gradient of fun itself; drop jac= (or "
                        "call scipy.optimize.minimize directly to use your own)")
    kwargs.pop("jac", None)


def _check_x0(x0: Any) -> None:
    leaves, treedef = tree.flatten(x0)
    paths = _leaf_paths(tree.unflatten(treedef, [_Slot(i) for i in range(len(leaves))]))
    for i, x in enumerate(leaves):
        if np.asarray(x).dtype.kind == "c":
            raise TypeError(f"minimize: x0{paths[i]} is {np.asarray(x).dtype}; SciPy minimizes "
                            "over real numbers: pass the real and imaginary parts as two real "
                            "leaves and rebuild the complex value inside fun")


def minimize(fun: Callable[..., Any], x0: Any, args: tuple[Any, ...] = (),
             method: str | Callable[..., Any] | None = None, *, bounds: Any = None,
             callback: Callable[..., Any] | None = None, progress: bool = False,
             persist: bool = False, **kwargs: Any) -> Any:
    """``scipy.optimize.minimize`` over a pytree ``x0`` with exact derivatives.

    Parameters
    ----------
    fun : callable
        ``fun(params, *args) -> scalar``, written with NumPy; ``params`` has the structure
        and leaf dtypes of ``x0`` (float32 and float64 leaves may be mixed).
    x0 : pytree of real arrays
        The start.  SciPy sees one float64 vector in `tangents.tree.ravel` order.
    args : tuple
        Extra arguments of ``fun`` (not differentiated).
    method : str, optional
        Any SciPy method.  Each call SciPy makes evaluates ``fun`` once: value and gradient
        together (``jac=True``) from one `value_and_grad` pass, or the value alone for
        Nelder-Mead, Powell, COBYLA and COBYQA.  Newton-CG, trust-ncg, trust-krylov and
        trust-constr get an exact ``hessp`` (`hvp`); trust-exact and dogleg an exact ``hess``.
    bounds : pytree of (low, high) pairs, sequence of pairs, or scipy.optimize.Bounds
        A pytree shaped like ``x0`` with a ``(low, high)`` pair at each leaf (each end None
        for unbounded, a number, or an array broadcastable to the leaf; a leaf's pair may be
        None), or SciPy's forms on the flat vector: ``n`` pairs, one per entry, or ``Bounds``.
    callback : callable, optional
        Called after each iteration with the parameters structured like ``x0``:
        ``callback(params)`` (``callback(params, state)`` for trust-constr), or, when its one
        parameter is named ``intermediate_result``, with SciPy's result object whose ``x``
        is structured (the flat vector is ``x_flat``).  Raising ``StopIteration`` stops the
        methods that support it (all but TNC).
    progress : bool
        Show a tqdm bar with the iteration count and the loss (needs ``tqdm``).
    persist : bool
        Persist the Dask arrays in ``args`` once (data ``fun`` closes over: ``X.persist()``).
        Over Dask data each evaluation is one ``dask.compute`` of value and gradient.
    **kwargs
        Passed to ``scipy.optimize.minimize`` (``options``, ``tol``, ``constraints`` on the
        flat vector, your own ``hess``/``hessp`` on the flat vector).

    Returns
    -------
    scipy.optimize.OptimizeResult
        With ``x`` structured like ``x0`` (each leaf keeps its dtype) and ``x_flat``.

    Examples
    --------
    >>> res = minimize(lambda p: ((p["a"] - 1.0) ** 2).sum() + p["b"] ** 2,
    ...                {"a": np.zeros(2), "b": 3.0}, bounds={"a": (None, 0.5), "b": None})
    >>> res.x["a"].round(6), round(float(res.x["b"]), 6)
    (array([0.5, 0.5]), 0.0)
    """
    scipy_minimize = _scipy_minimize()
    from scipy.optimize import Bounds  # type: ignore[import-untyped]
    _drop_jac(kwargs)
    _check_x0(x0)
    flat = _Flat(x0)
    m = method.lower() if isinstance(method, str) else ""  # or a custom minimizer
    if bounds is not None:
        kwargs["bounds"] = _flat_bounds(bounds, flat, Bounds)
    recent = _Recent()
    objective = _objective(fun, flat, m, recent.remember)
    if m not in _GRADIENT_FREE:
        kwargs["jac"] = True
        _fill_hessian(kwargs, fun, flat, m)
    bar = _progress_bar((kwargs.get("options") or {}).get("maxiter")) if progress else None
    if callback is not None or bar is not None:
        kwargs["callback"] = _scipy_callback(callback, bar, flat, m, recent.value_at)
    args = persist_lazy(tuple(args)) if persist else tuple(args)
    try:
        res = scipy_minimize(objective, flat.ravel(flat.x0), args=args, method=method,
                             **kwargs)
        if bar is not None:
            bar.set_postfix(loss=f"{float(res.fun):.6g}", refresh=False)
    finally:
        if bar is not None:
            bar.close()
    res.x_flat = res.x
    res.x = flat.unravel(res.x)
    return res


class NewtonResult(NamedTuple):
    x: Any            # the solution, structured like x0
    fun: float        # objective value there
    grad_norm: float  # norm of the gradient there
    nit: int          # iterations taken
    success: bool     # grad_norm <= gtol at a point whose Hessian is positive semi-definite
    message: str = ""  # why it stopped


def _direction(h: NDArray[np.float64], g: NDArray[np.float64], damping: float, gtol: float
               ) -> tuple[NDArray[np.float64], float, bool]:
    """A descent direction from the eigendecomposition of the Hessian ``h``: Newton's step
    with every eigenvalue replaced by its magnitude (floored), so negative curvature is
    descended, not climbed; at a stationary point of negative curvature, the most negative
    eigenvector.  Returns ``(direction, smallest eigenvalue, whether h is PSD)``."""
    w, vecs = np.linalg.eigh(0.5 * (h + h.T))
    if not w.size:
        return np.zeros(0), 0.0, True
    tol = 1e-8 * max(1.0, float(np.max(np.abs(w))))
    w_min, gv = float(w[0]), vecs.T @ g
    d = -(vecs @ (gv / np.maximum(np.abs(w + damping), tol)))
    if w_min < -tol and np.linalg.norm(g) <= gtol:  # a saddle: go down its negative curvature
        d = vecs[:, 0] * (-1.0 if gv[0] > 0 else 1.0) / np.sqrt(-w_min)
    return d, w_min, w_min >= -tol


def newton(fun: Callable[..., Any], x0: Any, args: tuple[Any, ...] = (), *, gtol: float = 1e-8,
           maxiter: int = 50, damping: float = 0.0) -> NewtonResult:
    """``newton(fun, x0, args=(), gtol=1e-8, maxiter=50, damping=0.0)``: Newton's method with
    the exact (dense) Hessian, for small problems, with a backtracking line search on ``fun``.

    The step uses the Hessian's eigendecomposition with each eigenvalue ``w`` (plus
    ``damping``) replaced by ``|w|``, so it escapes saddles instead of converging to them; at
    a saddle with zero gradient it steps along the most negative curvature.  ``success`` is
    True only when the gradient norm is at most ``gtol`` and the Hessian there is positive
    semi-definite; ``message`` says why it stopped (a saddle, a failed line search, or
    ``maxiter``).

    >>> newton(lambda x: ((x - 3.0) ** 2).sum(), np.zeros(2)).x
    array([3., 3.])
    """
    flat = _Flat(x0)
    unravel_t = flat.traced_unravel()
    vg = value_and_grad(fun)
    v = flat.ravel(flat.x0)

    def f_flat(u: Any) -> Any:
        return fun(unravel_t(u), *args)

    val, g = compute(*vg(flat.unravel(v), *args))
    g, it, message = flat.ravel(g), 0, ""
    while True:
        h = np.asarray(hessian(f_flat)(v), np.float64)
        step, w_min, psd = _direction(h, g, damping, gtol)
        gn = float(np.linalg.norm(g))
        if gn <= gtol and psd:
            message = "converged: gradient norm <= gtol and the Hessian is positive semi-definite"
            break
        if it >= maxiter:
            message = (f"maxiter ({maxiter}) reached: gradient norm {gn:.3g}, smallest Hessian "
                       f"eigenvalue {w_min:.3g}" + ("" if psd else " (not positive "
                                                      "semi-definite: not a minimum)"))
            break
        t = 1.0
        while t >= 1e-10:
            cand = v + t * step
            new_val, new_g = compute(*vg(flat.unravel(cand), *args))
            if float(new_val) < float(val) or (gn > gtol and float(new_val) == float(val)):
                break
            t *= 0.5
        else:
            message = (f"line search failed: no decrease from a point with gradient norm "
                       f"{gn:.3g} and smallest Hessian eigenvalue {w_min:.3g}"
                       + ("" if psd else " (not positive semi-definite: not a minimum)"))
            break
        it += 1
        v, val, g = cand, new_val, flat.ravel(new_g)
    gn = float(np.linalg.norm(g))
    return NewtonResult(flat.unravel(v), float(val), gn, it, message.startswith("converged"),
                        message)
