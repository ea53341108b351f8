"""numpy/_interpolation.py through the shared harness: interp, linspace, arange, meshgrid
and block; interp's slopes at knots, arange and linspace inside the transforms."""
import numpy as np
import pytest
from harness import Case, both, case_id, check_case, rand

import tangents as tg
import tangents.numpy as tnp

_XP = np.array([-1.0, -0.2, 0.5, 1.5])
CASES = [
    both("interp", lambda m, x, xp, fp: m.interp(x, xp, fp), rand((2, 3)), _XP,
         rand((4,), seed=2)),
    both("interp-left-right", lambda m, x, fp: m.interp(x, _XP, fp, left=-3.0, right=5.0),
         rand((6,)), rand((4,), seed=2)),
    both("interp-period", lambda m, x, fp: m.interp(x, _XP, fp, period=3.0), rand((5,)),
         rand((4,), seed=2)),
    both("interp-1pt", lambda m, x, fp: m.interp(x, np.array([0.3]), fp), rand((3,)),
         rand((1,), seed=2)),
    both("linspace", lambda m, a, b: m.linspace(a, b, 5), rand(()), rand((), seed=1)),
    both("linspace-arrays", lambda m, a, b: m.linspace(a, b, 4, endpoint=False, axis=-1),
         rand((2,)), rand((3, 1), seed=1)),
    both("linspace-retstep", lambda m, a, b: m.linspace(a, b, 3, retstep=True), rand(()),
         rand((), seed=1)),
    both("linspace-num1", lambda m, a, b: m.linspace(a, b, 1), rand(()), rand((), seed=1)),
    Case("arange", lambda a, s: tnp.arange(a, 3.0, s), (np.array(0.3), np.array(0.7)),
         np_fun=lambda a, s: np.arange(a, 3.0, s)),
    both("meshgrid", lambda m, x, y: m.meshgrid(x, y), rand((2,)), rand((3,), seed=1)),
    both("meshgrid-ij-sparse", lambda m, x, y, z: m.meshgrid(x, y, z, indexing="ij", sparse=True),
         rand((2,)), rand((3,), seed=1), rand((1,), seed=2)),
    both("block", lambda m, a, b: m.block([[a, b[:, :1]], [b[:1, :2], b[:1, :1]]]), rand((2, 2)),
         rand((2, 3), seed=1)),
    both("block-1d", lambda m, a, b: m.block([a, b, 1.0]), rand((2,)), rand((), seed=1)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_interpolation_rule(case):
    check_case(case)


def test_interp_slope_at_knots_and_outside():
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    g = tg.elementwise_grad(lambda x: tnp.interp(x, xp, fp))(np.array([-1.0, 0.0, 1.0, 3.0, 4.0]))
    np.testing.assert_array_equal(g, [0.0, 2.0, 0.5, 0.5, 0.0])


def test_arange_and_linspace_in_transforms():
    g = tg.grad(lambda s: tnp.sum(tnp.arange(s, 4.0, 1.5)))(np.float32(1.0))
    assert g == 2.0 and g.dtype == np.float32
    out = tg.vmap(lambda s: tnp.arange(s, 4.0, 1.0))(np.array([0.5, 0.7]))
    np.testing.assert_allclose(out, [np.arange(0.5, 4.0), np.arange(0.7, 4.0)])
    with pytest.raises(ValueError, match="ragged"):
        tg.vmap(lambda s: tnp.arange(s, 4.0, 1.0))(np.array([0.5, 2.0]))
    jac = tg.jacrev(lambda ab: tnp.linspace(ab[0], ab[1], 5))(np.array([0.0, 1.0]))
    t = np.linspace(0, 1, 5)
    np.testing.assert_allclose(jac, np.stack([1 - t, t], axis=1))


def test_linspace_endpoints_of_different_shapes():
    s = np.array([0.5, 0.1])
    np.testing.assert_allclose(tnp.linspace(s, 1.0, 4), np.linspace(s, 1.0, 4))
    tg.check_grads(lambda s, t: tnp.linspace(s, t, 5), (s, 2.0), order=2)
    tg.check_grads(lambda s, t: tnp.linspace(t, s, 5, axis=-1), (s, 2.0), order=2)
