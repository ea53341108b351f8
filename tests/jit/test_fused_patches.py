"""The fused executor builds a convolution's im2col columns once when the program also takes
its filter gradient (tangents/jit/patches.py), as eager does, with eager's values."""
import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
import tangents.numpy as tnp
from tangents.jit.fused import compile_fused
from tangents.nn import conv

pytest.importorskip("numba")


pytestmark = pytest.mark.executor("fused")  # this file tests that executor alone


def cnn_loss(w1, w2, x):
    """W7's network, smaller: conv-relu-conv(stride 2)-relu-mean."""
    h = tg.nn.relu(tg.nn.conv2d(x, w1, stride=1, padding="VALID"))
    return tnp.mean(tg.nn.relu(tg.nn.conv2d(h, w2, stride=2, padding="SAME")))


def data(dtype):
    return (rand((3, 3, 2, 4), seed=1, dtype=dtype) / 3,
            rand((3, 3, 4, 5), seed=2, dtype=dtype) / 6, rand((2, 9, 9, 2), seed=3, dtype=dtype))


def counted_run(fun, args, monkeypatch):
    """``fun``'s fused run on ``args``, its results, and how many times it built columns."""
    run = compile_fused(tg.jit(fun).lower(*args).program)
    calls = []
    patches = conv._patches_impl
    monkeypatch.setattr(conv, "_patches_impl", lambda *a, **k: calls.append(1) or patches(*a, **k))
    return run, run(*args), len(calls)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_filter_gradients_reuse_the_forward_columns(dtype, monkeypatch):
    step = tg.value_and_grad(cnn_loss, argnums=(0, 1))
    args = data(dtype)
    run, got, built = counted_run(lambda *a: (lambda v, g: (v, *g))(*step(*a)), args, monkeypatch)
    assert built == 2  # one per convolution: before, each filter gradient built its own
    assert run.source.count("_dw_from_columns(") == 2
    v, (g1, g2) = step(*args)
    for a, b in zip(got, (v, g1, g2), strict=True):
        assert np.result_type(a) == np.result_type(b)
        np.testing.assert_allclose(a, b, **tol("roundoff", dtype))


def test_no_filter_gradient_no_pairing(monkeypatch):
    gx = tg.grad(cnn_loss, argnums=2)
    args = data(np.float64)
    run, got, built = counted_run(lambda *a: gx(*a), args, monkeypatch)
    assert "_dw_from_columns" not in run.source and built == 2  # the two forward calls
    np.testing.assert_allclose(got[0], gx(*args), **tol("roundoff"))
