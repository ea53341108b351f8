"""tangents.nn losses: values against direct formulas, derivatives through the harness."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand, tol

import tangents as tg
from tangents import nn


def np_log_softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


LABELS = np.array([2, 0, 1, 2])
PROBS = np.random.default_rng(3).dirichlet(np.ones(3), size=4)

CASES = [
    Case("cross_entropy(int)", lambda z: nn.cross_entropy(z, LABELS), (rand((4, 3)),),
         np_fun=lambda z: -np.mean(np_log_softmax(z)[np.arange(4), LABELS])),
    Case("cross_entropy(int,axis=0,sum)",
         lambda z: nn.cross_entropy(z, LABELS, axis=0, reduction="sum"), (rand((3, 4)),),
         np_fun=lambda z: -np.sum(np_log_softmax(z, 0)[LABELS, np.arange(4)])),
    Case("cross_entropy(probs)", lambda z: nn.cross_entropy(z, PROBS), (rand((4, 3)),),
         np_fun=lambda z: -np.mean(np.sum(PROBS * np_log_softmax(z), -1))),
    Case("cross_entropy(none,smoothing)",
         lambda z: nn.cross_entropy(z, LABELS, reduction="none", label_smoothing=0.1),
         (rand((4, 3)),),
         np_fun=lambda z: -np.sum((np.eye(3, dtype=z.dtype)[LABELS] * 0.9 + 0.1 / 3)
                                 * np_log_softmax(z), -1)),
    Case("cross_entropy(weight)",
         lambda z: nn.cross_entropy(z, LABELS, weight=np.array([1.0, 2.0, 0.5])),
         (rand((4, 3)),),
         np_fun=lambda z: -np.sum(np.array([1.0, 2.0, 0.5], z.dtype)[LABELS]
                                  * np_log_softmax(z)[np.arange(4), LABELS])
         / np.sum(np.array([1.0, 2.0, 0.5], z.dtype)[LABELS])),
    Case("cross_entropy(nd,axis=1)",
         lambda z: nn.cross_entropy(z, np.array([[0, 1], [2, 2]]), axis=1), (rand((2, 3, 2)),)),
    Case("bce", lambda z, y: nn.binary_cross_entropy_with_logits(z, y),
         (rand((5,)), rand((5,), 0, 1, seed=4)),
         np_fun=lambda z, y: np.mean(-(y * np.log(1 / (1 + np.exp(-z)))
                                       + (1 - y) * np.log(1 - 1 / (1 + np.exp(-z)))))),
    Case("bce(pos_weight,none)",
         lambda z: nn.binary_cross_entropy_with_logits(z, np.array([1, 0, 1], z.dtype),
                                                      reduction="none", pos_weight=2.0),
         (rand((3,)),),
         np_fun=lambda z: -(2.0 * np.array([1, 0, 1], z.dtype) * np.log(1 / (1 + np.exp(-z)))
                            + np.array([0, 1, 0], z.dtype) * np.log(1 - 1 / (1 + np.exp(-z))))),
    Case("mse", nn.mse, (rand((2, 3)), rand((2, 3), seed=1)),
         np_fun=lambda a, b: np.mean((a - b) ** 2)),
    Case("mse(sum,axis=-1)", lambda a, b: nn.mse(a, b, reduction="sum", axis=-1),
         (rand((2, 3)), rand((3,), seed=1)), np_fun=lambda a, b: np.sum((a - b) ** 2, -1)),
    Case("huber", lambda a: nn.huber(a, 0.0, delta=1.0, reduction="none"),
         (np.array([0.3, -0.7, 2.5, -4.0]),),
         np_fun=lambda a: np.where(np.abs(a) <= 1, 0.5 * a * a, np.abs(a) - 0.5)),
    Case("max_margin", nn.max_margin,
         (np.array([[2.0], [0.5], [1.0]]), np.array([[0.3, 1.5], [0.2, -1.4], [0.7, 2.2]])),
         np_fun=lambda p, n: np.mean(np.sum(np.maximum(0, 1.0 - p + n), 1))),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_loss(case):
    check_case(case)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    z = rand((4, 3))
    s = np.exp(np_log_softmax(z))
    g = tg.grad(lambda z: nn.cross_entropy(z, LABELS, reduction="sum"))(z)
    np.testing.assert_allclose(g, s - np.eye(3)[LABELS], **tol("composed"))


def test_cross_entropy_huge_logits_exact():
    z = np.array([[1e4, -1e4, 0.0]])
    assert nn.cross_entropy(z, np.array([0])) == 0.0
    assert nn.cross_entropy(z, np.array([1])) == 2e4
    np.testing.assert_allclose(tg.grad(lambda z: nn.cross_entropy(z, np.array([1])))(z),
                               [[1.0, -1.0, 0.0]])


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="reduction"):
        nn.mse(np.ones(2), np.ones(2), reduction="avg")
    with pytest.raises(ValueError, match="shape"):
        nn.cross_entropy(np.ones((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="B, 1"):
        nn.max_margin(np.ones((2, 2)), np.ones((2, 3)))
