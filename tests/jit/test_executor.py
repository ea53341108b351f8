"""The NumPy executor of tg.jit: elementwise chains and matrix products write into buffers
kept between calls, in the slot of the operand they read last where they can, and never into
an argument, a constant, a result or a buffer a view shares."""
import numpy as np
import pytest
from harness import rand, tol

import tangents as tg

pytestmark = pytest.mark.executor("numpy")  # this file tests that executor alone


def run_source(fun, *args):
    """``fun`` jitted: its values checked against eager's, and its generated source."""
    jitted = tg.jit(fun)
    before = [a.copy() for a in args]
    for got, want in zip(jitted(*args), fun(*args)):
        np.testing.assert_allclose(got, want, **tol("roundoff", want.dtype))
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)  # arguments are never written
    return jitted.lower(*args).program, jitted._cache.popitem()[1].last.run.source


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_elementwise_chain_reuses_the_buffers_it_reads_last(dtype):
    x = rand((50, 40)).astype(dtype)
    program, source = run_source(lambda x: (np.exp(np.sin(x) * 2.0) + 1.0,), x)
    assert source.count("out=") == 3  # multiply, exp and add reuse sin's buffer
    _, source = run_source(tg.grad(lambda x: np.sum(np.tanh(x) ** 2 / 3.0)), x)
    assert "out=" in source


def test_no_buffer_a_view_shares_or_a_later_step_reads_is_written():
    x = rand((6, 5))

    def fun(x):
        y = np.sin(x)
        v = y[1:]           # a view of y's buffer
        z = np.exp(y)       # y's last ufunc: exp must not write into y
        c = np.cos(x)
        return v * z[1:], c, c * 2.0  # c is a result: kept
    program, source = run_source(fun, x)
    assert source.count("out=") == 0


def _later_call_peak(fun, *args):
    """Bytes allocated at the peak of a third call (the first one traces and compiles, the
    second one runs the program the first time)."""
    import tracemalloc
    fun(*args)
    fun(*args)
    tracemalloc.start()
    try:
        fun(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


BIG = (512, 256)  # 1 MiB in float64: kept between calls (smaller arrays only go in place)


def test_intermediates_reuse_buffers_kept_between_calls():
    x = rand(BIG)

    def fun(x):
        return np.sum(np.tanh(np.sin(x) @ x[:256]) * 2.0, axis=0)
    _, source = run_source(fun, x)
    assert source.count("out=_b[") == 4  # sin, the product, tanh and multiply
    # only the result (one row) is new on a later call: each intermediate was 1 MiB
    assert _later_call_peak(tg.jit(fun), x) < x.nbytes // 2


def test_results_never_share_a_kept_buffer():
    x, y = rand(BIG, seed=1), rand(BIG, seed=2)

    def fun(x):
        s = np.sin(x) * 2.0
        return s + 1.0, s[:8].T @ s[:8], np.cos(s)
    jitted = tg.jit(fun)
    jitted(x)  # traces
    first = jitted(x)  # runs the program: its buffers go back to the pool
    assert "out=_b[" in next(iter(jitted._cache.values())).last.run.source
    kept = [a.copy() for a in first]
    second = jitted(y)
    for a, b in zip(first, kept):
        np.testing.assert_array_equal(a, b)
    for got, want in zip(second, fun(y)):
        np.testing.assert_allclose(got, want, **tol("roundoff"))


def test_threads_calling_at_once_each_get_their_buffers():
    import concurrent.futures
    xs = [rand(BIG, seed=k) for k in range(8)]

    def fun(x):
        return np.sum(np.tanh(np.sin(x) * 0.5) * x, axis=0)
    jitted = tg.jit(fun)
    jitted(xs[0])
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            for got, x in zip(pool.map(jitted, xs), xs):
                np.testing.assert_allclose(got, fun(x), **tol("roundoff"))
