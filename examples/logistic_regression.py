"""Logistic regression fitted with tangents.optim.minimize (SciPy, exact gradient and
Hessian-vector products) over a parameter pytree."""
import numpy as np

from tangents import nn, optim

rng = np.random.default_rng(0)
X = rng.standard_normal((200, 3))
true_w, true_b = np.array([2.0, -1.0, 0.5]), 0.3
y = (rng.random(200) < 1 / (1 + np.exp(-(X @ true_w + true_b)))).astype(float)


def loss(p):
    logits = X @ p["w"] + p["b"]
    return nn.binary_cross_entropy_with_logits(logits, y) + 1e-3 * np.sum(p["w"] ** 2)


res = optim.minimize(loss, {"w": np.zeros(3), "b": np.array(0.0)}, method="Newton-CG")
acc = np.mean(((X @ res.x["w"] + res.x["b"]) > 0) == (y > 0.5))
print(f"converged: {res.success} in {res.nit} iterations; w = {res.x['w']}, b = {res.x['b']:.3f}")
print(f"training accuracy {100 * acc:.1f}%")
assert res.success and acc > 0.75
