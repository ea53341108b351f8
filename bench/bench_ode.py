"""Cost of an ODE gradient in 100 parameters (adjoint method) against the forward solve.

    python bench/bench_ode.py
"""
import time

import numpy as np

import tangents as tg
import tangents.scipy.integrate as tsi


def rhs(y, t, w):
    return np.tanh(w @ y) - 0.1 * y


def best(f, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((10, 10)) / 4  # 100 parameters
    y0 = rng.standard_normal(10)
    t = np.linspace(0.0, 5.0, 6)
    for solver in ("odeint", "RK45"):
        if solver == "odeint":
            solve = lambda w: tsi.odeint(rhs, y0, t, args=(w,), rtol=1e-10,  # noqa: E731
                                         atol=1e-12)
        else:
            solve = lambda w: tsi.solve_ivp(lambda s, y, w: rhs(y, s, w), (0.0, 5.0),  # noqa: E731
                                            y0, solver, t_eval=t, args=(w,), rtol=1e-10,
                                            atol=1e-12).y
        loss = lambda w: np.sum(solve(w) ** 2)  # noqa: E731
        fwd = best(lambda: solve(w))
        grad = best(lambda: tg.grad(loss)(w))
        print(f"{solver:7s} forward {fwd * 1e3:8.1f} ms   gradient (100 params) "
              f"{grad * 1e3:8.1f} ms   ratio {grad / fwd:5.2f}")


if __name__ == "__main__":
    main()
