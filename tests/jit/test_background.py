"""tg.jit's fused kernels compiled on a background thread (tangents/jit/background.py): the first
call is answered while they compile and later calls wait for them, the fused program replaces
the NumPy one once compiled, values stay eager's throughout, TANGENTS_JIT_COMPILE=sync and
wait_compiled, errors, threads, interpreter exit."""
import os
import subprocess
import sys
import textwrap
import threading
import warnings

import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
from tangents.jit import background

pytestmark = pytest.mark.executor()  # the tests choose the executor (the fixture below)


@pytest.fixture(autouse=True)
def executor(monkeypatch, tmp_path):
    """Overrides conftest's: these tests choose the executor and compile mode themselves, on
    a kernel cache of their own (so the compiles are not all cached loads)."""
    pytest.importorskip("numba")
    monkeypatch.delenv("TANGENTS_JIT_EXECUTOR", raising=False)
    monkeypatch.delenv("TANGENTS_JIT_COMPILE", raising=False)
    monkeypatch.setenv("TANGENTS_JIT_CACHE_DIR", str(tmp_path / "kernels"))
    yield "auto"
    assert background.wait_compiled(60)  # no compile of this test runs into the next


def loss(x, y):
    return np.sum(np.tanh(x * y) * x + y ** 2 / (1 + x * x))


def eager(x, y):
    return tg.value_and_grad(loss, argnums=(0, 1))(x, y)


def variant(jitted):
    (entry,) = jitted._cache.values()
    (v,) = entry.variants
    return v


def fused(run):
    return hasattr(run, "kernels")  # the fused executor's run lists its kernels


def assert_eager(got, x, y):
    for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(eager(x, y))):
        np.testing.assert_allclose(g, w, **tol("roundoff", x.dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_first_calls_numpy_then_fused(dtype):
    x, y = rand((6, 5)).astype(dtype), rand((6, 5), seed=1).astype(dtype)
    f = tg.jit(tg.value_and_grad(loss, argnums=(0, 1)))
    assert_eager(f(x, y), x, y)
    v = variant(f)
    first = v.run
    assert f.wait_compiled(60) is True
    assert not fused(first) and fused(v.run) and v.run.kernels
    assert v.handle.run is v.run  # a transform of f runs the fused program too
    assert_eager(f(x, y), x, y)
    assert f.wait_compiled(0) is True  # nothing left: at once


def test_the_first_call_returns_at_once_and_the_next_waits_for_the_kernels(monkeypatch):
    """A loop that kept calling the NumPy program while the kernels compiled ran each W1 step
    in 100-300 ms instead of 3 and made the compile 2-4x slower (docs/jit.md): the second
    call waits for the kernels and runs them."""
    import time
    submit = background.submit

    def slow_submit(name, make, install):
        return submit(name, lambda: (time.sleep(1.0), make())[1], install)
    monkeypatch.setattr(background, "submit", slow_submit)
    x, y = rand((6, 5)), rand((6, 5), seed=1)
    f = tg.jit(tg.value_and_grad(loss, argnums=(0, 1)))
    start = time.perf_counter()
    assert_eager(f(x, y), x, y)
    assert time.perf_counter() - start < 0.9 and not fused(variant(f).run)
    assert_eager(f(x, y), x, y)
    assert fused(variant(f).run) and variant(f).pending is None
    assert f.wait_compiled(0) is True  # the second call left nothing compiling


def test_the_next_gradient_of_jit_waits_for_its_residual_programs(monkeypatch):
    """value_and_grad(jit(f)) keeps residuals through a forward and a backward program
    (tangents/jit/partial.py); its calls after the first wait for their kernels, as jit's do."""
    import time
    submit = background.submit

    def slow_submit(name, make, install):
        return submit(name, lambda: (time.sleep(0.5), make())[1], install)
    monkeypatch.setattr(background, "submit", slow_submit)
    x, y = rand((6, 5)), rand((6, 5), seed=1)
    jf = tg.jit(loss)
    step = tg.value_and_grad(jf, argnums=(0, 1))
    assert_eager(step(x, y), x, y)
    (split,) = [s for k, s in variant(jf).handle.rules.items() if k[0] == "split"]
    assert not fused(split.forward) and not fused(split.backward)
    assert_eager(step(x, y), x, y)
    assert fused(split.forward) and fused(split.backward) and split.pending is None


def test_transform_of_jit_compiles_its_rules_in_background():
    x, y = rand((4, 3)), rand((4, 3), seed=1)
    g = tg.grad(tg.jit(loss), argnums=(0, 1))
    want = tg.grad(loss, argnums=(0, 1))(x, y)
    for _ in range(2):  # before and after the kernels are in place
        for a, b in zip(g(x, y), want):
            np.testing.assert_allclose(a, b, **tol("roundoff", np.float64))
        assert background.wait_compiled(60)


def product_loss(a, w):
    # sin and cos of this size are NumPy's own calls in the fused program, so the gradient
    # is the products' bits (a kernel's tanh, within 3 ulps, moves entries that cancel)
    return np.sum(np.sin(a @ w))


def product_operands(dtype):
    # products large enough for the kernels of jit/dgemm_kernels.py and jit/matmul_kernels.py
    return rand((128, 256), dtype=dtype), rand((256, 256), seed=1, dtype=dtype) / 16


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_products_start_on_matmul_and_their_kernels_follow(dtype, monkeypatch):
    """The products' kernels took most of a cold compile (W1: 6.5-11 s of it): the program
    is put in place with its products on np.matmul, calls stop waiting then, and each
    product's kernel is compiled by a job of its own and replaces np.matmul."""
    from tangents.jit import kernels
    gate, bind_now = threading.Event(), kernels._bind_now

    def held(ns, name, make):
        assert gate.wait(60)
        bind_now(ns, name, make)
    monkeypatch.setattr(kernels, "_bind_now", held)
    monkeypatch.setattr(kernels, "on_disk", lambda text, header=True: False)  # a cold cache
    a, w = product_operands(dtype)
    step = tg.jit(tg.value_and_grad(product_loss, argnums=1))
    want = tg.value_and_grad(product_loss, argnums=1)(a, w)
    try:
        step(a, w)
        on_matmul = step(a, w)  # waits for the program, not for its products' kernels
        run = variant(step).run
        names = [n for n in run.__globals__ if n.startswith(("_dk", "_mk"))]
        assert fused(run) and len(run.later) == len(names) >= 2
        assert all(run.__globals__[n] is np.matmul for n in names)
        assert background.wait_compiled(0) is False  # the products' jobs are held
    finally:
        gate.set()
    assert background.wait_compiled(60)
    on_kernels = step(a, w)
    if dtype == np.float32:
        assert not any(run.__globals__[n] is np.matmul for n in names)
    rtol = tol("roundoff", dtype)["rtol"]
    for got in (on_matmul, on_kernels):  # float32 kernels sum in their own order: each entry
        for g, e in zip(tg.tree.leaves(got), tg.tree.leaves(want)):  # near the largest's
            np.testing.assert_allclose(g, e, rtol=rtol, atol=rtol * float(np.abs(e).max()))
    if dtype == np.float64:  # a float64 kernel is used only where it gives matmul's bits
        for g, e in zip(tg.tree.leaves(on_kernels), tg.tree.leaves(on_matmul)):
            np.testing.assert_array_equal(g, e)


def test_product_kernels_already_on_disk_are_bound_with_the_program(monkeypatch):
    """Loading a kernel that numba keeps on disk is quick: it is not left for later."""
    from tangents.jit import kernels
    monkeypatch.setattr(kernels, "on_disk", lambda text, header=True: True)
    a, w = product_operands(np.float32)
    step = tg.jit(tg.value_and_grad(product_loss, argnums=1))
    step(a, w)
    step(a, w)
    run = variant(step).run
    names = [n for n in run.__globals__ if n.startswith("_mk")]
    assert fused(run) and not run.later and names
    assert not any(run.__globals__[n] is np.matmul for n in names)


def test_a_failed_product_kernel_warns_and_keeps_matmul(monkeypatch):
    from tangents.jit import matmul_kernels

    def broken(*args):
        raise MemoryError("no room for a product")
    monkeypatch.setattr(matmul_kernels, "_bound", broken)
    monkeypatch.setattr(matmul_kernels.kernels, "on_disk", lambda text, header=True: False)
    a, w = product_operands(np.float32)
    step = tg.jit(tg.value_and_grad(product_loss, argnums=1))
    with pytest.warns(RuntimeWarning, match=r"a matrix product\): compiling .* failed "
                                            r"\(MemoryError: no room for a product"):
        step(a, w)
        assert background.wait_compiled(60)
    run = variant(step).run
    assert fused(run) and run.__globals__["_mk" + run.source.split("_mk")[1].split("(")[0]] \
        is np.matmul
    want = tg.value_and_grad(product_loss, argnums=1)(a, w)
    for g, e in zip(tg.tree.leaves(step(a, w)), tg.tree.leaves(want)):
        np.testing.assert_allclose(g, e, **tol("roundoff", np.float32))


@pytest.mark.parametrize("env", [{"TANGENTS_JIT_COMPILE": "sync"},
                                 {"TANGENTS_JIT_EXECUTOR": "fused"}])
def test_sync_first_call_runs_fused(env, monkeypatch):
    """TANGENTS_JIT_COMPILE=sync, and TANGENTS_JIT_EXECUTOR=fused asked for by name."""
    for k, val in env.items():
        monkeypatch.setenv(k, val)
    x, y = rand((6, 5)), rand((6, 5), seed=1)
    f = tg.jit(tg.value_and_grad(loss, argnums=(0, 1)))
    assert_eager(f(x, y), x, y)
    assert fused(variant(f).run)


def test_numpy_executor_queues_nothing(monkeypatch):
    monkeypatch.setenv("TANGENTS_JIT_EXECUTOR", "numpy")
    monkeypatch.setenv("TANGENTS_JIT_COMPILE", "background")
    f = tg.jit(loss)
    f(rand((3,)), rand((3,), seed=1))
    assert not f._jobs and not fused(variant(f).run)


def test_bad_mode_names_the_variable(monkeypatch):
    monkeypatch.setenv("TANGENTS_JIT_COMPILE", "later")
    with pytest.raises(ValueError, match="TANGENTS_JIT_COMPILE='later'.*'background' or 'sync'"):
        tg.jit(loss)


def test_failed_compile_warns_and_keeps_numpy(monkeypatch):
    from tangents.jit import fused as fused_module

    def broken(program, alias_ok=(), defer=False):
        raise MemoryError("no room for kernels")
    monkeypatch.setattr(fused_module, "compile_fused", broken)
    x, y = rand((4,)), rand((4,), seed=1)
    f = tg.jit(loss)
    with pytest.warns(RuntimeWarning, match=r"tg.jit\(loss\): compiling its fused kernels "
                                            r"failed \(MemoryError: no room"):
        f(x, y)
        assert background.wait_compiled(60)
    with pytest.raises(RuntimeError, match="compiling its fused kernels failed") as info:
        f.wait_compiled()
    assert isinstance(info.value.__cause__, MemoryError)
    assert not fused(variant(f).run)
    np.testing.assert_allclose(f(x, y), loss(x, y), **tol("roundoff", np.float64))


def test_threads_during_the_switch():
    """Eight threads call at once from the first call on, across the switch to the fused
    program: one trace, and every result eager's."""
    x, y = rand((64, 33)), rand((64, 33), seed=1)
    want = eager(x, y)
    f = tg.jit(tg.value_and_grad(loss, argnums=(0, 1)))
    start, results, errors = threading.Barrier(8), [], []

    def work():
        try:
            start.wait()
            for _ in range(30):
                results.append(f(x, y))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    (entry,) = f._cache.values()
    assert entry.traces == 1
    for got in results:
        for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
            np.testing.assert_allclose(g, w, **tol("roundoff", np.float64))


def test_worker_ends_when_idle():
    f = tg.jit(loss)
    f(rand((3,)), rand((3,), seed=1))
    assert f.wait_compiled(60)
    for t in threading.enumerate():
        if t.name == "tangents-jit-compile":
            t.join(10)
    assert "tangents-jit-compile" not in [t.name for t in threading.enumerate()]
    assert sys.getswitchinterval() == pytest.approx(0.005)  # put back


EXIT = textwrap.dedent("""
    import atexit, threading
    import numpy as np

    def after():  # atexit runs this after tangents' own handler (last in, first out)
        from tangents.jit import background
        alive = [t.name for t in threading.enumerate() if t.name == "tangents-jit-compile"]
        print("alive", alive, "done", all(j.done.is_set() for j in jobs),
              "dropped", sum(j.dropped for j in jobs), flush=True)
    atexit.register(after)
    import tangents as tg
    jobs = []
    for k in range(4):  # four programs queued; the process ends at once
        f = tg.jit(lambda x, k=k: np.sum(np.tanh(x) ** (k + 2)))
        f(np.ones(3))
        jobs += f._jobs
""")


def test_interpreter_exit_drops_queued_compiles(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANGENTS_JIT_")}
    env["TANGENTS_JIT_CACHE_DIR"] = str(tmp_path / "kernels")
    out = subprocess.run([sys.executable, "-c", EXIT], env=env, capture_output=True,
                         text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert out.stdout.split("dropped")[0].strip() == "alive [] done True"
    # the compile under way (if one had started) finished; the queued ones never started
    assert int(out.stdout.split("dropped")[1]) >= 3


def test_no_numba_without_kernels(tmp_path):
    """numba (~0.5 s to import, ~1 s of registries) is imported only for a program with a
    kernel: not by import tangents, the NumPy executor or a program of BLAS calls only."""
    code = textwrap.dedent("""
        import sys, numpy as np, tangents as tg
        f = tg.jit(lambda x: x @ x)
        f(np.ones((3, 3)))
        assert f.wait_compiled()
        print("numba" in sys.modules)
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANGENTS_JIT_")}
    env["TANGENTS_JIT_CACHE_DIR"] = str(tmp_path / "kernels")
    for extra in ({}, {"TANGENTS_JIT_COMPILE": "sync"}, {"TANGENTS_JIT_EXECUTOR": "numpy"}):
        out = subprocess.run([sys.executable, "-c", code], env=env | extra, capture_output=True,
                             text=True, timeout=120, check=True)
        assert out.stdout.strip() == "False", (extra, out.stderr)


def test_wait_compiled_times_out():
    job = background.Job("slow", lambda: None, lambda run: None)  # never queued: never done
    assert background.wait_compiled(0.01, [job]) is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        job.run()
    assert background.wait_compiled(0, [job]) is True
