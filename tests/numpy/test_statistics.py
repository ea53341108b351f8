"""Statistics (numpy/_statistics.py) through the shared harness: ptp, average, cov, corrcoef
and trapezoid, differentiable in the data, weights and sample points."""
import functools

import numpy as np
import pytest
from harness import Case, case_id, check_case, positive, rand

import tangents.numpy as tnp

P = functools.partial
_W4 = np.array([1.0, 2.0, 0.5, 3.0])

CASES = [
    Case("ptp", tnp.ptp, (rand((5,)),), np_fun=np.ptp),
    Case("ptp-axis-kd", P(tnp.ptp, axis=-1, keepdims=True), (rand((2, 3)),),
         np_fun=P(np.ptp, axis=-1, keepdims=True)),
    Case("average", tnp.average, (rand((2, 3)),), np_fun=np.average),
    Case("average-weights-axis", P(tnp.average, axis=-1, weights=_W4), (rand((3, 4)),),
         np_fun=P(np.average, axis=-1, weights=_W4)),
    Case("average-traced-weights", lambda a, w: tnp.average(a, axis=0, weights=w,
                                                            returned=True),
         (rand((3, 2)), positive((3,), seed=1)),
         np_fun=lambda a, w: np.average(a, axis=0, weights=w, returned=True)),
    Case("average-kd", P(tnp.average, axis=(0, 2), keepdims=True), (rand((2, 1, 4)),),
         np_fun=P(np.average, axis=(0, 2), keepdims=True)),
    Case("cov", tnp.cov, (rand((3, 5)),), np_fun=np.cov),
    Case("cov-1d", tnp.cov, (rand((5,)),), np_fun=np.cov),
    Case("cov-y-cols-bias", lambda m, y: tnp.cov(m, y, rowvar=False, bias=True),
         (rand((5, 2)), rand((5,), seed=1)),
         np_fun=lambda m, y: np.cov(m, y, rowvar=False, bias=True)),
    Case("cov-aweights", lambda m, w: tnp.cov(m, aweights=w, fweights=np.array([1, 2, 1, 1])),
         (rand((2, 4)), positive((4,), seed=2)),
         np_fun=lambda m, w: np.cov(m, aweights=w, fweights=np.array([1, 2, 1, 1]))),
    Case("corrcoef", tnp.corrcoef, (rand((3, 5)),), np_fun=np.corrcoef),
    Case("corrcoef-xy", tnp.corrcoef, (rand((4,)), rand((4,), seed=1)), np_fun=np.corrcoef),
    Case("trapezoid", tnp.trapezoid, (rand((5,)),), np_fun=np.trapezoid),
    Case("trapezoid-x-axis", lambda y, x: tnp.trapezoid(y, x, axis=0),
         (rand((4, 2)), rand((4,), seed=1)), np_fun=lambda y, x: np.trapezoid(y, x, axis=0)),
    Case("trapezoid-xnd-dx", lambda y, x: tnp.trapezoid(y, x), (rand((2, 3)), rand((2, 3), 1)),
         np_fun=np.trapezoid),
    Case("trapezoid-dx", lambda y, dx: tnp.trapezoid(y, dx=dx, axis=-2),
         (rand((3, 2)), positive(())), np_fun=lambda y, dx: np.trapezoid(y, dx=dx, axis=-2)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_statistics_rule(case):
    check_case(case)


def test_trapz_follows_the_installed_numpy():
    assert hasattr(tnp, "trapz") == hasattr(np, "trapz")  # deprecated in NumPy 2.0-2.3
