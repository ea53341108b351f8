"""Per-primitive hooks: a primitive that differs from the rest (keeps a residual for its VJP,
takes Python-number arguments as they are) says so itself, and the interpreters call the
same hook for every primitive instead of asking which one they hold."""
import ast
import pathlib

import numpy as np
import pytest
from tests.harness import tol

import tangents as tg
import tangents.core
from tangents.core import bind
from tangents.core.primitive import Primitive, registry

CORE = pathlib.Path(tangents.core.__file__).parent
CALLS = []  # which cotangent rule of the residual primitive ran, and with what


def _scaled_impl(x, w):
    return np.tanh(x) * w


def _scaled_forward(needed, x, w):
    t = np.tanh(x)  # the residual: d/dw of tanh(x) * w, kept only when w is differentiated
    return t * w, (t if needed[1] else None)


def _scaled_vjp_w(ct, kept, x, w):
    ans, t = kept
    CALLS.append("kept" if t is not None else "recomputed")
    return ct * (np.tanh(x) if t is None else t)


@pytest.fixture
def scaled():
    """``tanh(x) * w`` as a primitive that keeps ``tanh(x)`` for its cotangent in ``w``
    (removed from the registry afterwards, which holds only the library's primitives)."""
    scaled_p = Primitive("test_hooks_scaled", _scaled_impl)
    scaled_p.def_vjp_forward(_scaled_forward)
    scaled_p.def_vjp(lambda ct, kept, x, w: ct * w * (1 - np.tanh(x) ** 2), _scaled_vjp_w)
    scaled_p.def_jvp(lambda t, ans, x, w: t * w * (1 - np.tanh(x) ** 2),
                     lambda t, ans, x, w: t * np.tanh(x))
    yield lambda x, w: bind(scaled_p, x, w)
    registry.pop(scaled_p.name)


@pytest.fixture
def fresh():
    """Primitives made by a test, removed from the registry afterwards."""
    made = []
    yield lambda *a, **k: made.append(Primitive(*a, **k)) or made[-1]
    for p in made:
        registry.pop(p.name)


def test_residual_kept_under_reverse_mode_and_reused(scaled):
    x, w = np.array([0.3, -1.2]), np.array([2.0, 0.5])
    CALLS.clear()
    g = tg.grad(lambda w: scaled(x, w).sum())(w)
    np.testing.assert_allclose(g, np.tanh(x), **tol("roundoff"))
    assert CALLS == ["kept"]
    CALLS.clear()
    tg.grad(lambda x: scaled(x, w).sum())(x)  # w is not differentiated: nothing kept
    assert CALLS == []


def test_residual_primitive_derivatives_all_modes(scaled):
    x, w = np.array([0.3, -1.2]), np.array([2.0, 0.5])
    CALLS.clear()
    tg.check_grads(scaled, (x, w), order=2)  # forward and reverse, and reverse-over-reverse
    assert "recomputed" in CALLS  # under an outer transform nothing is kept
    out, f_jvp = tg.linearize(scaled, x, w)
    tx, tw = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    np.testing.assert_allclose(f_jvp(tx, tw), tg.jvp(scaled, (x, w), (tx, tw))[1],
                               **tol("roundoff"))


def test_scalar_safe_rules_is_a_hook(fresh):
    p = fresh("test_hooks_scale_by", lambda x, c: x * c)
    seen = []
    p.def_vjp(lambda ct, ans, x, c: seen.append(type(c)) or ct * c, None)
    assert not p.scalar_safe_rules
    tg.grad(lambda x: bind(p, x, 2.0).sum())(np.ones(2))
    p.scalar_safe_rules = True
    tg.grad(lambda x: bind(p, x, 2.0).sum())(np.ones(2))
    assert seen == [np.float64, float]


def test_residual_forward_refuses_multiple_results(fresh):
    p = fresh("test_hooks_pair", lambda x: [x, x], multiple_results=True)
    with pytest.raises(ValueError, match="test_hooks_pair: vjp_forward is for single-result"):
        p.def_vjp_forward(lambda needed, x: ([x, x], None))


@pytest.mark.parametrize("name", ["reverse.py", "forward.py", "trace.py", "batching.py"])
def test_interpreters_do_not_ask_which_primitive(name):
    """No interpreter reads a slot that only some primitives fill (the hooks are called for
    every primitive), so a special case lives with its primitive."""
    special = {"vjp_forward", "scalar_safe_rules"}
    tree = ast.parse((CORE / name).read_text())
    found = sorted({n.attr for n in ast.walk(tree)
                    if isinstance(n, ast.Attribute) and n.attr in special})
    assert not found, f"core/{name} branches on {found}; call the primitive's hook instead"
