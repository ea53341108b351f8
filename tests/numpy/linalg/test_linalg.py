"""Linear algebra family (tangents.numpy.linalg): every function through the shared harness
on 1x1, 3x3 and batched (2, 3, 3) inputs, plus singular, degenerate and zero points."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand, spd, sym, tol

import tangents as tg
import tangents.numpy as tnp

SQUARE = [(1, 1), (3, 3), (2, 3, 3)]


def general(shape, seed=0, sign=1.0):
    """A well-conditioned random square matrix (stack): noise plus n I."""
    n = shape[-1]
    return sign * (np.random.default_rng(seed).standard_normal(shape) * 0.5 + n * np.eye(n))


def pair(name, make, args, **kw):
    """A Case whose function is ``make(tnp.linalg)``, checked against ``make(np.linalg)``."""
    return Case(name, make(tnp.linalg), args, np_fun=make(np.linalg), **kw)


CASES = []
for s in SQUARE:
    CASES += [
        pair("inv", lambda L: L.inv, (general(s),)),
        pair("det", lambda L: L.det, (general(s, sign=-1.0),)),
        pair("slogdet", lambda L: L.slogdet, (general(s, 1, sign=-1.0),)),
        pair("cholesky", lambda L: lambda a: L.cholesky(sym(a)), (spd(s),)),
        pair("cholesky_upper", lambda L: lambda a: L.cholesky(sym(a), upper=True), (spd(s, 2),)),
        # eigenvectors up to sign: the gauge-invariant V * V
        pair("eigh", lambda L: lambda a: (lambda w, v: (w, v * v))(*L.eigh(sym(a))),
             (rand(s, seed=3),)),
        pair("eigvalsh", lambda L: lambda a: L.eigvalsh(sym(a)), (rand(s, seed=4),)),
        pair("svdvals", lambda L: lambda a: L.svd(a, compute_uv=False), (rand(s, seed=5),)),
        pair("pinv", lambda L: L.pinv, (general(s, 6),)),
        pair("cond", lambda L: L.cond, (general(s, 7),)),
        pair("cond_fro", lambda L: lambda a: L.cond(a, "fro"), (general(s, 8),)),
        pair("cond_1", lambda L: lambda a: L.cond(a, 1), (general(s, 9),)),
        pair("cond_-2", lambda L: lambda a: L.cond(a, -2), (general(s, 10),)),
        pair("matrix_power_3", lambda L: lambda a: L.matrix_power(a, 3), (rand(s, seed=11),)),
        pair("matrix_power_-2", lambda L: lambda a: L.matrix_power(a, -2), (general(s, 12),)),
        pair("qr", lambda L: L.qr, (general(s, 13),)),
        pair("solve_vector", lambda L: L.solve, (general(s, 14), rand(s[-1:], seed=15))),
        pair("solve_matrix", lambda L: L.solve, (general(s, 16), rand(s[:-1] + (2,), seed=17))),
    ]

# the singular vectors up to a common sign of u_i and v_i: U diag(c) V^T, U * U, Vh * Vh
_C = np.array([1.0, -0.7, 0.4, 0.2])


def _svd_gauge(L):
    def f(a):
        u, s, vh = L.svd(a, full_matrices=False)
        k = s.shape[-1]
        return s, (u * _C[:k]) @ vh, u * u, vh * vh
    return f


for s in [(1, 1), (3, 3), (4, 3), (3, 4), (2, 4, 3)]:
    CASES += [pair("svd", _svd_gauge, (rand(s, seed=20),)),
              pair("svdvals", lambda L: L.svdvals, (rand(s, seed=21),))]
for s in [(4, 3), (3, 4), (2, 3, 4)]:
    CASES += [pair("pinv", lambda L: L.pinv, (rand(s, seed=22),)),
              pair("qr", lambda L: L.qr, (general(s[:-2] + (4, 4), 23)[..., :s[-2], :s[-1]],))]

CASES += [
    pair("solve_broadcast", lambda L: L.solve, (general((3, 3), 30), rand((2, 3, 2), seed=31))),
    pair("solve_broadcast_a", lambda L: L.solve, (general((2, 1, 3, 3), 32),
                                                  rand((4, 3, 1), seed=33))),
    pair("matrix_power_0", lambda L: lambda a: L.matrix_power(a, 0) * a, (rand((3, 3)),)),
    pair("matrix_power_1", lambda L: lambda a: L.matrix_power(a, 1), (rand((2, 3, 3)),)),
    pair("multi_dot", lambda L: lambda a, b, c: L.multi_dot([a, b, c]),
         (rand((2, 3)), rand((3, 4), seed=1), rand((4, 2), seed=2))),
    pair("multi_dot_vectors", lambda L: lambda a, b, c, d: L.multi_dot([a, b, c, d]),
         (rand((3,)), rand((3, 4), seed=1), rand((4, 2), seed=2), rand((2,), seed=3))),
    pair("lstsq", lambda L: lambda a, b: L.lstsq(a, b)[:2] + (L.lstsq(a, b)[3],),
         (rand((4, 3)), rand((4,), seed=1)), vmap=False),
    pair("lstsq_matrix", lambda L: lambda a, b: L.lstsq(a, b)[:2],
         (rand((5, 2)), rand((5, 3), seed=1)), vmap=False),
    pair("lstsq_underdetermined", lambda L: lambda a, b: L.lstsq(a, b)[:2],
         (rand((2, 3)), rand((2,), seed=1)), vmap=False),
    pair("tensorsolve", lambda L: L.tensorsolve,
         (general((6, 6), 40).reshape(2, 3, 6), rand((2, 3), seed=41))),
    pair("tensorsolve_axes", lambda L: lambda a, b: L.tensorsolve(a, b, axes=(0,)),
         (np.moveaxis(general((6, 6), 42).reshape(6, 2, 3), 0, 2).reshape(2, 3, 6)
          .transpose(2, 0, 1), rand((2, 3), seed=43))),
    pair("tensorinv", lambda L: lambda a: L.tensorinv(a, ind=2),
         (general((6, 6), 44).reshape(2, 3, 6),)),
    pair("tensorinv_1", lambda L: lambda a: L.tensorinv(a, ind=1),
         (general((4, 4), 45).reshape(4, 2, 2),)),
    pair("qr_r", lambda L: lambda a: L.qr(a, mode="r"), (general((3, 3), 46),)),
    # third order
    pair("inv", lambda L: L.inv, (general((3, 3), 50),), order=3, vmap=False, float32=False),
    pair("det", lambda L: L.det, (general((3, 3), 51),), order=3, vmap=False, float32=False),
]

# norms: every ord and axis form
VEC_ORDS = [None, 1, 2, np.inf, -np.inf, 0, 3, 0.5, -1, -2]
MAT_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]
for o in VEC_ORDS:
    CASES += [pair(f"norm_vec_{o}", lambda L, o=o: lambda x: L.norm(x, o), (rand((5,), seed=60),)),
              pair(f"norm_axis_{o}", lambda L, o=o: lambda x: L.norm(x, o, axis=-1, keepdims=True),
                   (rand((2, 3, 4), seed=61),)),
              pair(f"vector_norm_{o}", lambda L, o=o: lambda x: L.vector_norm(
                  x, axis=(0, 2), ord=2 if o is None else o), (rand((2, 3, 4), seed=62),))]
for o in MAT_ORDS:
    CASES += [pair(f"norm_mat_{o}", lambda L, o=o: lambda x: L.norm(x, o),
                   (rand((3, 4), seed=63),)),
              pair(f"norm_axes_{o}", lambda L, o=o: lambda x: L.norm(x, o, axis=(2, 0)),
                   (rand((3, 2, 4), seed=64),)),
              pair(f"norm_axes_keep_{o}", lambda L, o=o: lambda x: L.norm(x, o, axis=(-1, 1),
                                                                         keepdims=True),
                   (rand((2, 4, 3), seed=65),)),
              pair(f"matrix_norm_{o}", lambda L, o=o: lambda x: L.matrix_norm(
                  x, ord="fro" if o is None else o), (rand((2, 3, 3), seed=66),))]
CASES += [pair("norm_all", lambda L: lambda x: L.norm(x, keepdims=True), (rand((2, 3, 4)),)),
          pair("vector_norm_all", lambda L: L.vector_norm, (rand((2, 3)),))]


def _cplx(make):
    """``make(L)`` applied to the complex array ``a + ib`` built from two real arguments."""
    return lambda L: lambda a, b: make(L)(a + 1j * b)


# complex input: the norm of the moduli (real), differentiated through real a and b
for o in [2, 1, 3, 0.5, -1, np.inf, 0]:
    CASES += [pair(f"vector_norm_complex_{o}", _cplx(lambda L, o=o: lambda z: L.vector_norm(
        z, axis=-1, ord=o)), (rand((2, 3), seed=70), rand((2, 3), seed=71)))]
CASES += [pair("vector_norm_complex_all", _cplx(lambda L: L.vector_norm),
               (rand((2, 3), seed=72), rand((2, 3), seed=73))),
          pair("norm_complex", _cplx(lambda L: lambda z: L.norm(z, axis=0, keepdims=True)),
               (rand((3, 2), seed=74), rand((3, 2), seed=75))),
          pair("matrix_norm_complex_fro", _cplx(lambda L: L.matrix_norm),
               (rand((2, 3, 3), seed=76), rand((2, 3, 3), seed=77))),
          pair("cross", lambda L: L.cross, (rand((2, 3), seed=80), rand((3,), seed=81))),
          pair("cross_axis0", lambda L: lambda a, b: L.cross(a, b, axis=0),
               (rand((3, 2), seed=82), rand((3, 1), seed=83))),
          pair("vecdot", lambda L: lambda a, b: L.vecdot(a, b, axis=0),
               (rand((3, 2), seed=84), rand((3, 1), seed=85))),
          # complex x1 is conjugated: both parts of sum(conj(a + ib) (b - ia))
          pair("vecdot_complex", lambda L: lambda a, b: (
              lambda v: (v.real, v.imag))(L.vecdot(a + 1j * b, b - 1j * a)),
               (rand((2, 3), seed=86), rand((3,), seed=87)))]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_linalg_rule(case):
    check_case(case)


def test_numpy_linalg_dispatches_to_tangents():
    a, b = general((3, 3)), rand((3,), seed=1)
    g_np = tg.grad(lambda a: np.sum(np.linalg.solve(a, b) ** 2))(a)
    g_tnp = tg.grad(lambda a: tnp.sum(tnp.linalg.solve(a, b) ** 2))(a)
    np.testing.assert_allclose(g_np, g_tnp)
    x = np.linalg.solve(a, b)
    np.testing.assert_allclose(g_np, -2 * np.outer(np.linalg.solve(a.T, x), x))


def test_solve_many_right_hand_sides_keeps_numpy2_shapes():
    a = general((2, 3, 3))
    assert tnp.linalg.solve(a, rand((3,))).shape == (2, 3)
    assert tnp.linalg.solve(a, rand((2, 3, 4))).shape == (2, 3, 4)
    assert tg.jacrev(lambda b: tnp.linalg.solve(a, b))(rand((3,))).shape == (2, 3, 3)


@pytest.mark.parametrize("a, order", [
    (np.array([[1.0, 2.0], [2.0, 4.0]]), 3),
    (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]), 3),
    (np.eye(3), 3), (np.zeros((3, 3)), 2), (np.diag([2.0, 2.0, 0.0]), 2)],
    ids=["rank1_2x2", "rank2_3x3", "identity", "zero", "rank2_repeated"])
def test_det_derivatives_exact_at_singular_and_degenerate_matrices(a, order):
    def adj(m):  # cofactor transpose, by definition
        n = m.shape[0]
        c = np.array([[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(m, i, 0), j, 1))
                       for j in range(n)] for i in range(n)])
        return c.T
    np.testing.assert_allclose(tg.grad(tnp.linalg.det)(a), adj(a).T, **tol("composed"))
    tg.check_grads(tnp.linalg.det, (a,), order=order)


def test_eigvalsh_exact_with_repeated_eigenvalues():
    a = np.diag([1.0, 1.0, 3.0])
    g = tg.grad(lambda a: tnp.sum(tnp.linalg.eigvalsh(a) ** 2))(a)
    np.testing.assert_allclose(g, 2 * a, **tol("composed"))
    h = tg.hessian(lambda a: tnp.sum(tnp.linalg.eigvalsh(a)))(np.eye(3))
    assert np.all(np.isfinite(h))
    # eigh's gap factor is 0 (not inf) for repeated eigenvalues: finite, never nan
    g = tg.grad(lambda a: tnp.sum(tnp.linalg.eigh(a)[1] ** 3))(np.eye(3))
    assert np.all(np.isfinite(g))


def test_svdvals_exact_with_repeated_singular_values():
    q = np.linalg.qr(rand((3, 3)))[0]
    a = q * 2.0  # all singular values 2
    g = tg.grad(lambda a: tnp.sum(tnp.linalg.svdvals(a)))(a)
    np.testing.assert_allclose(g, q, **tol("composed"))  # d sum(s) = U V^T


def test_symmetric_input_functions_differentiate_the_triangle_they_read():
    # NumPy reads the lower triangle: the upper one has derivative 0 (not a symmetrized one)
    a = spd((3, 3))
    w = rand((3, 3), seed=1)
    for f in (lambda a: tnp.sum(tnp.linalg.cholesky(a) * w),
              lambda a: tnp.sum(tnp.linalg.eigvalsh(a) * w[0]),
              lambda a: tnp.sum(tnp.linalg.eigh(a)[0] * w[0])):
        g = tg.grad(f)(a)
        np.testing.assert_array_equal(np.triu(g, 1), 0)
        assert np.all(g[np.tril_indices(3, -1)] != 0)


@pytest.mark.parametrize("ord_axis", [(o, None) for o in VEC_ORDS if o not in (0.5, -1, -2)]
                         + [(o, (0, 1)) for o in MAT_ORDS], ids=str)
def test_norm_derivative_at_zero_is_zero(ord_axis):
    o, axis = ord_axis
    x = np.zeros((3, 3) if axis else (4,))
    g = tg.grad(lambda x: tnp.linalg.norm(x, o, axis=axis))(x)
    np.testing.assert_array_equal(g, np.zeros_like(x))
    h = tg.hessian(lambda x: tnp.linalg.norm(x, o, axis=axis))(x)
    assert not np.any(np.isnan(h))


def test_vector_norm_derivative_with_some_zero_entries():
    x = np.array([0.0, 3.0, -4.0])
    for o in (2, 3, 0.5, -1):
        g = tg.grad(lambda x: tnp.linalg.norm(x, o))(x)
        assert np.all(np.isfinite(g)) and g[0] == 0.0


def test_matrix_rank_is_a_plain_integer_without_derivative():
    a = np.diag([1.0, 2.0, 0.0])

    def f(a):
        r = np.linalg.matrix_rank(a)
        assert r == 2 and not isinstance(r, tg.core.tracer.Tracer)
        return np.linalg.det(a + np.eye(3)) * r
    np.testing.assert_allclose(tg.grad(f)(a), 2 * np.linalg.det(a + np.eye(3))
                               * np.linalg.inv(a + np.eye(3)).T)
    np.testing.assert_array_equal(tg.vmap(tnp.linalg.matrix_rank)(np.stack([a, np.eye(3)])),
                                  [2, 3])


def test_non_differentiable_forms_raise_clearly():
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        tg.grad(lambda a: tnp.sum(tnp.linalg.svd(a)[0]))(rand((3, 2)))
    # eigvals is differentiable (numpy/linalg/_eig.py); a complex result needs a real loss
    with pytest.raises(TypeError, match="real-valued output"):
        tg.grad(lambda a: np.sum(np.linalg.eigvals(a) * (1 + 1j)))(rand((3, 3)))


EPS = 1e-6


def _fd_grad(f, z):
    """dL/da - i dL/db of a real loss L of z = a + ib, by central differences."""
    out = np.zeros(z.shape, np.complex128)
    for j in range(z.size):
        e = np.zeros(z.shape, np.complex128)
        e.flat[j] = EPS
        out.flat[j] = ((f(z + e) - f(z - e)) - 1j * (f(z + 1j * e) - f(z - 1j * e))) / (2 * EPS)
    return out


@pytest.mark.parametrize("o", [2, 1, 3, 0.5, np.inf])
def test_vector_norm_of_complex_input_is_real_with_the_documented_derivative(o):
    z = rand((2, 3), seed=90) + 1j * rand((2, 3), seed=91)
    for dt, real in ((np.complex128, np.float64), (np.complex64, np.float32)):
        out = tnp.linalg.vector_norm(z.astype(dt), axis=1, ord=o)
        assert out.dtype == real
        np.testing.assert_allclose(out, np.linalg.vector_norm(z.astype(dt), axis=1, ord=o),
                                   **tol("exact", real))
    w = np.array([1.0, -2.0])

    def f(z):
        return tnp.sum(w * tnp.linalg.vector_norm(z, axis=1, ord=o))
    g = tg.grad(f)(z)  # the convention: dL/da - i dL/db (docs/conventions.md)
    np.testing.assert_allclose(g, _fd_grad(f, z), **tol("derivative"))
    if o == 2:
        np.testing.assert_allclose(g, w[:, None] * np.conj(z)
                                   / np.linalg.norm(z, axis=1, keepdims=True))
    v = rand((2, 3), seed=92) + 1j * rand((2, 3), seed=93)
    t = tg.jvp(f, (z,), (v,))[1]  # forward mode: Re(sum(g v))
    np.testing.assert_allclose(t, (f(z + EPS * v) - f(z - EPS * v)) / (2 * EPS), **tol("fd"))
    np.testing.assert_allclose(t, np.real(np.sum(g * v)), **tol("composed"))
    hv = tg.jvp(tg.grad(f), (z,), (v,))[1]  # second order
    np.testing.assert_allclose(hv, (tg.grad(f)(z + EPS * v) - tg.grad(f)(z - EPS * v))
                               / (2 * EPS), **tol("derivative"))


def test_vector_norm_of_complex_input_at_zero_entries():
    z = np.array([0.0, 3.0 + 4.0j, -1.0j])
    for o in (2, 3, 0.5, 1):
        g = tg.grad(lambda z: tnp.linalg.vector_norm(z, ord=o))(z)
        assert np.all(np.isfinite(g)) and g[0] == 0
    g = tg.grad(lambda z: tnp.linalg.vector_norm(z))(np.zeros(3, complex))
    np.testing.assert_array_equal(g, np.zeros(3))


def test_linalg_vecdot_and_cross_are_the_standard_functions():
    z1 = rand((2, 3)) + 1j * rand((2, 3), seed=1)
    z2 = rand((3,), seed=2) - 1j * rand((3,), seed=3)
    np.testing.assert_allclose(tnp.linalg.vecdot(z1, z2), np.linalg.vecdot(z1, z2), **tol("exact"))
    np.testing.assert_allclose(tnp.linalg.vecdot(z1, z2), np.sum(np.conj(z1) * z2, axis=-1),
                               **tol("exact"))
    i1, i2 = np.array([[200, 3, 7]], np.uint8), np.array([2, 1, 1], np.uint8)
    out = tnp.linalg.vecdot(i1, i2)  # 410 wraps around in uint8, as NumPy's
    assert out.dtype == np.uint8 and out.tolist() == np.linalg.vecdot(i1, i2).tolist() == [154]
    with pytest.raises(ValueError, match="same length"):
        tnp.linalg.vecdot(rand((2, 3)), rand((2,)), axis=-1)
    a, b = rand((4, 3)), rand((4, 3), seed=1)
    np.testing.assert_allclose(tnp.linalg.cross(a, b), np.linalg.cross(a, b))
    with pytest.raises(ValueError, match="3-dimensional vectors"):
        tnp.linalg.cross(rand((2,)), rand((2,)))


# tensorsolve through np: a row the coverage table cannot probe
TENSORSOLVE_CASES = [
    Case("tensorsolve", lambda a, b: np.linalg.tensorsolve(a, b),
         ((np.eye(4) * 3 + rand((4, 4))).reshape(2, 2, 2, 2), rand((2, 2), seed=1)),
         np_fun=np.linalg.tensorsolve),
]


@pytest.mark.parametrize("case", TENSORSOLVE_CASES, ids=case_id)
def test_tensorsolve_rule(case):
    check_case(case)
