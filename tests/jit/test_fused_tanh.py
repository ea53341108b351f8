"""tanh inside fused kernels (tangents/jit/vecmath.py): within a few ulps of NumPy's float64 tanh
over the whole float range (+-0 with its sign, subnormals, the reduction's switch points, the
saturation to +-1, the infinities and NaN) in float64 and float32, vectorised, and fused at
any size in float64, so that W6's network is one kernel."""
import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
from tangents.jit.fused import compile_fused

pytest.importorskip("numba")
from .test_fused_simd import llvm_ir  # noqa: E402 - needs numba

_LN2 = np.log(2.0)


pytestmark = pytest.mark.executor("fused")  # this file tests that executor alone


def _arguments(dtype):
    """Both signs of: 0, subnormals and tiny values, either side of the points where the
    reduction 2|x| = n ln 2 + r moves to the next n (|x| = (n + 1/2) ln 2 / 2), of the clamp
    at 20 and of where tanh rounds to 1 in ``dtype``, huge values, the infinities and NaN,
    and a dense sweep."""
    info = np.finfo(dtype)
    switches = (np.arange(60) + 0.5) * _LN2 / 2
    one = np.arctanh(1.0 - info.epsneg)  # above it, tanh rounds to 1
    edges = np.concatenate([switches, [20.0, one, 1.0, 0.5]]).astype(dtype)
    near = [np.nextafter(edges, s, dtype=dtype) for s in (-np.inf, np.inf)]
    small = np.geomspace(float(info.smallest_subnormal), 1.0, 20_000)
    sweep = np.linspace(0.0, 25.0, 100_001)
    special = [0.0, info.smallest_subnormal, info.smallest_normal, info.eps, 1e30, info.max,
               np.inf, np.nan]
    half = np.concatenate([special, edges, *near, small, sweep, np.abs(rand((4000,), seed=3))])
    return np.concatenate([half, -half]).astype(dtype)


def _fused_tanh(x, n):
    """tanh of ``x`` through the fused executor's kernels, ``n`` elements at a time."""
    x = np.concatenate([x, np.zeros(-x.size % n, x.dtype)])
    run = compile_fused(tg.jit(lambda x: np.tanh(x * 1.0)).lower(x[:n]).program)
    assert "_tanh(" in run.kernels[0].py_source and "np.tanh" not in run.source
    return np.concatenate([run(x[i:i + n])[0] for i in range(0, x.size, n)])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tanh_is_numpys_to_roundoff_everywhere(dtype):
    x = _arguments(dtype)
    # float32 fuses below 1024 elements only (test_a_large_float32_tanh_stays_numpys)
    got = _fused_tanh(x, x.size if dtype == np.float64 else 1000)[:x.size]
    want = np.tanh(x)
    assert got.dtype == dtype
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    got, want = got[~nan], want[~nan]
    # the sign of zero too: tanh(-0.0) is -0.0; and tanh(+-inf), and beyond 20, is +-1
    assert np.array_equal(np.signbit(got), np.signbit(want))
    assert np.all(got[np.abs(x[~nan]) >= 20] == np.sign(x[~nan][np.abs(x[~nan]) >= 20]))
    # relative to |tanh x| (no absolute floor: tiny and subnormal values count fully), and
    # in ulps of the reference, as the float64 method promises (float32 is float64's
    # rounded once: NumPy's float32 tanh may itself be an ulp away)
    rel = np.abs(got.astype(np.float64) - want) / np.maximum(np.abs(want), np.finfo(dtype).tiny)
    assert rel.max() <= tol("roundoff", dtype)["rtol"], x[~nan][rel.argmax()]
    ulps = np.abs(got.astype(np.float64) - want) / np.spacing(np.abs(want))
    assert ulps.max() <= (4 if dtype == np.float64 else 1), x[~nan][ulps.argmax()]
    assert np.mean(got == want) > 0.6  # most are the reference's bits


def test_tanh_in_a_kernel_is_vector_code():
    x = rand((64, 1000, 8))
    run = compile_fused(tg.jit(lambda x: np.tanh(x - 1.0) * 2.0).lower(x).program)
    ir = llvm_ir(run.kernels[0])
    assert "@tanh" not in ir  # no call of the C library's tanh per element
    assert "@llvm.fma.v" in ir and "fdiv <" in ir and "@llvm.copysign.v" in ir


def test_a_large_float32_tanh_stays_numpys():
    # vecmath's tanh runs in float64: over 2M float32 it took 1.38 ms against NumPy's float32
    # SIMD loop's 0.34 ms, so a large float32 tanh stays NumPy's call (and bits)
    x = rand((64, 40), dtype=np.float32)
    run = compile_fused(tg.jit(lambda x: np.tanh(x * 2.0) + 1.0).lower(x).program)
    assert not any("_tanh(" in k.py_source for k in run.kernels)
    np.testing.assert_array_equal(run(x)[0], np.tanh(x * np.float32(2.0)) + np.float32(1.0))


def test_a_large_float64_tanh_fuses_between_products():
    # W6's layers: tanh(x @ w + b) was a NumPy call between two kernels, which wrote its
    # argument to memory and read it back; now the layers and their derivatives are one kernel
    def layers(x, w1, w2):
        h = np.tanh(x @ w1 + 0.1)
        return np.tanh(h @ w2 - 0.2) * (1.0 - h * h) @ w2
    args = rand((2000, 1)), rand((1, 20), seed=1), rand((20, 20), seed=2) / 4
    run = compile_fused(tg.jit(layers).lower(*args).program)
    assert len(run.kernels) == 1 and "tanh" not in run.source
    np.testing.assert_allclose(run(*args)[0], layers(*args), **tol("roundoff"))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_derivatives_of_tanh_through_the_fused_executor(dtype):
    def fun(x):
        return np.sum(np.tanh(x * 1.5) * np.cos(x))
    x = rand((40, 30), dtype=dtype)
    jitted = tg.jit(tg.grad(fun))
    jitted(x)
    jitted.wait_compiled()
    np.testing.assert_allclose(jitted(x), tg.grad(fun)(x), **tol("roundoff", dtype))
    tg.check_grads(tg.jit(fun), (rand((40, 30)),), order=2)
