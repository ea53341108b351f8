"""The NumPy executor of tg.jit: elementwise chains write into the buffers of the operands
they read last, and never into an argument, a constant, a result or a buffer a view shares."""
import numpy as np
import pytest
from harness import rand, tol

import tangents as tg


@pytest.fixture(autouse=True)
def executor(monkeypatch):
    """This file's tests are the NumPy executor's (conftest's runs every other file twice)."""
    monkeypatch.setenv("TANGENTS_JIT_EXECUTOR", "numpy")
    return "numpy"


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
