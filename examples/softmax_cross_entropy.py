"""Softmax + cross-entropy backprop through a linear layer, checked against the closed form
d loss / d logits = (softmax(z) - onehot(y)) / batch."""
import numpy as np

import tangents as tg
from tangents import nn

rng = np.random.default_rng(0)
x = rng.standard_normal((8, 5))
y = rng.integers(0, 3, size=8)
w = rng.standard_normal((5, 3))


def loss(w):
    return nn.cross_entropy(x @ w, y)


g = tg.grad(loss)(w)
z = x @ w
closed = x.T @ (nn.softmax(z) - np.eye(3)[y]) / len(y)
assert np.allclose(g, closed)
print("gradient matches x^T (softmax(z) - onehot(y)) / B; max error",
      np.max(np.abs(g - closed)))
