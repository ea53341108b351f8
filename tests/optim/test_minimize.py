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
