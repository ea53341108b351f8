"""NumPy's ufunc methods (reduce, accumulate, outer) on traced values, against NumPy's own
values, with derivatives through the shared harness."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand

import tangents as tg

X = rand((3, 4))
Y = rand((2, 3), seed=1)

CASES = [
    Case("add.reduce", lambda x: np.add.reduce(x), (X,)),
    Case("add.reduce(axis=1,keepdims)", lambda x: np.add.reduce(x, axis=1, keepdims=True), (X,)),
    Case("add.reduce(axis=None)", lambda x: np.add.reduce(x, axis=None), (X,)),
    Case("add.reduce(initial,where)",
         lambda x: np.add.reduce(x, axis=-1, initial=1.5, where=np.array([1, 0, 1, 1], bool)),
         (X,)),
    Case("multiply.reduce", lambda x: np.multiply.reduce(x, axis=1), (X,)),
    Case("maximum.reduce", lambda x: np.maximum.reduce(x, axis=0), (X,)),
    Case("minimum.reduce(keepdims)", lambda x: np.minimum.reduce(x, axis=-1, keepdims=True),
         (X,)),
    Case("fmax.reduce", lambda x: np.fmax.reduce(x), (X,)),
    Case("subtract.reduce", lambda x: np.subtract.reduce(x, axis=1), (X,)),
    Case("subtract.reduce(axis=0,keepdims)",
         lambda x: np.subtract.reduce(x, axis=0, keepdims=True), (X,)),
    Case("divide.reduce", lambda x: np.divide.reduce(x + 3.0, axis=-1), (X,)),
    Case("add.accumulate", lambda x: np.add.accumulate(x, axis=1), (X,)),
    Case("multiply.accumulate", lambda x: np.multiply.accumulate(x), (X,)),
    Case("multiply.outer", lambda x, y: np.multiply.outer(x, y), (X, Y)),
    Case("subtract.outer", lambda x, y: np.subtract.outer(x[0], y), (X, Y)),
    Case("hypot.outer", lambda x, y: np.hypot.outer(x[:, 0], y[0]), (X, Y)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_ufunc_methods(case):
    got = tg.vjp(case.fun, *case.args)[0]
    np.testing.assert_allclose(got, case.fun(*case.args), rtol=1e-13)
    check_case(case)


def test_unsupported_method_names_itself():
    with pytest.raises(tg.NoDerivativeRuleError, match=r"numpy\.logaddexp\.reduce"):
        tg.grad(lambda x: np.logaddexp.reduce(x))(np.ones(3))
    with pytest.raises(TypeError, match="out="):
        tg.grad(lambda x: np.add.reduce(x, out=np.zeros(())))(np.ones(3))
