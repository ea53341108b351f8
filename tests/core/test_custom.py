"""custom_vjp, custom_jvp and checkpoint under every transform, and check_grads catching a
wrong rule."""
import re

import numpy as np
import pytest
from harness import approx, tol

import tangents as tg

X = np.array([0.3, -0.7, 1.2])
V = np.array([1.0, -2.0, 0.5])


@tg.custom_vjp
def sin_v(x):
    return np.sin(x)


sin_v.defvjp(lambda x: (np.sin(x), np.cos(x)), lambda cos_x, ct: (cos_x * ct,))


@tg.custom_jvp
def sin_j(x):
    return np.sin(x)


sin_j.defjvp(lambda p, t: (np.sin(p[0]), np.cos(p[0]) * t[0]))


@tg.custom_vjp
def scale(x, p):
    """x * p["s"], with a pytree argument."""
    return x * p["s"]


scale.defvjp(lambda x, p: (x * p["s"], (x, p["s"])),
             lambda res, ct: (ct * res[1], {"s": np.sum(ct * res[0])}))


@tg.custom_vjp
def scale_no_s(x, s):
    return x * s


scale_no_s.defvjp(lambda x, s: (x * s, s), lambda s, ct: (ct * s, None))


@tg.custom_jvp
def mul_j(x, y):
    return x * y


mul_j.defjvp(lambda p, t: (p[0] * p[1], t[0] * p[1] + p[0] * t[1]))


@tg.custom_vjp
def clip_gradient(x):
    return x


clip_gradient.defvjp(lambda x: (x, None), lambda res, ct: (np.clip(ct, -1.0, 1.0),))


CUSTOM_SIN = {"custom_vjp": sin_v, "custom_jvp": sin_j,
              "checkpoint": tg.checkpoint(lambda x: np.sin(x))}


@pytest.mark.parametrize("name", sorted(CUSTOM_SIN))
def test_custom_sin_every_transform(name):
    s = CUSTOM_SIN[name]
    np.testing.assert_allclose(s(X), np.sin(X))
    assert isinstance(s(X), np.ndarray)
    np.testing.assert_allclose(tg.grad(lambda x: np.sum(s(x)))(X), np.cos(X), **tol("roundoff"))
    np.testing.assert_allclose(tg.jvp(s, (X,), (V,))[1], np.cos(X) * V, **tol("roundoff"))
    np.testing.assert_allclose(tg.vjp(s, X)[1](V)[0], np.cos(X) * V, **tol("roundoff"))
    np.testing.assert_allclose(tg.linearize(s, X)[1](V), np.cos(X) * V, **tol("roundoff"))
    np.testing.assert_allclose(tg.vmap(s)(X), np.sin(X))
    np.testing.assert_allclose(tg.vmap(tg.grad(s))(X), np.cos(X), **tol("roundoff"))
    np.testing.assert_allclose(tg.grad(lambda x: np.sum(tg.vmap(s)(x)))(X), np.cos(X),
                               **tol("roundoff"))
    np.testing.assert_allclose(tg.jacrev(s)(X), np.diag(np.cos(X)), **tol("roundoff"))
    np.testing.assert_allclose(tg.jacfwd(s)(X), np.diag(np.cos(X)), **tol("roundoff"))
    # second and third order: the rules are written with differentiable operations
    assert tg.grad(tg.grad(s))(0.4) == approx(-np.sin(0.4), "roundoff")
    assert tg.grad(tg.grad(tg.grad(s)))(0.4) == approx(-np.cos(0.4), "roundoff")
    np.testing.assert_allclose(tg.hessian(lambda x: np.sum(s(x)))(X), np.diag(-np.sin(X)),
                               **tol("roundoff"))
    tg.check_grads(s, (X,), order=2)


def test_custom_vjp_rule_is_used_in_reverse_and_function_in_forward():
    x = np.array([-3.0, 0.5, 4.0])
    g = tg.grad(lambda a: np.sum(clip_gradient(a) * 5.0))(x)
    np.testing.assert_array_equal(g, [1.0, 1.0, 1.0])   # 5 clipped to 1
    t = tg.jvp(lambda a: clip_gradient(a) * 5.0, (x,), (np.ones(3),))[1]
    np.testing.assert_array_equal(t, [5.0, 5.0, 5.0])   # forward mode differentiates f itself


def test_custom_vjp_pytree_arguments_and_none_cotangent():
    ga, gs = tg.grad(lambda a, s: np.sum(scale(a, {"s": s})), argnums=(0, 1))(X, 2.0)
    np.testing.assert_allclose(ga, [2.0, 2.0, 2.0])
    assert gs == pytest.approx(np.sum(X))
    tg.check_grads(lambda a, s: scale(a, {"s": s}), (X, 2.0), order=2)
    ga, gs = tg.grad(lambda a, s: np.sum(scale_no_s(a, s)), argnums=(0, 1))(X, 2.0)
    np.testing.assert_allclose(ga, 2.0)
    assert np.shape(gs) == () and gs == 0.0          # None means a zero cotangent


def test_custom_vjp_pytree_outputs():
    @tg.custom_vjp
    def two(x):
        return x * 2.0, {"b": x * 3.0}
    two.defvjp(lambda x: ((x * 2.0, {"b": x * 3.0}), None),
               lambda res, ct: (ct[0] * 2.0 + ct[1]["b"] * 3.0,))
    g = tg.grad(lambda x: np.sum(two(x)[0] + two(x)[1]["b"] ** 2))(X)
    np.testing.assert_allclose(g, 2.0 + 18.0 * X)
    g = tg.grad(lambda x: np.sum(two(x)[0]))(X)       # unused output: zero cotangent
    np.testing.assert_allclose(g, 2.0)


def test_custom_rules_with_keyword_arguments():
    @tg.custom_vjp
    def kw(x, factor=1.0):
        return x * factor
    kw.defvjp(lambda x, factor=1.0: (x * factor, factor), lambda f, ct: (ct * f,))
    assert tg.grad(lambda x: kw(x, factor=3.0))(2.0) == pytest.approx(3.0)

    @tg.custom_jvp
    def kwj(x, factor=1.0):
        return x * factor
    kwj.defjvp(lambda p, t, factor=1.0: (p[0] * factor, t[0] * factor))
    assert tg.grad(lambda x: kwj(x, factor=3.0))(2.0) == pytest.approx(3.0)
    assert tg.jvp(lambda x: kwj(x, factor=3.0), (2.0,), (1.0,))[1] == pytest.approx(3.0)
    ck = tg.checkpoint(lambda x, factor=1.0: np.sin(x) * factor)
    assert tg.grad(lambda x: ck(x, factor=3.0))(0.5) == pytest.approx(3 * np.cos(0.5))


def test_custom_rules_with_integer_arguments():
    @tg.custom_jvp
    def pow_j(x, n):
        return x ** n
    pow_j.defjvp(lambda p, t: (p[0] ** p[1], p[1] * p[0] ** (p[1] - 1) * t[0]))

    @tg.custom_vjp
    def pow_v(x, n):
        return x ** n
    pow_v.defvjp(lambda x, n: (x ** n, (x, n)),
                 lambda res, ct: (ct * res[1] * res[0] ** (res[1] - 1), None))
    pow_c = tg.checkpoint(lambda x, n: x ** n)
    for fun in (pow_j, pow_v, pow_c):
        assert tg.grad(lambda x: fun(x, 3))(2.0) == pytest.approx(12.0)
        assert tg.jvp(lambda x: fun(x, 3), (2.0,), (1.0,))[1] == pytest.approx(12.0)
        assert tg.linearize(lambda x: fun(x, 3), 2.0)[1](1.0) == pytest.approx(12.0)
        np.testing.assert_allclose(tg.vmap(tg.grad(lambda x: fun(x, 3)))(X), 3 * X ** 2)
        assert tg.grad(tg.grad(lambda x: fun(x, 3)))(2.0) == pytest.approx(12.0)


def test_custom_jvp_several_arguments_every_mode():
    assert tg.grad(mul_j, argnums=(0, 1))(2.0, 3.0) == (pytest.approx(3.0), pytest.approx(2.0))
    assert tg.grad(lambda x: mul_j(x, 3.0))(2.0) == pytest.approx(3.0)
    h = tg.hessian(lambda v: np.sum(mul_j(v, v)))(X)
    np.testing.assert_allclose(h, 2 * np.eye(3), **tol("composed"))
    np.testing.assert_allclose(tg.vmap(tg.grad(lambda x: mul_j(x, 3.0)))(X), 3.0)
    np.testing.assert_allclose(
        tg.grad(lambda x: np.sum(tg.vmap(mul_j, in_axes=(0, None))(x, 3.0)))(X), 3.0)
    out, lin = tg.linearize(mul_j, 2.0, 3.0)
    assert lin(1.0, 1.0) == pytest.approx(5.0)


def test_custom_vjp_under_vmap_with_unbatched_arguments():
    ga, gs = tg.vmap(tg.grad(scale_no_s, argnums=(0, 1)), in_axes=(0, None))(X, 2.0)
    np.testing.assert_allclose(ga, 2.0)
    np.testing.assert_allclose(gs, 0.0)
    ga, gs = tg.grad(lambda a, s: np.sum(tg.vmap(scale_no_s, in_axes=(0, None))(a, s)),
                     argnums=(0, 1))(X, 2.0)
    np.testing.assert_allclose(ga, 2.0)


def test_checkpoint_matches_plain_function_to_second_order():
    fun = lambda a, b: np.sum(np.tanh(a * b) ** 2)
    ck = tg.checkpoint(fun)
    for argnums in (0, 1, (0, 1)):
        g1 = tg.grad(ck, argnums)(X, V)
        g2 = tg.grad(fun, argnums)(X, V)
        for a, b in zip(np.atleast_1d(g1) if argnums != (0, 1) else g1,
                        np.atleast_1d(g2) if argnums != (0, 1) else g2):
            np.testing.assert_allclose(a, b, **tol("roundoff"))
    np.testing.assert_allclose(tg.hessian(ck)(X, V), tg.hessian(fun)(X, V), **tol("roundoff"))
    tg.check_grads(ck, (X, V), order=2)


def test_checkpoint_recomputes_in_backward_pass():
    calls = []

    def fun(x):
        calls.append(1)
        return np.sin(np.sin(x))
    ck = tg.checkpoint(fun)
    _, pull = tg.vjp(lambda x: ck(x) * 2.0, X)
    n_forward = len(calls)
    pull(np.ones(3))
    assert len(calls) > n_forward, "checkpoint must re-run the function in the backward pass"


# -- check_grads on wrong rules ---------------------------------------------------------------
@tg.custom_vjp
def wrong_square(x):
    return x ** 2


wrong_square.defvjp(lambda x: (x ** 2, x), lambda x, ct: (3.0 * x * ct,))  # should be 2 x


@tg.custom_jvp
def wrong_cube(x):
    return x ** 3


wrong_cube.defjvp(lambda p, t: (p[0] ** 3, 2.0 * p[0] ** 2 * t[0]))  # should be 3 x**2


ENTRY = re.compile(r"input (?:leaf \d+ )?index \((\d+(?:, \d+)*),?\): "
                   r"analytic=(\S+) numeric=(\S+) relative error=(\S+)")


def test_check_grads_names_worst_entry_of_wrong_custom_vjp():
    x = np.array([0.5, -1.0, 2.0])
    with pytest.raises(AssertionError) as e:
        tg.check_grads(wrong_square, (x,), modes=("rev",))
    msg = str(e.value)
    assert "reverse-mode" in msg
    rows = ENTRY.findall(msg)
    assert rows, msg
    idx, analytic, numeric, rel = rows[0]
    i = int(idx.split(",")[0])
    assert 0 <= i < 3
    assert float(analytic) / float(numeric) == approx(1.5, "fd")
    assert float(rel) == approx(0.5, "fd")
    # the default (both modes) fails too: reverse mode is checked against finite differences
    with pytest.raises(AssertionError, match="analytic="):
        tg.check_grads(wrong_square, (x,))


def test_check_grads_worst_entry_comes_first():
    @tg.custom_vjp
    def off_at_one(x):
        return x * 1.0
    off_at_one.defvjp(lambda x: (x * 1.0, None),
                      lambda res, ct: (ct * np.array([1.0, 1.0, 1.0, 10.0, 1.2]),))
    x = np.linspace(-1.0, 1.0, 5)
    with pytest.raises(AssertionError) as e:
        tg.check_grads(off_at_one, (x,), modes=("rev",))
    rows = ENTRY.findall(str(e.value))
    assert [r[0] for r in rows] == ["3", "4"], str(e.value)


def test_check_grads_catches_wrong_custom_jvp_in_both_modes():
    x = np.array([0.5, -1.0, 2.0])
    with pytest.raises(AssertionError, match="forward-mode"):
        tg.check_grads(wrong_cube, (x,), modes=("fwd",))
    with pytest.raises(AssertionError, match="analytic="):
        tg.check_grads(wrong_cube, (x,), modes=("rev",))


def test_check_grads_second_order_catches_wrong_second_derivative():
    @tg.custom_jvp
    def frozen(x):
        return np.sin(x)
    # right first derivative, but its own derivative is lost (cos x held constant)
    frozen.defjvp(lambda p, t: (np.sin(p[0]), tg.stop_gradient(np.cos(p[0])) * t[0]))
    x = np.array([0.3, 1.0])
    tg.check_grads(frozen, (x,), order=1)
    for modes in (("rev",), ("fwd",)):
        with pytest.raises(AssertionError, match="analytic="):
            tg.check_grads(frozen, (x,), order=2, modes=modes)


def test_check_grads_passes_on_correct_functions_and_pytrees():
    tg.check_grads(lambda p: {"y": p["a"] * np.sin(p["b"]), "z": [p["a"] ** 2]},
                   ({"a": X, "b": V},), order=2)
    with pytest.raises(TypeError, match="floating"):
        tg.check_grads(lambda n: n * 2, (np.arange(3),))
