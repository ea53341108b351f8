"""Softmax along any axis, and its derivative: the Jacobian diag(s) - s s^T per slice."""
import numpy as np

import tangents as tg
from tangents import nn

x = np.random.default_rng(0).standard_normal((2, 4, 3))
for axis in (-1, 1, (0, 2)):
    s = nn.softmax(x, axis=axis)
    assert np.allclose(np.sum(s, axis=axis), 1.0)
    print(f"softmax over axis {axis}: sums to one")

# the Jacobian of softmax over a vector is diag(s) - s s^T
v = x[0, :, 0]
s = nn.softmax(v)
jac = tg.jacobian(nn.softmax)(v)
assert np.allclose(jac, np.diag(s) - np.outer(s, s))
print("d softmax / dx = diag(s) - s s^T  (checked)")

# stable at huge logits: finite values and derivatives
big = np.array([1e4, -1e4, 0.0])
print("softmax of", big, "=", nn.softmax(big), "; jacobian finite:",
      np.isfinite(tg.jacobian(nn.softmax)(big)).all())
