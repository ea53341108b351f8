"""apply_along_axis, apply_over_axes and vectorize through vmap."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand

import tangents as tg
import tangents.numpy as tnp

ROW_FUNS = [("sum_sq", lambda r: tnp.sum(r * r)), ("scale", lambda r: tnp.sin(r) * 2.0)]

CASES = [Case(f"apply_along_axis[{name},axis={axis}]",
              lambda x, f=f, axis=axis: tnp.apply_along_axis(f, axis, x), (rand((2, 3, 4)),),
              np_fun=lambda x, f=f, axis=axis: np.apply_along_axis(f, axis, x))
         for name, f in ROW_FUNS for axis in (0, 1, -1)]
CASES += [Case("vectorize[scalar]", tnp.vectorize(lambda a, b: tnp.sin(a) * b),
               (rand((2, 3)), rand((3,), seed=1)),
               np_fun=np.vectorize(lambda a, b: np.sin(a) * b)),
          Case("vectorize[signature]",
               tnp.vectorize(lambda u, v: tnp.sum(u * v) ** 2, signature="(n),(n)->()"),
               (rand((4, 3)), rand((3,), seed=1)),
               np_fun=np.vectorize(lambda u, v: np.sum(u * v) ** 2, signature="(n),(n)->()")),
          Case("apply_over_axes", lambda x: tnp.apply_over_axes(tnp.sum, x, [0, 2]),
               (rand((2, 3, 4)),), np_fun=lambda x: np.apply_over_axes(np.sum, x, [0, 2]))]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_vectorized_apply(case):
    check_case(case)


def test_unmodified_apply_along_axis_is_one_vectorised_call():
    calls = []

    def row(r):
        calls.append(1)
        return np.sum(np.tanh(r))
    x = rand((50, 4))
    g = tg.grad(lambda x: np.sum(np.apply_along_axis(row, 1, x)))(x)
    np.testing.assert_allclose(g, 1 - np.tanh(x) ** 2)
    assert len(calls) == 1, "apply_along_axis on traced values must run the function once"


def test_vectorize_signature_with_vector_output():
    f = tnp.vectorize(lambda u: tnp.exp(u) * 2.0, signature="(n)->(n)")
    x = rand((5, 3))
    np.testing.assert_allclose(f(x), np.exp(x) * 2.0)
