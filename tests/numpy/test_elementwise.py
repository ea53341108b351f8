"""Elementwise family: every rule through the shared harness (fabs and np.degrees/np.radians
too), and the integer ufuncs under vmap."""
import numpy as np
import pytest
from harness import BROADCAST_PAIRS, SHAPES, Case, case_id, check_case, positive, rand, unit

import tangents as tg
import tangents.numpy as tnp

UNARY = [  # (name, function, domain)
    ("negative", tnp.negative, rand), ("reciprocal", tnp.reciprocal, positive),
    ("square", tnp.square, rand), ("sqrt", tnp.sqrt, positive), ("cbrt", tnp.cbrt, positive),
    ("exp", tnp.exp, rand), ("exp2", tnp.exp2, rand), ("expm1", tnp.expm1, rand),
    ("log", tnp.log, positive), ("log2", tnp.log2, positive), ("log10", tnp.log10, positive),
    ("log1p", tnp.log1p, positive), ("abs", tnp.abs, rand),
    ("sin", tnp.sin, rand), ("cos", tnp.cos, rand), ("tan", tnp.tan, unit),
    ("arcsin", tnp.arcsin, unit), ("arccos", tnp.arccos, unit), ("arctan", tnp.arctan, rand),
    ("sinh", tnp.sinh, rand), ("cosh", tnp.cosh, rand), ("tanh", tnp.tanh, rand),
    ("arcsinh", tnp.arcsinh, rand), ("arccosh", lambda x: tnp.arccosh(x + 1.5), positive),
    ("arctanh", tnp.arctanh, unit), ("deg2rad", tnp.deg2rad, rand),
    ("rad2deg", tnp.rad2deg, rand),
]

BINARY = [
    ("add", tnp.add, rand, rand), ("subtract", tnp.subtract, rand, rand),
    ("multiply", tnp.multiply, rand, rand), ("divide", tnp.divide, rand, positive),
    ("power", tnp.power, positive, rand), ("float_power", tnp.float_power, positive, rand),
    ("arctan2", tnp.arctan2, rand, positive), ("hypot", tnp.hypot, positive, rand),
    ("logaddexp", tnp.logaddexp, rand, rand), ("logaddexp2", tnp.logaddexp2, rand, rand),
    ("maximum", tnp.maximum, rand, lambda s, seed=0: rand(s, seed=seed + 7)),
    ("minimum", tnp.minimum, rand, lambda s, seed=0: rand(s, seed=seed + 7)),
    ("fmax", tnp.fmax, rand, lambda s, seed=0: rand(s, seed=seed + 7)),
    ("fmin", tnp.fmin, rand, lambda s, seed=0: rand(s, seed=seed + 7)),
    ("remainder", tnp.remainder, lambda s, seed=0: rand(s, 0.1, 0.9, seed),
     lambda s, seed=0: rand(s, 1.2, 2.0, seed)),
    ("fmod", tnp.fmod, lambda s, seed=0: rand(s, 0.1, 0.9, seed),
     lambda s, seed=0: rand(s, 1.2, 2.0, seed)),
]

CASES = [Case(name, fn, (dom(s),), np_fun=getattr(np, name, None) if name != "arccosh" else None)
         for name, fn, dom in UNARY for s in SHAPES]
CASES += [Case(name, fn, (d1(s1), d2(s2, seed=3)), np_fun=getattr(np, name))
          for name, fn, d1, d2 in BINARY for s1, s2 in BROADCAST_PAIRS]
CASES += [Case("where", lambda c, x, y: tnp.where(c > 0, x, y),
               (rand(s1), rand(s1, seed=1), rand(s2, seed=2)))
          for s1, s2 in BROADCAST_PAIRS]
# clip: the bounds are differentiable arguments too (values away from the bounds: no ties)
CASES += [Case("clip", lambda x, lo, hi: tnp.clip(x, lo, hi),
               (rand(s1), rand(s2, -1.0, -0.1, seed=1), rand(s2, 0.1, 1.0, seed=2)),
               np_fun=np.clip)
          for s1, s2 in BROADCAST_PAIRS]
CASES += [Case("clip_min_max", lambda x, lo: tnp.clip(x, min=lo, max=0.5), (rand(s), -0.3),
               np_fun=lambda x, lo: np.clip(x, min=lo, max=0.5)) for s in SHAPES]
CASES += [Case("clip_lower", lambda x: tnp.clip(x, -0.5), (rand(s),),
               np_fun=lambda x: np.clip(x, -0.5, None)) for s in SHAPES]
CASES += [Case("clip_upper", lambda x: np.clip(x, max=0.5), (rand(s),),
               np_fun=lambda x: np.clip(x, max=0.5)) for s in SHAPES]
CASES += [Case("clip_none", lambda x: tnp.clip(x) * x, (rand(s),),
               np_fun=lambda x: np.clip(x) * x) for s in SHAPES]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_elementwise_rule(case):
    check_case(case)


def test_numpy_ufuncs_dispatch_to_the_same_rules():
    x = rand((3,))
    g_np = tg.grad(lambda x: np.sum(np.sin(x) * np.exp(x)))(x)
    g_tnp = tg.grad(lambda x: tnp.sum(tnp.sin(x) * tnp.exp(x)))(x)
    np.testing.assert_allclose(g_np, g_tnp)
    np.testing.assert_allclose(g_np, (np.cos(x) + np.sin(x)) * np.exp(x))


@pytest.mark.parametrize("fn", [tnp.floor, tnp.ceil, tnp.trunc, tnp.rint, tnp.sign])
def test_zero_derivative_functions(fn):
    x = rand((4,))
    g = tg.grad(lambda x: tnp.sum(fn(x) * x))(x)
    np.testing.assert_allclose(g, fn(x))
    assert tg.grad(lambda x: tnp.sum(fn(x)))(x).tolist() == [0.0] * 4


def test_comparisons_return_plain_boolean_arrays():
    def f(x):
        mask = x > 0
        assert type(mask) is np.ndarray and mask.dtype == bool
        return tnp.sum(tnp.where(mask, x, 0.0))
    np.testing.assert_allclose(tg.grad(f)(np.array([-1.0, 2.0])), [0.0, 1.0])


def test_power_with_negative_base_and_integer_exponent():
    x = np.array([-2.0, -0.5, 3.0])
    np.testing.assert_allclose(tg.grad(lambda x: tnp.sum(x ** 3))(x), 3 * x ** 2)
    np.testing.assert_allclose(tg.grad(lambda x: tnp.sum(x ** -2))(x), -2 * x ** -3.0)
    tg.check_grads(lambda x: x ** 3, (x,), order=3)


def test_power_at_zero_is_finite():
    g = tg.grad(lambda x: tnp.sum(x ** 2.0))(np.zeros(2))
    np.testing.assert_array_equal(g, [0.0, 0.0])
    gy = tg.grad(lambda y: tnp.sum(np.zeros(2) ** y))(2.0)
    assert gy == 0.0


@pytest.mark.parametrize("y", [1, 2, 3, 0.5, -1.0])
def test_power_with_a_constant_exponent_masks_nothing(y):
    # the same first and second derivatives as with a traced exponent (the masked rule),
    # at 0, a negative base, inf and nan; and no mask (equal/where) in the staged program
    x = np.array([0.0, 2.0, -3.0, np.inf, np.nan])
    d1 = tg.elementwise_grad(lambda x: x ** y)
    d2 = tg.elementwise_grad(d1)
    both = lambda x, y: x ** y
    along = (np.ones_like(x), 0.0)
    with np.errstate(all="ignore"):
        masked1 = tg.jvp(both, (x, float(y)), along)[1]
        masked2 = tg.jvp(lambda x, y: tg.jvp(both, (x, y), along)[1], (x, float(y)), along)[1]
        if y == 1:  # x ** 1 is x: 0 at nan too, as for x itself (masked: 0 * nan ** -1)
            masked2 = np.zeros_like(x)
        np.testing.assert_array_equal(d1(x), masked1)
        np.testing.assert_array_equal(d2(x), masked2)
        text = tg.jit(d2).lower(x).as_text()
    assert "where(" not in text and "equal(" not in text
    tg.check_grads(lambda x: x ** y, (np.array([0.7, 2.0]),), order=3)


def test_where_at_the_boundary_and_the_double_where_helper():
    x = np.array([0.0, 2.0, -3.0])
    # plain where: the untaken branch's inf derivative gets a zero cotangent, and 0 * inf is
    # 0 in derivative products (docs/conventions.md), so the gradient is the taken branch's
    with np.errstate(all="ignore"):
        g = tg.grad(lambda x: tnp.sum(tnp.where(x > 0, tnp.log(x), 0.0)))(x)
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.0])
    f1 = lambda x: tnp.sum(tnp.safe_where(x > 0, x, tnp.log, lambda x: 0.0 * x))
    np.testing.assert_allclose(tg.grad(f1)(x), [0.0, 0.5, 0.0])
    np.testing.assert_allclose(tg.hessian(f1)(x), np.diag([0.0, -0.25, 0.0]))
    # where(x >= 0, x, sqrt(-x)) at 0: the sqrt branch (untaken at 0) must not poison it
    f2 = lambda x: tnp.sum(tnp.safe_where(x >= 0, x, lambda x: x,
                                          lambda x: tnp.sqrt(-x), false_at=-1.0))
    np.testing.assert_allclose(tg.grad(f2)(x), [1.0, 1.0, -0.5 / np.sqrt(3.0)])
    assert np.isfinite(tg.hessian(f2)(x)).all()
    tg.check_grads(f2, (np.array([0.5, -2.0]),), order=2)


NONDIFF_BINARY = ["bitwise_and", "bitwise_or", "bitwise_xor", "equal", "not_equal", "greater",
                  "greater_equal", "less", "less_equal", "logical_and", "logical_or",
                  "logical_xor", "floor_divide", "heaviside"]
NONDIFF_UNARY = ["sign", "floor", "ceil", "trunc", "rint", "signbit", "isnan", "isinf",
                 "isfinite", "logical_not", "invert"]


@pytest.mark.parametrize("name", NONDIFF_BINARY + NONDIFF_UNARY)
def test_nondifferentiable_ufuncs_have_the_ufunc_positional_signature(name):
    import inspect
    fn, ufunc = getattr(tnp, name), getattr(np, name)
    params = list(inspect.signature(fn).parameters.values())
    want = ["x1", "x2"] if name in NONDIFF_BINARY else ["x"]
    assert [p.name for p in params] == want
    assert all(p.kind is inspect.Parameter.POSITIONAL_ONLY for p in params)
    try:  # NumPy's names (ufuncs have a signature for inspect from NumPy 2.3 on)
        assert list(inspect.signature(ufunc).parameters)[:len(want)] == want
    except ValueError:
        pass
    args = [np.array([3, 5]), np.array([1, 6])][:len(want)]
    np.testing.assert_array_equal(fn(*args), ufunc(*args))
    # a wrong number of arguments names the function
    with pytest.raises(TypeError, match=rf"^{name}\(\) takes {len(want)} positional"):
        fn(*args, args[0])
    with pytest.raises(TypeError, match=rf"^{name}\(\) missing 1 required positional"):
        fn(*args[1:])


def test_clip_without_bounds_keywords_and_ties():
    x = np.array([-1.0, 0.5, 2.0])
    out = tnp.clip(x)
    np.testing.assert_array_equal(out, x)
    assert type(out) is np.ndarray and out is not x  # a new array, as NumPy's
    assert tnp.clip(x, None, None) is not x
    np.testing.assert_array_equal(tnp.clip(x, min=0.0, max=1.0), np.clip(x, min=0.0, max=1.0))
    np.testing.assert_array_equal(tnp.clip(x, 0.0, max=1.0), [0.0, 0.5, 1.0])
    with pytest.raises(TypeError, match="a_min and min"):
        tnp.clip(x, 0.0, min=1.0)
    with pytest.raises(TypeError, match="a_max and max"):
        tnp.clip(x, a_max=0.0, max=1.0)

    # no bound: the identity, and an in-place update of the result leaves x alone
    def f(x):
        y = tnp.clip(x)
        y[0] = 0.0
        return tnp.sum(x * x) + tnp.sum(y)
    np.testing.assert_allclose(tg.grad(f)(x), 2 * x + np.array([0.0, 1.0, 1.0]))
    # at a bound the cotangent is shared equally between x and the bound (conventions.md)
    g = tg.grad(lambda x, lo: tnp.sum(tnp.clip(x, min=lo, max=2.0)), argnums=(0, 1))(x, -1.0)
    np.testing.assert_allclose(g[0], [0.5, 1.0, 0.5])
    np.testing.assert_allclose(g[1], 0.5)


# -- fabs, degrees/radians through np, integer ufuncs --------------------------------------
MORE_CASES = [
    Case("fabs", tnp.fabs, (rand((2, 3)),), np_fun=np.fabs),
    Case("degrees", np.degrees, (rand((3,)),)),
    Case("radians", np.radians, (rand((3,)),)),
]


@pytest.mark.parametrize("case", MORE_CASES, ids=case_id)
def test_fabs_degrees_radians_rule(case):
    check_case(case)


def test_integer_ufuncs_under_vmap():
    k = np.arange(12).reshape(3, 4)
    for fn in (lambda a: np.gcd(a, 6), lambda a: np.lcm(a, 4), np.bitwise_count):
        np.testing.assert_array_equal(tg.vmap(fn)(k), fn(k))
