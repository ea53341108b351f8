"""tangents.scipy.special: every function through the shared harness, plus stability and
the conventions at x == 0."""
import importlib
import sys

import numpy as np
import pytest

sc = pytest.importorskip("scipy.special")

from harness import BROADCAST_PAIRS, SHAPES, Case, case_id, check_case, positive, rand, tol, unit  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.numpy as tnp  # noqa: E402
import tangents.scipy.special as tss  # noqa: E402


def _between(lo, hi):
    return lambda s, seed=0: rand(s, lo, hi, seed)


UNARY = [  # (name, domain)
    ("expit", rand), ("logit", _between(0.1, 0.9)), ("erf", rand), ("erfc", rand),
    ("erfinv", unit), ("erfcx", rand), ("gammaln", positive), ("digamma", positive),
    ("gamma", positive), ("entr", positive), ("log_ndtr", rand), ("ndtr", rand),
    ("ndtri", _between(0.1, 0.9)), ("i0", rand), ("i1", rand), ("i0e", rand), ("i1e", rand),
    ("exp2", rand), ("exp10", rand), ("log_expit", _between(-30.0, 30.0)),
]
BINARY = [
    ("xlogy", rand, positive), ("xlog1py", rand, positive), ("beta", positive, positive),
    ("betaln", positive, positive), ("rel_entr", positive, positive),
    ("kl_div", positive, positive),
    # Box-Cox in x and lmbda (lmbda in [-2, 2]); the inverses need 1 + lmbda y > 0
    ("boxcox", positive, rand), ("boxcox1p", _between(-0.5, 2.0), rand),
    ("inv_boxcox", _between(-0.4, 0.4), rand), ("inv_boxcox1p", _between(-0.4, 0.4), rand),
]

CASES = [Case(name, getattr(tss, name), (dom(s),), np_fun=getattr(sc, name))
         for name, dom in UNARY for s in SHAPES]
CASES += [Case(name, getattr(tss, name), (d1(s1), d2(s2, seed=3)), np_fun=getattr(sc, name))
          for name, d1, d2 in BINARY for s1, s2 in BROADCAST_PAIRS]
CASES += [Case(f"polygamma{n}", lambda x, n=n: tss.polygamma(n, x), (positive(s),),
               # SciPy's result is float64 for float32 input (its integer n promotes); ours
               # keeps float32
               np_fun=lambda x, n=n: np.asarray(sc.polygamma(n, x)).astype(x.dtype))
          for n in (0, 1, 3) for s in SHAPES[:3]]
CASES += [Case(f"multigammaln{d}", lambda a, d=d: tss.multigammaln(a, d), (positive(s) + 2,),
               # SciPy's result is float64 for float32 input; ours keeps float32
               np_fun=lambda a, d=d: np.asarray(sc.multigammaln(a, d)).astype(a.dtype))
          for d in (1, 3) for s in SHAPES[:3]]

# logsumexp / softmax / log_softmax over axis None, int, negative, tuple, keepdims, and b
AXES = [(None, False), (0, False), (-1, True), ((0, 2), False), ((-1, 0), True)]
CASES += [Case(f"logsumexp[axis={ax},keepdims={kd}]",
               lambda a, ax=ax, kd=kd: tss.logsumexp(a, axis=ax, keepdims=kd), (rand((2, 3, 4)),),
               np_fun=lambda a, ax=ax, kd=kd: sc.logsumexp(a, axis=ax, keepdims=kd))
          for ax, kd in AXES]
CASES += [Case(f"{f.__name__}[axis={ax}]", lambda a, f=f, ax=ax: f(a, axis=ax),
               (rand((2, 3, 4)),), np_fun=lambda a, g=g, ax=ax: g(a, axis=ax))
          for f, g in ((tss.softmax, sc.softmax), (tss.log_softmax, sc.log_softmax))
          for ax, _ in AXES[:4]]
CASES += [Case("softmax[0-d]", tss.softmax, (rand(()),), np_fun=sc.softmax),
          Case("logsumexp[size-0 rows]", lambda a: tss.logsumexp(a, axis=1), (rand((0, 3)),),
               np_fun=lambda a: sc.logsumexp(a, axis=1))]
B_ROWS = [  # (a shape, b shape, axis, keepdims, b sign)
    ((3,), (3,), None, False, 1), ((2, 3), (3,), -1, True, 1), ((2, 3), (2, 1), 0, False, 1),
    ((2, 3), (2, 3), (0, 1), False, -1), ((4, 1), (1, 3), 0, True, -1),
]
for sa, sb, ax, kd, sign in B_ROWS:
    bval = positive(sb, seed=4) * np.where(np.arange(np.prod(sb)).reshape(sb) % 2, sign, 1)
    kw = dict(axis=ax, keepdims=kd, return_sign=sign < 0)
    pick = (lambda r: r[0]) if sign < 0 else (lambda r: r)
    CASES.append(Case(f"logsumexp_b[axis={ax},sign={sign}]",
                      lambda a, b, kw=kw, pick=pick: pick(tss.logsumexp(a, b=b, **kw)),
                      (rand(sa), bval),
                      np_fun=lambda a, b, kw=kw, pick=pick: pick(sc.logsumexp(a, b=b, **kw))))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_special_rule(case):
    check_case(case)


@pytest.mark.parametrize("fn,x", [(tss.digamma, positive((3,))), (tss.i1, rand((3,))),
                                  (tss.erfinv, unit((3,))), (tss.log_ndtr, rand((3,)))])
def test_third_order(fn, x):
    tg.check_grads(fn, (x,), order=3)


def test_logsumexp_is_stable_at_large_magnitude():
    x = np.array([1e3, 1e3 + 1.0, 1e3 - 2.0])
    g = tg.grad(tss.logsumexp)(x)
    np.testing.assert_allclose(g, sc.softmax(x), **tol("roundoff"))
    h = tg.hessian(tss.logsumexp)(x)
    s = sc.softmax(x)
    np.testing.assert_allclose(h, np.diag(s) - np.outer(s, s), **tol("composed"))
    gb = tg.grad(lambda x: tss.logsumexp(x, b=np.array([1.0, 2.0, 0.5])))(x)
    np.testing.assert_allclose(gb, sc.softmax(x + np.log([1.0, 2.0, 0.5])), **tol("roundoff"))


def test_logsumexp_return_sign():
    a, b = rand((2, 3)), np.array([1.0, -2.0, 0.5])
    val, sign = tss.logsumexp(a, axis=1, b=b, return_sign=True)
    ref_val, ref_sign = sc.logsumexp(a, axis=1, b=b, return_sign=True)
    np.testing.assert_allclose(val, ref_val)
    np.testing.assert_array_equal(sign, ref_sign)

    def f(a):
        v, s = tss.logsumexp(a, axis=1, b=b, return_sign=True)
        assert type(s) is np.ndarray  # the sign is a constant
        return tnp.sum(v)
    tg.grad(f)(a)
    _, s1 = tss.logsumexp(a, return_sign=True)
    assert s1 == 1.0


def test_log_ndtr_derivative_is_stable_in_the_far_tail():
    x = np.array([-40.0, -10.0, 0.0, 8.0])
    g = tg.elementwise_grad(tss.log_ndtr)(x)
    # phi / Phi = sqrt(2/pi) / erfcx(-x / sqrt(2))
    np.testing.assert_allclose(g, np.sqrt(2 / np.pi) / sc.erfcx(-x / np.sqrt(2)), **tol("composed"))


def test_xlogy_derivatives_at_x_zero():
    x = np.zeros(3)
    y = np.array([0.0, 0.5, 2.0])
    for f in (tss.xlogy, lambda x, y: tss.xlog1py(x, y - 1.0)):
        gy = tg.grad(lambda y: tnp.sum(f(x, y)))(y)
        np.testing.assert_array_equal(gy, [0.0, 0.0, 0.0])
        hy = tg.hessian(lambda y: tnp.sum(f(x, y)))(y)
        np.testing.assert_array_equal(hy, np.zeros((3, 3)))
        # the mixed derivative is still 1/y where y != 0
        gxy = tg.grad(lambda x: tnp.sum(tg.grad(lambda y: tnp.sum(f(x, y)))(y)))(x)
        np.testing.assert_allclose(gxy[1:], 1 / y[1:])
    # cross-entropy with zero probabilities: finite gradient in the logits
    p = np.array([0.0, 1.0])
    g = tg.grad(lambda z: -tnp.sum(tss.xlogy(p, tss.softmax(z))))(np.array([50.0, -50.0]))
    assert np.all(np.isfinite(g))


def test_bessel_derivatives_at_zero():
    zero = np.zeros(1)
    np.testing.assert_allclose(tg.elementwise_grad(tss.i1)(zero), [0.5])
    np.testing.assert_allclose(tg.elementwise_grad(tss.i1e)(zero), [0.5])
    np.testing.assert_allclose(tg.elementwise_grad(tss.i0)(zero), [0.0])
    tg.check_grads(tss.i1, (np.array([0.0, 1e-3]),), order=2)


@pytest.mark.parametrize("name", [n for n, _ in UNARY])
def test_scipy_ufuncs_dispatch_on_traced_values(name):
    x = _between(0.2, 0.8)((3,))
    g_sc = tg.grad(lambda x: np.sum(getattr(sc, name)(x)))(x)
    g_tss = tg.grad(lambda x: tnp.sum(getattr(tss, name)(x)))(x)
    np.testing.assert_array_equal(g_sc, g_tss)


BOXCOX = ["boxcox", "boxcox1p", "inv_boxcox", "inv_boxcox1p"]


@pytest.mark.parametrize("name", ["exp2", "exp10", "log_expit", "expm1", "log1p", "cbrt"]
                         + BOXCOX)
def test_scipy_ufuncs_of_this_family_dispatch(name):
    x, lmbda = _between(0.2, 0.8)((3,)), np.array([0.0, 0.3, -1.2])
    args = (x, lmbda) if name in BOXCOX else (x,)
    g_sc = tg.grad(lambda *a: np.sum(getattr(sc, name)(*a)), argnums=tuple(range(len(args))))
    fn = getattr(tss, name, None) or getattr(tnp, name)
    g_tss = tg.grad(lambda *a: tnp.sum(fn(*a)), argnums=tuple(range(len(args))))
    for a, b in zip(g_sc(*args), g_tss(*args), strict=True):
        np.testing.assert_array_equal(a, b)


def test_boxcox_at_and_near_lmbda_zero():
    x = np.array([0.3, 1.0, 2.5])
    L = np.log(x)
    for name, at in (("boxcox", x), ("boxcox1p", x - 1)):
        f = getattr(tss, name)
        d1 = tg.elementwise_grad(lambda lam: f(at, lam))(np.zeros(3))
        d2 = tg.elementwise_grad(tg.elementwise_grad(lambda lam: f(at, lam)))(np.zeros(3))
        np.testing.assert_allclose(f(at, 0.0), L)
        np.testing.assert_allclose(d1, L ** 2 / 2, **tol("exact"))  # expm1(l L) / l = L + l L^2 / 2
        np.testing.assert_allclose(d2, L ** 3 / 3, **tol("exact"))
        np.testing.assert_allclose(tg.elementwise_grad(lambda x: f(x, 0.0))(at), 1 / x)
    y = np.array([-0.4, 0.2, 0.9])
    for name, shift in (("inv_boxcox", 0.0), ("inv_boxcox1p", 1.0)):
        f = getattr(tss, name)
        d1 = tg.elementwise_grad(lambda lam: f(y, lam))(np.zeros(3))
        d2 = tg.elementwise_grad(tg.elementwise_grad(lambda lam: f(y, lam)))(np.zeros(3))
        np.testing.assert_allclose(f(y, 0.0) + shift, np.exp(y))
        np.testing.assert_allclose(d1, -np.exp(y) * y ** 2 / 2, **tol("exact"))
        np.testing.assert_allclose(d2, np.exp(y) * (y ** 4 / 4 + 2 * y ** 3 / 3), **tol("exact"))
    # the series (small |lmbda log x|) and the closed form meet smoothly
    for name, at, edge in (("boxcox", 2.0, 0.5 / np.log(2.0)), ("inv_boxcox", 0.5, 0.5)):
        f = getattr(tss, name)
        for order in (1, 2):
            d = lambda lam: f(at, lam)
            for _ in range(order):
                d = tg.grad(d)
            below, above = d(edge * (1 - 1e-9)), d(edge * (1 + 1e-9))
            np.testing.assert_allclose(below, above, **tol("truncation"))
    # at x == 0 (boxcox(0, l) = -1 / l for l > 0) the lmbda-derivative is finite: 1 / l^2
    with np.errstate(divide="ignore"):  # log(0) = -inf
        np.testing.assert_allclose(tg.grad(lambda lam: tss.boxcox(0.0, lam))(0.5), 4.0)


def test_vmap_of_grad():
    x = rand((4, 3))
    f = lambda x: tss.logsumexp(x, b=np.array([1.0, 2.0, 3.0])) + tnp.sum(tss.gammaln(x + 3))
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(x), np.stack([tg.grad(f)(r) for r in x]),
                               **tol("roundoff"))


@pytest.mark.parametrize("name,fn", [
    ("logsumexp", lambda f, x: f(x)), ("softmax", lambda f, x: tnp.sum(f(x) ** 2)),
    ("log_softmax", lambda f, x: tnp.sum(f(x) ** 2)), ("polygamma", lambda f, x: tnp.sum(f(1, x))),
    ("multigammaln", lambda f, x: tnp.sum(f(x + 2, 3)))])
def test_scipy_python_functions_on_traced_values_route_here(name, fn):
    # SciPy's Python functions convert their inputs (without SCIPY_ARRAY_API=1): a traced
    # call is routed to tangents' version (tangents.scipy._registry), a plain one is SciPy's
    x = positive((3,))
    got = tg.grad(lambda x: fn(getattr(sc, name), x))(x)
    np.testing.assert_array_equal(got, tg.grad(lambda x: fn(getattr(tss, name), x))(x))


def test_missing_scipy_raises_with_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy.special", None)
    monkeypatch.delitem(sys.modules, "tangents.scipy.special")
    with pytest.raises(ImportError, match=r"pip install tangents\[scipy\]"):
        importlib.import_module("tangents.scipy.special")


def test_logsumexp_is_one_primitive():
    """nn's logsumexp is the one primitive; SciPy's weighted form is composed on top."""
    from tangents.core import registry
    assert sorted(name for name in registry if "logsumexp" in name) == ["logsumexp"]


def test_weighted_logsumexp_shifts_by_the_largest_weighted_entry():
    # the largest entry of a has weight 0: a shift by it would underflow the rest to 0
    a, b = np.array([2000.0, 0.5, -1.0]), np.array([0.0, 2.0, -0.5])
    np.testing.assert_allclose(tss.logsumexp(a, b=b), sc.logsumexp(a, b=b), **tol("roundoff"))
    ga = tg.grad(lambda a: tss.logsumexp(a, b=b))(a)
    nz = b != 0  # d/da = b e^a / S: exactly 0 at a zero weight
    np.testing.assert_allclose(ga[nz], b[nz] * np.exp(a[nz] - sc.logsumexp(a, b=b)),
                               **tol("roundoff"))
    assert ga[0] == 0.0
    # a zero weight has a derivative (e^a / S) all the same
    tg.check_grads(lambda a, b: tss.logsumexp(a, b=b), (np.array([3.0, 0.5, -1.0]), b), order=2)
