"""numpy/_namespace_extras.py (and identity/tri from _creation.py) through the shared harness:
piecewise, geomspace/logspace with traced endpoints, setdiff1d, putmask/place on traced
arrays, histogram_bin_edges, pass-through conversions and the shape-only index helpers;
plus NumPy's exact semantics where the harness cannot see them (which entries piecewise's
functions receive, errors, complex geomspace)."""
import functools

import numpy as np
import pytest
from harness import Case, case_id, check_case, positive, rand, tol

import tangents as tg
import tangents.numpy as tnp

P = functools.partial


def _pw(np_mod):
    """A three-piece function with an "otherwise" piece, written against ``np_mod``."""
    def f(x):
        return np_mod.piecewise(x, [x < -0.5, x > 1.0],
                                [lambda v: v ** 2, np_mod.sin, lambda v: 3 * v + 1])
    return f


def _pw_args(np_mod):
    def f(x):
        return np_mod.piecewise(x, [x < 0], [lambda v, a, b=1.0: a * v + b,
                                             lambda v, a, b=1.0: np_mod.cos(v) * a - b],
                                2.0, b=3.0)
    return f


def _pw_overlap(np_mod):
    # later conditions overwrite earlier ones; unselected entries are 0
    def f(x):
        return np_mod.piecewise(x, [x < 1.0, x < 0.0], [np_mod.exp, lambda v: v * v])
    return f


def _pw_scalars(np_mod):
    def f(x):
        return np_mod.piecewise(x, x > 0, [0.5, np_mod.tanh])  # one condition, not a list
    return f


def _inplace(np_mod, op, mask_of, values_of):
    """A copy of x written with np.putmask / np.place, then a nonlinear read-out."""
    def f(x):
        y = x.copy()
        getattr(np_mod, op)(y, mask_of(x), values_of(x))
        return y * y
    return f


def _geom(np_mod, **kw):
    return lambda s, t: np_mod.geomspace(s, t, **kw)


def _log(np_mod, **kw):
    return lambda s, t: np_mod.logspace(s, t, **kw)


DATA = np.array([0.3, 1.7, 0.9, 2.4, 1.1, 0.2, 1.9])

CASES = [
    Case("piecewise", _pw(tnp), (rand((2, 3)),), np_fun=_pw(np)),
    Case("piecewise-0d", _pw(tnp), (rand((), seed=3),), np_fun=_pw(np)),
    Case("piecewise-nd", _pw(tnp), (rand((2, 1, 4), seed=1),), np_fun=_pw(np)),
    Case("piecewise-empty", _pw(tnp), (rand((0, 3)),), np_fun=_pw(np)),
    Case("piecewise-args", _pw_args(tnp), (rand((5,)),), np_fun=_pw_args(np)),
    Case("piecewise-overlap", _pw_overlap(tnp), (rand((6,), seed=2),), np_fun=_pw_overlap(np)),
    Case("piecewise-scalars", _pw_scalars(tnp), (rand((5,), seed=4),), np_fun=_pw_scalars(np)),
    Case("geomspace", _geom(tnp, num=5), (positive((3,)), positive((3,), seed=1)),
         np_fun=_geom(np, num=5)),
    Case("geomspace-negative", lambda s, t: tnp.geomspace(-s, -t, 4), (positive(()),
         positive((), seed=1)), np_fun=lambda s, t: np.geomspace(-s, -t, 4)),
    Case("geomspace-axis", _geom(tnp, num=4, endpoint=False, axis=-1),
         (positive((2,)), positive((2,), seed=1)),
         np_fun=_geom(np, num=4, endpoint=False, axis=-1)),
    Case("geomspace-num1", _geom(tnp, num=1), (positive(()), positive((), seed=1)),
         np_fun=_geom(np, num=1)),
    Case("geomspace-stop", lambda t: tnp.geomspace(2.0, t, 4), (positive((2,)),),
         np_fun=lambda t: np.geomspace(2.0, t, 4)),
    Case("logspace", _log(tnp, num=4), (rand((3,)), rand((3,), seed=1)),
         np_fun=_log(np, num=4)),
    Case("logspace-base", lambda s, b: tnp.logspace(s, 1.5, 4, base=b),
         (rand((2,)), positive((), seed=1)), np_fun=lambda s, b: np.logspace(s, 1.5, 4, base=b)),
    Case("logspace-base-array", lambda s, b: tnp.logspace(s, 1.0, 3, base=b, axis=-1),
         (rand((2,)), positive((2,), seed=1)),
         np_fun=lambda s, b: np.logspace(s, 1.0, 3, base=b, axis=-1)),
    Case("logspace-endpoint", _log(tnp, num=3, endpoint=False, base=2.0),
         (rand(()), rand((), seed=1)), np_fun=_log(np, num=3, endpoint=False, base=2.0)),
    Case("setdiff1d", lambda x: tnp.setdiff1d(tnp.concatenate([x, x[:2]]), x[3:5]),
         (rand((6,)),), np_fun=lambda x: np.setdiff1d(np.concatenate([x, x[:2]]), x[3:5]),
         vmap=False),
    Case("setdiff1d-unique", lambda x: tnp.setdiff1d(x, x[1:2], assume_unique=True),
         (rand((2, 3)),), np_fun=lambda x: np.setdiff1d(x, x[1:2], assume_unique=True),
         vmap=False),
    Case("putmask", _inplace(tnp, "putmask", lambda x: x > 0, lambda x: tnp.sin(x[:2]) * 3),
         (rand((5,)),), np_fun=_inplace(np, "putmask", lambda x: x > 0,
                                       lambda x: np.sin(x[:2]) * 3)),
    Case("putmask-2d", _inplace(tnp, "putmask", lambda x: np.array([[1, 0, 1], [0, 1, 1]]),
                                lambda x: x[::-1]),
         (rand((2, 3)),), np_fun=_inplace(np, "putmask", lambda x: np.array(
             [[1, 0, 1], [0, 1, 1]]), lambda x: x[::-1])),
    Case("place", _inplace(tnp, "place", lambda x: x < 0.5, lambda x: tnp.exp(x[:2])),
         (rand((2, 3)),), np_fun=_inplace(np, "place", lambda x: x < 0.5,
                                         lambda x: np.exp(x[:2]))),
    Case("place-scalar", _inplace(tnp, "place", lambda x: np.array([1, 0, 1, 1]),
                                  lambda x: x[0] * 2),
         (rand((4,)),), np_fun=_inplace(np, "place", lambda x: np.array([1, 0, 1, 1]),
                                        lambda x: x[0] * 2)),
    Case("histogram_bin_edges", lambda a: tnp.histogram_bin_edges(a, 4), (DATA,),
         np_fun=lambda a: np.histogram_bin_edges(a, 4)),
    Case("histogram_bin_edges-2d", lambda a: tnp.histogram_bin_edges(a), (rand((2, 3)),),
         np_fun=lambda a: np.histogram_bin_edges(a)),
    Case("histogram_bin_edges-auto", lambda a: tnp.histogram_bin_edges(a, "auto"), (DATA,),
         np_fun=lambda a: np.histogram_bin_edges(a, "auto")),
    Case("histogram_bin_edges-range", lambda lo: tnp.histogram_bin_edges(DATA, 3, (lo, 2.5)),
         (np.array(0.1),), np_fun=lambda lo: np.histogram_bin_edges(DATA, 3, (lo, 2.5))),
    Case("histogram_bin_edges-edges", lambda b: tnp.histogram_bin_edges(DATA, b) * 2,
         (np.array([0.0, 0.5, 1.5, 3.0]),), np_fun=lambda b: np.histogram_bin_edges(DATA, b) * 2),
    Case("ascontiguousarray", lambda x: tnp.ascontiguousarray(x) * x, (rand((2, 3)),),
         np_fun=lambda x: np.ascontiguousarray(x) * x),
    Case("ascontiguousarray-0d", lambda x: tnp.ascontiguousarray(x) * 2, (rand(()),),
         np_fun=lambda x: np.ascontiguousarray(x) * 2),
    Case("asfortranarray", lambda x: tnp.sin(tnp.asfortranarray(x)), (rand((3,)),),
         np_fun=lambda x: np.sin(np.asfortranarray(x))),
    Case("asarray_chkfinite", lambda x: tnp.asarray_chkfinite(x) ** 2, (rand((2, 3)),),
         np_fun=lambda x: np.asarray_chkfinite(x) ** 2),
    Case("require", lambda x: tnp.require(x, requirements="O") * x, (rand((3,)),),
         np_fun=lambda x: np.require(x, requirements="O") * x),
    Case("tril_indices_from", lambda x: x[tnp.tril_indices_from(x)] ** 2, (rand((3, 3)),),
         np_fun=lambda x: x[np.tril_indices_from(x)] ** 2),
    Case("triu_indices_from", lambda x: x[np.triu_indices_from(x, 1)] ** 2, (rand((3, 4)),),
         np_fun=lambda x: x[np.triu_indices_from(x, 1)] ** 2),
    Case("diag_indices_from", lambda x: tnp.exp(x[np.diag_indices_from(x)]), (rand((3, 3)),),
         np_fun=lambda x: np.exp(x[np.diag_indices_from(x)])),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_namespace_extras_rule(case):
    check_case(case)


# -- piecewise: NumPy's semantics the harness does not see --------------------------------
def test_piecewise_functions_see_only_the_selected_entries():
    x = np.array([-1.0, 0.5, 2.0, -3.0])
    seen_np, seen_tg = [], []

    def pieces(seen):
        return [lambda v: (seen.append(v.shape), v * 2)[1], lambda v: (seen.append(v.shape),
                                                                         v - 1)[1]]

    np.piecewise(x, [x < 0], pieces(seen_np))
    tg.grad(lambda x: tnp.sum(tnp.piecewise(x, [x < 0], pieces(seen_tg))))(x)
    assert seen_tg == seen_np == [(2,), (2,)]
    # a function is not called when its condition selects nothing
    never = lambda v: 1 / 0
    out = tg.grad(lambda x: tnp.sum(tnp.piecewise(x, [x > 9], [never, np.sin])))(x)
    np.testing.assert_allclose(out, np.cos(x))


def test_piecewise_reduction_is_numpys_outside_vmap_and_an_error_inside():
    x = rand((5,))
    f = lambda x: tnp.piecewise(x, [x > 0], [lambda v: tnp.sum(v), 0.0])
    np.testing.assert_allclose(f(x), np.piecewise(x, [x > 0], [np.sum, 0.0]))
    g = tg.grad(lambda x: tnp.sum(f(x)))(x)
    np.testing.assert_allclose(g, np.where(x > 0, np.sum(x > 0), 0.0))
    with pytest.raises(NotImplementedError, match="one value for all"):
        tg.vmap(f)(np.stack([x, -x]))


def test_piecewise_derivative_in_closed_over_values_and_scalar_pieces():
    grid = np.linspace(-1.0, 1.0, 5)

    def f(ab):
        a, b = ab[0], ab[1]
        return tnp.piecewise(grid, [grid < 0, grid > 0.6], [lambda v: a * v, b, lambda v: b * v])

    tg.check_grads(f, (np.array([1.5, -0.7]),), order=2)
    np.testing.assert_allclose(f(np.array([1.5, -0.7])), np.piecewise(
        grid, [grid < 0, grid > 0.6], [lambda v: 1.5 * v, -0.7, lambda v: -0.7 * v]))


def test_piecewise_derivative_is_finite_where_a_piece_is_not_defined():
    x = rand((3, 4))
    f = lambda x: tnp.sum(tnp.piecewise(x, [x > 0], [np.sqrt, np.exp]))
    want = np.where(x > 0, 0.5 / np.sqrt(np.abs(x)), np.exp(x))
    np.testing.assert_allclose(tg.grad(f)(x), want)
    # under vmap the condition varies per example: sqrt is never fed a negative entry
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(x[None]), want[None])
    np.testing.assert_allclose(tg.jacfwd(lambda x: tnp.piecewise(x, [x > 0], [np.sqrt, 0.0]))(
        x[0]), np.diag(np.where(x[0] > 0, 0.5 / np.sqrt(np.abs(x[0])), 0.0)))


def test_piecewise_errors_match_numpy():
    x = rand((4,))
    for mod in (np, tnp):
        with pytest.raises(ValueError, match="either 1 or 2 functions"):
            mod.piecewise(x, [x > 0], [np.sin, np.cos, np.tan])
    with pytest.raises(ValueError, match="either 1 or 2 functions"):
        tg.grad(lambda x: tnp.sum(tnp.piecewise(x, [x > 0], [])))(x)


# -- geomspace, logspace -----------------------------------------------------------------
def test_geomspace_complex_endpoints_match_numpy_and_finite_differences():
    s, t = np.array(1.0 + 1.0j), np.array(-8.0 + 2.0j)
    np.testing.assert_allclose(tnp.geomspace(s, t, 5), np.geomspace(s, t, 5), **tol("exact"))
    for ds, dt in ((1.0, 0.0), (1j, 0.0), (0.0, 1.0), (0.0, 1j)):
        _, tangent = tg.jvp(lambda s, t: tnp.geomspace(s, t, 5), (s, t),
                            (np.array(ds + 0j), np.array(dt + 0j)))
        h = 1e-6
        fd = (np.geomspace(s + h * ds, t + h * dt, 5)
              - np.geomspace(s - h * ds, t - h * dt, 5)) / (2 * h)
        np.testing.assert_allclose(tangent, fd, **tol("fd"))


def test_geomspace_zero_is_an_error_under_every_transform():
    f = lambda s: tnp.sum(tnp.geomspace(s, 4.0, 3))
    with pytest.raises(ValueError, match="cannot include zero"):
        tg.grad(f)(np.array(0.0))
    with pytest.raises(ValueError, match="cannot include zero"):
        tg.vmap(f)(np.array([1.0, 0.0]))


def test_geomspace_and_logspace_dtypes_follow_numpy():
    s32, t32 = np.float32(0.5), np.float32(2.0)
    for kw in ({}, {"dtype": np.float32}, {"dtype": np.float64}):
        out, tangent = tg.jvp(lambda s: tnp.geomspace(s, t32, 3, **kw), (s32,), (s32,))
        assert out.dtype == tangent.dtype == np.geomspace(s32, t32, 3, **kw).dtype
        np.testing.assert_allclose(out, np.geomspace(s32, t32, 3, **kw), **tol("exact", np.float32))
        out = tg.vmap(lambda s: tnp.logspace(s, t32, 3, **kw))(np.array([s32]))
        assert out.dtype == np.logspace(s32, t32, 3, **kw).dtype


def test_logspace_and_geomspace_of_plain_values_are_numpys():
    assert tnp.geomspace(1, 1000, 4).tolist() == np.geomspace(1, 1000, 4).tolist()
    assert tnp.logspace(0, 3, 4, base=2).tolist() == np.logspace(0, 3, 4, base=2).tolist()


# -- setdiff1d, putmask, place -------------------------------------------------------------
def test_setdiff1d_values_come_from_first_occurrences_and_vmap_is_ragged():
    x = np.array([2.0, 1.0, 2.0, 3.0])
    g = tg.grad(lambda x: tnp.sum(tnp.setdiff1d(x, np.array([3.0])) * np.array([1.0, 10.0])))(x)
    np.testing.assert_array_equal(g, [10.0, 1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="ragged"):
        tg.vmap(lambda x: tnp.setdiff1d(x, np.array([3.0])))(x[None])


def test_putmask_and_place_errors_match_numpy():
    x = rand((4,))
    with pytest.raises(tg.TracerConversionError, match="np.putmask"):
        tg.grad(lambda x: (np.putmask(np.zeros(4), x > 0, x), 0.0)[1])(x)
    for mod in (np, tnp):
        with pytest.raises(ValueError, match="Cannot insert from an empty array"):
            mod.place(x.copy(), x > -9, [])
        with pytest.raises(ValueError, match="mask and data must be the same size"):
            mod.putmask(x.copy(), x[:3] > 0, 1.0)
    with pytest.raises(ValueError, match="Cannot insert from an empty array"):
        tg.vmap(lambda x: (tnp.place(x, x > -9, []), x)[1])(x[None])
    with pytest.raises(TypeError, match="must be numpy.ndarray"):
        tg.grad(lambda x: (tnp.place([0.0, 1.0], [True, False], x[:1]), 0.0)[1])(x)


# -- histogram_bin_edges --------------------------------------------------------------------
def test_histogram_bin_edges_derivative_flows_through_min_and_max():
    g = tg.grad(lambda a: tnp.histogram_bin_edges(a, 4)[2])(DATA)  # the midpoint
    want = np.zeros_like(DATA)
    want[[DATA.argmin(), DATA.argmax()]] = 0.5
    np.testing.assert_allclose(g, want)
    g = tg.grad(lambda a: tnp.sum(tnp.histogram_bin_edges(a, 3, (0.0, 1.0))))(DATA)
    np.testing.assert_array_equal(g, np.zeros_like(DATA))
    a32 = DATA.astype(np.float32)
    got = tg.vmap(lambda a: tnp.histogram_bin_edges(a, 3, (0.0, 1.0)))(a32[None])
    assert got.dtype == np.histogram_bin_edges(a32, 3, (0.0, 1.0)).dtype == np.float32


def test_histogram_bin_edges_errors_match_numpy():
    bad = np.array([1.0, np.inf])
    with pytest.raises(ValueError, match="autodetected range of"):
        tg.grad(lambda a: tnp.sum(tnp.histogram_bin_edges(a)))(bad)
    with pytest.raises(ValueError, match="must increase monotonically"):
        tg.grad(lambda b: tnp.sum(tnp.histogram_bin_edges(DATA, b)))(np.array([1.0, 0.0]))
    with pytest.raises(TypeError, match="weighted data"):
        tg.grad(lambda a: tnp.sum(tnp.histogram_bin_edges(a, "auto", weights=a)))(DATA)
    with pytest.raises(ValueError, match="max must be larger than min"):
        tg.grad(lambda lo: tnp.sum(tnp.histogram_bin_edges(DATA, 3, (lo, 0.0))))(np.array(1.0))


# -- conversions, shape helpers, constants, aliases ----------------------------------------
def test_asarray_chkfinite_checks_traced_values():
    with pytest.raises(ValueError, match="infs or NaNs"):
        tg.grad(lambda x: tnp.sum(tnp.asarray_chkfinite(x)))(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="infs or NaNs"):
        tg.vmap(tnp.asarray_chkfinite)(np.array([[1.0], [np.inf]]))


def test_einsum_path_and_common_type_read_traced_shapes():
    a, b = rand((2, 3)), rand((3, 4), seed=1)

    def f(a, b):
        path, _ = np.einsum_path("ij,jk->ik", a, b)
        assert np.common_type(a, b) is np.result_type(a.dtype, b.dtype).type
        return tnp.einsum("ij,jk->ik", a, b, optimize=path)

    check_case(Case("einsum_path", f, (a, b), np_fun=lambda a, b: a @ b))


def test_identity_and_tri_are_numpys_constants():
    np.testing.assert_array_equal(tnp.identity(3, np.float32), np.identity(3, np.float32))
    assert tnp.identity(2).dtype == np.float64
    np.testing.assert_array_equal(tnp.tri(3, 4, -1, int), np.tri(3, 4, -1, int))
    x = rand((2, 2))
    # like= a traced array dispatches here and gives NumPy's plain constant
    out = tg.grad(lambda x: tnp.sum(x * np.identity(2, like=x) + np.tri(2, like=x)))(x)
    np.testing.assert_array_equal(out, np.eye(2))


def test_other_spellings_of_integer_ufuncs():
    k = np.arange(6).reshape(2, 3)
    assert tnp.bitwise_not is tnp.invert
    np.testing.assert_array_equal(tnp.left_shift(k, 2), np.left_shift(k, 2))
    np.testing.assert_array_equal(tnp.right_shift(k, 1), np.right_shift(k, 1))
    np.testing.assert_array_equal(tg.vmap(lambda k: np.left_shift(k, 1))(k), k << 1)
    np.testing.assert_array_equal(tg.vmap(np.bitwise_not)(k), ~k)
    for name in ("in1d", "trapz"):  # deprecated names of NumPy 2.0-2.3 follow the install
        assert hasattr(tnp, name) == hasattr(np, name)


def test_piecewise_under_vmap_refuses_a_function_that_mixes_entries():
    # each example selects a different number of entries: v - v.mean() over all of them is
    # not NumPy's v - v.mean() over x[cond], so it must raise, never return a number
    x = np.array([[-1.0, 2.0, 3.0], [1.0, -2.0, -3.0]])
    f = lambda x: np.piecewise(x, [x > 0], [lambda v: v - v.mean(), 0.0])  # noqa: E731
    with pytest.raises(ValueError, match="mixes entries"):
        tg.vmap(f)(x)
    with pytest.raises(ValueError, match="mixes entries"):
        tg.vmap(tg.grad(lambda x: np.sum(f(x))))(x)
    # entrywise functions are fine, and equal NumPy per example
    g = lambda x: np.piecewise(x, [x > 0], [lambda v: v ** 2, lambda v: -v])  # noqa: E731
    np.testing.assert_allclose(tg.vmap(g)(x), np.stack([g(r) for r in x]))


# tangents.numpy is a drop-in for NumPy on plain arrays: NumPy's positional forms work
DROP_IN = [
    ("zeros", lambda m: m.zeros(3, m.float32)),
    ("zeros-order", lambda m: m.zeros((2, 3), order="F")),
    ("ones", lambda m: m.ones((2,), "f4")),
    ("empty-shape-dtype", lambda m: m.empty(2, np.float32).shape),
    ("full", lambda m: m.full(2, 1.5, np.float32)),
    ("eye-k", lambda m: m.eye(3, 4, 1)),
    ("eye-dtype", lambda m: m.eye(2, dtype=np.int64)),
    ("asarray-dtype", lambda m: m.asarray([1, 2], np.float32)),
    ("asarray-order", lambda m: m.asarray(np.ones((2, 3)), order="F").flags.f_contiguous),
]


@pytest.mark.parametrize("name, call", DROP_IN, ids=[d[0] for d in DROP_IN])
def test_creation_takes_numpys_positional_arguments(name, call):
    got, want = call(tnp), call(np)
    if isinstance(want, np.ndarray):
        assert got.dtype == want.dtype and got.flags.f_contiguous == want.flags.f_contiguous
        np.testing.assert_array_equal(got, want)
    else:
        assert got == want


@pytest.mark.parametrize("name, write", [
    ("copyto", lambda m, a: m.copyto(a, np.arange(6.0).reshape(2, 3), where=a > -1)),
    ("put", lambda m, a: m.put(a, [0, 4], [7.0, 8.0])),
    ("fill_diagonal", lambda m, a: m.fill_diagonal(a, 5.0, wrap=True)),
    ("putmask", lambda m, a: m.putmask(a, a == 0, [1.0, 2.0])),
])
def test_in_place_writes_into_plain_arrays_are_numpys(name, write):
    got, want = np.zeros((2, 3)), np.zeros((2, 3))
    assert write(tnp, got) is None and write(np, want) is None
    np.testing.assert_array_equal(got, want)


def test_linspace_endpoints_of_different_shapes():
    s = np.array([0.5, 0.1])
    np.testing.assert_allclose(tnp.linspace(s, 1.0, 4), np.linspace(s, 1.0, 4))
    tg.check_grads(lambda s, t: tnp.linspace(s, t, 5), (s, 2.0), order=2)
    tg.check_grads(lambda s, t: tnp.linspace(t, s, 5, axis=-1), (s, 2.0), order=2)
