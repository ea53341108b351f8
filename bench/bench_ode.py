"""Cost of an ODE gradient in 100 parameters (adjoint method) against the forward solve.

    python bench/bench_ode.py [--repeat N] [--times T]

rhs = tanh(w @ y) - 0.1 y, 10 states, w 10x10 (the 100 parameters), T output times on
[0, 5] (6 unless told), rtol=1e-10, atol=1e-12.  For odeint (LSODA), solve_ivp RK45 and
solve_ivp BDF (a stiff method) it prints, in ms:

* ``scipy``: SciPy's own forward solve of the same NumPy rhs;
* ``fwd``: tangents' forward solve (plain values);
* ``grad``: tangents' gradient in the 100 parameters (its forward solve included), and its
  ratio to ``fwd`` and to ``scipy``;
* ``hand``: a hand-written NumPy adjoint of this rhs, the way tangents runs its general path
  (the forward solve, then per output interval a backward solve of (y, a, g) with the
  parameter integrals g out of the error test, by the forward's method, BDF given
  blockdiag(J, -J^T, 0) as its Jacobian), and its ratio to ``scipy``.  For RK45 tangents
  now does better: (y, a) alone by DOP853, g summed over the recorded stages
  (src/tangents/scipy/_integrate_ode_rk.py);
* ``evals``: right-hand side evaluations of tangents' forward solve and of its backward
  solves (all intervals).  The backward pass restarts its solver at each output time (where
  the cotangent jumps), so its evaluations grow with T, LSODA's and BDF's most (they restart
  at order 1);
* ``us per evaluation`` of the right-hand side f and of the adjoint system (f and its vjp;
  for RK45 the (y, a) one), tangents' as its solvers call it and the hand-written (y, a, g)
  one, and a lower bound on grad / fwd that holds before any solver or tangents overhead:
  (fwd + backward evaluations x the hand adjoint's cost) / fwd.

Each time is the minimum over ``N`` rounds that alternate the four, in this process's CPU
time (``time.process_time``), so that other processes on a shared machine inflate none.
"""
import argparse
import time

import numpy as np
import scipy.integrate as si
from scipy import sparse

import tangents as tg
import tangents.scipy.integrate as tsi

TIGHT = dict(rtol=1e-10, atol=1e-12)
N = 10


def rhs(y, t, w):
    return np.tanh(w @ y) - 0.1 * y


def solver(method, y0, t, lib=tsi):
    if method == "odeint":
        return lambda w: lib.odeint(rhs, y0, t, args=(w,), **TIGHT)
    return lambda w: lib.solve_ivp(lambda s, y, w: rhs(y, s, w), (t[0], t[-1]), y0, method,
                                   t_eval=t, args=(w,), **TIGHT).y


def hand_adjoint(z, s, w):
    """(y, a, g)' = (f, -a^T df/dy, -a^T df/dw) for this rhs, written out in NumPy."""
    y, a = z[:N], z[N:2 * N]
    u = a * (1.0 - np.tanh(w @ y) ** 2)
    return np.concatenate([np.tanh(w @ y) - 0.1 * y, 0.1 * a - w.T @ u, -np.outer(u, y).ravel()])


def hand_jacobian(z, w):
    """The adjoint's Newton matrix for this rhs: J = diag(1 - tanh(w @ y)^2) w - 0.1 I."""
    j = (1.0 - np.tanh(w @ z[:N]) ** 2)[:, None] * w - 0.1 * np.eye(N)
    return sparse.block_diag([j, -j.T, sparse.csc_matrix((N * N, N * N))], format="csc")


def hand_grad(method, y0, t, w):
    """d/dw sum(ys ** 2), with the tolerances tangents gives its backward solves."""
    ys = solver(method, y0, t, si)(w)
    ys = ys if method == "odeint" else ys.T
    quad = np.arange(2 * N + N * N) >= 2 * N
    scale = 1.0 if method == "odeint" else np.sqrt(2 * N / quad.size)  # RMS over the others
    opts = dict(rtol=TIGHT["rtol"] * scale, atol=np.where(quad, 1e100, TIGHT["atol"] * scale))
    if method == "BDF":  # blockdiag(J, -J^T, 0), as tangents gives its implicit solvers
        opts["jac"] = lambda s, z, w: hand_jacobian(z, w)
    a, g = 2 * ys[-1], np.zeros(N * N)
    for i in range(len(t) - 1, 0, -1):
        z0 = np.concatenate([ys[i], a, g])
        if method == "odeint":
            z = si.odeint(hand_adjoint, z0, t[[i, i - 1]], args=(w,), **opts)[-1]
        else:
            z = si.solve_ivp(lambda s, z, w: hand_adjoint(z, s, w), (t[i], t[i - 1]), z0,
                             method, args=(w,), **opts).y[:, -1]
        a, g = z[N:2 * N] + 2 * ys[i - 1], z[2 * N:]
    return g.reshape(N, N)


def evaluations(run):
    """Right-hand side evaluations of each SciPy solve that ``run()`` makes, and each solve's
    ``(function, its first arguments)``."""
    counts, calls, odeint, solve_ivp = [], [], si.odeint, si.solve_ivp

    def counted_odeint(func, y0, t, *a, **k):
        ys, info = odeint(func, y0, t, *a, full_output=1, **k)
        counts.append(int(info["nfe"][-1]))
        calls.append((func, (np.asarray(y0, float), float(t[0]))))
        return ys

    def counted_solve_ivp(func, span, y0, *a, **k):
        sol = solve_ivp(func, span, y0, *a, **k)
        counts.append(sol.nfev)
        calls.append((func, (float(span[0]), np.asarray(y0, float))))
        return sol
    solvers, classes = [], {name: getattr(si, name) for name in ("RK23", "RK45", "DOP853")}

    def counted_class(cls):
        def make(fun, t0, y0, *a, **k):  # the explicit methods' adjoint drives these itself
            solver = cls(fun, t0, y0, *a, **k)
            solvers.append(solver)
            calls.append((fun, (float(t0), np.asarray(y0, float))))
            return solver
        return make
    si.odeint, si.solve_ivp = counted_odeint, counted_solve_ivp
    for name, cls in classes.items():
        setattr(si, name, counted_class(cls))
    try:
        run()
    finally:
        si.odeint, si.solve_ivp = odeint, solve_ivp
        for name, cls in classes.items():
            setattr(si, name, cls)
    return counts + [s.nfev for s in solvers], calls


def per_call(f, number=300, rounds=7):
    """Best CPU time of one call of ``f()``, in us."""
    return min(elapsed(lambda: [f() for _ in range(number)]) for _ in range(rounds)) / number * 1e6


def elapsed(f):
    t0 = time.process_time()
    f()
    return time.process_time() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--times", type=int, default=6)
    args = parser.parse_args()
    repeat = args.repeat
    rng = np.random.default_rng(0)
    w = rng.standard_normal((N, N)) / 4  # 100 parameters
    y0 = rng.standard_normal(N)
    t = np.linspace(0.0, 5.0, args.times)
    for method, rounds in (("odeint", repeat), ("RK45", repeat), ("BDF", max(2, repeat // 3))):
        solve, plain = solver(method, y0, t), solver(method, y0, t, si)
        grad = tg.grad(lambda w: np.sum(solve(w) ** 2))  # noqa: B023 - used in this round
        np.testing.assert_allclose(grad(w), hand_grad(method, y0, t, w), rtol=1e-7)
        runs = {"scipy": lambda: plain(w), "fwd": lambda: solve(w),  # noqa: B023
                "grad": lambda: grad(w), "hand": lambda: hand_grad(method, y0, t, w)}  # noqa: B023
        best = {k: [] for k in runs}
        for _ in range(rounds):
            for k, f in runs.items():
                best[k].append(elapsed(f))
        ms = {k: min(v) * 1e3 for k, v in best.items()}
        counts, calls = evaluations(lambda: grad(w))  # noqa: B023
        print(f"{method:7s} scipy {ms['scipy']:6.2f}  fwd {ms['fwd']:6.2f}  grad {ms['grad']:6.2f}"
              f" ({ms['grad'] / ms['fwd']:5.2f}x fwd, {ms['grad'] / ms['scipy']:5.2f}x scipy)"
              f"  hand {ms['hand']:6.2f} ({ms['hand'] / ms['scipy']:5.2f}x scipy)"
              f"  evals fwd {counts[0]} back {sum(counts[1:])}")
        (f, args), (adjoint, z_args) = calls[0], calls[1]
        z = z_args[0] if method == "odeint" else z_args[1]
        us = {"f": per_call(lambda: f(*args)), "adjoint": per_call(lambda: adjoint(*z_args)),  # noqa: B023
              "hand": per_call(lambda: hand_adjoint(z, 0.0, w))}  # noqa: B023
        floor = 1 + sum(counts[1:]) * us["hand"] * 1e-3 / ms["fwd"]
        print(f"{'':7s} us per evaluation: f {us['f']:.1f}, adjoint {us['adjoint']:.1f} (hand "
              f"{us['hand']:.1f}); fwd + the backward's evaluations alone: {floor:.2f}x fwd")


if __name__ == "__main__":
    main()
