"""tangents.numpy as an Array API namespace: every name of the standard (2024.12, with
2025.12's additions) is present and, outside any transform, computes what array-api-strict
computes; the names the standard adds to NumPy's are differentiable where they should be
(through the shared harness)."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, positive, rand, tol, unit

import tangents as tg
import tangents.numpy as tnp

# -- the standard's names --------------------------------------------------------------
_STRICT_ONLY = {"ArrayAPIStrictFlags", "Device", "ModuleType", "get_array_api_strict_flags",
                "set_array_api_strict_flags", "reset_array_api_strict_flags"}


@pytest.fixture(scope="module")
def xp():
    strict = pytest.importorskip("array_api_strict")
    strict.set_array_api_strict_flags(api_version="2025.12")  # 2024.12 and its successor
    yield strict
    strict.reset_array_api_strict_flags()


def _standard_names(strict):
    return sorted(n for n in dir(strict) if (not n.startswith("_") or n.startswith("__array"))
                  and n not in _STRICT_ONLY)


X = rand((2, 3))
Y = rand((2, 3), seed=1)
U = unit((2, 3))
P = positive((2, 3))
V = rand((3,), seed=2)
I = np.array([[3, 1, 2], [0, 7, 5]])  # noqa: E741
J = np.array([[1, 2, 1], [2, 0, 3]])
B = X > 0
Z1 = X + 1j * Y
Z2 = Y - 2j * X
TIES = np.array([[1.0, 2.0, 2.0, 3.0, 2.0], [0.0, 0.0, -1.0, 0.0, 5.0]])
SQ = rand((3, 3), seed=3)
SPD = SQ @ SQ.T + 3 * np.eye(3)

_UNARY = {"abs": X, "acos": U, "acosh": P + 1, "asin": U, "asinh": X, "atan": X, "atanh": U,
          "ceil": X, "conj": X, "cos": X, "cosh": X, "exp": X, "expm1": X, "floor": X,
          "imag": X + 1j * Y, "isfinite": X, "isinf": X, "isnan": X, "log": P, "log10": P,
          "log1p": P, "log2": P, "logical_not": B, "negative": X, "positive": X, "real": X,
          "reciprocal": P, "round": X, "sign": X, "signbit": X, "sin": X, "sinh": X,
          "sqrt": P, "square": X, "tan": U, "tanh": X, "trunc": X, "bitwise_invert": I}
_BINARY = {n: (X, Y) for n in ("add", "atan2", "copysign", "divide", "equal", "greater",
                               "greater_equal", "hypot", "less", "less_equal", "logaddexp",
                               "maximum", "minimum", "multiply", "nextafter", "not_equal",
                               "subtract", "floor_divide", "remainder")}
_BINARY.update({"pow": (P, Y), "logical_and": (B, ~B), "logical_or": (B, ~B),
                "logical_xor": (B, B), "bitwise_and": (I, J), "bitwise_or": (I, J),
                "bitwise_xor": (I, J), "bitwise_left_shift": (I, J),
                "bitwise_right_shift": (I, J)})

# name -> list of calls f(xp, a) where a converts a NumPy array into xp's array type
_CALLS = {
    "all": [lambda xp, a: xp.all(a(B), axis=1), lambda xp, a: xp.all(a(B), keepdims=True)],
    "any": [lambda xp, a: xp.any(a(B), axis=0)],
    "arange": [lambda xp, a: xp.arange(5), lambda xp, a: xp.arange(1.0, 3.0, 0.5)],
    "argmax": [lambda xp, a: xp.argmax(a(X), axis=1, keepdims=True)],
    "argmin": [lambda xp, a: xp.argmin(a(X), axis=0)],
    "argsort": [lambda xp, a: xp.argsort(a(X), axis=1),
                lambda xp, a: xp.argsort(a(X), axis=0, descending=True),
                # stable (the default): equal elements keep their order, either way
                lambda xp, a: xp.argsort(a(TIES), axis=-1, descending=True),
                lambda xp, a: xp.argsort(a(TIES), axis=0, descending=True),
                # stable by default (NumPy's quicksort reorders ties past 16 elements)
                lambda xp, a: xp.argsort(a(np.tile([2.0, 1.0], 20)))],
    "asarray": [lambda xp, a: xp.asarray([1.0, 2.0], dtype=xp.float32),
                lambda xp, a: xp.asarray(a(X), copy=True)],
    "astype": [lambda xp, a: xp.astype(a(X), xp.float32),
               lambda xp, a: xp.astype(a(I), xp.float64, copy=False)],
    "broadcast_arrays": [lambda xp, a: xp.broadcast_arrays(a(V), a(X))],
    "broadcast_shapes": [lambda xp, a: xp.broadcast_shapes((2, 1), (3,))],
    "broadcast_to": [lambda xp, a: xp.broadcast_to(a(V), (4, 3))],
    "can_cast": [lambda xp, a: xp.can_cast(xp.float32, xp.float64),
                 lambda xp, a: xp.can_cast(a(X), xp.int8)],
    "clip": [lambda xp, a: xp.clip(a(X), min=-0.5, max=0.5), lambda xp, a: xp.clip(a(X))],
    "concat": [lambda xp, a: xp.concat([a(X), a(Y)], axis=1),
               lambda xp, a: xp.concat([a(X), a(V)], axis=None)],
    "count_nonzero": [lambda xp, a: xp.count_nonzero(a(I), axis=1)],
    "cumulative_prod": [lambda xp, a: xp.cumulative_prod(a(X), axis=1),
                        lambda xp, a: xp.cumulative_prod(a(V), include_initial=True)],
    "cumulative_sum": [lambda xp, a: xp.cumulative_sum(a(X), axis=0, include_initial=True),
                       lambda xp, a: xp.cumulative_sum(a(V)),
                       # dtype= is kept (the sum wraps around in uint8)
                       lambda xp, a: xp.cumulative_sum(a((I * 40).astype(np.uint8)), axis=1,
                                                       dtype=xp.uint8, include_initial=True)],
    "diff": [lambda xp, a: xp.diff(a(X), axis=0), lambda xp, a: xp.diff(a(V), n=2)],
    "empty": [lambda xp, a: xp.empty((2, 3)).shape],
    "empty_like": [lambda xp, a: xp.empty_like(a(X)).shape],
    "expand_dims": [lambda xp, a: xp.expand_dims(a(X), axis=-1)],
    "eye": [lambda xp, a: xp.eye(3, 4, k=1, dtype=xp.float32)],
    "finfo": [lambda xp, a: xp.finfo(xp.float32).eps, lambda xp, a: xp.finfo(a(X)).max],
    "flip": [lambda xp, a: xp.flip(a(X), axis=1)],
    "from_dlpack": [lambda xp, a: xp.from_dlpack(a(X))],
    "full": [lambda xp, a: xp.full((2, 2), 3.0)],
    "full_like": [lambda xp, a: xp.full_like(a(X), 2.0)],
    "iinfo": [lambda xp, a: xp.iinfo(xp.int16).max],
    "isdtype": [lambda xp, a: xp.isdtype(xp.float32, "real floating"),
                lambda xp, a: xp.isdtype(xp.int8, ("bool", "unsigned integer"))],
    "isin": [lambda xp, a: xp.isin(a(I), a(J))],  # array-api-strict 2.6 ignores invert=
    "linspace": [lambda xp, a: xp.linspace(0.0, 1.0, 5),
                 lambda xp, a: xp.linspace(0.0, 1.0, 4, endpoint=False)],
    "matmul": [lambda xp, a: xp.matmul(a(X), a(SQ))],
    "matrix_transpose": [lambda xp, a: xp.matrix_transpose(a(X))],
    "max": [lambda xp, a: xp.max(a(X), axis=1)],
    "mean": [lambda xp, a: xp.mean(a(X), axis=(0, 1), keepdims=True)],
    "meshgrid": [lambda xp, a: xp.meshgrid(a(V), a(V[:2]), indexing="ij")],
    "min": [lambda xp, a: xp.min(a(X), axis=-1)],
    "moveaxis": [lambda xp, a: xp.moveaxis(a(X), 0, -1)],
    "nonzero": [lambda xp, a: xp.nonzero(a(B))],
    "ones": [lambda xp, a: xp.ones(3, dtype=xp.int32)],
    "ones_like": [lambda xp, a: xp.ones_like(a(X))],
    "permute_dims": [lambda xp, a: xp.permute_dims(a(X), (1, 0))],
    "prod": [lambda xp, a: xp.prod(a(X), axis=0),
             lambda xp, a: xp.prod(a(I.astype(np.int8) * 9), axis=1, dtype=xp.int8)],
    "repeat": [lambda xp, a: xp.repeat(a(X), 2, axis=1)],
    "reshape": [lambda xp, a: xp.reshape(a(X), (3, 2))],
    "result_type": [lambda xp, a: xp.result_type(xp.float32, a(X))],
    "roll": [lambda xp, a: xp.roll(a(X), 1, axis=1)],
    "searchsorted": [lambda xp, a: xp.searchsorted(a(np.sort(V)), a(X[0]), side="right")],
    "sort": [lambda xp, a: xp.sort(a(X), axis=0),
             lambda xp, a: xp.sort(a(X), axis=1, descending=True),
             lambda xp, a: xp.sort(a(TIES), axis=0, descending=True)],
    "squeeze": [lambda xp, a: xp.squeeze(a(X[:1]), axis=0)],
    "stack": [lambda xp, a: xp.stack([a(X), a(Y)], axis=1)],
    "std": [lambda xp, a: xp.std(a(X), axis=1, correction=1)],
    "sum": [lambda xp, a: xp.sum(a(X), axis=1, keepdims=True),
            # dtype= is kept (the sum wraps around in int8)
            lambda xp, a: xp.sum(a(I.astype(np.int8) * 40), axis=1, dtype=xp.int8)],
    "take": [lambda xp, a: xp.take(a(X), a(np.array([2, 0])), axis=1)],
    "take_along_axis": [lambda xp, a: xp.take_along_axis(a(X), a(np.argsort(X, 1)), axis=1)],
    "tensordot": [lambda xp, a: xp.tensordot(a(X), a(Y), axes=([1], [1]))],
    "tile": [lambda xp, a: xp.tile(a(X), (2, 1))],
    "tril": [lambda xp, a: xp.tril(a(SQ), k=-1)],
    "triu": [lambda xp, a: xp.triu(a(SQ), k=1)],
    "unique_all": [lambda xp, a: xp.unique_all(a(np.array([2.0, 1.0, 2.0])))],
    "unique_counts": [lambda xp, a: xp.unique_counts(a(I % 3))],
    "unique_inverse": [lambda xp, a: xp.unique_inverse(a(I % 3))],
    # the standard leaves the order unspecified (NumPy >= 2.3 does not sort): compare sorted
    "unique_values": [lambda xp, a: xp.sort(xp.unique_values(a(I % 3)))],
    "unstack": [lambda xp, a: xp.unstack(a(X), axis=1)],
    "var": [lambda xp, a: xp.var(a(X), axis=0)],
    "vecdot": [lambda xp, a: xp.vecdot(a(X), a(Y)), lambda xp, a: xp.vecdot(a(V), a(X)),
               lambda xp, a: xp.vecdot(a(Z1), a(Z2)),  # conj(x1)
               # the promoted dtype of the inputs (not the wider dtype of a sum)
               lambda xp, a: xp.vecdot(a(I.astype(np.uint8)), a(J.astype(np.uint8)))],
    "where": [lambda xp, a: xp.where(a(B), a(X), a(Y))],
    "zeros": [lambda xp, a: xp.zeros((2, 1))],
    "zeros_like": [lambda xp, a: xp.zeros_like(a(X))],
}
_CALLS.update({n: [lambda xp, a, n=n, x=x: getattr(xp, n)(a(x))] for n, x in _UNARY.items()})
_CALLS.update({n: [lambda xp, a, n=n, x=x, y=y: getattr(xp, n)(a(x), a(y))]
               for n, (x, y) in _BINARY.items()})

_LINALG = {
    "cholesky": [lambda xp, a: xp.linalg.cholesky(a(SPD))],
    "cross": [lambda xp, a: xp.linalg.cross(a(X), a(Y))],
    "det": [lambda xp, a: xp.linalg.det(a(SQ))],
    "diagonal": [lambda xp, a: xp.linalg.diagonal(a(SQ), offset=1)],
    "eigh": [lambda xp, a: xp.linalg.eigh(a(SPD)).eigenvalues],
    "eigvalsh": [lambda xp, a: xp.linalg.eigvalsh(a(SPD))],
    "inv": [lambda xp, a: xp.linalg.inv(a(SPD))],
    "matmul": [lambda xp, a: xp.linalg.matmul(a(X), a(SQ))],
    "matrix_norm": [lambda xp, a: xp.linalg.matrix_norm(a(SQ), keepdims=True)],
    "matrix_power": [lambda xp, a: xp.linalg.matrix_power(a(SQ), 3)],
    "matrix_rank": [lambda xp, a: xp.linalg.matrix_rank(a(SQ))],
    "matrix_transpose": [lambda xp, a: xp.linalg.matrix_transpose(a(X))],
    "outer": [lambda xp, a: xp.linalg.outer(a(V), a(V))],
    "pinv": [lambda xp, a: xp.linalg.pinv(a(X))],
    "qr": [lambda xp, a: xp.abs(xp.linalg.qr(a(SQ)).R)],
    "slogdet": [lambda xp, a: xp.linalg.slogdet(a(SQ)).logabsdet],
    "solve": [lambda xp, a: xp.linalg.solve(a(SPD), a(SQ))],
    "svd": [lambda xp, a: xp.linalg.svd(a(X), full_matrices=False).S],
    "svdvals": [lambda xp, a: xp.linalg.svdvals(a(X))],
    "tensordot": [lambda xp, a: xp.linalg.tensordot(a(X), a(Y), axes=([0, 1], [0, 1]))],
    "trace": [lambda xp, a: xp.linalg.trace(a(SQ), offset=-1)],
    "vecdot": [lambda xp, a: xp.linalg.vecdot(a(X), a(Y), axis=-2),
               lambda xp, a: xp.linalg.vecdot(a(Z1), a(Z2)),
               lambda xp, a: xp.linalg.vecdot(a(I.astype(np.uint8)), a(J.astype(np.uint8)))],
    "vector_norm": [lambda xp, a: xp.linalg.vector_norm(a(X), axis=1, ord=1),
                    lambda xp, a: xp.linalg.vector_norm(a(Z1), axis=0),
                    lambda xp, a: xp.linalg.vector_norm(a(Z2), ord=3)],
}
_FFT = {
    "fft": [lambda xp, a: xp.fft.fft(xp.astype(a(X), xp.complex128), n=4, axis=0)],
    "ifft": [lambda xp, a: xp.fft.ifft(xp.astype(a(X), xp.complex128), norm="ortho")],
    "fftn": [lambda xp, a: xp.fft.fftn(xp.astype(a(X), xp.complex128))],
    "ifftn": [lambda xp, a: xp.fft.ifftn(xp.astype(a(X), xp.complex128), axes=(1,))],
    "rfft": [lambda xp, a: xp.fft.rfft(a(X))],
    "irfft": [lambda xp, a: xp.fft.irfft(xp.astype(a(X), xp.complex128), n=4)],
    "rfftn": [lambda xp, a: xp.fft.rfftn(a(X))],
    "irfftn": [lambda xp, a: xp.fft.irfftn(xp.astype(a(X), xp.complex128), s=(2, 4), axes=(0, 1))],
    "hfft": [lambda xp, a: xp.fft.hfft(xp.astype(a(X), xp.complex128))],
    "ihfft": [lambda xp, a: xp.fft.ihfft(a(X))],
    "fftfreq": [lambda xp, a: xp.fft.fftfreq(5, d=0.5),
                lambda xp, a: xp.fft.fftfreq(5, d=0.5, dtype=xp.float32)],
    "rfftfreq": [lambda xp, a: xp.fft.rfftfreq(6),
                 lambda xp, a: xp.fft.rfftfreq(7, dtype=xp.float32)],
    "fftshift": [lambda xp, a: xp.fft.fftshift(a(X), axes=1)],
    "ifftshift": [lambda xp, a: xp.fft.ifftshift(a(X))],
}


def _plain(r):
    """A result of either namespace as NumPy values (recursing into tuples)."""
    if isinstance(r, (tuple, list)):
        return [_plain(e) for e in r]
    if hasattr(r, "_array"):  # array_api_strict.Array
        return np.asarray(r._array)
    if hasattr(r, "_np_dtype"):  # array_api_strict dtype
        return r._np_dtype
    return r


def _assert_same(got, want, name):
    got, want = _plain(got), _plain(want)
    if isinstance(want, list):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), name
        for g, w in zip(got, want):
            _assert_same(g, w, name)
        return
    if isinstance(want, np.dtype) or isinstance(want, type):
        assert np.dtype(got) == np.dtype(want), name
        return
    if isinstance(want, np.ndarray):
        assert isinstance(got, (np.ndarray, np.generic)), f"{name}: got {type(got)}"
        assert np.shape(got) == want.shape and np.asarray(got).dtype == want.dtype, \
            f"{name}: {np.shape(got)} {np.asarray(got).dtype} vs {want.shape} {want.dtype}"
    np.testing.assert_allclose(got, want, **tol("roundoff"), err_msg=name)


def _calls():
    rows = [("", n, c) for n, cs in _CALLS.items() for c in cs]
    rows += [("linalg.", n, c) for n, cs in _LINALG.items() for c in cs]
    rows += [("fft.", n, c) for n, cs in _FFT.items() for c in cs]
    return rows


def _rows():
    rows, seen = [], {}
    for prefix, name, call in _calls():
        k = seen[prefix, name] = seen.get((prefix, name), -1) + 1
        rows.append(pytest.param(prefix, name, call, id=f"{prefix}{name}-{k}"))
    return rows


@pytest.mark.parametrize("prefix,name,call", _rows())
def test_value_matches_array_api_strict(xp, prefix, name, call):
    with np.errstate(all="ignore"):
        want = call(xp, xp.asarray)
        got = call(tnp, lambda v: v)
    _assert_same(got, want, prefix + name)


def test_every_standard_name_is_present_and_exercised(xp):
    names = _standard_names(xp)
    missing = [n for n in names if not hasattr(tnp, n)]
    assert not missing, f"tangents.numpy lacks the standard's names {missing}"
    assert not [n for n in xp.linalg.__all__ if not hasattr(tnp.linalg, n)]
    assert not [n for n in xp.fft.__all__ if not hasattr(tnp.fft, n)]
    constants = {"e", "inf", "nan", "pi", "newaxis"}
    dtypes = {n for n in names if hasattr(getattr(xp, n), "_np_dtype")}
    special = {"__array_api_version__", "__array_namespace_info__", "linalg", "fft"}
    untested = set(names) - set(_CALLS) - constants - dtypes - special
    assert not untested, f"standard names without a value check: {sorted(untested)}"
    assert set(xp.linalg.__all__) <= set(_LINALG) and set(xp.fft.__all__) <= set(_FFT)


def test_constants_dtypes_and_info(xp):
    for n in ("e", "inf", "pi", "newaxis"):
        assert getattr(tnp, n) == getattr(xp, n)
    assert np.isnan(tnp.nan)
    for n in _standard_names(xp):
        if hasattr(getattr(xp, n), "_np_dtype"):
            assert np.dtype(getattr(tnp, n)) == getattr(xp, n)._np_dtype, n
    assert tnp.__array_api_version__ == "2024.12"
    info, ref = tnp.__array_namespace_info__(), xp.__array_namespace_info__()
    assert info.capabilities() == ref.capabilities()
    assert info.default_device() == "cpu" and info.devices() == ["cpu"]
    assert {k: np.dtype(v) for k, v in info.default_dtypes().items()} == \
        {k: v._np_dtype for k, v in ref.default_dtypes().items()}
    for kind in (None, "real floating", "integral", ("bool", "complex floating")):
        assert set(info.dtypes(kind=kind)) == set(ref.dtypes(kind=kind)), kind
    with pytest.raises(ValueError, match="cpu"):
        tnp.zeros(2, device="gpu")


# -- traced values: the namespace, the device and differentiable names -------------------
def test_tracers_name_this_namespace():
    seen = []

    def f(x):
        seen.append((x.__array_namespace__(), x.device, x.to_device("cpu") is x))
        return tnp.sum(x)

    tg.grad(f)(X)
    assert seen == [(tnp, "cpu", True)]


def test_asarray_copy_gives_a_new_traced_value():
    # an in-place update of asarray(x, copy=True) must leave x (and its gradient) alone
    def f(x):
        y = tnp.asarray(x, copy=True)
        y[0] = 0.0
        return tnp.sum(x * x) + tnp.sum(y)

    np.testing.assert_allclose(tg.grad(f)(V), 2 * V + np.array([0.0, 1.0, 1.0]))
    g = tg.grad(lambda x: tnp.sum(tnp.asarray(x, dtype=np.float32) ** 2))(V)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * V, **tol("exact", np.float32))


def _cumsum_initial(x):
    return tnp.cumulative_sum(x, axis=-1, include_initial=True)


CASES = [
    Case("acos", tnp.acos, (unit((2, 3)),), np_fun=np.arccos),
    Case("atanh", tnp.atanh, (unit((3,)),), np_fun=np.arctanh),
    Case("atan2", tnp.atan2, (rand((2, 3)), positive((3,))), np_fun=np.arctan2),
    Case("pow", tnp.pow, (positive((2, 3)), rand((2, 3), seed=1)), np_fun=np.power),
    Case("copysign", tnp.copysign, (rand((2, 3)), rand((3,), seed=4)), np_fun=np.copysign),
    Case("copysign", tnp.copysign, (rand(()), rand((0, 3))), np_fun=np.copysign),
    Case("nextafter", lambda x: tnp.nextafter(x, 0.0) * 3, (rand((2, 3)),),
         np_fun=lambda x: np.nextafter(x, 0.0) * 3, float32=False),
    Case("concat", lambda x, y: tnp.concat([x, y], axis=-1), (rand((2, 3)), rand((2, 1))),
         np_fun=lambda x, y: np.concatenate([x, y], axis=-1)),
    Case("concat", lambda x, y: tnp.concat((x, y), axis=None), (rand((2, 3)), rand((0,))),
         np_fun=lambda x, y: np.concatenate([x, y], axis=None)),
    Case("permute_dims", lambda x: tnp.permute_dims(x, (2, 0, 1)), (rand((2, 1, 4)),),
         np_fun=lambda x: np.transpose(x, (2, 0, 1))),
    Case("matrix_transpose", tnp.matrix_transpose, (rand((2, 1, 4)),),
         np_fun=np.matrix_transpose),
    Case("sort", lambda x: tnp.sort(x, descending=True), (rand((2, 3)),),
         np_fun=lambda x: np.flip(np.sort(x, -1), -1)),
    Case("sort", lambda x: tnp.sort(x, axis=-3, descending=True), (rand((2, 1, 4)),),
         np_fun=lambda x: np.flip(np.sort(x, 0), 0)),
    Case("sort", lambda x: tnp.sort(x, axis=0, descending=True), (rand((0, 3)),),
         np_fun=lambda x: np.sort(x, 0)),
    Case("sort", lambda x: tnp.sort(x, axis=None, descending=True), (rand((2, 3)),),
         np_fun=lambda x: np.sort(x, None)[::-1]),
    Case("expand_dims", tnp.expand_dims, (rand((2, 3)),),
         np_fun=lambda x: np.expand_dims(x, 0)),
    Case("vecdot", tnp.vecdot, (rand((2, 3)), rand((3,), seed=1)), np_fun=np.vecdot),
    # complex x1 is conjugated: imag(vecdot(a + ib, b)) = -sum(b * b)
    Case("vecdot", lambda a, b: tnp.imag(tnp.vecdot(a + 1j * b, b)),
         (rand((2, 3)), rand((3,), seed=1)),
         np_fun=lambda a, b: np.imag(np.vecdot(a + 1j * b, b))),
    Case("vecdot", lambda x, y: tnp.vecdot(x, y, axis=0), (rand((3, 2)), rand((3, 1))),
         np_fun=lambda x, y: np.vecdot(x, y, axis=0)),
    Case("cumulative_sum", _cumsum_initial, (rand((2, 3)),),
         np_fun=lambda x: np.cumulative_sum(x, axis=-1, include_initial=True)),
    Case("cumulative_sum", tnp.cumulative_sum, (rand((0,)),), np_fun=np.cumulative_sum),
    Case("cumulative_prod", lambda x: tnp.cumulative_prod(x, axis=0), (rand((3, 2)),),
         np_fun=lambda x: np.cumulative_prod(x, axis=0)),
    Case("cumulative_prod", lambda x: tnp.cumulative_prod(x, include_initial=True),
         (rand((4,)),), np_fun=lambda x: np.cumulative_prod(x, include_initial=True)),
    Case("broadcast_arrays", lambda x, y: tnp.broadcast_arrays(x, y),
         (rand((2, 1)), rand((3,), seed=1)), np_fun=lambda x, y: np.broadcast_arrays(x, y)),
    Case("full", lambda x: tnp.full((2, 3), x), (rand(()),),
         np_fun=lambda x: np.full((2, 3), x)),
    Case("astype", lambda x: tnp.astype(x, x.dtype) * x, (rand((2, 3)),),
         np_fun=lambda x: x * x),
    Case("astype", lambda x: tnp.astype(x, np.complex128).real, (rand((3,)),),
         np_fun=lambda x: x, float32=False),
    # distinct values (finite differences would split ties); ties: see the test below
    Case("unique_values", lambda x: tnp.unique_values(x * x) * 2.0,
         (np.array([0.5, -0.7, 1.5, 2.0]),),
         np_fun=lambda x: np.unique_values(x * x) * 2.0, vmap=False),
    Case("unique_all", lambda x: tnp.unique_all(x).values, (np.array([1.0, 3.0, -1.0]),),
         np_fun=lambda x: np.unique(x), vmap=False),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_array_api_rule(case):
    check_case(case)


def test_unique_values_send_cotangents_to_the_first_occurrence():
    w = np.array([10.0, 20.0])
    g = tg.grad(lambda x: tnp.sum(tnp.unique_values(x) * w))(np.array([2.0, 1.0, 2.0]))
    np.testing.assert_array_equal(g, [20.0, 10.0, 0.0])
    np.testing.assert_array_equal(tnp.isin(I, J, invert=True), np.isin(I, J, invert=True))


def test_nondifferentiable_names_under_transforms():
    idx = np.array([3, 1, 2])

    def f(x):
        keep = tnp.isin(idx, np.array([1, 3]))
        shifted = tnp.bitwise_left_shift(idx, 1) + tnp.bitwise_right_shift(idx, 1)
        counts = tnp.unique_counts(x).counts
        inv = tnp.unique_inverse(x).inverse_indices
        assert inv.shape == x.shape and counts.dtype.kind == "i"
        return tnp.sum(tnp.where(keep, x, 0.0) * shifted)

    np.testing.assert_allclose(tg.grad(f)(V), np.where([True, True, False], [7, 2, 5], 0))
    # isin with a set per example under vmap
    sets = np.array([[1, 2], [3, 4]])
    got = tg.vmap(lambda s: tnp.isin(np.array([1, 3, 4]), s))(sets)
    np.testing.assert_array_equal(got, [[True, False, False], [False, True, True]])
    got = tg.vmap(lambda e: tnp.isin(e, np.array([2, 3])), in_axes=1)(np.array([[1, 2],
                                                                                 [3, 4]]))
    np.testing.assert_array_equal(got, [[False, True], [True, False]])


def test_dtype_helpers_accept_traced_arrays():
    def f(x):
        assert tnp.isdtype(x.dtype, "real floating")
        assert tnp.finfo(x).bits == 32 and not tnp.can_cast(x, tnp.int8)
        assert tnp.result_type(x, tnp.float64) == np.float64
        return tnp.sum(x)

    assert tg.grad(f)(V.astype(np.float32)).dtype == np.float32


def test_sort_descending_under_transforms():
    # argsort(descending=True) has no derivative and batches: vmap equals the loop
    got = tg.vmap(lambda r: tnp.argsort(r, descending=True))(TIES)
    np.testing.assert_array_equal(got, [[3, 1, 2, 4, 0], [4, 0, 1, 3, 2]])
    # the values' derivative follows the order: weight w_k goes to the k-th largest
    w = np.array([0.0, 1.0, 2.0, 3.0])
    g = tg.grad(lambda x: tnp.sum(tnp.sort(x, descending=True) * w))(np.array([3.0, 1, 4, 2]))
    np.testing.assert_array_equal(g, [1.0, 3.0, 0.0, 2.0])
    with pytest.raises(TypeError, match="order="):
        tnp.sort(np.zeros(2), order="f", descending=True)


def test_like_functions_take_the_cpu_device():
    for fn, extra in ((tnp.zeros_like, ()), (tnp.ones_like, ()), (tnp.empty_like, ()),
                      (tnp.full_like, (2.0,))):
        out = fn(X, *extra, device="cpu")
        assert out.shape == X.shape and out.dtype == X.dtype, fn.__name__
        with pytest.raises(ValueError, match="cpu"):
            fn(X, *extra, device="gpu")
    # traced: the device keyword changes nothing about the buffer or its derivative
    g = tg.grad(lambda x: tnp.sum(tnp.full_like(x, 1.0, device="cpu") * x))(V)
    np.testing.assert_array_equal(g, np.ones(3))


def test_expand_dims_default_axis_and_vecdot_errors():
    assert tnp.expand_dims(X).shape == (1, 2, 3)
    assert tnp.expand_dims(X, axis=-1).shape == (2, 3, 1)
    with pytest.raises(ValueError, match="same length along axis -1"):
        tnp.vecdot(np.ones(1), np.ones(3))  # no broadcasting of the contracted axis
    with pytest.raises(ValueError, match="out of range"):
        tnp.vecdot(V, X, axis=-2)


def test_finfo_is_numpys():
    """tnp.finfo is np.finfo's own object (issue #10, item 4), for a dtype or an array."""
    assert type(tnp.finfo(np.float32)) is np.finfo
    assert tnp.finfo(np.float32) is np.finfo(np.float32)
    assert tnp.finfo(np.ones(2, np.float32)).eps == np.finfo(np.float32).eps
    assert tnp.finfo(np.complex64).dtype == np.float32
    assert tg.grad(lambda x: tnp.sum(x) * tnp.finfo(x).eps)(np.ones(2)).tolist() == \
        [np.finfo(np.float64).eps] * 2


def test_other_spellings_of_integer_ufuncs():
    k = np.arange(6).reshape(2, 3)
    assert tnp.bitwise_not is tnp.invert
    np.testing.assert_array_equal(tnp.left_shift(k, 2), np.left_shift(k, 2))
    np.testing.assert_array_equal(tnp.right_shift(k, 1), np.right_shift(k, 1))
    np.testing.assert_array_equal(tg.vmap(lambda k: np.left_shift(k, 1))(k), k << 1)
    np.testing.assert_array_equal(tg.vmap(np.bitwise_not)(k), ~k)
    for name in ("in1d", "trapz"):  # deprecated names of NumPy 2.0-2.3 follow the install
        assert hasattr(tnp, name) == hasattr(np, name)
