"""numpy/_differences.py through the shared harness: diff, ediff1d, gradient (uniform and
coordinate spacings, both edge orders) and unwrap; and NumPy's errors."""
import numpy as np
import pytest
from harness import Case, both, case_id, check_case, rand

import tangents.numpy as tnp

CASES = [
    both("diff", lambda m, x: m.diff(x), rand((4,))),
    both("diff-n2-axis0", lambda m, x: m.diff(x, 2, axis=0), rand((4, 3))),
    both("diff-prepend-append", lambda m, x, a: m.diff(x, prepend=1.5, append=a, axis=-2),
         rand((2, 3)), rand((1, 3), seed=1)),
    both("diff-empty", lambda m, x: m.diff(x, axis=0), rand((0, 3))),
    both("diff-n0", lambda m, x: m.diff(x, 0), rand(())),
    both("ediff1d", lambda m, x, b: m.ediff1d(x, to_begin=b, to_end=[1.0, 2.0]),
         rand((2, 3)), rand((), seed=1)),
    both("gradient-1d", lambda m, f: m.gradient(f), rand((5,))),
    both("gradient-2d-spacing", lambda m, f: m.gradient(f, 0.5, 2.0), rand((3, 4))),
    both("gradient-edge2", lambda m, f: m.gradient(f, 0.3, axis=-1, edge_order=2), rand((2, 4))),
    both("gradient-coords", lambda m, f, c: m.gradient(f, c, edge_order=2, axis=0),
         rand((4, 2)), np.array([0.0, 0.4, 1.3, 1.7])),
    both("gradient-coords-e1", lambda m, f, c: m.gradient(f, c), rand((4,)),
         np.array([0.0, 0.4, 1.3, 1.7])),
    Case("unwrap", lambda x: tnp.unwrap(3 * x), (rand((6,)),), np_fun=lambda x: np.unwrap(3 * x)),
    Case("unwrap-axis-period", lambda x: tnp.unwrap(4 * x, axis=0, period=3.0),
         (rand((4, 2)),), np_fun=lambda x: np.unwrap(4 * x, axis=0, period=3.0)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_differences_rule(case):
    check_case(case)


def test_errors_match_numpy():
    with pytest.raises(ValueError, match="at least one dimensional"):
        tnp.diff(np.array(1.0))
    with pytest.raises(ValueError, match="too small"):
        tnp.gradient(np.ones(2), edge_order=2)
