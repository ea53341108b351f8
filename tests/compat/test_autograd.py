"""tangents.compat.autograd: autograd's API on tangents, checked against tangents' own
transforms, central finite differences and SciPy (no autograd needed)."""
import sys
from pathlib import Path

import numpy as onp
import pytest
from harness import TOL

import tangents as tg
import tangents.compat.autograd as autograd
import tangents.compat.autograd.numpy as np
import tangents.compat.autograd.numpy.random as npr
from tangents.compat.autograd.builtins import isinstance as ag_isinstance
from tangents.compat.autograd.extend import defjvp, defvjp, defvjp_argnum, primitive
from tangents.compat.autograd.misc import flatten
from tangents.compat.autograd.test_util import check_grads

RTOL, ATOL = TOL[onp.float64]
X = onp.random.default_rng(0).uniform(0.5, 1.5, (2, 3))


def close(a, b):
    return onp.allclose(a, b, rtol=RTOL, atol=ATOL)


def loss(w, x):
    return np.sum(np.tanh(x * w) ** 2)


# -- transforms ----------------------------------------------------------------------------
def test_grad_matches_tangents_and_finite_differences():
    assert close(autograd.grad(loss)(X, 2.0), tg.grad(loss)(X, 2.0))
    assert close(autograd.grad(loss, 1)(X, 2.0), tg.grad(loss, 1)(X, 2.0))
    check_grads(loss, modes=["fwd", "rev"], order=2)(X, 2.0)
    check_grads(loss, (0, 1))(X, 2.0)


def test_grad_accepts_size_one_outputs_and_rejects_others():
    # autograd's grad takes any output of size 1 (here shape (1, 1)); tg.grad needs shape ()
    g = autograd.grad(lambda x: np.sum(x * x, keepdims=True))(X)
    assert close(g, 2 * X)
    with pytest.raises(TypeError, match="scalar-output.*jacobian"):
        autograd.grad(np.sin)(X)


def test_grad_of_python_scalar_is_a_scalar():
    g = autograd.grad(lambda x: x ** 3)(2.0)
    assert onp.ndim(g) == 0 and not isinstance(g, onp.ndarray) and close(g, 12.0)


def test_value_and_grad_grad_and_aux_elementwise_grad_deriv():
    v, g = autograd.value_and_grad(loss)(X, 2.0)
    assert close(v, loss(X, 2.0)) and close(g, tg.grad(loss)(X, 2.0))
    g, aux = autograd.grad_and_aux(lambda x: (loss(x, 2.0), "aux"))(X)
    assert aux == "aux" and close(g, tg.grad(loss)(X, 2.0))
    assert close(autograd.elementwise_grad(np.tanh)(X), 1 - onp.tanh(X) ** 2)
    assert close(autograd.deriv(np.sin)(0.3), onp.cos(0.3))


def test_jacobian_shape_is_output_then_input():
    f = lambda x: np.outer(x[0], x[1])  # (2, 3) -> (3, 3)
    J = autograd.jacobian(f)(X)
    assert J.shape == (3, 3, 2, 3)
    assert close(J, tg.jacrev(f)(X))
    H = autograd.hessian(lambda x: loss(x, 2.0))(X)
    assert H.shape == (2, 3, 2, 3) and close(H, tg.hessian(lambda x: loss(x, 2.0))(X))


def test_make_vjp_make_jvp_hvp_products():
    v = onp.random.default_rng(1).normal(size=X.shape)
    vjp, ans = autograd.make_vjp(np.sin)(X)
    assert close(ans, onp.sin(X)) and close(vjp(v), onp.cos(X) * v)
    ans, t = autograd.make_jvp(np.sin)(X)(v)
    assert close(t, onp.cos(X) * v)
    f = lambda x: loss(x, 2.0)
    H = tg.hessian(f)(X).reshape(6, 6)
    hvp, g = autograd.make_hvp(f)(X)
    assert close(g, tg.grad(f)(X)) and close(hvp(v), (H @ v.ravel()).reshape(X.shape))
    assert close(autograd.hessian_tensor_product(f)(X, v), (H @ v.ravel()).reshape(X.shape))
    J = tg.jacrev(np.tanh)(X).reshape(6, 6)
    assert close(autograd.tensor_jacobian_product(np.tanh)(X, v),
                 (v.ravel() @ J).reshape(X.shape))
    assert close(autograd.make_jvp_reversemode(np.tanh)(X)(v), (J @ v.ravel()).reshape(X.shape))


def test_holomorphic_grad_is_the_complex_derivative():
    z = 0.3 + 0.4j
    assert close(autograd.holomorphic_grad(lambda z: np.exp(z) * z)(z), onp.exp(z) * (1 + z))


def test_multigrad_dict_and_checkpoint():
    grads = autograd.multigrad_dict(lambda a, b=2.0: a * b ** 2)(3.0)
    assert list(grads) == ["a", "b"] and close(grads["a"], 4.0) and close(grads["b"], 12.0)
    f = autograd.checkpoint(lambda x: np.sin(np.sin(x)))
    assert close(autograd.grad(lambda x: np.sum(f(x)))(X), onp.cos(onp.sin(X)) * onp.cos(X))


def test_containers_differentiate_like_autograd():
    def fun(d):
        return np.sum(d["a"][0] * d["a"][1]) + d["b"] ** 2

    d = {"a": [X, 2 * X], "b": 3.0}
    g = autograd.grad(fun)(d)
    assert isinstance(g["a"], list) and close(g["a"][0], 2 * X) and close(g["b"], 6.0)
    check_grads(fun)(d)


def test_builtins_isinstance_sees_through_tracing():
    def fun(x):
        assert ag_isinstance(x, onp.ndarray) and not ag_isinstance(x, (list, tuple))
        assert autograd.type(x) is onp.ndarray
        return np.sum(x)

    autograd.grad(fun)(X)


# -- extend --------------------------------------------------------------------------------
def _make_logsumexp():
    @primitive
    def logsumexp(x):
        # raw NumPy on purpose: the body must only ever see untraced arrays
        m = onp.max(onp.asarray(x))
        return m + onp.log(onp.sum(onp.exp(onp.asarray(x) - m)))

    defvjp(logsumexp, lambda ans, x: lambda g: g * np.exp(x - ans))
    return logsumexp


def test_primitive_with_autograd_style_vjp_to_second_order():
    lse = _make_logsumexp()
    x = X.ravel()
    assert close(autograd.grad(lse)(x), onp.exp(x) / onp.exp(x).sum())
    check_grads(lse, modes=["rev"], order=2)(x)
    H = autograd.hessian(lse)(x)
    p = onp.exp(x) / onp.exp(x).sum()
    assert close(H, onp.diag(p) - onp.outer(p, p))


def test_primitive_vjp_none_argnums_and_keyword_arguments():
    @primitive
    def scaled(x, y, power=2):
        return onp.asarray(x) ** power * onp.asarray(y)

    defvjp(scaled, lambda ans, x, y, power=2: lambda g: g * power * x ** (power - 1) * y, None)
    g = autograd.grad(lambda x, y: np.sum(scaled(x, y, power=3)))(X, 2.0)
    assert close(g, 3 * X ** 2 * 2.0)
    assert close(autograd.grad(lambda y: np.sum(scaled(X, y)))(2.0), 0.0)  # None: zero
    defvjp(scaled, lambda ans, x, y, power=2: lambda g: g * power * x ** (power - 1) * y,
           argnums=[0])
    with pytest.raises(NotImplementedError, match="scaled wrt argnum 1"):
        autograd.grad(lambda y: np.sum(scaled(X, y)), 0)(2.0)


def test_primitive_defvjp_argnum_and_defjvp_same():
    @primitive
    def add(x, y):
        return onp.asarray(x) + onp.asarray(y)

    defvjp_argnum(add, lambda argnum, ans, args, kwargs: lambda g: g)
    defjvp(add, "same", "same")
    check_grads(lambda x: np.sum(add(x, 2 * x) ** 2), modes=["fwd", "rev"])(X)


def test_primitive_with_jvp_only_works_in_both_modes():
    @primitive
    def cube(x):
        return onp.asarray(x) ** 3

    defjvp(cube, lambda g, ans, x: 3 * x ** 2 * g)
    check_grads(cube, modes=["fwd", "rev"], order=1)(X)


def test_extend_errors_name_the_fix():
    with pytest.raises(TypeError, match="@autograd.extend.primitive"):
        defvjp(lambda x: x, None)

    @primitive
    def f(x):
        return x

    with pytest.raises(TypeError, match="argument 0 of f must be a function"):
        defvjp(f, 3.0)


# -- test_util -----------------------------------------------------------------------------
def test_check_grads_catches_a_wrong_rule_and_names_the_order():
    @primitive
    def foo(x):
        return x * 2.0

    defvjp(foo, lambda ans, x: lambda g: g * 2.001)
    with pytest.raises(AssertionError, match=r"\(VJP\) check of foo failed"):
        check_grads(foo, modes=["rev"])(1.0)

    @primitive
    def bar(x):
        return x

    defvjp(bar, lambda ans, x: lambda g: g * 1.001)
    defvjp(foo, lambda ans, x: lambda g: bar(g) * 2)
    with pytest.raises(AssertionError, match=r"\(VJP\) check of vjp_foo failed"):
        check_grads(foo, modes=["rev"])(1.0)


def test_check_grads_checks_complex_arguments():
    z = X + 0.3j * X[::-1]
    check_grads(lambda z: np.sum(np.abs(np.sin(z)) ** 2))(z)
    check_grads(np.exp)(z)

    @primitive
    def conj_wrong(z):
        return onp.conj(z)

    # the derivative of conj(z) is not the identity: only the imaginary direction shows it
    defvjp(conj_wrong, lambda ans, z: lambda g: g)
    with pytest.raises(AssertionError, match="check of conj_wrong failed"):
        check_grads(conj_wrong, modes=["rev"], order=1)(z)


# -- namespaces ----------------------------------------------------------------------------
def test_numpy_namespace_and_submodules():
    assert np.linalg.__name__.endswith("autograd.numpy.linalg")
    assert npr.randn is onp.random.randn and np.__version__ == onp.__version__
    assert close(np.linalg.T(X), X.T)
    D = X[0]
    assert close(np.make_diagonal(D, axis1=-1, axis2=-2), onp.diag(D))
    check_grads(lambda d: np.make_diagonal(d, axis1=-1, axis2=-2))(X)


def test_numpy_names_are_numpys_functions_not_family_modules():
    # tangents.numpy.shape is its family module; autograd code calls np.shape(x)
    g = autograd.grad(lambda x: np.sum(x) * np.shape(x)[0] * np.size(x))(X)
    assert close(g, onp.full(X.shape, 12.0))
    assert not hasattr(np, "elementwise") and callable(np.shape)


def test_flatten_round_trip_and_gradient():
    tree = (1.0, X, [X[0], {"y": X[1], "x": 2.0}])
    flat, unflatten = flatten(tree)
    assert flat.shape == (1 + 6 + 3 + 1 + 3,)
    back = unflatten(flat)
    assert close(back[2][1]["y"], X[1]) and close(back[2][1]["x"], 2.0)
    assert close(autograd.grad(lambda t: np.sum(flatten(t)[0] ** 2))(tree)[1], 2 * X)


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
def test_convolve_matches_scipy_and_differentiates(mode):
    signal = pytest.importorskip("scipy.signal")
    from tangents.compat.autograd.scipy.signal import convolve

    rng = onp.random.default_rng(2)
    for sa, sb in [((4,), (2,)), ((2,), (5,)), ((4, 3), (2, 2)), ((5, 4), (6, 7))]:
        a, b = rng.normal(size=sa), rng.normal(size=sb)
        assert close(convolve(a, b, mode=mode), signal.convolve(a, b, mode))
        check_grads(convolve, (0, 1), modes=["fwd", "rev"], order=1)(a, b, mode=mode)
    a, b = rng.normal(size=(3, 5)), rng.normal(size=(3, 4, 2))
    out = convolve(a, b, axes=([1], [2]), dot_axes=([0], [0]), mode=mode)
    assert close(out[2], sum(signal.convolve(a[i], b[i, 2], mode) for i in range(3)))


def test_scipy_stats_modules():
    pytest.importorskip("scipy")
    import scipy.stats as sps

    from tangents.compat.autograd.scipy import stats

    x = X.ravel() ** 2 + 0.5
    assert close(stats.norm.logpdf(x, 0.5, 2.0), sps.norm.logpdf(x, 0.5, 2.0))
    assert close(stats.chi2.logpdf(x, 3.0), sps.chi2.logpdf(x, 3.0))
    assert close(stats.chi2.cdf(x, 3.0), sps.chi2.cdf(x, 3.0))
    check_grads(stats.chi2.logpdf, modes=["rev"])(x, 3.0)
    assert stats.dirichlet.rvs == sps.dirichlet.rvs


def test_optimizers_minimize_a_quadratic():
    from tangents.compat.autograd.misc.optimizers import adam, rmsprop, sgd

    target = {"w": X, "b": 1.0}
    g = autograd.grad(lambda p, i: np.sum((p["w"] - target["w"]) ** 2) + (p["b"] - 1.0) ** 2)
    start = {"w": onp.zeros_like(X), "b": 0.0}
    for opt, kw in [(sgd, dict(num_iters=500)), (rmsprop, dict(num_iters=500, step_size=0.01)),
                    (adam, dict(num_iters=1000, step_size=0.05))]:
        seen = []
        out = opt(g, start, callback=lambda p, i, gr: seen.append(i), **kw)
        assert seen == list(range(kw["num_iters"]))
        assert onp.abs(out["w"] - X).max() < 0.05 and abs(out["b"] - 1.0) < 0.05


def test_suite_runner_rewrites_only_imports():
    sys.path.insert(0, str(Path(__file__).parent))
    from autograd_suite import rewrite

    src = ("import autograd.numpy as np\nfrom autograd import grad\n"
           "    import autograd.scipy.signal\nx = 'autograd'\n")
    out = rewrite(src)
    assert "import tangents.compat.autograd.numpy as np" in out
    assert "from tangents.compat.autograd import grad" in out
    assert "    import tangents.compat.autograd as autograd" in out
    assert "x = 'autograd'" in out
