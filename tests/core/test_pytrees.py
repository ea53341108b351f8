"""Dataclasses, namedtuples and registered classes as pytrees through the transforms, vmap's
in_axes/out_axes prefixes, tg.optim's optimizers and minimize (issue #14)."""
import collections
import dataclasses

import numpy as np
import pytest
from harness import approx, rand, tol

import tangents as tg
from tangents import optim


@dataclasses.dataclass
class Layer:
    w: object
    b: object
    act: str = dataclasses.field(default="tanh", metadata={"static": True})


@dataclasses.dataclass(frozen=True)
class Frozen:
    x: object
    y: object


Point = collections.namedtuple("Point", "x y")


class Box:
    """A plain class made a pytree node with tg.tree.register."""

    def __init__(self, lo, hi, name):
        self.lo, self.hi, self.name = lo, hi, name


tg.tree.register(Box, lambda b: ((b.lo, b.hi), b.name), lambda name, ch: Box(*ch, name))


def _layer_loss(p, x):
    act = {"tanh": np.tanh, "sin": np.sin}[p.act]
    return np.sum(act(x @ p.w + p.b) ** 2)


def _params():
    return Layer(rand((3, 2), seed=1), rand((2,), seed=2))


def _as_flat(loss, tree):
    """``loss`` over the flat vector of ``tree``'s leaves: a reference written without the
    pytree, differentiated by check_grads (finite differences and forward vs reverse)."""
    leaves, treedef = tg.tree.flatten(tree)
    sizes = np.cumsum([0] + [np.size(v) for v in leaves])

    def flat_loss(vec):
        parts = [vec[a:b].reshape(np.shape(v)) for a, b, v in zip(sizes, sizes[1:], leaves)]
        return loss(tg.tree.unflatten(treedef, parts))
    return flat_loss, np.concatenate([np.ravel(v) for v in leaves])


@pytest.mark.parametrize("make", [
    _params,
    lambda: Layer(rand((3, 2), seed=1), rand((2,), seed=2), act="sin"),
    lambda: Frozen(rand((3, 2), seed=1), Point(rand((2,), seed=2), None)),
    lambda: Box(rand((3, 2), seed=1), {"b": rand((2,), seed=2)}, "box"),
], ids=["dataclass", "static-sin", "frozen+namedtuple", "registered"])
def test_grad_over_node_pytrees_matches_flat_reference(make):
    p, x = make(), rand((4, 3), seed=3)

    def loss(p):
        if isinstance(p, Layer):
            return _layer_loss(p, x)
        w, b = (p.x, p.y.x) if isinstance(p, Frozen) else (p.lo, p.hi["b"])
        return np.sum(np.cos(x @ w) * b)
    g = tg.grad(loss)(p)
    assert type(g) is type(p) and tg.tree.structure(g) == tg.tree.structure(p)
    flat_loss, vec = _as_flat(loss, p)
    tg.check_grads(flat_loss, (vec,), order=2)
    want = tg.grad(flat_loss)(vec)
    np.testing.assert_allclose(np.concatenate([np.ravel(v) for v in tg.tree.leaves(g)]),
                               want, **tol("roundoff"))
    tg.check_grads(loss, (p,), order=2)     # fd and <J v, w> = <v, J^T w> on the pytree itself


def test_static_field_is_kept_and_not_differentiated():
    p = dataclasses.replace(_params(), act="sin")
    x = rand((4, 3), seed=3)
    g = tg.grad(_layer_loss)(p, x)
    assert g.act == "sin"
    gw_sin = g.w
    g_tanh = tg.grad(_layer_loss)(_params(), x)
    assert g_tanh.act == "tanh" and not np.allclose(gw_sin, g_tanh.w)


def test_vjp_jvp_value_and_grad_hessian_with_a_dataclass():
    p, x = _params(), rand((4, 3), seed=3)
    f = lambda p: Point(np.tanh(x @ p.w + p.b), np.sum(p.w))
    out, vjp_fn = tg.vjp(f, p)
    ct = Point(rand(out.x.shape, seed=4), 1.5)
    (gp,) = vjp_fn(ct)
    t = Layer(rand((3, 2), seed=5), rand((2,), seed=6))
    out2, tout = tg.jvp(f, (p,), (t,))
    assert isinstance(gp, Layer) and isinstance(tout, Point)
    # transpose identity <J t, ct> = <t, J^T ct> across two node kinds
    lhs = np.sum(tout.x * ct.x) + tout.y * ct.y
    rhs = np.sum(t.w * gp.w) + np.sum(t.b * gp.b)
    assert lhs == approx(rhs, "roundoff")
    val, g = tg.value_and_grad(_layer_loss)(p, x)
    assert val == approx(_layer_loss(p, x), "exact") and isinstance(g, Layer)
    h = tg.hessian(lambda p: _layer_loss(p, x))(p)
    assert isinstance(h, Layer) and isinstance(h.w, Layer) and h.w.b.shape == (3, 2, 2)


def test_vmap_in_axes_and_out_axes_as_dataclass_prefixes():
    w, b = rand((5, 3, 2), seed=1), rand((2,), seed=2)
    x = rand((4, 3), seed=3)
    f = lambda p: Layer(np.tanh(x @ p.w + p.b), np.sum(p.w))
    for spec in (Layer(0, None), (Layer(0, None),)):
        out = tg.vmap(f, in_axes=spec, out_axes=Layer(1, 0))(Layer(w, b))
        assert isinstance(out, Layer) and out.w.shape == (4, 5, 2) and out.b.shape == (5,)
        for i in range(5):
            want = f(Layer(w[i], b))
            np.testing.assert_allclose(out.w[:, i], want.w, **tol("exact"))
            np.testing.assert_allclose(out.b[i], want.b, **tol("exact"))
    per = tg.vmap(tg.grad(_layer_loss), in_axes=(Layer(0, None), 0))(Layer(w, b), rand((5, 3)))
    assert isinstance(per, Layer) and per.w.shape == (5, 3, 2) and per.b.shape == (5, 2)


def test_vmap_prefix_mismatches_say_where():
    p = Layer(np.ones((5, 3)), np.ones(5))
    with pytest.raises(ValueError, match=r"in_axes.*Layer.*other static fields"):
        tg.vmap(lambda p: p.w, in_axes=Layer(0, None, act="sin"))(p)
    with pytest.raises(ValueError, match=r"in_axes\[0\] is a Frozen where the value is a Layer"):
        tg.vmap(lambda p: p.w, in_axes=(Frozen(0, None),))(p)
    with pytest.raises(ValueError, match=r"in_axes\[0\]\.w is 'a'; its entries must be int"):
        tg.vmap(lambda p: p.w, in_axes=(Layer("a", None),))(p)


def test_vmap_dict_prefix_follows_ordered_dict_order():
    # an OrderedDict flattens in insertion order: a dict prefix must follow that order
    od = collections.OrderedDict([("z", np.ones((4, 2))), ("a", np.arange(3.0))])
    out = tg.vmap(lambda d: d["z"] + np.sum(d["a"]), in_axes=({"z": 0, "a": None},))(od)
    np.testing.assert_allclose(out, np.ones((4, 2)) + 3.0, **tol("exact"))


@pytest.mark.parametrize("make_opt", [lambda: optim.sgd(0.1, momentum=0.9),
                                      lambda: optim.adam(0.05)], ids=["sgd", "adam"])
def test_optimizers_step_dataclass_params_like_dict_params(make_opt):
    x = rand((4, 3), seed=3)
    p = _params()
    as_dict = {"w": p.w, "b": p.b}
    loss_d = lambda d: _layer_loss(Layer(d["w"], d["b"]), x)
    opt, opt_d = make_opt(), make_opt()
    state, state_d = opt.init(p), opt_d.init(as_dict)
    for _ in range(3):
        u, state = opt.update(tg.grad(_layer_loss)(p, x), state, p)
        p = optim.apply_updates(p, u)
        u_d, state_d = opt_d.update(tg.grad(loss_d)(as_dict), state_d, as_dict)
        as_dict = optim.apply_updates(as_dict, u_d)
    assert isinstance(p, Layer) and p.act == "tanh"
    np.testing.assert_allclose(p.w, as_dict["w"], **tol("exact"))
    np.testing.assert_allclose(p.b, as_dict["b"], **tol("exact"))


def test_minimize_over_dataclass_and_registered_params():
    pytest.importorskip("scipy")
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    c = np.array([1.0, -1.0])

    def quad(p):
        v = np.concatenate([np.ravel(p.x), np.ravel(p.y.lo), np.ravel(p.y.hi)])
        return 0.5 * v[:2] @ a @ v[:2] - c @ v[:2] + np.sum((v[2:] - 2.0) ** 2)
    x0 = Frozen(np.zeros(2), Box(np.zeros(1), np.zeros(()), "box"))
    res = optim.minimize(quad, x0, method="trust-exact")
    assert isinstance(res.x, Frozen) and isinstance(res.x.y, Box) and res.x.y.name == "box"
    np.testing.assert_allclose(res.x.x, np.linalg.solve(a, c), **tol("converged"))
    np.testing.assert_allclose(res.x.y.lo, [2.0], **tol("converged"))
    assert res.x.y.hi.shape == ()


def test_minimize_bounds_as_a_dataclass_or_registered_pytree():
    pytest.importorskip("scipy")
    loss = lambda p: np.sum((p.x - 2.0) ** 2) + np.sum((p.y.lo + 1.0) ** 2) + p.y.hi ** 2
    x0 = Frozen(np.zeros(2), Box(np.zeros(1), 0.5, "box"))
    bounds = Frozen((None, np.array([1.0, 3.0])), Box((-0.5, None), None, "box"))
    res = optim.minimize(loss, x0, method="L-BFGS-B", bounds=bounds)
    lb = [-np.inf, -np.inf, -0.5, -np.inf]
    ref = optim.minimize(loss, x0, method="L-BFGS-B",
                         bounds=list(zip(lb, [1.0, 3.0, np.inf, np.inf])))
    np.testing.assert_allclose(res.x_flat, ref.x_flat, **tol("exact"))
    np.testing.assert_allclose(res.x.x, [1.0, 2.0], **tol("stopped"))   # the bound is active
    assert res.x.y.lo[0] == -0.5
    with pytest.raises(ValueError, match=r"bounds\.y should be a Box like x0\.y, got tuple"):
        optim.minimize(loss, x0, method="L-BFGS-B", bounds=Frozen((None, 1.0), (None, 1.0)))


def test_jit_sees_static_fields_as_structure():
    x = rand((4, 3), seed=3)
    jitted = tg.jit(_layer_loss)
    for act in ("tanh", "sin", "tanh"):       # another static value is another trace
        p = dataclasses.replace(_params(), act=act)
        assert jitted(p, x) == approx(_layer_loss(p, x), "exact")
    g = tg.grad(jitted)(p, x)
    want = tg.grad(_layer_loss)(p, x)
    assert isinstance(g, Layer) and g.act == "tanh"
    np.testing.assert_allclose(g.w, want.w, **tol("roundoff"))
