"""Where the fused executor computes a small matrix product in its kernels, row by row
(tangents/jit/contract.py), and where it leaves the product to BLAS."""
import re

import numpy as np
import pytest
from harness import rand
from tests.jit.test_fused_rows import fused_run, pinn, pinn_params

import tangents.numpy as tnp

pytest.importorskip("numba")


@pytest.fixture(autouse=True)
def executor(monkeypatch):
    """This file's tests are the fused executor's (conftest's runs every other file twice)."""
    monkeypatch.setenv("TANGENTS_JIT_EXECUTOR", "fused")
    return "fused"



def test_pinn_products_run_in_the_kernels():
    # W6: six (n, 50) @ (50, 50|1) products between tanh layers; before, six BLAS calls and
    # whole (n, 50) arrays between them
    run, blas = fused_run(pinn(pinn_params(np.float64)), np.linspace(-2, 2, 300).reshape(-1, 1))
    assert blas == 0
    text = "".join(k.py_source for k in run.kernels)
    # the three of 50 columns keep a local per column through the loop over k; u' and u''
    # (one column) are four running sums each, added at the end
    assert len(re.findall(r"c\d+_49 \+= ", text)) == 3
    assert len(re.findall(r"c\d+_0_3 \+= ", text)) == 2
    # tanh is computed in the kernel too (jit/vecmath.py): x in, u' and u'' out, one kernel
    assert len(run.kernels) == 1 and "np.tanh" not in run.source
    assert len(re.findall(r"np\.empty\(", run.source)) == 2  # u' and u'' only


@pytest.mark.parametrize(("name", "fun", "shapes"), [
    ("long inner axis", lambda x, w: tnp.sin((x - 1) @ w), ((20, 80), (80, 10))),
    ("wide result", lambda x, w: tnp.sin((x - 1) @ w), ((20, 10), (10, 80))),
    ("weights made inside", lambda x, w: tnp.sin((x - 1) @ (w * 2)), ((20, 10), (10, 8))),
    ("no kernel open", lambda x, w: x @ w, ((20, 10), (10, 8))),
    ("a stack", lambda x, w: tnp.sin((x - 1) @ w), ((2, 20, 10), (10, 8))),
])
def test_other_products_stay_numpy_calls(name, fun, shapes):
    args = [rand(s, seed=i) for i, s in enumerate(shapes)]
    run, blas = fused_run(fun, *args)
    assert blas == 1, name
    if name == "no kernel open":  # a program of products alone needs no numba
        assert run.kernels == []
