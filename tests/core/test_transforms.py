"""The basic transforms' signatures (API.md): grad, value_and_grad, vjp, jvp, linearize,
stop_gradient — argnums (int, tuple, negative), has_aux, and pytrees in and out."""
import collections

import numpy as np
import pytest
from harness import tol

import tangents as tg

Params = collections.namedtuple("Params", "w b")

X = np.array([0.3, -0.7, 1.2])
V = np.array([1.0, -2.0, 0.5])


def f(x):
    return np.sin(x) * x ** 2


def df(x):  # d f / dx elementwise
    return np.cos(x) * x ** 2 + 2 * x * np.sin(x)


def loss(x):
    return np.sum(f(x))


# -- grad / value_and_grad --------------------------------------------------------------------
def test_grad_matches_closed_form():
    np.testing.assert_allclose(tg.grad(loss)(X), df(X), **tol("roundoff"))


@pytest.mark.parametrize("argnums, expected", [(0, 12.0), (1, 8.0), (2, 6.0), (-1, 6.0),
                                             (-2, 8.0), (-3, 12.0)])
def test_grad_argnums_int(argnums, expected):
    assert tg.grad(lambda a, b, c: a * b * c, argnums)(2.0, 3.0, 4.0) == pytest.approx(expected)


@pytest.mark.parametrize("argnums", [3, -4, (0, 3)])
def test_grad_argnums_out_of_range(argnums):
    with pytest.raises(ValueError, match="argnums"):
        tg.grad(lambda a, b, c: a * b * c, argnums)(2.0, 3.0, 4.0)


def test_grad_argnums_repeated_or_empty():
    with pytest.raises(ValueError, match="argnums"):
        tg.grad(lambda a, b: a * b, argnums=(0, -2))(2.0, 3.0)
    with pytest.raises(ValueError, match="argnums"):
        tg.grad(lambda a, b: a * b, argnums=())(2.0, 3.0)
    with pytest.raises(TypeError, match="argnums"):
        tg.grad(lambda a, b: a * b, argnums=1.0)(2.0, 3.0)


def test_grad_argnums_tuple_order_and_negative():
    g = tg.grad(lambda a, b, c: a * b ** 2 * c ** 3, argnums=(2, 0, -2))
    gc_, ga, gb = g(2.0, 3.0, 4.0)
    assert isinstance(g(2.0, 3.0, 4.0), tuple)
    assert gc_ == pytest.approx(2.0 * 9.0 * 3 * 16.0)
    assert ga == pytest.approx(9.0 * 64.0)
    assert gb == pytest.approx(2.0 * 2 * 3.0 * 64.0)


def test_grad_single_argnum_tuple_returns_tuple():
    out = tg.grad(lambda a, b: a * b, argnums=(1,))(2.0, 5.0)
    assert isinstance(out, tuple) and len(out) == 1 and out[0] == pytest.approx(2.0)


def test_grad_keyword_arguments_are_constants():
    assert tg.grad(lambda a, scale=1.0: a * scale)(2.0, scale=3.0) == pytest.approx(3.0)


def test_grad_has_aux():
    g, aux = tg.grad(lambda x: (loss(x), {"mean": np.mean(x), "x": [x, None]}),
                     has_aux=True)(X)
    np.testing.assert_allclose(g, df(X))
    assert aux["mean"] == pytest.approx(np.mean(X))
    assert isinstance(aux["x"][0], np.ndarray)  # aux leaves come back as plain values
    np.testing.assert_array_equal(aux["x"][0], X)
    assert aux["x"][1] is None


def test_value_and_grad_with_and_without_aux():
    v, g = tg.value_and_grad(loss)(X)
    assert v == pytest.approx(loss(X))
    np.testing.assert_allclose(g, df(X))
    (v, aux), g = tg.value_and_grad(lambda x: (loss(x), x * 2), has_aux=True)(X)
    assert v == pytest.approx(loss(X))
    np.testing.assert_allclose(aux, 2 * X)
    np.testing.assert_allclose(g, df(X))


def test_value_and_grad_argnums_tuple():
    v, (ga, gb) = tg.value_and_grad(lambda a, b: np.sum(a * b), argnums=(0, 1))(X, V)
    assert v == pytest.approx(np.sum(X * V))
    np.testing.assert_allclose(ga, V)
    np.testing.assert_allclose(gb, X)


def test_has_aux_requires_pair():
    with pytest.raises(TypeError, match="pair"):
        tg.grad(lambda x: x * 2.0, has_aux=True)(1.0)
    with pytest.raises(TypeError, match="pair"):
        tg.jvp(lambda x: x * 2.0, (np.ones(2),), (np.ones(2),), has_aux=True)
    with pytest.raises(TypeError, match="pair"):
        tg.vjp(lambda x: x * 2.0, np.ones(2), has_aux=True)


# -- pytrees as arguments ---------------------------------------------------------------------
def tree_loss(p):
    return p["a"] * p["b"][0] + np.sum(p["b"][1] ** 2) + np.sum(p["c"].w * p["c"].b)


TREE = {"a": 2.0, "b": (3.0, np.array([1.0, -1.0])), "c": Params(np.ones(2), np.arange(2.0)),
        "n": None, "l": [np.float32(1.5)]}


def test_grad_pytree_structure_shape_dtype():
    g = tg.grad(lambda p: tree_loss(p) + p["l"][0] * 0.0)(TREE)
    assert set(g) == set(TREE) and g["n"] is None
    assert isinstance(g["b"], tuple) and isinstance(g["c"], Params) and isinstance(g["l"], list)
    assert g["a"] == pytest.approx(3.0) and g["b"][0] == pytest.approx(2.0)
    np.testing.assert_allclose(g["b"][1], [2.0, -2.0])
    np.testing.assert_allclose(g["c"].w, np.arange(2.0))
    np.testing.assert_allclose(g["c"].b, np.ones(2))
    assert np.asarray(g["l"][0]).dtype == np.float32


def test_grad_argnums_tuple_of_pytrees():
    ga, gb = tg.grad(lambda a, b: np.sum(a[0] * b["x"]) + a[1], argnums=(0, 1))(
        (X, 1.0), {"x": V})
    np.testing.assert_allclose(ga[0], V)
    assert ga[1] == pytest.approx(1.0)
    np.testing.assert_allclose(gb["x"], X)


def test_unused_inputs_get_zeros_of_their_shape_and_dtype():
    g = tg.grad(lambda p: p["a"] * 2.0)({"a": 1.0, "b": [np.ones((2, 2), np.float32)],
                                         "c": None})
    assert g["c"] is None
    z = g["b"][0]
    assert isinstance(z, np.ndarray) and z.shape == (2, 2) and z.dtype == np.float32
    assert not z.any()
    ga, gb = tg.grad(lambda a, b: np.sum(a), argnums=(0, 1))(X, np.ones(3, np.float32))
    assert gb.dtype == np.float32 and gb.shape == (3,) and not gb.any()


def test_grad_of_constant_function_is_zero():
    g = tg.grad(lambda x: 1.0)(np.ones(2, np.float32))
    assert g.dtype == np.float32 and g.shape == (2,) and not g.any()


# -- vjp --------------------------------------------------------------------------------------
def test_vjp_fn_can_be_called_several_times():
    out, pull = tg.vjp(f, X)
    np.testing.assert_allclose(out, f(X))
    for ct in (np.ones(3), V, 2 * V):
        (g,) = pull(ct)
        np.testing.assert_allclose(g, df(X) * ct, **tol("roundoff"))


def test_vjp_several_primals_and_pytree_output():
    out, pull = tg.vjp(lambda a, b: {"s": a + b, "p": [a * b, None]}, X, V)
    assert set(out) == {"s", "p"} and out["p"][1] is None
    ga, gb = pull({"s": np.ones(3), "p": [2 * np.ones(3), None]})
    np.testing.assert_allclose(ga, 1 + 2 * V)
    np.testing.assert_allclose(gb, 1 + 2 * X)


def test_namedtuple_outputs_in_every_mode():
    fun = lambda a: Params(w=a * 2.0, b=(np.sum(a), None))
    out, pull = tg.vjp(fun, X)
    assert isinstance(out, Params) and out.b[1] is None
    (g,) = pull(Params(w=np.ones(3), b=(1.0, None)))
    np.testing.assert_allclose(g, 3.0)
    out, t = tg.jvp(fun, (X,), (V,))
    assert isinstance(t, Params)
    np.testing.assert_allclose(t.w, 2 * V)
    assert t.b[0] == pytest.approx(np.sum(V))
    out, lin = tg.linearize(fun, X)
    assert isinstance(lin(V), Params)
    b = tg.vmap(fun)(np.stack([X, V]))
    assert isinstance(b, Params) and b.w.shape == (2, 3) and b.b[0].shape == (2,)
    j = tg.jacrev(fun)(X)
    assert isinstance(j, Params) and j.w.shape == (3, 3) and j.b[0].shape == (3,)


def test_vjp_has_aux():
    out, pull, aux = tg.vjp(lambda x: (x * 2.0, {"raw": x}), X, has_aux=True)
    np.testing.assert_allclose(aux["raw"], X)
    np.testing.assert_allclose(pull(V)[0], 2 * V)


def test_vjp_cotangent_must_match_output():
    _, pull = tg.vjp(lambda x: (x, x * 2.0), X)
    with pytest.raises(ValueError, match="structure"):
        pull(np.ones(3))
    _, pull = tg.vjp(lambda x: x * 2.0, X)
    with pytest.raises(ValueError, match="shape"):
        pull(np.ones(4))


# -- jvp and linearize ------------------------------------------------------------------------
def test_jvp_matches_closed_form():
    out, t = tg.jvp(f, (X,), (V,))
    np.testing.assert_allclose(out, f(X))
    np.testing.assert_allclose(t, df(X) * V, **tol("roundoff"))


def test_jvp_pytrees_and_has_aux():
    out, t, aux = tg.jvp(lambda p, s: ({"y": p[0] * s, "z": [p[1], None]}, s * 10),
                         ((X, 2.0), 3.0), ((V, 1.0), 0.5), has_aux=True)
    np.testing.assert_allclose(out["y"], 3 * X)
    np.testing.assert_allclose(t["y"], V * 3.0 + X * 0.5)
    assert t["z"][0] == pytest.approx(1.0) and t["z"][1] is None
    assert aux == pytest.approx(30.0)


def test_jvp_argument_checks():
    with pytest.raises(TypeError, match="tuples"):
        tg.jvp(f, X, V)
    with pytest.raises(ValueError, match="shape"):
        tg.jvp(f, (X,), (np.ones(4),))
    with pytest.raises(ValueError, match="structure"):
        tg.jvp(lambda a, b: a * b, (X, X), (V,))


def test_jvp_output_not_depending_on_input_has_zero_tangent():
    out, t = tg.jvp(lambda x, y: (x * 2.0, y * 0.0 + 1.0, np.ones(2)), (1.0, 2.0), (1.0, 0.0))
    assert t[0] == pytest.approx(2.0)
    assert t[2].shape == (2,) and not np.any(t[2])


def test_linearize_jvp_fn_equals_jvp():
    out, lin = tg.linearize(f, X)
    np.testing.assert_allclose(out, f(X))
    for v in (V, np.ones(3), -3 * V):
        np.testing.assert_allclose(lin(v), tg.jvp(f, (X,), (v,))[1], **tol("roundoff"))


def test_linearize_pytrees_and_unused_inputs():
    g = lambda p, q: {"a": p[0] * p[1], "b": np.sum(q ** 2)}
    p, q = (2.0, 3.0), X
    out, lin = tg.linearize(g, p, q)
    assert out["a"] == pytest.approx(6.0)
    tp, tq = (1.0, -1.0), V
    got = lin(tp, tq)
    want = tg.jvp(g, (p, q), (tp, tq))[1]
    assert got["a"] == pytest.approx(want["a"]) and got["b"] == pytest.approx(want["b"])
    out, lin = tg.linearize(lambda x, y: x * 2.0, 2.0, 3.0)
    t = lin(1.0, 1.0)
    assert isinstance(t, (np.ndarray, np.generic)) and t == pytest.approx(2.0)
    with pytest.raises(ValueError, match="shape"):
        tg.linearize(f, X)[1](np.ones(4))


# -- stop_gradient ----------------------------------------------------------------------------
def test_stop_gradient_every_mode():
    g = lambda x: x * tg.stop_gradient(x)
    assert tg.grad(g)(3.0) == pytest.approx(3.0)
    assert tg.jvp(g, (3.0,), (1.0,))[1] == pytest.approx(3.0)
    np.testing.assert_allclose(tg.vmap(tg.grad(g))(X), X)
    assert tg.grad(tg.grad(g))(3.0) == pytest.approx(0.0)


def test_stop_gradient_pytree_and_plain_values():
    tree = {"a": 1.0, "b": (np.ones(2), None)}
    out = tg.stop_gradient(tree)
    assert out["b"][1] is None
    np.testing.assert_array_equal(out["b"][0], np.ones(2))
    g = tg.grad(lambda p: p["a"] * tg.stop_gradient(p)["a"] + np.sum(tg.stop_gradient(p["b"][0])))(
        tree)
    assert g["a"] == pytest.approx(1.0) and not np.any(g["b"][0])


def test_grad_holomorphic_gives_the_complex_derivative():
    z = np.array(0.3 + 0.7j)
    np.testing.assert_allclose(tg.grad(lambda z: np.sin(z) * z, holomorphic=True)(z),
                               np.cos(z) * z + np.sin(z))
    np.testing.assert_allclose(
        tg.grad(tg.grad(np.exp, holomorphic=True), holomorphic=True)(z), np.exp(z))
    with pytest.raises(TypeError, match="holomorphic=True"):
        tg.grad(lambda z: z * z)(z)
    with pytest.raises(TypeError, match="complex inputs"):
        tg.grad(lambda z: z * z, holomorphic=True)(0.5)


def test_grad_of_real_function_of_complex_input_follows_the_convention():
    # L(z) = |z|^2 = a^2 + b^2: cotangent dL/da - i dL/db = 2a - 2ib = 2 conj(z)
    z = np.array([0.3 + 0.7j, -1.0 + 0.2j])
    np.testing.assert_allclose(tg.grad(lambda z: np.sum(np.abs(z) ** 2))(z), 2 * np.conj(z))


# -- one lifting path (core/lifting.py): every transform checks the same things ---------------
def _gen(x):
    yield x * 2.0


@pytest.mark.parametrize("name, call", [
    ("grad", lambda: tg.grad(_gen)(1.0)),
    ("vjp", lambda: tg.vjp(_gen, np.ones(2))),
    ("jvp", lambda: tg.jvp(_gen, (np.ones(2),), (np.ones(2),))),
    ("linearize", lambda: tg.linearize(_gen, np.ones(2))),
    ("vmap", lambda: tg.vmap(_gen)(np.ones(2))),
    ("jacrev", lambda: tg.jacrev(_gen)(np.ones(2))),
    ("jacfwd", lambda: tg.jacfwd(_gen)(np.ones(2))),
], ids=lambda v: v if isinstance(v, str) else "")
def test_every_transform_rejects_a_generator_function(name, call):
    # linearize returned the generator object as its output before
    with pytest.raises(TypeError, match=rf"^{name}: _gen returned a generator"):
        call()


def _square(x):
    return x ** 2  # fails on a Python list


@pytest.mark.parametrize("name, call", [
    ("grad", lambda: tg.grad(lambda x: np.sum(_square(x)))([1.0, 2.0])),
    ("vjp", lambda: tg.vjp(_square, [1.0, 2.0])),
    ("jvp", lambda: tg.jvp(_square, ([1.0, 2.0],), ([1.0, 1.0],))),
    ("linearize", lambda: tg.linearize(_square, [1.0, 2.0])),
    ("vmap", lambda: tg.vmap(lambda x, y: _square(x) + y, in_axes=(None, 0))(
        [1.0, 2.0], np.ones(3))),
], ids=lambda v: v if isinstance(v, str) else "")
def test_a_list_of_numbers_that_the_function_fails_on_is_named_under_every_transform(
        name, call):
    # jvp, linearize and vmap let NumPy's "unsupported operand" error through before
    with pytest.raises(TypeError, match=rf"^{name}: argument 0 of .* is a Python list of 2 "
                                        r"numbers.*np\.asarray"):
        call()


@pytest.mark.parametrize("name, transform", [
    ("grad", lambda f: tg.grad(f, has_aux=True)),
    ("jacrev", lambda f: tg.jacrev(f, has_aux=True)),
    ("jacfwd", lambda f: tg.jacfwd(f, has_aux=True)),
    ("vjp", lambda f: lambda x: tg.vjp(f, x, has_aux=True)),
    ("jvp", lambda f: lambda x: tg.jvp(f, (x,), (x,), has_aux=True)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_has_aux_error_names_the_transform_called(name, transform):
    # jacfwd's said "jvp with has_aux=True" before
    with pytest.raises(TypeError, match=rf"^{name} with has_aux=True needs the function to "
                                        r"return a pair \(output, aux\), got tuple"):
        transform(lambda x: (np.sum(x), x, x))(np.ones(2))


def test_error_names_are_built_only_when_an_error_needs_them(monkeypatch):
    # naming every leaf ("argument 0 (argnums=0) of loss, at ['w']") walks the pytree again,
    # so the transforms build names on demand: none on a call that raises nothing
    from tangents.core import lifting

    def fail(*args, **kwargs):
        raise AssertionError("leaf names built on a call without an error")

    real = lifting._leaf_names
    monkeypatch.setattr(lifting, "_leaf_names", fail)
    p = {"w": X, "b": 0.5}
    tg.grad(lambda p: np.sum(f(p["w"]) * p["b"]))(p)
    tg.jvp(lambda p: f(p["w"]) * p["b"], (p,), (p,))
    tg.jacfwd(lambda p: f(p["w"]) * p["b"])(p)
    monkeypatch.setattr(lifting, "_leaf_names", real)
    with pytest.raises(TypeError, match=r"grad: argument 0 \(argnums=0\) of .*<lambda>, "
                                        r"at \['w'\] has dtype int64"):
        tg.grad(lambda p: np.sum(p["w"]))({"w": np.arange(3)})


def test_only_the_lifting_helper_calls_the_function_and_closes_the_trace():
    # one path for every transform: a transform that set trace.alive itself would be
    # repeating (and could drift from) the call, output checks and has_aux split of Lift.run
    import ast
    import inspect

    from tangents.core import jacobians, lifting, transforms
    for module in (transforms, jacobians):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Attribute) and node.attr == "alive":
                raise AssertionError(f"{module.__name__} closes a trace itself (line "
                                     f"{node.lineno}); use lifting.Lift.run")
    assert "trace.alive = False" in inspect.getsource(lifting.Lift.run)
