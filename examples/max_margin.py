"""A vectorised max-margin (hinge) ranking loss and its gradient, against a loop."""
import numpy as np

import tangents as tg
from tangents import nn

rng = np.random.default_rng(0)
pos = rng.standard_normal((6, 1))
neg = rng.standard_normal((6, 4))

loss = nn.max_margin(pos, neg, margin=1.0)
loop = np.mean([sum(max(0.0, 1.0 - pos[i, 0] + neg[i, j]) for j in range(4)) for i in range(6)])
assert np.isclose(loss, loop)

g_pos, g_neg = tg.grad(lambda p, n: nn.max_margin(p, n), argnums=(0, 1))(pos, neg)
active = (1.0 - pos + neg) > 0
assert np.allclose(g_neg, active / 6) and np.allclose(g_pos, -active.sum(1, keepdims=True) / 6)
print(f"max-margin loss {loss:.4f}; gradient = active hinges / batch (checked)")
