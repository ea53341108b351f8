"""tangents.nn activations and softmax family through the shared harness."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand, tol

import tangents as tg
from tangents import nn


def np_softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis if axis is not None else None)


AXES = [((3,), -1), ((2, 3), 0), ((2, 3), -1), ((2, 3, 4), 1), ((2, 3, 4), (0, 2)),
        ((2, 3, 4), (-1, -3)), ((2, 3, 4), None), ((0, 3), -1)]

CASES = []
for shp, ax in AXES:
    x = rand(shp, -3, 3)
    CASES.append(Case(f"softmax(axis={ax})", lambda x, ax=ax: nn.softmax(x, axis=ax), (x,),
                      np_fun=lambda x, ax=ax: np_softmax(x, ax)))
    CASES.append(Case(f"log_softmax(axis={ax})", lambda x, ax=ax: nn.log_softmax(x, axis=ax),
                      (x,), np_fun=lambda x, ax=ax: np.log(np_softmax(x, ax))))
    for keep in (False, True):
        if shp == (0, 3) and ax is None:
            continue
        CASES.append(Case(f"logsumexp(axis={ax},keepdims={keep})",
                          lambda x, ax=ax, k=keep: nn.logsumexp(x, axis=ax, keepdims=k), (x,),
                          np_fun=lambda x, ax=ax, k=keep: np_logsumexp(x, ax, k)))

ACTIVATIONS = [
    ("sigmoid", nn.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    ("log_sigmoid", nn.log_sigmoid, lambda x: -np.log1p(np.exp(-x))),
    ("softplus", nn.softplus, lambda x: np.log1p(np.exp(x))),
    ("elu", nn.elu, lambda x: np.where(x > 0, x, np.expm1(x))),
    ("gelu", nn.gelu, None),
    ("gelu_tanh", lambda x: nn.gelu(x, approximate=True),
     lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    ("silu", nn.silu, lambda x: x / (1 + np.exp(-x))),
    ("tanh", nn.tanh, np.tanh),
    ("relu", nn.relu, lambda x: np.maximum(x, 0)),
    ("leaky_relu", nn.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x)),
]
for name, fn, _ref in ACTIVATIONS:
    for shp in [(), (4,), (2, 3)]:
        # kinked functions are sampled away from 0 (finite differences straddle the kink)
        x = rand(shp, 0.1, 2.0) * np.where(rand(shp, seed=5) > 0, 1, -1)
        CASES.append(Case(name, fn, (x,), np_fun=None))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_nn_function(case):
    check_case(case)


@pytest.mark.parametrize("name,fn,ref", [a for a in ACTIVATIONS if a[2] is not None],
                         ids=[a[0] for a in ACTIVATIONS if a[2] is not None])
def test_activation_values(name, fn, ref):
    x = np.linspace(-5, 5, 41)
    np.testing.assert_allclose(fn(x), ref(x), **tol("roundoff"))


def test_gelu_exact_value():
    from math import erf
    x = np.linspace(-4, 4, 17)
    want = np.array([0.5 * v * (1 + erf(v / np.sqrt(2))) for v in x])
    np.testing.assert_allclose(nn.gelu(x), want, **tol("roundoff"))


STABLE = [
    ("softmax", lambda x: nn.softmax(x, axis=-1)),
    ("log_softmax", lambda x: nn.log_softmax(x, axis=0)),
    ("logsumexp", lambda x: nn.logsumexp(x, axis=-1)),
    ("sigmoid", nn.sigmoid), ("log_sigmoid", nn.log_sigmoid), ("softplus", nn.softplus),
    ("gelu", nn.gelu), ("gelu_tanh", lambda x: nn.gelu(x, True)), ("silu", nn.silu),
    ("elu", nn.elu), ("tanh", nn.tanh),
    ("cross_entropy", lambda x: nn.cross_entropy(x, np.array([0, 2]))),
    ("bce", lambda x: nn.binary_cross_entropy_with_logits(x, np.ones(x.shape) * 0.3)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,fn", STABLE, ids=[s[0] for s in STABLE])
def test_stable_at_huge_logits(name, fn, dtype):
    x = np.array([[1e3, -1e3, 0.5], [-2e4, 3e4, 1e3]], dtype)
    f = lambda x: np.sum(fn(x) * np.arange(1, 1 + np.size(fn(x))).reshape(np.shape(fn(x))))
    val = fn(x)
    g = tg.grad(f)(x)
    h = tg.hvp(f, (x,), (np.ones_like(x),))
    for a in (val, g, h):
        assert np.all(np.isfinite(a)), f"{name}: {a}"
    assert g.dtype == dtype and h.dtype == dtype
    if name != "cross_entropy" and name != "bce":
        assert np.asarray(val).dtype == dtype


def test_softmax_vjp_is_the_closed_form():
    x, g = rand((3, 5)), rand((3, 5), seed=2)
    s = np_softmax(x)
    _, pull = tg.vjp(lambda x: nn.softmax(x), x)
    np.testing.assert_allclose(pull(g)[0], s * (g - np.sum(g * s, axis=-1, keepdims=True)))


def test_softmax_float32_stays_float32():
    x = rand((2, 4), dtype=np.float32)
    assert nn.softmax(x).dtype == np.float32
    assert tg.grad(lambda x: nn.logsumexp(x))(x).dtype == np.float32


def test_relu_derivative_at_zero_is_zero():
    assert tg.grad(lambda x: nn.relu(x))(0.0) == 0.0
    assert tg.grad(lambda x: nn.relu(x))(1.0) == 1.0


def test_logsumexp_of_minus_inf():
    assert nn.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf
    np.testing.assert_allclose(tg.grad(nn.logsumexp)(np.array([-np.inf, 0.0])), [0.0, 1.0])


def test_softmax_family_third_derivatives():
    x = np.random.default_rng(3).standard_normal((2, 3))
    w = np.random.default_rng(4).standard_normal((2, 3))
    for f in (lambda x: tg.nn.softmax(x, axis=-1) * w,
              lambda x: tg.nn.log_softmax(x, axis=0) * w,
              lambda x: tg.nn.logsumexp(x, axis=1) * w[:, 0]):
        tg.check_grads(f, (x,), order=3)
