"""numpy/_matrices.py through the shared harness: triangles and their index helpers,
diagonals, vander, cross, matvec and vecmat; and NumPy's errors."""
import warnings

import numpy as np
import pytest
from harness import Case, both, case_id, check_case, rand

import tangents.numpy as tnp

CASES = [
    both("tril", lambda m, x: m.tril(x), rand((3, 3))),
    both("tril-k", lambda m, x: m.tril(x, -1), rand((2, 3, 4))),
    both("triu-k", lambda m, x: m.triu(x, 1), rand((3, 2))),
    both("triu-1d", lambda m, x: m.triu(x), rand((3,))),
    Case("tril_indices_from", lambda x: x[tnp.tril_indices_from(x)] ** 2, (rand((3, 3)),),
         np_fun=lambda x: x[np.tril_indices_from(x)] ** 2),
    Case("triu_indices_from", lambda x: x[np.triu_indices_from(x, 1)] ** 2, (rand((3, 4)),),
         np_fun=lambda x: x[np.triu_indices_from(x, 1)] ** 2),
    Case("diag_indices_from", lambda x: tnp.exp(x[np.diag_indices_from(x)]), (rand((3, 3)),),
         np_fun=lambda x: np.exp(x[np.diag_indices_from(x)])),
    both("diag-1d", lambda m, x: m.diag(x), rand((3,))),
    both("diag-1d-k", lambda m, x: m.diag(x, 2), rand((3,))),
    both("diag-1d-negk", lambda m, x: m.diag(x, -1), rand((2,))),
    both("diag-2d", lambda m, x: m.diag(x, -1), rand((3, 4))),
    both("diagflat", lambda m, x: m.diagflat(x, 1), rand((2, 2))),
    both("vander", lambda m, x: m.vander(x), rand((3,))),
    both("vander-N-inc", lambda m, x: m.vander(x, 4, increasing=True), rand((2,))),
    both("vander-N1", lambda m, x: m.vander(x, 1), rand((2,))),
    both("cross-3", lambda m, a, b: m.cross(a, b), rand((2, 3)), rand((3,), seed=1)),
    both("cross-axes", lambda m, a, b: m.cross(a, b, axisa=0, axisb=-1, axisc=0),
         rand((3, 2)), rand((2, 3), seed=1)),
    Case("matvec", tnp.matvec, (rand((2, 3, 4)), rand((4,), seed=1)),
         np_fun=lambda a, v: np.einsum("...ij,...j->...i", a, v)),
    Case("vecmat", tnp.vecmat, (rand((3,)), rand((2, 3, 4), seed=1)),
         np_fun=lambda v, a: np.einsum("...i,...ij->...j", v, a)),
]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:  # 2-element vectors: deprecated in NumPy 2.0, removed in 2.5
        np.cross(np.ones(2), np.ones(2))
        CASES += [both("cross-2", lambda m, a, b: m.cross(a, b), rand((2, 2)),
                       rand((2,), seed=1)),
                  both("cross-2-3", lambda m, a, b: m.cross(a, b), rand((2,)),
                       rand((3,), seed=1))]
    except ValueError:
        pass


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_matrices_rule(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        check_case(case)


def test_errors_match_numpy():
    with pytest.raises(ValueError, match="dimension must be 2 or 3"):
        tnp.cross(np.ones(4), np.ones(3))
