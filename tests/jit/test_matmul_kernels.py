"""Float32 matrix products in the fused executor run as numba kernels (tangents/jit/
matmul_kernels.py), with eager's values within float32 rounding: over sizes, odd and block
multiples, a transposed left operand and a transposed right one; products outside the
window and other layouts stay on BLAS, float64 ones are jit/dgemm_kernels.py's, and operands
of an unplanned layout fall back to np.matmul."""
import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
import tangents.numpy as tnp
from tangents.jit.fused import compile_fused

pytest.importorskip("numba")


pytestmark = pytest.mark.executor("fused")  # this file tests that executor alone


def assert_close_f32(got, want):
    """Sums in another order: each entry within the float32 "roundoff" rtol of the largest
    entry (a sum's rounding scales with its terms, not with what is left of them)."""
    rtol = tol("roundoff", np.float32)["rtol"]
    for a, b in zip(got, want, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * float(np.abs(b).max()))


def product(left_t, right_t):
    """``a @ b`` where a transposed operand is passed as its transpose and turned inside."""
    def fun(a, b):
        return (tnp.transpose(a) if left_t else a) @ (tnp.transpose(b) if right_t else b)
    return fun


def operands(m, k, n, left_t, right_t, dtype=np.float32):
    a = rand((k, m) if left_t else (m, k), seed=1, dtype=dtype)
    b = rand((n, k) if right_t else (k, n), seed=2, dtype=dtype)
    return a, b


# (m, k, n, left transposed, right transposed, computed by a kernel)
CASES = [
    (128, 784, 256, False, False, True),  # W1's products, forward and weight gradients
    (784, 128, 256, True, False, True),
    (128, 10, 256, False, True, True),  # b is 256 x 10 turned: copied to rows
    (6, 64, 128, False, False, True),  # whole blocks only
    (7, 300, 16, False, False, True),  # a block and one row; one narrow column block
    (301, 11, 48, True, False, True),
    (65, 129, 80, False, False, True),  # 64 + 16 columns
    (1, 300, 320, True, False, True),  # one row
    (300, 5, 304, False, False, True),  # few terms per entry
    (128, 256, 256, False, True, True),  # a turned b, copied to rows (128 rows of a)
    (16, 256, 256, False, True, False),  # a turned b for 16 rows: BLAS
    (256, 128, 10, True, False, False),  # a part of a vector of columns: BLAS
    (300, 300, 300, False, False, False),
    (10, 10, 16, False, False, False),  # under the window: BLAS
    (2000, 20, 32, False, False, False),  # a side over the window: BLAS
    (200, 1000, 256, False, False, False),  # b over the window: BLAS
]


@pytest.mark.parametrize("m, k, n, left_t, right_t, direct", CASES)
def test_products_equal_eager_in_float32(m, k, n, left_t, right_t, direct):
    fun = product(left_t, right_t)
    args = operands(m, k, n, left_t, right_t)
    run = compile_fused(tg.jit(fun).lower(*args).program)
    assert ("= _mk" in run.source) == direct
    assert_close_f32(run(*args), [fun(*args)])


def test_unplanned_layouts_fall_back_to_numpy():
    """A program planned for rows run on a column slice, and a planned transpose whose
    operand is itself a strided view: np.matmul computes them, with the same values."""
    fun = product(True, False)
    a, b = operands(40, 50, 64, True, False)
    run = compile_fused(tg.jit(fun).lower(a, b).program)
    assert "= _mk" in run.source
    wide = rand((50, 80), seed=3, dtype=np.float32)
    for left, right in ((np.asfortranarray(a), b), (a, wide[:, ::-1][:, :64]),
                        (rand((50, 120), seed=4, dtype=np.float32)[:, ::3], b)):
        assert_close_f32(run(left, right), [fun(left, right)])


def mlp_loss(p, x, y):
    """W1's network, narrower: two tanh layers and a softmax cross-entropy."""
    h = tnp.tanh(x @ p["w1"] + p["b1"])
    h = tnp.tanh(h @ p["w2"] + p["b2"])
    z = h @ p["w3"] + p["b3"]
    return -tnp.sum(y * tg.nn.log_softmax(z, axis=1)) / x.shape[0]


def mlp_data(dtype):
    sizes = (97, 80, 96, 10)
    p = {}
    for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        p[f"w{i}"] = rand((m, n), seed=i, dtype=dtype) / np.sqrt(m).astype(dtype)
        p[f"b{i}"] = rand((n,), seed=10 + i, dtype=dtype) / 10
    x = rand((50, sizes[0]), seed=20, dtype=dtype)
    y = np.eye(10, dtype=dtype)[np.arange(50) % 10]
    return p, x, y


def test_mlp_step_through_jit_in_float32():
    step = tg.value_and_grad(mlp_loss)
    args = mlp_data(np.float32)
    run = compile_fused(tg.jit(step).lower(*args).program)
    # all but h2 @ w3 and h2.T @ delta3 (10 columns: BLAS, or a nest of the elementwise
    # kernel, jit/contract.py); delta2 @ w2.T copies w2.T to rows
    assert run.source.count("= _mk") == 6
    got = tg.jit(step)(*args)
    want = step(*args)
    assert_close_f32(tg.tree.leaves(got), tg.tree.leaves(want))
    # and against float64, as the harness compares float32 derivatives
    for a, b in zip(tg.tree.leaves(got), tg.tree.leaves(step(*mlp_data(np.float64))),
                    strict=True):
        np.testing.assert_allclose(a, b, **tol("derivative", np.float32))


def test_second_order_through_jit_in_float32():
    """A Hessian-vector product in w2: products of products' derivatives."""
    p, x, y = mlp_data(np.float32)
    t = rand(p["w2"].shape, seed=30, dtype=np.float32)

    def hvp(w2):
        grad = tg.grad(lambda w: mlp_loss({**p, "w2": w}, x, y))
        return tg.jvp(grad, (w2,), (t,))[1]
    assert "= _mk" in compile_fused(tg.jit(hvp).lower(p["w2"]).program).source
    assert_close_f32([tg.jit(hvp)(p["w2"])], [hvp(p["w2"])])


def test_float64_products_are_not_these_kernels():
    """Float64 products add in BLAS's order (jit/dgemm_kernels.py), never in these kernels'."""
    step = tg.value_and_grad(mlp_loss)
    args = mlp_data(np.float64)
    run = compile_fused(tg.jit(step).lower(*args).program)
    assert "_mk" not in run.source
    for a, b in zip(tg.tree.leaves(tg.jit(step)(*args)), tg.tree.leaves(step(*args)),
                    strict=True):
        np.testing.assert_allclose(a, b, **tol("roundoff"))
