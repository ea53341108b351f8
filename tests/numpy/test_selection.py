"""Selection (numpy/_selection.py) through the shared harness: select, choose, compress,
extract and partition, argpartition's plain integers, and piecewise (NumPy's semantics the
harness does not see too: which entries its functions receive, errors, vmap)."""
import functools

import numpy as np
import pytest
from harness import Case, case_id, check_case, check_plain_result, rand

import tangents as tg
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


# -- piecewise (and argpartition's plain integers) ---------------------------------------
def _pw(np_mod):
    """A three-piece function with an "otherwise" piece, written against ``np_mod``."""
    def f(x):
        return np_mod.piecewise(x, [x < -0.5, x > 1.0],
                                [lambda v: v ** 2, np_mod.sin, lambda v: 3 * v + 1])
    return f


def _pw_args(np_mod):
    def f(x):
        return np_mod.piecewise(x, [x < 0], [lambda v, a, b=1.0: a * v + b,
                                             lambda v, a, b=1.0: np_mod.cos(v) * a - b],
                                2.0, b=3.0)
    return f


def _pw_overlap(np_mod):
    # later conditions overwrite earlier ones; unselected entries are 0
    def f(x):
        return np_mod.piecewise(x, [x < 1.0, x < 0.0], [np_mod.exp, lambda v: v * v])
    return f


def _pw_scalars(np_mod):
    def f(x):
        return np_mod.piecewise(x, x > 0, [0.5, np_mod.tanh])  # one condition, not a list
    return f


PIECEWISE_CASES = [
    Case("piecewise", _pw(tnp), (rand((2, 3)),), np_fun=_pw(np)),
    Case("piecewise-0d", _pw(tnp), (rand((), seed=3),), np_fun=_pw(np)),
    Case("piecewise-nd", _pw(tnp), (rand((2, 1, 4), seed=1),), np_fun=_pw(np)),
    Case("piecewise-empty", _pw(tnp), (rand((0, 3)),), np_fun=_pw(np)),
    Case("piecewise-args", _pw_args(tnp), (rand((5,)),), np_fun=_pw_args(np)),
    Case("piecewise-overlap", _pw_overlap(tnp), (rand((6,), seed=2),), np_fun=_pw_overlap(np)),
    Case("piecewise-scalars", _pw_scalars(tnp), (rand((5,), seed=4),), np_fun=_pw_scalars(np)),
]


@pytest.mark.parametrize("case", PIECEWISE_CASES, ids=case_id)
def test_piecewise_rule(case):
    check_case(case)


# -- piecewise: NumPy's semantics the harness does not see --------------------------------
def test_piecewise_functions_see_only_the_selected_entries():
    x = np.array([-1.0, 0.5, 2.0, -3.0])
    seen_np, seen_tg = [], []

    def pieces(seen):
        return [lambda v: (seen.append(v.shape), v * 2)[1], lambda v: (seen.append(v.shape),
                                                                         v - 1)[1]]

    np.piecewise(x, [x < 0], pieces(seen_np))
    tg.grad(lambda x: tnp.sum(tnp.piecewise(x, [x < 0], pieces(seen_tg))))(x)
    assert seen_tg == seen_np == [(2,), (2,)]
    # a function is not called when its condition selects nothing
    never = lambda v: 1 / 0
    out = tg.grad(lambda x: tnp.sum(tnp.piecewise(x, [x > 9], [never, np.sin])))(x)
    np.testing.assert_allclose(out, np.cos(x))


def test_piecewise_reduction_is_numpys_outside_vmap_and_an_error_inside():
    x = rand((5,))
    f = lambda x: tnp.piecewise(x, [x > 0], [lambda v: tnp.sum(v), 0.0])
    np.testing.assert_allclose(f(x), np.piecewise(x, [x > 0], [np.sum, 0.0]))
    g = tg.grad(lambda x: tnp.sum(f(x)))(x)
    np.testing.assert_allclose(g, np.where(x > 0, np.sum(x > 0), 0.0))
    with pytest.raises(NotImplementedError, match="one value for all"):
        tg.vmap(f)(np.stack([x, -x]))


def test_piecewise_derivative_in_closed_over_values_and_scalar_pieces():
    grid = np.linspace(-1.0, 1.0, 5)

    def f(ab):
        a, b = ab[0], ab[1]
        return tnp.piecewise(grid, [grid < 0, grid > 0.6], [lambda v: a * v, b, lambda v: b * v])

    tg.check_grads(f, (np.array([1.5, -0.7]),), order=2)
    np.testing.assert_allclose(f(np.array([1.5, -0.7])), np.piecewise(
        grid, [grid < 0, grid > 0.6], [lambda v: 1.5 * v, -0.7, lambda v: -0.7 * v]))


def test_piecewise_derivative_is_finite_where_a_piece_is_not_defined():
    x = rand((3, 4))
    f = lambda x: tnp.sum(tnp.piecewise(x, [x > 0], [np.sqrt, np.exp]))
    want = np.where(x > 0, 0.5 / np.sqrt(np.abs(x)), np.exp(x))
    np.testing.assert_allclose(tg.grad(f)(x), want)
    # under vmap the condition varies per example: sqrt is never fed a negative entry
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(x[None]), want[None])
    np.testing.assert_allclose(tg.jacfwd(lambda x: tnp.piecewise(x, [x > 0], [np.sqrt, 0.0]))(
        x[0]), np.diag(np.where(x[0] > 0, 0.5 / np.sqrt(np.abs(x[0])), 0.0)))


def test_piecewise_errors_match_numpy():
    x = rand((4,))
    for mod in (np, tnp):
        with pytest.raises(ValueError, match="either 1 or 2 functions"):
            mod.piecewise(x, [x > 0], [np.sin, np.cos, np.tan])
    with pytest.raises(ValueError, match="either 1 or 2 functions"):
        tg.grad(lambda x: tnp.sum(tnp.piecewise(x, [x > 0], [])))(x)


def test_piecewise_under_vmap_refuses_a_function_that_mixes_entries():
    # each example selects a different number of entries: v - v.mean() over all of them is
    # not NumPy's v - v.mean() over x[cond], so it must raise, never return a number
    x = np.array([[-1.0, 2.0, 3.0], [1.0, -2.0, -3.0]])
    f = lambda x: np.piecewise(x, [x > 0], [lambda v: v - v.mean(), 0.0])  # noqa: E731
    with pytest.raises(ValueError, match="mixes entries"):
        tg.vmap(f)(x)
    with pytest.raises(ValueError, match="mixes entries"):
        tg.vmap(tg.grad(lambda x: np.sum(f(x))))(x)
    # entrywise functions are fine, and equal NumPy per example
    g = lambda x: np.piecewise(x, [x > 0], [lambda v: v ** 2, lambda v: -v])  # noqa: E731
    np.testing.assert_allclose(tg.vmap(g)(x), np.stack([g(r) for r in x]))


def test_argpartition_is_plain_in_grad_and_vmap():
    check_plain_result(lambda x: np.argpartition(x, 2, axis=-1), rand((3, 4)))
