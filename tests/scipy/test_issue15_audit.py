"""Issue #15's audit: every function the issue names, called by its SciPy name (scipy.special,
scipy.stats, scipy.signal, scipy.linalg, scipy.integrate) on traced values, through the shared
harness (values against SciPy's plain call, derivatives to order 2 in both modes against
finite differences, float32 kept, vmap).  SciPy's ufuncs dispatch to tangents' rules; its
Python functions that convert their inputs are routed (tangents.scipy._registry).  The
family tables (test_special*.py, test_stats*.py, ...) check tangents' own versions over more
shapes; a second test here finds each named function's rows there."""
import importlib
import re
import warnings

import numpy as np
import pytest

scipy = pytest.importorskip("scipy")

import scipy.integrate as si  # noqa: E402
import scipy.linalg as sl  # noqa: E402
import scipy.signal as ss  # noqa: E402
import scipy.special as sc  # noqa: E402
import scipy.stats as st  # noqa: E402
from harness import Case, case_id, check_case, positive, rand, spd, tol  # noqa: E402

import tangents as tg  # noqa: E402


def _between(lo, hi, shape=(3,), seed=0):
    return rand(shape, lo, hi, seed)


def _row(name, fun, args, **kw):
    """A harness row of SciPy's function: outside a transform it is SciPy's own call (its
    value and dtype are SciPy's), inside one tangents' rules (checked by `_traced_value`)."""
    return Case(name, fun, args, np_fun=fun, **kw)


# -- scipy.special (issue: "in x; in the order v where the function is smooth in it") -------
X = positive((3,)) + 0.3
SPECIAL = [_row(f"special.{n}", lambda v, x, n=n: getattr(sc, n)(v, x),
                (_between(-2.0, 3.0, seed=2), positive((3,)) + 0.5))
           for n in ("jv", "yv", "iv", "ive", "kv", "kve")]
SPECIAL += [_row(f"special.{n}", getattr(sc, n), (dom,)) for n, dom in [
    ("j0", rand((3,))), ("j1", rand((3,))), ("y0", X), ("y1", X), ("i0", rand((3,))),
    ("i1", rand((3,))), ("i0e", rand((3,))), ("i1e", rand((3,))), ("k0", X), ("k1", X),
    ("erfinv", _between(-0.9, 0.9)), ("erfcinv", _between(0.1, 1.9)),
    ("ndtri", _between(0.1, 0.9)), ("gammasgn", _between(-2.9, 2.9)),
    ("rgamma", _between(-2.9, 2.9)), ("exp1", X), ("expi", _between(0.2, 2.0))]]
SPECIAL += [_row(f"special.{n}[derivative={d}]",
                 lambda x, n=n, d=d: getattr(sc, n)(2, x, derivative=d), (X,))
            for n in ("spherical_jn", "spherical_yn") for d in (False, True)]
SPECIAL += [_row(f"special.{n}", getattr(sc, n), args) for n, args in [
    ("gammainc", (_between(0.3, 4.0), X)), ("gammaincc", (_between(0.3, 4.0), X)),
    ("gammaincinv", (_between(0.5, 4.0), _between(0.1, 0.9, seed=3))),
    ("betainc", (X, positive((3,), seed=1), _between(0.1, 0.9, seed=2))),
    ("betaincinv", (X, positive((3,), seed=1), _between(0.1, 0.9, seed=2))),
    ("zeta", (_between(1.5, 4.0), X)), ("owens_t", (rand((3,)), rand((3,), seed=1)))]]
SPECIAL += [_row("special.polygamma", lambda x: sc.polygamma(1, x), (X,)),
            _row("special.zeta[riemann]", sc.zeta, (_between(1.5, 4.0),)),
            _row("special.expn", lambda x: sc.expn(2, x), (X,))]

# -- scipy.stats: every method in x and every parameter (shapes, loc, scale) ----------------
CONTINUOUS = {  # name -> (x, parameters (shapes..., loc, scale))
    "norm": (rand((3,)), (0.3, 1.7)), "t": (rand((3,)), (3.5, 0.2, 1.5)),
    "cauchy": (rand((3,)), (0.2, 0.7)), "laplace": (rand((3,)), (0.25, 0.7)),
    "logistic": (rand((3,)), (-0.4, 1.3)), "expon": (_between(0.5, 3.0), (0.1, 1.5)),
    "gamma": (_between(0.5, 3.0), (2.5, 0.1, 1.2)), "chi2": (_between(0.5, 3.0), (3.0, 0.1, 1.2)),
    "beta": (_between(0.15, 0.85), (2.0, 3.0, -0.1, 1.2)),
}
Q = _between(0.05, 0.95, seed=21)
STATS = []
for dist, (x, params) in CONTINUOUS.items():
    p = tuple(np.asarray(v) for v in params)
    for method in ("logpdf", "pdf", "logcdf", "cdf", "sf", "logsf", "ppf"):
        STATS.append(_row(f"stats.{dist}.{method}",
                          lambda x, *p, d=dist, m=method: getattr(getattr(st, d), m)(x, *p),
                          (Q if method == "ppf" else x, *p)))
    STATS.append(_row(f"stats.{dist}.entropy",
                      lambda *p, d=dist: getattr(st, d).entropy(*p), p))
ALPHA, COV = np.array([1.5, 2.0, 0.7]), spd((3, 3), seed=3)


def _sym(c):
    return (c + np.swapaxes(c, -1, -2)) / 2


STATS += [
    # K - 1 components of x, so that every perturbation stays on the simplex
    _row("stats.dirichlet.logpdf", st.dirichlet.logpdf, (np.array([0.2, 0.5]), ALPHA)),
    _row("stats.dirichlet.pdf", st.dirichlet.pdf, (np.array([0.2, 0.5]), ALPHA)),
    _row("stats.dirichlet.entropy", st.dirichlet.entropy, (ALPHA,)),
    _row("stats.multivariate_normal.logpdf",
         lambda x, m, c: st.multivariate_normal.logpdf(x, m, _sym(c)),
         (rand((2, 3), seed=4), rand((3,), seed=5), COV)),
    _row("stats.multivariate_normal.pdf",
         lambda x, m, c: st.multivariate_normal.pdf(x, m, _sym(c)),
         (rand((2, 3), seed=4), rand((3,), seed=5), COV)),
    _row("stats.multivariate_normal.entropy",
         lambda c: st.multivariate_normal.entropy(None, _sym(c)), (COV,)),
]

# -- scipy.signal: a traced array with a NumPy constant, modes, n-d, axes= -----------------
K = np.array([0.5, -0.3, 0.2])  # a NumPy float64 constant: float32 traced input promotes
WITH_CONSTANT = [_row(f"signal.{n}[{mode}]",
                      lambda a, n=n, mode=mode: getattr(ss, n)(a, K, mode), (rand((5,), seed=1),))
                 for n in ("convolve", "correlate", "fftconvolve", "oaconvolve")
                 for mode in ("full", "same", "valid")]
WITH_CONSTANT += [
    _row("signal.lfilter[x]", lambda x: ss.lfilter(K, [1.0, -0.5], x), (rand((2, 6), seed=3),)),
    _row("signal.sosfilt", lambda b, x: ss.sosfilt(
        np.concatenate([b, np.array([[1.0, -0.3, 0.1]])], axis=1), x),
        (np.array([[0.5, 0.2, 0.1]]), rand((6,), seed=4))),
]
PROMOTES = {c.name for c in WITH_CONSTANT}  # float32 with a float64 constant: float64, as NumPy
SIGNAL = WITH_CONSTANT + [
    _row(f"signal.{n}[2-d,axes]", lambda a, b, n=n: getattr(ss, n)(a, b, "same", axes=1),
         (rand((2, 5), seed=1), rand((1, 3), seed=2))) for n in ("fftconvolve", "oaconvolve")]
SIGNAL.append(
    _row("signal.lfilter", ss.lfilter, (K, np.array([1.2, -0.4, 0.2]), rand((6,), seed=3))))

# -- scipy.linalg -----------------------------------------------------------------------
AB = np.array([[0.0, 0.5, 0.3, 0.2], [3.0, 4.0, 3.5, 3.2], [0.4, 0.6, 0.2, 0.0]])
A = np.eye(3) * 1.5 + 0.2 * np.random.default_rng(0).standard_normal((3, 3))
B4 = rand((4,), seed=1)
LINALG = [
    _row("linalg.solve_banded", lambda ab, b: sl.solve_banded((1, 1), ab, b), (AB, B4)),
    _row("linalg.solveh_banded", sl.solveh_banded, (AB[:2].copy(), B4)),
    _row("linalg.solve_circulant", sl.solve_circulant, (np.array([4.0, 1.0, 0.5, 0.2]), B4)),
    _row("linalg.solve_toeplitz", lambda c, r, b: sl.solve_toeplitz((c, r), b),
         (np.array([4.0, 1.0, 0.5, 0.2]), np.array([9.0, 0.7, 0.3, 0.1]), B4)),
    _row("linalg.logm", sl.logm, (A,)),
    _row("linalg.expm_frechet", sl.expm_frechet, (rand((3, 3), -1, 1, seed=2), rand((3, 3)))),
    _row("linalg.polar", sl.polar, (A,)),
    _row("linalg.block_diag", sl.block_diag, (rand((2, 2)), rand((1, 3), seed=1))),
]

# -- scipy.integrate: in y0, t and args; quad in the limits and args ------------------------
TIGHT = dict(rtol=1e-10, atol=1e-12)  # the solvers' options, not a test tolerance


def _decay(y, t, k):
    return -k * y + 0.1 * np.sin(t)


INTEGRATE = [
    _row("integrate.odeint",
         lambda y0, t, k: si.odeint(_decay, y0, t, args=(k,), **TIGHT),
         (np.array([1.0, 0.5]), np.array([0.0, 0.4, 1.0]), np.array([0.7, 0.3]))),
    _row("integrate.solve_ivp",
         lambda y0, te, k: si.solve_ivp(lambda t, y, k: _decay(y, t, k), (0.0, 1.0), y0,
                                        t_eval=te, args=(k,), **TIGHT).y,
         (np.array([1.0, 0.5]), np.array([0.4, 0.9]), np.array([0.7, 0.3]))),
    _row("integrate.quad",
         lambda a, b, c: si.quad(lambda x, c: np.exp(-c * x * x), a, b, args=(c,),
                                 epsabs=1e-13, epsrel=1e-12)[0],
         (np.array(-0.5), np.array(1.5), np.array(0.8))),
    _row("integrate.quad_vec",
         lambda a, b, c: si.quad_vec(lambda x, c: np.exp(-x * c) / (1 + x), a, b, args=(c,),
                                     epsrel=1e-12)[0],
         (np.array(0.2), np.array(2.0), np.array([0.5, 1.0]))),
]

AUDIT = SPECIAL + STATS + SIGNAL + LINALG + INTEGRATE


@pytest.mark.parametrize("case", AUDIT, ids=case_id)
def test_named_function_by_its_scipy_name(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SciPy's float32 logm inaccuracy, quad's roundoff
        check_case(case)
        _traced_value(case)


def _traced_value(case):
    """Inside a transform: SciPy's value, and float32 arguments give float32 results."""
    ans, _ = tg.vjp(case.fun, *case.args)
    ref = case.fun(*case.args)
    for a, b in zip(tg.tree.leaves(ans), tg.tree.leaves(ref), strict=True):
        np.testing.assert_allclose(a, b, **tol("roundoff"), err_msg=str(case))
    args32 = tuple(np.asarray(a, np.float32) for a in case.args)
    want = np.float64 if case.name in PROMOTES else np.float32
    for a in tg.tree.leaves(tg.vjp(case.fun, *args32)[0]):
        assert np.asarray(a).dtype == want, f"{case}: float32 in, {a.dtype} out"


# -- every function the issue names has a row above and full rows in its family's tables ----
_METHODS = ("logpdf", "pdf", "logcdf", "cdf", "sf", "logsf", "ppf", "entropy")
ISSUE = {
    "special": ("jv yv iv ive kv kve j0 j1 y0 y1 i0 i1 i0e i1e k0 k1 spherical_jn spherical_yn "
                "gammainc gammaincc gammaincinv betainc betaincinv erfinv erfcinv ndtri "
                "gammasgn rgamma polygamma zeta expn exp1 expi owens_t").split(),
    "stats": [f"{d}.{m}" for d in CONTINUOUS for m in _METHODS]
    + [f"{d}.{m}" for d in ("dirichlet", "multivariate_normal") for m in ("logpdf", "pdf",
                                                                           "entropy")],
    "signal": "convolve correlate fftconvolve oaconvolve lfilter sosfilt".split(),
    "integrate": "odeint solve_ivp quad quad_vec".split(),
    "linalg": ("solve_banded solveh_banded solve_circulant solve_toeplitz logm expm_frechet "
               "polar block_diag").split(),
}
FAMILIES = {"special": ("test_special", "test_special_more"),
            "stats": ("test_stats", "test_stats_more"), "signal": ("test_signal",),
            "integrate": ("test_integrate",), "linalg": ("test_linalg_more", "test_scipy_linalg")}
# float32 of logm is checked outside its harness rows (SciPy warns that its own float32 logm
# is inaccurate): test_linalg_more.test_logm_float32_keeps_its_dtype_and_derivative
NO_FLOAT32_ROW = {"logm"}


def _base(name):
    """A row's function: 'gamma(2.5,).cdf[shapes]' -> 'gamma.cdf', 'polygamma3' -> 'polygamma',
    'solve_ivp_RK45' -> 'solve_ivp'."""
    name = re.sub(r"\(.*?\)", "", name.split("[")[0].split("#")[0])
    return re.sub(r"_(RK45|DOP853|t_span)$|(?<=polygamma)\d+$", "", name)


def _family_rows(family):
    rows = []
    for module in FAMILIES[family]:
        mod = importlib.import_module(module)
        rows += [c for v in vars(mod).values() if isinstance(v, list)
                 for c in v if isinstance(c, Case)]
    return rows


def _full(case, float32=True):
    return (case.order >= 2 and set(case.modes) == {"fwd", "rev"} and case.vmap
            and (case.float32 or not float32))


@pytest.mark.parametrize("family,name", [(f, n) for f, names in ISSUE.items() for n in names])
def test_issue_function_has_full_harness_rows(family, name):
    audit = [c for c in AUDIT if _base(c.name) == f"{family}.{name}"]
    assert audit and all(_full(c) for c in audit), f"no SciPy-name row for {family}.{name}"
    rows = [c for c in _family_rows(family) if _base(c.name) == name]
    assert any(_full(c, name not in NO_FLOAT32_ROW) for c in rows), \
        f"{family}.{name}: no family row at order 2, both modes, vmap and float32: {rows}"
