"""tangents.numpy behaves as numpy on plain arrays (issue #10, item 4), for every public callable.

For each name NumPy also has, hypothesis draws arguments (dtypes bool to complex128; 0-d,
1-d, n-d and empty shapes; axis/keepdims variants where the signature takes them) and calls
``np.X`` and ``tnp.X`` on separate copies.  Both must raise (tnp's exception a subclass of
NumPy's) or both succeed with the same type (scalar, ndarray, tuple, None), dtype, shape,
NaN-aware values, and the same in-place effect on the arguments.  Arguments are drawn from
each parameter's *name* in NumPy's signature (``PARAM_KIND``); the few functions whose
parameters cannot be drawn that way have a maker in ``SPECIAL``.
"""
import inspect
import warnings

import numpy as np
import pytest
from harness import TOL, tol
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tangents as tg
import tangents.numpy as tnp

pytestmark = pytest.mark.skipif(
    np.lib.NumpyVersion(np.__version__) < "2.4.0",
    reason="the walk pins NumPy 2.4's exact behaviour at edge inputs (signatures, error "
           "classes, scalar types), which older NumPy versions differ in")

DTYPES = [np.dtype(d) for d in (np.bool_, np.int8, np.int32, np.int64, np.float16,
                                np.float32, np.float64, np.complex64, np.complex128)]
SHAPES = [(), (0,), (3,), (2, 3), (0, 3), (2, 1, 3)]
# no shrinking: a failure is reported as drawn (and the strict xfails stay cheap in CI)
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate], report_multiple_bugs=False,
                    suppress_health_check=list(HealthCheck))

# Names that cannot be called generically, with the reason.
SKIP = {
    "put_along_axis": "owned by the ufunc-method/updates engineer (issue #10), tested there",
}
# Discrepancies that cannot be removed, with the reason; each is a strict xfail (the draws are
# derandomized, so an XPASS means the name may leave the list).
KNOWN = {
    "vectorize": "NumPy's vectorize loops in Python over object arrays, so pyfunc sees Python "
                 "ints (2 * 126 overflows int8 on the cast back: OverflowError); tnp's runs pyfunc "
                 "once through vmap on int8 arrays, which wrap as NumPy arrays do. Matching needs "
                 "NumPy's per-element loop, which cannot carry traced values closed over",
}
# Results whose values NumPy leaves undefined: only type, dtype and shape are compared.
UNDEFINED_VALUES = {"empty", "empty_like"}


def _elements(dtype):
    """Values of ``dtype``: bounded (no huge allocations from arange/bincount), with the
    special floats NaN, +-inf and -0.0, and the whole int8 range (-128 has no abs)."""
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind == "i":
        info = np.iinfo(dtype)
        return st.integers(max(info.min, -1000), min(info.max, 1000))
    specials = st.sampled_from([np.nan, np.inf, -np.inf, -0.0, 0.0, 0.5, 1.0])
    if dtype.kind == "f":
        width = 8 * dtype.itemsize
        return st.one_of(specials, st.floats(-100, 100, width=width))
    width = 8 * dtype.itemsize
    part = st.one_of(specials, st.floats(-100, 100, width=width // 2))
    return st.builds(complex, part, part)


@st.composite
def arrays(draw, shape=None, dtypes=DTYPES):
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(st.sampled_from(SHAPES)) if shape is None else shape
    return draw(hnp.arrays(dtype, shape, elements=_elements(dtype)))


@st.composite
def operand(draw, ctx):
    """A further array argument: mostly the first array's shape, sometimes any shape, or a
    Python scalar (NEP 50's weak promotion)."""
    how = draw(st.sampled_from(["same", "same", "same", "other", "python"]))
    if how == "python":
        return draw(st.one_of(st.booleans(), st.integers(-5, 5),
                              st.floats(-5, 5), st.complex_numbers(max_magnitude=5)))
    return draw(arrays(ctx["shape"] if how == "same" else None))


def _axis(draw, ctx):
    nd = ctx["ndim"]
    return draw(st.integers(-nd - 1, nd)) if nd else draw(st.sampled_from([0, -1]))


def _index(draw, ctx):
    hi = max(ctx["size"] - 1, 0)
    return draw(st.one_of(st.integers(0, hi), st.lists(st.integers(0, hi), max_size=3)))


def _shape_of(draw, ctx):
    s = ctx["shape"]
    return draw(st.sampled_from([s, (ctx["size"],), (-1,), (2,) + s, (1,) + s, s[::-1], 2]))


def _q(draw, ctx):
    hi = 100.0 if "percentile" in ctx["name"] else 1.0
    return draw(st.one_of(st.floats(0, hi), st.lists(st.floats(0, hi), min_size=1,
                                                     max_size=3).map(np.array)))


# parameter name in NumPy's signature -> how its value is drawn (first array sets ctx)
PARAM_KIND = {
    **dict.fromkeys("a b x y m v z p u f A ar ar1 ar2 arr ary a1 a2 val filt object prototype "
                    "array element test_elements condition mask values vals seq_of_zeros "
                    "sample src dst fill_value start stop start_or_stop beta z".split(),
                    "array"),
    **dict.fromkeys("arrays tup keys arys args xi arrays_and_dtypes".split(), "seq"),
    **dict.fromkeys("axis axis1 axis2 source destination shift".split(), "axis"),
    **dict.fromkeys("kth indices ind obj repeats indices_or_sections".split(), "index"),
    **dict.fromkeys("shape new_shape reps".split(), "shape"),
    **dict.fromkeys("N M n num deg".split(), "count"),
    **dict.fromkeys("dtype to from_ int_type".split(), "dtype"),
    "q": "q",
    "pad_width": "pad",
}


def _first_or_operand(draw, ctx):
    if ctx["first"] is not None:
        return draw(operand(ctx))
    a = draw(arrays())
    ctx.update(first=a, shape=a.shape, ndim=a.ndim, size=a.size)
    return a


def _draw_param(draw, kind, ctx):
    if kind == "array":
        return _first_or_operand(draw, ctx)
    if kind == "seq":
        return [_first_or_operand(draw, ctx) for _ in range(draw(st.integers(1, 3)))]
    if kind == "axis":
        return _axis(draw, ctx)
    if kind == "index":
        return _index(draw, ctx)
    if kind == "shape":
        return _shape_of(draw, ctx) if ctx["first"] is not None else \
            draw(st.sampled_from(SHAPES + [3]))
    if kind == "count":
        return draw(st.integers(0, 4))
    if kind == "dtype":
        return draw(st.sampled_from(DTYPES + [int, float, complex, bool]))
    if kind == "q":
        return _q(draw, ctx)
    if kind == "pad":
        return draw(st.sampled_from([0, 1, (1, 2), ((1, 0),)]))
    raise AssertionError(kind)


def _signature(name):
    f = getattr(np, name)
    if isinstance(f, np.ufunc):
        return ["array"] * f.nin, [], False
    params = inspect.signature(f).parameters.values()
    required = [PARAM_KIND[p.name] if p.kind != p.VAR_POSITIONAL else ("varargs", p.name)
                for p in params if p.default is p.empty and p.kind in
                (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    optional = [p.name for p in params if p.name in ("axis", "keepdims", "ddof")
                and p.default is not p.empty]
    return required, optional, True


@st.composite
def generic_call(draw, name):
    required, optional, _ = _signature(name)
    ctx = {"name": name, "first": None, "shape": (), "ndim": 0, "size": 1}
    args = []
    for kind in required:
        if isinstance(kind, tuple):  # *arrays: zero to three arrays
            args.extend(_first_or_operand(draw, ctx) for _ in range(draw(st.integers(0, 3))))
        else:
            args.append(_draw_param(draw, kind, ctx))
    kwargs = {}
    for opt in optional:
        if draw(st.booleans()):
            kwargs[opt] = {"axis": lambda: draw(st.one_of(st.none(), st.just(_axis(draw, ctx)))),
                           "keepdims": lambda: draw(st.booleans()),
                           "ddof": lambda: draw(st.integers(0, 2))}[opt]()
    return args, kwargs


# Makers for names whose arguments are not drawn from parameter names alone:
# name -> strategy of (args, kwargs), or of (args, kwargs, call(fun, args, kwargs)).
_f64 = [np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.int64)]
_1d = arrays(shape=(4,), dtypes=_f64)
SPECIAL = {
    "apply_along_axis": st.tuples(st.just(np.sum), st.sampled_from([0, -1]),
                                  arrays(shape=(2, 3))).map(lambda a: (a, {})),
    "apply_over_axes": st.tuples(st.just(np.sum), arrays(shape=(2, 3)),
                                 st.sampled_from([0, [0, 1]])).map(lambda a: (a, {})),
    "piecewise": arrays(shape=(3,), dtypes=_f64).map(
        lambda x: ((x, [x > 0], [lambda t: 2 * t, 1.0]), {})),
    "vectorize": arrays().map(lambda x: ((x,), {}, lambda f, a, k: f(lambda t: 2 * t)(*a))),
    "einsum": st.sampled_from(["ij,j->i", "ij->ji", "ij,ij->", "ii"]).flatmap(
        lambda s: st.tuples(st.just(s), arrays(shape=(3, 3)), arrays(shape=(3, 3) if "," in s
                            and s[3] == "i" else (3,))).map(
            lambda a: ((a[0],) + ((a[1], a[2]) if "," in a[0] else (a[1],)), {}))),
    "einsum_path": st.tuples(st.just("ij,jk->ik"), arrays(shape=(2, 3)),
                             arrays(shape=(3, 2))).map(lambda a: (a, {})),
    "select": arrays().map(lambda x: (([x.real > 0, x.real <= 0] if x.dtype.kind == "c"
                                       else [x > 0, x <= 0], [x, ~x if x.dtype == bool else -x]),
                                      {})),
    "interp": st.tuples(arrays(dtypes=_f64), _1d.map(np.sort), _1d).map(lambda a: (a, {})),
    "digitize": st.tuples(arrays(dtypes=_f64), _1d.map(np.sort)).map(lambda a: (a, {})),
    "searchsorted": st.tuples(_1d.map(np.sort), arrays(dtypes=_f64)).map(lambda a: (a, {})),
    "choose": st.tuples(arrays(shape=(2, 3), dtypes=[np.dtype(np.int64)]).map(
        lambda i: np.abs(i) % 2), st.lists(arrays(shape=(2, 3)), min_size=2, max_size=2)).map(
        lambda a: (a, {})),
    "take_along_axis": st.tuples(arrays(shape=(2, 3)), st.sampled_from([0, 1, -1])).map(
        lambda a: ((a[0], np.argsort(a[0], axis=a[1])), {"axis": a[1]})),
    "isdtype": st.tuples(st.sampled_from(DTYPES), st.sampled_from(
        ["bool", "signed integer", "integral", "real floating", "complex floating",
         "numeric"])).map(lambda a: (a, {})),
    "arange": st.one_of(st.integers(-3, 6), st.floats(-3, 6)).map(lambda s: ((s,), {})),
}


def _call(fun, args, kwargs, invoke):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return invoke(fun, args, kwargs), None
        except Exception as e:  # noqa: BLE001  (the exception itself is what we compare)
            return None, e


def _copy(x):
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, (list, tuple)):
        return type(x)(_copy(v) for v in x)
    return x


def assert_same(got, want, where, values=True):
    """``got`` (tnp's) equals ``want`` (NumPy's) in type, dtype, shape and NaN-aware value."""
    assert type(got) is type(want), \
        f"{where}: type {type(got).__name__}, NumPy gives {type(want).__name__}"
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want), f"{where}: length {len(got)} != {len(want)}"
        for k, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{k}]", values)
    elif isinstance(want, (np.ndarray, np.generic)):
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype}, NumPy gives {want.dtype}"
        assert got.shape == want.shape, f"{where}: shape {got.shape}, NumPy gives {want.shape}"
        if values:
            np.testing.assert_array_equal(got, want, err_msg=where, strict=True)
    elif isinstance(want, (bool, int, float, complex)):
        assert got == want or (got != got and want != want), f"{where}: {got!r} != {want!r}"
    elif want is not None:  # finfo, einsum_path's report, ...
        assert repr(got) == repr(want), f"{where}: {got!r} != {want!r}"


def check_name(name, args, kwargs, invoke=lambda f, a, k: f(*a, **k)):
    np_args, tnp_args = _copy(args), _copy(args)
    want, np_err = _call(getattr(np, name), np_args, kwargs, invoke)
    got, tnp_err = _call(getattr(tnp, name), tnp_args, kwargs, invoke)
    where = f"tnp.{name}(*{_describe(args)}, **{kwargs})"
    if np_err is not None:
        assert tnp_err is not None, f"{where}: NumPy raises {np_err!r}, tnp returns {got!r}"
        assert isinstance(tnp_err, type(np_err)), \
            f"{where}: NumPy raises {type(np_err).__name__}, tnp raises {tnp_err!r}"
        return
    assert tnp_err is None, f"{where}: NumPy succeeds, tnp raises {tnp_err!r}"
    assert_same(got, want, where, values=name not in UNDEFINED_VALUES)
    assert_same(tnp_args, np_args, f"{where} (in-place effect on the arguments)")


def _describe(x):
    if isinstance(x, np.ndarray):
        return f"{x.dtype}{list(x.shape)}" if x.size > 6 else repr(x)
    if isinstance(x, (list, tuple)):
        return "(" + ", ".join(_describe(v) for v in x) + ")"
    return repr(x)


def _names():
    out = []
    for name in dir(tnp):
        f = getattr(tnp, name)
        if name.startswith("_") or not callable(f) or not hasattr(np, name):
            continue
        out.append(name)
    return out


NAMES = _names()
OWN = [n for n in NAMES if getattr(tnp, n) is not getattr(np, n)]


def test_namespace_is_walked():
    """The walk finds tnp's own implementations and every one of them has a generator."""
    assert len(OWN) > 300
    for name in OWN:
        if name not in SKIP and name not in SPECIAL:
            _signature(name)  # KeyError: add the parameter to PARAM_KIND or a maker to SPECIAL


@pytest.mark.parametrize("name", sorted(set(NAMES) - set(OWN)))
def test_reexported_names_are_numpys_own(name):
    """Names tnp re-exports unchanged are NumPy's objects themselves (nothing to compare)."""
    assert getattr(tnp, name) is getattr(np, name)


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN[n], strict=True)) if n in KNOWN else n
    for n in OWN if n not in SKIP])
@SETTINGS
@given(data=st.data())
def test_tnp_matches_numpy(name, data):
    if name in SPECIAL:
        drawn = data.draw(SPECIAL[name])
        check_name(name, *drawn)
    else:
        check_name(name, *data.draw(generic_call(name)))


# -- the discrepancies named in issue #10, pinned (the walk above may not draw them) --------
@pytest.mark.parametrize("name, args", [
    ("fabs", (np.array([-128, 5], np.int8),)),   # float16 [128, 5], not int8 [-128, 5]
    ("fabs", (np.array([-3, 5], np.int32),)),    # float64
    ("fabs", (np.array([True]),)),
    ("std", (np.array(2.0),)),                   # a np.float64, not a 0-d array
    ("std", (np.array(2.0 + 1j),)),
    ("conj", (np.array(2.0),)),
    ("conj", (np.array([True]),)),               # int8: NumPy has no boolean conjugate
    ("conjugate", (np.array(3, np.int32),)),
    ("argsort", (np.array(2.0),)),               # [0]: a 0-d array sorts as 1-d
    ("argpartition", (np.array(2.0), 0)),
    ("median", (np.array([1 + 2j, 3.0, 2.0]),)),
    ("median", (np.array([[1 + 2j, 3j], [np.nan, 1]], np.complex64),)),
    ("positive", (np.array([True]),)),           # NumPy raises
    ("positive", (np.array(1.5),)),              # a scalar, and a copy
])
def test_issue_10_discrepancies(name, args):
    check_name(name, args, {})


def _fd_cotangent(f, z, eps=1e-6):
    """``dL/da - i dL/db`` for real ``L = f(z)``, ``z = a + ib``, by central differences in
    the real and imaginary directions of each entry (docs/conventions.md, complex row)."""
    out = np.zeros_like(z)
    for j in range(z.size):
        e = np.zeros_like(z)
        e.flat[j] = eps
        da = (f(z + e) - f(z - e)) / (2 * eps)
        db = (f(z + 1j * e) - f(z - 1j * e)) / (2 * eps)
        out.flat[j] = da - 1j * db
    return out


@pytest.mark.parametrize("fn", [tnp.var, tnp.std, lambda z: tnp.var(z, ddof=1),
                                lambda z: tnp.sum(tnp.std(z, axis=0) ** 3)],
                         ids=["var", "std", "var-ddof", "std-axis"])
def test_var_std_of_complex_traced_values(fn):
    """var of complex is mean(|z - mean|**2), real; reverse mode matches finite differences
    in both directions, forward mode matches reverse through Re<ct, v> = jvp(v)."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    rtol, atol = TOL[np.float64]
    assert isinstance(fn(z), np.floating)  # real, like NumPy's
    if fn is tnp.var:
        np.testing.assert_allclose(fn(z), np.var(z), rtol, atol)
    ct = tg.grad(fn)(z)
    np.testing.assert_allclose(ct, _fd_cotangent(fn, z), **tol("fd"))
    v = rng.standard_normal(z.shape) + 1j * rng.standard_normal(z.shape)
    _, t = tg.jvp(fn, (z,), (v,))
    np.testing.assert_allclose(t, np.sum(ct * v).real, rtol, atol)
