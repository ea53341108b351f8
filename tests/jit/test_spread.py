"""Product kernels spread their row blocks over numba's threads (tangents/jit/spread.py) only
where those threads stay awake, never in a forked child, and give the same bits on any
number of threads."""
import os
import sys

import numpy as np
import pytest
from harness import rand, tol

from tangents.jit import dgemm_kernels, spread

numba = pytest.importorskip("numba")


pytestmark = pytest.mark.executor("fused")  # the kernels these tests call are its


def test_a_forked_child_computes_on_one_thread(monkeypatch):
    """GNU OpenMP's threads do not survive fork: a child never enters the spread loop."""
    spread.awake()
    monkeypatch.setattr(spread, "_layer", [os.getpid() + 1, True])  # as seen from a child
    assert spread.awake() is False
    a, b = rand((300, 600), seed=1), rand((600, 256), seed=2)
    got = dgemm_kernels.product(dgemm_kernels._kernel(300, 256, False), (False, False), True,
                                (300, 256), a, b)
    np.testing.assert_allclose(got, a @ b, **tol("roundoff"))


def test_only_layers_that_keep_threads_awake(monkeypatch):
    monkeypatch.setattr(spread, "_layer", [])
    monkeypatch.setattr(numba, "threading_layer", lambda: "workqueue")
    assert spread.awake() is False
    monkeypatch.setattr(spread, "_layer", [])
    monkeypatch.setattr(numba, "threading_layer", lambda: "omp")
    assert spread.awake() is (numba.config.NUMBA_NUM_THREADS > 1)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="one CPU")
def test_same_bits_on_any_number_of_threads():
    if not spread.awake():
        pytest.skip("numba's threading layer sleeps: products run on one thread")
    a, b = rand((300, 600), seed=1), rand((600, 256), seed=2)
    kernel = dgemm_kernels._kernel(300, 256, False)
    cuts = dgemm_kernels._splits(600, 256, 4, False)
    results = []
    for threads in (1, 2):
        c = np.empty((300, 256))
        sys.modules[kernel.__module__].spread(50, threads, a, b, c, cuts)
        results.append(c)
    one = np.empty((300, 256))
    kernel(0, 50, a, b, one, cuts)
    assert np.array_equal(results[0], one) and np.array_equal(results[1], one)


def test_products_stay_on_one_thread_beside_threaded_blas():
    """A program that leaves a product large enough for OpenBLAS's threads to numpy does not
    spread its kernels' products: the two pools would wait on each other."""
    import tangents as tg
    import tangents.numpy as tnp
    from tangents.jit.patches import conv_pairs

    def partners(fun, *args):
        body = tg.jit(fun).lower(*args).program.body
        return [p for p in conv_pairs(body).values() if isinstance(p, tuple)]

    a, b = rand((300, 600), seed=1), rand((600, 256), seed=2)
    alone = partners(lambda a, b: a @ b, a, b)
    assert alone and all(p[-1] is True for p in alone)
    big = rand((300, 300), seed=3)  # linalg: LAPACK and BLAS with their threads
    beside = partners(lambda a, b, m: (a @ b, tnp.linalg.solve(m, m)), a, b, big)
    assert beside and all(p[-1] is False for p in beside)
