"""Fidelity of the core to NumPy and to its own contracts: in-place updates never reach the
caller's arrays, several threads may feed one trace, masked arrays and np.matrix are refused
rather than silently misread, and user rules are checked against the values they replace."""
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import tangents as tg

RNG = np.random.default_rng(0)


# -- several threads feeding one reverse trace ------------------------------------------
def _chain(v):
    for _ in range(40):
        v = np.sin(v) * 1.01 + 0.1
    return np.sum(v)


def _threaded_loss(x, pool):
    # each task records its own chain of operations on one trace, concurrently
    return sum(pool.map(lambda k: _chain(x[k]), range(len(x))))


def test_threads_recording_into_one_trace_get_the_serial_gradient():
    x = RNG.standard_normal((32, 3))
    want = tg.grad(lambda a: sum(_chain(a[k]) for k in range(len(a))))(x)
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(32) as pool:
            for _ in range(40):
                got = tg.grad(lambda a: _threaded_loss(a, pool))(x)
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    finally:
        sys.setswitchinterval(old)
