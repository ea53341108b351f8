"""SciPy's ``minimize`` over pytree parameters with exact derivatives, and a small Newton solver.

The parameters travel to SciPy as one float64 vector (`tangents.tree.ravel` layout);
``jac`` comes from `value_and_grad`, ``hessp`` from `hvp` (forward-over-reverse) and ``hess``
from `hessian`, for exactly the methods that use them.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .. import tree
from ..core.derived import hessian, hvp
from ..core.transforms import value_and_grad

__all__ = ["minimize", "newton", "NewtonResult"]

_HESSP_METHODS = {"newton-cg", "trust-ncg", "trust-krylov", "trust-constr"}
_HESS_METHODS = {"trust-exact", "dogleg"}


class _Flat:
    """Plain-array ravel/unravel of a pytree, and its traced counterpart for Hessians."""

    def __init__(self, x0):
        leaves, self.treedef = tree.flatten(x0)
        leaves = [np.asarray(x) for x in leaves]
        self.dtypes = [x.dtype if x.dtype.kind in "fc" else np.dtype(np.float64) for x in leaves]
        self.shapes = [x.shape for x in leaves]
        self.offsets = np.cumsum([0] + [x.size for x in leaves])
        self.x0 = tree.unflatten(self.treedef, [x.astype(d) for x, d in zip(leaves, self.dtypes)])

    def ravel(self, t):
        parts = [np.ravel(np.asarray(x, np.float64)) for x in tree.leaves(t)]
        return np.concatenate(parts) if parts else np.zeros(0)

    def unravel(self, v):
        o = self.offsets
        return tree.unflatten(self.treedef, [
            np.reshape(v[o[i]:o[i + 1]], s).astype(d)
            for i, (s, d) in enumerate(zip(self.shapes, self.dtypes))])

    def traced_unravel(self):
        return tree.ravel(self.x0)[1]


def _scipy_minimize():
    try:
        from scipy.optimize import minimize as scipy_minimize
    except ImportError:
        raise ImportError("tangents.optim.minimize needs SciPy: pip install tangents[scipy]"
                          ) from None
    return scipy_minimize


def minimize(fun, x0, args=(), method=None, **kwargs):
    """``minimize(fun, x0, args=(), method=None, **kwargs)``: ``scipy.optimize.minimize`` over
    a pytree ``x0`` with the exact gradient, and the exact Hessian (``hess``) or
    Hessian-vector product (``hessp``) for the methods that use one (Newton-CG, trust-ncg,
    trust-krylov, trust-constr: ``hessp``; trust-exact, dogleg: ``hess``).  Returns SciPy's
    result with ``x`` in the structure of ``x0`` (the flat vector is ``x_flat``).

    >>> res = minimize(lambda p: ((p["a"] - 1.0) ** 2).sum(), {"a": np.zeros(2)})
    >>> res.x["a"].round(6)
    array([1., 1.])
    """
    scipy_minimize = _scipy_minimize()
    flat = _Flat(x0)
    vg = value_and_grad(fun)

    def fun_and_jac(v, *a):
        val, g = vg(flat.unravel(v), *a)
        return float(val), flat.ravel(g)

    m = (method or "").lower()
    if kwargs.get("hess") is None and kwargs.get("hessp") is None:
        if m in _HESSP_METHODS:
            def hessp(v, p, *a):
                return flat.ravel(hvp(lambda t: fun(t, *a), (flat.unravel(v),),
                                      (flat.unravel(p),)))
            kwargs["hessp"] = hessp
        elif m in _HESS_METHODS:
            unravel_t = flat.traced_unravel()

            def hess(v, *a):
                h = hessian(lambda u: fun(unravel_t(u), *a))(np.asarray(v, np.float64))
                return np.asarray(h, np.float64)
            kwargs["hess"] = hess
    kwargs.pop("jac", None)
    res = scipy_minimize(fun_and_jac, flat.ravel(flat.x0), args=tuple(args), method=method,
                         jac=True, **kwargs)
    res.x_flat = res.x
    res.x = flat.unravel(res.x)
    return res


class NewtonResult(NamedTuple):
    x: Any            # the solution, structured like x0
    fun: float        # objective value there
    grad_norm: float  # norm of the gradient there
    nit: int          # iterations taken
    success: bool     # grad_norm <= gtol


def newton(fun, x0, args=(), *, gtol=1e-8, maxiter=50, damping=0.0):
    """``newton(fun, x0, args=(), gtol=1e-8, maxiter=50, damping=0.0)``: Newton's method with
    the exact (dense) Hessian, for small problems: ``x -= solve(H + damping I, g)``, with a
    backtracking line search on ``fun``.

    >>> newton(lambda x: ((x - 3.0) ** 2).sum(), np.zeros(2)).x
    array([3., 3.])
    """
    flat = _Flat(x0)
    unravel_t = flat.traced_unravel()
    vg = value_and_grad(fun)
    v = flat.ravel(flat.x0)

    def f_flat(u):
        return fun(unravel_t(u), *args)

    val, g = vg(flat.unravel(v), *args)
    g = flat.ravel(g)
    it = 0
    for it in range(1, maxiter + 1):
        if np.linalg.norm(g) <= gtol:
            it -= 1
            break
        h = np.asarray(hessian(f_flat)(v), np.float64) + damping * np.eye(v.size)
        try:
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(h, g, rcond=None)[0]
        if np.dot(step, g) <= 0:  # not a descent direction: fall back to the gradient
            step = g
        t = 1.0
        while True:
            cand = v - t * step
            new_val, new_g = vg(flat.unravel(cand), *args)
            if float(new_val) <= float(val) or t < 1e-10:
                break
            t *= 0.5
        v, val, g = cand, new_val, flat.ravel(new_g)
    gn = float(np.linalg.norm(g))
    return NewtonResult(flat.unravel(v), float(val), gn, it, gn <= gtol)
