"""Reductions family: sum, prod, mean, var, std, max/min, cumsum/cumprod through the shared
harness; exact derivatives at zeros, tie sharing, std at zero, and the integer/boolean
reductions (argmax, any, ...) on traced values."""
import functools
import itertools

import numpy as np
import pytest
from harness import Case, case_id, check_case, check_value, check_vmap, rand, tol

import tangents as tg
import tangents.numpy as tnp

# (shape, axis) pairs: 0-d, 1-d, n-d and size-0; None, int, negative and tuple axes
AXES = [((), None), ((), ()), ((3,), None), ((3,), 0), ((3,), -1), ((2, 3, 4), None),
        ((2, 3, 4), 1), ((2, 3, 4), -1), ((2, 3, 4), (0, -1)), ((2, 3, 4), (2, 0, 1)),
        ((0, 3), 1), ((0, 3), 0), ((0, 3), None)]


def _reduced_size(shp, axis):
    axes = range(len(shp)) if axis is None else np.atleast_1d(axis)
    return int(np.prod([shp[a] for a in axes]))


def _empty_ok(name, shp, axis):
    """Only sum and prod have a value on an empty slice (max/min raise, mean/var/std: nan)."""
    return _reduced_size(shp, axis) > 0 or name in ("sum", "prod")


REDUCTIONS = [  # (name, tangents function, NumPy function, extra keyword arguments)
    ("sum", tnp.sum, np.sum, {}), ("prod", tnp.prod, np.prod, {}),
    ("mean", tnp.mean, np.mean, {}), ("var", tnp.var, np.var, {}),
    ("var_ddof1", tnp.var, np.var, {"ddof": 1}), ("std", tnp.std, np.std, {}),
    ("std_ddof1", tnp.std, np.std, {"ddof": 1}),
    ("max", tnp.max, np.max, {}), ("amax", tnp.amax, np.amax, {}),
    ("min", tnp.min, np.min, {}), ("amin", tnp.amin, np.amin, {}),
]


def _red(fn, axis, keepdims, kw):
    return functools.partial(fn, axis=axis, keepdims=keepdims, **kw)


CASES = [Case(f"{name}-axis{axis}-keepdims{kd}", _red(fn, axis, kd, kw), (rand(shp),),
              np_fun=_red(np_fn, axis, kd, kw))
         for name, fn, np_fn, kw in REDUCTIONS for shp, axis in AXES for kd in (False, True)
         if _empty_ok(name.split("_")[0], shp, axis)
         and not (name.startswith(("var", "std")) and shp == () and "ddof" in kw)]

SCAN_AXES = [((), None), ((3,), None), ((3,), 0), ((3,), -1), ((2, 3, 4), None),
             ((2, 3, 4), 1), ((2, 3, 4), -1), ((2, 3, 4), 0), ((0, 3), 0), ((0, 3), -1),
             ((0, 3), None)]
CASES += [Case(f"{name}-axis{axis}", functools.partial(fn, axis=axis), (rand(shp),),
               np_fun=functools.partial(np_fn, axis=axis))
          for name, fn, np_fn in [("cumsum", tnp.cumsum, np.cumsum),
                                  ("cumprod", tnp.cumprod, np.cumprod)]
          for shp, axis in SCAN_AXES]

# reductions with where= and initial=
_W = np.array([[True, False, True], [False, False, True]])
CASES += [
    Case("sum-where-initial", lambda x: tnp.sum(x, axis=1, where=_W, initial=0.5), (rand((2, 3)),),
         np_fun=lambda x: np.sum(x, axis=1, where=_W, initial=0.5)),
    Case("prod-where", lambda x: tnp.prod(x, axis=0, where=_W), (rand((2, 3)),),
         np_fun=lambda x: np.prod(x, axis=0, where=_W)),
    Case("mean-where", lambda x: tnp.mean(x, axis=1, where=_W), (rand((2, 3)),),
         np_fun=lambda x: np.mean(x, axis=1, where=_W)),
    Case("mean-where-traced", lambda x: tnp.mean(x, axis=0, where=x > 0), (rand((4, 3)),),
         np_fun=lambda x: np.mean(x, axis=0, where=x > 0)),
    Case("max-where-initial", lambda x: tnp.max(x, axis=1, where=_W, initial=-5.0),
         (rand((2, 3)),), np_fun=lambda x: np.max(x, axis=1, where=_W, initial=-5.0)),
    Case("min-initial", lambda x: tnp.min(x, axis=0, initial=0.0), (rand((2, 3)),),
         np_fun=lambda x: np.min(x, axis=0, initial=0.0)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_reduction_rule(case):
    check_case(case)


# -- exact derivatives where slices hold zeros ---------------------------------------------
def _with_zeros(positions, shape=(3, 5)):
    x = rand(shape, 0.5, 1.5, seed=4) * np.where(rand(shape, seed=5) > 0, 1, -1)
    for p in positions:
        x[p] = 0.0
    return x


# row 0: one zero, row 1: two zeros, row 2: three zeros (along axis 1); column 1 too
ZEROS = _with_zeros([(0, 2), (1, 0), (1, 3), (2, 1), (2, 2), (2, 4)])
ZERO_CASES = [
    Case("prod-zeros-axis1", lambda x: tnp.prod(x, axis=1), (ZEROS,),
         np_fun=lambda x: np.prod(x, axis=1)),
    Case("prod-zeros-axis0-keepdims", lambda x: tnp.prod(x, axis=0, keepdims=True), (ZEROS,),
         np_fun=lambda x: np.prod(x, axis=0, keepdims=True)),
    Case("prod-zeros-all", tnp.prod, (ZEROS[:2],),
         np_fun=np.prod),
    Case("cumprod-zeros-axis1", lambda x: tnp.cumprod(x, axis=1), (ZEROS,),
         np_fun=lambda x: np.cumprod(x, axis=1)),
    Case("cumprod-zeros-axis0", lambda x: tnp.cumprod(x, axis=-2), (ZEROS,),
         np_fun=lambda x: np.cumprod(x, axis=-2)),
    Case("cumprod-zeros-flat", tnp.cumprod, (ZEROS[:2],), np_fun=np.cumprod),
]


@pytest.mark.parametrize("case", ZERO_CASES, ids=case_id)
def test_derivatives_at_zeros(case):
    check_case(case)


def _third_derivative_by_enumeration(x, upto):
    """d^3 prod(x[:upto]) / dx_i dx_j dx_k: the product of the other entries (i, j, k distinct)."""
    n = len(x)
    out = np.zeros((n, n, n))
    for i, j, k in itertools.permutations(range(upto), 3):
        out[i, j, k] = np.prod([x[m] for m in range(upto) if m not in (i, j, k)])
    return out


# finite differences of second derivatives are too noisy next to a zero (ans / x there), so
# third derivatives at zeros are compared with the product formula, entry by entry
@pytest.mark.parametrize("x", [[2.0, 0.0, -1.5, 3.0, 0.5], [2.0, 0.0, 0.0, 3.0, 0.5],
                               [0.0, 0.0, 1.5, 3.0, -2.0], [1.5, 2.0, -1.0, 3.0, 0.5]])
def test_third_derivatives_exact_with_up_to_two_zeros(x):
    x = np.array(x)
    want = _third_derivative_by_enumeration(x, len(x))
    np.testing.assert_allclose(tg.jacfwd(tg.jacrev(tg.grad(tnp.prod)))(x), want, **tol("composed"))
    np.testing.assert_allclose(tg.jacrev(tg.jacfwd(tg.jacfwd(tnp.prod)))(x), want,
                               **tol("composed"))
    cum = tg.jacfwd(tg.jacrev(tg.jacfwd(tnp.cumprod)))(x)
    for n in range(len(x)):
        np.testing.assert_allclose(cum[n], _third_derivative_by_enumeration(x, n + 1),
                                   **tol("composed"))


def test_prod_gradient_at_zeros_is_the_product_of_the_others():
    x = np.array([[2.0, 0.0, 3.0], [0.0, 4.0, 0.0]])
    g = tg.grad(lambda x: tnp.sum(tnp.prod(x, axis=1)))(x)
    np.testing.assert_array_equal(g, [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0]])
    h = tg.hessian(lambda x: tnp.prod(x))(np.array([5.0, 0.0, 2.0, 0.0]))
    assert np.isfinite(h).all() and h[1, 3] == h[3, 1] == 10.0


@pytest.mark.parametrize("fn", [lambda x: tnp.prod(x, axis=-1),
                                lambda x: tnp.cumprod(x, axis=-1)], ids=["prod", "cumprod"])
def test_vmap_of_derivatives_at_zeros_equals_stacking(fn):
    def g(x):
        return tg.grad(lambda x: tnp.sum(fn(x) * np.arange(1.0, 6.0)[: x.shape[-1]]))(x)

    def h(x):
        return tg.hessian(lambda x: tnp.sum(fn(x)))(x)
    for f in (g, h):
        np.testing.assert_allclose(tg.vmap(f)(ZEROS), np.stack([f(r) for r in ZEROS]))
        np.testing.assert_allclose(tg.vmap(f, in_axes=1)(ZEROS.T), np.stack([f(r) for r in ZEROS]))


# -- ties and kinks --------------------------------------------------------------------------
def _rows(x0, x1):
    """The (2, n) array with rows x0 and x1, written with differentiable operations."""
    return (tnp.reshape(x0, (1, -1)) * np.array([[1.0], [0.0]])
            + tnp.reshape(x1, (1, -1)) * np.array([[0.0], [1.0]]))


TIE_REDUCERS = {
    "max": lambda x0, x1: tnp.max(_rows(x0, x1), axis=0),
    "amax": lambda x0, x1: tnp.amax(_rows(x0, x1), axis=0),
    "np.max": lambda x0, x1: np.max(_rows(x0, x1), axis=-2),
    "method": lambda x0, x1: _rows(x0, x1).max(axis=0),
}


@pytest.mark.parametrize("name", sorted(TIE_REDUCERS))
def test_max_agrees_with_maximum_on_ties(name):
    x0 = np.array([1.0, -2.0, 0.5])
    x1 = np.array([1.0, 3.0, 0.5])  # tied in columns 0 and 2
    red = TIE_REDUCERS[name]
    outer = lambda f: lambda x0, x1: tnp.sum(f(x0, x1) ** 3 * np.array([1.0, 2.0, -1.0]))
    f_red, f_ref = outer(red), outer(tnp.maximum)
    g = tg.grad(f_red, argnums=(0, 1))(x0, x1)
    g_ref = tg.grad(f_ref, argnums=(0, 1))(x0, x1)
    np.testing.assert_allclose(g, g_ref)
    np.testing.assert_allclose(g[0], [1.5, 0.0, -0.375])
    hess = tg.hessian(f_red, argnums=(0, 1))(x0, x1)
    hess_ref = tg.hessian(f_ref, argnums=(0, 1))(x0, x1)
    np.testing.assert_allclose(hess, hess_ref)
    t = (np.array([1.0, 1.0, 2.0]), np.array([3.0, 0.0, 0.0]))
    np.testing.assert_allclose(tg.jvp(red, (x0, x1), t)[1], tg.jvp(tnp.maximum, (x0, x1), t)[1])


def test_min_agrees_with_minimum_on_ties():
    x0, x1 = np.array([1.0, -2.0]), np.array([1.0, 3.0])
    f = lambda x0, x1: tnp.sum(tnp.min(_rows(x0, x1), axis=0) ** 2)
    f_ref = lambda x0, x1: tnp.sum(tnp.minimum(x0, x1) ** 2)
    np.testing.assert_allclose(tg.grad(f, (0, 1))(x0, x1), tg.grad(f_ref, (0, 1))(x0, x1))


def test_k_tied_maxima_share_equally():
    x = np.array([[2.0, 2.0, 1.0, 2.0], [0.0, -1.0, -1.0, -3.0]])
    g = tg.grad(lambda x: tnp.sum(tnp.max(x, axis=1)))(x)
    np.testing.assert_allclose(g, [[1 / 3, 1 / 3, 0, 1 / 3], [1, 0, 0, 0]])
    g = tg.grad(lambda x: tnp.sum(tnp.amin(x, axis=1, keepdims=True)))(x)
    np.testing.assert_allclose(g, [[0, 0, 1, 0], [0, 0, 0, 1]])


@pytest.mark.parametrize("ddof", [0, 1])
def test_std_of_a_constant_row_has_zero_gradient(ddof):
    x = np.array([[1.5, 1.5, 1.5], [1.0, 2.0, 4.0]])
    f = lambda x: tnp.sum(tnp.std(x, axis=1, ddof=ddof) * np.array([1.0, 2.0]))
    g = tg.grad(f)(x)
    np.testing.assert_array_equal(g[0], 0.0)
    np.testing.assert_allclose(g[1], tg.grad(lambda r: 2 * np.std(r, ddof=ddof))(x[1]))
    for d in (tg.hessian(f)(x), tg.jvp(tg.grad(f), (x,), (np.ones_like(x),))[1]):
        assert np.isfinite(d).all()
    assert np.isfinite(tg.hessian(lambda x: np.std(x))(np.full(3, 2.0))).all()
    x32 = x.astype(np.float32)
    assert tg.grad(f)(x32).dtype == np.float32 and not np.isnan(tg.grad(f)(x32)).any()


# -- higher order --------------------------------------------------------------------------
@pytest.mark.parametrize("shape,axis,keepdims", [((3,), None, False), ((2, 3, 4), 1, False),
                                                 ((2, 3, 4), (0, -1), True), ((), None, True)])
def test_sum_third_derivatives(shape, axis, keepdims):
    def f(x):
        s = tnp.sum(tnp.sin(x) * x * x, axis=axis, keepdims=keepdims)
        return s * tnp.sum(x, axis=axis, keepdims=keepdims)
    tg.check_grads(f, (rand(shape, seed=2),), order=3)


@pytest.mark.parametrize("fn", [lambda x: tnp.prod(x, axis=0), lambda x: tnp.cumprod(x, axis=1),
                                lambda x: tnp.std(x, axis=-1), lambda x: tnp.var(x, axis=0),
                                lambda x: tnp.cumsum(x * x, axis=0), lambda x: tnp.max(x ** 3)],
                         ids=["prod", "cumprod", "std", "var", "cumsum", "max"])
def test_third_derivatives(fn):
    tg.check_grads(fn, (rand((3, 4), seed=3),), order=3)


# -- NumPy dispatch and ndarray methods on traced values ------------------------------------
DISPATCH = [  # (through NumPy's protocols / methods, the same through tangents.numpy)
    (lambda x: x.sum(), lambda x: tnp.sum(x)),
    (lambda x: x.max(axis=1), lambda x: tnp.max(x, axis=1)),
    (lambda x: np.sum(x, axis=(0, -1), keepdims=True), lambda x: tnp.sum(x, (0, 2), keepdims=True)),
    (lambda x: x.min(axis=-1, keepdims=True), lambda x: tnp.min(x, axis=2, keepdims=True)),
    (lambda x: np.amax(x, axis=0), lambda x: tnp.amax(x, axis=0)),
    (lambda x: np.amin(x), lambda x: tnp.amin(x)),
    (lambda x: x.prod(axis=1), lambda x: tnp.prod(x, axis=1)),
    (lambda x: np.prod(x, axis=(1, 2)), lambda x: tnp.prod(x, axis=(1, 2))),
    (lambda x: x.mean(axis=0), lambda x: tnp.mean(x, axis=0)),
    (lambda x: x.var(axis=1, ddof=1), lambda x: tnp.var(x, axis=1, ddof=1)),
    (lambda x: np.std(x, axis=-1), lambda x: tnp.std(x, axis=-1)),
    (lambda x: x.cumsum(axis=1), lambda x: tnp.cumsum(x, axis=1)),
    (lambda x: np.cumsum(x), lambda x: tnp.cumsum(x)),
    (lambda x: x.cumprod(axis=-1), lambda x: tnp.cumprod(x, axis=2)),
    (lambda x: np.cumprod(x, axis=0), lambda x: tnp.cumprod(x, axis=0)),
]


@pytest.mark.parametrize("k", range(len(DISPATCH)))
def test_numpy_functions_and_methods_dispatch_to_the_same_rules(k):
    via_np, via_tnp = DISPATCH[k]
    x = rand((2, 3, 4), seed=6)
    w = rand(np.shape(via_tnp(x)), seed=7)
    g_np = tg.grad(lambda x: tnp.sum(via_np(x) * w))(x)
    g_tnp = tg.grad(lambda x: tnp.sum(via_tnp(x) * w))(x)
    np.testing.assert_allclose(g_np, g_tnp)
    np.testing.assert_allclose(via_np(x), via_tnp(x))
    x4 = rand((2, 2, 3, 4), seed=8)  # batch axis 1, examples of shape (2, 3, 4)
    np.testing.assert_allclose(tg.vmap(via_np, in_axes=1)(x4), tg.vmap(via_tnp, in_axes=1)(x4))


# -- integer and boolean results -------------------------------------------------------------
_SIGNED = np.array([[0.0, 1.5, -2.0, 1.5], [0.0, 0.0, 0.0, 0.0], [3.0, -1.0, 0.0, 2.0]])
NONDIFF = [  # (name, tangents function, NumPy function, argument)
    (f"{name}-{kw}", functools.partial(fn, **kw), functools.partial(np_fn, **kw), x)
    for name, fn, np_fn in [("argmax", tnp.argmax, np.argmax), ("argmin", tnp.argmin, np.argmin)]
    for kw in [{}, {"axis": 1}, {"axis": -2, "keepdims": True}, {"keepdims": True}]
    for x in [_SIGNED, rand((2, 3, 4))]
] + [
    (f"{name}-{kw}", functools.partial(fn, **kw), functools.partial(np_fn, **kw), x)
    for name, fn, np_fn in [("any", tnp.any, np.any), ("all", tnp.all, np.all),
                            ("count_nonzero", tnp.count_nonzero, np.count_nonzero)]
    for kw in [{}, {"axis": 1}, {"axis": (0, -1), "keepdims": True}, {"axis": -1}]
    for x in [_SIGNED, np.zeros((0, 3, 2))]
] + [
    ("argmax-0d", tnp.argmax, np.argmax, np.array(2.0)),
    ("any-0d", tnp.any, np.any, np.array(0.0)),
    ("any-where", lambda x: tnp.any(x, axis=1, where=x < 0),
     lambda x: np.any(x, axis=1, where=x < 0), _SIGNED),
    ("all-where", lambda x: tnp.all(x, axis=0, where=x > 0),
     lambda x: np.all(x, axis=0, where=x > 0), _SIGNED),
]


@pytest.mark.parametrize("name,fn,np_fn,x", NONDIFF, ids=[row[0] for row in NONDIFF])
def test_integer_and_boolean_reductions(name, fn, np_fn, x):
    case = Case(name, fn, (x,), np_fun=np_fn)
    check_value(case)
    ref = np_fn(x)

    def uses(x):  # on traced values: the plain NumPy result, and the gradient still flows
        out = fn(x)
        assert isinstance(out, (np.ndarray, np.generic)) and out.dtype == np.asarray(ref).dtype
        np.testing.assert_array_equal(out, ref)
        return tnp.sum(x * x)
    np.testing.assert_allclose(tg.grad(uses)(x), 2 * x)
    tg.jvp(uses, (x,), (x,))
    check_vmap(case)


_SMALL = np.array([[100, 100, 3], [-7, 120, 90]], np.int8)


@pytest.mark.parametrize("name", ["sum", "prod", "cumsum", "cumprod"])
@pytest.mark.parametrize("dt", [np.int8, np.uint8, np.int16, np.int32, np.float32, np.bool_])
def test_dtype_keyword_is_the_result_dtype(name, dt):
    # NumPy keeps a small integer dtype= (wrapping around); a plain sum widens it
    fn, np_fn = getattr(tnp, name), getattr(np, name)
    for kw in [{}, {"axis": 1}, {"axis": 0}] + ([{"keepdims": True, "initial": 5}]
                                              if name in ("sum", "prod") else []):
        with np.errstate(over="ignore"):
            ref = np_fn(_SMALL, dtype=dt, **kw)
        out = fn(_SMALL, dtype=dt, **kw)
        assert np.asarray(out).dtype == ref.dtype == dt, (kw, np.asarray(out).dtype)
        np.testing.assert_array_equal(out, ref)

    def uses(x):  # on traced values too (the integer result carries no derivative)
        out = fn(x, dtype=np.int8, axis=-1)
        assert out.dtype == np.int8
        return tnp.sum(x * out)
    x = np.array([[100.0, 100.0, 3.0]])
    with np.errstate(over="ignore"):
        ref = np_fn(x.astype(np.int8), dtype=np.int8, axis=-1).astype(float)
    np.testing.assert_array_equal(tg.grad(uses)(x), np.broadcast_to(ref, x.shape))


def test_argmax_selects_inside_a_differentiated_function():
    x = rand((3, 4), seed=9)

    def f(x):
        i = np.argmax(x, axis=1)
        return tnp.sum(x * (np.arange(4) == i[:, None]))
    np.testing.assert_allclose(tg.grad(f)(x), tg.grad(lambda x: tnp.sum(tnp.max(x, axis=1)))(x))


# -- errors ----------------------------------------------------------------------------------
def test_bad_arguments_raise_numpy_errors():
    x = rand((2, 3))
    with pytest.raises(np.exceptions.AxisError):
        tnp.sum(x, axis=2)
    with pytest.raises(ValueError):
        tnp.prod(x, axis=(0, -2))
    with pytest.raises(TypeError, match="out="):
        tg.grad(lambda x: np.sum(x, out=np.zeros(())))(x)
    with pytest.raises(np.exceptions.AxisError):
        tnp.cumsum(x, axis=-3)
    with pytest.raises(ValueError, match="initial"):
        tnp.max(x, where=x > 0)


def _derivative_tensor(x, order, upto=None):
    """d^k prod(x[:m+1]) / dx_i1..dx_ik: the product of the entries not differentiated
    (0 for a repeated index); for every m when ``upto`` (cumprod), else m = n - 1."""
    n = len(x)
    rows = range(n) if upto else [n - 1]
    out = np.zeros((len(rows),) + (n,) * order)
    for r, m in enumerate(rows):
        for idx in itertools.product(range(m + 1), repeat=order):
            if len(set(idx)) == order:
                out[(r,) + idx] = np.prod([x[j] for j in range(m + 1) if j not in idx])
    return out if upto else out[0]


@pytest.mark.parametrize("x", [np.array([0.0, 0.0, 0.0, 2.0, 3.0]), np.zeros(4),
                               np.array([1.0, 0.0, 2.0, 0.0, 0.0, -1.5])],
                         ids=["three-zeros", "all-zeros", "three-of-six"])
def test_prod_and_cumprod_exact_to_fourth_order_with_many_zeros(x):
    for order in (1, 2, 3, 4):
        d, c = tg.grad(np.prod), tg.jacrev(np.cumprod)
        for k in range(order - 1):  # alternate forward and reverse mode
            d = tg.jacfwd(d) if k % 2 == 0 else tg.jacrev(d)
            c = tg.jacfwd(c) if k % 2 == 0 else tg.jacrev(c)
        np.testing.assert_allclose(d(x), _derivative_tensor(x, order), **tol("composed"))
        np.testing.assert_allclose(c(x), _derivative_tensor(x, order, upto=True), **tol("composed"))


def test_prod_with_many_zeros_along_axes_keeps_values_and_shapes():
    x = np.zeros((2, 3, 4))
    x[1, 2, 3] = 2.0
    for axis, keepdims in [((0, 2), True), (1, False), (None, False), ((-1,), True)]:
        f = lambda a, axis=axis, keepdims=keepdims: np.prod(a, axis=axis, keepdims=keepdims)  # noqa: E731
        out, pull = tg.vjp(f, x)
        np.testing.assert_array_equal(out, f(x))
        assert out.shape == f(x).shape
        ct = np.ones(np.shape(out))
        assert pull(ct)[0].shape == x.shape
        tg.check_grads(f, (x,), order=2)
    np.testing.assert_allclose(tg.vmap(tg.hessian(np.prod))(np.zeros((2, 3))),
                               np.stack([_derivative_tensor(np.zeros(3), 2)] * 2))
