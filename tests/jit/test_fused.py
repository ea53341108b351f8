"""The fused (numba) executor of tg.jit: values equal eager's (rtol from the harness's
"roundoff" row), float32 kept, broadcasting, reductions along any axes, reverse passes'
unbroadcast sums, NaN/inf, 0-d and empty arrays, one kernel per fusable run, the disk cache
reused by a new process, and the executor's choice."""
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
from tangents.jit import executor as jit_executor
from tangents.jit.fused import ELEMENTWISE, compile_fused

numba = pytest.importorskip("numba")  # the module itself imports numba only when compiling



pytestmark = pytest.mark.executor("fused")  # this file tests that executor alone


# values every elementwise row is checked on: signs, zeros, both infinities and NaN
SPECIAL = np.array([-2.5, -1.0, -0.0, 0.0, 0.3, 0.5, 1.0, 2.0, np.inf, -np.inf, np.nan])


def fused(fun, *args):
    """``fun``'s staged program run by the fused executor, and that program (its ``source``
    and ``kernels``)."""
    program = tg.jit(fun).lower(*args).program
    run = compile_fused(program)
    return run(*args), run


def check(fun, *args, kernels=None):
    got, run = fused(fun, *args)
    want = fun(*args)
    want = list(want) if isinstance(want, tuple) else [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert np.result_type(g) == np.result_type(w)
        assert np.shape(g) == np.shape(w) and type(g) is type(w)
        if np.result_type(w).kind == "f":
            np.testing.assert_allclose(g, w, equal_nan=True, **tol("roundoff", np.result_type(w)))
        else:
            np.testing.assert_array_equal(g, w)
    if kernels is not None:
        assert len(run.kernels) == kernels
    return run


def _row(name):
    """A function applying primitive ``name`` to (x, y)."""
    if name == "where":
        return lambda x, y: np.where(x > y, x, y)
    if name == "astype":
        return lambda x, y: ((x > y).astype(x.dtype), x.astype(np.float32) * 2,
                             y.astype(np.float64) + 1)
    if name == "broadcast_to":
        return lambda x, y: np.broadcast_to(x[:, None], (x.shape[0], 3)) * 2
    if name.startswith("logical") or name.startswith("bitwise") or name == "invert":
        f = getattr(np, name)
        return (lambda x, y: f(x > 0)) if name in ("logical_not", "invert") else \
            (lambda x, y: f(x > 0, y > 0))
    f = getattr(np, name)
    return (lambda x, y: f(x, y)) if f.nin == 2 else (lambda x, y: f(x))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_every_elementwise_row_equals_numpy(name, dtype):
    x = np.repeat(SPECIAL, len(SPECIAL)).astype(dtype)
    y = np.tile(SPECIAL, len(SPECIAL)).astype(dtype)  # every pair of special values
    check(_row(name), x, y, kernels=1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_broadcasting_in_one_kernel(dtype):
    x, y, z = rand((3, 1, 4)).astype(dtype), rand((5, 1), seed=1).astype(dtype), \
        rand((), seed=2).astype(dtype)
    check(lambda x, y, z: np.exp(x * y - z) / (1 + y ** 2) + np.maximum(x, z), x, y, z,
          kernels=1)


AXES = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
def test_reductions_along_any_axes(axis, keepdims, dtype):
    x = rand((4, 3, 5)).astype(dtype)

    def fun(x):
        y = np.sin(x) * 2.0
        return (np.sum(y, axis=axis, keepdims=keepdims), np.max(y, axis=axis, keepdims=keepdims),
                np.min(y + 1, axis=axis, keepdims=keepdims),
                np.mean(np.exp(y), axis=axis, keepdims=keepdims))
    check(fun, x, kernels=1)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_reductions_keep_nan_and_inf():
    x = np.array([[1.0, np.nan, 3.0], [np.inf, -np.inf, 0.0], [-0.0, 2.0, np.nan]])
    check(lambda x: (np.max(x * 1, axis=1), np.min(x * 1, axis=0), np.sum(x * 1, axis=-1),
                     np.max(x + 0.5)), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unbroadcast_sums_of_reverse_passes(dtype):
    def f(x, b, c):
        return np.sum(np.tanh(x * b + c) ** 2)
    # moderate arguments: where tanh saturates, 1 - tanh^2 turns float32's one-ulp
    # differences between numba's and NumPy's tanh into relative errors above 1e-5
    args = (0.3 * rand((3, 4)).astype(dtype), rand((4,), seed=1).astype(dtype),
            0.3 * rand((3, 1), seed=2).astype(dtype))
    g = tg.grad(f, argnums=(0, 1, 2))
    run = check(lambda *a: tuple(g(*a)), *args, kernels=1)
    assert "+=" in run.kernels[0].py_source  # the sums run inside the kernel


@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (2, 0)])
def test_zero_dimensional_and_empty(shape):
    x = rand(shape) if shape else np.array(0.7)
    check(lambda x: (np.sin(x) * 2 + 1, np.sum(np.exp(x)), np.sum(x * x, axis=-1)
                     if shape else x - 1), x)


def test_float32_arithmetic_stays_float32():
    x = np.ones(4, np.float32)
    (got,), run = fused(lambda x: (x + 1e-8) - x, x)  # 0 in float32, 1e-8 in float64
    assert got.dtype == np.float32 and np.all(got == 0)
    np.testing.assert_array_equal(got, (x + 1e-8) - x)
    assert run.kernels and "float64" not in run.kernels[0].py_source


def test_numpy_calls_between_kernels():
    def fun(x, w):
        a = np.sin(x) * 2.0    # kernel
        m = w @ w              # reads nothing of the kernel: runs before it
        b = np.tanh(a) + 1.0   # same kernel
        return np.cos(b @ m) - 1.0, b  # the matmul reads the kernel: a second one after it
    run = check(fun, rand((3, 4)), rand((4, 4), seed=1), kernels=2)
    assert "_rows(" not in run.source  # small: no threads


def test_transposes_and_unit_reshapes_are_index_maps():
    def fun(x, y):
        s = np.sum(x * 2, axis=1)            # (3, 5)
        t = s.reshape(3, 1, 5).transpose(2, 1, 0)  # (5, 1, 3), read by index
        return t * y + 1.0
    check(fun, rand((3, 4, 5)), rand((5, 2, 3), seed=1), kernels=1)


def test_non_contiguous_inputs():
    x = rand((6, 5))
    fun = tg.jit(lambda x: np.sum(np.cos(x) * x, axis=0))
    for arg in (x, x.T, x[::2], np.asfortranarray(x)):
        np.testing.assert_allclose(fun(arg), np.sum(np.cos(arg) * arg, axis=0),
                                   **tol("roundoff"))


def test_large_arrays_run_on_threads():
    x = rand((300, 260))
    run = check(lambda x: (np.exp(np.sin(x)) * 2, np.sum(x * x, axis=1)), x, kernels=1)
    assert "_rows(_K0" in run.source
    # a sum over the first axis, or a row read by another row, keeps one thread
    run = check(lambda x: (np.sum(np.exp(x), axis=0), np.sin(x)), x, kernels=1)
    assert "_rows(" not in run.source
    run = check(lambda x: (x * 3.0).T * 2.0, x, kernels=1)
    assert "_rows(" not in run.source


def test_a_long_chain_is_one_kernel_call():
    def chain(x):
        for i in range(300):
            x = np.sin(x) if i % 3 == 0 else x * 1.001 if i % 3 == 1 else x + 0.1
        return np.sum(x)
    run = compile_fused(tg.jit(tg.grad(chain)).lower(rand((8,))).program)
    assert len(run.kernels) == 1 and run.source.count("_K0(") == 1


def test_the_disk_cache_is_reused_by_a_new_process(tmp_path):
    script = textwrap.dedent("""
        import numpy as np, tangents as tg
        from tangents.jit.fused import compile_fused
        f = tg.grad(lambda x: np.sum(np.tanh(x) * np.cos(x)))
        x = np.linspace(-1, 1, 7)
        run = compile_fused(tg.jit(f).lower(x).program)
        k = run.kernels[0]
        print(sum(k.stats.cache_hits.values()), sum(k.stats.cache_misses.values()))
        print(*run(x)[0], *f(x))
    """)
    env = dict(os.environ, TANGENTS_JIT_CACHE_DIR=str(tmp_path / "kernels"))

    def hits_misses():
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                             text=True, check=True).stdout.splitlines()
        got, want = np.split(np.array(out[1].split(), float), 2)
        np.testing.assert_allclose(got, want, **tol("roundoff"))
        return tuple(map(int, out[0].split()))
    first, second = hits_misses(), hits_misses()
    assert first[0] == 0 and first[1] >= 1  # compiled, and written to the cache
    assert second == (1, 0)  # loaded from it
    assert list((tmp_path / "kernels").glob("k_*.py"))


def test_executor_choice(monkeypatch):
    program = tg.jit(lambda x: np.sin(x) + 1).lower(np.ones(3)).program
    monkeypatch.delenv("TANGENTS_JIT_EXECUTOR")
    assert jit_executor.executor_name() == "fused"
    assert hasattr(jit_executor.compile_program(program), "kernels")
    monkeypatch.setenv("TANGENTS_JIT_EXECUTOR", "numpy")
    assert not hasattr(jit_executor.compile_program(program), "kernels")
    monkeypatch.setattr(jit_executor, "_has_numba", lambda: False)
    monkeypatch.setenv("TANGENTS_JIT_EXECUTOR", "fused")
    with pytest.raises(RuntimeError, match=r"needs numba.*tangents\[jit\]"):
        jit_executor.executor_name()
    monkeypatch.delenv("TANGENTS_JIT_EXECUTOR")
    assert jit_executor.executor_name() == "numpy"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_transcendentals_of_large_arrays_are_numpys_simd_calls(dtype):
    # numba calls the C library once per element, 5x (log) to 50x (arctan) slower than
    # NumPy's SIMD loops, and one ulp away from them: a large one stays NumPy's, bit for bit
    # (exp and tanh are not: jit/vecmath.py's, tests/jit/test_fused_exp.py, test_fused_tanh.py)
    x = rand((64, 40)).astype(dtype)
    fun = lambda x: (np.arctan(x * 2.0) + 1.0, np.sum(np.log(x * x + 1.0) * x, axis=1))  # noqa: E731
    got, run = fused(fun, x)
    for g, w in zip(got, fun(x)):
        np.testing.assert_array_equal(g, w) if g.ndim == 2 else \
            np.testing.assert_allclose(g, w, **tol("roundoff", dtype))
    assert not any("np.arctan" in k.py_source or "np.log" in k.py_source for k in run.kernels)
    small = rand((2, 4)).astype(dtype)  # a few elements: fused, one call saved per operation
    _, run = fused(fun, small)
    assert len(run.kernels) == 1 and "np.arctan" in run.kernels[0].py_source


def test_threads_that_have_not_started_are_not_waited_for(monkeypatch):
    from tangents.jit import pool as row_pool
    monkeypatch.setattr(row_pool, "threads", lambda: 2)
    x = rand((300, 260))
    run = check(lambda x: x * 2.0 + 1.0, x, kernels=1)
    assert "_rows(_K0" in run.source
    pool = row_pool._pool[0]
    release = threading.Event()
    busy = [pool.submit(release.wait, 60) for _ in range(pool._max_workers)]  # every thread
    try:
        result = []
        caller = threading.Thread(target=lambda: result.append(run(x)))
        caller.start()
        caller.join(30)  # a busy machine's thread that has not started yet, as here
        assert result, "the call waited for a thread that had not started"
    finally:
        release.set()
        for f in busy:
            f.result()
    np.testing.assert_array_equal(result[0][0], x * 2.0 + 1.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_square_of_a_large_array_stays_in_the_kernel(dtype):
    # x ** 2 is one multiplication in numba's loop and NumPy's alike (the same bits), so
    # it is no NumPy call cutting the chain into two kernels
    x = rand((64, 40)).astype(dtype)
    fun = lambda x: np.sqrt(1.0 + (x - 0.5) ** 2) * x  # noqa: E731
    got, run = fused(fun, x)
    np.testing.assert_allclose(got[0], fun(x), **tol("roundoff", dtype))
    assert len(run.kernels) == 1 and "**" in run.kernels[0].py_source


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_reductions_over_the_innermost_loops_accumulate_in_a_register(dtype):
    # W7's mean: a load and a store of the sum per element made its kernel 5x slower
    x = rand((64, 40, 3)).astype(dtype)
    x[5, 7, 1], x[9, 2, 0], x[9, 3, 0] = np.nan, np.inf, -np.inf

    def fun(x):
        y = x * 2.0
        return (np.sum(y), np.max(y, axis=(1, 2)), np.sum(y * x, axis=2, keepdims=True),
                np.min(y, axis=(0, 2)))  # axis 1 runs inside axis 2's loop: kept in memory
    src = check(fun, x, kernels=1).kernels[0].py_source
    assert src.count("] = r") == 3 and "] +=" not in src and src.count("else a") == 1
