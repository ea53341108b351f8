"""exp inside fused kernels (tangents/jit/vecmath.py): within one ulp of NumPy's float64 exp over
the whole float range (subnormal results, overflow, NaN and the infinities included) in float64 and
float32, vectorised, and fused at any size, so that W2's softmax and its VJP are one kernel."""
import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
from tangents.jit.fused import compile_fused

pytest.importorskip("numba")
from .test_fused_simd import fused_run, llvm_ir, softmax_vjp  # noqa: E402 - needs numba

pytestmark = pytest.mark.executor("fused")  # this file tests that executor alone


def _arguments(dtype):
    """Every region of exp: NaN, +-inf, +-0, tiny arguments, the overflow and subnormal
    thresholds of ``dtype`` and either side of them, and a dense sweep of the finite range."""
    info = np.finfo(dtype)
    top, bottom = np.log(info.max), np.log(info.smallest_subnormal)
    edges = [top, bottom, np.log(info.smallest_normal)]
    near = [np.nextafter(e, s, dtype=dtype) for e in map(dtype, edges) for s in (-np.inf, np.inf)]
    sweep = np.linspace(bottom - 20, top + 20, 200_003)
    tiny = rand((4000,), seed=3) * 1e-9
    special = [np.nan, np.inf, -np.inf, 0.0, -0.0, info.smallest_subnormal, 1.0, -1.0]
    return np.concatenate([special, edges, near, sweep, tiny]).astype(dtype)


@pytest.mark.filterwarnings("ignore:overflow encountered in exp:RuntimeWarning")  # tracing's
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exp_is_within_one_ulp_everywhere(dtype):
    x = _arguments(dtype)
    # float32 fuses below 1024 elements only (test_a_large_float32_exp_stays_numpys)
    n = x.size if dtype == np.float64 else 1000
    x = np.concatenate([x, np.zeros(-x.size % n, dtype)])
    run = compile_fused(tg.jit(lambda x: np.exp(x * 1.0)).lower(x[:n]).program)
    assert "_exp(" in run.kernels[0].py_source and "np.exp" not in run.source
    got = np.concatenate([run(x[i:i + n])[0] for i in range(0, x.size, n)])
    with np.errstate(over="ignore"):  # float32: float64's exp, rounded once (NumPy's own
        want = np.exp(x.astype(np.float64)).astype(dtype)  # is 2 ulps off near 1e-38)
    assert got.dtype == dtype
    same = (got == want) | np.isnan(got) & np.isnan(want)
    # zeros, infinities, NaN and every subnormal result are exactly NumPy's or one step away
    with np.errstate(invalid="ignore"):  # inf - inf where both overflow
        ulps = np.abs(got.astype(np.float64) - want) / np.spacing(np.abs(want))
    assert np.all(same | (ulps <= 1.0)), x[~(same | (ulps <= 1.0))][:5]
    assert np.array_equal(np.isfinite(got), np.isfinite(want)) and np.all(got[want == 0] == 0)
    assert same.mean() > 0.9  # most are the reference's bits


def test_softmax_and_its_vjp_are_one_kernel_that_reads_its_inputs_once():
    # W2: exp used to be a NumPy call between two kernels (the max, then everything after
    # exp), which wrote x - max out to memory, and read it back for exp and again for the rest
    x, g = 3.0 * rand((32, 300, 8)), rand((32, 300, 8), seed=1)
    run = fused_run(softmax_vjp, x, g)
    assert len(run.kernels) == 1 and "np.exp" not in run.source
    call, = [line for line in run.source.splitlines() if "_K0" in line]
    program = tg.jit(softmax_vjp).lower(x, g).program
    ends = [repr(v) for v in list(program.invars) + list(program.outvars)]
    # x and g in, s and the cotangent out, then the NaN flag of those two and the
    # floating-point flags (jit/kernel_source.py)
    assert call.rstrip(")").split(", ")[-6:] == ends + ["_nf0", "_ff0"]


def test_a_large_float32_exp_stays_numpys():
    # vecmath's exp runs in float64: over 2M float32 it took 1.34 ms against NumPy's float32
    # SIMD loop's 0.78 ms, so a large float32 exp stays NumPy's call (and bits)
    x, g = 3.0 * rand((32, 300, 8), dtype=np.float32), rand((32, 300, 8), 1, dtype=np.float32)
    run = fused_run(softmax_vjp, x, g)
    assert len(run.kernels) == 2 and not any("_exp(" in k.py_source for k in run.kernels)
    got = compile_fused(tg.jit(lambda x: np.exp(x - 1.0)).lower(x).program)(x)[0]
    np.testing.assert_array_equal(got, np.exp(x - np.float32(1.0)))


def test_exp_in_a_kernel_is_vector_code():
    x = rand((64, 1000, 8))
    run = compile_fused(tg.jit(lambda x: np.exp(x - 1.0) * 2.0).lower(x).program)
    ir = llvm_ir(run.kernels[0])
    assert "call double @llvm.fma.f64" not in ir
    assert "@llvm.fma.v" in ir and "shl <" in ir  # the polynomial and the power of two


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_derivatives_of_exp_through_the_fused_executor(dtype):
    def fun(x):
        return np.sum(np.exp(x * 0.5) * np.sin(x))
    x = rand((40, 30), dtype=dtype)
    jitted = tg.jit(tg.grad(fun))
    np.testing.assert_allclose(jitted(x), tg.grad(fun)(x), **tol("roundoff", dtype))
    tg.check_grads(tg.jit(fun), (rand((40, 30)),), order=2)
