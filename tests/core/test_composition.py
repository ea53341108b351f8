"""Transforms composed with each other to any depth and order, third derivatives against
closed forms and finite differences, and perturbation confusion."""
import numpy as np
import pytest
from harness import approx, tol

import tangents as tg

X = np.array([0.3, -0.7, 1.2])
V = np.array([1.0, -2.0, 0.5])


def f(x):
    return np.sin(x) * x ** 2


def d1(x):
    return np.cos(x) * x ** 2 + 2 * x * np.sin(x)


def d2(x):
    return -np.sin(x) * x ** 2 + 4 * x * np.cos(x) + 2 * np.sin(x)


def d3(x):
    return -np.cos(x) * x ** 2 - 6 * x * np.sin(x) + 6 * np.cos(x)


def loss(x):
    return np.sum(f(x))


# -- third derivatives of scalar functions: closed forms and finite differences ---------------
THIRD = [  # name, function, third derivative, points
    ("tanh", np.tanh, lambda x: -2 * (1 - np.tanh(x) ** 2) * (1 - 3 * np.tanh(x) ** 2),
     [-1.3, 0.0, 0.4]),
    ("exp", np.exp, np.exp, [-1.0, 0.0, 0.7]),
    ("log", np.log, lambda x: 2 / x ** 3, [0.5, 1.0, 2.5]),
    ("sin", np.sin, lambda x: -np.cos(x), [-2.0, 0.0, 1.1]),
    ("x**3.5", lambda x: x ** 3.5, lambda x: 3.5 * 2.5 * 1.5 * x ** 0.5, [0.5, 1.3, 2.0]),
    ("x**-2", lambda x: x ** -2, lambda x: -24 * x ** -5, [0.5, 1.3, -2.0]),
    ("x**3", lambda x: x ** 3, lambda x: 6.0 + 0 * x, [-1.0, 0.0, 2.0]),
]


@pytest.mark.parametrize("name, fun, third, points", THIRD, ids=[r[0] for r in THIRD])
def test_third_derivative_reverse_closed_form(name, fun, third, points):
    g3 = tg.grad(tg.grad(tg.grad(fun)))
    for x in points:
        assert g3(x) == approx(third(x), "composed"), (name, x)


@pytest.mark.parametrize("name, fun, third, points", THIRD, ids=[r[0] for r in THIRD])
def test_third_derivative_forward_and_mixed(name, fun, third, points):
    for x in points:
        want = third(x)
        fwd = lambda h: (lambda y: tg.jvp(h, (y,), (1.0,))[1])
        assert fwd(fwd(fwd(fun)))(x) == approx(want, "composed")
        assert fwd(tg.grad(fwd(fun)))(x) == approx(want, "composed")
        assert tg.grad(fwd(tg.grad(fun)))(x) == approx(want, "composed")


@pytest.mark.parametrize("name, fun, third, points", THIRD, ids=[r[0] for r in THIRD])
def test_third_derivative_check_grads(name, fun, third, points):
    tg.check_grads(fun, (np.array(points[1:]),), order=3)


def test_fourth_derivative_alternating_modes():
    x = 0.7
    h = tg.grad(lambda a: tg.jvp(tg.grad(lambda b: tg.jvp(np.sin, (b,), (1.0,))[1]), (a,),
                                 (1.0,))[1])
    assert h(x) == approx(np.sin(x), "roundoff")


# -- compositions of transforms ---------------------------------------------------------------
def test_jvp_of_grad_is_forward_over_reverse():
    out, t = tg.jvp(tg.grad(loss), (X,), (V,))
    np.testing.assert_allclose(out, d1(X), **tol("roundoff"))
    np.testing.assert_allclose(t, d2(X) * V, **tol("roundoff"))


def test_grad_of_jvp_is_reverse_over_forward():
    g = tg.grad(lambda x: tg.jvp(loss, (x,), (V,))[1])(X)
    np.testing.assert_allclose(g, d2(X) * V, **tol("roundoff"))


def test_vjp_of_vjp():
    def pull(ct):
        return tg.vjp(f, X)[1](ct)[0]          # ct -> J^T ct, linear in ct
    out, pull2 = tg.vjp(pull, V)
    np.testing.assert_allclose(out, d1(X) * V, **tol("roundoff"))
    # the transpose of a diagonal J^T is J^T itself
    np.testing.assert_allclose(pull2(np.ones(3))[0], d1(X), **tol("roundoff"))

    def pull_x(x):
        return tg.vjp(f, x)[1](V)[0]            # differentiate J^T v with respect to x
    np.testing.assert_allclose(tg.vjp(pull_x, X)[1](np.ones(3))[0], d2(X) * V, **tol("roundoff"))


def test_vmap_of_grad_and_grad_of_vmap():
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(X), d1(X), **tol("roundoff"))
    g = tg.grad(lambda x: np.sum(tg.vmap(f)(x)))(X)
    np.testing.assert_allclose(g, d1(X), **tol("roundoff"))
    pts = np.stack([X, V, X * 2])
    gg = tg.vmap(tg.grad(lambda x: np.sum(f(x))))(pts)
    np.testing.assert_allclose(gg, d1(pts), **tol("roundoff"))


def test_vmap_of_vmap():
    a = np.arange(6.0).reshape(2, 3)
    out = tg.vmap(tg.vmap(lambda x: x * 2.0 + 1.0))(a)
    np.testing.assert_allclose(out, a * 2 + 1)
    out = tg.vmap(tg.vmap(lambda x, y: x * y, in_axes=(0, None)), in_axes=(1, 0))(
        np.ones((3, 4)) * np.arange(4.0), np.arange(4.0))
    assert out.shape == (4, 3)
    np.testing.assert_allclose(out, np.broadcast_to((np.arange(4.0) ** 2)[:, None], (4, 3)))


def test_vmap_of_vmap_of_grad():
    pts = np.linspace(-1, 1, 6).reshape(2, 3)
    np.testing.assert_allclose(tg.vmap(tg.vmap(tg.grad(f)))(pts), d1(pts), **tol("roundoff"))


def test_jacfwd_of_jacrev_and_hessian():
    h = tg.jacfwd(tg.jacrev(loss))(X)
    np.testing.assert_allclose(h, np.diag(d2(X)), **tol("roundoff"))
    np.testing.assert_allclose(tg.hessian(loss)(X), h, **tol("roundoff"))
    np.testing.assert_allclose(tg.jacrev(tg.jacfwd(loss))(X), h, **tol("roundoff"))
    np.testing.assert_allclose(tg.jacrev(tg.jacrev(loss))(X), h, **tol("roundoff"))


def test_third_order_tensor_by_nested_jacobians():
    t3 = tg.jacfwd(tg.jacfwd(tg.jacrev(loss)))(X)
    want = np.zeros((3, 3, 3))
    want[np.arange(3), np.arange(3), np.arange(3)] = d3(X)
    np.testing.assert_allclose(t3, want, **tol("roundoff"))


def test_nested_grad_with_cross_terms():
    # d/dx d/dy (x^2 y^3) = 6 x y^2
    g = tg.grad(lambda x, y: tg.grad(lambda a, b: a ** 2 * b ** 3, argnums=1)(x, y))
    assert g(2.0, 3.0) == pytest.approx(6 * 2.0 * 9.0)


def test_grad_of_function_calling_grad_of_closure():
    # f(x) = x * d/dy[sin(x y)] at y = 1 = x^2 cos(x); f'(x) = 2x cos x - x^2 sin x
    h = lambda x: x * tg.grad(lambda y: np.sin(x * y))(1.0)
    x = 0.8
    assert tg.grad(h)(x) == approx(2 * x * np.cos(x) - x ** 2 * np.sin(x), "roundoff")
    tg.check_grads(h, (np.array(x),), order=2)


# -- perturbation confusion -------------------------------------------------------------------
def test_perturbation_confusion_reverse():
    assert tg.grad(lambda x: tg.grad(lambda y: x * y)(1.0))(2.0) == 1.0
    # Siskind & Pearlmutter: d/dx [x * d/dy (x + y)] = 1, not 2
    assert tg.grad(lambda x: x * tg.grad(lambda y: x + y)(1.0))(2.0) == 1.0


def test_perturbation_confusion_forward():
    d = lambda h, x: tg.jvp(h, (x,), (1.0,))[1]
    assert d(lambda x: x * d(lambda y: x + y, 1.0), 2.0) == 1.0
    assert d(lambda x: d(lambda y: x * y, 1.0), 2.0) == 1.0


def test_perturbation_confusion_mixed():
    d = lambda h, x: tg.jvp(h, (x,), (1.0,))[1]
    assert tg.grad(lambda x: x * d(lambda y: x + y, 1.0))(2.0) == 1.0
    assert d(lambda x: x * tg.grad(lambda y: x + y)(1.0), 2.0) == 1.0
    assert tg.grad(lambda x: np.sum(tg.vmap(lambda y: x * y)(np.arange(3.0))))(2.0) == 3.0
    out = tg.vmap(lambda x: tg.grad(lambda y: x * y ** 2)(1.0))(np.arange(3.0))
    np.testing.assert_allclose(out, 2 * np.arange(3.0))
