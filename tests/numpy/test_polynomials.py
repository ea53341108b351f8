"""numpy/_polynomials.py through the shared harness: poly, polyadd/sub/mul/der/int/div,
polyfit, roots, polyval, convolve and correlate."""
import functools
import warnings

import numpy as np
import pytest
from harness import Case, both, case_id, check_case, positive, rand

import tangents.numpy as tnp

P = functools.partial

CASES = [
    Case("poly", tnp.poly, (rand((3,)),), np_fun=np.poly),
    Case("polyadd", tnp.polyadd, (rand((3,)), rand((1,), seed=1)), np_fun=np.polyadd),
    Case("polysub", tnp.polysub, (rand((2,)), rand((4,), seed=1)), np_fun=np.polysub),
    Case("polymul", tnp.polymul, (rand((3,)), rand((2,), seed=1)), np_fun=np.polymul),
    Case("polyder", P(tnp.polyder, m=2), (rand((4,)),), np_fun=P(np.polyder, m=2)),
    Case("polyint", lambda p, k: tnp.polyint(p, 2, k), (rand((3,)), rand((2,), seed=1)),
         np_fun=lambda p, k: np.polyint(p, 2, k)),
    Case("polydiv", tnp.polydiv, (rand((4,)), positive((2,), seed=1)), np_fun=np.polydiv,
         vmap=False),
    Case("polyfit", lambda x, y: tnp.polyfit(x, y, 2), (np.arange(5.0) + rand((5,)) * 0.1,
                                                       rand((5,), seed=1)),
         np_fun=lambda x, y: np.polyfit(x, y, 2)),
    Case("polyfit-2d-w", lambda y, w: tnp.polyfit(np.arange(4.0), y, 1, w=w),
         (rand((4, 2)), positive((4,), seed=1)),
         np_fun=lambda y, w: np.polyfit(np.arange(4.0), y, 1, w=w)),
    Case("polyfit-cov", lambda y: tnp.polyfit(np.arange(5.0), y, 1, cov=True),
         (rand((5,)),), np_fun=lambda y: np.polyfit(np.arange(5.0), y, 1, cov=True),
         vmap=False),
    Case("roots-real", tnp.roots, (np.array([1.0, -6.0, 11.0, -6.0]) + rand((4,)) * 0.01,),
         np_fun=np.roots, vmap=False),
    Case("roots-complex", lambda p: (tnp.real(tnp.roots(p)), tnp.imag(tnp.roots(p))),
         (np.array([1.0, 0.5, 2.0]) + rand((3,)) * 0.1,),
         np_fun=lambda p: (np.roots(p).real, np.roots(p).imag), vmap=False),
    both("polyval", lambda m, p, x: m.polyval(p, x), rand((4,)), rand((2, 3), seed=1)),
    both("polyval-0d", lambda m, p, x: m.polyval(p, x), rand((2,)), rand((), seed=1)),
]
for mode in ("full", "same", "valid"):
    CASES += [both(f"convolve-{mode}", lambda m, a, v, mode=mode: m.convolve(a, v, mode),
                   rand((5,)), rand((3,), seed=1)),
              both(f"convolve-{mode}-swap", lambda m, a, v, mode=mode: m.convolve(a, v, mode),
                   rand((2,)), rand((4,), seed=1)),
              both(f"correlate-{mode}", lambda m, a, v, mode=mode: m.correlate(a, v, mode),
                   rand((5,)), rand((2,), seed=1)),
              both(f"correlate-{mode}-swap", lambda m, a, v, mode=mode: m.correlate(a, v, mode),
                   rand((3,)), rand((4,), seed=1))]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_polynomials_rule(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        check_case(case)
