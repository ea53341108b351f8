"""Sparse jacfwd / jacrev / hessian: values equal the dense transforms and finite
differences, in float64 and float32; colorings are valid and near the optimum; a plan is
detected and colored once."""
import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
import tangents.sparse as ts
from tangents.sparse.coloring import column_coloring, row_coloring


def residual(u):
    # -u'' + exp(u) = 0 on (0, 1), zero boundary values: tridiagonal Jacobian
    h = 1.0 / (u.size + 1)
    up = np.concatenate([np.zeros(1, u.dtype), u, np.zeros(1, u.dtype)])
    return (2 * up[1:-1] - up[:-2] - up[2:]) / h ** 2 + np.exp(u)


def energy(u):
    # a 2-D 5-point stencil energy on a 6x5 grid: Hessian with the 5-point pattern
    g = u.reshape(6, 5)
    return (np.sum((g[1:] - g[:-1]) ** 2) + np.sum((g[:, 1:] - g[:, :-1]) ** 2)
            + np.sum(np.cosh(g)))


def arrow(x):
    return np.concatenate([x[:1] * np.sum(x), np.sin(x[1:]) + x[0] ** 2])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fun", [residual, arrow], ids=["residual", "arrow"])
@pytest.mark.parametrize("mode", ["jacfwd", "jacrev"])
def test_jacobians_equal_the_dense_transforms(mode, fun, dtype):
    x = rand((9,), seed=1, dtype=dtype)
    got = getattr(ts, mode)(fun)(x)
    assert got.dtype == dtype and got.shape == (9, 9)
    np.testing.assert_allclose(got.toarray(), tg.jacfwd(fun)(x), **tol("roundoff", dtype))


def test_jacobian_against_finite_differences():
    # an independent reference: central differences of J v
    x, v = rand((9,), seed=2), rand((9,), seed=3)
    eps = 1e-6
    fd = (residual(x + eps * v) - residual(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(ts.jacfwd(residual)(x) @ v, fd, **tol("fd"))
    w = rand((9,), seed=4)
    # transpose identity <J v, w> = <v, J^T w> between the two modes
    np.testing.assert_allclose(w @ (ts.jacfwd(residual)(x) @ v),
                               v @ (ts.jacrev(residual)(x).T @ w), **tol("roundoff"))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_hessian_equals_the_dense_hessian(dtype):
    x = rand((30,), seed=5, dtype=dtype)
    got = ts.hessian(energy)(x)
    assert got.dtype == dtype
    np.testing.assert_allclose(got.toarray(), tg.hessian(energy)(x), **tol("roundoff", dtype))
    # star coloring: within one of the optimum 5 (tests/sparsity/test_coloring.py)
    assert ts.SparsePlan(ts.hessian_sparsity(energy, x), "hessian").ncolors <= 6


def test_a_plan_is_detected_and_colored_once():
    calls = []

    def fun(u):
        calls.append(1)
        return residual(u)
    jac = ts.jacfwd(fun)
    x = rand((50,))
    jac(x)
    first = len(calls)  # detection, then one batched JVP pass
    jac(x + 1.0)
    assert first == 2 and len(calls) == 3
    plan = ts.SparsePlan(ts.jacobian_sparsity(residual, x), "fwd")
    assert plan.ncolors == 3
    np.testing.assert_allclose(ts.jacfwd(residual, sparsity=plan)(x).toarray(),
                               tg.jacfwd(residual)(x), **tol("roundoff"))
    np.testing.assert_allclose(ts.jacrev(residual, sparsity=plan.pattern)(x).toarray(),
                               tg.jacfwd(residual)(x), **tol("roundoff"))


def _orthogonal(pattern, colors):
    # no row holds two nonzeros of one color
    dense = pattern.toarray()
    return all(np.unique(colors[np.flatnonzero(row)]).size == np.flatnonzero(row).size
               for row in dense)


@pytest.mark.parametrize("order", ["largest_first", "smallest_last", "natural"])
@pytest.mark.parametrize("seed", range(4))
def test_colorings_are_structurally_orthogonal(order, seed):
    import scipy.sparse as sp
    p = sp.random_array((30, 25), density=0.1, rng=seed, format="csr").astype(bool)
    assert _orthogonal(p, column_coloring(p, order))
    assert _orthogonal(p.T.tocsr(), row_coloring(p, order))


@pytest.mark.parametrize("width", [1, 2, 4])
@pytest.mark.parametrize("order", ["largest_first", "smallest_last"])
def test_colors_within_one_of_the_optimum(width, order):
    import scipy.sparse as sp
    n = 200
    band = sp.diags_array([np.ones(n - abs(k)) for k in range(-width, width + 1)],
                          offsets=list(range(-width, width + 1)), format="csr").astype(bool)
    # a row with 2 width + 1 nonzeros needs that many colors; banded patterns reach it
    assert column_coloring(band, order).max() + 1 <= 2 * width + 2


def test_bad_plans_say_what_to_do():
    plan = ts.SparsePlan(ts.jacobian_sparsity(residual, np.ones(5)), "fwd")
    with pytest.raises(ValueError, match="sparse.jacrev.*mode 'fwd'"):
        ts.jacrev(residual, sparsity=plan)
    with pytest.raises(ValueError, match="sparse.jacfwd.*shape \\(5, 5\\).*7 elements"):
        ts.jacfwd(residual, sparsity=plan)(np.ones(7))
    with pytest.raises(ValueError, match="SparsePlan: mode"):
        ts.SparsePlan(plan.pattern, "forward")
