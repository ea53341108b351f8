"""Newton's method for a 2-D nonlinear Poisson problem, -Δu + u^3 = f on the unit square with
u = 0 on the boundary, on a 200 x 200 grid (4 * 10^4 unknowns) with the 5-point Laplacian.

The residual's Jacobian comes from tangents.sparse.jacfwd (pattern detected and colored once,
then one batched JVP pass per step) and each step is one scipy.sparse.linalg.spsolve.  The
problem is also the minimum of an energy, whose sparse Hessian (star coloring) is the same
matrix scaled by h^2.  f is made from a known grid function, so the error is measurable.
"""
import numpy as np
import scipy.sparse.linalg as spla

import tangents.sparse as ts

m = 200
h = 1.0 / (m + 1)
xs = np.linspace(h, 1.0 - h, m)
exact = np.outer(np.sin(np.pi * xs), np.sin(2 * np.pi * xs)) * 4.0


def laplacian(g):
    # -Δ by the 5-point stencil, zero boundary values outside the grid
    p = np.pad(g, 1)
    return (4 * g - p[:-2, 1:-1] - p[2:, 1:-1] - p[1:-1, :-2] - p[1:-1, 2:]) / h ** 2


f = laplacian(exact) + exact ** 3  # the discrete problem's solution is `exact`


def residual(u):
    g = u.reshape(m, m)
    return (laplacian(g) + g ** 3 - f).ravel()


def energy(u):
    # its gradient is h^2 * residual(u): sum of squared differences over all grid edges
    p = np.pad(u.reshape(m, m), 1)
    grad_sq = np.sum((p[1:, 1:-1] - p[:-1, 1:-1]) ** 2) + np.sum((p[1:-1, 1:] - p[1:-1, :-1]) ** 2)
    return 0.5 * grad_sq + h ** 2 * np.sum(u ** 4 / 4 - f.ravel() * u)


jac = ts.jacfwd(residual)
u = np.zeros(m * m)
r0 = np.linalg.norm(residual(u))
for step in range(1, 20):  # noqa: B007 - reported below
    du = spla.spsolve(jac(u).tocsc(), residual(u))
    u = u - du
    if np.linalg.norm(du) <= 1e-12 * np.linalg.norm(u):
        break
error = np.max(np.abs(u - exact.ravel()))
jplan = ts.SparsePlan(ts.jacobian_sparsity(residual, u), "fwd")
hplan = ts.SparsePlan(ts.hessian_sparsity(energy, u), "hessian")
print(f"{m}x{m} grid: {step} Newton steps, |r| / |r(0)| = "
      f"{np.linalg.norm(residual(u)) / r0:.1e}, max error {error:.1e}; "
      f"Jacobian {jplan.ncolors} colors, Hessian {hplan.ncolors} colors (star), "
      f"nnz {jplan.pattern.nnz}")
assert step <= 8 and error <= 1e-10
# the energy's Hessian is h^2 times the residual's Jacobian: the same 5-point matrix
difference = ts.hessian(energy, sparsity=hplan)(u) - h ** 2 * jac(u)
assert abs(difference).max() <= 1e-12 * abs(h ** 2 * jac(u)).max()
assert jplan.ncolors <= 7 and hplan.ncolors <= 6
