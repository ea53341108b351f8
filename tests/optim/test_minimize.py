"""optim.minimize (SciPy bridge with exact derivatives) and optim.newton."""
import numpy as np
import pytest
from harness import approx, tol

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
    np.testing.assert_allclose(res.x["xy"], [1.0, 1.0], **tol("stopped"))
    np.testing.assert_allclose(res.x["z"], 2.0, **tol("stopped"))


def test_minimize_passes_exact_hessian_and_args():
    pytest.importorskip("scipy")
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    quad = lambda x, a, b: 0.5 * x @ a @ x - b @ x
    res = optim.minimize(quad, np.zeros(2), args=(a, b), method="trust-exact")
    np.testing.assert_allclose(res.x, np.linalg.solve(a, b), **tol("converged"))
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
    np.testing.assert_allclose(res.x["xy"], [1.0, 1.0], **tol("converged"))
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
    np.testing.assert_allclose(np.abs(res.x), [1.0, 0.0], **tol("converged"))
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


# A small problem with hand-written derivatives: SciPy given these is the reference.
A = np.array([[3.0, 1.0, 0.5], [1.0, 2.0, 0.3], [0.5, 0.3, 1.5]])
C = np.array([2.0, -1.0, 1.0])


def quartic_flat(x):
    return 0.5 * x @ A @ x - C @ x + 0.25 * np.sum(x ** 4)


def quartic_grad(x):
    return A @ x - C + x ** 3


def quartic_hess(x):
    return A + np.diag(3 * x ** 2)


def quartic(p):  # the same function of a pytree, in tree.ravel order
    return quartic_flat(np.concatenate([p["a"], np.reshape(p["b"], (1,))]))


Q0 = {"a": np.array([0.1, -0.2]), "b": np.float64(0.4)}
Q0_FLAT = np.array([0.1, -0.2, 0.4])
# the unconstrained minimum has a[0] ~ 0.71, so the bound on a is active
Q_BOUNDS = {"a": (None, 0.3), "b": (-1.0, None)}
Q_BOUNDS_FLAT = [(None, 0.3), (None, 0.3), (-1.0, None)]

GRADIENT_FREE = {"nelder-mead", "powell", "cobyla", "cobyqa"}
TAKES_BOUNDS = GRADIENT_FREE | {"l-bfgs-b", "tnc", "slsqp", "trust-constr"}
TAKES_HESSP = {"newton-cg", "trust-ncg", "trust-krylov", "trust-constr"}
TAKES_HESS = {"trust-exact", "dogleg"}
METHODS = ["nelder-mead", "powell", "cg", "bfgs", "newton-cg", "l-bfgs-b", "tnc", "cobyla",
           "cobyqa", "slsqp", "trust-constr", "dogleg", "trust-ncg", "trust-exact",
           "trust-krylov"]


def scipy_reference(method, **kw):
    from scipy.optimize import minimize
    if method not in GRADIENT_FREE:
        kw["jac"] = quartic_grad
    if method in TAKES_HESSP:
        kw["hessp"] = lambda x, v: quartic_hess(x) @ v
    if method in TAKES_HESS:
        kw["hess"] = quartic_hess
    return minimize(quartic_flat, Q0_FLAT, method=method, **kw)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_matches_scipy_with_hand_derivatives(method):
    pytest.importorskip("scipy")
    bounded = method in TAKES_BOUNDS
    ref = scipy_reference(method, **({"bounds": Q_BOUNDS_FLAT} if bounded else {}))
    res = optim.minimize(quartic, Q0, method=method, bounds=Q_BOUNDS if bounded else None)
    # exact derivatives: the same iterates as SciPy given the hand-written ones (TNC's
    # differ by ~1e-9 after its rounding-sensitive line search)
    np.testing.assert_allclose(res.x_flat, ref.x, **tol("derivative"))
    assert res.nfev == ref.nfev and res.get("nit") == ref.get("nit")
    assert res.x["a"].shape == (2,) and res.x["b"].shape == ()
    if bounded:
        assert np.all(res.x["a"] <= 0.3) and res.x["b"] >= -1.0
        np.testing.assert_allclose(res.x["a"][0], 0.3, **tol("stopped"))


def test_bounds_as_a_pytree_scipy_bounds_or_pairs_agree():
    from scipy.optimize import Bounds
    ref = scipy_reference("l-bfgs-b", bounds=Q_BOUNDS_FLAT)
    lb, ub = np.array([-np.inf, -np.inf, -1.0]), np.array([0.3, 0.3, np.inf])
    for bounds in [Q_BOUNDS,
                   {"a": (None, np.array([0.3, 0.3])), "b": (-1.0, np.inf)},
                   {"a": [-np.inf, 0.3], "b": (np.float32(-1.0), None)},
                   Q_BOUNDS_FLAT, np.array([lb, ub]).T, Bounds(lb, ub)]:
        res = optim.minimize(quartic, Q0, method="L-BFGS-B", bounds=bounds)
        np.testing.assert_allclose(res.x_flat, ref.x, **tol("derivative"))
    # a leaf's pair may be None (unbounded), and a single array takes one (low, high) pair
    res = optim.minimize(quartic, Q0, method="L-BFGS-B", bounds={"a": (None, 0.3), "b": None})
    assert res.x["a"][0] == 0.3  # L-BFGS-B projects onto the active bound
    res = optim.minimize(quartic_flat, Q0_FLAT, method="L-BFGS-B", bounds=(-0.5, 0.5))
    ref = scipy_reference("l-bfgs-b", bounds=[(-0.5, 0.5)] * 3)
    np.testing.assert_allclose(res.x, ref.x, **tol("derivative"))


@pytest.mark.parametrize("bounds, match", [
    ({"a": (None, 0.3)}, r"bounds should be a dict with keys \['a', 'b'\]"),
    ({"a": (None, 0.3, 1.0), "b": None}, r"bounds\['a'\] should be a \(low, high\) pair"),
    ({"a": (None, np.zeros(3)), "b": None}, r"bounds\['a'\]\[1\] has shape \(3,\).*\(2,\)"),
    ({"a": ([0, 0], None), "b": None}, r"np.asarray"),
    ({"a": (1.0, 0.0), "b": None}, r"entry 0 .*low=1.0, high=0.0"),
    ({"a": (np.nan, None), "b": None}, r"NaN is not a bound"),
    ([(0, 1)] * 2, r"sequence of 3 \(low, high\) pairs"),
])
def test_bad_bounds_say_what_to_write(bounds, match):
    with pytest.raises(ValueError, match=r"minimize: .*" + match):
        optim.minimize(quartic, Q0, method="L-BFGS-B", bounds=bounds)


def test_bounds_that_read_two_ways_are_refused():
    x0 = [np.zeros(2), np.zeros(0)]  # per leaf or per entry: both parse, meanings differ
    with pytest.raises(ValueError, match="both as one .* per leaf .* per entry"):
        optim.minimize(lambda p: np.sum(p[0] ** 2), x0, bounds=[(0, 1), (2, 3)])


def test_callback_receives_the_parameter_pytree():
    seen = []
    res = optim.minimize(quartic, Q0, method="BFGS", callback=seen.append)
    assert len(seen) == res.nit and all(isinstance(p, dict) for p in seen)
    np.testing.assert_array_equal(seen[-1]["a"], res.x["a"])
    # SciPy's intermediate_result form: x structured, the flat vector and the loss beside it
    for method in ["BFGS", "TNC", "Nelder-Mead", "trust-constr", "COBYLA"]:
        results = []
        res = optim.minimize(quartic, Q0, method=method,
                             callback=lambda intermediate_result: results.append(
                                 intermediate_result))
        assert results and all(isinstance(r.x, dict) for r in results)
        for r in results:
            assert r.fun == approx(quartic(r.x), "exact")  # value_and_grad's value vs f
            np.testing.assert_array_equal(r.x["a"], r.x_flat[:2])
    states = []
    res = optim.minimize(quartic, Q0, method="trust-constr",
                         callback=lambda p, state: states.append((p, state.nit)))
    assert isinstance(states[-1][0], dict) and states[-1][1] == res.nit


def test_callback_can_stop_with_stop_iteration():
    calls = []

    def stop_after_two(intermediate_result):
        calls.append(intermediate_result.x)
        if len(calls) == 2:
            raise StopIteration
    res = optim.minimize(quartic, Q0, method="BFGS", callback=stop_after_two)
    assert len(calls) == res.nit == 2 and "StopIteration" in res.message
    np.testing.assert_array_equal(res.x["a"], calls[-1]["a"])


def test_progress_bar_shows_iterations_and_loss(capsys):
    pytest.importorskip("tqdm")
    res = optim.minimize(quartic, Q0, method="BFGS", progress=True)
    err = capsys.readouterr().err
    assert f"minimize: {res.nit}it" in err and f"loss={res.fun:.6g}" in err
    res = optim.minimize(quartic, Q0, method="CG", progress=True, options={"maxiter": 50})
    err = capsys.readouterr().err
    assert f"{res.nit}/50" in err and f"loss={res.fun:.6g}" in err


def test_progress_without_tqdm_says_how_to_get_it(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def fake(name, *args, **kw):
        if name.startswith("tqdm"):
            raise ImportError("no tqdm")
        return real_import(name, *args, **kw)
    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match=r"progress=True.*pip install tqdm"):
        optim.minimize(quartic, Q0, progress=True)


@pytest.mark.parametrize("method", METHODS)
def test_one_evaluation_of_fun_per_scipy_call(method, monkeypatch):
    import scipy.optimize
    real = scipy.optimize.minimize
    scipy_calls, fun_calls, passed = [0], [0], {}

    def counted(f):
        def wrapper(*a):
            scipy_calls[0] += 1
            return f(*a)
        return wrapper

    def spy(fun, x0, **kw):  # counts every call SciPy makes to what minimize hands it
        passed.update(kw)
        for name in ("hess", "hessp"):
            if callable(kw.get(name)):
                kw[name] = counted(kw[name])
        return real(counted(fun), x0, **kw)
    monkeypatch.setattr(scipy.optimize, "minimize", spy)

    def fun(p):
        fun_calls[0] += 1
        return quartic(p)
    optim.minimize(fun, Q0, method=method)
    # value and gradient in one pass; each Hessian(-vector) call traces fun once, afresh
    assert fun_calls[0] == scipy_calls[0] > 0
    assert passed.get("jac") is (None if method in GRADIENT_FREE else True)
    assert callable(passed.get("hessp")) == (method in TAKES_HESSP)
    assert callable(passed.get("hess")) == (method in TAKES_HESS)


@pytest.mark.parametrize("method", ["BFGS", "L-BFGS-B", "trust-exact", "Newton-CG"])
def test_mixed_float32_float64_leaves_keep_their_dtypes(method):
    x0 = {"a": Q0["a"].astype(np.float32), "b": Q0["b"]}
    res = optim.minimize(quartic, x0, method=method)
    assert res.x["a"].dtype == np.float32 and res.x["b"].dtype == np.float64
    ref = scipy_reference(method.lower())
    np.testing.assert_allclose(res.x_flat, ref.x, **tol("derivative", np.float32))


def test_complex_parameters_and_own_jac_are_refused_clearly():
    with pytest.raises(TypeError, match=r"minimize: x0\['z'\] is complex128.*real and "
                                        r"imaginary parts"):
        optim.minimize(lambda p: np.abs(p["z"]) ** 2, {"z": np.complex128(1 + 1j)})
    with pytest.raises(TypeError, match="exact gradient of fun itself; drop jac="):
        optim.minimize(quartic_flat, Q0_FLAT, jac=quartic_grad)


def test_a_custom_method_gets_value_and_gradient_together():
    from scipy.optimize import OptimizeResult

    def descend(fun, x0, args, jac, callback=None, **options):  # SciPy's custom-method API
        x = x0
        for _ in range(200):
            x = x - 0.2 * jac(x, *args)
        return OptimizeResult(x=x, fun=fun(x, *args), success=True, nit=200)
    res = optim.minimize(quartic, Q0, method=descend)
    ref = scipy_reference("bfgs", options={"gtol": 1e-10})
    np.testing.assert_allclose(res.x_flat, ref.x, **tol("derivative"))
