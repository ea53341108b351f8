"""Arrays of another Array API library in, the same array type out (issue #14): every
transform computes on them as NumPy and gives values, derivatives, aux and the results of
returned functions back in the inputs' namespace, dtype and device (core/lifting.py's
keep_array_type, the namespace found by _backends' foreign_namespace hook).

The functions are written against the standard, taking ``xp`` from the traced argument as
array-API libraries do, so the same code runs on array-api-strict itself for reference."""
import numpy as np
import pytest
from harness import tol

import tangents as tg

xps = pytest.importorskip("array_api_strict")

DTYPES = ["float64", "float32"]


def _f(x):
    """A scalar function in array-API style: its namespace comes from its argument."""
    xp = x.__array_namespace__()
    return xp.sum(xp.sin(x) * x) + xp.sum(x * x) / 2


def _f_grad(x):  # d/dx [sin(x) x + x^2 / 2] = cos(x) x + sin(x) + x
    return np.cos(x) * x + np.sin(x) + x


def _f_hess_diag(x):  # d/dx [cos(x) x + sin(x) + x] = 2 cos(x) - sin(x) x + 1
    return 2 * np.cos(x) - np.sin(x) * x + 1


def _g(x):
    """An elementwise function in array-API style."""
    xp = x.__array_namespace__()
    return xp.tanh(x) * x


def _g_diag(x):  # d/dx tanh(x) x = (1 - tanh(x)^2) x + tanh(x)
    return (1 - np.tanh(x) ** 2) * x + np.tanh(x)


def _inputs(dtype, shape=(4,)):
    x = np.random.default_rng(0).uniform(-1.5, 1.5, shape).astype(dtype)
    return x, xps.asarray(x)


def _check(got, want, like, name="roundoff"):
    """``got`` is an array of ``like``'s library, dtype and device, equal to ``want``."""
    assert type(got) is type(like), f"{type(got).__name__} came back, not {type(like).__name__}"
    assert got.dtype == like.dtype and got.device == like.device
    got = np.from_dlpack(got)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got, want, **tol(name, got.dtype))


# (transform name, call on the input -> (result, its NumPy reference)); each transform's
# result leaves are checked against closed forms or against array-api-strict running _f/_g
def _grad(x, xn):
    return [(tg.grad(_f)(x), _f_grad(xn))]


def _value_and_grad(x, xn):
    v, g = tg.value_and_grad(_f)(x)
    return [(v, np.from_dlpack(_f(x))), (g, _f_grad(xn))]


def _vjp(x, xn):
    out, vjp_fn = tg.vjp(_g, x)
    ct = xps.asarray(np.linspace(0.5, 1.5, xn.size).astype(xn.dtype))
    (ct_in,) = vjp_fn(ct)
    return [(out, np.from_dlpack(_g(x))), (ct_in, _g_diag(xn) * np.from_dlpack(ct))]


def _jvp(x, xn):
    t = xps.asarray(np.linspace(0.5, 1.5, xn.size).astype(xn.dtype))
    out, t_out = tg.jvp(_g, (x,), (t,))
    return [(out, np.from_dlpack(_g(x))), (t_out, _g_diag(xn) * np.from_dlpack(t))]


def _linearize(x, xn):
    out, jvp_fn = tg.linearize(_g, x)
    return [(out, np.from_dlpack(_g(x))), (jvp_fn(xps.ones_like(x)), _g_diag(xn))]


def _vmap(x, xn):
    rows = xps.stack([x, -x])
    return [(tg.vmap(_f)(rows), np.stack([np.from_dlpack(_f(x)), np.from_dlpack(_f(-x))])),
            (tg.vmap(tg.grad(_f))(rows), np.stack([_f_grad(xn), _f_grad(-xn)]))]


def _jacrev(x, xn):
    return [(tg.jacrev(_g)(x), np.diag(_g_diag(xn)))]


def _jacfwd(x, xn):
    return [(tg.jacfwd(_g)(x), np.diag(_g_diag(xn)))]


def _hessian(x, xn):
    return [(tg.hessian(_f)(x), np.diag(_f_hess_diag(xn)))]


def _hvp(x, xn):
    v = xps.asarray(np.linspace(0.5, 1.5, xn.size).astype(xn.dtype))
    return [(tg.hvp(_f, (x,), (v,)), _f_hess_diag(xn) * np.from_dlpack(v))]


def _elementwise_grad(x, xn):
    return [(tg.elementwise_grad(_g)(x), _g_diag(xn))]


TRANSFORMS = [_grad, _value_and_grad, _vjp, _jvp, _linearize, _vmap, _jacrev, _jacfwd,
              _hessian, _hvp, _elementwise_grad]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("transform", TRANSFORMS, ids=lambda t: t.__name__[1:])
def test_results_keep_the_input_array_type(transform, dtype):
    xn, x = _inputs(dtype)
    name = "roundoff" if transform not in (_hessian, _hvp) else "composed"
    for got, want in transform(x, xn):
        _check(got, want, x, name)


@pytest.mark.parametrize("dtype", DTYPES)
def test_results_match_the_numpy_path(dtype):
    """The same transforms on the NumPy copy of the input give the same numbers."""
    xn, x = _inputs(dtype, (2, 3))
    for transform in (tg.grad(_f), tg.jacrev(_g), tg.hessian(_f), tg.vmap(tg.grad(_f))):
        _check(transform(x), transform(xn), x, "exact")


def test_zero_dimensional_input_stays_zero_dimensional():
    x = xps.asarray(0.7)
    v, g = tg.value_and_grad(_f)(x)
    _check(v, np.from_dlpack(_f(x)), x)
    _check(g, _f_grad(np.asarray(0.7)), x)
    _check(tg.hessian(_f)(x), _f_hess_diag(np.asarray(0.7)), x, "composed")


def test_pytrees_data_arguments_and_aux():
    """A dict of parameters, data arguments of the same library that are not differentiated
    (converted too), an aux output; an argument without arrays is passed as the same object."""
    rng = np.random.default_rng(1)
    wn, bn, Xn = rng.standard_normal(3), np.array(0.2), rng.standard_normal((5, 3))
    seen = []

    def loss(p, X, log):
        xp = X.__array_namespace__()
        r = X @ p["w"] + p["b"]
        log.append(1)
        return xp.sum(r * r) / 2, xp.max(r)

    params = {"w": xps.asarray(wn), "b": xps.asarray(bn)}
    g, aux = tg.grad(loss, has_aux=True)(params, xps.asarray(Xn), seen)
    r = Xn @ wn + bn
    _check(g["w"], Xn.T @ r, params["w"])
    _check(g["b"], np.sum(r), params["b"])
    _check(aux, np.max(r), params["b"])
    assert seen == [1]


def test_device_is_kept():
    device = xps.Device("device1")
    xn, _ = _inputs("float64")
    x = xps.asarray(xn, device=device)
    g = tg.grad(_f)(x)
    assert g.device == device
    out, vjp_fn = tg.vjp(_g, x)
    assert out.device == device and vjp_fn(xps.ones_like(x))[0].device == device


def test_returned_functions_take_numpy_cotangents():
    xn, x = _inputs("float64")
    _, vjp_fn = tg.vjp(_g, x)
    _check(vjp_fn(np.ones(4))[0], _g_diag(xn), x)
    _, jvp_fn = tg.linearize(_g, x)
    _check(jvp_fn(np.ones(4)), _g_diag(xn), x)


def test_numpy_inputs_still_give_numpy():
    xn, _ = _inputs("float64")
    assert type(tg.grad(_f)(xn)) is np.ndarray
    assert type(tg.jacrev(lambda p: _g(p["a"]))({"a": xn})["a"]) is np.ndarray


def test_mixing_with_numpy_arrays_is_refused_but_scalars_mix():
    xn, x = _inputs("float64")

    def h(x, y):
        return (x * y).sum()

    with pytest.raises(TypeError, match=r"grad: the arguments mix arrays of array_api_strict "
                                        r"and numpy.*array_api_strict\.asarray"):
        tg.grad(h, argnums=(0, 1))(x, np.ones(4))
    with pytest.raises(TypeError, match="vmap: the arguments mix"):
        tg.vmap(h, in_axes=(0, None))(xps.stack([x, x]), xn)
    _check(tg.grad(h)(x, 2.0), np.full(4, 2.0), x)
    _check(tg.grad(h)(x, np.float64(2.0)), np.full(4, 2.0), x)


class _Unreadable:
    """An Array API array that neither DLPack nor np.asarray can read (as a GPU array)."""

    shape, dtype, device = (2,), "float64", "gpu:0"

    def __array_namespace__(self, api_version=None):
        return xps

    def __dlpack__(self, **kwargs):
        raise BufferError("on the GPU")

    def __array__(self, dtype=None, copy=None):
        raise TypeError("implicit conversion to a NumPy array is not allowed")


def test_unreadable_input_names_the_transform_and_the_fix():
    with pytest.raises(TypeError, match=r"jacfwd: an input array of array_api_strict \(shape "
                                        r"\(2,\), dtype float64, device gpu:0\).*host memory"):
        tg.jacfwd(_g)(_Unreadable())
