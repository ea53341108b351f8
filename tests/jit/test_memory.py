"""tg.jit's peak memory is no higher than eager's (issue #12): a program returns each
intermediate's buffer once nothing reads it, as eager does, not when it returns."""
import tracemalloc

import numpy as np
from harness import rand, tol

import tangents as tg
import tangents.numpy as tnp


def mlp_loss(ws, x):
    h = x
    for w in ws:
        h = tnp.tanh(h @ w)
    return tnp.sum(h * h)


def _peak(fun, *args):
    """Bytes in use at the peak of one call, above what was in use before it."""
    fun(*args)  # traces (and starts the fused compile on its thread)
    if hasattr(fun, "wait_compiled"):  # the compiler's own allocations are not the call's
        fun.wait_compiled()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fun(*args)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_training_step_peak_memory_no_higher_than_eager():
    ws = [rand((128, 128), seed=k) / 16 for k in range(6)]
    x = rand((512, 128), seed=9)
    step = tg.value_and_grad(mlp_loss)
    eager, jitted = _peak(step, ws, x), _peak(tg.jit(step), ws, x)
    # before: every activation and every backward temporary lived until the program returned
    assert jitted <= eager, (jitted, eager)


def test_intermediates_are_freed_and_values_kept():
    def f(x):
        a = np.sin(x) @ x
        b = np.cos(a) @ x
        return a[0], b, b @ x
    x = rand((4, 4), seed=3)
    jitted = tg.jit(f)
    for _ in range(2):
        for got, want in zip(jitted(x), f(x)):
            # roundoff: the fused executor sums small products in its kernels
            np.testing.assert_allclose(got, want, **tol("roundoff"))
    variant = next(iter(jitted._cache.values())).last
    source = getattr(variant.run, "source", "")
    assert "del " in source, source


def test_row_blocks_hold_no_arrays_after_the_call():
    """A fused kernel's rows run on the caller and the pool's threads; a queued block that a
    busy pool thread starts only after the call returned must not keep the call's arrays
    alive (the peak of the training step above came out up to 2x on a loaded machine)."""
    import threading
    import weakref

    import pytest
    pytest.importorskip("numba")
    from tangents.jit import pool
    if pool.threads() < 2:
        pytest.skip("one CPU: no pool")
    pool.run_rows(lambda lo, hi, x: None, 4, np.zeros(1))  # makes the pool
    gate = threading.Event()
    busy = [pool._pool[0].submit(gate.wait) for _ in range(pool.threads() - 1)]
    try:
        x = np.zeros(10)
        ref = weakref.ref(x)
        pool.run_rows(lambda lo, hi, x: None, 8, x)  # the caller runs every block itself
        del x
        assert ref() is None
    finally:
        gate.set()
        for b in busy:
            b.result()
