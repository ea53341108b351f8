"""Float32 convolutions in the fused executor run as direct numba kernels (tangents/jit/
conv_kernels.py), with eager's values: the forward, the filter gradient and (unit stride) the
input gradient, over channel counts, kernel sizes, strides, paddings and dilations; what the
kernels do not cover, and float64, stay on the BLAS path."""
import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
import tangents.numpy as tnp
from tangents.jit import pool
from tangents.jit.fused import compile_fused

pytest.importorskip("numba")


pytestmark = pytest.mark.executor("fused")  # this file tests that executor alone


def conv_and_vjp(stride, padding, dilation):
    """(y, dx, dw) of ``y = conv2d(x, w)`` and its VJP at ``ct``: the three primitives."""
    def fun(x, w, ct):
        y, vjp = tg.vjp(lambda x, w: tg.nn.conv2d(x, w, stride, padding, dilation), x, w)
        return (y, *vjp(ct))
    return fun


def assert_close_f32(got, want):
    """Float32 sums in another order: each entry within the float32 "roundoff" rtol of the
    largest entry (a sum's rounding scales with its terms, not with what is left of them)."""
    rtol = tol("roundoff", np.float32)["rtol"]
    for a, b in zip(got, want, strict=True):
        assert a.dtype == b.dtype == np.float32 and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * float(np.abs(b).max()))


# (x shape, kernel (kh, kw), C_out, stride, padding, dilation, how many of the three are direct)
CASES = [
    ((1, 7, 9, 3), (3, 3), 8, 1, "VALID", 1, 2),  # dx has 3 channels: BLAS
    ((2, 11, 13, 1), (5, 5), 16, 1, "SAME", 1, 2),  # dx has 1 channel: BLAS
    ((1, 9, 8, 40), (1, 1), 9, 1, "VALID", 1, 3),
    ((3, 10, 7, 8), (2, 4), 33, 2, "SAME", 1, 2),  # dx of a stride 2: BLAS
    ((1, 12, 13, 17), (3, 5), 24, (1, 2), ((1, 2), (0, 3)), (2, 1), 2),
    ((2, 6, 6, 12), (4, 4), 12, 1, 2, 1, 3),
    ((1, 9, 11, 10), (3, 2), 31, 1, ((-1, 1), (2, -1)), (1, 3), 3),  # negative padding crops
    ((1, 5, 5, 9), (5, 3), 40, 1, "VALID", 1, 3),  # one output row
    ((2, 8, 8, 5), (3, 3), 7, 1, "SAME", 1, 0),  # 7 and 5 channels: BLAS
]


@pytest.mark.parametrize("shape, kernel, cout, stride, padding, dilation, direct", CASES)
def test_direct_kernels_equal_eager_in_float32(shape, kernel, cout, stride, padding, dilation,
                                               direct):
    fun = conv_and_vjp(stride, padding, dilation)
    x = rand(shape, seed=1, dtype=np.float32)
    w = rand(kernel + (shape[3], cout), seed=2, dtype=np.float32)
    y = tg.nn.conv2d(x, w, stride, padding, dilation)
    ct = rand(y.shape, seed=3, dtype=np.float32)
    run = compile_fused(tg.jit(fun).lower(x, w, ct).program)
    assert run.source.count("= _dk") == direct
    assert_close_f32(run(x, w, ct), fun(x, w, ct))


def cnn_loss(w1, w2, x):
    """W7's network, smaller: conv-relu-conv-relu-mean, channels wide enough for the kernels."""
    h = tg.nn.relu(tg.nn.conv2d(x, w1, stride=1, padding="VALID"))
    return tnp.mean(tg.nn.relu(tg.nn.conv2d(h, w2, stride=1, padding="SAME")))


def cnn_data(dtype):
    return (rand((3, 3, 1, 8), seed=1, dtype=dtype) / 3,
            rand((3, 3, 8, 16), seed=2, dtype=dtype) / 8, rand((3, 10, 9, 1), seed=3, dtype=dtype))


def test_gradients_through_jit_in_float32():
    step = tg.value_and_grad(cnn_loss, argnums=(0, 1))
    args = cnn_data(np.float32)
    run = compile_fused(tg.jit(step).lower(*args).program)
    assert run.source.count("= _dk") == 5  # both forwards, both filter gradients, one dx
    v, (g1, g2) = step(*args)
    got = run(*args)
    assert_close_f32(got, (v, g1, g2))
    # and against float64, as the harness compares float32 derivatives
    v, (g1, g2) = step(*cnn_data(np.float64))
    for a, b in zip(got, (v, g1, g2), strict=True):
        np.testing.assert_allclose(a, b, **tol("derivative", np.float32))


def test_second_order_through_jit_in_float32():
    """A Hessian-vector product: the transposes' own derivatives are the three primitives."""
    w1, w2, x = cnn_data(np.float32)
    t = rand(w2.shape, seed=4, dtype=np.float32)
    hvp = lambda w1, w2, x: tg.jvp(lambda w: tg.grad(cnn_loss, argnums=1)(w1, w, x), (w2,), (t,))
    got = tg.jit(hvp)(w1, w2, x)
    assert_close_f32(got, hvp(w1, w2, x))
    assert "= _dk" in compile_fused(tg.jit(hvp).lower(w1, w2, x).program).source


def test_float64_stays_on_blas():
    step = tg.value_and_grad(cnn_loss, argnums=(0, 1))
    args = cnn_data(np.float64)
    run = compile_fused(tg.jit(step).lower(*args).program)
    assert "_dk" not in run.source and run.source.count("_dw_from_columns(") == 2
    v, (g1, g2) = step(*args)
    for a, b in zip(run(*args), (v, g1, g2), strict=True):
        np.testing.assert_allclose(a, b, **tol("roundoff"))


def test_values_do_not_depend_on_threads(monkeypatch):
    """The filter gradient's threads take blocks of its entries, not of the pixels, so each
    entry's sum has one order: one thread and several give the same bits."""
    fun = conv_and_vjp(1, "VALID", 1)
    x = rand((4, 40, 40, 16), seed=1, dtype=np.float32)
    w = rand((3, 3, 16, 32), seed=2, dtype=np.float32)
    ct = rand((4, 38, 38, 32), seed=3, dtype=np.float32)
    program = tg.jit(fun).lower(x, w, ct).program
    several = compile_fused(program)
    assert "_rows" in repr(several.__globals__["_dk2"].args)
    want = several(x, w, ct)  # (before threads is patched: the pool is made on first use)
    monkeypatch.setattr(pool, "threads", lambda: 1)
    one = compile_fused(program)
    assert "_rows" not in repr(one.__globals__["_dk2"].args)
    for a, b in zip(want, one(x, w, ct), strict=True):
        np.testing.assert_array_equal(a, b)
