"""tangents.scipy.linalg's structured solves, logm and polar (scipy/_linalg_more.py) through
the shared harness (values against SciPy, derivatives to order 2 in both modes, float32,
vmap), plus identities that check the derivatives another way."""
import warnings

import numpy as np
import pytest

sl = pytest.importorskip("scipy.linalg")

from harness import Case, case_id, check_case, rand, tol  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.scipy.linalg as tsl  # noqa: E402

C, R = np.array([4.0, 1.0, 0.5, 0.2]), np.array([9.0, 0.7, 0.3, 0.1])  # r[0] is ignored
AB = np.array([[0.0, 0.5, 0.3, 0.2], [3.0, 4.0, 3.5, 3.2], [0.4, 0.6, 0.2, 0.0]])
ABH = AB[:2].copy()
LOW2 = np.array([AB[1], AB[2], [0.1, 0.2, 0.0, 0.0]])  # diagonal, two below
A = np.eye(3) * 1.5 + 0.2 * np.random.default_rng(0).standard_normal((3, 3))

CASES = []
for b in (rand((4,), seed=1), rand((4, 2), seed=2)):
    CASES += [
        Case("solve_toeplitz", lambda c, r, b: tsl.solve_toeplitz((c, r), b), (C, R, b),
             np_fun=lambda c, r, b: sl.solve_toeplitz((c, r), b)),
        Case("solve_toeplitz[c]", tsl.solve_toeplitz, (C, b), np_fun=sl.solve_toeplitz),
        Case("solve_circulant", tsl.solve_circulant, (C, b), np_fun=sl.solve_circulant),
        Case("solve_banded", lambda ab, b: tsl.solve_banded((1, 1), ab, b), (AB, b),
             np_fun=lambda ab, b: sl.solve_banded((1, 1), ab, b)),
        Case("solve_banded[l=2,u=0]", lambda ab, b: tsl.solve_banded((2, 0), ab, b),
             (LOW2, b), np_fun=lambda ab, b: sl.solve_banded((2, 0), ab, b)),
        Case("solveh_banded", tsl.solveh_banded, (ABH, b), np_fun=sl.solveh_banded),
        Case("solveh_banded[lower]", lambda ab, b: tsl.solveh_banded(ab, b, lower=True),
             (ABH[::-1].copy(), b), np_fun=lambda ab, b: sl.solveh_banded(ab, b, lower=True)),
    ]
CASES += [Case("logm", tsl.logm, (A,), np_fun=sl.logm, float32=False),
          Case("logm[1x1]", tsl.logm, (np.array([[2.0]]),), np_fun=sl.logm, float32=False),
          Case("polar", tsl.polar, (A,), np_fun=sl.polar),
          Case("polar[left]", lambda a: tsl.polar(a, "left"), (A,),
               np_fun=lambda a: sl.polar(a, "left")),
          Case("polar[tall]", tsl.polar, (rand((4, 2), seed=3),), np_fun=sl.polar)]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_linalg_more_rule(case):
    check_case(case)


def test_logm_float32_keeps_its_dtype_and_derivative():
    # SciPy warns that its float32 logm is inaccurate (~1e-7): the harness's float32 check
    # compares with float64 derivatives at its float32 tolerance here, without the warning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        g32 = tg.grad(lambda a: tg.numpy.sum(tsl.logm(a) ** 2))(A.astype(np.float32))
    g64 = tg.grad(lambda a: tg.numpy.sum(tsl.logm(a) ** 2))(A)
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, g64, **tol("derivative", np.float32))


def test_logm_derivative_inverts_the_expm_frechet_derivative():
    # expm(logm(A)) = A, so L_exp(logm A, L_log(A, E)) = E
    e = rand((3, 3), seed=4)
    log_a, d = tg.jvp(tsl.logm, (A,), (e,))
    np.testing.assert_allclose(sl.expm_frechet(log_a, d, compute_expm=False), e,
                               **tol("composed"))
    tg.check_grads(tsl.logm, (A,), order=3)


def test_structured_solves_match_the_dense_solve_derivative():
    # the band cotangent is the band of -A^-T ct x^T
    b, ct = rand((4,), seed=5), rand((4,), seed=6)
    x, pull = tg.vjp(lambda ab: tsl.solve_banded((1, 1), ab, b), AB)
    a_dense = np.diag(AB[1]) + np.diag(AB[0, 1:], 1) + np.diag(AB[2, :-1], -1)
    g = -np.linalg.solve(a_dense.T, ct)[:, None] * x[None, :]
    want = np.array([np.r_[0.0, np.diag(g, 1)], np.diag(g), np.r_[np.diag(g, -1), 0.0]])
    np.testing.assert_allclose(pull(ct)[0], want, **tol("roundoff"))


def test_errors():
    g = lambda f: tg.grad(lambda x: tg.numpy.sum(f(x)))  # noqa: E731
    with pytest.raises(ValueError, match=r"solve_banded: ab has 3 rows; \(l, u\) = \(1, 0\)"):
        g(lambda ab: tsl.solve_banded((1, 0), ab, np.ones(4)))(AB)
    with pytest.raises(ValueError, match="polar: side must be"):
        tsl.polar(A, "up")
    with pytest.raises(NotImplementedError, match="solve_circulant: derivatives take a 1-d c"):
        g(lambda c: tsl.solve_circulant(c, np.ones((2, 4)), caxis=0, baxis=1))(np.ones((4, 2)))
