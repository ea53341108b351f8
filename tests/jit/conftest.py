"""Every tg.jit test runs under both executors: NumPy's, and the fused one where numba imports."""
import sys

import pytest


@pytest.fixture(autouse=True, params=["numpy", "fused"])
def executor(request, monkeypatch):
    if request.param == "fused":
        pytest.importorskip("numba")
    # kernels an earlier test left compiling on jit's background thread would run during
    # this one (its timings, its tracemalloc peaks, its "not compiled yet" checks)
    background = sys.modules.get("tangents.jit.background")
    if background is not None:
        background.wait_compiled()
    monkeypatch.setenv("TANGENTS_JIT_EXECUTOR", request.param)
    return request.param


@pytest.fixture(autouse=True)
def fresh_programs(monkeypatch):
    """Programs compiled by earlier tests would be reused (tangents.jit.reuse), and a test
    of compiling would see none: each test starts as a new process does.  (Not in
    ``executor``, which several test files override.)"""
    reuse = sys.modules.get("tangents.jit.reuse")
    if reuse is not None:
        monkeypatch.setattr(reuse, "_programs", type(reuse._programs)())
