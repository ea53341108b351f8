"""The ODE primitive behind `tangents.scipy.integrate`'s ``odeint`` and ``solve_ivp``:
``ys[i] = y(t[i])``, and its derivatives, each the solution of another ODE solved by the same
SciPy solver at the user's tolerances (the adjoint of an explicit Runge-Kutta method at a
tight rtol by DOP853) and posed as a call of the same primitive, so derivatives of any order
compose.

* Forward mode: forward sensitivities.  The state ``(y, v)`` with ``v' = J_y f v + J_p f
  p_dot`` (one `jvp` of the right-hand side per evaluation), ``v(t0) = y0_dot - f(y0, t0)
  t0_dot``, and ``y(t_i)_dot = v(t_i) + f(y_i, t_i) t_i_dot``.
* Reverse mode: the adjoint method.  From each output time down to the previous one, the
  state ``(y, a, g)`` is integrated backward with ``y' = f``, ``a' = -a^T J_y f``, ``g' =
  -a^T J_p f`` (one `vjp` of the right-hand side per evaluation), adding the output's
  cotangent to ``a`` at each output time; ``g(t0)`` is the parameters' cotangent, ``a(t0)``
  that of ``y0``; an output time gets ``<ct_i, f(y_i, t_i)>`` and ``t0`` gets ``-<a(t0),
  f(y0, t0)>``.  The state is integrated backward with the adjoint (restarted from the
  forward solution at every output time) rather than read from the forward solve's dense
  output, because the backward pass is then one more call of the ODE primitive: differentiable
  in ``y0``, ``t`` and ``args`` again (Hessians), under vmap, for every solver, including
  ``odeint``'s LSODA, which has no dense output.  The price is that a strongly contracting
  system (stiff decay over many time constants between output times) is unstable backward;
  put output times closer together there.

Cost.  The derivative systems are staged once with `tangents.jit` (`_Staged`; a program
traced alike again reuses its compiled run, `tangents.jit.reuse`), so each of the solver's
evaluations runs a compiled program instead of tracing a fresh `jvp`/`vjp` of the user's
function.  Quadrature entries (``g``, and their tangents and adjoints at higher order) are
left out of the solver's error test (`_options`), and the implicit solvers get the systems'
Jacobians from J = df/dy (`_jacobian_option`) instead of differencing the 2n + P entries, so
100 parameters cost the steps of the state and its adjoint, not more.  The explicit
Runge-Kutta methods do better at first order on plain values (`_integrate_ode_rk`: ``(y,
a)`` alone, ``g`` summed over the recorded stages in one batched vjp), and at ``rtol <=
1e-6`` solve backward with DOP853 (`_backward_method`).  bench/bench_ode.py (10 states, 100
parameters, rtol 1e-10, 6 output times), gradient / forward solve: RK45 2.5x (the backward
370 evaluations against the forward's 554), BDF 3.7x, odeint 8x.  What remains for BDF and
LSODA is the algorithm's: the backward solves restart at each output time, where the
cotangent jumps, at order 1 (BDF 950 evaluations against 573 forward; a hand-written NumPy
(y, a) adjoint alone takes 2.9x BDF's forward), and LSODA's evaluations alone cost 6.6x its
forward.  Starting an interval with the previous one's last step was measured: at 6 / 21
output times LSODA took +8% / -2% evaluations, BDF +6% / +17%, RK45 -3% / -17%; it is not
done, as a step carried between solves would make each example of a vmap depend on its
neighbours.  Reading ``y`` from the forward's dense output instead of integrating it
backward was measured too: no fewer evaluations, and the interpolant costs 5-8 us per
evaluation.
"""
from __future__ import annotations

import numpy as np
import scipy.integrate as _si
import scipy.sparse as _sparse

from .. import numpy as tnp
from ..core import Primitive, Tracer, batch_by_loop, bind, jacfwd, jvp, vjp
from ..core import tree as tree_util
from ..jit import jit


def _plain(x, what, op):
    """``x`` as a float64 array for SciPy; a traced value here came in through a closure."""
    if isinstance(x, Tracer):
        raise TypeError(
            f"{op}: {what} returned a value traced by a transform that did not come in "
            "through args (a closure captured it), so its derivative would be lost. Pass "
            f"the differentiated values as args=(...) to {op} instead.")
    return np.asarray(x, dtype=np.float64)


def _checked(out, what, op):
    if isinstance(out, Tracer):
        _plain(out, what, op)
    return out


def _f64(leaves):
    """The leaves, floating ones in float64: SciPy integrates in float64, so the right-hand
    side must too (float32 noise would stall a solver at a tight rtol)."""
    out = []
    for x in leaves:
        x = np.asarray(x)
        out.append(x.astype(np.float64) if x.dtype.kind == "f" else x)
    return out


def _flat(out):
    """A function's result (array, number or list of them) as a 1-D differentiable array."""
    if type(out) is np.ndarray:  # a plain result: no primitive to bind (~1 us a call)
        return out.reshape(-1)
    if isinstance(out, (list, tuple)):
        out = tnp.stack([tnp.asarray(o) for o in out])
    return tnp.reshape(out, (-1,))


# guards a staged program may hold and still run compiled: a branch or a data-dependent
# shape has few outcomes, a Python number read from a value (float(t)) a new one each call
_CACHEABLE_GUARDS = frozenset({"bool", "shape"})


class _Staged:
    """Mixin of the derivative systems (`_JvpRhs`, `_AdjointRhs`, the integrands'): the
    solver calls them through `numpy_fn`, which stages ``self`` once with `tangents.jit` and
    runs the compiled program (its fused kernels from the first evaluation on) on each
    evaluation instead of tracing a fresh `jvp`/`vjp` of the user's function through the
    interpreters.  Eager when staging is not possible (a closure holds a transform's value,
    a Python number is read from a traced value, or `jit` raises)."""

    _jitted = None
    _eager = False

    def numpy_fn(self, leaves, what):
        """``(*xs) -> float64 ndarray``: ``self(*xs, leaves)`` for the solver, ``xs`` the
        solver's numbers or arrays (a number goes in as a 0-d array, so it stays dynamic in
        `jit`'s signature instead of being traced again for each value)."""
        def eager(*xs):
            return _plain(self(*xs, leaves), what, self.op)

        def compiled(*xs):
            if self._eager:
                return eager(*xs)
            xs = [np.asarray(x, np.float64) for x in xs]
            if self._jitted is None and not self._stage(xs, leaves):
                return eager(*xs)
            return _plain(self._jitted(*xs, *leaves), what, self.op)
        return compiled

    def _stage(self, xs, leaves):
        nx = len(xs)
        jitted = jit(lambda *a: self(*a[:nx], a[nx:]))
        try:
            guards = jitted.lower(*xs, *leaves).program.guards
        except Exception:  # noqa: BLE001 - not stageable: eager gives the error if there is one
            guards = None
        if guards is None or any(g.kind not in _CACHEABLE_GUARDS for g in guards):
            self._eager = True
            return False
        try:
            # tg.jit runs a new program on the NumPy executor while its fused kernels compile
            # in the background: a solve that switched partway would take steps depending on
            # when the compile ended, so its hundreds of evaluations wait for the kernels
            jitted.wait_compiled()
        except RuntimeError:  # the compile failed (jit warned): the NumPy executor runs it
            pass
        self._jitted = jitted
        return True


# -- right-hand sides: the user's function and the augmented systems built on it ----------
class _Rhs:
    """The user's ``f`` as the primitive calls it: ``rhs(y, t, leaves) -> dy/dt`` (1-D)."""

    def __init__(self, func, tfirst, tree, op):
        self.func, self.tfirst, self.tree, self.op = func, tfirst, tree, op
        self.jac = None  # the user's Jacobian (or its constant value), base solve only
        self.base_options = {}

    def __call__(self, y, t, leaves):
        args = tree_util.unflatten(self.tree, list(leaves))
        out = self.func(t, y, *args) if self.tfirst else self.func(y, t, *args)
        return _flat(out)

    def numpy_fn(self, leaves, what):
        """``(y, t) -> float64 ndarray`` for the solver, ``args`` unflattened once per solve
        rather than at each evaluation."""
        args = tree_util.unflatten(self.tree, list(leaves))
        func, tfirst, op = self.func, self.tfirst, self.op

        def call(y, t):
            return _plain(_flat(func(t, y, *args) if tfirst else func(y, t, *args)), what, op)
        return call

    def jacobian(self, leaves, solver):
        """The user's Jacobian as the solver's option, on plain leaves."""
        jac = self.jac
        if not callable(jac):
            return {"jac": jac}
        args = tree_util.unflatten(self.tree, list(leaves))
        if solver == "odeint":
            return {"Dfun": (lambda y, s: jac(s, y, *args)) if self.tfirst else
                    (lambda y, s: jac(y, s, *args))}
        return {"jac": lambda s, y: jac(s, y, *args)}


class _JvpRhs(_Staged):
    """State ``(z, v)``: ``z' = base(z)``, ``v' = J base v`` (forward sensitivities).  Its
    leaves are the base's ``k`` leaves followed by their tangents."""

    def __init__(self, base, k):
        self.base, self.k, self.op = base, k, base.op
        self.state_jacobian = _StateJacobian(base)  # staged on first use, then kept

    def __call__(self, z, t, leaves):
        m = z.shape[0] // 2
        p, tp = list(leaves[:self.k]), list(leaves[self.k:])
        out, tout = jvp(lambda y, *p: self.base(y, t, p), (z[:m], *p), (z[m:], *tp))
        return tnp.concatenate([out, tout])


class _AdjointRhs(_Staged):
    """State ``(y, a, g)``: ``y' = f``, ``a' = -a^T J_y f``, ``g' = -a^T J_p f`` for the
    leaves marked in ``wrt``."""

    def __init__(self, base, wrt):
        self.base, self.wrt, self.op = base, wrt, base.op
        self.state_jacobian = _StateJacobian(base)

    def __call__(self, z, t, leaves):
        n = self.base_n(z, leaves)
        y, a = z[:n], z[n:2 * n]
        idx = [i for i, w in enumerate(self.wrt) if w]

        def f(y, *p):
            full = list(leaves)
            for i, v in zip(idx, p):
                full[i] = v
            return self.base(y, t, full)
        out, back = vjp(f, y, *[leaves[i] for i in idx])
        cts = back(-a)  # (-a)^T J: one negation instead of one per cotangent
        return tnp.concatenate([out] + [tnp.reshape(c, (-1,)) for c in cts])

    def base_n(self, z, leaves):
        g = sum(int(np.size(leaves[i])) for i, w in enumerate(self.wrt) if w)
        return (z.shape[0] - g) // 2


class _StateJacobian(_Staged):
    """``(y, t, leaves) -> d base / dy``, the base system's Jacobian in its state."""

    def __init__(self, base):
        self.base, self.op = base, base.op

    def __call__(self, y, t, leaves):
        return jacfwd(lambda y: self.base(y, t, leaves))(y)


# the solvers that solve with a Jacobian, and the layout each takes (sparse: LU by SuperLU)
_IMPLICIT = {"odeint": "dense", "LSODA": "dense", "BDF": "sparse", "Radau": "sparse"}


def _jacobian_option(rhs, leaves, solver, size):
    """A derivative system's Jacobian for an implicit solver, so that it does not difference
    the whole state (2m + P evaluations): blockdiag(J, J) for ``(z, v)``, blockdiag(J, -J^T,
    0) for ``(y, a, g)``, with J = d base/dy.  The exact Jacobian differs by strictly lower
    blocks (d(J v)/dz, d(a^T J)/dy, the quadratures' rows: each block reads only earlier
    ones), so in Newton's iteration I - A^{-1} E is strictly block lower triangular, hence
    nilpotent, and the iteration converges as with the exact one."""
    layout = _IMPLICIT.get(solver)
    if layout is None or not isinstance(rhs, (_JvpRhs, _AdjointRhs)):
        return {}
    jac = rhs.state_jacobian.numpy_fn(
        leaves[:rhs.k] if isinstance(rhs, _JvpRhs) else leaves, "the right-hand side")
    adjoint = isinstance(rhs, _AdjointRhs)

    def matrix(y, t):
        m = y.shape[0] // 2 if not adjoint else rhs.base_n(y, leaves)
        j = jac(y[:m], t)
        blocks = [j, -j.T] if adjoint else [j, j]
        if layout == "sparse":
            rest = [_sparse.csc_matrix((size - 2 * m, size - 2 * m))] if size > 2 * m else []
            return _sparse.block_diag(blocks + rest, format="csc")
        out = np.zeros((size, size))
        out[:m, :m], out[m:2 * m, m:2 * m] = blocks
        return out
    if solver == "odeint":
        return {"Dfun": matrix}
    return {"jac": lambda s, y: matrix(y, s)}


# -- the ODE primitive: ys[i] = y(t[i]) -----------------------------------------------------
def _solver_fn(fn, leaves, what):
    """``fn(*xs, leaves)`` as the plain function of the solver's ``xs`` that SciPy calls."""
    if isinstance(fn, (_Staged, _Rhs)):
        return fn.numpy_fn(leaves, what)
    return lambda *xs: _plain(fn(*xs, leaves), what, fn.op)


def _quadratures(rhs, size, leaves):
    """Mask of the state's entries that are quadratures: ``x' = h(other entries)``, read by
    no entry (the adjoint's ``g`` and its tangents).  The adjoint of a quadrature is not one:
    it is constant, but the other adjoints read it."""
    if isinstance(rhs, _JvpRhs):
        half = _quadratures(rhs.base, size // 2, leaves[:rhs.k])
        return np.concatenate([half, half])
    if isinstance(rhs, _AdjointRhs):
        g = sum(int(np.size(p)) for p, w in zip(leaves, rhs.wrt) if w)
        inner = _quadratures(rhs.base, (size - g) // 2, leaves)
        return np.concatenate([inner, np.zeros_like(inner), np.ones(g, bool)])
    return np.zeros(size, bool)


# SciPy's defaults (odeint's for both; solve_ivp's), and the solvers whose error test is a
# max norm (ODEPACK's); SciPy's own solvers take the root mean square over the state
_DEFAULT_TOL = {"odeint": (1.49012e-8, 1.49012e-8), "solve_ivp": (1e-3, 1e-6)}
_MAX_NORM = ("odeint", "LSODA")
_UNCONTROLLED = 1e100  # an atol that takes an entry out of the error test


def _options(options, solver, n, quad):
    """Solver options for a state whose first ``n`` entries are the ODE's (an array ``atol``
    holds for those; the sensitivities and adjoints get its minimum), ``quad`` marking the
    quadratures.  Those are left out of the error test (a seminorm: Kidger, Chen & Lyons,
    "Hey, that's not an ODE", 2021): they ride on the steps that control the entries they
    integrate, with the same order of accuracy, and controlling them too only adds steps.
    For an RMS error norm the other entries' tolerances are scaled by sqrt(controlled /
    all), so the test on them is the user's."""
    opts = dict(options)
    size = quad.shape[0]
    atol = opts.get("atol")
    if atol is not None and np.ndim(atol) > 0 and size != n:
        atol = np.asarray(atol, np.float64)
        opts["atol"] = np.concatenate([atol, np.full(size - n, atol.min())])
    if not quad.any():
        return opts
    rtol0, atol0 = _DEFAULT_TOL["odeint" if solver == "odeint" else "solve_ivp"]
    rtol = opts.get("rtol", rtol0)
    atol = np.broadcast_to(np.asarray(opts.get("atol", atol0), np.float64), (size,))
    scale = 1.0 if solver in _MAX_NORM else np.sqrt((size - quad.sum()) / size)
    opts["rtol"] = np.maximum(np.asarray(rtol, np.float64) * scale, 100 * np.finfo(float).eps)
    opts["atol"] = np.where(quad, _UNCONTROLLED, atol * scale)
    return opts


_EXPLICIT = ("RK23", "RK45", "DOP853")
_TIGHT_RTOL = 1e-6


def _backward_method(solver, options):
    """The method of the adjoint's backward solves: the forward's, except that an explicit
    Runge-Kutta method at ``rtol <= 1e-6`` gets DOP853, SciPy's 8th-order pair, which takes
    fewer steps there (bench/bench_ode.py's system backward from RK45's forward: 354
    evaluations against RK45's 726 at rtol 1e-10, 210 against 324 at 1e-8, 138 against 156
    at 1e-6; even at 1e-4, more at 1e-3)."""
    if solver in _EXPLICIT:
        rtol = dict(options).get("rtol")
        if rtol is not None and np.max(rtol) <= _TIGHT_RTOL:
            return "DOP853"
    return solver


def _first_step(options, t0, t1):
    """The user's ``first_step`` for a derivative system's solve from ``t0`` to ``t1``: an
    adjoint's span is one output interval, which may be shorter than the forward's first
    step (SciPy raises on a first step beyond the span)."""
    first = options.get("first_step")
    return {} if first is None else {"first_step": min(first, abs(t1 - t0))}


def _ode_impl(y0, t, *leaves, rhs, solver, options, n):
    y0 = np.asarray(y0, np.float64)
    t = np.asarray(t, np.float64)
    leaves = _f64(leaves)
    op = rhs.op
    if t.shape[0] < 2 or t[0] == t[-1]:  # nothing to integrate (a zero-length segment)
        return np.tile(y0, (t.shape[0], 1))
    opts = _options(options, solver, n, _quadratures(rhs, y0.shape[0], leaves))
    if isinstance(rhs, _Rhs):  # the user's Jacobian and its layout: the base system only
        opts.update(rhs.base_options)
        if rhs.jac is not None:
            opts.update(rhs.jacobian(leaves, solver))
    else:
        jac = _jacobian_option(rhs, leaves, solver, y0.shape[0])
        if jac:
            opts.update(jac)
        opts.update(_first_step(opts, t[0], t[-1]))
    f = _solver_fn(rhs, leaves, "the right-hand side")
    if solver == "odeint":
        return _si.odeint(lambda y, s: f(y, s), y0, t, **opts)
    # solve_ivp wants t_eval strictly monotonic: solve at the distinct times, then repeat
    tu, inv = np.unique(t, return_inverse=True)
    if t[-1] < t[0]:
        tu, inv = tu[::-1], tu.shape[0] - 1 - inv
    sol = _si.solve_ivp(lambda s, y: f(y, s), (t[0], t[-1]), y0, method=solver, t_eval=tu,
                        **opts)
    if sol.status < 0 or sol.y.shape[1] != tu.shape[0]:
        raise RuntimeError(f"{op}: the solver failed ({sol.message}); loosen rtol/atol or "
                           "try another method")
    return sol.y.T[inv.reshape(-1)]


_ode_p = Primitive("integrate.ode", _ode_impl)


def _ode(y0, t, leaves, rhs, solver, options, n):
    return bind(_ode_p, y0, t, *leaves, rhs=rhs, solver=solver, options=options, n=n)


def _zeros_like(x):
    return tnp.zeros(np.shape(x), np.float64)


def _ode_jvp(primals, tangents, ans, *, rhs, solver, options, n):
    y0, t, *leaves = primals
    ty0, tt, *tleaves = tangents
    m = np.shape(y0)[0]
    v0 = _zeros_like(y0) if ty0 is None else ty0
    if tt is not None:
        v0 = v0 - rhs(y0, t[0], leaves) * tt[0]
    tleaves = [_zeros_like(p) if tp is None else tp for p, tp in zip(leaves, tleaves)]
    zs = _ode(tnp.concatenate([y0, v0]), t, leaves + tleaves, _JvpRhs(rhs, len(leaves)),
              solver, options, n)
    vs = zs[:, m:]
    if tt is not None:
        # y(t_0) = y0 whatever t_0 is: row 0 gets back the -f(y0, t0) t0_dot put into v(t0)
        fs = tnp.stack([rhs(ans[i], t[i], leaves) for i in range(np.shape(t)[0])])
        vs = vs + fs * tt[:, None]
    return vs


def _ode_vjp(ct, ans, args, needed, *, rhs, solver, options, n):
    from . import _integrate_ode_rk as rk  # it builds on this module
    if isinstance(rhs, _Rhs) and rk.applies(solver, ct, args):
        out = rk.ode_vjp(ct, ans, args, needed, rhs=rhs, solver=solver, options=options, n=n)
        if out is not None:
            return out
    y0, t, *leaves = args
    wrt = tuple(bool(w) for w in needed[2:])
    adj = _AdjointRhs(rhs, wrt)
    m = np.shape(y0)[0]
    sizes = [int(np.size(p)) for p, w in zip(leaves, wrt) if w]
    g = tnp.zeros(sum(sizes), np.float64)
    a = ct[-1]
    T = np.shape(t)[0]
    ct_t = [None] * T
    backward = _backward_method(solver, options)
    for i in range(T - 1, 0, -1):
        if needed[1]:
            ct_t[i] = tnp.vdot(ct[i], rhs(ans[i], t[i], leaves))
        z = _ode(tnp.concatenate([ans[i], a, g]), tnp.stack([t[i], t[i - 1]]), leaves, adj,
                 backward, options, n)[-1]
        a, g = z[m:2 * m], z[2 * m:]
        if i == 1 and needed[1]:
            ct_t[0] = -tnp.vdot(a, rhs(ans[0], t[0], leaves))
        a = a + ct[i - 1]
    if T == 1:
        a = ct[0]
    out = [a if needed[0] else None]
    if needed[1]:
        out.append(tnp.stack([_zeros_like(ans[0][0]) if c is None else c for c in ct_t]))
    else:
        out.append(None)
    k = 0
    for p, w in zip(leaves, wrt):
        if w:
            s = int(np.size(p))
            out.append(tnp.reshape(g[k:k + s], np.shape(p)))
            k += s
        else:
            out.append(None)
    return out


_ode_p.def_jvp(joint=_ode_jvp)
_ode_p.def_vjp(joint=_ode_vjp)
_ode_p.def_batch(batch_by_loop(_ode_p))
