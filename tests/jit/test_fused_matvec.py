"""Small matrix-vector, vector-matrix and vector-vector products (an ODE adjoint's w @ y and
a^T w, issue #15) inside the fused executor's kernels (tangents/jit/contract.py): eager's
values under both executors, and where the fused one runs them."""
import numpy as np
import pytest
from harness import rand
from tests.jit.test_fused_rows import assert_jit_gives_eagers_values, fused_run

import tangents as tg
import tangents.numpy as tnp


def rhs(y, w):
    return tnp.tanh(w @ y) - 0.1 * y


def adjoint(y, a, w):
    """``(f, -a^T df/dy, -a^T df/dw)``: the system that tangents.scipy's ODE adjoint stages."""
    out, back = tg.vjp(rhs, y, w)
    return (out, *back(-a))


# (name, function, shapes); each product is small and sits between elementwise operations
CASES = [
    ("ode adjoint", adjoint, ((10,), (10,), (10, 10))),
    ("matvec", lambda x, v: tnp.sin(x @ v) * 2, ((12, 9), (9,))),
    ("matvec of rows made inside", lambda x, v: tnp.cos((x * 2) @ v), ((12, 9), (9,))),
    ("vector made inside", lambda x, v: tnp.exp((x - 1) @ (v * 2)) + 1, ((12, 9), (9,))),
    ("vecmat", lambda v, w: tnp.cos((v - 1) @ w), ((9,), (9, 12))),
    ("vecmat transposed", lambda v, w: tnp.cos((v - 1) @ w.T), ((9,), (12, 9))),
    ("dot", lambda u, v: tnp.tanh((u * 2) @ v) + u, ((9,), (9,))),
    ("dot returned", lambda u, v: (tnp.sin(u) @ (v + 1), u * 3), ((9,), (9,))),
    ("short inner axis", lambda x, v: tnp.cos((x + 1) @ v) @ (v[:2] - 1), ((2, 3), (3,))),
]


def _args(shapes, dtype):
    return [rand(s, seed=i, dtype=dtype) / max(s) ** 0.5 for i, s in enumerate(shapes)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_small_vector_products_give_eagers_values(case, dtype):
    """float64: eager's values to roundoff (the kernels sum in another order than BLAS).
    float32: within eager float32's own error (against float64 eager) of float64 eager."""
    _, fun, shapes = case
    assert_jit_gives_eagers_values(fun, _args(shapes, dtype), dtype)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_small_vector_products_run_in_the_kernels(case, executor):
    if executor != "fused":
        pytest.skip("the fused executor's kernels")
    pytest.importorskip("numba")
    _, fun, shapes = case
    run, blas = fused_run(fun, *_args(shapes, np.float64))
    assert blas == 0
    if case[0] == "ode adjoint":  # before: w @ y, then a kernel, a^T w, a second kernel
        assert len(run.kernels) == 1


@pytest.mark.parametrize(("name", "fun", "shapes"), [
    ("products alone", lambda x, v: (x @ v, v @ x.T), ((12, 9), (9,))),
    ("long inner axis", lambda x, v: tnp.sin((x - 1) @ v), ((12, 80), (80,))),
    ("matrix made inside", lambda v, w: tnp.sin((v - 1) @ (w * 2)), ((9,), (9, 12))),
    ("large product opens no kernel", lambda x, v: tnp.sin(x @ v), ((5000, 9), (9,))),
])
def test_other_vector_products_stay_numpy_calls(name, fun, shapes, executor):
    if executor != "fused":
        pytest.skip("the fused executor's kernels")
    pytest.importorskip("numba")
    run, blas = fused_run(fun, *_args(shapes, np.float64))
    assert blas >= 1, name
    if name == "products alone":  # a program of products alone needs no numba
        assert run.kernels == []
