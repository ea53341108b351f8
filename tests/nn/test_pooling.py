"""Pooling: values against direct loops, derivatives against finite differences (order 2),
vmap against stacking."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand

import tangents as tg
from tangents import nn


def pool_ref(x, window, stride, op):
    n, h, w, c = x.shape
    oh, ow = (h - window) // stride + 1, (w - window) // stride + 1
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = op(x[:, i * stride:i * stride + window, j * stride:j * stride + window],
                              axis=(1, 2))
    return out


CASES = [
    Case("max_pool2d", lambda x: nn.max_pool2d(x, 2), (rand((2, 4, 6, 2)),)),
    Case("max_pool2d(3,1,SAME)", lambda x: nn.max_pool2d(x, 3, 1, "SAME"), (rand((1, 4, 5, 2)),)),
    Case("avg_pool2d", lambda x: nn.avg_pool2d(x, 2), (rand((2, 4, 6, 2)),)),
    Case("avg_pool2d(3,2,SAME)", lambda x: nn.avg_pool2d(x, 3, 2, "SAME"), (rand((1, 5, 5, 2)),)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_pool_family(case):
    check_case(case)


def test_pools_match_loops():
    x = rand((2, 6, 6, 3))
    np.testing.assert_allclose(nn.max_pool2d(x, 2), pool_ref(x, 2, 2, np.max))
    np.testing.assert_allclose(nn.max_pool2d(x, 3, 1), pool_ref(x, 3, 1, np.max))
    np.testing.assert_allclose(nn.avg_pool2d(x, 3, 2), pool_ref(x, 3, 2, np.mean))


def test_avg_pool_same_excludes_padding():
    x = np.ones((1, 3, 3, 1))
    np.testing.assert_allclose(nn.avg_pool2d(x, 2, 1, "SAME"), np.ones((1, 3, 3, 1)))


def test_max_pool_gradient_goes_to_the_maximum():
    x = np.array([1.0, 5.0, 3.0, 2.0]).reshape(1, 2, 2, 1)
    g = tg.grad(lambda x: np.sum(nn.max_pool2d(x, 2)))(x)
    np.testing.assert_array_equal(g.ravel(), [0, 1, 0, 0])
