"""Every tg.jit test runs under both executors: NumPy's, and the fused one where numba imports."""
import pytest


@pytest.fixture(autouse=True, params=["numpy", "fused"])
def executor(request, monkeypatch):
    if request.param == "fused":
        pytest.importorskip("numba")
    monkeypatch.setenv("TANGENTS_JIT_EXECUTOR", request.param)
    return request.param
