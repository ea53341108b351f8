"""numpy/_logic.py: comparisons and type tests give NumPy's plain results inside grad
and vmap."""
import numpy as np
import pytest
from harness import check_plain_result, rand

_X = rand((3, 4))
PLAIN = [  # (name, function of a float array with a plain result)
    ("allclose", lambda x: np.allclose(x, x + 1e-9)),
    ("isclose", lambda x: np.isclose(x, np.round(x, 1), atol=0.03)),  # not a test tolerance
    ("array_equal", lambda x: np.array_equal(x, x)),
    ("array_equiv", lambda x: np.array_equiv(x, x[:1])),
    ("isneginf", lambda x: np.isneginf(x / (x > 0))),
    ("isposinf", lambda x: np.isposinf(x / (x > 0))),
    ("isreal", np.isreal),
    ("iscomplex", np.iscomplex),
    ("iscomplexobj", np.iscomplexobj),
    ("isrealobj", np.isrealobj),
]


@pytest.mark.parametrize("name,fn", PLAIN, ids=[p[0] for p in PLAIN])
def test_plain_results_in_grad_and_vmap(name, fn):
    check_plain_result(fn, _X)
