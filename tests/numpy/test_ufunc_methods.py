"""NumPy's ufunc methods (reduce, accumulate, outer) on traced values, against NumPy's own
values, with derivatives through the shared harness."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand, tol

import tangents as tg
import tangents.numpy as tnp

X = rand((3, 4))
Y = rand((2, 3), seed=1)

CASES = [
    Case("add.reduce", lambda x: np.add.reduce(x), (X,)),
    Case("add.reduce(axis=1,keepdims)", lambda x: np.add.reduce(x, axis=1, keepdims=True), (X,)),
    Case("add.reduce(axis=None)", lambda x: np.add.reduce(x, axis=None), (X,)),
    Case("add.reduce(initial,where)",
         lambda x: np.add.reduce(x, axis=-1, initial=1.5, where=np.array([1, 0, 1, 1], bool)),
         (X,)),
    Case("multiply.reduce", lambda x: np.multiply.reduce(x, axis=1), (X,)),
    Case("maximum.reduce", lambda x: np.maximum.reduce(x, axis=0), (X,)),
    Case("minimum.reduce(keepdims)", lambda x: np.minimum.reduce(x, axis=-1, keepdims=True),
         (X,)),
    Case("fmax.reduce", lambda x: np.fmax.reduce(x), (X,)),
    Case("subtract.reduce", lambda x: np.subtract.reduce(x, axis=1), (X,)),
    Case("subtract.reduce(axis=0,keepdims)",
         lambda x: np.subtract.reduce(x, axis=0, keepdims=True), (X,)),
    Case("divide.reduce", lambda x: np.divide.reduce(x + 3.0, axis=-1), (X,)),
    Case("add.accumulate", lambda x: np.add.accumulate(x, axis=1), (X,)),
    Case("multiply.accumulate", lambda x: np.multiply.accumulate(x), (X,)),
    Case("multiply.outer", lambda x, y: np.multiply.outer(x, y), (X, Y)),
    Case("subtract.outer", lambda x, y: np.subtract.outer(x[0], y), (X, Y)),
    Case("hypot.outer", lambda x, y: np.hypot.outer(x[:, 0], y[0]), (X, Y)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_ufunc_methods(case):
    got = tg.vjp(case.fun, *case.args)[0]
    np.testing.assert_allclose(got, case.fun(*case.args), **tol("exact"))
    check_case(case)


def test_unsupported_method_names_itself():
    with pytest.raises(tg.NoDerivativeRuleError, match=r"numpy\.logaddexp\.reduce"):
        tg.grad(lambda x: np.logaddexp.reduce(x))(np.ones(3))
    with pytest.raises(TypeError, match="out="):
        tg.grad(lambda x: np.add.reduce(x, out=np.zeros(())))(np.ones(3))


# -- ufunc.at: in place on traced arrays, repeated indices applied once per occurrence -----
def _at(ufunc, index):
    """f(x, b): a copy of x (traced when either argument is) updated by ufunc.at, which
    returns None as NumPy's does; the same function is NumPy's reference on plain arrays."""
    def f(x, b):
        y = x + 0.0 * np.sum(b)
        view = y[..., :2]  # a view of the updated array sees the update
        assert ufunc.at(y, index, b) is None
        return y * y + view[..., :1]
    return f


_REPEATS = np.array([0, 2, 0, 4, 2, 0])
_ROWS_COLS = (np.array([1, 0, 1, 1]), np.array([2, 0, 2, 2]))
AT_CASES = []
for _uf in (np.add, np.subtract, np.multiply, np.maximum, np.minimum, np.divide):
    _b = rand((6,), seed=2) + (3.0 if _uf is np.divide else 0.0)
    AT_CASES += [
        Case(f"{_uf.__name__}.at", _at(_uf, _REPEATS), (rand((5,)), _b),
             np_fun=_at(_uf, _REPEATS)),
        Case(f"{_uf.__name__}.at-2d", _at(_uf, _ROWS_COLS), (rand((2, 3)), _b[:4]),
             np_fun=_at(_uf, _ROWS_COLS)),
        Case(f"{_uf.__name__}.at-slice-bcast", _at(_uf, (slice(None), 1)),
             (rand((3, 2)), _b[:1]), np_fun=_at(_uf, (slice(None), 1))),
    ]


@pytest.mark.parametrize("case", AT_CASES, ids=case_id)
def test_ufunc_at_in_place(case):
    check_case(case)


def test_ufunc_at_on_an_input_and_through_tnp():
    # the argument itself is updated, and tnp.add.at is np.add.at
    def f(x):
        tnp.add.at(x, [0, 0, 1], np.sin(x[2]))
        np.multiply.at(x, [1, 1], x[0])
        return x
    x = rand((3,))
    want = x.copy()
    np.add.at(want, [0, 0, 1], np.sin(x[2]))
    np.multiply.at(want, [1, 1], want[0])
    np.testing.assert_allclose(tg.vjp(f, x)[0], want, **tol("exact"))
    tg.check_grads(f, (x,), order=2)


def test_maximum_at_ties_share_like_max():
    """An entry tied with values written over it shares the derivative as max does: each
    of k equal candidates gets 1/k (docs/conventions.md)."""
    def f(x, b):
        y = x + 0.0 * np.sum(b)
        np.maximum.at(y, [0, 0, 1], b)
        return y[0]
    x, b = np.array([1.0, -3.0]), np.array([1.0, 1.0, 0.0])
    got = tg.grad(f, argnums=(0, 1))(x, b)
    want = tg.grad(lambda x, b: np.max(np.stack([x[0], b[0], b[1]])), argnums=(0, 1))(x, b)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert got[1][1] > 0  # every tied write shares, not only the last


def test_ufunc_at_errors():
    with pytest.raises(tg.TracerConversionError, match=r"numpy\.add\.at"):
        tg.grad(lambda b: np.add.at(np.zeros(3), [0, 0], b) or np.sum(b))(rand((2,)))
    with pytest.raises(NotImplementedError, match=r"numpy\.add\.at: indices traced by vmap"):
        tg.vmap(lambda x, i: np.add.at(x, i, 1.0))(rand((2, 3)), np.array([0, 1]))
    with pytest.raises(IndexError):  # NumPy's own index check
        tg.grad(lambda x: np.add.at(x, [5], 1.0) or np.sum(x))(rand((2,)))


# -- maximum/minimum.accumulate and reduceat ---------------------------------------------
_SEGMENTS = [0, 3, 1, 5]  # a decreasing pair gives a one-entry segment, as in NumPy
SCAN_CASES = [
    Case("maximum.accumulate", lambda x: np.maximum.accumulate(x), (rand((6, 2)),)),
    Case("minimum.accumulate(axis=1)", lambda x: np.minimum.accumulate(x, axis=1),
         (rand((2, 7)),)),
    Case("tnp.maximum.accumulate(axis=-1)", lambda x: tnp.maximum.accumulate(x, axis=-1),
         (rand((3, 5), seed=4),), np_fun=lambda x: np.maximum.accumulate(x, axis=-1)),
]
for _uf in (np.add, np.multiply, np.maximum, np.minimum):
    SCAN_CASES += [
        Case(f"{_uf.__name__}.reduceat", lambda x, uf=_uf: uf.reduceat(x, _SEGMENTS),
             (rand((6, 2)),)),
        Case(f"{_uf.__name__}.reduceat(axis=1)",
             lambda x, uf=_uf: uf.reduceat(x, [1, 1, 0, 4], axis=1), (rand((2, 6)),)),
    ]
SCAN_CASES.append(  # one long segment among short ones: reduced one slice at a time
    Case("add.reduceat-ragged", lambda x: np.add.reduceat(x, np.arange(12)),
         (rand((300,)),), order=1))


@pytest.mark.parametrize("case", SCAN_CASES, ids=case_id)
def test_accumulate_and_reduceat(case):
    got = tg.vjp(case.fun, *case.args)[0]
    np.testing.assert_allclose(got, case.fun(*case.args), **tol("exact"))
    check_case(case)


def test_maximum_accumulate_ties_share_like_max():
    # row k of the Jacobian is the gradient of max(x[:k + 1]): tied entries share
    # equally, and past a NaN (which max propagates) the derivative is max's 0
    x = np.array([1.0, 3.0, 2.0, 3.0, 3.0, 4.0, np.nan, 5.0])
    for ufunc, reduce in ((np.maximum, np.max), (np.minimum, np.min)):
        xs = x if ufunc is np.maximum else -x
        jac = tg.jacrev(ufunc.accumulate)(xs)
        np.testing.assert_array_equal(tg.vjp(ufunc.accumulate, xs)[0], ufunc.accumulate(xs))
        for k in range(len(x)):
            with np.errstate(divide="ignore"):  # max's rule divides by a count of 0 at NaN
                want = tg.grad(lambda x, k=k: reduce(x[:k + 1]))(xs)
            np.testing.assert_array_equal(jac[k], want, err_msg=f"row {k}")
    fwd = tg.jacfwd(np.maximum.accumulate)(x)
    np.testing.assert_array_equal(fwd, tg.jacrev(np.maximum.accumulate)(x))


# -- tnp's ufuncs carry NumPy's methods and attributes -----------------------------------
_UFUNC_NAMES = sorted(n for n in dir(np) if isinstance(getattr(np, n), np.ufunc)
                      and hasattr(tnp, n) and not isinstance(getattr(tnp, n), np.ufunc))


@pytest.mark.parametrize("name", _UFUNC_NAMES)
def test_tnp_ufunc_attributes_are_numpys(name):
    fn, uf = getattr(tnp, name), getattr(np, name)
    for attr in ("nin", "nout", "nargs", "ntypes", "types", "signature"):
        assert getattr(fn, attr) == getattr(uf, attr), attr
    assert fn.identity == uf.identity or (fn.identity is uf.identity)
    for method in ("reduce", "accumulate", "reduceat", "outer", "at"):
        assert callable(getattr(fn, method)), method


def test_tnp_ufunc_methods_match_numpy_on_plain_arrays():
    ints = np.arange(12).reshape(3, 4)
    x = rand((3, 4))
    calls = [("add", "reduce", (ints,), {"axis": 1}), ("add", "reduce", (x,), {"axis": None}),
             ("multiply", "reduce", (ints,), {"dtype": np.float32}),
             ("add", "accumulate", (ints,), {"axis": 1}), ("maximum", "accumulate", (x,), {}),
             ("subtract", "outer", (ints[0], x[0]), {}),
             ("add", "reduceat", (x, [0, 2, 1]), {"axis": 0}),
             ("logical_and", "reduce", (x > 0,), {}),
             ("minimum", "reduceat", (ints, [1, 3]), {"axis": 1})]
    for name, method, args, kw in calls:
        got = getattr(getattr(tnp, name), method)(*args, **kw)
        want = getattr(getattr(np, name), method)(*args, **kw)
        assert type(got) is type(want) and got.dtype == want.dtype, (name, method)
        np.testing.assert_array_equal(got, want)
    a, b = x.copy(), x.copy()
    assert tnp.add.at(a, ([0, 0, 2], [1, 1, 3]), 2.5) is None
    np.add.at(b, ([0, 0, 2], [1, 1, 3]), 2.5)
    np.testing.assert_array_equal(a, b)


def test_tnp_ufunc_methods_differentiate():
    x, y = rand((3, 4)), rand((4,), seed=1)
    tg.check_grads(lambda x: tnp.add.reduce(x ** 2, axis=1), (x,), order=2)
    tg.check_grads(lambda x: tnp.multiply.accumulate(x, axis=0), (x,), order=2)
    tg.check_grads(lambda x, y: tnp.multiply.outer(x, y), (x, y), order=2)
    tg.check_grads(lambda x: tnp.maximum.reduceat(x, [0, 2], axis=1), (x,), order=2)
