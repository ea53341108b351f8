"""Optimizers against hand-computed update formulas on small pytrees."""
import math

import numpy as np
import pytest
from harness import tol

import tangents as tg
from tangents import optim
from tangents.optim import schedules

P = {"w": np.array([1.0, -2.0]), "b": (np.array(0.5),)}
G1 = {"w": np.array([0.5, 1.0]), "b": (np.array(-2.0),)}
G2 = {"w": np.array([-1.0, 0.25]), "b": (np.array(1.0),)}


def run(opt, grads=(G1, G2), params=P):
    state = opt.init(params)
    out = []
    for g in grads:
        u, state = opt.update(g, state, params)
        params = optim.apply_updates(params, u)
        out.append(params)
    return out


def leaf(tree, f):
    return tg.tree.map(f, *tree) if isinstance(tree, tuple) else tg.tree.map(f, tree)


def close(a, b):
    for x, y in zip(tg.tree.leaves(a), tg.tree.leaves(b)):
        np.testing.assert_allclose(x, y, **tol("roundoff"))


def test_sgd():
    p1, p2 = run(optim.sgd(0.1))
    close(p1, tg.tree.map(lambda p, g: p - 0.1 * g, P, G1))
    close(p2, tg.tree.map(lambda p, g1, g2: p - 0.1 * g1 - 0.1 * g2, P, G1, G2))


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum(nesterov):
    lr, m = 0.1, 0.9
    p1, p2 = run(optim.sgd(lr, momentum=m, nesterov=nesterov))

    def expect(p, g1, g2):
        v1 = g1
        s1 = g1 + m * v1 if nesterov else v1
        v2 = m * v1 + g2
        s2 = g2 + m * v2 if nesterov else v2
        return p - lr * s1 - lr * s2
    close(p2, tg.tree.map(expect, P, G1, G2))


def _adam_expect(p, g1, g2, lr=0.01, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    m = v = 0.0
    for t, g in enumerate((g1, g2), start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh, vh = m / (1 - b1 ** t), v / (1 - b2 ** t)
        p = p - lr * (mh / (np.sqrt(vh) + eps) + wd * p)
    return p


def test_adam():
    close(run(optim.adam(0.01))[1], tg.tree.map(_adam_expect, P, G1, G2))


def test_adamw():
    close(run(optim.adamw(0.01, weight_decay=0.1))[1],
          tg.tree.map(lambda p, a, b: _adam_expect(p, a, b, wd=0.1), P, G1, G2))


@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_rmsprop(momentum):
    lr, rho, eps = 0.01, 0.9, 1e-8

    def expect(p, g1, g2):
        v = mom = 0.0
        for g in (g1, g2):
            v = rho * v + (1 - rho) * g * g
            step = g / (np.sqrt(v) + eps)
            mom = momentum * mom + step
            p = p - lr * (mom if momentum else step)
        return p
    close(run(optim.rmsprop(lr, decay=rho, eps=eps, momentum=momentum))[1],
          tg.tree.map(expect, P, G1, G2))


def test_schedule_as_learning_rate():
    sched = lambda step: 0.1 / (step + 1)
    p1, p2 = run(optim.sgd(sched))
    close(p2, tg.tree.map(lambda p, a, b: p - 0.1 * a - 0.05 * b, P, G1, G2))


def test_clip_by_global_norm_chain():
    norm = math.sqrt(0.25 + 1 + 4)
    assert optim.global_norm(G1) == pytest.approx(norm)
    p1, = run(optim.chain(optim.clip_by_global_norm(1.0), optim.sgd(1.0)), grads=(G1,))
    close(p1, tg.tree.map(lambda p, g: p - g / norm, P, G1))
    p1, = run(optim.chain(optim.clip_by_global_norm(10.0), optim.sgd(1.0)), grads=(G1,))
    close(p1, tg.tree.map(lambda p, g: p - g, P, G1))


def test_float32_params_stay_float32():
    p = {"w": np.ones(3, np.float32)}
    for opt in (optim.sgd(0.1, 0.9), optim.adam(), optim.adamw(), optim.rmsprop()):
        out, = run(opt, grads=({"w": np.ones(3, np.float32)},), params=p)
        assert out["w"].dtype == np.float32


def test_schedules():
    assert schedules.constant(0.3)(100) == 0.3
    assert schedules.exponential_decay(1.0, 0.5, 10)(20) == pytest.approx(0.25)
    assert schedules.exponential_decay(1.0, 0.5, 10, staircase=True)(19) == 0.5
    assert schedules.cosine_decay(1.0, 10)(10) == pytest.approx(0.0)
    assert schedules.cosine_decay(1.0, 10, alpha=0.1)(100) == pytest.approx(0.1)
    assert schedules.linear_warmup(1.0, 4)(2) == 0.5
    w = schedules.warmup_cosine_decay(1.0, 2, 12)
    assert w(1) == 0.5 and w(2) == 1.0 and w(12) == pytest.approx(0.0)
    assert schedules.piecewise_constant([5, 10], [1.0, 0.5, 0.1])(7) == 0.5


def test_training_loop_converges():
    target = {"a": np.array([1.0, -1.0]), "b": np.array(3.0)}
    loss = lambda p: sum(np.sum((p[k] - target[k]) ** 2) for k in p)
    params = tg.tree.map(np.zeros_like, target)
    opt = optim.adam(0.1)
    state = opt.init(params)
    for _ in range(300):
        u, state = opt.update(tg.grad(loss)(params), state, params)
        params = optim.apply_updates(params, u)
    assert loss(params) < 1e-6
