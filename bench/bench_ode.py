"""Cost of an ODE gradient in 100 parameters (adjoint method) against the forward solve.

    python bench/bench_ode.py [--repeat N]

rhs = tanh(w @ y) - 0.1 y, 10 states, w 10x10 (the 100 parameters), 6 output times on
[0, 5], rtol=1e-10, atol=1e-12.  For odeint (LSODA), solve_ivp RK45 and solve_ivp BDF (a
stiff method) it prints the forward solve's time, the gradient's (the forward solve
included) and their ratio; each is the minimum over ``N`` rounds that alternate the two, timed
in this process's CPU time (``time.process_time``), so that other processes on a shared
machine inflate neither.
"""
import argparse
import time

import numpy as np

import tangents as tg
import tangents.scipy.integrate as tsi

TIGHT = dict(rtol=1e-10, atol=1e-12)


def rhs(y, t, w):
    return np.tanh(w @ y) - 0.1 * y


def solver(method, y0, t):
    if method == "odeint":
        return lambda w: tsi.odeint(rhs, y0, t, args=(w,), **TIGHT)
    return lambda w: tsi.solve_ivp(lambda s, y, w: rhs(y, s, w), (t[0], t[-1]), y0, method,
                                   t_eval=t, args=(w,), **TIGHT).y


def elapsed(f):
    t0 = time.process_time()
    f()
    return time.process_time() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    rng = np.random.default_rng(0)
    w = rng.standard_normal((10, 10)) / 4  # 100 parameters
    y0 = rng.standard_normal(10)
    t = np.linspace(0.0, 5.0, 6)
    for method, rounds in (("odeint", repeat), ("RK45", repeat), ("BDF", max(2, repeat // 3))):
        solve = solver(method, y0, t)
        grad = tg.grad(lambda w: np.sum(solve(w) ** 2))  # noqa: B023 - used in this round
        fwd, rev = [], []
        for _ in range(rounds):
            fwd.append(elapsed(lambda: solve(w)))  # noqa: B023
            rev.append(elapsed(lambda: grad(w)))  # noqa: B023
        print(f"{method:7s} forward {min(fwd) * 1e3:8.2f} ms   gradient (100 params) "
              f"{min(rev) * 1e3:8.2f} ms   ratio {min(rev) / min(fwd):5.2f}")


if __name__ == "__main__":
    main()
