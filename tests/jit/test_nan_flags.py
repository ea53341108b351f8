"""Large outputs of a fused program are tested for NaN by the kernels that write them
(tangents/jit/kernel_source.py's ``_flag_nan``): a NaN anywhere in them, in any row block,
makes the call recompute eagerly, as the separate screen (jit/api.py's ``_has_nan``) did,
without reading the outputs a second time."""
import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
from tangents.jit import api, pool
from tangents.jit.fused import _SCREEN_MIN, compile_fused

pytest.importorskip("numba")

from .test_fused_simd import softmax_vjp  # noqa: E402 - W2's function; needs numba

pytestmark = pytest.mark.executor("fused")  # this file tests that executor alone


def masked(x):
    # sqrt'(0) is inf; the where gives it a zero cotangent: eager's gradient is finite,
    # the program's 0 * inf is NaN
    return np.sum(np.where(x > 0, np.sqrt(np.abs(x)), x ** 2))


def _flags(run, *args):
    flags = []
    outs = run(*args, _nan=flags)
    return outs, bool(flags) and any(f.any() for f in flags)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("rows, cols", [(3, 8192), (600, 128)])  # one block; the pool's
def test_a_nan_in_any_row_block_is_flagged(dtype, rows, cols):
    x = rand((rows, cols), seed=1, dtype=dtype)
    g = rand((rows, cols), seed=2, dtype=dtype)
    run = compile_fused(tg.jit(softmax_vjp).lower(x, g).program)
    assert run.screened == {0, 1}
    assert ("run_rows(" in run.source) == (rows * cols >= pool.PARALLEL_MIN and pool.threads() > 1)
    outs, nan = _flags(run, x, g)
    assert not nan and not any(np.isnan(o).any() for o in outs)
    for at in (0, rows // 2, rows - 1):
        bad = g.copy()
        bad[at, 5] = np.nan  # only the gradient's row `at` is NaN
        outs, nan = _flags(run, x, bad)
        assert nan and np.isnan(outs[1][at]).all() and not np.isnan(outs[0]).any()


def test_inf_is_not_nan():
    x = rand((200, 128), seed=3)
    run = compile_fused(tg.jit(lambda x: x * 2.0).lower(x).program)
    big = x.copy()
    big[7, 7] = np.inf
    outs, nan = _flags(run, big)
    assert not nan and np.isinf(outs[0][7, 7])


def test_small_outputs_and_reductions_are_left_to_the_screen():
    small = rand((10, 10), seed=4)
    assert not compile_fused(tg.jit(lambda x: x * 2.0).lower(small).program).screened
    x = rand((200, 128), seed=5)
    run = compile_fused(tg.jit(lambda x: (np.sum(x * x, axis=1), x + 1.0)).lower(x).program)
    assert run.screened == {1}  # the sums are whole only after the kernel
    assert _SCREEN_MIN <= x.size


def test_a_masked_nan_in_a_large_output_gives_eager_values(monkeypatch):
    x = rand((200, 128), seed=6)
    x[::3, ::5] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        want = tg.grad(masked)(x)
        assert not np.isnan(want).any()
        program = tg.jit(tg.grad(masked)).lower(x).program
        run = compile_fused(program)
        assert _flags(run, x)[1]  # the program alone gives NaN
        read = []
        real = api._has_nan
        monkeypatch.setattr(api, "_has_nan", lambda values: read.append(values) or real(values))
        jg = tg.jit(tg.grad(masked))
        for _ in range(3):
            np.testing.assert_allclose(jg(x), want, **tol("roundoff"))
    # the first call's values come from tracing; later ones from the flagged program, whose
    # output the screen did not read again
    assert all(len(values) == 0 for values in read[1:]), [len(v) for v in read]


def test_screened_and_unscreened_outputs_together():
    x = rand((200, 128), seed=7)

    def f(x):
        s, back = tg.vjp(lambda x: np.tanh(x) * 3.0, x)
        return np.sum(s), back(np.ones_like(s))[0]
    jf = tg.jit(f)
    for _ in range(2):
        got = jf(x)
        np.testing.assert_allclose(got[0], f(x)[0], **tol("roundoff"))
        np.testing.assert_allclose(got[1], f(x)[1], **tol("roundoff"))
    bad = x.copy()
    bad[0, 0] = np.nan
    got, want = jf(bad), f(bad)
    np.testing.assert_array_equal(got[1], want[1])
