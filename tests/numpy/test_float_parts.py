"""numpy/_float_parts.py through the shared harness: modf, frexp, ldexp, divmod, fix and
spacing; their piecewise-constant parts are plain inside grad and vmap."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, check_plain_result, rand

import tangents.numpy as tnp

CASES = [
    Case("divmod-remainder", lambda x, y: tnp.divmod(x, y)[1],
         (rand((2, 3), 0.1, 0.9), rand((3,), 1.2, 2.0, seed=1)),
         np_fun=lambda x, y: np.divmod(x, y)[1]),
    Case("divmod", tnp.divmod, (rand((3,), 2.1, 2.9), rand((3,), 1.2, 2.0, seed=1)),
         np_fun=np.divmod),
    Case("modf", tnp.modf, (rand((2, 3)),), np_fun=np.modf),
    Case("frexp", tnp.frexp, (rand((2, 3), -9.0, 9.0),), np_fun=np.frexp),
    Case("ldexp", lambda x: tnp.ldexp(x, np.array([1, -2, 3])), (rand((2, 3)),),
         np_fun=lambda x: np.ldexp(x, np.array([1, -2, 3]))),
    Case("spacing", lambda x: tnp.spacing(x) * 1e15 + x, (rand((3,)),),
         np_fun=lambda x: np.spacing(x) * 1e15 + x),
    Case("fix", lambda x: tnp.fix(x) * x, (rand((4,)),), np_fun=lambda x: np.fix(x) * x),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_float_parts_rule(case):
    check_case(case)


_X = rand((3, 4))
PLAIN = [  # (name, function of a float array with a plain result)
    ("divmod-quotient", lambda x: np.divmod(x, 0.7)[0]),
    ("frexp-exponent", lambda x: np.frexp(x)[1]),
    ("spacing", np.spacing),
]


@pytest.mark.parametrize("name,fn", PLAIN, ids=[p[0] for p in PLAIN])
def test_plain_parts_in_grad_and_vmap(name, fn):
    check_plain_result(fn, _X)
