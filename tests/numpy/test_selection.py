"""Selection (numpy/_selection.py) through the shared harness: select, choose, compress,
extract and partition (argpartition's plain integers: test_extras.py)."""
import functools

import numpy as np
import pytest
from harness import Case, case_id, check_case, rand

import tangents.numpy as tnp

P = functools.partial

CASES = [
    Case("select", lambda x, y: tnp.select([x > 0.5, x < -1], [x, y * y], 7.0),
         (rand((2, 3)), rand((3,), seed=1)),
         np_fun=lambda x, y: np.select([x > 0.5, x < -1], [x, y * y], 7.0)),
    Case("choose", lambda x, y: tnp.choose(np.array([[0, 1, 2]]), [x, y, 2 * x]),
         (rand((2, 3)), rand((3,), seed=1)),
         np_fun=lambda x, y: np.choose(np.array([[0, 1, 2]]), [x, y, 2 * x])),
    Case("choose-wrap", lambda x: tnp.choose(np.array([3, -1, 0]), x, mode="wrap"),
         (rand((2, 3)),), np_fun=lambda x: np.choose(np.array([3, -1, 0]), x, mode="wrap")),
    Case("compress", P(tnp.compress, [True, False, True], axis=-1), (rand((2, 3)),),
         np_fun=P(np.compress, [True, False, True], axis=-1)),
    Case("compress-flat", P(tnp.compress, [False, True]), (rand((2, 3)),),
         np_fun=P(np.compress, [False, True])),
    Case("extract", P(tnp.extract, np.arange(6).reshape(2, 3) % 2), (rand((2, 3)),),
         np_fun=P(np.extract, np.arange(6).reshape(2, 3) % 2)),
    Case("partition", P(tnp.partition, kth=2), (rand((5,)),), np_fun=P(np.partition, kth=2)),
    Case("partition-axis0", P(tnp.partition, kth=[0, 2], axis=0), (rand((4, 2)),),
         np_fun=P(np.partition, kth=[0, 2], axis=0)),
    Case("partition-None", P(tnp.partition, kth=1, axis=None), (rand((2, 3)),),
         np_fun=P(np.partition, kth=1, axis=None)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_selection_rule(case):
    check_case(case)
