"""Arrays built from traced values: Python lists and tuples given to tangents.numpy functions,
the r_/c_ index expressions, and xarray.DataArray wrapping traced values."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand

import tangents as tg
import tangents.numpy as tnp
from tangents.core.tracer import TracerConversionError


def _both(name, make, *shapes, **kw):
    """``make(module)`` is a function of arrays; the case runs it with tangents.numpy and
    checks the value against the same code on plain NumPy."""
    args = tuple(rand(s, seed=k) for k, s in enumerate(shapes))
    return Case(name, make(tnp), args, np_fun=make(np), **kw)


LISTS = [  # NumPy functions given lists/tuples that hold traced values
    _both("mean_list", lambda m: lambda x: m.mean([x[0], x[1] * 2.0, x[2]]), (3,)),
    _both("norm_list", lambda m: lambda x: m.linalg.norm([x[0], x[1]]), (3,)),
    _both("sum_list_of_arrays", lambda m: lambda x: m.sum([x, x ** 2], axis=0), (2, 3)),
    _both("array_nested", lambda m: lambda x: m.array([[x[0], 1.0], [x[1], x[2] * x[0]]]),
          (3,)),
    _both("asarray_mixed", lambda m: lambda x: m.asarray([x[0], 2.0, x[1]]), (3,)),
    _both("array_of_rows", lambda m: lambda x: m.array([x[1], x[0], x[1]]), (2, 3)),
    _both("stack_scalars", lambda m: lambda x: m.stack([x[0], x[2]]), (3,)),
    _both("exp_list", lambda m: lambda x: m.exp([x[0], x[1]]), (3,)),
    _both("max_tuple", lambda m: lambda x: m.max((x[0], 2.0 * x[1])), (3,)),
    _both("dot_lists", lambda m: lambda x: m.dot([x[0], x[1]], [x[1], 3.0]), (3,)),
    _both("compress_list", lambda m: lambda x: m.compress([True, False, True],
                                                          [x[0], x[1], x[2]]), (3,)),
    _both("copy_list", lambda m: lambda x: m.copy([x[0], x[1]]), (3,)),
    _both("where_list", lambda m: lambda x: m.where([True, False], [x[0], x[1]], x[2]), (3,)),
    _both("empty_rows", lambda m: lambda x: m.sum(m.array([x[:0], x[:0]]), axis=0), (3,)),
]

R_C = [  # r_/c_ with traced pieces, against NumPy's np.r_/np.c_ on plain arrays
    _both("r_scalars", lambda m: lambda x: m.r_[x, 0.0, x[0]], (3,)),
    _both("r_slice", lambda m: lambda x: m.r_[x[:2], 1:3], (3,)),
    _both("r_linspace", lambda m: lambda x: m.r_[0:1:3j, x], (2,)),
    _both("r_two_dims", lambda m: lambda x: m.r_["0,2", x, x ** 2], (3,)),
    _both("r_trans1d", lambda m: lambda x: m.r_["-1,2,0", x, 2.0 * x], (3,)),
    _both("r_axis", lambda m: lambda x: m.r_["1", x, x[:, :1]], (2, 3)),
    _both("c_", lambda m: lambda x: m.c_[x, x ** 2], (3,)),
    _both("c_matrices", lambda m: lambda x: m.c_[x, x[:, ::-1] ** 2], (2, 3)),
    _both("c_slice", lambda m: lambda x: m.c_[x, 0:3], (3,)),
]


@pytest.mark.parametrize("case", LISTS + R_C, ids=case_id)
def test_built_from_traced_values(case):
    check_case(case)


@pytest.mark.parametrize("items", [
    lambda x: [x[0], x[1]], lambda x: [x[0], 2.0], lambda x: [x[0], 1],
    lambda x: (x[0], np.float32(2.0)), lambda x: [[x[0]], [np.float16(1.0)]],
    lambda x: [x, np.arange(2)],
])
def test_list_dtype_is_numpys(items):
    """The traced array has the dtype np.array gives the same items as plain values."""
    x = np.array([0.5, 1.5], np.float32)
    seen = []

    def f(x):
        out = tnp.array(items(x))
        seen.append(out.dtype)
        return tnp.sum(out)

    g = tg.grad(f)(x)
    assert seen[0] == np.array(items(x)).dtype
    assert g.dtype == np.float32


def test_r_keeps_weak_scalars_and_numpys_object_outside_transforms():
    x = np.array([1.0, 2.0], np.float32)
    seen = []

    def f(x):
        seen.append(tnp.r_[x, 0.0].dtype)
        return tnp.sum(tnp.r_[x, 0.0])

    tg.grad(f)(x)
    assert seen == [np.r_[x, 0.0].dtype] == [np.float32]
    assert isinstance(tnp.r_[x, 0.0], np.ndarray)
    assert np.array_equal(tnp.c_[x, x], np.c_[x, x])
    a = np.eye(2)  # noqa: F841 - read by the bmat string
    assert np.array_equal(tnp.r_["a, a"], np.r_["a, a"])


def test_ragged_list_of_traced_values_names_the_shapes():
    with pytest.raises(ValueError, match=r"asarray: the nested sequence is ragged.*\(2,\)"):
        tg.grad(lambda x: tnp.sum(tnp.array([x[:2], x])))(np.ones(3))


def test_numpys_own_builders_name_the_tangents_way():
    """np.array / np.r_ are not dispatched: a clear error, never a silently dropped
    derivative."""
    x = np.ones(3)
    with pytest.raises(TracerConversionError, match=r"tnp\.array"):
        tg.grad(lambda x: np.sum(np.array([x[0], x[1]])))(x)
    with pytest.raises(TracerConversionError, match=r"tangents\.numpy\.r_"):
        tg.grad(lambda x: np.sum(np.r_[x, 0.0]))(x)
    with pytest.raises(TracerConversionError, match=r"tangents\.numpy\.c_"):
        tg.grad(lambda x: np.sum(np.c_[x, x]))(x)
    with pytest.raises(TypeError, match="np.matrix"):
        tg.grad(lambda x: np.sum(tnp.r_["r", x, x]))(x)


def test_norm_of_plain_list():
    assert tnp.linalg.norm([3.0, 4.0]) == np.linalg.norm([3.0, 4.0])


# -- xarray -----------------------------------------------------------------------------
def _xr():
    return pytest.importorskip("xarray")


def _data_array(x):
    return _xr().DataArray(x, dims=["a", "t"], coords={"t": [10, 20, 30]})


XARRAY = [
    ("sin_data", lambda x: np.sum(np.sin(_data_array(x)).data)),
    ("arithmetic", lambda x: ((_data_array(x) * 2.0 + 1.0) ** 2).sum().data),
    ("mean_over_dim", lambda x: (_data_array(x).mean("t") ** 2).data),
    ("sel_and_broadcast", lambda x: (_data_array(x).sel(t=20)
                                     * _xr().DataArray(np.array([1.0, 2.0]), dims=["a"])).data),
    ("where_and_dot", lambda x: _xr().dot(_xr().where(_data_array(x) > 0, _data_array(x), 0.0),
                                          _data_array(x), dim="t").data),
    ("diff_cumsum", lambda x: (_data_array(x).diff("t").cumsum("t") ** 2).data),
]


@pytest.mark.parametrize("fun", [f for _, f in XARRAY], ids=[n for n, _ in XARRAY])
def test_xarray_data_array_of_traced_values(fun):
    x = rand((2, 3))
    check_case(Case("xarray", fun, (x,), np_fun=None, float32=False))


def test_xarray_conversion_names_data():
    x = rand((2, 3))
    with pytest.raises(TracerConversionError, match=r"\.data"):
        tg.grad(lambda x: np.sum(_data_array(x).values))(x)
    with pytest.raises(TracerConversionError, match=r"\.data"):
        tg.grad(lambda x: float(_data_array(x).sum()))(x)
