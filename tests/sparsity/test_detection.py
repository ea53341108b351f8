"""Sparsity detection: patterns equal the brute-force nonzeros of the dense Jacobian
(Hessian) on small random programs built from every rule family; conservative where data
decides; the dense default stays correct."""
import numpy as np
import pytest
from harness import rand

import tangents as tg
import tangents.sparse as ts
from tangents._tools.sparsity_coverage import sparsity_status

N = 12
A = rand((N, N), seed=5) * (rand((N, N), seed=6) > 1.2)  # a sparse constant matrix
IDX = np.random.default_rng(3).integers(0, N, N)

# each step maps a vector of N to a vector of N; one per rule family
STEPS = {
    "unary": lambda v: np.sin(v) + np.exp(0.1 * v),
    "shift": lambda v: np.concatenate([v[1:] * v[:-1], v[:1] ** 2]),
    "divide": lambda v: v / (2.0 + np.cos(v[::-1])),
    "broadcast": lambda v: (v.reshape(3, 4) - np.sum(v.reshape(3, 4), axis=1,
                                                      keepdims=True) ** 2).ravel(),
    "transpose": lambda v: (v.reshape(3, 4).T * 1.5).ravel(),
    "reduce": lambda v: np.repeat(np.prod(v.reshape(6, 2), axis=1), 2),
    "cumsum": lambda v: np.cumsum(v[::-1]) * 0.1,
    "matmul": lambda v: A @ v + v,
    "matmul_right": lambda v: (v.reshape(3, 4) @ A[:4, :4]).ravel(),
    "bilinear": lambda v: (v[:6].reshape(2, 3) @ v[6:].reshape(3, 2)).ravel().repeat(3),
    "gather": lambda v: v[IDX] * v,
    "scatter": lambda v: tg.numpy.at(np.ones(N))[IDX].add(v),
    # zeros of a constant factor are structural (no element becomes a constant: elements
    # of a traced array are not tracked one by one)
    "constant_zeros": lambda v: v * (np.arange(N) % 3 + 1) + (np.arange(N) % 2) * v[::-1],
    "softmax": lambda v: tg.nn.softmax(v.reshape(2, 6), axis=1).ravel(),
    "diagonal": lambda v: np.concatenate([np.diagonal(v[:9].reshape(3, 3)), v[3:]]),
    # contractions: einsum and matmul with batch axes, by structure (+ v: no element is an
    # identical zero, which later steps would treat as a traced value)
    "einsum": lambda v: np.einsum("ij,jk->ik", v.reshape(3, 4), A[:4, :4]).ravel() + v,
    "einsum_diagonal": lambda v: v + np.concatenate(
        [np.einsum("ii->i", v[:9].reshape(3, 3)), np.einsum("ij,ij->j", v[:9].reshape(3, 3),
                                                            A[:3, 3:6]), v[6:]]),
    "einsum_three": lambda v: np.einsum("ij,j,kj->ik", v.reshape(3, 4), v[:4] ** 2,
                                        A[:4, 4:8]).ravel() + v,
    "einsum_broadcast": lambda v: np.einsum("ij,ij->ij", v.reshape(3, 4),
                                            A[:1, :4] + 0.0).ravel() + v,
    "matmul_batched": lambda v: (v.reshape(3, 2, 2) @ v[::-1].reshape(3, 2, 2)).ravel(),
    "matmul_broadcast": lambda v: (v.reshape(3, 2, 2) @ A[:2, 2:4]).ravel() + v
    + (v[:4].reshape(2, 2) @ v.reshape(3, 2, 2)).ravel(),
    "matmul_vector": lambda v: np.repeat(v.reshape(3, 4) @ v[4:8], 4) + v
    + np.repeat(A[:3, :4].reshape(1, 3, 4) @ v[:4], 4),
}
CONTRACTIONS = ["matmul", "matmul_right", "bilinear", "einsum", "einsum_diagonal",
                "einsum_three", "einsum_broadcast", "matmul_batched", "matmul_broadcast",
                "matmul_vector"]


def brute_jacobian(fun, x):
    """Nonzeros of the dense Jacobian at a few random points (an independent reference)."""
    out = 0
    for seed in range(3):
        out = out | (tg.jacfwd(fun)(x + rand(x.shape, seed=seed + 10)) != 0)
    return out.reshape(-1, x.size)


def brute_hessian(fun, x):
    out = 0
    for seed in range(3):
        out = out | (tg.hessian(fun)(x + rand(x.shape, seed=seed + 20)) != 0)
    return out


def _program(seed, length=3):
    names = list(STEPS)
    chosen = np.random.default_rng(seed).choice(names, length)
    def fun(v):
        for name in chosen:
            v = STEPS[name](v)
        return v
    return fun, chosen


@pytest.mark.parametrize("name", sorted(STEPS))
def test_each_family_equals_brute_force(name):
    x = rand((N,), seed=1)
    fun = STEPS[name]
    np.testing.assert_array_equal(ts.jacobian_sparsity(fun, x).toarray(),
                                  brute_jacobian(fun, x))


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_equal_brute_force(seed):
    fun, chosen = _program(seed)
    x = rand((N,), seed=seed)
    got = ts.jacobian_sparsity(fun, x).toarray()
    np.testing.assert_array_equal(got, brute_jacobian(fun, x), err_msg=str(chosen))


# the Hessian steps leave out prod (its d2/dxi2 = 0 is not structural) and diagonal, which
# drops elements: the interactions of a nonlinear step are kept for all its elements, also
# those a later step drops (a superset: see test_dropped_elements_keep_their_interactions)
HESSIAN_STEPS = [n for n in STEPS if n not in ("reduce", "diagonal")]


@pytest.mark.parametrize("seed", range(10))
def test_random_hessians_equal_brute_force(seed):
    chosen = np.random.default_rng(seed).choice(HESSIAN_STEPS, 2)

    def fun(v):
        for name in chosen:
            v = STEPS[name](v)
        return np.sum(v * np.linspace(0.5, 1.5, N))
    x = rand((N,), seed=seed)
    got = ts.hessian_sparsity(fun, x).toarray()
    np.testing.assert_array_equal(got, brute_hessian(fun, x), err_msg=str(chosen))


@pytest.mark.parametrize("name", CONTRACTIONS)
def test_contraction_hessians_equal_brute_force(name):
    def fun(v):
        return np.sum(np.sin(STEPS[name](v))) + np.sum(STEPS[name](v) * np.linspace(1, 2, N))
    x = rand((N,), seed=6)
    np.testing.assert_array_equal(ts.hessian_sparsity(fun, x).toarray(),
                                  brute_hessian(fun, x))
    # the bilinear part alone: only pairs that meet in one term of the contraction
    fun = lambda v: np.sum(STEPS[name](v) * np.linspace(1, 2, N))  # noqa: E731
    np.testing.assert_array_equal(ts.hessian_sparsity(fun, x).toarray(),
                                  brute_hessian(fun, x))


@pytest.mark.parametrize("fun", [
    lambda v: np.einsum(",->", v[0], v[1]) * v,
    lambda v: np.einsum("i,->i", v, v[3]),
    lambda v: np.einsum("i,i->", v, v[::-1] * (np.arange(N) % 3)) * v,
    lambda v: v[:4] @ v[4:8] + np.einsum("ij->", v.reshape(3, 4)) * v,
], ids=["scalars", "scalar_operand", "dot", "vector_dot"])
def test_scalar_contractions_equal_brute_force(fun):
    x = rand((N,), seed=5)
    np.testing.assert_array_equal(ts.jacobian_sparsity(fun, x).toarray(),
                                  brute_jacobian(fun, x))
    g = lambda v: np.sum(fun(v))  # noqa: E731
    np.testing.assert_array_equal(ts.hessian_sparsity(g, x).toarray(), brute_hessian(g, x))


def test_a_traced_operands_zeros_are_not_structural():
    # stop_gradient(v) carries no derivative but varies with x: its zeros at this x are not
    # zeros at the next one, so they must not drop dependencies of the other operand
    x = rand((N,), seed=3) * (np.arange(N) % 2)
    for fun in (lambda v: v.reshape(3, 4) @ tg.stop_gradient(v).reshape(4, 3),
                lambda v: np.einsum("ij,jk->ik", v.reshape(3, 4),
                                    tg.stop_gradient(v).reshape(4, 3))):
        got = ts.jacobian_sparsity(fun, x).toarray()
        assert (brute_jacobian(fun, x) <= got).all()


def test_dropped_elements_keep_their_interactions():
    # v[1:] * v[:-1] couples (i, i + 1) for every i; [::4] keeps three of those products.
    # Detection runs forward only, so all nine pairs stay: correct, not tight
    fun = lambda v: np.sum((v[1:] * v[:-1])[::4])  # noqa: E731
    x = rand((10,), seed=1)
    got, brute = ts.hessian_sparsity(fun, x).toarray(), brute_hessian(fun, x)
    assert (brute <= got).all() and brute.sum() == 6 and got.sum() == 18


def test_linear_programs_have_empty_hessians():
    fun = lambda v: np.sum(A @ np.cumsum(v) - v[IDX])  # noqa: E731
    assert ts.hessian_sparsity(fun, rand((N,))).nnz == 0


def test_where_is_the_union_of_both_branches():
    # the branch taken depends on x; the pattern holds both, for every x
    fun = lambda v: np.where(v > 0, v ** 2, v[::-1])  # noqa: E731
    x = rand((N,), seed=2)
    got = ts.jacobian_sparsity(fun, x).toarray()
    want = np.eye(N, dtype=bool) | np.eye(N, dtype=bool)[::-1]
    np.testing.assert_array_equal(got, want)
    assert (brute_jacobian(fun, x) <= got).all()


def test_max_depends_on_its_whole_group():
    # which element is largest depends on x; the pattern holds the group for every x
    fun = lambda v: np.max(v.reshape(4, 3), axis=0)  # noqa: E731
    x = rand((N,), seed=2)
    got = ts.jacobian_sparsity(fun, x).toarray()
    np.testing.assert_array_equal(got, np.tile(np.eye(3, dtype=bool), 4))
    assert (brute_jacobian(fun, x) <= got).all()


def test_indices_computed_from_x_are_conservative():
    # sort reads x through argsort(x): any input may land anywhere
    x = rand((N,), seed=4)
    got = ts.jacobian_sparsity(np.sort, x).toarray()
    assert got.all()
    got = ts.jacobian_sparsity(lambda v: v[np.argmax(v)] * v, x).toarray()
    assert got.all()


def test_constant_output_and_zero_derivative():
    x = rand((4,))
    assert ts.jacobian_sparsity(lambda v: np.ones(3), x).shape == (3, 4)
    assert ts.jacobian_sparsity(lambda v: np.floor(v) + 1.0, x).nnz == 0


def test_the_dense_default_is_a_superset():
    # linalg has no precise rule: every output depends on every input used
    x = rand((4,), seed=7) + 3.0
    fun = lambda v: np.linalg.solve(np.diag(v[:2]) + 1.0, v[2:])  # noqa: E731
    got = ts.jacobian_sparsity(fun, x).toarray()
    assert (brute_jacobian(fun, x) <= got).all() and got.all()
    assert sparsity_status()["linalg_solve"] == "dense default"
    assert sparsity_status()["matmul"] == sparsity_status()["einsum"] == "precise"


def test_custom_vjp_is_traced_through():
    @tg.custom_vjp
    def shift(v):
        return v[1:] - v[:-1]
    shift.defvjp(lambda v: (v[1:] - v[:-1], None),
                 lambda res, ct: (np.concatenate([-ct, [0.0]]) + np.concatenate([[0.0], ct]),))
    x = rand((5,))
    np.testing.assert_array_equal(ts.jacobian_sparsity(shift, x).toarray(),
                                  brute_jacobian(shift, x))


def test_bad_input_says_what_to_do():
    with pytest.raises(TypeError, match="jacobian_sparsity.*int64.*astype"):
        ts.jacobian_sparsity(lambda v: v, np.arange(3))
    with pytest.raises(ValueError, match="hessian_sparsity.*scalar"):
        ts.hessian_sparsity(lambda v: v, np.ones(3))
