"""Forward mode's deferred tangents: under forward-over-reverse a forward trace computes a
tangent only when something reads it.  Results must not change, only the work done."""
import numpy as np
import pytest
from harness import tol

import tangents as tg
from tangents.core import forward
from tangents.core.primitive import registry


def counting(monkeypatch, name):
    """Count how often the forward rule of primitive ``name`` runs."""
    prim = registry[name]
    calls = []
    rules = prim.jvps

    def wrap(rule):
        def counted(*args, **kwargs):
            calls.append(1)
            return rule(*args, **kwargs)
        return counted
    monkeypatch.setattr(prim, "jvps", tuple(None if r is None else wrap(r) for r in rules))
    return calls


def test_hessian_skips_the_tangent_of_the_loss_value(monkeypatch):
    # the loss is sum(logaddexp(0, z) - y * z): the sum is the loss value itself, whose
    # tangent the Hessian never reads, so sum's forward rule never runs
    rng = np.random.default_rng(0)
    X, y, w = rng.standard_normal((20, 4)), rng.random(20), rng.standard_normal(4)

    def nll(w):
        z = X @ w
        return np.sum(np.logaddexp(0.0, z) - y * z)

    calls = counting(monkeypatch, "sum")
    H = tg.hessian(nll)(w)
    p = 1 / (1 + np.exp(-X @ w))
    np.testing.assert_allclose(H, X.T @ ((p * (1 - p))[:, None] * X), **tol("roundoff"))
    assert not calls
    # plain forward mode still computes every tangent as it goes
    tg.jvp(nll, (w,), (np.ones(4),))
    assert calls


def test_long_chain_of_deferred_tangents_is_forced_without_recursion():
    def f(x):
        for _ in range(3000):
            x = np.sin(x) * 1.0001
        return np.sum(x ** 2)
    x = np.array([0.3, -0.2])
    got = tg.hvp(f, (x,), (np.array([1.0, 0.5]),))
    ref = tg.jacrev(tg.grad(f))(x) @ np.array([1.0, 0.5])
    np.testing.assert_allclose(got, ref, **tol("composed"))


@pytest.mark.parametrize("order", [2, 3])
def test_forward_over_reverse_through_mixed_operations(order):
    # multiple-result primitives (eager), custom rules, in-place updates and views,
    # tangents that turn out to be zero, and integer-valued intermediates
    @tg.custom_jvp
    def softclip(x):
        return np.tanh(x) * 2.0

    softclip.defjvp(lambda primals, tangents: (softclip(primals[0]),
                                               2.0 * (1 - np.tanh(primals[0]) ** 2) * tangents[0]))

    def f(x):
        a, b = np.split(x * x, 2)
        y = np.concatenate([a, np.exp(b)])
        y[0] += softclip(x[1])
        v = y[1:]
        v *= 1.5
        k = np.argmax(x)
        c = x[k]
        return np.sum(np.sin(y)) + c ** 2 + np.linalg.norm(x)
    x = np.array([0.4, -0.3, 0.9, 0.2])
    tg.check_grads(f, (x,), order=order, modes=("fwd", "rev"))
    np.testing.assert_allclose(tg.hessian(f)(x), tg.jacrev(tg.jacrev(f))(x), **tol("composed"))


def test_deferred_tangent_is_computed_once():
    d = forward._Deferred(registry["sin"], [np.array(0.5)], [np.array(2.0)],
                          np.sin(np.array(0.5)), {})
    first = forward._force(d)
    np.testing.assert_allclose(first, 2.0 * np.cos(0.5))
    assert forward._force(d) is first and d.primals is None


# -- random programs: forward-over-reverse (deferred) against reverse-over-reverse ------------
_UNARY = [np.sin, np.tanh, np.exp, lambda a: np.log1p(a * a), lambda a: a ** 3,
          lambda a: np.maximum(a, 0.1 * a), lambda a: np.sqrt(a * a + 1.0)]
_BINARY = [np.add, np.subtract, np.multiply, np.logaddexp, lambda a, b: a / (1 + b * b),
           np.hypot]
_M = np.random.default_rng(1).standard_normal((4, 4)) / 2


def _random_program(seed):
    rng = np.random.default_rng(seed)
    steps = [(int(rng.integers(4)), int(rng.integers(7)), int(rng.integers(6)),
              float(rng.random()), float(rng.random())) for _ in range(rng.integers(2, 9))]

    def f(x):
        vals = [x]
        for kind, u, b, p1, p2 in steps:
            a, c = vals[int(p1 * len(vals))], vals[int(p2 * len(vals))]
            vals.append(_UNARY[u](a) if kind == 0 else _BINARY[b](a, c) if kind == 1
                        else _M @ a if kind == 2 else a - np.sum(a * c) * 0.1)
        return np.sum(vals[-1] ** 2) + np.sum(np.tanh(vals[len(vals) // 2]))
    return f


@pytest.mark.parametrize("seed", range(0, 60, 3))
def test_random_programs_forward_over_reverse_matches_reverse_over_reverse(seed):
    f = _random_program(seed)
    x = np.random.default_rng(seed + 1000).standard_normal(4) * 0.5
    np.testing.assert_allclose(tg.hessian(f)(x), tg.jacrev(tg.jacrev(f))(x), **tol("composed"))
    np.testing.assert_allclose(tg.jacfwd(tg.jacfwd(tg.jacrev(f)))(x),
                               tg.jacrev(tg.jacrev(tg.jacrev(f)))(x), **tol("composed"))
