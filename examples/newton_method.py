"""Newton's method with the exact Hessian (tg.hessian, compiled with tg.jit) on the Rosenbrock
function."""
import numpy as np

import tangents as tg
from tangents import optim


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


# each iteration calls them again on the same shape: traced once, then replayed
grad, hessian = tg.jit(tg.grad(rosenbrock)), tg.jit(tg.hessian(rosenbrock))
x = np.array([-1.2, 1.0, 0.5])
for it in range(50):  # noqa: B007 - it is reported below
    g = grad(x)
    if np.linalg.norm(g) < 1e-10:
        break
    h = hessian(x)
    step = np.linalg.solve(h, g)
    t = 1.0
    while rosenbrock(x - t * step) > rosenbrock(x) and t > 1e-8:
        t /= 2
    x = x - t * step
print(f"hand-written Newton: x = {x} after {it} iterations")
assert np.allclose(x, 1.0)

res = optim.newton(rosenbrock, np.array([-1.2, 1.0, 0.5]))
print(f"tangents.optim.newton: x = {res.x} after {res.nit} iterations")
assert np.allclose(res.x, 1.0)
