"""vmap: in_axes (int, None, tuple, list, dict prefix, negative), out_axes, axis_size, and
per-example gradients."""
import numpy as np
import pytest
from harness import tol

import tangents as tg

A = np.arange(6.0).reshape(2, 3)
B = np.arange(12.0).reshape(3, 4) / 7.0


def stack_loop(fun, args, in_axes, out_axis=0):
    """Reference: apply ``fun`` slice by slice and stack the results."""
    n = next(np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)
    outs = [fun(*[a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, in_axes)])
            for i in range(n)]
    return np.stack(outs, axis=out_axis)


@pytest.mark.parametrize("in_axes", [(0, None), (None, 1), (1, 1), (-1, -1), (-2, None),
                                     [0, None]])
def test_in_axes_int_none_negative(in_axes):
    fun = lambda x, y: np.sin(x) * np.sum(y) + x
    x = np.linspace(-1, 1, 9).reshape(3, 3)
    y = np.arange(9.0).reshape(3, 3)
    got = tg.vmap(fun, in_axes=in_axes)(x, y)
    want = stack_loop(fun, (x, y), tuple(in_axes))
    np.testing.assert_allclose(got, want, **tol("roundoff"))


@pytest.mark.parametrize("out_axes", [0, 1, 2, -1, -3])
def test_out_axes(out_axes):
    fun = lambda x: x * 2.0 + 1.0
    x = np.arange(24.0).reshape(4, 2, 3)
    got = tg.vmap(fun, out_axes=out_axes)(x)
    np.testing.assert_allclose(got, np.moveaxis(fun(x), 0, out_axes))


def test_out_axes_pytree_and_none_for_unbatched_output():
    out = tg.vmap(lambda x: {"y": x * 2.0, "c": 3.0}, out_axes={"y": 1, "c": None})(A)
    np.testing.assert_allclose(out["y"], (A * 2.0).T)
    assert out["c"] == 3.0
    y, c = tg.vmap(lambda x: (x, np.float64(7.0)))(A)       # unbatched output is broadcast
    np.testing.assert_allclose(c, [7.0, 7.0])


def test_in_axes_dict_prefix_and_nested_tuples():
    params = {"w": A, "b": np.arange(3.0)}
    out = tg.vmap(lambda p, s: p["w"] * p["b"] * s, in_axes=({"w": 0, "b": None}, None))(
        params, 2.0)
    np.testing.assert_allclose(out, A * np.arange(3.0) * 2.0)
    out = tg.vmap(lambda p: p["w"] + p["b"], in_axes={"w": 1, "b": None})(
        {"w": A.T, "b": np.arange(3.0)})
    np.testing.assert_allclose(out, A + np.arange(3.0))
    out = tg.vmap(lambda p: p[0] * p[1][0], in_axes=((0, (1,)),))((A, (A.T,)))
    np.testing.assert_allclose(out, A * A)


def test_pytree_inputs_with_a_single_int_spec():
    out = tg.vmap(lambda p: p["a"] * p["b"][0])({"a": A, "b": [A + 1]})
    np.testing.assert_allclose(out, A * (A + 1))


def test_axis_size_with_no_mapped_input():
    out = tg.vmap(lambda x: x * 2.0, in_axes=None, axis_size=4)(np.arange(3.0))
    assert out.shape == (4, 3)
    np.testing.assert_allclose(out, np.broadcast_to(np.arange(3.0) * 2.0, (4, 3)))
    out = tg.vmap(lambda x: x, in_axes=None, axis_size=2, out_axes=1)(np.arange(3.0))
    assert out.shape == (3, 2)


def test_axis_size_must_agree_with_mapped_inputs():
    with pytest.raises(ValueError, match="sizes"):
        tg.vmap(lambda x: x, axis_size=3)(np.ones(2))


def test_size_zero_and_size_one_batches():
    np.testing.assert_array_equal(tg.vmap(lambda x: np.sum(x ** 2))(np.ones((0, 3))), np.zeros(0))
    np.testing.assert_allclose(tg.vmap(lambda x: np.sum(x ** 2))(np.ones((1, 3))), [3.0])


def test_reductions_and_shape_ops_inside_vmap():
    fun = lambda x: np.reshape(np.transpose(x * 2.0), (-1,)) + np.mean(x, axis=-1).sum()
    x = np.arange(24.0).reshape(4, 2, 3)
    for ax in (0, 1, 2):
        got = tg.vmap(fun, in_axes=ax)(x)
        want = stack_loop(fun, (x,), (ax,))
        np.testing.assert_allclose(got, want, **tol("roundoff"))


def test_vmap_returns_plain_arrays():
    out = tg.vmap(lambda x: x * 2.0)(A)
    assert type(out) is np.ndarray


# -- gradients --------------------------------------------------------------------------------
def _loss(w, xi, yi):
    return (np.sum(w * xi) - yi) ** 2


def test_per_example_gradients():
    rng = np.random.default_rng(0)
    w = rng.standard_normal(3)
    xs = rng.standard_normal((5, 3))
    ys = rng.standard_normal(5)
    got = tg.vmap(tg.grad(_loss), in_axes=(None, 0, 0))(w, xs, ys)
    want = np.stack([tg.grad(_loss)(w, x, y) for x, y in zip(xs, ys)])
    np.testing.assert_allclose(got, want, **tol("roundoff"))
    closed = 2 * (xs @ w - ys)[:, None] * xs
    np.testing.assert_allclose(got, closed, **tol("roundoff"))
    # the mean of per-example gradients is the gradient of the mean loss
    full = tg.grad(lambda w: np.mean(tg.vmap(_loss, in_axes=(None, 0, 0))(w, xs, ys)))(w)
    np.testing.assert_allclose(np.mean(got, axis=0), full, **tol("roundoff"))


def test_per_example_gradients_of_pytree_params():
    params = {"w": np.array([0.5, -1.0]), "b": 0.3}
    xs = np.arange(8.0).reshape(4, 2) / 4
    loss = lambda p, x: np.tanh(np.sum(p["w"] * x) + p["b"]) ** 2
    got = tg.vmap(tg.grad(loss), in_axes=(None, 0))(params, xs)
    assert got["w"].shape == (4, 2) and got["b"].shape == (4,)
    for i, x in enumerate(xs):
        g = tg.grad(loss)(params, x)
        np.testing.assert_allclose(got["w"][i], g["w"], **tol("roundoff"))
        np.testing.assert_allclose(got["b"][i], g["b"], **tol("roundoff"))


def test_vmap_over_jvp_gives_jacobian_columns():
    fun = lambda x: np.sin(x) * np.sum(x)
    x = np.array([0.1, 0.2, 0.3])
    cols = tg.vmap(lambda v: tg.jvp(fun, (x,), (v,))[1])(np.eye(3))
    np.testing.assert_allclose(cols.T, tg.jacfwd(fun)(x), **tol("roundoff"))
