"""tnp equals NumPy on plain arrays (issue #10, item 4): the discrepancies the namespace walk
found, pinned (the walk's draws may miss them), and the traced paths of the same fixes checked
against finite differences and forward/reverse transposition."""
import numpy as np
import pytest
from harness import TOL
from test_namespace_vs_numpy import check_name

import tangents as tg
import tangents.numpy as tnp

F = np.array([1.5, np.nan, -2.0])
Z = np.array([1.0 + 2.0j, np.inf + np.nan * 1j, 3.0 - 1.0j])


@pytest.mark.parametrize("name, args, kwargs", [
    # 0-d input with axis 0 or -1: NumPy's ufunc reductions and scans accept it
    ("sum", (np.array(2.0),), {"axis": -1}),
    ("prod", (np.array(3, np.int8),), {"axis": 0, "keepdims": True}),
    ("max", (np.array(2.0),), {"axis": 0}),
    ("all", (np.array(0),), {"axis": -1}),
    ("nansum", (np.array(np.nan),), {"axis": 0}),
    ("nanmax", (np.array(7, np.int8),), {"axis": -1}),
    ("nanstd", (np.array(2.0),), {"axis": 0, "ddof": 1}),
    ("nanstd", (np.array(1.0 + 1j, np.complex64),), {"axis": -1}),
    ("cumsum", (np.array(2.0),), {"axis": 0}),
    ("nancumprod", (np.array(2.0),), {"axis": -1}),
    ("cumulative_sum", (np.array(2.0),), {}),
    ("cumulative_prod", (np.array(True),), {"include_initial": True}),
    ("take", (np.array(2.0), [0, 0]), {"axis": -1}),
    ("mean", (np.array(2.0),), {"axis": 0}),  # NumPy raises here: so must tnp
    # NumPy scalars (or arrays) where tnp gave 0-d arrays (or Python scalars)
    ("angle", (np.array(-np.inf + 0j),), {}),
    ("nan_to_num", (np.array(np.nan, np.float32),), {}),
    ("trim_zeros", (np.array(0.0),), {}),
    ("unstack", (np.array([1, 2, 3]),), {}),
    ("broadcast_arrays", (np.array(1.0, np.complex64), 4), {}),
    # promotion of bool/int8 and mixed kinds
    ("intersect1d", (np.array(3, np.int8), np.array(200)), {}),
    # raises where NumPy succeeds or the reverse (0-d, empty, NaN, bool)
    ("median", (np.array([], np.complex128),), {}),
    ("nanmedian", (np.zeros((0, 3)),), {"axis": 0}),
    ("quantile", (np.array([True, False]), 0.5), {}),
    ("nanpercentile", (np.array(False), 0.0), {}),
    ("nanargmax", (np.array([np.nan, np.nan]),), {}),
    ("nanargmin", (np.array(np.nan),), {}),
    ("histogram", (np.array([np.nan]),), {}),
    ("histogram2d", (np.array(1.0), np.array(2.0)), {}),
    ("histogramdd", (np.array(False),), {}),
    ("bincount", (np.array(np.nan + 1j),), {}),
    ("matvec", (np.ones(3), np.ones(3)), {}),
    ("vecmat", (np.ones(3), np.ones(3)), {}),
    ("tril", (np.array(1.0),), {}),
    ("triu", (np.array(1.0),), {}),
    ("correlate", (np.array(1.0), np.array(2.0)), {}),
    # the walk's complex64 draw with -inf: a sliding product spread NaN over every entry
    ("convolve", (np.array([10 + 27.7j, 0.5 + 10j, -np.inf + 1j], np.complex64),) * 2, {}),
    ("gradient", (np.array([], np.complex64), np.array([], np.int64)), {}),  # IndexError
    ("tensordot", (np.array(1.0), np.array(2.0)), {}),
    ("poly", (np.array(2.0),), {}),
    ("roots", (np.array(2.0),), {}),
    ("polyder", (np.array(2.0),), {}),
    ("polyint", (np.array(2.0),), {}),
    ("polyval", (np.array(2.0), np.array(1.0)), {}),
    ("polymul", (np.array([np.nan, 1.0, 2.0]), np.array([0.0, 0.0, 1.0])), {}),
    ("polydiv", (np.zeros((0, 3)), np.array([1.0, 2.0])), {}),
    ("kaiser", (3, np.array([0, 0, 0], np.int32)), {}),
    ("permute_dims", (np.zeros((2, 3)),), {}),
    ("split", (np.zeros(0), 0), {}),
    ("hsplit", (np.zeros((0, 3)), 0), {}),
    ("unwrap", (np.array(1.0),), {"axis": None}),
    ("modf", (np.array(True),), {}),
    ("modf", (np.array(2.5),), {}),
    ("partition", (np.array(0), ()), {}),
    # values bit-identical to NumPy's
    ("sinc", (np.array([0.1, 1e-9, 2.5], np.float32),), {}),
    ("linspace", (np.array(-4, np.int32), np.array(0.3333, np.float16)), {"axis": None}),
    ("polyfit", (np.array([0.0, 1.0, 2.0, 3.5]), np.array([1.0, 0.2, 4.0, 2.0]), 2), {}),
    # NumPy's own classes
    ("finfo", (np.float32,), {}),
    ("unique_all", (np.array([2.0, 1.0, 2.0]),), {}),
    ("unique_counts", (np.array([2, 1, 2], np.int8),), {}),
    ("unique_inverse", (np.array([[2.0, 1.0]]),), {}),
    ("unique_values", (np.array([3, 1, 2, 1]),), {}),
    ("isposinf", (np.array([np.inf, -np.inf]), np.zeros(2, bool)), {}),  # out, in place
    ("isneginf", (np.array([np.inf, -np.inf]), np.zeros(2, bool)), {}),
    ("vectorize", (np.zeros(0),), {}),  # no otypes on size-0 input: NumPy raises
])
def test_plain_arrays_match_numpy(name, args, kwargs):
    if not hasattr(np, name):
        pytest.skip(f"this NumPy ({np.__version__}) has no {name}")
    if name == "vectorize":
        check_name(name, args, kwargs, lambda f, a, k: f(lambda t: 2 * t)(*a, **k))
    else:
        check_name(name, args, kwargs)


def test_finfo_and_unique_results_are_numpys_classes():
    assert type(tnp.finfo(np.float64)) is np.finfo
    x = np.array([2.0, 1.0, 2.0])
    for name in ("unique_all", "unique_counts", "unique_inverse"):
        assert type(getattr(tnp, name)(x)) is type(getattr(np, name)(x)), name
        # traced values come back in NumPy's class too (distinct entries: gradient 2 v)
        v = np.array([2.0, 1.0, 3.0])
        out = tg.grad(lambda t, n=name: tnp.sum(getattr(tnp, n)(t).values ** 2))(v)
        np.testing.assert_allclose(out, 2 * v, *TOL[np.float64])


@pytest.mark.parametrize("f", [
    lambda xp, x: xp.sum(x, axis=0), lambda xp, x: xp.prod(x * x, axis=-1),
    lambda xp, x: xp.max(x, axis=0), lambda xp, x: xp.nansum(x, axis=-1),
    lambda xp, x: xp.sum(xp.cumsum(x, axis=0) ** 2), lambda xp, x: xp.sum(xp.cumprod(x, axis=-1)),
    lambda xp, x: xp.sum(xp.cumulative_sum(x, include_initial=True) ** 2),
    lambda xp, x: xp.sum(xp.take(x, [0, 0], axis=-1) ** 3), lambda xp, x: xp.nanmean(x, axis=0),
], ids=["sum", "prod", "max", "nansum", "cumsum", "cumprod", "cumulative_sum", "take",
        "nanmean"])
def test_zero_d_axis_traced(f):
    """The 0-d axis=0/-1 fix holds on traced values: value as NumPy's, derivatives checked."""
    x = np.array(1.7)
    fn = lambda v: f(tnp, v)  # noqa: E731
    np.testing.assert_allclose(tg.jvp(fn, (x,), (x,))[0], f(np, x), *TOL[np.float64])
    tg.check_grads(fn, (x,), order=2)


def test_nanvar_of_complex_ignores_nan_entries():
    """nanvar/nanstd of complex skip entries with a NaN part (as NumPy), traced too."""
    np.testing.assert_allclose(tnp.nanstd(Z), np.nanstd(Z), *TOL[np.float64])
    z = Z[[0, 2]]
    f = lambda v: tnp.nanvar(tnp.concatenate([v, Z[1:2]]))  # noqa: E731
    np.testing.assert_allclose(f(z), np.nanvar(Z), *TOL[np.float64])
    g = tg.grad(f)(z)  # equals the gradient of var over the non-NaN entries
    np.testing.assert_allclose(g, tg.grad(tnp.var)(z), *TOL[np.float64])


def test_isposinf_isneginf_write_out_on_traced_values():
    x = np.array([np.inf, -np.inf, 1.0])

    def f(v):
        pos, neg = np.zeros(3, bool), np.zeros(3, bool)
        assert tnp.isposinf(v, out=pos) is pos and tnp.isneginf(v, out=neg) is neg
        assert pos.tolist() == [True, False, False] and neg.tolist() == [False, True, False]
        return tnp.sum(tnp.where(pos | neg, 0.0, v))

    assert tg.grad(f)(x).tolist() == [0.0, 0.0, 1.0]
    with pytest.raises(TypeError, match="isposinf: out must be a NumPy array"):
        tg.grad(lambda v: tnp.sum(tnp.isposinf(v, out=[0, 0, 0]) * v))(x)


LIST_CASES = {
    "linspace": lambda a, b: tnp.linspace([a, b], [b, 2.0 * a], 4),
    "geomspace": lambda a, b: tnp.geomspace([a, b], [b, 2.0 * a], 4),
    "logspace": lambda a, b: tnp.logspace([a, b], [b, 2.0 * a], 4),
    "modf": lambda a, b: tnp.modf([a, b])[0],
    "vecdot": lambda a, b: tnp.vecdot([a, b], [b, a]),
    "histogram_bin_edges": lambda a, b: tnp.histogram_bin_edges([a, b, a * b], bins=3),
    "clip": lambda a, b: tnp.clip([a, b]),
}


@pytest.mark.parametrize("name", sorted(LIST_CASES))
def test_lists_of_traced_values(name):
    """A list of traced values is an array (tnp.asarray), as NumPy's list of floats is."""
    fn = LIST_CASES[name]
    a, b = np.array(1.5), np.array(2.5)
    want = getattr(np, name)(*[[1.5, 2.5], [2.5, 3.0]][:1 if name in ("modf", "clip") else 2],
                             *((4,) if name.endswith("space") else ()))
    if name == "modf":
        want = want[0]
    elif name == "histogram_bin_edges":
        want = np.histogram_bin_edges([1.5, 2.5, 3.75], bins=3)
    elif name == "vecdot":
        want = np.vecdot([1.5, 2.5], [2.5, 1.5])
    np.testing.assert_allclose(tg.jvp(fn, (a, b), (np.array(0.0), np.array(0.0)))[0], want,
                               *TOL[np.float64])
    tg.check_grads(fn, (a, b), order=2)


def test_vectorize_of_size_zero_needs_otypes():
    f = tnp.vectorize(lambda t: 2 * t)
    with pytest.raises(ValueError, match="vectorize: cannot call it on inputs of size 0"):
        f(np.zeros((0, 3)))
    assert tnp.vectorize(lambda t: 2 * t, otypes=[np.float64])(np.zeros(0)).shape == (0,)
