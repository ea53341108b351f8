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
    success: bool     # grad_norm <= gtol at a point whose Hessian is positive semi-definite
    message: str = ""  # why it stopped


def _direction(h, g, damping, gtol):
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


def newton(fun, x0, args=(), *, gtol=1e-8, maxiter=50, damping=0.0):
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

    def f_flat(u):
        return fun(unravel_t(u), *args)

    val, g = vg(flat.unravel(v), *args)
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
            new_val, new_g = vg(flat.unravel(cand), *args)
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
