"""numpy/_scalar_math.py through the shared harness: sinc, i0, round/around and
nan_to_num, plus i0's derivative against SciPy's i1 to ~1e-13 and sinc's at 0."""
import functools

import numpy as np
import pytest
from harness import both, case_id, check_case, rand, tol

import tangents as tg
import tangents.numpy as tnp

P = functools.partial

CASES = [
    both("sinc", lambda m, x: m.sinc(x), rand((2, 3))),
    both("sinc-near-0", lambda m, x: m.sinc(x),
         np.array([0.0, 1e-8, -3e-4, 0.05, 0.159, 0.16, -0.2, 1.0])),
    both("i0", lambda m, x: m.i0(x), rand((2, 3), -12.0, 12.0)),
    both("i0-large", lambda m, x: m.i0(x), np.array([-35.0, 29.5, 30.5, 60.0]), **tol("fd")),
    both("round", lambda m, x: m.round(x, 1), rand((2, 3))),
    both("around", lambda m, x: m.around(x), rand((3,))),
]

_NONFINITE = np.array([np.nan, np.inf, 0.0, -np.inf, 0.0])


def _nan_to_num(m, x, pattern=_NONFINITE, **kw):
    src = (np.where if m is np else tnp.where)(np.isfinite(pattern), x, pattern)
    return m.nan_to_num(src, **kw)


# (the default replacement of inf, the largest float, swamps finite differences)
CASES += [
    both("nan_to_num", P(_nan_to_num, pattern=np.array([0.0, np.nan, 0.0, np.nan])),
         rand((4,))),
    both("nan_to_num-values",
         lambda m, x: _nan_to_num(m, x, nan=2.0, posinf=1.0, neginf=-4.0),
         rand((5,))),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_scalar_math_rule(case):
    check_case(case)


def test_i0_derivative_is_i1_to_1e13():
    special = pytest.importorskip("scipy.special")
    x = np.concatenate([np.linspace(-40, 40, 801), [0.0, 1e-10, 29.999, 30.0, 30.001, 300.0]])
    g = tg.elementwise_grad(tnp.i0)(x)
    np.testing.assert_allclose(g, special.i1(x), **tol("exact"))
    h = tg.elementwise_grad(tg.elementwise_grad(tnp.i0))(x)
    nz = x != 0
    i1p = special.i0(x[nz]) - special.i1(x[nz]) / x[nz]
    np.testing.assert_allclose(h[nz], i1p, **tol("roundoff"))
    assert (h[~nz] == 0.5).all()


def test_sinc_derivatives_at_zero():
    d1 = tg.grad(tnp.sinc)(0.0)
    d2 = tg.grad(tg.grad(tnp.sinc))(0.0)
    d4 = tg.grad(tg.grad(tg.grad(tg.grad(tnp.sinc))))(0.0)
    assert d1 == 0.0
    np.testing.assert_allclose(d2, -np.pi ** 2 / 3, **tol("roundoff"))
    np.testing.assert_allclose(d4, np.pi ** 4 / 5, **tol("roundoff"))


def test_zero_derivative_at_replaced_and_rounded_entries():
    x = np.array([np.nan, 1.0, np.inf, -2.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tnp.sum(tnp.nan_to_num(x)))(x),
                                  [0.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tnp.sum(np.round(x) * x))(x[1::2]),
                                  np.round(x[1::2]))
