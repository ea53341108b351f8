"""Programs traced again alike share their compiled run (tangents.jit.reuse): a new `jit`
of the same function skips simplification and compilation; any difference in equations,
constants (by value, 0.0 apart from -0.0), guards or executor keeps them apart."""
import numpy as np
import pytest
from harness import tol

import tangents as tg
from tangents.jit import api, reuse

X = np.array([-1.5, -0.25, 0.5, 2.0])


@pytest.fixture
def compiles(monkeypatch):
    """The programs simplified (each a compile) while the test runs."""
    seen, simplify = [], api.simplify

    def counted(program):
        seen.append(program)
        return simplify(program)
    monkeypatch.setattr(api, "simplify", counted)
    return seen


def loss(x):
    return np.sum(np.tanh(x) * x[::-1]) + x[1:] @ x[:-1]


def test_a_new_jit_of_the_same_function_reuses_the_compiled_program(compiles):
    first = tg.jit(tg.value_and_grad(loss))
    first(X)
    first.wait_compiled()
    assert len(compiles) == 1
    again = tg.jit(tg.value_and_grad(loss))
    got = again(X)
    assert len(compiles) == 1  # traced, but not simplified or compiled again
    want = tg.value_and_grad(loss)(X)
    np.testing.assert_allclose(got[0], want[0], **tol("roundoff"))
    np.testing.assert_allclose(got[1], want[1], **tol("roundoff"))
    assert again.lower(X).program is first.lower(X).program


def test_a_changed_constant_is_another_program(compiles):
    scale = np.array([1.0, 2.0, 3.0, 4.0])
    fun = lambda x: np.sum(np.sin(x) * scale)  # noqa: E731
    before = tg.jit(fun)(X)
    scale[2] = -7.0  # mutated in place: the same object, another value
    after = tg.jit(fun)(X)
    assert len(compiles) == 2
    np.testing.assert_allclose(before, np.sum(np.sin(X) * [1.0, 2.0, 3.0, 4.0]),
                               **tol("roundoff"))
    np.testing.assert_allclose(after, fun(X), **tol("roundoff"))


def test_signed_zeros_and_nans_are_told_apart(compiles):
    plus = tg.jit(lambda x: x * 0.0)(X)
    minus = tg.jit(lambda x: x * -0.0)(X)
    assert len(compiles) == 2
    np.testing.assert_array_equal(np.signbit(plus), np.signbit(X * 0.0))
    np.testing.assert_array_equal(np.signbit(minus), np.signbit(X * -0.0))
    tg.jit(lambda x: x + np.nan)(X)
    tg.jit(lambda x: x + np.nan)(X)  # nan equals nan here: one program
    assert len(compiles) == 3


def test_guards_and_executors_are_part_of_the_key(compiles, monkeypatch):
    branch = lambda x: np.sin(x) if np.sum(x) > 0 else np.cos(x)  # noqa: E731
    for x in (X, -X):
        np.testing.assert_allclose(tg.jit(branch)(x), branch(x), **tol("roundoff"))
    assert len(compiles) == 2
    other = "fused" if api.executor_name() == "numpy" else "numpy"
    monkeypatch.setenv("TANGENTS_JIT_EXECUTOR", other)
    if api.executor_name() == other:  # numba present, or the NumPy executor asked for
        tg.jit(branch)(X)
        assert len(compiles) == 3


def test_unhashable_parameters_are_not_shared():
    program = tg.jit(loss).lower(X).program
    assert reuse.fingerprint(program, "numpy") is not None
    program.body[0].params = {**program.body[0].params, "odd": [{1, 2}]}  # a set
    assert reuse.fingerprint(program, "numpy") is None


def test_programs_with_large_intermediates_are_not_kept():
    """Their runs may keep buffers between calls (NumPy executor): the store must not pin
    them after the jit that made them is gone."""
    small = tg.jit(loss).lower(X).program
    big = np.ones(reuse.MIN_BYTES // 8)
    large = tg.jit(lambda x: np.sum(np.sin(x * x))).lower(big).program
    assert reuse.fingerprint(small, "numpy") is not None
    assert reuse.fingerprint(large, "numpy") is None
