"""scipy.integrate, differentiable: ``odeint``, ``solve_ivp``, ``quad`` and ``quad_vec``.

SciPy does the integrating (in float64; float32 inputs get float32 results).  Derivatives are
never taken through the solver's steps: each one is the solution of another integration
problem, solved by the same SciPy solver at the tolerances the user set, and posed as a call
of the same primitives, so derivatives of any order compose.

* ODE: forward sensitivities (forward mode) and the adjoint method (reverse mode), both posed
  as calls of one ODE primitive; see `tangents.scipy._integrate_ode`.
* quad: the Leibniz rule.  ``d/db = f(b)``, ``d/da = -f(a)`` (0 at an infinite limit), and
  the parameters' derivative is the integral of the integrand's `jvp` (forward) or `vjp`
  (reverse), computed with ``quad_vec``.

The right-hand side and the integrand are ordinary NumPy code; the values they are
differentiated in must come in through ``args`` (a traced value captured by a closure
raises an error saying so).  vmap runs the solver once per example (an adaptive solver's
steps differ between examples).
"""
from __future__ import annotations

__all__ = ["odeint", "solve_ivp", "quad", "quad_vec", "COVERAGE"]

import numpy as np

try:
    import scipy.integrate as _si
except ImportError as e:  # pragma: no cover - SciPy is optional
    raise ImportError("tangents.scipy.integrate needs SciPy: pip install tangents[scipy]") from e

from .. import numpy as tnp
from ..core import Primitive, Tracer, batch_by_loop, bind, builders, jvp, vjp
from ..core import tree as tree_util
from ._integrate_ode import _checked, _f64, _ode, _plain, _Rhs, _solver_fn, _Staged, _zeros_like

COVERAGE = {  # scipy.integrate name -> status (for docs/coverage.md)
    "odeint": "differentiable in y0, t, args (forward sensitivities / adjoint)",
    "solve_ivp": "differentiable in y0, t_span, t_eval, args (.y, .t; .sol re-solves)",
    "quad": "differentiable in a, b, args (Leibniz rule)",
    "quad_vec": "differentiable in a, b, args (Leibniz rule)",
}


# -- public ODE functions ------------------------------------------------------------------
def _traced(*trees):
    return any(isinstance(x, Tracer) for tr in trees for x in tree_util.leaves(tr))


def _cast_back(ys, y0):
    dt = np.result_type(getattr(y0, "dtype", np.float64))
    return tnp.asarray(ys, np.float32) if dt == np.float32 else ys


def odeint(func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None, mu=None,
           rtol=None, atol=None, tcrit=None, h0=0.0, hmax=0.0, hmin=0.0, ixpr=0, mxstep=0,
           mxhnil=0, mxordn=12, mxords=5, printmessg=0, tfirst=False):
    """``scipy.integrate.odeint``, differentiable in ``y0``, ``t`` (every output time, ``t[0]``
    included) and ``args``.

    Forward mode solves the forward sensitivity equations, reverse mode the adjoint
    equations (integrating the state backward with them), both with LSODA at the same
    ``rtol``/``atol`` (the parameters' integrals ride on the steps of the state and its
    adjoint); see `tangents.scipy._integrate_ode`.  ``func(y, t, *args)`` is NumPy code;
    values to differentiate in must be passed through ``args``.  ``Dfun`` is used for the
    solution itself, not for the derivative systems; ``full_output`` is for plain values.

    >>> import tangents as tg
    >>> decay = lambda k: odeint(lambda y, t, k: -k * y, np.array([1.0]), [0.0, 1.0],
    ...                          args=(k,), rtol=1e-10, atol=1e-12)[-1, 0]
    >>> bool(np.isclose(tg.grad(decay)(2.0), -np.exp(-2.0), rtol=1e-7))  # d/dk e^-k
    True
    """
    if full_output:
        if _traced(y0, t, args):
            raise NotImplementedError("odeint: full_output=True returns solver diagnostics "
                                      "and is for plain values; drop it inside transforms")
        return _si.odeint(func, y0, t, args, Dfun, col_deriv, full_output, ml, mu, rtol,
                          atol, tcrit, h0, hmax, hmin, ixpr, mxstep, mxhnil, mxordn, mxords,
                          printmessg, tfirst)
    if not isinstance(args, tuple):
        args = (args,)
    leaves, tree = tree_util.flatten(args)
    rhs = _Rhs(func, tfirst, tree, "odeint")
    if Dfun is not None:
        rhs.jac = Dfun
    # the Jacobian's layout and band hold for the solution's system, not the derivative ones
    rhs.base_options = {k: v for k, v in dict(col_deriv=col_deriv, ml=ml, mu=mu).items()
                        if v is not None}
    options = dict(rtol=rtol, atol=atol, tcrit=tcrit,
                   h0=h0, hmax=hmax, hmin=hmin, ixpr=ixpr, mxstep=mxstep, mxhnil=mxhnil,
                   mxordn=mxordn, mxords=mxords, printmessg=printmessg)
    options = {k: v for k, v in options.items() if v is not None}
    y0a = tnp.reshape(tnp.asarray(y0), (-1,))
    ys = _ode(y0a, tnp.asarray(t), leaves, rhs, "odeint", tuple(options.items()),
              int(np.shape(y0a)[0]))
    return _cast_back(ys, y0a)


class OdeResult(dict):
    """`solve_ivp`'s result: a dict whose keys (``t``, ``y``, ``sol``, ``status``, ...) are
    also attributes, as SciPy's."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _grid_impl(y0, t0, tf, *leaves, rhs, method, options):
    sol = _si.solve_ivp(lambda s, y: _plain(rhs(y, s, leaves), "fun", "solve_ivp"),
                        (t0, tf), np.asarray(y0, np.float64), method=method, **dict(options))
    return sol.t


def _grid_batch(vals, bdims, **params):
    raise NotImplementedError(
        "solve_ivp under vmap needs t_eval: without it each example gets its own output "
        "times (the solver's steps), which cannot be stacked. Pass t_eval=...")


# the solver's own output times, when the user gives no t_eval: constants (no derivative)
_grid_p = builders.nondifferentiable("integrate.ode_grid", _grid_impl)
_grid_p.def_batch(_grid_batch)


def solve_ivp(fun, t_span, y0, method="RK45", t_eval=None, dense_output=False, events=None,
              vectorized=False, args=None, **options):
    """``scipy.integrate.solve_ivp``, with ``.y`` (and ``.t``) differentiable in ``y0``,
    ``t_span``, ``t_eval`` and ``args``.

    Derivatives as in `odeint` (forward sensitivities / adjoint, same ``method``, ``rtol``,
    ``atol``).  Without ``t_eval`` the interior output times are the solver's steps, taken as
    constants; ``.t[0]`` and ``.t[-1]`` are ``t_span``'s.  With traced inputs ``.sol(t)``
    solves again from ``t_span[0]`` to ``t`` (``t`` sorted in the direction of
    integration), differentiable too; ``events`` are for plain values.

    >>> import tangents as tg
    >>> end = lambda y0: solve_ivp(lambda t, y: -y, (0.0, 1.0), y0, t_eval=[1.0],
    ...                            rtol=1e-10, atol=1e-12).y[0, -1]
    >>> bool(np.isclose(tg.grad(end)(np.array([2.0]))[0], np.exp(-1.0), rtol=1e-7))
    True
    """
    args = () if args is None else (args if isinstance(args, tuple) else (args,))
    if not _traced(y0, t_span, t_eval, args):
        wrapped = lambda t, y, *a: _checked(fun(t, y, *a), "fun", "solve_ivp")  # noqa: E731
        res = OdeResult(_si.solve_ivp(wrapped, t_span, y0, method, t_eval, dense_output,
                                      events, vectorized, args or None, **options))
        if np.asarray(y0).dtype == np.float32:  # SciPy integrates in float64: cast back
            res["y"] = res["y"].astype(np.float32)
        return res
    if events is not None:
        raise NotImplementedError("solve_ivp: events are for plain values; inside a transform "
                                  "locate the event yourself (e.g. with t_eval and np.where)")
    if np.ndim(y0) != 1:
        raise ValueError(f"solve_ivp: y0 must be 1-dimensional, got shape {np.shape(y0)}")
    leaves, tree = tree_util.flatten(args)
    rhs = _Rhs(fun, True, tree, "solve_ivp")
    if "jac" in options:
        rhs.jac = options.pop("jac")
    options = tuple(options.items())
    y0 = tnp.asarray(y0)
    n = int(np.shape(y0)[0])
    t0, tf = tnp.asarray(t_span[0]), tnp.asarray(t_span[1])
    if t_eval is None:
        grid = bind(_grid_p, y0, t0, tf, *leaves, rhs=rhs, method=method, options=options)
        t = tnp.concatenate([t0[None], grid[1:-1], tf[None]])
        ys = _ode(y0, t, leaves, rhs, method, options, n)
    else:
        # integrated to t_span[1] as SciPy does, so the steps (and values) are SciPy's
        t = tnp.asarray(t_eval)
        ys = _ode(y0, tnp.concatenate([t0[None], t, tf[None]]), leaves, rhs, method, options,
                  n)[1:-1]

    def sol(tq):
        tq = tnp.asarray(tq)
        out = _ode(y0, tnp.concatenate([t0[None], tnp.reshape(tq, (-1,))]), leaves, rhs,
                   method, options, n)[1:]
        return _cast_back(out[0] if np.ndim(tq) == 0 else out.T, y0)
    return OdeResult(t=t, y=_cast_back(ys.T, y0), sol=sol if dense_output else None,
                     t_events=None, y_events=None, status=0, success=True,
                     message="The solver successfully reached the end of the integration "
                             "interval.")


# -- quad and quad_vec: the integral of f(x, *args) over [a, b] ------------------------------
class _Integrand:
    def __init__(self, func, tree, op):
        self.func, self.tree, self.op = func, tree, op

    def __call__(self, x, leaves):
        return tnp.asarray(self.func(x, *tree_util.unflatten(self.tree, list(leaves))))


class _JvpIntegrand(_Staged):
    """The integrand's tangent in its ``k`` leaves, whose tangents follow them."""

    def __init__(self, base, k):
        self.base, self.k, self.op = base, k, base.op

    def __call__(self, x, leaves):
        p, tp = list(leaves[:self.k]), list(leaves[self.k:])
        return jvp(lambda *p: self.base(x, p), tuple(p), tuple(tp))[1]


class _VjpIntegrand(_Staged):
    """The cotangent (last leaf) pulled back to the leaves marked in ``wrt``, flattened."""

    def __init__(self, base, wrt):
        self.base, self.wrt, self.op = base, wrt, base.op

    def __call__(self, x, leaves):
        leaves, ct = list(leaves[:-1]), leaves[-1]
        idx = [i for i, w in enumerate(self.wrt) if w]

        def f(*p):
            full = list(leaves)
            for i, v in zip(idx, p):
                full[i] = v
            return self.base(x, full)
        cts = vjp(f, *[leaves[i] for i in idx])[1](ct)
        return tnp.concatenate([tnp.reshape(c, (-1,)) for c in cts])


def _quad_impl(a, b, *leaves, fun, kind, options):
    leaves = _f64(leaves)
    f = _solver_fn(fun, leaves, "the integrand")
    if kind == "quad":
        val, err = _si.quad(lambda x: float(f(x)), float(a), float(b), **dict(options))[:2]
    else:
        val, err = _si.quad_vec(f, float(a), float(b), **dict(options))[:2]
    return [np.asarray(val, np.float64), np.asarray(err, np.float64)]


_quad_p = Primitive("integrate.quad", _quad_impl, multiple_results=True)


def _vec_options(options):
    """The user's accuracy for the derivative integrals (computed with quad_vec)."""
    return tuple((k, v) for k, v in options if k in ("epsabs", "epsrel", "points"))


def _at_limit(fun, x, leaves):
    """``f(x)``, or 0 at an infinite limit (where a convergent integrand vanishes)."""
    finite = tnp.isfinite(x)
    return tnp.where(finite, fun(tnp.where(finite, x, 0.0), leaves), 0.0)


def _quad_jvp(primals, tangents, ans, *, fun, kind, options):
    a, b, *leaves = primals
    ta, tb, *tleaves = tangents
    out = None
    if any(t is not None for t in tleaves):
        tleaves = [_zeros_like(p) if t is None else t for p, t in zip(leaves, tleaves)]
        out = bind(_quad_p, a, b, *leaves, *tleaves, fun=_JvpIntegrand(fun, len(leaves)),
                   kind="quad_vec", options=_vec_options(options))[0]
    for t, x, sign in ((tb, b, 1.0), (ta, a, -1.0)):  # Leibniz: d/db = f(b), d/da = -f(a)
        if t is not None:
            term = sign * _at_limit(fun, x, leaves) * t
            out = term if out is None else out + term
    return [out, None]


def _quad_vjp(ct, ans, args, needed, *, fun, kind, options):
    a, b, *leaves = args
    ct = ct[0]
    out = [None if not needed[0] else -tnp.sum(ct * _at_limit(fun, a, leaves)),
           None if not needed[1] else tnp.sum(ct * _at_limit(fun, b, leaves))]
    wrt = tuple(bool(w) for w in needed[2:])
    if any(wrt):
        g = bind(_quad_p, a, b, *leaves, ct, fun=_VjpIntegrand(fun, wrt), kind="quad_vec",
                 options=_vec_options(options))[0]
        k = 0
        for p, w in zip(leaves, wrt):
            s = int(np.size(p))
            out.append(tnp.reshape(g[k:k + s], np.shape(p)) if w else None)
            k += s if w else 0
    else:
        out += [None] * len(leaves)
    return out


_quad_p.def_jvp(joint=_quad_jvp)
_quad_p.def_vjp(joint=_quad_vjp)
_quad_p.def_batch(batch_by_loop(_quad_p))


def _quad_call(func, a, b, args, kind, options, op):
    args = args if isinstance(args, tuple) else (args,)
    leaves, tree = tree_util.flatten(args)
    val, err = bind(_quad_p, tnp.asarray(a), tnp.asarray(b), *leaves,
                    fun=_Integrand(func, tree, op), kind=kind, options=tuple(options.items()))
    dt = np.result_type(*[getattr(x, "dtype", np.float64) for x in [a, b, *leaves]])
    return (tnp.asarray(val, np.float32) if dt == np.float32 else val), err


def quad(func, a, b, args=(), full_output=0, epsabs=1.49e-8, epsrel=1.49e-8, limit=50,
         points=None, weight=None, wvar=None, wopts=None, maxp1=50, limlst=50):
    """``scipy.integrate.quad``, differentiable in ``a``, ``b`` and ``args`` (smooth
    integrands): returns ``(value, abserr)``, ``abserr`` a constant.

    Leibniz rule: ``d/db = f(b)``, ``d/da = -f(a)`` (0 at an infinite limit); the derivative in
    ``args`` is the integral of the integrand's derivative, computed with ``quad_vec`` at the
    same ``epsabs``/``epsrel``.  ``weight`` and ``full_output`` are for plain values.

    >>> import tangents as tg
    >>> area = lambda b, c: quad(lambda x, c: np.exp(c * x), 0.0, b, args=(c,))[0]
    >>> g = tg.grad(area, (0, 1))(1.0, 0.5)   # (e^{c b}, d/dc (e^{c b} - 1) / c)
    >>> bool(np.isclose(g[0], np.exp(0.5))), bool(np.isclose(g[1], 4 - 2 * np.exp(0.5)))
    (True, True)
    """
    if full_output or weight is not None:
        if _traced(a, b, args):
            raise NotImplementedError("quad: full_output and weight are for plain values; "
                                      "inside a transform write the weight into func")
        return _si.quad(func, a, b, args, full_output, epsabs, epsrel, limit, points, weight,
                        wvar, wopts, maxp1, limlst)
    options = dict(epsabs=epsabs, epsrel=epsrel, limit=limit)
    if points is not None:
        options["points"] = tuple(points)
    return _quad_call(func, a, b, args, "quad", options, "quad")


def quad_vec(f, a, b, epsabs=1e-200, epsrel=1e-8, norm="2", cache_size=100e6, limit=10000,
             workers=1, points=None, quadrature=None, full_output=False, *, args=()):
    """``scipy.integrate.quad_vec``, differentiable in ``a``, ``b`` and ``args`` (smooth
    integrands): returns ``(value, abserr)``, ``abserr`` a constant.  Derivatives as in
    `quad`.

    >>> import tangents as tg
    >>> moments = lambda c: quad_vec(lambda x, c: np.exp(c * x) * np.array([1.0, x]),
    ...                              0.0, 1.0, args=(c,))[0].sum()
    >>> bool(np.isclose(tg.grad(moments)(0.0), 1 / 2 + 1 / 3))
    True
    """
    if full_output and _traced(a, b, args):
        raise NotImplementedError("quad_vec: full_output is for plain values")
    if full_output:
        return _si.quad_vec(f, a, b, epsabs, epsrel, norm, cache_size, limit, workers, points,
                            quadrature, full_output, args=args)
    options = dict(epsabs=epsabs, epsrel=epsrel, norm=norm, limit=limit)
    if points is not None:
        options["points"] = tuple(points)
    if quadrature is not None:
        options["quadrature"] = quadrature
    return _quad_call(f, a, b, args, "quad_vec", options, "quad_vec")
