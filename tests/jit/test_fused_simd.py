"""The fused executor's machine code: kernels vectorise (noalias arguments, SLP), a kernel whose
nests work row by row runs them all inside one loop over the rows, and reductions are selects
that keep NumPy's NaN rules.  Values are checked against eager NumPy (the harness's "roundoff")."""
import re

import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
from tangents.jit import kernels
from tangents.jit.fused import compile_fused

pytest.importorskip("numba")


pytestmark = pytest.mark.executor("fused")  # this file tests that executor alone


def softmax_vjp(x, g):
    """W2's function: softmax over the middle axis and its VJP."""
    def softmax(x):
        e = np.exp(x - np.max(x, axis=1, keepdims=True))
        return e / np.sum(e, axis=1, keepdims=True)
    s, vjp = tg.vjp(softmax, x)
    return s, vjp(g)[0]


def fused_run(fun, *args):
    """The fused run of ``fun``, checked against eager.  In float32 the reference is eager in
    float64 (the harness's "derivative" row for float32 against float64): the softmax VJP
    s * (g - <g, s>) cancels, and eager float32 is itself 1e-4 relative off on its smallest
    entries (fused, summing in float64, is closer)."""
    run = compile_fused(tg.jit(fun).lower(*args).program)
    got = run(*args)
    f32 = args[0].dtype == np.float32
    want = fun(*(a.astype(np.float64) for a in args)) if f32 else fun(*args)
    for a, b in zip(got, want, strict=True):
        assert a.dtype == args[0].dtype
        np.testing.assert_allclose(a, b, **tol("derivative" if f32 else "roundoff", a.dtype))
    return run


def llvm_ir(disp):
    """The optimised LLVM IR of kernel ``disp`` compiled afresh (numba gives none for code
    loaded from its disk cache), with the pipeline the kernels use."""
    ns = {"_Compiler": kernels._compiler()}
    exec(disp.py_source.replace("cache=True", "cache=False"), ns)  # noqa: S102 - generated
    for sig in disp.signatures:
        ns["kernel"].compile(sig)
    loops = ns.get("body", ns["kernel"])  # the loops, when the kernel makes scratch rows
    return "\n".join(loops.inspect_llvm().values())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kernels_over_short_inner_axes_are_vectorised(dtype):
    # (.., 8) inner loops are unrolled whole; without noalias arguments and the SLP
    # vectoriser every division of W2's kernel was a scalar one (its 20 ms of 24)
    x, g = rand((6, 50, 8), dtype=dtype), rand((6, 50, 8), seed=1, dtype=dtype)
    run = fused_run(softmax_vjp, x, g)
    scalar = "double" if dtype == np.float64 else "float"
    main = max(run.kernels, key=lambda k: k.py_source.count("/"))
    ir = llvm_ir(main)
    assert re.search(rf"fdiv <\d+ x {scalar}>", ir), "no vector division"
    assert re.search(rf"fadd <\d+ x {scalar}>", ir), "no vector addition"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_nan_flag_is_vector_code(dtype):
    # W2's outputs are tested for NaN as they are stored (jit/kernel_source.py): an OR of
    # v != v, which LLVM computes on whole vectors, not element by element
    x, g = rand((4, 2048, 8), dtype=dtype), rand((4, 2048, 8), seed=1, dtype=dtype)
    run = fused_run(softmax_vjp, x, g)
    scalar = "double" if dtype == np.float64 else "float"
    flagged = [k for k in run.kernels if "nanflag" in k.py_source]
    assert len(flagged) == 1  # (a large float32 exp is NumPy's call: two kernels, see above)
    ir = llvm_ir(flagged[0])
    assert re.search(rf"fcmp uno <\d+ x {scalar}>", ir), "no vector NaN test"
    assert not re.search(rf"fcmp uno {scalar} ", ir), "a scalar NaN test"


def test_row_by_row_nests_share_one_loop_over_rows():
    x, g = rand((16, 30, 8)), rand((16, 30, 8), seed=1)
    run = fused_run(softmax_vjp, x, g)
    main = max(run.kernels, key=lambda k: k.py_source.count("for "))
    assert main.py_source.count("for i1 in") >= 3  # several nests ...
    assert main.py_source.count("for i0 in") == 1  # ... inside one loop over the rows


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_arrays_read_only_inside_a_kernel_are_rows_of_scratch(dtype):
    # W2's main kernel: of its arrays only s and the cotangent leave it; the sums, the argmax
    # mask and the VJP's s * g (and in float64 the max and exp) are made one row at a time,
    # in cache (in float32, the sums accumulate in float64 rows)
    x, g = rand((16, 30, 8), dtype=dtype), rand((16, 30, 8), seed=1, dtype=dtype)
    run = fused_run(softmax_vjp, x, g)
    main = max(run.kernels, key=lambda k: k.py_source.count("for "))
    k = f"_K{run.kernels.index(main)}("
    call = next(line for line in run.source.splitlines() if k in line)
    ins = 2 if dtype == np.float64 else 4  # x, g; float32: also exp(x - max) and max
    assert "def body(" in main.py_source and call.count(", v") == ins + 2  # 2 out
    made = [line for line in run.source.split(k)[0].splitlines()[-4:]
            if "np." in line and "_ff" not in line]  # (not the kernel's flags)
    assert len(made) == 2 and all("(16, 30, 8)" in line for line in made)


def test_a_reduction_over_rows_keeps_a_loop_per_nest():
    # the second nest reads every row of the first one's sum: no shared row loop
    def fun(x):
        s = np.sum(x * x, axis=0, keepdims=True)
        return (x / s) * 2.0, s
    x = rand((16, 30))
    run = fused_run(fun, x)
    assert "range(lo, hi)" not in run.kernels[0].py_source


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_vectorised_max_and_min_keep_nans(dtype):
    x = rand((5, 40, 8), dtype=dtype)
    x[1, 3, 2], x[2, 39, 7], x[3, 0, 0], x[4, 7, 1] = np.nan, np.inf, -np.inf, np.nan
    y = rand((5, 40, 8), seed=1, dtype=dtype)
    y[0, 5, 5] = np.nan

    def fun(x, y):
        z = x * 1.0
        return (np.max(z, axis=1), np.min(z, axis=(0, 1)), np.max(z, axis=2, keepdims=True),
                np.maximum(z, y), np.minimum(y, z))
    got = compile_fused(tg.jit(fun).lower(x, y).program)(x, y)
    for a, b in zip(got, fun(x, y), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_large_transcendental_writes_over_a_kernel_array_read_by_it_alone(dtype):
    x, y = rand((64, 40), dtype=dtype), rand((64, 40), seed=1, dtype=dtype)

    def fun(x, y):
        a = np.arctan(x * 2.0 - y)     # x * 2 - y: a kernel's array, read by arctan alone
        b = x * 3.0
        c = np.sinh(b) + b             # b is read again: sinh needs a new array
        d = np.sin(x)                  # x is an argument: never written
        e = (y + 3.0).reshape(40, 64)  # a view of the kernel's array is read after log
        return a, c, d, np.log(y + 3.0) + e.T, e
    run = compile_fused(tg.jit(fun).lower(x, y).program)
    for a, b in zip(run(x, y), fun(x, y), strict=True):
        np.testing.assert_array_equal(a, b)  # NumPy's own SIMD calls: the same bits
    calls = [line for line in run.source.splitlines() if "_f" in line and "_K" not in line]
    assert sum("out=" in line for line in calls) == 1, calls
    np.testing.assert_array_equal(x, rand((64, 40), dtype=dtype))  # the argument is intact


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_row_sum_read_only_inside_its_kernel_is_a_scalar_of_scratch(dtype):
    # a sum over every axis but the rows is one number per row: a 0-d row of scratch,
    # reset at each row (numba has no fill() for it)
    def fun(x):
        s = np.sum(x * x, axis=1)
        m = np.max(x, axis=1)
        return x / s.reshape(-1, 1) - m.reshape(-1, 1) * 2.0,  # reshapes: index maps
    x = rand((16, 30), dtype=dtype)
    run = compile_fused(tg.jit(fun).lower(x).program)
    assert "def body(" in run.kernels[0].py_source and "[()] = (" in run.kernels[0].py_source
    np.testing.assert_allclose(run(x)[0], fun(x)[0], **tol("roundoff", dtype))
