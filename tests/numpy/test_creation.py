"""numpy/_creation.py through the shared harness: geomspace/logspace with traced endpoints,
conversions that pass traced values through, identity/tri, common_type; NumPy's
positional arguments on plain arrays; complex geomspace and NumPy's errors."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, positive, rand, tol

import tangents as tg
import tangents.numpy as tnp


def _geom(np_mod, **kw):
    return lambda s, t: np_mod.geomspace(s, t, **kw)


def _log(np_mod, **kw):
    return lambda s, t: np_mod.logspace(s, t, **kw)


CASES = [
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
    Case("asanyarray", lambda x: tnp.asanyarray(x) * 2, (rand((3,)),)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_creation_rule(case):
    check_case(case)


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


# -- conversions, shape helpers, constants, aliases ----------------------------------------
def test_asarray_chkfinite_checks_traced_values():
    with pytest.raises(ValueError, match="infs or NaNs"):
        tg.grad(lambda x: tnp.sum(tnp.asarray_chkfinite(x)))(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="infs or NaNs"):
        tg.vmap(tnp.asarray_chkfinite)(np.array([[1.0], [np.inf]]))


def test_common_type_reads_traced_dtypes():
    a, b = rand((2, 3)), rand((3, 4), seed=1).astype(np.float32)

    def f(a, b):
        assert np.common_type(a, b) is np.result_type(a.dtype, b.dtype).type
        return tnp.sum(a) * tnp.sum(b)

    tg.grad(f, argnums=(0, 1))(a, b)


def test_identity_and_tri_are_numpys_constants():
    np.testing.assert_array_equal(tnp.identity(3, np.float32), np.identity(3, np.float32))
    assert tnp.identity(2).dtype == np.float64
    np.testing.assert_array_equal(tnp.tri(3, 4, -1, int), np.tri(3, 4, -1, int))
    x = rand((2, 2))
    # like= a traced array dispatches here and gives NumPy's plain constant
    out = tg.grad(lambda x: tnp.sum(x * np.identity(2, like=x) + np.tri(2, like=x)))(x)
    np.testing.assert_array_equal(out, np.eye(2))


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


@pytest.mark.parametrize("val", [[1, 2], (1.5, 2j), [[1.0], [2.0]]],
                         ids=["int-list", "complex-tuple", "nested"])
def test_real_of_a_sequence_is_an_array_like_numpys(val):
    got, want = tnp.real(val), np.real(val)
    assert type(got) is np.ndarray and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
