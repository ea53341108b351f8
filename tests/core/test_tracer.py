"""The tracer's NumPy dispatch: the operators' and ``__array_ufunc__``'s direct path to the
trace (no `bind` when a tracer meets only constants) gives what `bind` gives, in every
transform, and stays direct."""
import sys

import numpy as np
import pytest
from harness import Case, case_id, check_case, rand, tol

import tangents as tg
import tangents.numpy as tnp
from tangents.core import bind, tracer, ufunc_handlers, ufunc_prims
from tangents.numpy._dispatch import implements_ufunc

C = rand((3,), seed=1)  # a constant array operand

# every way unmodified NumPy code meets a traced x with a constant (and two traced values,
# which still go through bind)
FORMS = [
    ("x * 2.0", lambda x: x * 2.0),
    ("2.0 * x", lambda x: 2.0 * x),
    ("x - int", lambda x: x - 3),
    ("int / x", lambda x: 1 / (x + 3.0)),
    ("x ** 2", lambda x: x ** 2),
    ("x * float32", lambda x: x * np.float32(1.5)),
    ("x + ndarray", lambda x: x + C),
    ("ndarray * x", lambda x: C * x),
    ("ndarray - x", lambda x: C - x),
    ("np.sin(x)", np.sin),
    ("np.multiply(x, c)", lambda x: np.multiply(x, 1.5)),
    ("np.subtract(c, x)", lambda x: np.subtract(C, x)),
    ("np.maximum(x, ndarray)", lambda x: np.maximum(x, C + 5.0)),
    ("x * x", lambda x: x * np.sin(x)),
    ("np.multiply(x, x)", lambda x: np.multiply(x, np.cos(x))),
    ("chain", lambda x: np.exp(np.sin(x) * 0.5 + 0.1) - x / 2.0),
]
# the plain NumPy run of each form is its reference (value and float32 result dtype)
CASES = [Case(name, fun, (rand((3,), seed=2),), np_fun=fun) for name, fun in FORMS]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_direct_dispatch_derivatives(case):
    check_case(case)  # value, forward and reverse to order 2, float32, vmap


@pytest.mark.parametrize("name,fun", FORMS, ids=[n for n, _ in FORMS])
def test_direct_dispatch_equals_bind(name, fun, monkeypatch):
    """With the direct path off (empty table) every form gives the same derivative."""
    x = rand((3,), seed=3)
    fast = tg.grad(lambda x: np.sum(fun(x)))(x)
    hess_fast = tg.hessian(lambda x: np.sum(fun(x)))(x)
    monkeypatch.setattr(tracer, "ufunc_prims", {})
    np.testing.assert_array_equal(tg.grad(lambda x: np.sum(fun(x)))(x), fast)
    np.testing.assert_array_equal(tg.hessian(lambda x: np.sum(fun(x)))(x), hess_fast)


def _python_calls(fun, *args):
    """The Python functions called while ``fun(*args)`` runs."""
    names = []

    def profile(frame, event, arg):
        if event == "call":
            names.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        fun(*args)
    finally:
        sys.setprofile(None)
    return names


@pytest.mark.parametrize("op", [lambda x: x * 1.001, lambda x: 0.1 + x, np.sin,
                                lambda x: C * x, lambda x: np.multiply(x, 2.0)],
                         ids=["x*c", "c+x", "np.sin", "ndarray*x", "np.multiply"])
def test_elementwise_op_skips_bind(op):
    """A tracer with constants reaches its trace without `bind` (the W5 hot path): the
    trace's process, or a reverse-mode tracer's own operator with a constant or its own
    ``__array_ufunc__`` (np.sin) records it."""
    seen = {}

    def f(x):
        seen.update(calls=_python_calls(op, x))
        return np.sum(op(x))

    tg.grad(f)(rand((3,)))
    assert {"process", "constant_operator", "__array_ufunc__"} & set(seen["calls"])
    assert "bind" not in seen["calls"], seen["calls"]


def test_two_tracers_of_different_levels_still_bind():
    """An outer tracer as the other operand: `bind` picks the innermost trace."""
    def f(x, y):
        return tg.grad(lambda y: np.sum(np.multiply(x, y) * y))(y)

    x, y = rand((3,), seed=4), rand((3,), seed=5)
    np.testing.assert_allclose(tg.jacrev(f)(x, y), np.diag(2 * y), **tol("roundoff"))


def test_reregistered_ufunc_handler_is_used():
    """Registering another handler for a ufunc takes it off the direct path."""
    old_handler, old_prim = ufunc_handlers[np.hypot], ufunc_prims.get(np.hypot)
    assert old_prim is not None and old_handler.args == (old_prim,)
    calls = []

    def handler(a, b):
        calls.append(1)
        return tnp.sqrt(a * a + b * b)

    try:
        implements_ufunc(np.hypot)(handler)
        assert np.hypot not in ufunc_prims
        x = np.array([1.5, -0.5])
        g = tg.grad(lambda x: np.sum(np.hypot(x, 2.0)))(x)
    finally:
        implements_ufunc(np.hypot)(old_handler)
    assert calls == [1]
    np.testing.assert_allclose(g, x / np.hypot(x, 2.0), **tol("roundoff"))
    assert ufunc_prims[np.hypot] is old_prim
    assert ufunc_handlers[np.hypot].func is bind
