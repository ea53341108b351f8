"""Sparse Jacobians and Hessians (issue #16 targets) against dense jacfwd.

    python bench/bench_sparse.py

Targets: the tridiagonal residual's Jacobian at n = 10^5 in <= 1 s with detection and
coloring (3 colors), <= 0.2 s with a reused plan; the Hessian of a 5-point-stencil energy
on a 300x300 grid in <= 2 s with detection and star coloring (within 1 of the optimum 5);
dense jacfwd at n = 2000 for comparison.
"""
import time

import numpy as np

import tangents as tg
import tangents.sparse as ts


def residual(u):
    h = 1.0 / (u.size + 1)
    up = np.concatenate([np.zeros(1), u, np.zeros(1)])
    return (2 * up[1:-1] - up[:-2] - up[2:]) / h ** 2 + np.exp(u)


def grid_energy(m):
    def energy(u):
        g = u.reshape(m, m)
        return (np.sum((g[1:] - g[:-1]) ** 2) + np.sum((g[:, 1:] - g[:, :-1]) ** 2)
                + np.sum(np.cosh(g)))
    return energy


def best(f, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main():
    n = 10 ** 5
    x = np.linspace(0.0, 1.0, n)
    cold, jac = best(lambda: ts.jacfwd(residual)(x))
    t0 = time.perf_counter()
    pattern = ts.jacobian_sparsity(residual, x)
    t1 = time.perf_counter()
    plan = ts.SparsePlan(pattern, "fwd")
    t2 = time.perf_counter()
    warm, _ = best(lambda: ts.jacfwd(residual, sparsity=plan)(x))
    print(f"tridiagonal n={n}: {plan.ncolors} colors; detection {t1 - t0:.3f} s, coloring "
          f"{t2 - t1:.3f} s; jacfwd cold {cold:.3f} s (target 1), with plan {warm:.3f} s "
          f"(target 0.2); nnz {jac.nnz}")
    warm_rev, _ = best(lambda: ts.jacrev(residual, sparsity=pattern)(x))
    print(f"  jacrev from the pattern (row coloring included): {warm_rev:.3f} s")

    m = 300
    energy = grid_energy(m)
    u = np.linspace(-1.0, 1.0, m * m)
    for order in ("smallest_last", "largest_first"):  # the first is the default
        cold, hess = best(lambda: ts.hessian(energy, order=order)(u), repeat=1)
        pattern = ts.hessian_sparsity(energy, u)
        t0 = time.perf_counter()
        plan = ts.SparsePlan(pattern, "hessian", order)
        t1 = time.perf_counter()
        warm, _ = best(lambda: ts.hessian(energy, sparsity=plan)(u))
        print(f"5-point Hessian {m}x{m}, star coloring ({order}): {plan.ncolors} colors "
              f"(optimum 5); cold {cold:.3f} s (target 2), coloring {t1 - t0:.3f} s, with "
              f"plan {warm:.3f} s; nnz {hess.nnz}")

    n = 2000
    x = np.linspace(0.0, 1.0, n)
    dense, _ = best(lambda: tg.jacfwd(residual)(x), repeat=1)
    sparse, _ = best(lambda: ts.jacfwd(residual)(x), repeat=1)
    print(f"n={n}: dense jacfwd {dense:.3f} s, sparse jacfwd (cold) {sparse:.3f} s")


if __name__ == "__main__":
    main()
