"""numpy/_shape.py: the plain-array fast paths of reshape and broadcast_to agree with NumPy
(values, read-only views, errors) for every kind of input they can meet; rollaxis through the
shared harness."""
import functools

import numpy as np
import pytest
from harness import Case, case_id, check_case, rand

import tangents as tg
import tangents.numpy as tnp

_READ_ONLY = np.arange(3.0)
_READ_ONLY.flags.writeable = False

BROADCASTS = [
    (np.arange(3.0), (2, 3)),
    (np.arange(6.0).reshape(2, 1, 3), (4, 2, 5, 3)),
    (np.arange(6.0).reshape(2, 3)[:, :1], (2, 4)),      # not contiguous
    (_READ_ONLY, (2, 3)),
    (np.float32(2.0), (2,)),                            # a NumPy scalar
    (np.ones((0, 3)), (2, 0, 3)),
    (np.array(["a", None], dtype=object), (2, 2)),
    (np.array(["ab", "c"]), (3, 2)),
]


@pytest.mark.parametrize("x, shape", BROADCASTS, ids=range(len(BROADCASTS)))
def test_broadcast_to_is_numpys_read_only_view(x, shape):
    got, want = tnp.broadcast_to(x, shape), np.broadcast_to(x, shape)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert not got.flags.writeable
    if isinstance(x, np.ndarray) and x.size:
        assert np.shares_memory(got, x)


def test_broadcast_to_errors_like_numpy():
    with pytest.raises(ValueError):
        tnp.broadcast_to(np.ones(3), (2, 4))
    with pytest.raises(ValueError):
        tnp.broadcast_to(np.ones((2, 3)), (3,))


@pytest.mark.parametrize("shape, new", [((6,), (2, -1)), ((2, 3), (6,)), ((0, 3), (3, 0)),
                                         ((), (1, 1)), ((4,), 4)])
def test_reshape_matches_numpy(shape, new):
    x = np.arange(float(np.prod(shape))).reshape(shape)
    np.testing.assert_array_equal(tnp.reshape(x, new), np.reshape(x, new))


@pytest.mark.parametrize("new", [(4, -1), (-1, -1), (7,), (2.0, 3)])
def test_reshape_rejects_what_numpy_rejects(new):
    x = np.arange(6.0)
    with pytest.raises((ValueError, TypeError)):
        np.reshape(x, new)
    with pytest.raises((ValueError, TypeError)):
        tnp.reshape(x, new)


@pytest.mark.parametrize("fun", [np.sum, np.mean, lambda x: np.sum(np.broadcast_to(x, (4, 3))),
                                 lambda x: x.sum() + x[0]])
def test_gradients_are_writeable_arrays(fun):
    # sum's cotangent is a read-only broadcast view inside the backward pass; what grad
    # returns is an ordinary array the caller can update in place
    g = tg.grad(fun)(np.zeros(3))
    assert g.flags.writeable
    g *= 2.0
    _, vjp_fn = tg.vjp(fun, np.zeros(3))
    (g2,) = vjp_fn(np.float64(1.0))
    assert g2.flags.writeable


# -- rollaxis --------------------------------------------------------------------------------
ROLLAXIS_CASES = [
    Case("rollaxis", functools.partial(tnp.rollaxis, axis=2, start=0), (rand((2, 1, 4)),),
         np_fun=functools.partial(np.rollaxis, axis=2, start=0)),
    Case("rollaxis-neg", functools.partial(tnp.rollaxis, axis=-3, start=3), (rand((2, 1, 4)),),
         np_fun=functools.partial(np.rollaxis, axis=-3, start=3)),
]


@pytest.mark.parametrize("case", ROLLAXIS_CASES, ids=case_id)
def test_rollaxis_rule(case):
    check_case(case)
