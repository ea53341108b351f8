"""Simplification of staged programs: each rewrite shows in the program's text and leaves
the values eager's."""
import numpy as np
from harness import rand, tol

import tangents as tg

X = rand((2, 3, 4))


def lowered(fun, *args):
    """The simplified and the raw program of ``fun``, after checking its value."""
    jitted = tg.jit(fun)
    np.testing.assert_allclose(jitted(*args), fun(*args), **tol("roundoff"))
    low = jitted.lower(*args)
    np.testing.assert_allclose(jitted(*args), fun(*args), **tol("roundoff"))  # executed
    return low.program, low.raw


def names(program):
    return [e.prim.name for e in program.eqns]


def test_common_subexpressions_are_computed_once():
    program, raw = lowered(lambda x: np.sin(x) * np.exp(x) + np.sin(x) * np.exp(x), X)
    assert names(raw).count("sin") == 2 and names(program).count("sin") == 1
    assert names(program).count("multiply") == 1


def test_multiplying_by_one_and_adding_zero_disappear():
    program, raw = lowered(lambda x: (np.cos(x) * 1.0 + 0.0) / 1.0 - 0.0, X)
    assert names(program) == ["cos"] and len(raw.eqns) == 5


def test_a_power_of_one_disappears():
    x = np.array([0.0, -2.0, np.inf, np.nan])
    program, raw = lowered(lambda v: np.exp(v) ** np.float64(1.0) + v ** 1, x)
    assert names(raw).count("power") == 2 and names(program) == ["exp", "add"]


def test_zero_times_a_value_is_kept_for_inf_and_nan():
    x = np.array([1.0, np.inf, np.nan])
    with np.errstate(invalid="ignore"):
        program, _ = lowered(lambda v: 0.0 * v, x)
    assert names(program) == ["multiply"]


def test_transposes_of_transposes_compose():
    program, _ = lowered(lambda x: np.sin(x).transpose(1, 0, 2).transpose(0, 2, 1), X)
    assert names(program) == ["sin", "transpose"]
    program, _ = lowered(lambda x: np.sin(x).T.T, X)
    assert names(program) == ["sin"]


def test_reshapes_fold_and_no_op_reshapes_disappear():
    program, _ = lowered(lambda x: np.sin(x).reshape(6, 4).reshape(24).reshape(4, 6), X)
    assert names(program) == ["sin", "reshape"]
    program, _ = lowered(lambda x: np.broadcast_to(np.sin(x).reshape(X.shape), X.shape), X)
    assert names(program) == ["sin"]


def test_unused_values_are_dropped_but_guards_kept():
    def fun(x):
        np.exp(x)  # unused
        return x * 2.0 if np.max(x) > 0 else x * 3.0
    program, raw = lowered(fun, X)
    assert "exp" in names(raw) and "exp" not in names(program)
    assert [g.kind for g in program.guards] == ["bool"]


def test_the_reverse_pass_constants_are_folded():
    program, raw = lowered(tg.grad(lambda x: np.sum(np.sin(x) * 2.0)), X)
    assert len(program.eqns) < len(raw.eqns)
    made = set(program.invars)
    for e in program.eqns:  # no equation of constants only is left
        assert any(a in made for a in e.ins)
        made.update(e.outs)
    assert names(program) == ["cos", "multiply"]


def test_constants_equal_bit_for_bit_are_one_and_so_are_their_equations():
    w = rand((3, 4), seed=1)
    a, b = w.copy(), w.copy()
    program, raw = lowered(lambda x: np.sin(x @ a) + np.sin(x @ b), rand((2, 3)))
    assert names(raw).count("matmul") == 2 and names(program).count("matmul") == 1
    # -0.0 and 0.0 differ, and so do constants of another dtype: no merge
    program, _ = lowered(lambda x: x * np.zeros(3) + x * -np.zeros(3), rand((3,)))
    assert names(program).count("multiply") == 2


def test_second_derivatives_of_an_mlp_reuse_the_first_derivative_pass():
    w1, w2 = rand((1, 6), seed=1), rand((6, 6), seed=2) / 3
    u = lambda x: np.tanh(np.tanh(x @ w1) @ w2) @ np.ones((6, 1))  # noqa: E731
    du = tg.elementwise_grad(u)
    x = rand((5, 1))
    with np.errstate(all="ignore"):
        program, raw = lowered(lambda x: (du(x), tg.elementwise_grad(du)(x)), x)
    # u, du, d2u by hand: x @ w1 (an outer product, a multiply), then three products with
    # w2 (h1, h1', h1'') and two with the last layer's weights
    assert names(program).count("matmul") == 5 < names(raw).count("matmul") - 1


def test_broadcast_constants_are_read_as_their_smallest_slice():
    w = rand((1, 3), seed=1)
    rows, half = np.repeat(w, 4, axis=0), np.full((4, 3), 0.5)
    program, _ = lowered(lambda x: x * rows + half / x, rand((4, 3)))
    assert sorted(c.shape for c in program.consts.values()) == [(1, 1), (1, 3)]
    # the mean's cotangent, 1/n everywhere, is one number times the mask
    program, _ = lowered(tg.grad(lambda x: np.mean(np.maximum(x, 0.0) ** 3)), rand((5, 6)))
    assert all(np.size(c) == 1 for c in program.consts.values())
    # kept whole where the result needs its shape; -0.0 and 0.0 are not one value
    signed = np.array([[0.0, -0.0, 0.0]] * 4)
    program, _ = lowered(lambda x, y: (x * half, y * signed), rand((1, 3)), rand((4, 3)))
    assert sorted(c.shape for c in program.consts.values()) == [(1, 3), (4, 3)]
