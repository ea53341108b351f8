"""Float64 matrix products in the fused executor run as numba kernels that add in BLAS's own
order (tangents/jit/dgemm_kernels.py): where a kernel is used its values are np.matmul's bit
for bit, on operands other than the probe's, from one thread or several at once; where no
rule reproduces BLAS (a fake BLAS here) the product stays np.matmul; x.T @ x (numpy's syrk)
and small products stay on BLAS; a forked child computes on one thread."""
import os
import threading

import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
import tangents.numpy as tnp
from tangents.jit import dgemm_kernels
from tangents.jit.fused import compile_fused

pytest.importorskip("numba")

# the machine the rules were measured on: numpy's OpenBLAS 0.3.31 running its Haswell kernels
# (0.3.27, under NumPy 2.1, sums W4's 300 x 2000 x 300 otherwise: the probe leaves it to BLAS)
HASWELL_OPENBLAS = os.environ.get("OPENBLAS_CORETYPE") == "Haswell" and \
    "OpenBLAS 0.3.31" in str(np.show_config(mode="dicts"))


pytestmark = pytest.mark.executor("fused")  # this file tests that executor alone


@pytest.fixture
def any_size(monkeypatch):
    """Kernels for products of any size (the real threshold keeps small ones on BLAS)."""
    monkeypatch.setattr(dgemm_kernels, "_MIN_WORK", 0)


def product(left_t):
    def fun(a, b):
        return (tnp.transpose(a) if left_t else a) @ b
    return fun


def operands(m, k, n, left_t, seed):
    return (rand((k, m) if left_t else (m, k), seed=seed, dtype=np.float64),
            rand((k, n), seed=seed + 1, dtype=np.float64))


# (m, k, n, left transposed): panels of k cut as Q, 2Q..., and a halved rest; edge rows
# and columns; the sizes of W1's, W3's and W4's products
CASES = [
    (64, 300, 64, False),  # the rest of 300 halved
    (48, 600, 40, True),  # 256 then 344 halved; 8 edge columns
    (26, 100, 70, False),  # 2 edge rows (4 blocks of 6 and 2), 6 edge columns
    (128, 784, 256, False),  # W1's X @ W1
    (784, 128, 256, True),  # W1's X.T @ delta
    (300, 2000, 300, True),  # W4's Hessian
]


@pytest.mark.parametrize("m, k, n, left_t", CASES)
def test_products_are_numpys_bits(any_size, m, k, n, left_t):
    fun = product(left_t)
    run = compile_fused(tg.jit(fun).lower(*operands(m, k, n, left_t, seed=1)).program)
    used = "= _dk" in run.source
    if HASWELL_OPENBLAS:
        assert used
    for seed in (5, 7):  # not the probe's operands
        args = operands(m, k, n, left_t, seed)
        got, = run(*args)
        want = fun(*args)
        assert got.dtype == np.float64 and got.shape == want.shape
        assert np.array_equal(got.view(np.int64), want.view(np.int64))


@pytest.mark.skipif(not HASWELL_OPENBLAS, reason="the rules are OpenBLAS Haswell's")
def test_a_thread_count_changed_after_compile_gets_blas_order_for_it():
    """(300, 702) @ (702, 300): after one panel of 256, OpenBLAS halves the last 446 of k as
    223 + 223 when threaded and as 224 + 222 on one thread, so the two give other bits; a
    program compiled under one count follows BLAS to the other (threadpoolctl)."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    fun = product(False)
    args = operands(300, 702, 300, False, seed=1)
    run = compile_fused(tg.jit(fun).lower(*args).program)
    assert "= _dk" in run.source
    wants = []
    for threads in (1, 2, 1):
        with threadpoolctl.threadpool_limits(threads, user_api="blas"):
            assert dgemm_kernels.blas_threads() == threads
            want = fun(*args)
            wants.append(want)
            assert np.array_equal(run(*args)[0].view(np.int64), want.view(np.int64))
    if (os.cpu_count() or 1) > 1:  # the orders differ, so the test can tell them apart
        assert not np.array_equal(wants[0], wants[1])


def test_a_blas_whose_order_no_rule_matches_stays_on_numpy(any_size, monkeypatch):
    """A BLAS that sums pairwise (np.einsum's order here): no rule gives its bits, so the
    product is np.matmul's call."""
    monkeypatch.setattr(dgemm_kernels, "_reference",
                        lambda a, b: np.einsum("ik,kj->ij", a, b, optimize=False))
    monkeypatch.setattr(dgemm_kernels, "_orders", {})
    assert dgemm_kernels.order_of(40, 300, 48, False) is None
    run = compile_fused(tg.jit(product(False)).lower(*operands(40, 300, 48, False, 1)).program)
    assert "_dk" not in run.source and "np.matmul" in run.source


def test_gram_products_and_small_ones_stay_on_blas():
    x = rand((200, 96), seed=3, dtype=np.float64)
    gram = compile_fused(tg.jit(lambda x: tnp.transpose(x) @ x).lower(x).program)
    assert "_dk" not in gram.source  # numpy computes x.T @ x with syrk
    small = operands(128, 256, 10, False, 1)  # OpenBLAS computes it on the calling thread
    run = compile_fused(tg.jit(product(False)).lower(*small).program)
    assert "_dk" not in run.source


def test_unplanned_layouts_fall_back_to_numpy(any_size):
    fun = product(True)
    a, b = operands(40, 50, 64, True, seed=1)
    run = compile_fused(tg.jit(fun).lower(a, b).program)
    wide = rand((50, 80), seed=3, dtype=np.float64)
    for left, right in ((np.asfortranarray(a), b), (a, wide[:, ::-1][:, :64])):
        got, = run(left, right)
        assert np.array_equal(got, fun(left, right))


@pytest.mark.skipif(not HASWELL_OPENBLAS, reason="the rules are OpenBLAS Haswell's")
def test_w3_jacobian_product_through_jit():
    """W3's program: jacrev of tanh(W2 tanh(W1 x)) has one 512^3 product; the
    jitted Jacobian equals the NumPy executor's, which calls np.matmul, to 1e-12 (its
    tanh is vecmath's, within 3 ulps)."""
    w1, w2 = (rand((512, 512), seed=s, dtype=np.float64) / np.sqrt(512) for s in (1, 2))
    x = rand((512,), seed=3, dtype=np.float64)
    jac = tg.jacrev(lambda x: tnp.tanh(w2 @ tnp.tanh(w1 @ x)))
    run = compile_fused(tg.jit(jac).lower(x).program)
    assert run.source.count("= _dk") == 1
    got, = run(x)
    np.testing.assert_allclose(got, jac(x), **tol("roundoff"))


@pytest.mark.parametrize("m, k", [(2000, 300), (600, 512), (700, 401)])
def test_matrix_vector_products_are_numpys_bits(m, k):
    a = rand((m, k), seed=1, dtype=np.float64)
    fun = tg.jit(lambda a, x: a @ x)
    run = compile_fused(fun.lower(a, rand((k,), seed=2, dtype=np.float64)).program)
    if HASWELL_OPENBLAS and k % 4 == 0:
        assert "= _dmv" in run.source
    x = rand((k,), seed=3, dtype=np.float64)
    got, = run(a, x)
    assert np.array_equal(got.view(np.int64), (a @ x).view(np.int64))


def test_a_turned_matrix_times_a_vector_stays_on_blas():
    a = rand((300, 2000), seed=1, dtype=np.float64)
    x = rand((300,), seed=2, dtype=np.float64)
    run = compile_fused(tg.jit(lambda a, x: tnp.transpose(a) @ x).lower(a, x).program)
    assert "_dmv" not in run.source


def test_products_from_several_threads_at_once():
    fun = tg.jit(product(True))
    cases = [operands(300, 2000, 300, True, seed) for seed in range(4)]
    fun(*cases[0])
    got = [None] * len(cases)

    def work(i):
        for _ in range(5):
            got[i] = fun(*cases[i])
    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(cases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for (a, b), g in zip(cases, got, strict=True):
        assert np.array_equal(g, a.T @ b)


def test_a_turned_right_operand_is_numpys_bits():
    """W1's ``delta2 @ W2.T``: the probe measures the product on a turned ``b`` as numpy gets
    it; the kernel reads ``b`` copied to rows."""
    def fun(a, b):
        return a @ tnp.transpose(b)
    a, b = rand((128, 256), seed=1), rand((256, 256), seed=2)
    run = compile_fused(tg.jit(fun).lower(a, b).program)
    if HASWELL_OPENBLAS:
        assert "= _dk" in run.source
    for seed in (5, 7):
        a, b = rand((128, 256), seed=seed), rand((256, 256), seed=seed + 1)
        got, = run(a, b)
        assert np.array_equal(got.view(np.int64), (a @ b.T).view(np.int64))
