"""Where the fused executor computes a small matrix product in its kernels, row by row
(tangents/jit/contract.py), and where it leaves the product to BLAS."""
import re

import numpy as np
import pytest
from harness import rand
from tests.jit.test_fused_rows import fused_run, pinn, pinn_params, shared_weights

import tangents.numpy as tnp

pytest.importorskip("numba")


pytestmark = pytest.mark.executor("fused")  # this file tests that executor alone



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


def _k_loops(run):
    """Per loop over k (``for i1``) of the kernels that sums products: the names of the
    results it sums (``c<id>_<column>``), one per product."""
    text = "".join(k.py_source for k in run.kernels)
    loops = re.split(r"\n +for i1 in range", text)[1:]
    found = [sorted({m for m in re.findall(r"(c\d+)_\d+ \+= ", loop)}) for loop in loops]
    return [f for f in found if f]


def test_products_of_one_weight_matrix_share_their_loop_over_k():
    # W6: h1, h1' and h1'' @ W2 were three loops over k, each reading W2's rows again, each
    # summing 50 columns (7 AVX-512 registers): one loop is 1.5-1.7 ms instead of 2.0-2.1
    # for W6's kernel (single thread); the sums are the same, in the same order
    run, _ = fused_run(pinn(pinn_params(np.float64)), np.linspace(-2, 2, 300).reshape(-1, 1))
    assert list(map(len, _k_loops(run))) == [3]  # (u' and u'', one column, are split sums)
    x, w = rand((20, 12)), rand((12, 10), seed=1) / 4
    run, blas = fused_run(lambda x, w: shared_weights(x * 2, w), x, w)
    assert blas == 0 and list(map(len, _k_loops(run))) == [3]


def test_a_product_joins_the_loop_of_another_only_when_it_can():
    x, w = rand((20, 50)) / 4, rand((50, 50), seed=1) / 8
    # reads the first product's result: a loop of its own after it
    run, _ = fused_run(lambda x, w: tnp.tanh(tnp.sin(x * 2) @ w) @ w, x, w)
    assert list(map(len, _k_loops(run))) == [1, 1]
    # four of 50 columns: three share a loop (160 columns at most), the fourth has its own
    run, _ = fused_run(lambda x, w: sum(((x + j) * x) @ w for j in range(4)) * 2, x, w)
    assert list(map(len, _k_loops(run))) == [3, 1]


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
