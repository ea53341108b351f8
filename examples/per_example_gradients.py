"""Per-example gradients of a model's loss with vmap(grad(...)), against a Python loop."""
import numpy as np

import tangents as tg
from tangents import nn

rng = np.random.default_rng(0)
model = nn.Sequential(nn.Dense(8), nn.ReLU(), nn.Dense(3))
params = model.init(rng, (None, 4))
x = rng.standard_normal((16, 4)).astype(np.float32)
y = rng.integers(0, 3, size=16)


def loss(params, xi, yi):
    return nn.cross_entropy(model.apply(params, xi[None]), yi[None])


per_example = tg.vmap(tg.grad(loss), in_axes=(None, 0, 0))(params, x, y)
norms = np.sqrt(sum(np.sum(g.reshape(16, -1) ** 2, axis=1) for g in tg.tree.leaves(per_example)))
for i in (0, 7, 15):
    gi = tg.grad(loss)(params, x[i], y[i])
    for a, b in zip(tg.tree.leaves(per_example), tg.tree.leaves(gi)):
        assert np.allclose(a[i], b, rtol=1e-4, atol=1e-5)
print("per-example gradient norms:", np.round(norms, 3))
