"""tangents.scipy.special, the second family (Bessel, incomplete gamma/beta, inverses,
exponential integrals, zeta, owens_t): every function through the shared harness, SciPy ufunc
dispatch, and shape-parameter derivatives against mpmath's to 1e-10."""
import numpy as np
import pytest

sc = pytest.importorskip("scipy.special")

from harness import SHAPES, Case, case_id, check_case, positive, rand, tol  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.numpy as tnp  # noqa: E402
import tangents.scipy.special as tss  # noqa: E402


def _between(lo, hi):
    return lambda s, seed=0: rand(s, lo, hi, seed)


def _keep(ans, x):
    """SciPy's result in x's dtype (its integer-order loops compute float32 in float64;
    ours keep float32)."""
    return np.asarray(ans).astype(np.asarray(x).dtype)


UNARY = [  # (name, domain of x)
    ("j0", rand), ("j1", rand), ("y0", positive), ("y1", positive), ("k0", positive),
    ("k1", positive), ("k0e", positive), ("k1e", positive), ("erfcinv", _between(0.1, 1.9)),
    ("gammasgn", _between(-2.9, 2.9)), ("rgamma", _between(-2.9, 2.9)), ("exp1", positive),
    ("expi", _between(0.2, 2.0)),
]
BINARY = [  # (name, domain of the first and second argument); every float argument is
    # differentiated, so an order v of a Bessel function is passed inside the lambda
    ("gammainc", _between(0.3, 4.0), positive), ("gammaincc", _between(0.3, 4.0), positive),
    ("gammaincinv", _between(0.5, 4.0), _between(0.1, 0.9)), ("owens_t", rand, rand),
    ("zeta", _between(1.5, 4.0), positive),
]
CASES = [Case(n, getattr(tss, n), (d(s),), np_fun=getattr(sc, n)) for n, d in UNARY
         for s in SHAPES]
CASES += [Case(n, getattr(tss, n), (d1(s), d2(s, seed=3)), np_fun=getattr(sc, n))
          for n, d1, d2 in BINARY for s in SHAPES[:4]]
CASES += [Case(n, getattr(tss, n), tuple(d(s, seed=k) for k, d in enumerate(doms)),
               np_fun=getattr(sc, n))
          for n, doms in (("betainc", (positive, positive, _between(0.1, 0.9))),
                          ("betaincc", (positive, positive, _between(0.1, 0.9))),
                          ("betaincinv", (positive, positive, _between(0.1, 0.9))))
          for s in SHAPES[:3]]
ORDERS = {"jv": 1.5, "yv": 2.5, "iv": 0.5, "ive": 1.0, "kv": 1.5, "kve": 0.5}
CASES += [Case(f"{n}[v={v}]", lambda x, n=n, v=v: getattr(tss, n)(v, x),
               (positive(s) + 0.3,), np_fun=lambda x, n=n, v=v: getattr(sc, n)(v, x))
          for n, v in ORDERS.items() for s in SHAPES]
# the order v differentiated too (v in [-2, 3], x in [0.5, 4.5]: where the integrals hold)
CASES += [Case(f"{n}[v,x]", getattr(tss, n), (rand(s, -2.0, 3.0, seed=2), positive(s) + 0.5),
               np_fun=getattr(sc, n)) for n in ORDERS for s in SHAPES[:3]]
CASES += [Case(f"{n}[n={k},derivative={d}]",
               lambda x, n=n, k=k, d=d: getattr(tss, n)(k, x, derivative=d),
               (positive(s) + 0.3,),
               np_fun=lambda x, n=n, k=k, d=d: _keep(getattr(sc, n)(k, x, d), x))
          for n in ("spherical_jn", "spherical_yn") for k in (0, 2) for d in (False, True)
          for s in SHAPES[:3]]
CASES += [Case(f"yn[n={k}]", lambda x, k=k: tss.yn(k, x), (positive(s) + 0.3,),
               np_fun=lambda x, k=k: _keep(sc.yn(k, x), x))
          for k in (0, 1, 3, -2) for s in SHAPES[:3]]
CASES += [Case("jn[n=2]", lambda x: tss.jn(2, x), (positive(s) + 0.3,),
               np_fun=lambda x: sc.jn(2, x)) for s in SHAPES[:3]]
CASES += [Case(f"expn[n={k}]", lambda x, k=k: tss.expn(k, x), (positive(s),),
               np_fun=lambda x, k=k: _keep(sc.expn(k, x), x))
          for k in (0, 1, 3) for s in SHAPES[:3]]
CASES += [Case("zeta[riemann]", tss.zeta, (_between(1.5, 4.0)(s),), np_fun=sc.zeta)
          for s in SHAPES[:3]]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_special_more_rule(case):
    check_case(case)


DISPATCH = [  # (scipy callable, tangents callable, arguments)
    *[(getattr(sc, n), getattr(tss, n), (np.array([0.4, 0.7]),)) for n, _ in UNARY],
    *[(getattr(sc, n), getattr(tss, n), (np.array([1.5, 2.0]), np.array([0.3, 0.6])))
      for n, _, _ in BINARY],
    *[(getattr(sc, n), getattr(tss, n), (np.array([1.5, 2.0]), np.array([2.0, 3.0]),
                                         np.array([0.3, 0.6])))
      for n in ("betainc", "betaincc", "betaincinv")],
    *[(lambda x, n=n: getattr(sc, n)(1.5, x), lambda x, n=n: getattr(tss, n)(1.5, x),
       (np.array([0.4, 0.7]),)) for n in ORDERS],
    (lambda x: sc.expn(2, x), lambda x: tss.expn(2, x), (np.array([0.4, 0.7]),)),
    (lambda x: sc.yn(2, x), lambda x: tss.yn(2, x), (np.array([0.4, 0.7]),)),
    (lambda v, x: sc.jn(v, x), tss.jn, (np.array([1.5, 2.0]), np.array([0.4, 0.7]))),
    (sc.zeta, tss.zeta, (np.array([1.5, 3.0]),)),
]


@pytest.mark.parametrize("sc_fn,tss_fn,args", DISPATCH)
def test_scipy_ufuncs_dispatch_on_traced_values(sc_fn, tss_fn, args):
    argnums = tuple(range(len(args)))
    got = tg.grad(lambda *a: np.sum(sc_fn(*a)), argnums=argnums)(*args)
    want = tg.grad(lambda *a: tnp.sum(tss_fn(*a)), argnums=argnums)(*args)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("name", ["spherical_jn", "spherical_yn"])
@pytest.mark.parametrize("derivative", [False, True])
def test_scipy_spherical_bessel_on_traced_values_routes_here(name, derivative):
    # SciPy wraps these Python functions for the array API (they convert their arguments
    # before reaching the ufunc), so they cannot dispatch: tangents.scipy._registry routes
    # a traced call to tangents' version; a plain call stays SciPy's
    x = np.array([0.4, 0.7])
    got = tg.grad(lambda x: np.sum(getattr(sc, name)(2, x, derivative)))(x)
    want = tg.grad(lambda x: tnp.sum(getattr(tss, name)(2, x, derivative)))(x)
    np.testing.assert_array_equal(got, want)
    original = getattr(sc, name)._tangents_original
    np.testing.assert_array_equal(getattr(sc, name)(2, x, derivative), original(2, x, derivative))


def _nested(fn, order):
    for _ in range(order):
        fn = tg.elementwise_grad(fn)
    return fn


mp = pytest.importorskip("mpmath")
A = np.array([0.1, 0.3, 2.0, 5.0, 30.0, 50.0])
X = np.array([0.01, 2.0, 3.0, 2.0, 35.0, 40.0])


@pytest.mark.parametrize("order", [1, 2, 3])
def test_gammainc_a_derivative_to_1e_10(order):
    with mp.workdps(30):
        ref = [float(mp.diff(lambda s, x=x: mp.gammainc(s, 0, x, regularized=True), a, order))
               for a, x in zip(A, X)]
    np.testing.assert_allclose(_nested(lambda a: tss.gammainc(a, X), order)(A), ref,
                               **tol("composed"))
    np.testing.assert_allclose(_nested(lambda a: tss.gammaincc(a, X), order)(A),
                               -np.array(ref), **tol("composed"))


@pytest.mark.parametrize("orders", [(1, 0), (0, 1), (2, 0), (1, 1), (0, 2)])
def test_betainc_shape_derivatives_to_1e_10(orders):
    a, b = np.array([0.3, 2.0, 5.0, 0.5, 40.0]), np.array([0.7, 3.0, 1.5, 20.0, 0.2])
    x = np.array([0.2, 0.5, 0.9, 0.01, 0.99])
    with mp.workdps(30):
        ref = [float(mp.diff(lambda s, t, z=z: mp.betainc(s, t, 0, z, regularized=True),
                             (p, q), orders)) for p, q, z in zip(a, b, x)]
    i, j = orders
    got = _nested(lambda a: _nested(lambda b: tss.betainc(a, b, x), j)(b), i)(a)
    np.testing.assert_allclose(got, ref, **tol("composed"))


@pytest.mark.parametrize("order", [1, 2])
def test_zeta_x_derivative_to_1e_10(order):
    x, q = np.array([1.1, 1.5, 2.0, 4.0, 10.0]), np.array([1.0, 0.3, 2.0, 1.0, 5.0])
    with mp.workdps(30):
        ref = [float(mp.diff(lambda s, q=q: mp.zeta(s, q), xx, order)) for xx, q in zip(x, q)]
    np.testing.assert_allclose(_nested(lambda x: tss.zeta(x, q), order)(x), ref, **tol("composed"))


def test_zeta_x_derivative_is_nan_below_one_not_wrong():
    g = tg.elementwise_grad(tss.zeta)(np.array([0.5, 2.0]))
    assert np.isnan(g[0]) and np.isfinite(g[1])


def test_stats_cdfs_use_the_one_definition():
    import tangents.scipy.stats as tst
    from tangents.scipy import _special_more
    assert tst._gammainc_p is _special_more._gammainc_p
    assert tst._betainc_p is _special_more._betainc_p
    tg.check_grads(lambda a, b: tst.beta.cdf(0.4, a, b), (2.0, 3.0), order=2)


def test_constant_integer_orders():
    for fn in (lambda n: tss.expn(n, 1.0), lambda n: tss.spherical_jn(n, 1.0)):
        with pytest.raises(TypeError, match="must be a constant integer"):
            tg.grad(fn)(2.0)


BESSEL = {"jv": mp.besselj, "yv": mp.bessely, "iv": mp.besseli, "kv": mp.besselk,
          "ive": lambda v, x: mp.besseli(v, x) * mp.exp(-x),
          "kve": lambda v, x: mp.besselk(v, x) * mp.exp(x)}
# negative, integer and half-integer orders; |v| <= x + 4 (see _bessel_order's docstring)
V = np.array([-3.5, -2.0, -0.7, 0.5, 1.0, 2.5, 4.0, 7.3, 7.3])
XV = np.array([0.5, 3.0, 1.0, 8.0, 20.0, 2.0, 60.0, 2.0, 4.0])


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("name", sorted(BESSEL))
def test_bessel_order_derivative_to_1e_10(name, order):
    keep = np.abs(V) <= XV + 4
    v, x = V[keep], XV[keep]
    with mp.workdps(30):
        ref = [float(mp.diff(lambda s, z=z: BESSEL[name](s, z), w, order))
               for w, z in zip(v, x)]
    got = _nested(lambda v: getattr(tss, name)(v, x), order)(v)
    np.testing.assert_allclose(got, ref, **tol("composed"))


@pytest.mark.parametrize("name", sorted(BESSEL))
def test_bessel_order_derivative_is_nan_at_nonpositive_x_not_wrong(name):
    g = tg.elementwise_grad(lambda v: getattr(tss, name)(v, np.array([-1.0, 2.0])))(
        np.array([1.5, 1.5]))
    assert np.isnan(g[0]) and np.isfinite(g[1])
