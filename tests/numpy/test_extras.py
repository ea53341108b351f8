"""The rest of NumPy's namespace (numpy/_extras.py, _polynomials.py, _counting.py) through the
shared harness: small elementwise functions, reshaping helpers, polynomials, histograms, set
operations; the pass-through functions inside grad and vmap; and the three rows the coverage
table could not probe (dsplit, put_along_axis, linalg.tensorsolve).  Statistics, selection and
eig have their own test modules."""
import functools
import warnings

import numpy as np
import pytest
from harness import Case, case_id, check_case, positive, rand

import tangents as tg
import tangents.numpy as tnp

P = functools.partial
CASES = [
    Case("resize", P(tnp.resize, new_shape=(4, 2)), (rand((3,)),),
         np_fun=P(np.resize, new_shape=(4, 2))),
    Case("resize-empty", P(tnp.resize, new_shape=3), (rand((0,)),),
         np_fun=P(np.resize, new_shape=3), float32=False),
    Case("rollaxis", P(tnp.rollaxis, axis=2, start=0), (rand((2, 1, 4)),),
         np_fun=P(np.rollaxis, axis=2, start=0)),
    Case("rollaxis-neg", P(tnp.rollaxis, axis=-3, start=3), (rand((2, 1, 4)),),
         np_fun=P(np.rollaxis, axis=-3, start=3)),
    Case("trim_zeros", lambda x: tnp.trim_zeros(x * np.array([0.0, 1, 0, 1, 0])),
         (rand((5,)),), np_fun=lambda x: np.trim_zeros(x * np.array([0.0, 1, 0, 1, 0])),
         vmap=False),
    # elementwise
    Case("fabs", tnp.fabs, (rand((2, 3)),), np_fun=np.fabs),
    Case("degrees", np.degrees, (rand((3,)),)),
    Case("radians", np.radians, (rand((3,)),)),
    Case("divmod-remainder", lambda x, y: tnp.divmod(x, y)[1],
         (rand((2, 3), 0.1, 0.9), rand((3,), 1.2, 2.0, seed=1)),
         np_fun=lambda x, y: np.divmod(x, y)[1]),
    Case("divmod", tnp.divmod, (rand((3,), 2.1, 2.9), rand((3,), 1.2, 2.0, seed=1)),
         np_fun=np.divmod),
    Case("modf", tnp.modf, (rand((2, 3)),), np_fun=np.modf),
    Case("frexp", tnp.frexp, (rand((2, 3), -9.0, 9.0),), np_fun=np.frexp),
    Case("ldexp", lambda x: tnp.ldexp(x, np.array([1, -2, 3])), (rand((2, 3)),),
         np_fun=lambda x: np.ldexp(x, np.array([1, -2, 3]))),
    Case("spacing", lambda x: tnp.spacing(x) * 1e15 + x, (rand((3,)),),
         np_fun=lambda x: np.spacing(x) * 1e15 + x),
    Case("fix", lambda x: tnp.fix(x) * x, (rand((4,)),), np_fun=lambda x: np.fix(x) * x),
    Case("unwrap", lambda x: tnp.unwrap(3 * x), (rand((6,)),), np_fun=lambda x: np.unwrap(3 * x)),
    Case("unwrap-axis-period", lambda x: tnp.unwrap(4 * x, axis=0, period=3.0),
         (rand((4, 2)),), np_fun=lambda x: np.unwrap(4 * x, axis=0, period=3.0)),
    Case("sort_complex", lambda x: tnp.real(tnp.sort_complex(x)), (rand((4,)),),
         np_fun=lambda x: np.real(np.sort_complex(x)), float32=False),
    Case("asanyarray", lambda x: tnp.asanyarray(x) * 2, (rand((3,)),)),
    Case("matvec", tnp.matvec, (rand((2, 3, 4)), rand((4,), seed=1)),
         np_fun=lambda a, v: np.einsum("...ij,...j->...i", a, v)),
    Case("vecmat", tnp.vecmat, (rand((3,)), rand((2, 3, 4), seed=1)),
         np_fun=lambda v, a: np.einsum("...i,...ij->...j", v, a)),
    # polynomials
    Case("poly", tnp.poly, (rand((3,)),), np_fun=np.poly),
    Case("polyadd", tnp.polyadd, (rand((3,)), rand((1,), seed=1)), np_fun=np.polyadd),
    Case("polysub", tnp.polysub, (rand((2,)), rand((4,), seed=1)), np_fun=np.polysub),
    Case("polymul", tnp.polymul, (rand((3,)), rand((2,), seed=1)), np_fun=np.polymul),
    Case("polyder", P(tnp.polyder, m=2), (rand((4,)),), np_fun=P(np.polyder, m=2)),
    Case("polyint", lambda p, k: tnp.polyint(p, 2, k), (rand((3,)), rand((2,), seed=1)),
         np_fun=lambda p, k: np.polyint(p, 2, k)),
    Case("polydiv", tnp.polydiv, (rand((4,)), positive((2,), seed=1)), np_fun=np.polydiv,
         vmap=False),
    Case("polyfit", lambda x, y: tnp.polyfit(x, y, 2), (np.arange(5.0) + rand((5,)) * 0.1,
                                                       rand((5,), seed=1)),
         np_fun=lambda x, y: np.polyfit(x, y, 2)),
    Case("polyfit-2d-w", lambda y, w: tnp.polyfit(np.arange(4.0), y, 1, w=w),
         (rand((4, 2)), positive((4,), seed=1)),
         np_fun=lambda y, w: np.polyfit(np.arange(4.0), y, 1, w=w)),
    Case("polyfit-cov", lambda y: tnp.polyfit(np.arange(5.0), y, 1, cov=True),
         (rand((5,)),), np_fun=lambda y: np.polyfit(np.arange(5.0), y, 1, cov=True),
         vmap=False),
    Case("roots-real", tnp.roots, (np.array([1.0, -6.0, 11.0, -6.0]) + rand((4,)) * 0.01,),
         np_fun=np.roots, vmap=False),
    Case("roots-complex", lambda p: (tnp.real(tnp.roots(p)), tnp.imag(tnp.roots(p))),
         (np.array([1.0, 0.5, 2.0]) + rand((3,)) * 0.1,),
         np_fun=lambda p: (np.roots(p).real, np.roots(p).imag), vmap=False),
    # weighted counts and densities
    Case("bincount-weights", lambda w: tnp.bincount(np.array([0, 3, 3, 1]), w, minlength=6),
         (rand((4,)),), np_fun=lambda w: np.bincount(np.array([0, 3, 3, 1]), w, minlength=6)),
    Case("histogram-weights-density",
         lambda a, w: tnp.histogram(a, bins=3, weights=w, density=True),
         (rand((8,)), positive((8,), seed=1)),
         np_fun=lambda a, w: np.histogram(a, bins=3, weights=w, density=True)),
    Case("histogram-edges-range", lambda a: tnp.histogram(a, bins=np.array([-2.0, 0.0, 0.5, 2.0]),
                                                          density=True, weights=a * a),
         (rand((2, 4)),), np_fun=lambda a: np.histogram(a, np.array([-2.0, 0.0, 0.5, 2.0]),
                                                         density=True, weights=a * a)),
    Case("histogram2d-weights", lambda x, y, w: tnp.histogram2d(x, y, bins=2, weights=w),
         (rand((6,)), rand((6,), seed=1), rand((6,), seed=2)),
         np_fun=lambda x, y, w: np.histogram2d(x, y, bins=2, weights=w)),
    Case("histogramdd-density", lambda s: tnp.histogramdd(s, bins=(2, 3), density=True,
                                                          range=[(-2, 2), (-2, 2)]),
         (rand((7, 2)),), np_fun=lambda s: np.histogramdd(s, bins=(2, 3), density=True,
                                                          range=[(-2, 2), (-2, 2)])),
    # set operations: values from the first occurrence
    # set operations on inputs without shared values (equal values would make finite
    # differences change the result's length; see test_set_operations_gather_first_occurrences)
    Case("union1d", lambda a, b: tnp.union1d(a, b), (np.array([3.0, 1.0]),
                                                     np.array([0.5, 2.0])),
         np_fun=np.union1d, vmap=False),
    Case("setxor1d", lambda a, b: tnp.setxor1d(a, b), (np.array([3.0, 1.0]), np.array([0.5, 2.0])),
         np_fun=np.setxor1d, vmap=False),
    Case("kaiser", lambda b: tnp.kaiser(6, b), (positive(()),), np_fun=lambda b: np.kaiser(6, b)),
    # the rows the coverage table could not probe
    Case("dsplit", lambda x: np.dsplit(x, [1, 3]), (rand((2, 1, 4)),)),
    Case("put_along_axis", lambda a, v: _put_along_axis_copy(a, np.array([[1], [0]]), v, 1),
         (rand((2, 3)), rand((2, 1), seed=1))),
    Case("tensorsolve", lambda a, b: np.linalg.tensorsolve(a, b),
         ((np.eye(4) * 3 + rand((4, 4))).reshape(2, 2, 2, 2), rand((2, 2), seed=1)),
         np_fun=np.linalg.tensorsolve),
]

try:  # trim_zeros takes axis= from NumPy 2.2 on
    np.trim_zeros(np.ones((1, 1)), "f", 0)
    CASES.append(Case(
        "trim_zeros-f-axis", lambda x: tnp.trim_zeros(x * np.array([[0.0], [1.0]]), "f", 0),
        (rand((2, 3)),), np_fun=lambda x: np.trim_zeros(x * np.array([[0.0], [1.0]]), "f", 0),
        vmap=False))
except TypeError:
    pass
if hasattr(np, "row_stack"):  # removed in NumPy 2.5
    CASES.append(Case("row_stack", lambda x, y: tnp.row_stack([x, y]),
                      (rand((3,)), rand((2, 3), seed=1))))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_extras_rule(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        check_case(case)


_X = rand((3, 4))
PASS_THROUGH = [  # (name, function of a float array, kind of result)
    ("allclose", lambda x: np.allclose(x, x + 1e-9)),
    ("isclose", lambda x: np.isclose(x, np.round(x, 1), atol=0.03)),  # not a test tolerance
    ("array_equal", lambda x: np.array_equal(x, x)),
    ("array_equiv", lambda x: np.array_equiv(x, x[:1])),
    ("argpartition", lambda x: np.argpartition(x, 2, axis=-1)),
    ("digitize", lambda x: np.digitize(x, np.array([-1.0, 0.0, 1.0]), right=True)),
    ("histogram", lambda x: np.histogram(x, bins=3)[0]),
    ("histogramdd", lambda x: np.histogramdd(x, bins=2)[0]),
    ("isneginf", lambda x: np.isneginf(x / (x > 0))),
    ("isposinf", lambda x: np.isposinf(x / (x > 0))),
    ("isreal", np.isreal), ("iscomplex", np.iscomplex),
    ("iscomplexobj", np.iscomplexobj), ("isrealobj", np.isrealobj),
    ("divmod-quotient", lambda x: np.divmod(x, 0.7)[0]),
    ("frexp-exponent", lambda x: np.frexp(x)[1]),
    ("spacing", np.spacing),
]


@pytest.mark.parametrize("name,fn", PASS_THROUGH, ids=[p[0] for p in PASS_THROUGH])
def test_pass_through_in_grad_and_vmap(name, fn):
    with np.errstate(all="ignore"):
        ref = fn(_X)
        seen = {}

        def f(x):
            seen["out"] = fn(x)
            return tnp.sum(x * x)

        np.testing.assert_allclose(tg.grad(f)(_X), 2 * _X)
        assert type(seen["out"]) is type(ref)
        np.testing.assert_array_equal(seen["out"], ref)
        batch = np.stack([_X, -_X, _X[::-1]])
        got = tg.vmap(fn)(batch)
        np.testing.assert_array_equal(got, np.stack([fn(b) for b in batch]))


def test_integer_ufuncs_under_vmap():
    k = np.arange(12).reshape(3, 4)
    for fn in (lambda a: np.gcd(a, 6), lambda a: np.lcm(a, 4), np.bitwise_count):
        np.testing.assert_array_equal(tg.vmap(fn)(k), fn(k))


def test_bincount_weights_vmap_and_traced_integers():
    x = np.array([0, 2, 2, 1])
    w = rand((3, 4))
    got = tg.vmap(lambda w: tnp.bincount(x, w))(w)
    np.testing.assert_allclose(got, np.stack([np.bincount(x, r) for r in w]))
    with pytest.raises(ValueError, match="ragged"):
        tg.vmap(lambda k: tnp.bincount(k))(np.array([[0, 1], [1, 2]]))


def test_ragged_results_raise_clearly_under_vmap():
    with pytest.raises(ValueError, match="ragged"):
        tg.vmap(lambda x: tnp.intersect1d(x, x[:1]))(rand((2, 3)))
    with pytest.raises(ValueError, match="ragged"):
        tg.vmap(lambda x: tnp.trim_zeros(x))(rand((2, 3)))


def test_set_operations_gather_first_occurrences():
    a, b = np.array([3.0, 1.0, 2.0, 1.0]), np.array([1.0, 3.0, 3.0])
    np.testing.assert_array_equal(tnp.intersect1d(a, b), np.intersect1d(a, b))
    ga, gb = tg.grad(lambda a, b: tnp.sum(tnp.intersect1d(a, b) * np.array([2.0, 5.0])),
                     argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(ga, [5.0, 2.0, 0.0, 0.0])
    np.testing.assert_array_equal(gb, 0.0)
    got = tnp.intersect1d(a, b, return_indices=True)
    for g, e in zip(got, np.intersect1d(a, b, return_indices=True), strict=True):
        np.testing.assert_array_equal(g, e)
    g = tg.grad(lambda a: tnp.sum(tnp.union1d(a, b) * np.array([1.0, 2.0, 3.0])))(a)
    np.testing.assert_array_equal(g, [3.0, 1.0, 2.0, 0.0])


def _put_along_axis_copy(a, indices, values, axis):
    out = a + 0.0 * np.sum(values)  # traced when either argument is
    np.put_along_axis(out, indices, values, axis)  # in place, as NumPy (tested in test_sorting)
    return out


def test_windows_take_a_concrete_length():
    np.testing.assert_array_equal(tnp.hanning(5), np.hanning(5))
    with pytest.raises(TypeError, match="concrete integer"):
        tg.vmap(lambda m: tnp.bartlett(m))(np.array([3, 4]))
