"""Non-symmetric eig/eigvals and linalg.cross (numpy/linalg/_eig.py) through the shared
harness, and the eigenvalue perturbation formula."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand, tol

import tangents as tg
import tangents.numpy as tnp

_REAL_SPECTRUM = np.array([[2.0, 0.3, 0.1], [0.2, -1.0, 0.4], [0.15, 0.5, 0.5]])
_COMPLEX_SPECTRUM = np.array([[0.5, -2.0, 0.1], [1.5, 0.3, 0.2], [0.1, 0.4, 1.0]])


def _eig_parts(a):
    w, v = tnp.linalg.eig(a) if hasattr(tnp.linalg, "eig") else np.linalg.eig(a)
    return tnp.real(w), tnp.imag(w), tnp.absolute(v)  # |v| is phase-invariant


CASES = [
    Case("linalg.cross", lambda a, b: np.linalg.cross(a, b), (rand((2, 3)), rand((3,), seed=1))),
    Case("eig-real", lambda a: tuple(np.linalg.eig(a)), (_REAL_SPECTRUM,)),
    Case("eigvals-real", lambda a: np.linalg.eigvals(a), (_REAL_SPECTRUM,),
         np_fun=np.linalg.eigvals),
    Case("eig-complex", lambda a: _eig_parts(a), (_COMPLEX_SPECTRUM,), vmap=False),
    Case("eig-batched", lambda a: _eig_parts(a), (np.stack([_COMPLEX_SPECTRUM,
                                                           _REAL_SPECTRUM]),)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_eig_rule(case):
    check_case(case)


def test_eig_derivative_of_eigenvalues_matches_the_perturbation_formula():
    a = _COMPLEX_SPECTRUM
    w, v = np.linalg.eig(a)
    da = rand((3, 3), seed=4)
    _, dw = tg.jvp(lambda a: np.linalg.eigvals(a), (a,), (da,))
    np.testing.assert_allclose(dw, np.diag(np.linalg.solve(v, da @ v)), **tol("composed"))
    # reverse: grad of sum(real(w)) = trace is the identity
    np.testing.assert_allclose(tg.grad(lambda a: tnp.sum(tnp.real(np.linalg.eigvals(a))))(a),
                               np.eye(3), **tol("composed"))
