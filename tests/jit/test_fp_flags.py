"""Floating-point errors inside fused kernels are reported as NumPy reports them
(tangents/jit/fpstatus.py, jit/fperrors.py): a kernel reads the processor's exception flags
around its loops, and a call whose flags ``np.errstate`` does not ignore is computed again
eagerly, so that its warning or FloatingPointError is eager's own.  Calls that raise no
flag, or only ignored ones, are not computed again."""
import platform
import warnings

import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
from tangents.jit import fperrors, pool
from tangents.jit.fused import compile_fused

pytest.importorskip("numba")

pytestmark = [pytest.mark.executor("fused"),  # this file tests that executor alone
              pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                                 reason="the flags are read on x86-64 only")]


class Counted:
    """``fun`` counting its Python calls: the trace, then each eager recompute."""

    def __init__(self, fun):
        self.fun, self.calls = fun, 0

    def __call__(self, *args):
        self.calls += 1
        return self.fun(*args)


def messages(fun, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fun(*args)
    return out, sorted({str(w.message) for w in caught if w.category is RuntimeWarning})


CASES = {
    "divide": (lambda x: np.log(x) / x, np.array([0.0, 1.0, 2.0])),
    "overflow": (lambda x: np.exp(x) * 2.0, np.array([1.0, 800.0, -1.0])),
    "invalid": (lambda x: np.sqrt(x) + x, np.array([4.0, -1.0, 9.0])),
    "0/0": (lambda x: x / x + 1.0, np.array([0.0, 1.0, 2.0])),
}


@pytest.mark.parametrize("name", list(CASES))
def test_warnings_are_eagers(name):
    fun, x = CASES[name]
    counted = Counted(fun)
    jitted = tg.jit(counted)
    want, eager_says = messages(fun, x)
    assert eager_says  # the case makes NumPy warn
    for call in range(3):
        got, says = messages(jitted, x)
        assert says == eager_says, call
        np.testing.assert_array_equal(got, want)
    assert counted.calls == 3  # the trace, then two calls whose kernels raised a flag


def test_errstate_raise_raises_and_ignore_computes_once():
    fun, x = CASES["divide"]
    counted = Counted(fun)
    jitted = tg.jit(counted)
    with np.errstate(all="ignore"):
        jitted(x)
        jitted(x)  # the kernel raised the flag, but NumPy would ignore it
    assert counted.calls == 1
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError, match="divide by zero"):
            jitted(x)
        with pytest.raises(FloatingPointError, match="divide by zero"):
            fun(x)


def test_clean_calls_and_nan_inputs_are_not_computed_again():
    counted = Counted(lambda x: np.max(np.minimum(x, 1.0), axis=0) * 2.0)
    jitted = tg.jit(counted)
    x = rand((5, 4))
    jitted(x)
    np.testing.assert_allclose(jitted(x), counted.fun(x), **tol("roundoff"))
    nan = x.copy()
    nan[2, 1] = np.nan  # an ordered comparison of NaN raises x86's invalid flag ...
    got, says = messages(jitted, nan)
    assert says == [] and np.isnan(got[1])  # ... where NumPy reports nothing
    np.testing.assert_array_equal(got, counted.fun(nan))
    assert counted.calls == 1


def test_an_error_in_any_row_block_is_flagged():
    x = rand((600, 128), seed=2) + 3.0  # enough for the pool's row blocks
    run = compile_fused(tg.jit(lambda x: 1.0 / x).lower(x).program)
    assert ("run_rows(" in run.source) == (pool.threads() > 1)
    for row in (0, 300, 599):
        bad = x.copy()
        bad[row, 7] = 0.0
        flags = []
        run(bad, _fp=flags)
        assert fperrors.raised(flags) & fperrors.DIVIDE, row
        flags = []
        run(x, _fp=flags)
        assert not fperrors.raised(flags) & (fperrors.DIVIDE | fperrors.INVALID
                                             | fperrors.OVERFLOW)


def test_a_derivative_of_a_division_by_zero_warns_as_eager():
    fun = lambda x: np.sum(np.log(x) / x)  # noqa: E731
    x = np.array([0.0, 1.0, 2.0])
    want, eager_says = messages(tg.grad(fun), x)
    jitted = tg.jit(tg.grad(fun))
    for _ in range(2):
        got, says = messages(jitted, x)
        assert says == eager_says and eager_says
        np.testing.assert_array_equal(got, want)


def test_reported_follows_errstate_and_nan_inputs():
    clean, nan = [np.ones(3)], [np.array([1.0, np.nan])]
    from tangents.jit.api import _has_nan
    assert fperrors.reported(fperrors.DIVIDE, clean, _has_nan)
    assert fperrors.reported(fperrors.INVALID, clean, _has_nan)
    assert not fperrors.reported(fperrors.INVALID, nan, _has_nan)  # NaN compared: moot
    assert fperrors.reported(fperrors.INVALID | fperrors.OVERFLOW, nan, _has_nan)
    assert not fperrors.reported(fperrors.UNDERFLOW, clean, _has_nan)  # NumPy's default
    with np.errstate(under="warn", divide="ignore"):
        assert fperrors.reported(fperrors.UNDERFLOW, clean, _has_nan)
        assert not fperrors.reported(fperrors.DIVIDE, clean, _has_nan)
    assert not fperrors.reported(0x20, clean, _has_nan)  # inexact: never reported
