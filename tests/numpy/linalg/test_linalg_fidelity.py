"""Linear-algebra fidelity (numpy/linalg/_spectral.py, cholesky): second derivatives at
repeated eigen/singular values, the one triangle NumPy reads, complex eigh/svd under the
plain-transpose convention, and lstsq under vmap.  References are central finite
differences in float64 and the transpose identity <J v, w> = <v, J^T w>."""
import warnings

import numpy as np
import pytest
from harness import TOL, rand, spd, tol

import tangents as tg

RTOL, ATOL = TOL[np.float64]
EPS = 1e-6


def assert_close(got, want, scale=1.0):
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL * max(scale, 1.0) * 100)


def fd_jacobian(f, x):
    """d f(x) / dx by central differences (real x; f array-valued)."""
    cols = []
    for j in range(x.size):
        d = np.zeros(x.size)
        d[j] = EPS
        d = d.reshape(x.shape)
        cols.append(np.ravel((np.asarray(f(x + d)) - np.asarray(f(x - d))) / (2 * EPS)))
    return np.stack(cols, axis=-1)


def fd_complex_grad(f, z):
    """dL/da - i dL/db of a real loss L of z = a + ib (the documented convention)."""
    out = np.zeros(z.shape, np.complex128)
    for j in range(z.size):
        e = np.zeros(z.shape, np.complex128)
        e.flat[j] = EPS
        out.flat[j] = ((f(z + e) - f(z - e)) - 1j * (f(z + 1j * e) - f(z - 1j * e))) / (2 * EPS)
    return out


# -- 1. second derivatives at repeated eigenvalues / singular values ---------------------
_ROT = np.array([[2.0, 0.3], [-0.3, 2.0]])  # both singular values sqrt(4.09)
_Q = np.linalg.qr(rand((3, 3), seed=7))[0]
DEGENERATE = [
    ("eigvalsh_frobenius", lambda x: np.sum(np.linalg.eigvalsh((x + x.T) / 2 + np.eye(2)) ** 2),
     np.zeros((2, 2))),
    ("eigvalsh_cubes", lambda x: np.sum(np.linalg.eigvalsh(x) ** 3), np.diag([1.0, 1.0, 2.0])),
    ("eigvalsh_exp_upper", lambda x: np.sum(np.exp(np.linalg.eigvalsh(x, UPLO="U"))),
     np.eye(3) + np.tril(rand((3, 3), seed=8), -1)),  # upper triangle read: the identity
    ("eigvalsh_quartic_sq", lambda x: np.sum(np.linalg.eigvalsh(x) ** 2) ** 2, 3 * np.eye(3)),
    ("svdvals_sum", lambda a: np.sum(np.linalg.svdvals(a)), _ROT),
    ("nuclear_norm", lambda a: np.linalg.matrix_norm(a, ord="nuc"), _ROT),
    ("nuclear_norm_3x3", lambda a: np.linalg.norm(a, "nuc"), _Q @ np.diag([2.0, 2.0, 1.0])),
    ("svdvals_cubes_tall", lambda a: np.sum(np.linalg.svdvals(a) ** 3), 2 * _Q[:, :2]),
    ("svdvals_wide", lambda a: np.sum(np.sqrt(np.linalg.svd(a, compute_uv=False))),
     1.5 * _Q[:2, :]),
    ("stacked", lambda a: np.sum(np.linalg.svdvals(a))
     + np.sum(np.linalg.eigvalsh(a @ np.swapaxes(a, -1, -2)) ** 2),
     np.stack([_ROT, np.eye(2), rand((2, 2), seed=10)])),
]


@pytest.mark.parametrize("name, f, x", DEGENERATE, ids=[d[0] for d in DEGENERATE])
def test_hessian_at_repeated_values_matches_finite_differences_of_the_gradient(name, f, x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exact, so no NaN warning either
        h = np.reshape(tg.hessian(f)(x), (x.size, x.size))
        hv = tg.hvp(f, (x,), (rand(x.shape, seed=11),))
    want = fd_jacobian(tg.grad(f), x)
    assert_close(h, want, np.max(np.abs(want)))
    assert np.max(np.abs(h)) > 0.1  # not the old all-zero rows
    assert_close(np.ravel(hv), want @ np.ravel(rand(x.shape, seed=11)), np.max(np.abs(want)))


EIGH_VALUES_ONLY = [
    ("eigh_values_frobenius", lambda x: np.sum(np.linalg.eigh((x + x.T) / 2 + np.eye(2))[0] ** 2),
     np.zeros((2, 2))),
    ("eigh_values_linear", lambda x: np.sum(3.0 * np.linalg.eigh(x)[0]), np.eye(3)),
]


@pytest.mark.parametrize("name, f, x", EIGH_VALUES_ONLY, ids=[d[0] for d in EIGH_VALUES_ONLY])
def test_eigh_eigenvalues_alone_have_exact_hessians_at_repeated_values(name, f, x):
    # only eigh's eigenvalues are read: its VJP is eigvalsh's, exact forward-over-reverse
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the unused eigenvector tangent
        h = np.reshape(tg.hessian(f)(x), (x.size, x.size))
    assert_close(h, fd_jacobian(tg.grad(f), x), 1.0)


def test_the_reported_eigvalsh_hessian_row():
    f = DEGENERATE[0][1]
    h = tg.hessian(f)(np.zeros((2, 2))).reshape(4, 4)
    assert_close(h[1], fd_jacobian(tg.grad(f), np.zeros((2, 2)))[1])
    assert_close(h[1], [0.0, 1.0, 1.0, 0.0])


def test_third_order_spot_check_away_from_and_at_degeneracy():
    f = DEGENERATE[1][1]
    x = np.diag([1.0, 1.5, 2.0]) + 0.1 * spd((3, 3), seed=12)
    t = tg.jacfwd(tg.hessian(f))(x)
    want = fd_jacobian(tg.hessian(f), x).reshape(t.shape)
    assert_close(t, want, np.max(np.abs(want)))
    # at the repeated eigenvalue a third derivative is not available: NaN and a warning
    with pytest.warns(RuntimeWarning, match="does not exist"):
        t = tg.jacfwd(tg.hessian(f))(np.diag([1.0, 1.0, 2.0]))
    assert np.isnan(t).any()


@pytest.mark.parametrize("f, x, read", [
    (lambda x: np.linalg.eigvalsh(x)[0], np.eye(3), np.tril(np.ones((3, 3), bool))),
    (lambda a: np.linalg.svdvals(a)[0], _ROT, np.ones((2, 2), bool)),
    (lambda x: np.sum(np.linalg.eigh(x)[1][:, 0] * np.arange(3.0)), np.diag([1.0, 1.0, 2.0]),
     np.tril(np.ones((3, 3), bool))),
    (lambda a: np.sum(np.linalg.svd(a)[0] * np.arange(4.0).reshape(2, 2)), _ROT,
     np.ones((2, 2), bool)),
], ids=["eigvalsh_min", "svdvals_max", "eigh_vector", "svd_vector"])
def test_no_derivative_at_repeated_values_is_nan_with_a_warning(f, x, read):
    with pytest.warns(RuntimeWarning, match="repeated"):
        g = tg.grad(f)(x)
    assert np.isnan(g[read]).all()  # the triangle eigh/eigvalsh do not read has 0


def test_reverse_over_reverse_at_repeated_values_is_nan_with_a_warning():
    f = DEGENERATE[5][1]
    with pytest.warns(RuntimeWarning, match="forward-over-reverse"):
        h = tg.jacrev(tg.grad(f))(_ROT)
    assert np.isnan(h).any()
    x = rand((3, 3), seed=13)  # distinct singular values: reverse-over-reverse is exact
    want = fd_jacobian(tg.grad(f), x).reshape(3, 3, 3, 3)
    assert_close(tg.jacrev(tg.grad(f))(x), want, np.max(np.abs(want)))


# -- 2. one triangle read ------------------------------------------------------------------
_NONSYM = spd((3, 3), seed=14) + np.triu(rand((3, 3), seed=15), 1)  # lower triangle SPD
_W = rand((3, 3), seed=16)
TRIANGLE = [
    ("eigvalsh_L", lambda a: np.linalg.eigvalsh(a) @ _W[0], _NONSYM),
    ("eigvalsh_U", lambda a: np.linalg.eigvalsh(a, UPLO="U") @ _W[0], _NONSYM.T.copy()),
    ("eigh_L", lambda a: (lambda w, v: w @ _W[0] + np.sum(v * v * _W))(*np.linalg.eigh(a)),
     _NONSYM),
    ("eigh_U", lambda a: (lambda w, v: w @ _W[1] + np.sum(v * v * _W))(
        *np.linalg.eigh(a, UPLO="U")), _NONSYM.T.copy()),
    ("cholesky", lambda a: np.sum(np.linalg.cholesky(a) * _W), _NONSYM),
    ("cholesky_upper", lambda a: np.sum(np.linalg.cholesky(a, upper=True) * _W),
     _NONSYM.T.copy()),
]


@pytest.mark.parametrize("name, f, a", TRIANGLE, ids=[t[0] for t in TRIANGLE])
def test_derivative_is_of_the_triangle_numpy_reads(name, f, a):
    g = tg.grad(f)(a)
    want = fd_jacobian(f, a).reshape(a.shape)
    assert_close(g, want, np.max(np.abs(want)))
    unread = np.triu(np.ones((3, 3)), 1) if name.endswith("L") or name == "cholesky" \
        else np.tril(np.ones((3, 3)), -1)
    np.testing.assert_array_equal(g * unread, 0)
    # forward mode is the same function: a tangent in the unread triangle does nothing
    assert tg.jvp(f, (a,), (unread * rand((3, 3), seed=17),))[1] == 0
    v = rand((3, 3), seed=18)
    assert_close(tg.jvp(f, (a,), (v,))[1], np.sum(g * v), np.max(np.abs(g)))
    tg.check_grads(f, (a,), order=2)


# -- 3. complex eigh / eigvalsh / svd / nuclear norm -------------------------------------
def _z(shape, seed):
    return rand(shape, seed=seed) + 1j * rand(shape, seed=seed + 100)


def _svd_loss(full_matrices):
    def f(z):
        u, s, vh = np.linalg.svd(z, full_matrices=full_matrices)
        k = s.shape[-1]
        c = np.array([1.0, -0.7, 0.4, 0.2])[:k]
        usv = (u[..., :k] * c) @ vh[..., :k, :]  # the phases of u_i, v_i cancel
        return (np.sum(np.abs(u) ** 2 * rand(u.shape, seed=1)) + np.sum(s * s[..., :1])
                + np.sum(np.real(usv) * rand(usv.shape, seed=2))
                + np.sum(np.imag(usv) * rand(usv.shape, seed=3))
                + np.sum(np.abs(vh) ** 2 * rand(vh.shape, seed=4)))
    return f


COMPLEX = [(f"svd_{fm}_{s}", _svd_loss(fm), s) for s in [(3, 3), (2, 2, 2)]
           for fm in (True, False)]
COMPLEX += [(f"svd_reduced_{s}", _svd_loss(False), s) for s in [(4, 3), (3, 4), (2, 3, 4)]]
COMPLEX += [
    ("svdvals", lambda z: np.linalg.svd(z, compute_uv=False) @ np.array([1.0, -2.0, 0.5]),
     (4, 3)),
    ("svdvals_wide", lambda z: np.sum(np.linalg.svdvals(z) ** 3), (2, 3)),
    ("nuclear_norm", lambda z: np.linalg.norm(z, "nuc"), (3, 3)),
    ("nuclear_norm_stacked", lambda z: np.sum(np.linalg.matrix_norm(z, ord="nuc") ** 2),
     (2, 3, 2)),
    ("eigvalsh", lambda z: np.linalg.eigvalsh(z) @ np.array([1.0, -2.0, 0.5]), (3, 3)),
    ("eigvalsh_U", lambda z: np.sum(np.linalg.eigvalsh(z, UPLO="U") ** 3), (2, 3, 3)),
    ("eigh", lambda z: (lambda w, v: w @ np.array([0.3, 1.0, -1.0])
                        + np.sum(np.abs(v) ** 2 * rand((3, 3), seed=5)))(*np.linalg.eigh(z)),
     (3, 3)),
]


@pytest.mark.parametrize("name, f, shape", COMPLEX, ids=[c[0] for c in COMPLEX])
def test_complex_derivatives_match_finite_differences_in_both_directions(name, f, shape):
    z = _z(shape, seed=20)
    g = tg.grad(f)(z)  # dL/da - i dL/db
    want = fd_complex_grad(f, z)
    assert_close(g, want, np.max(np.abs(want)))
    v, w = _z(shape, seed=21), 0.7
    jv = tg.jvp(f, (z,), (v,))[1]  # <J v, w> = <v, J^T w> for a complex direction v
    assert_close(jv * w, np.real(np.sum(tg.vjp(f, z)[1](w)[0] * v)), abs(jv))
    assert_close(jv, (f(z + EPS * v) - f(z - EPS * v)) / (2 * EPS), abs(jv))
    hv = tg.jvp(tg.grad(f), (z,), (v,))[1]  # second order (distinct values)
    want2 = (tg.grad(f)(z + EPS * v) - tg.grad(f)(z - EPS * v)) / (2 * EPS)
    assert_close(hv, want2, np.max(np.abs(want2)))


# -- 4. lstsq under vmap ---------------------------------------------------------------------
@pytest.mark.parametrize("a_shape, b_shape", [((4, 2), (4,)), ((5, 3), (5, 2)), ((2, 3), (2,))])
def test_lstsq_under_vmap_equals_stacking(a_shape, b_shape):
    a = rand((3,) + a_shape, seed=30)
    b = rand((3,) + b_shape, seed=31)
    got = tg.vmap(np.linalg.lstsq)(a, b)
    for k in range(4):
        want = np.stack([np.linalg.lstsq(x, y)[k] for x, y in zip(a, b)])
        np.testing.assert_allclose(got[k], want, **tol("composed"))

    def loss(a, b):
        return np.sum(tg.vmap(lambda x, y: np.linalg.lstsq(x, y)[0])(a, b) ** 2)
    g = tg.grad(loss)(a, b)
    want = fd_jacobian(lambda a: loss(a, b), a).reshape(a.shape)
    assert_close(g, want, np.max(np.abs(want)))


def test_lstsq_under_vmap_with_mixed_ranks_says_why():
    a = np.stack([rand((4, 2)), np.ones((4, 2))])
    with pytest.raises(np.linalg.LinAlgError, match="rank 2 in some examples"):
        tg.vmap(np.linalg.lstsq)(a, rand((2, 4)))
    x = tg.vmap(lambda a, b: np.linalg.pinv(a) @ b)(a, rand((2, 4)))  # the suggested way
    np.testing.assert_allclose(x[1], np.linalg.lstsq(a[1], rand((2, 4))[1])[0], **tol("composed"))
