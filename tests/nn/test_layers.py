"""Layers as pure functions over parameter pytrees."""
import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
from tangents import nn


def test_sequential_init_shapes_and_apply():
    model = nn.Sequential(nn.Conv2D(4, 3, padding="SAME"), nn.ReLU(), nn.MaxPool2D(2),
                          nn.Conv2D(6, 2), nn.AvgPool2D(1), nn.Flatten(), nn.Dense(5),
                          nn.LayerNorm(), nn.Tanh(), nn.Dropout(0.5), nn.Dense(3))
    params = model.init(np.random.default_rng(0), (None, 8, 8, 2))
    assert params[0]["w"].shape == (3, 3, 2, 4) and params[3]["w"].shape == (2, 2, 4, 6)
    assert params[6]["w"].shape == (3 * 3 * 6, 5)
    assert model.output_shape((7, 8, 8, 2)) == (7, 3)
    x = rand((7, 8, 8, 2), dtype=np.float32)
    y = model.apply(params, x)
    assert y.shape == (7, 3) and y.dtype == np.float32
    # dropout is the identity outside training, random (and needs an rng) in training
    y2 = model.apply(params, x, rng=np.random.default_rng(1), train=True)
    assert not np.allclose(y, y2)
    with pytest.raises(ValueError, match="rng"):
        model.apply(params, x, train=True)


def test_model_gradient_matches_finite_differences():
    model = nn.Sequential(nn.Conv2D(2, 2), nn.GELU(), nn.Flatten(), nn.Dense(3), nn.LayerNorm(),
                          nn.Sigmoid(), nn.Dense(2))
    params = model.init(np.random.default_rng(0), (None, 4, 4, 1))
    params = tg.tree.map(lambda p: p.astype(np.float64) + 0.1, params)
    x, y = rand((3, 4, 4, 1)), np.array([0, 1, 1])
    tg.check_grads(lambda p: nn.cross_entropy(model.apply(p, x), y), (params,), order=2,
                   max_entries=40)


def test_embedding_rows_and_gradient():
    emb = nn.Embedding(5, 3)
    p = emb.init(np.random.default_rng(0), (None, 4))
    ids = np.array([[1, 4, 1, 0]])
    out = emb.apply(p, ids)
    np.testing.assert_array_equal(out, p["table"][ids])
    g = tg.grad(lambda p: np.sum(emb.apply(p, ids)))(p)
    np.testing.assert_array_equal(g["table"][:, 0], [1, 2, 0, 0, 1])


def test_layernorm_normalises():
    ln = nn.LayerNorm(eps=0.0)
    out = ln.apply(ln.init(None, (None, 6)), rand((4, 6)))
    # unit-scale output: its relative tolerance serves as the absolute one around 0
    np.testing.assert_allclose(out.mean(-1), 0, atol=tol("roundoff")["rtol"])
    np.testing.assert_allclose(out.var(-1), 1, **tol("roundoff"))


@pytest.mark.parametrize("init,var", [(nn.glorot_normal, 2 / 500), (nn.he_normal, 2 / 200),
                                      (nn.lecun_normal, 1 / 200),
                                      (nn.glorot_uniform, 2 / 500), (nn.he_uniform, 2 / 200)])
def test_initializer_variances(init, var):
    w = init(np.random.default_rng(0), (200, 300), np.float64)
    assert w.shape == (200, 300)
    np.testing.assert_allclose(w.var(), var, **tol("sampling"))


def test_per_example_gradients_with_vmap():
    model = nn.Sequential(nn.Dense(4), nn.ReLU(), nn.Dense(2))
    params = model.init(np.random.default_rng(0), (None, 3))
    x, y = rand((5, 3), dtype=np.float32), np.array([0, 1, 1, 0, 1])
    loss = lambda p, x, y: nn.cross_entropy(model.apply(p, x[None]), y[None])
    per = tg.vmap(tg.grad(loss), in_axes=(None, 0, 0))(params, x, y)
    for i in range(5):
        gi = tg.grad(loss)(params, x[i], y[i])
        for a, b in zip(tg.tree.leaves(per), tg.tree.leaves(gi)):
            np.testing.assert_allclose(a[i], b, **tol("roundoff", np.float32))
