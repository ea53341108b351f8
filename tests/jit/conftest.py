"""Every tg.jit test runs under both executors: NumPy's, and the fused one where numba imports.
A module that tests one executor says so once: ``pytestmark = pytest.mark.executor("fused")``;
``pytest.mark.executor()`` (no names) leaves the choice to the module's own fixture."""
import sys

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "executor(*names): the jit executors this module's tests run under")


def pytest_generate_tests(metafunc):
    if "executor" not in metafunc.fixturenames:
        return
    for mark in metafunc.definition.iter_markers("parametrize"):  # the test picks its own
        names = mark.args[0]
        if "executor" in ([n.strip() for n in names.split(",")] if isinstance(names, str)
                          else names):
            return
    marker = metafunc.definition.get_closest_marker("executor")
    names = ["numpy", "fused"] if marker is None else list(marker.args)
    if names:
        metafunc.parametrize("executor", names, indirect=True)


@pytest.fixture(autouse=True)
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
    ``executor``, which test_background.py overrides.)"""
    reuse = sys.modules.get("tangents.jit.reuse")
    if reuse is not None:
        monkeypatch.setattr(reuse, "_programs", type(reuse._programs)())
