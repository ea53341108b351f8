"""jacrev, jacfwd, hessian, hvp and elementwise_grad: shapes, pytrees, argnums, has_aux,
chunking, and agreement with finite differences."""
import numpy as np
import pytest
from harness import tol

import tangents as tg

X = np.array([0.3, -0.7, 1.2])
M = np.linspace(-1.0, 1.0, 6).reshape(2, 3)


def numeric_jacobian(fun, x, eps=1e-6):
    x = np.asarray(x, np.float64)
    cols = []
    for i in range(x.size):
        d = np.zeros(x.size)
        d[i] = eps
        d = d.reshape(x.shape)
        cols.append((np.asarray(fun(x + d)) - np.asarray(fun(x - d))) / (2 * eps))
    out_shape = np.shape(fun(x))
    return np.stack(cols, axis=-1).reshape(out_shape + x.shape)


FUNS = [
    ("elementwise", lambda x: np.sin(x) * x),
    ("mixing", lambda x: np.tanh(x) * np.sum(x ** 2)),
    ("to scalar", lambda x: np.sum(np.exp(x) * x)),
    ("transpose", lambda x: np.transpose(x) * 2.0 + np.mean(x)),
    ("reshape", lambda x: np.reshape(x ** 2, (-1,))),
]


@pytest.mark.parametrize("jac", [tg.jacrev, tg.jacfwd, tg.jacobian], ids=["rev", "fwd", "alias"])
@pytest.mark.parametrize("name, fun", FUNS, ids=[f[0] for f in FUNS])
@pytest.mark.parametrize("x", [X, M, np.array(0.4)], ids=["1d", "2d", "0d"])
def test_jacobian_shape_and_values(jac, name, fun, x):
    got = jac(fun)(x)
    want = numeric_jacobian(fun, x)
    assert got.shape == np.shape(fun(x)) + x.shape
    np.testing.assert_allclose(got, want, **tol("fd"))


@pytest.mark.parametrize("chunk_size", [1, 2, 4, 100])
def test_jacrev_chunk_size_gives_the_same_answer(chunk_size):
    fun = lambda x: np.tanh(x) * np.sum(x ** 2)
    x = np.linspace(-1.0, 1.0, 10).reshape(2, 5)
    full = tg.jacrev(fun)(x)
    np.testing.assert_allclose(tg.jacrev(fun, chunk_size=chunk_size)(x), full, **tol("exact"))
    np.testing.assert_allclose(tg.jacfwd(fun, chunk_size=chunk_size)(x), full, **tol("roundoff"))


def test_jacobians_of_pytrees_with_argnums():
    fun = lambda a, b: {"o": a * np.sum(b), "p": np.sum(a) * 1.0}
    b = np.array([1.0, 2.0])
    for jac in (tg.jacrev, tg.jacfwd):
        j = jac(fun, argnums=(0, 1))(X, b)
        assert set(j) == {"o", "p"}
        (oa, ob), (pa, pb) = j["o"], j["p"]
        assert oa.shape == (3, 3) and ob.shape == (3, 2) and pa.shape == (3,) and pb.shape == (2,)
        np.testing.assert_allclose(oa, 3.0 * np.eye(3))
        np.testing.assert_allclose(ob, np.repeat(X[:, None], 2, axis=1))
        np.testing.assert_allclose(pa, np.ones(3))
        np.testing.assert_allclose(pb, np.zeros(2))
        j1 = jac(fun, argnums=1)(X, b)
        np.testing.assert_allclose(j1["o"], ob)


def test_jacobians_with_pytree_input():
    fun = lambda p: p["w"] * p["s"][0]
    p = {"w": X, "s": (2.0, None)}
    for jac in (tg.jacrev, tg.jacfwd):
        j = jac(fun)(p)
        np.testing.assert_allclose(j["w"], 2.0 * np.eye(3))
        np.testing.assert_allclose(j["s"][0], X)
        assert j["s"][1] is None


def test_jacobians_has_aux():
    fun = lambda a, b: ({"y": a * b}, {"aux": a + 1.0, "n": None})
    for jac in (tg.jacrev, tg.jacfwd):
        j, aux = jac(fun, argnums=1, has_aux=True)(X, X * 2)
        np.testing.assert_allclose(j["y"], np.diag(X))
        np.testing.assert_allclose(aux["aux"], X + 1.0)
        assert aux["n"] is None


def test_jacobian_over_an_argument_without_leaves():
    # an empty pytree argument has no Jacobian entries: each output leaf maps to an empty
    # tree shaped like the argument, the same in both modes (jacfwd failed on None before)
    fun = lambda p, x: ({"y": x * 2.0, "z": np.sum(x)}, x + 1.0)
    want = {"y": (), "z": ()}
    for jac in (tg.jacrev, tg.jacfwd):
        assert jac(lambda p, x: fun(p, x)[0])((), X) == want
        j, aux = jac(fun, has_aux=True)((), X)
        assert j == want
        np.testing.assert_allclose(aux, X + 1.0)


def test_jacobian_dtype_follows_input_in_reverse():
    x32 = X.astype(np.float32)
    j = tg.jacrev(lambda x: np.sin(x) * np.float64(2.0))(x32)
    assert j.dtype == np.float32
    j = tg.jacfwd(lambda x: np.sin(x) * 2.0)(x32)
    assert j.dtype == np.float32


def test_jacobian_of_size_zero_input():
    assert tg.jacrev(lambda x: x * 2.0)(np.ones((0, 2))).shape == (0, 2, 0, 2)
    assert tg.jacfwd(lambda x: x * 2.0)(np.ones((0, 2))).shape == (0, 2, 0, 2)


def test_hessian_closed_form_and_argnums():
    fun = lambda x: np.sum(x ** 3) + np.sum(x) ** 2
    want = np.diag(6 * X) + 2.0
    np.testing.assert_allclose(tg.hessian(fun)(X), want, **tol("roundoff"))
    g = lambda a, b: np.sum(a ** 2) * np.sum(b ** 3)
    a, b = np.array([1.0, 2.0]), np.array([0.5, 1.0, 1.5])
    (haa, hab), (hba, hbb) = tg.hessian(g, argnums=(0, 1))(a, b)
    assert haa.shape == (2, 2) and hab.shape == (2, 3) and hba.shape == (3, 2)
    assert hbb.shape == (3, 3)
    np.testing.assert_allclose(haa, 2 * np.sum(b ** 3) * np.eye(2), **tol("roundoff"))
    np.testing.assert_allclose(hab, np.outer(2 * a, 3 * b ** 2), **tol("roundoff"))
    np.testing.assert_allclose(hba, hab.T, **tol("roundoff"))
    np.testing.assert_allclose(hbb, np.sum(a ** 2) * np.diag(6 * b), **tol("roundoff"))
    np.testing.assert_allclose(tg.hessian(g, argnums=1)(a, b), hbb, **tol("roundoff"))


def test_hessian_of_matrix_input():
    fun = lambda m: np.sum(np.sin(m) * m)
    h = tg.hessian(fun)(M)
    assert h.shape == (2, 3, 2, 3)
    want = np.diag((2 * np.cos(M) - M * np.sin(M)).ravel()).reshape(2, 3, 2, 3)
    np.testing.assert_allclose(h, want, **tol("roundoff"))


def test_hvp_matches_hessian_times_vector():
    fun = lambda x: np.sum(np.tanh(x) ** 2) * np.sum(x)
    v = np.array([1.0, -0.5, 2.0])
    np.testing.assert_allclose(tg.hvp(fun, (X,), (v,)), tg.hessian(fun)(X) @ v, **tol("roundoff"))


def test_hvp_several_primals_and_pytrees():
    g = lambda a, b: np.sum(a ** 2) * np.sum(b ** 3)
    a, b = np.array([1.0, 2.0]), np.array([0.5, 1.0, 1.5])
    va, vb = np.array([1.0, 0.0]), np.array([0.0, 1.0, 1.0])
    ha, hb = tg.hvp(g, (a, b), (va, vb))
    (haa, hab), (hba, hbb) = tg.hessian(g, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ha, haa @ va + hab @ vb, **tol("roundoff"))
    np.testing.assert_allclose(hb, hba @ va + hbb @ vb, **tol("roundoff"))
    p = {"w": a, "c": 2.0}
    out = tg.hvp(lambda p: np.sum(p["w"] ** 2) * p["c"] ** 2, (p,), ({"w": va, "c": 1.0},))
    assert set(out) == {"w", "c"}
    np.testing.assert_allclose(out["w"], 2 * va * 4.0 + 2 * a * 2 * 2.0 * 1.0)


# -- elementwise_grad -------------------------------------------------------------------------
def test_elementwise_grad_values():
    np.testing.assert_allclose(tg.elementwise_grad(np.tanh)(M), 1 - np.tanh(M) ** 2,
                               **tol("roundoff"))
    g = tg.elementwise_grad(lambda a, b: a * b, argnums=1)(X, X * 3)
    np.testing.assert_allclose(g, X)
    g = tg.elementwise_grad(lambda a: a * np.arange(3.0))(M)   # broadcast constant: fine
    np.testing.assert_allclose(g, np.broadcast_to(np.arange(3.0), M.shape))
    assert tg.elementwise_grad(np.sin)(0.5) == pytest.approx(np.cos(0.5))


@pytest.mark.parametrize("name, fun", [
    ("cumsum", np.cumsum),
    ("times sum", lambda a: a * np.sum(a)),
    ("transpose", lambda a: np.reshape(np.transpose(np.reshape(a, (2, 2))), (4,))),
])
def test_elementwise_grad_detects_non_elementwise(name, fun):
    x = np.array([0.5, 1.0, -2.0, 3.0])
    with pytest.raises(ValueError, match="not elementwise"):
        tg.elementwise_grad(fun)(x)
    d = tg.elementwise_grad(fun, check=False)(x)
    np.testing.assert_allclose(d, tg.jvp(fun, (x,), (np.ones(4),))[1])


def test_elementwise_grad_checks_each_input_shape_once():
    from tangents.core.batching import BatchTracer
    from tangents.core.forward import tangent_of
    batched = []  # per call: whether the tangents were batched (J 1 and the check's J v)

    def f(a):  # elementwise at 3 entries, mixing at 4
        batched.append(isinstance(tangent_of(a), BatchTracer))
        return a * np.sum(a) if a.shape == (4,) else np.sin(a)
    eg = tg.elementwise_grad(f)
    x3 = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(eg(x3), np.cos(x3))
    np.testing.assert_allclose(eg(x3 + 1.0), np.cos(x3 + 1.0))  # verified: one plain pass
    assert batched == [True, False]
    with pytest.raises(ValueError, match="not elementwise"):
        eg(np.arange(4.0))


def test_elementwise_grad_checks_under_an_outer_gradient():
    # the outer grad traces w, which the function closes over; the check reads the values
    # under the tracers, so a non-elementwise function is still caught
    x = np.array([0.5, 1.0, -2.0])
    bad = lambda w: np.sum(tg.elementwise_grad(lambda a: a * np.sum(a) * w)(x))  # noqa: E731
    with pytest.raises(ValueError, match="not elementwise"):
        tg.grad(bad)(1.5)
    good = lambda w: np.sum(tg.elementwise_grad(lambda a: np.sin(a * w))(x))  # noqa: E731
    np.testing.assert_allclose(tg.grad(good)(1.5), np.sum(-np.sin(x * 1.5) * x * 1.5
                                                          + np.cos(x * 1.5)), **tol("roundoff"))


def test_elementwise_grad_rejects_shape_changing_functions():
    with pytest.raises(ValueError, match="shape"):
        tg.elementwise_grad(np.sum)(X)


def test_elementwise_grad_composes():
    np.testing.assert_allclose(tg.vmap(tg.elementwise_grad(np.sin))(M), np.cos(M),
                               **tol("roundoff"))
    g = tg.grad(lambda a: np.sum(tg.elementwise_grad(np.sin)(a)))(X)
    np.testing.assert_allclose(g, -np.sin(X), **tol("roundoff"))
    d2 = tg.elementwise_grad(tg.elementwise_grad(np.sin))(X)
    np.testing.assert_allclose(d2, -np.sin(X), **tol("roundoff"))


@pytest.mark.parametrize("chunk_size", [None, 1, 2])
@pytest.mark.parametrize("jac", [tg.jacrev, tg.jacfwd], ids=["rev", "fwd"])
def test_jacobian_blocks_over_pytrees_in_chunks(jac, chunk_size):
    # two pytree arguments (argnums tuple) and a pytree output, built from one shared block
    # table in both modes: block [out][arg][leaf] equals the finite-difference Jacobian of
    # that output leaf in that input leaf, shaped out.shape + in.shape
    a = {"u": M, "v": X}
    b = np.array(0.7)

    def fun(a, c, b):
        y = np.tanh(a["u"]) * np.sum(a["v"] * b) + c
        return {"y": y, "s": np.sum(np.sin(a["v"]) * b)}, b * 2.0

    j, aux = jac(fun, argnums=(0, 2), has_aux=True, chunk_size=chunk_size)(a, 1.0, b)
    np.testing.assert_allclose(aux, b * 2.0)
    leaf_ins = {("a", "u"): a["u"], ("a", "v"): a["v"], ("b",): b}
    for out_key in ("y", "s"):
        for path, x in leaf_ins.items():
            def one(t, out_key=out_key, path=path):
                aa = dict(a)
                if path[0] == "a":
                    aa[path[1]] = t
                return fun(aa, 1.0, t if path == ("b",) else b)[0][out_key]
            want = numeric_jacobian(one, x)
            got = j[out_key][0][path[1]] if path[0] == "a" else j[out_key][1]
            assert got.shape == np.shape(want)
            np.testing.assert_allclose(got, want, **tol("derivative"))
