"""optim.minimize (SciPy bridge with exact derivatives) and optim.newton."""
import numpy as np
import pytest

from tangents import optim


def rosen(p):
    x, y = p["xy"][0], p["xy"][1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2 + np.sum((p["z"] - 2.0) ** 2)


X0 = {"xy": np.array([-1.2, 1.0]), "z": np.zeros((2, 2))}


@pytest.mark.parametrize("method", ["BFGS", "L-BFGS-B", "CG", "Newton-CG", "trust-ncg",
                                    "trust-krylov", "trust-exact", "dogleg", "trust-constr"])
def test_minimize_rosenbrock(method):
    pytest.importorskip("scipy")
    opts = {"Newton-CG": {"xtol": 1e-12}, "trust-krylov": {"gtol": 1e-8}, "BFGS": {},
            "L-BFGS-B": {}, "CG": {}}
    kw = {"options": opts.get(method, {"gtol": 1e-10})}
    x0 = X0 if method != "dogleg" else {"xy": np.array([0.8, 0.6]), "z": np.ones((2, 2))}
    res = optim.minimize(rosen, x0, method=method, **kw)
    assert isinstance(res.x, dict) and res.x["z"].shape == (2, 2)
    np.testing.assert_allclose(res.x["xy"], [1.0, 1.0], atol=2e-4)
    np.testing.assert_allclose(res.x["z"], 2.0, atol=1e-4)


def test_minimize_passes_exact_hessian_and_args():
    pytest.importorskip("scipy")
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    quad = lambda x, a, b: 0.5 * x @ a @ x - b @ x
    res = optim.minimize(quad, np.zeros(2), args=(a, b), method="trust-exact")
    np.testing.assert_allclose(res.x, np.linalg.solve(a, b), atol=1e-8)
    assert res.nit <= 3  # exact Hessian: Newton converges at once on a quadratic


def test_missing_scipy_message(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def fake(name, *args, **kw):
        if name.startswith("scipy"):
            raise ImportError("no scipy")
        return real_import(name, *args, **kw)
    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match=r"pip install tangents\[scipy\]"):
        optim.minimize(lambda x: np.sum(x ** 2), np.ones(2))


def test_newton():
    res = optim.newton(rosen, X0)
    assert res.success and res.nit < 40
    np.testing.assert_allclose(res.x["xy"], [1.0, 1.0], atol=1e-8)
    np.testing.assert_allclose(res.x["z"], 2.0)
    q = optim.newton(lambda x: np.sum((x - 3.0) ** 2) + np.sum(x) ** 2, np.zeros(3))
    assert q.nit == 1


def _min_hessian_eig(fun, x):
    import tangents as tg
    v, unravel = tg.tree.ravel(x)
    return float(np.linalg.eigvalsh(tg.hessian(lambda u: fun(unravel(u)))(v))[0])


def quartic_saddle(x):  # a saddle at 0 (Hessian diag(-1, 1)), minima at (+-1, 0)
    return x[0] ** 4 / 4 - x[0] ** 2 / 2 + x[1] ** 2 / 2


@pytest.mark.parametrize("x0", [[0.0, 0.0], [0.1, 0.5], [1e-9, -2.0]],
                         ids=["at the saddle", "Newton's basin of the saddle", "near it"])
def test_newton_escapes_saddles_to_a_minimum(x0):
    res = optim.newton(quartic_saddle, np.array(x0))
    assert res.success, res.message
    np.testing.assert_allclose(np.abs(res.x), [1.0, 0.0], atol=1e-8)
    assert _min_hessian_eig(quartic_saddle, res.x) > 0
    assert "converged" in res.message


def test_newton_escapes_the_saddle_of_a_tanh_mlp():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1]

    def loss(p):
        return np.mean((np.tanh(X @ p["W1"]) @ p["w2"] - y) ** 2)

    p0 = {"W1": np.zeros((2, 3)), "w2": np.zeros(3)}  # zero gradient, indefinite Hessian
    assert _min_hessian_eig(loss, p0) < -1.0
    res = optim.newton(loss, p0, maxiter=100)
    assert res.success, res.message
    assert res.fun < 1e-3 * loss(p0) and res.grad_norm <= 1e-8
    assert _min_hessian_eig(loss, res.x) >= -1e-8


def test_newton_reports_failure_with_a_reason():
    # stopped at a saddle (no iterations allowed): not a success, and it says why
    res = optim.newton(quartic_saddle, np.zeros(2), maxiter=0)
    assert not res.success and res.grad_norm == 0.0
    assert "maxiter (0)" in res.message and "not positive semi-definite" in res.message
    # maxiter hit away from a stationary point
    res = optim.newton(rosen, X0, maxiter=2)
    assert not res.success and res.nit == 2 and "maxiter (2)" in res.message
    # unbounded below along negative curvature: never converges
    res = optim.newton(lambda x: -np.sum(x ** 2), np.zeros(2), maxiter=5)
    assert not res.success and res.fun < 0 and "not positive semi-definite" in res.message
