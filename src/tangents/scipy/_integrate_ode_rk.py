"""The ODE primitive's first-order adjoint for SciPy's explicit Runge-Kutta methods (RK45,
RK23, DOP853), when nothing differentiates it again.

The adjoint method of `tangents.scipy._integrate_ode` integrates ``(y, a, g)`` backward,
``g' = -a^T J_p f`` a quadrature that SciPy's solver carries along as ``P`` more entries
(100 parameters: a state of 120 for 10 states).  A quadrature read by no other entry and out
of the error test changes none of the steps, and an explicit Runge-Kutta method adds to it
``h sum_s b_s q(stage s)`` per step.  Here the solver integrates ``(y, a)`` alone, each
accepted step's stages are kept (rebuilt from its ``K``: ``z_s = z + h sum_j a_sj K_j``), and
the parameters' cotangent is that same sum over every stage of every step, in one batched
`vjp` of the right-hand side: ``g = sum_m w_m (-a_m)^T J_p f(y_m, t_m)`` with ``w_m = h b_s``,
the cotangent of ``p -> [f(y_m, t_m, p)]_m`` under `vmap`.  The state is 2n instead of 2n + P
and each evaluation pulls ``a`` back to ``y`` only.

The steps are the general path's (each output interval solved from SciPy's initial step), so
``vmap(grad(f))`` equals ``grad(f)`` per example to rounding.  The rule in `_integrate_ode`
takes the general path (one ODE primitive per interval, so that derivatives of any order
and vmap compose) whenever a value is traced, and when the right-hand side does not run
under `vmap`.
"""
from __future__ import annotations

import numpy as np
import scipy.integrate as _si

from .. import numpy as tnp
from ..core import Tracer, vjp, vmap
from ._integrate_ode import _EXPLICIT, _backward_method, _f64, _first_step, _options, _Staged


def applies(solver, ct, args):
    """Whether this path computes the rule: an explicit method, and plain values (no outer
    transform to differentiate the rule again or batch it)."""
    return solver in _EXPLICIT and not any(isinstance(x, Tracer) for x in (ct, *args))


def ode_vjp(ct, ans, args, needed, *, rhs, solver, options, n):
    """The ODE primitive's vjp rule on plain values, for an explicit Runge-Kutta method
    (None when the right-hand side does not run under vmap)."""
    y0, t, *leaves = args
    ct, ans, t = (np.asarray(x, np.float64) for x in (ct, ans, t))
    leaves = _f64(leaves)
    wrt = tuple(bool(w) for w in needed[2:])
    method = _backward_method(solver, options)
    opts = _options(options, method, n, np.zeros(2 * n, bool))
    a, g = adjoint(rhs, _StateAdjointRhs(rhs), method, opts, ans, t, ct, leaves, wrt)
    if g is None:
        return None
    out = [a + ct[0] if needed[0] else None, None]
    if needed[1]:  # an output time moves y(t_i) by f(y_i, t_i); t_0 moves y0's start by -f
        f = [np.asarray(rhs(ans[i], t[i], leaves), np.float64) for i in range(t.shape[0])]
        ct_t = [np.vdot(ct[i], f[i]) for i in range(t.shape[0])]
        ct_t[0] = -np.vdot(a, f[0]) if t.shape[0] > 1 else 0.0
        out[1] = np.array(ct_t, np.float64)
    k = 0
    for p, w in zip(leaves, wrt):
        s = int(np.size(p))
        out.append(np.reshape(g[k:k + s], np.shape(p)) if w else None)
        k += s if w else 0
    return out


class _StateAdjointRhs(_Staged):
    """State ``(y, a)``: ``y' = f``, ``a' = -a^T J_y f``."""

    def __init__(self, base):
        self.base, self.op = base, base.op

    def __call__(self, z, t, leaves):
        n = z.shape[0] // 2
        out, back = vjp(lambda y: self.base(y, t, leaves), z[:n])
        return tnp.concatenate([out, back(-z[n:])[0]])


def adjoint(rhs, staged, method, options, ans, t, ct, leaves, wrt):
    """``(a, g)``: the adjoint reaching ``t[0]`` (``ct[0]`` not added) and the flat
    parameters' cotangent (those marked ``wrt``; None when ``f`` does not run under vmap)."""
    cls = getattr(_si, method)
    n = ans.shape[1]
    f = staged.numpy_fn(leaves, "the right-hand side")
    fun = lambda s, z: f(z, s)  # noqa: E731 - the solver's argument order
    a, steps = ct[-1], []
    for i in range(t.shape[0] - 1, 0, -1):
        if t[i] != t[i - 1]:
            solver = cls(fun, t[i], np.concatenate([ans[i], a]), t[i - 1],
                         **dict(options, **_first_step(options, t[i], t[i - 1])))
            while solver.status == "running":
                solver.step()
                if solver.status == "failed":
                    raise RuntimeError(f"{rhs.op}: the adjoint solver failed between t = "
                                       f"{t[i]} and {t[i - 1]}; loosen rtol/atol")
                steps.append((solver.t_old, solver.t - solver.t_old, solver.y_old,
                              solver.K[:solver.A.shape[1]].copy()))
            a = solver.y[n:]
        if i > 1:
            a = a + ct[i - 1]
    if t.shape[0] == 1:
        a = np.zeros_like(ct[0])
    if not any(wrt) or not steps:
        return a, np.zeros(sum(int(np.size(p)) for p, w in zip(leaves, wrt) if w))
    return a, _parameters(rhs, solver, steps, n, leaves, wrt)


def _parameters(rhs, tableau, steps, n, leaves, wrt):
    """``sum over steps and stages of h b_s (-a_s)^T J_p f(y_s, t_s)``, one batched vjp
    (``tableau``'s A, B and C: the method's Butcher tableau)."""
    t_old, h, z_old, k = (np.array(x) for x in zip(*steps))
    stages = z_old[:, None, :] + h[:, None, None] * np.einsum("sj,mjd->msd", tableau.A, k)
    times = (t_old[:, None] + h[:, None] * tableau.C[None, :]).reshape(-1)
    stages = stages.reshape(-1, 2 * n)
    weights = (h[:, None] * tableau.B[None, :]).reshape(-1, 1)
    idx = [i for i, w in enumerate(wrt) if w]

    def values(*p):
        full = list(leaves)
        for i, v in zip(idx, p):
            full[i] = v
        return vmap(lambda s, y: rhs(y, s, full))(times, stages[:, :n])
    try:
        cts = vjp(values, *[leaves[i] for i in idx])[1](-weights * stages[:, n:])
    except Exception:  # noqa: BLE001 - no batching rule, or Python control flow on values:
        return None    # the general path computes it (and raises a real error itself)
    return np.concatenate([np.reshape(c, -1) for c in cts])
