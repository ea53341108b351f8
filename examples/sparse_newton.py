"""Newton's method with a sparse Hessian: a 1-D nonlinear boundary-value problem,
-u'' + exp(u) = 2 on (0, 1) with u(0) = u(1) = 0, as the minimum of its energy over 10^5
unknowns.  The Hessian's pattern is found and colored once (3 colors: tridiagonal), each
Newton step is one batched Hessian-vector pass and one sparse solve.
"""
import numpy as np
import scipy.sparse.linalg as spla

import tangents as tg
import tangents.sparse as ts

n = 10 ** 5
h = 1.0 / (n + 1)


def energy(u):
    up = np.concatenate([np.zeros(1), u, np.zeros(1)])
    return np.sum((up[1:] - up[:-1]) ** 2) / (2 * h) + h * np.sum(np.exp(u) - 2 * u)


grad = tg.jit(tg.grad(energy))  # called at every step: traced once, then replayed
hess = ts.hessian(energy)  # detection and coloring happen at the first call, then reused
u = np.zeros(n)
g0 = np.linalg.norm(grad(u))
for step in range(1, 20):  # noqa: B007 - reported below
    du = spla.spsolve(hess(u).tocsc(), grad(u))
    u = u - du
    if np.linalg.norm(du) <= 1e-12 * np.linalg.norm(u):
        break
print(f"{step} Newton steps, |grad| / |grad(0)| = {np.linalg.norm(grad(u)) / g0:.1e}, "
      f"u(1/2) = {u[n // 2]:.6f}")
# the Hessian's condition number is ~n^2 = 1e10: the gradient stops near 1e-16 * 1e10 of g0
assert step <= 6 and np.linalg.norm(grad(u)) <= 1e-6 * g0
# the 3-color plan: the Hessian is tridiagonal
assert ts.SparsePlan(ts.hessian_sparsity(energy, u), "hessian").ncolors == 3
