"""tangents.scipy.stats: every distribution's methods through the shared harness at a few
parameter points (values against SciPy, derivatives to order 2 forward and reverse in ``x``
and every parameter, float32, vmap), values on a grid that crosses the support's edges,
and the conventions (nan for invalid parameters, no derivative in a CDF's shape)."""
import warnings

import numpy as np
import pytest

st = pytest.importorskip("scipy.stats")

from harness import Case, case_id, check_case, rand, tol  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.numpy as tnp  # noqa: E402
import tangents.scipy.stats as tst  # noqa: E402


def scipy_ref(dist, method, *const):
    """SciPy's method with ``const`` inserted after x; SciPy computes in float64 for float32
    input, ours keeps the input's dtype."""
    fn = getattr(getattr(st, dist), method)
    return lambda x, *p: np.asarray(fn(x, *const, *p)).astype(np.result_type(x, *p))


def ours(dist, method, *const):
    fn = getattr(getattr(tst, dist), method)
    return lambda x, *p: fn(x, *const, *p)


CONT_METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
# (distribution, x maker, parameter points: (shapes..., loc, scale), CDFs differentiable in
# the shape parameters)
CONTINUOUS = [
    ("norm", lambda s: rand(s, -2, 2), [(0.3, 1.7), (-1.0, 0.6)], True),
    ("t", lambda s: rand(s, -2, 2), [(3.5, 0.2, 1.5), (1.2, -0.5, 0.8)], False),
    ("cauchy", lambda s: rand(s, -3, 3), [(0.2, 0.7), (-1.0, 2.0)], True),
    ("laplace", lambda s: rand(s, -2, 2), [(0.25, 0.7), (-0.9, 1.5)], True),
    ("logistic", lambda s: rand(s, -3, 3), [(-0.4, 1.3), (1.0, 0.5)], True),
    ("expon", lambda s: rand(s, 0.5, 3), [(0.1, 1.5), (-1.0, 0.8)], True),
    ("gamma", lambda s: rand(s, 0.5, 3), [(2.5, 0.1, 1.2), (0.7, -0.3, 0.9)], False),
    ("beta", lambda s: rand(s, 0.15, 0.85), [(2.0, 3.0, 0.0, 1.0), (0.7, 1.4, -0.1, 1.2)],
     False),
]
NSHAPES = {"t": 1, "gamma": 1, "beta": 2}

CASES = []
for dist, xmake, points, shape_cdf in CONTINUOUS:
    ns = NSHAPES.get(dist, 0)
    for k, point in enumerate(points):
        args = (xmake((4,)),) + tuple(np.asarray(p) for p in point)
        for method in CONT_METHODS:
            if method == "logpdf" or shape_cdf or method == "pdf":
                CASES.append(Case(f"{dist}.{method}#{k}", ours(dist, method), args,
                                  np_fun=scipy_ref(dist, method)))
            else:  # the shape parameters as constants
                const = point[:ns]
                CASES.append(Case(f"{dist}.{method}#{k}", ours(dist, method, *const),
                                  (args[0],) + args[1 + ns:],
                                  np_fun=scipy_ref(dist, method, *const)))
    # broadcasting x against parameters, 0-d x
    CASES.append(Case(f"{dist}.logpdf[broadcast]", ours(dist, "logpdf"),
                      (xmake((2, 1)),) + tuple(np.full((3,), p) + 0.01 * np.arange(3)
                                               for p in points[0]),
                      np_fun=scipy_ref(dist, "logpdf")))
    CASES.append(Case(f"{dist}.cdf[0-d]", ours(dist, "cdf", *points[0][:ns]),
                      (xmake(()),) + tuple(np.asarray(p) for p in points[0][ns:]),
                      np_fun=scipy_ref(dist, "cdf", *points[0][:ns])))

# discrete: differentiable in the rate / probability (k, n constants)
K = np.array([0, 1, 3, 5])  # integer counts: the result keeps the parameter's dtype
for method in ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"):
    for k, mu in enumerate((0.7, 3.5)):
        CASES.append(Case(f"poisson.{method}#{k}",
                          lambda mu, m=method: getattr(tst.poisson, m)(K, mu), (np.asarray(mu),),
                          np_fun=lambda mu, m=method: np.asarray(getattr(st.poisson, m)(K, mu))
                          .astype(mu.dtype)))
    for k, (n, p) in enumerate(((8.0, 0.3), (6.0, 0.85))):
        CASES.append(Case(f"binom.{method}#{k}",
                          lambda p, m=method, n=n: getattr(tst.binom, m)(K, n, p),
                          (np.asarray(p),),
                          np_fun=lambda p, m=method, n=n: np.asarray(getattr(st.binom, m)(K, n, p))
                          .astype(p.dtype)))
CASES.append(Case("poisson.logpmf[loc, vector mu]",
                  lambda mu: tst.poisson.logpmf(K[:, None], mu, loc=-1.0), (rand((3,), 0.5, 4),),
                  np_fun=lambda mu: st.poisson.logpmf(K[:, None], mu, loc=-1.0).astype(mu.dtype)))

# Dirichlet (K - 1 components given, so that every perturbation stays on the simplex)
ALPHA = np.array([1.5, 2.0, 0.7])
CASES += [
    Case("dirichlet.logpdf", tst.dirichlet.logpdf, (np.array([0.2, 0.5]), ALPHA),
         np_fun=lambda x, a: np.asarray(st.dirichlet.logpdf(x, a)).astype(x.dtype)),
    Case("dirichlet.logpdf[N points]", tst.dirichlet.logpdf,
         (np.array([[0.2, 0.3, 0.1], [0.5, 0.1, 0.6]]), ALPHA),
         np_fun=lambda x, a: st.dirichlet.logpdf(x, a).astype(x.dtype)),
    Case("dirichlet.pdf", tst.dirichlet.pdf, (np.array([0.3, 0.4]), ALPHA),
         np_fun=lambda x, a: np.asarray(st.dirichlet.pdf(x, a)).astype(x.dtype)),
]


# multivariate normal (cov read as symmetric: symmetrized in the test function)
def _sym(c):
    return (c + tnp.swapaxes(c, -1, -2)) / 2


_rng = np.random.default_rng(3)
_C = _rng.standard_normal((3, 3))
COV = _C @ _C.T / 3 + np.eye(3)
MVN = st.multivariate_normal
for name, x in [("points", rand((4, 3), seed=4)), ("one point", rand((3,), seed=5))]:
    for sing in (False, True):
        CASES.append(Case(f"multivariate_normal.logpdf[{name},allow_singular={sing}]",
                          lambda x, m, c, s=sing: tst.multivariate_normal.logpdf(
                              x, m, _sym(c), allow_singular=s),
                          (x, rand((3,), seed=6), COV),
                          np_fun=lambda x, m, c, s=sing: np.asarray(MVN.logpdf(
                              x, m, _sym(c), allow_singular=s)).astype(x.dtype)))
CASES += [
    Case("multivariate_normal.logpdf[diag cov]", tst.multivariate_normal.logpdf,
         (rand((2, 3), seed=7), rand((3,), seed=8), rand((3,), 0.5, 2, seed=9)),
         np_fun=lambda x, m, c: MVN.logpdf(x, m, c).astype(x.dtype)),
    Case("multivariate_normal.logpdf[scalar cov, 1-d]", tst.multivariate_normal.logpdf,
         (rand((3,), seed=10), np.asarray(0.3), np.asarray(1.7)),
         np_fun=lambda x, m, c: MVN.logpdf(x, m, c).astype(x.dtype)),
    Case("multivariate_normal.pdf", lambda x, m, c: tst.multivariate_normal.pdf(x, m, _sym(c)),
         (rand((2, 3), seed=11), rand((3,), seed=12), COV),
         np_fun=lambda x, m, c: MVN.pdf(x, m, _sym(c)).astype(x.dtype)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_stats_rule(case):
    check_case(case)


# -- values on a grid crossing the support's edges, and invalid parameters ----------------
GRID_X = np.linspace(-3.0, 4.0, 29)
GRID = [("norm", ()), ("norm", (0.3, 1.7)), ("t", (3.5,)), ("t", (1.2, 0.5, 2.0)),
        ("cauchy", ()), ("cauchy", (0.2, 0.7)), ("laplace", ()), ("laplace", (0.2, 0.7)),
        ("logistic", (-0.4, 1.3)), ("gamma", (2.5,)), ("gamma", (0.7, -1.0, 1.5)),
        ("beta", (2.0, 3.0)), ("beta", (0.7, 1.4, -3.0, 7.0)), ("expon", ()),
        ("expon", (-1.0, 2.0)), ("norm", (0.0, -1.0)), ("gamma", (-1.0,)),
        ("beta", (0.0, 2.0))]


@pytest.mark.parametrize("dist,params", GRID, ids=str)
@pytest.mark.parametrize("method", CONT_METHODS)
def test_continuous_values_match_scipy(dist, params, method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = getattr(getattr(st, dist), method)(GRID_X, *params)
        got = getattr(getattr(tst, dist), method)(GRID_X, *params)
    np.testing.assert_allclose(got, ref, **tol("composed"), equal_nan=True)


@pytest.mark.parametrize("dist,params", [("poisson", (2.5,)), ("poisson", (0.3, 1)),
                                         ("binom", (8, 0.3)), ("binom", (5, 0.9, -1)),
                                         ("poisson", (-1.0,))], ids=str)
@pytest.mark.parametrize("method", ["logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"])
def test_discrete_values_match_scipy(dist, params, method):
    k = np.concatenate([np.arange(-2.0, 12.0), [2.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = getattr(getattr(st, dist), method)(k, *params)
        got = getattr(getattr(tst, dist), method)(k, *params)
    np.testing.assert_allclose(got, ref, **tol("composed"), equal_nan=True)


def test_invalid_binomial_probability_gives_nan():
    # (SciPy's binom.logcdf gives 0 rather than nan at k >= n here)
    for method in ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf"):
        assert np.all(np.isnan(getattr(tst.binom, method)(np.arange(-1.0, 8.0), 5, 1.5)))


def test_outside_the_support_the_derivative_is_zero_and_finite():
    x = np.array([-1.0, 0.5, 2.0])
    for fn in (lambda x: tst.gamma.logpdf(x, 2.0), lambda x: tst.beta.logpdf(x, 2.0, 3.0),
               lambda x: tst.expon.cdf(x)):
        g = tg.elementwise_grad(fn)(x)
        assert np.all(np.isfinite(g)) and g[0] == 0.0
    h = tg.hessian(lambda p: tnp.sum(tst.poisson.logpmf(np.array([-1.0, 2.5, 3.0]), p)))(1.5)
    np.testing.assert_allclose(h, -3.0 / 1.5 ** 2)


def test_cdf_has_no_derivative_in_a_shape_parameter():
    # gamma and beta CDFs have one now (tangents.scipy.special.gammainc/betainc)
    tg.check_grads(lambda a: tst.gamma.cdf(1.0, a), (2.0,), order=2)
    tg.check_grads(lambda a, b: tst.beta.cdf(0.3, a, b), (2.0, 3.0), order=2)
    tg.check_grads(lambda df: tst.t.cdf(1.0, df), (3.0,), order=2)  # t: through betainc


def test_frozen_and_keyword_forms():
    assert tst.norm(1.0, 2.0).logpdf(0.5) == tst.norm.logpdf(0.5, loc=1.0, scale=2.0)
    assert tst.gamma(2.0, scale=3.0).cdf(1.0) == tst.gamma.cdf(1.0, a=2.0, scale=3.0)
    np.testing.assert_allclose(tst.gamma.cdf(1.0, a=2.0, scale=3.0),
                               st.gamma.cdf(1.0, 2.0, scale=3.0))
    with pytest.raises(TypeError, match="multiple values"):
        tst.norm.logpdf(0.0, 1.0, loc=1.0)
    with pytest.raises(TypeError, match="missing"):
        tst.gamma.logpdf(1.0)


def test_dirichlet_input_checks():
    with pytest.raises(ValueError, match="simplex"):
        tst.dirichlet.logpdf(np.array([0.2, 0.2, 0.2]), ALPHA)
    with pytest.raises(ValueError, match="entries"):
        tst.dirichlet.logpdf(np.array([0.5]), ALPHA)


def test_multivariate_normal_gradient_in_cov_is_the_known_formula():
    # d logpdf / d cov = (S^-1 d d^T S^-1 - S^-1) / 2 for symmetric cov
    x, m = rand((3,), seed=13), rand((3,), seed=14)
    g = tg.grad(lambda c: tst.multivariate_normal.logpdf(x, m, _sym(c)))(COV)
    si = np.linalg.inv(COV)
    d = (x - m)[:, None]
    np.testing.assert_allclose(g, (si @ d @ d.T @ si - si) / 2, **tol("composed"))
