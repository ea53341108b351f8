"""Contractions family: matmul, einsum, diagonal and the composites on them."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand, tol

import tangents as tg
import tangents.numpy as tnp

MATMUL_PAIRS = [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                ((5, 2, 3), (3, 4)), ((5, 2, 3), (1, 3, 4)), ((0, 3), (3, 2)), ((2, 0), (0, 3)),
                ((3,), (2, 3, 4)), ((2, 2, 3), (3,)), ((2, 3), (4, 3, 2)),
                ((2, 1, 2, 3), (3, 3, 2))]

EINSUM = [  # (subscripts, operand shapes)
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij->", [(2, 3)]), ("ii->i", [(3, 3)]),
    ("ii->", [(3, 3)]), ("ij->i", [(2, 3)]), ("ij->ji", [(2, 3)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]), ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    ("i,i", [(3,), (3,)]), ("ij,ij->ij", [(2, 3), (2, 3)]), ("ij,ij->ij", [(1, 3), (2, 1)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]), ("iij->ij", [(3, 3, 2)]), ("ij,jk", [(2, 3), (3, 4)]),
    ("ba", [(2, 3)]), ("i,j->ij", [(2,), (3,)]), ("ii,i->i", [(1, 1), (3,)]),
    ("ij,j->i", [(2, 3), (1,)]), ("iji->j", [(2, 3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("...i,...i->...", [(2, 3), (3,)]), ("ij,jk->ik", [(0, 3), (3, 2)]), ("i...i", [(3, 2, 3)]),
]

TRACE_DIAG = [  # (shape, offset, axis1, axis2)
    ((3, 3), 0, 0, 1), ((3, 4), 1, 0, 1), ((4, 3), -2, 0, 1), ((3, 4), 5, 0, 1),
    ((2, 3, 4), 1, -1, 0), ((2, 3, 3), 0, -2, -1), ((0, 3), 0, 0, 1),
]


def _args(*shapes):
    return tuple(rand(s, seed=k) for k, s in enumerate(shapes))


def _einsum_case(spec, shapes, **kw):
    return Case(f"einsum[{spec}]", lambda *ops: tnp.einsum(spec, *ops, **kw), _args(*shapes),
                np_fun=lambda *ops: np.einsum(spec, *ops))


CASES = [Case("matmul", tnp.matmul, _args(s1, s2), np_fun=np.matmul) for s1, s2 in MATMUL_PAIRS]
CASES += [Case("@", lambda x, y: x @ y, _args(s1, s2), np_fun=np.matmul)
          for s1, s2 in MATMUL_PAIRS[:4]]
CASES += [_einsum_case(spec, shapes) for spec, shapes in EINSUM]
CASES += [_einsum_case("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)], optimize=True),
          _einsum_case("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)], optimize="greedy")]
CASES += [Case(f"tensordot[{axes}]", lambda a, b, axes=axes: tnp.tensordot(a, b, axes),
               _args(s1, s2), np_fun=lambda a, b, axes=axes: np.tensordot(a, b, axes))
          for s1, s2, axes in [((2, 3, 4), (3, 4, 2), 2), ((2, 3), (3, 4), 1), ((2,), (3,), 0),
                               ((3, 2, 4), (2, 3, 2), ([1, 0], [0, 1])),
                               ((2, 3), (4, 3), ([-1], [-1])), ((2, 3), (3, 2), (1, 0)),
                               ((0, 3), (3, 2), 1)]]
CASES += [Case("dot", tnp.dot, _args(s1, s2), np_fun=np.dot)
          for s1, s2 in [((), (3,)), ((2, 3), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
                         ((2, 3), (3, 4)), ((2, 3, 4), (4,)), ((2, 3, 4), (4, 2)),
                         ((2, 3), (2, 3, 4)), ((2, 3, 4), (3, 4, 2))]]
CASES += [Case("inner", tnp.inner, _args(s1, s2), np_fun=np.inner)
          for s1, s2 in [((), (3,)), ((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)),
                         ((2, 3), (4, 2, 3))]]
CASES += [Case("outer", tnp.outer, _args(s1, s2), np_fun=np.outer)
          for s1, s2 in [((3,), (4,)), ((2, 3), (2,)), ((), (3,)), ((0,), (3,))]]
CASES += [Case("vdot", tnp.vdot, _args(s1, s2), np_fun=np.vdot)
          for s1, s2 in [((3,), (3,)), ((2, 3), (3, 2))]]
CASES += [Case("kron", tnp.kron, _args(s1, s2), np_fun=np.kron)
          for s1, s2 in [((2, 3), (2, 2)), ((2,), (2, 3)), ((), (3,)), ((2, 1, 2), (3, 2))]]
CASES += [Case(f"{name}[{off},{a1},{a2}]",
               lambda x, f=f, off=off, a1=a1, a2=a2: f(x, off, a1, a2), _args(s),
               np_fun=lambda x, g=g, off=off, a1=a1, a2=a2: g(x, off, a1, a2))
          for name, f, g in [("trace", tnp.trace, np.trace),
                             ("diagonal", tnp.diagonal, np.diagonal)]
          for s, off, a1, a2 in TRACE_DIAG]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_contraction_rule(case):
    check_case(case)


@pytest.mark.parametrize("s1,s2", MATMUL_PAIRS, ids=str)
def test_matmul_vmap_both_operands(s1, s2):
    x, y = _args(s1, s2)
    rng = np.random.default_rng(2)
    xs = [x + rng.standard_normal(x.shape) for _ in range(3)]
    ys = [y + rng.standard_normal(y.shape) for _ in range(3)]
    want = np.stack([a @ b for a, b in zip(xs, ys)])
    for ax in range(x.ndim + 1):
        for ay in range(y.ndim + 1):
            got = tg.vmap(tnp.matmul, in_axes=(ax, ay))(np.stack(xs, ax), np.stack(ys, ay))
            np.testing.assert_allclose(got, want, **tol("roundoff"),
                                       err_msg=f"in_axes=({ax}, {ay})")


@pytest.mark.parametrize("spec,shapes", [("ij,jk->ik", [(2, 3), (3, 4)]),
                                         ("ii,i->i", [(3, 3), (3,)]),
                                         ("i...,i...->...", [(3, 2), (3, 2)])], ids=str)
def test_einsum_vmap_both_operands(spec, shapes):
    x, y = _args(*shapes)
    xs, ys = [x + k for k in range(3)], [y - k for k in range(3)]
    want = np.stack([np.einsum(spec, a, b) for a, b in zip(xs, ys)])
    got = tg.vmap(lambda a, b: tnp.einsum(spec, a, b), in_axes=(1, 0))(np.stack(xs, 1),
                                                                      np.stack(ys))
    np.testing.assert_allclose(got, want, **tol("roundoff"))


def test_third_order_through_matmul():
    a = rand((3, 3))
    tg.check_grads(lambda a: (a @ a @ a).sum(), (a,), order=3)
    tg.check_grads(lambda a, v: v @ a @ a @ v, (a, rand((3,), seed=1)), order=3)
    tg.check_grads(lambda a: tnp.einsum("ij,jk,ki->", a, a, a), (a,), order=3)


def test_numpy_functions_and_methods_dispatch():
    x, w = rand((2, 3)), rand((3, 3), seed=1)

    def f(x):
        return (np.dot(x, w).sum() + (w @ x.T).sum() + np.einsum("ij,jk", x, w).sum()
                + np.tensordot(x, w, 1).sum() + x.dot(w).sum() + np.inner(x, x).sum()
                + np.outer(x, x).sum() + np.vdot(x, x) + np.kron(x, w).sum()
                + np.trace(x @ w @ x.T) + x.diagonal(1).sum() + (x @ w).trace())

    def g(x):  # the same, in plain NumPy
        return (np.dot(x, w).sum() + (w @ x.T).sum() + np.einsum("ij,jk", x, w).sum()
                + np.tensordot(x, w, 1).sum() + x.dot(w).sum() + np.inner(x, x).sum()
                + np.outer(x, x).sum() + np.vdot(x, x) + np.kron(x, w).sum()
                + np.trace(x @ w @ x.T) + x.diagonal(1).sum() + (x @ w).trace())
    np.testing.assert_allclose(f(x), g(x))
    tg.check_grads(f, (x,), order=2)


def test_einsum_forms():
    x, y = rand((2, 3)), rand((3, 4), seed=1)
    np.testing.assert_allclose(tnp.einsum(x, [0, 1], y, [1, 2], [0, 2]), x @ y)
    np.testing.assert_allclose(tnp.einsum(x, [Ellipsis, 1], y, [1, 2]), x @ y)
    np.testing.assert_allclose(tnp.einsum(" i j , j k ", x, y), x @ y)
    g = tg.grad(lambda x: tnp.einsum(x, [0, 1], y, [1, 2], [0, 2]).sum())(x)
    np.testing.assert_allclose(g, np.broadcast_to(y.sum(1), (2, 3)))
    g32 = tg.grad(lambda x: tnp.einsum("ij,jk->", x, y, dtype=np.float32))(x)
    assert g32.dtype == np.float64


def test_contraction_errors():
    with pytest.raises(ValueError):
        tg.grad(lambda x: tnp.matmul(x, x).sum())(np.float64(2.0))
    with pytest.raises(ValueError):
        tnp.einsum("ij,jk->ik", rand((2, 3)))
    with pytest.raises(ValueError):
        tnp.einsum("ij->k", rand((2, 3)))
    with pytest.raises(ValueError):
        tnp.einsum("...i->i", rand((2, 3)))
    with pytest.raises(ValueError):
        tnp.tensordot(rand((2, 3)), rand((2, 3)), axes=1)
    with pytest.raises(ValueError):
        tnp.diagonal(rand((3,)))
    with pytest.raises(ValueError):
        tnp.trace(rand((3, 3)), 0, 1, -1)
    with pytest.raises(ValueError):
        tg.grad(lambda x: (x @ rand((2, 2))).sum())(rand((2, 3)))


def test_jacobians_through_matmul_use_exact_diagonal_scaling():
    # jacrev/jacfwd start from an identity basis; after an elementwise scaling it is diagonal
    # and the batched matmul takes the row/column-scaling path: check it is exact both ways.
    rng = np.random.default_rng(0)
    n = 24
    W1, W2 = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    x = rng.standard_normal(n)
    h = np.tanh(W1 @ x)
    y = np.tanh(W2 @ h)
    expected = ((1 - y * y)[:, None] * W2) @ ((1 - h * h)[:, None] * W1)
    f = lambda x: tnp.tanh(W2 @ tnp.tanh(W1 @ x))
    np.testing.assert_allclose(tg.jacrev(f)(x), expected, **tol("roundoff"))
    np.testing.assert_allclose(tg.jacfwd(f)(x), expected, **tol("roundoff"))
    # a basis that is not diagonal goes through the general matmul
    B = rng.standard_normal((n, n))
    np.testing.assert_allclose(tg.vmap(lambda r: r @ W2)(B), B @ W2, **tol("roundoff"))


def test_einsum_path_and_common_type_read_traced_shapes():
    a, b = rand((2, 3)), rand((3, 4), seed=1)

    def f(a, b):
        path, _ = np.einsum_path("ij,jk->ik", a, b)
        assert np.common_type(a, b) is np.result_type(a.dtype, b.dtype).type
        return tnp.einsum("ij,jk->ik", a, b, optimize=path)

    check_case(Case("einsum_path", f, (a, b), np_fun=lambda a, b: a @ b))
