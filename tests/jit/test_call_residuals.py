"""Reverse mode of a jitted function keeps residuals (issue #12, tangents/jit/partial.py):
``grad(jit(f))`` runs f's forward pass once per call, as eager does, and its values are
eager's under both executors (conftest.py); transforms of the pullback, guards in a rule,
NaNs that eager masks and checkpoint keep their meaning."""
import time

import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
from tangents.core import builders, registry

RUNS = []


def _counted_sin(x):
    RUNS.append(1)  # runs whenever a program (or eager) computes it: it is an equation
    return np.sin(x)


@pytest.fixture(scope="module")
def counted():
    prim = builders.elementwise("test_counted_sin", _counted_sin, lambda ans, x: np.cos(x))
    yield prim
    registry.pop("test_counted_sin", None)  # the coverage table reads the registry


def _runs(call, *args):
    """``(result, how many times the counted forward ran)`` for one call."""
    RUNS.clear()
    out = call(*args)
    return out, len(RUNS)


def _loss(counted):
    def loss(p, x, y):
        h = np.tanh(counted(x @ p["w1"] + p["b1"]))
        z = h @ p["w2"]
        return -np.sum(y * tg.nn.log_softmax(z, axis=1)) / x.shape[0]
    return loss


def _data():
    p = {"w1": rand((4, 5), seed=1), "b1": rand((5,), seed=2), "w2": rand((5, 3), seed=3)}
    return p, rand((6, 4), seed=4), np.eye(3)[[0, 2, 1, 1, 0, 2]]


@pytest.mark.parametrize("name", ["grad", "value_and_grad", "vjp", "jacrev"])
def test_forward_runs_once_per_call(counted, name):
    loss = _loss(counted)
    p, x, y = _data()
    transforms = {
        "grad": lambda f: tg.grad(f),
        "value_and_grad": lambda f: tg.value_and_grad(f),
        "vjp": lambda f: lambda p, x, y: tg.vjp(lambda p: f(p, x, y), p)[1](1.0),
        "jacrev": lambda f: tg.jacrev(lambda p, x, y: f(p, x, y) * np.arange(1.0, 3.0)),
    }
    transform = transforms[name]
    want, eager_runs = _runs(transform(loss), p, x, y)
    assert eager_runs == 1
    g = transform(tg.jit(loss))
    g(p, x, y)  # traces f and its VJP
    for k in range(2):
        got, runs = _runs(g, p, x + k, y)
        assert runs == 1, f"{name}(jit(f)) ran the forward {runs} times"
        want = transform(loss)(p, x + k, y)
        for a, b in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
            np.testing.assert_allclose(a, b, **tol("roundoff"))


def test_pullback_called_twice_reuses_the_residuals(counted):
    def f(x, w):
        return np.sin(counted(x) * w)

    x, w = rand((5,), seed=5), rand((5,), seed=6)
    jf = tg.jit(f)
    tg.vjp(jf, x, w)[1](np.ones(5))  # traces
    (out, pull), runs = _runs(tg.vjp, jf, x, w)
    ct1, ct2 = rand((5,), seed=7), rand((5,), seed=8)
    RUNS.clear()
    got = [pull(ct1), pull(ct2)]
    assert runs == 1 and not RUNS
    eager_out, eager_pull = tg.vjp(f, x, w)
    np.testing.assert_allclose(out, eager_out, **tol("roundoff"))
    for g, ct in zip(got, (ct1, ct2)):
        for a, b in zip(g, eager_pull(ct)):
            np.testing.assert_allclose(a, b, **tol("roundoff"))


def chain(x):
    return np.sum(np.tanh(np.sin(x) * x + 0.5) ** 2)


def _split_of(jf):
    """The residual split cached for ``jf``'s one program (None: its VJP did not split)."""
    (handle,) = [v.handle for e in jf._cache.values() for v in e.variants]
    (split,) = [s for k, s in handle.rules.items() if k[0] == "split"]
    return split if hasattr(split, "fwd_program") else None


def test_backward_program_reads_residuals_only():
    jf = tg.jit(chain)
    x = rand((5,), seed=9)
    tg.grad(jf)(x)
    split = _split_of(jf)
    fwd, bwd = split.fwd_program.as_text(), split.bwd_program.as_text()
    # the forward computes sin and tanh once; the backward reads them (eager's tape keeps
    # them too) and computes the rules' cos(x) and 1 - tanh**2
    assert fwd.count("sin(") == 1 and fwd.count("tanh(") == 1, fwd
    assert "sin(" not in bwd and "tanh(" not in bwd and "cos(" in bwd, bwd
    assert len(split.bwd_program.invars) == 1 + 2 + 1  # x, sin(x) and tanh(.), the ct
    tg.check_grads(jf, (x,), order=1, modes=["rev"])


@pytest.mark.parametrize("name,transform", [
    ("grad", tg.grad),
    ("value_and_grad", tg.value_and_grad),
    ("hessian", tg.hessian),
    ("jacrev", tg.jacrev),
    ("jacrev of a vector", lambda f: tg.jacrev(lambda x, w: f(x, w) * np.arange(1.0, 4.0))),
    ("grad of argnums 1", lambda f: tg.grad(f, argnums=1)),
    ("grad of both", lambda f: tg.grad(f, argnums=(0, 1))),
])
def test_transforms_of_jit_equal_eager(name, transform):
    def f(x, w):
        return np.sum(np.tanh(w @ x) * np.exp(-x[:2] ** 2)) + 0.5 * np.dot(x, x)

    jac_jit, jac = transform(tg.jit(f)), transform(f)
    x, w = rand((3,), seed=10), rand((2, 3), seed=11)
    for k in range(2):  # the second call runs the cached programs
        for a, b in zip(tg.tree.leaves(jac_jit(x + k, w)), tg.tree.leaves(jac(x + k, w))):
            np.testing.assert_allclose(a, b, **tol("composed" if name == "hessian" else
                                                   "roundoff"))


def test_several_outputs_and_an_integer_one():
    def pair(x, w):
        return {"s": np.sin(x) * w, "n": np.argmax(x), "q": np.sum(x ** 3)}

    def use(pair):
        def f(x, w):
            out = pair(x, w)  # the integer output is no cotangent's; "q" gets none here
            return np.sum(out["s"] ** 2) * out["n"]
        return f

    x, w = rand((4,), seed=12), rand((4,), seed=13)
    g, want = tg.grad(use(tg.jit(pair)), argnums=(0, 1)), tg.grad(use(pair), argnums=(0, 1))
    for k in range(2):
        for a, b in zip(g(x + k, w), want(x + k, w)):
            np.testing.assert_allclose(a, b, **tol("roundoff"))


def test_nan_that_eager_masks_takes_the_exact_path():
    # sqrt'(0) is inf; the where gives it a zero cotangent, and eager's 0 * inf is 0
    def f(x):
        return np.sum(np.where(x > 0, np.sqrt(np.abs(x)), x ** 2))

    x = np.array([0.0, 1.0, -2.0, 4.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        want = tg.grad(f)(x)
        assert not np.isnan(want).any()
        jf = tg.jit(f)
        for _ in range(2):
            np.testing.assert_allclose(tg.grad(jf)(x), want, **tol("roundoff"))
        # the backward program gives NaN here (its 0 * inf): the call took the jitted vjp
        split = _split_of(jf)
        fwd = split.forward(x)
        assert np.isnan(split.backward(x, *fwd[1:], np.ones(()))[0]).any()


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_guard_in_a_rule_keeps_the_jitted_vjp(sign):
    @tg.custom_vjp
    def scaled(x):
        return np.sin(x)

    def bwd(x, ct):
        if np.sum(ct) > 0:  # a guard on the cotangent: the VJP program does not split
            return (ct * np.cos(x),)
        return (3.0 * ct * np.cos(x),)

    scaled.defvjp(lambda x: (np.sin(x), x), bwd)

    def f(x):
        return sign * np.sum(scaled(x) ** 2)

    x = np.abs(rand((4,), seed=15)) + 0.1
    jf = tg.jit(f)
    for y in (x, -x, x):
        np.testing.assert_allclose(tg.grad(jf)(y), tg.grad(f)(y), **tol("roundoff"))
    assert _split_of(jf) is None


def test_checkpoint_still_recomputes_in_the_backward():
    def h(x):
        return np.sum(tg.checkpoint(lambda y: np.sin(np.sin(y)))(x) ** 2)

    jh = tg.jit(h)
    x = rand((5,), seed=16)
    np.testing.assert_allclose(tg.grad(jh)(x), tg.grad(h)(x), **tol("roundoff"))
    split = _split_of(jh)
    # checkpoint keeps only its input: the backward computes sin(x) again for its rule
    assert split.fwd_program.as_text().count("sin(") == 2
    assert split.bwd_program.as_text().count("sin(") == 1


def test_transforms_of_the_pullback_equal_eager():
    # the cotangents are an outer transform's values: the backward program is one jit_call
    def f(x):
        return np.sin(x) * np.tanh(x)

    x, c = rand((4,), seed=17), rand((4,), seed=18)
    results = []
    for fun in (f, tg.jit(f)):
        pull = tg.vjp(fun, x)[1]
        results.append([tg.jvp(lambda c: pull(c)[0], (c,), (np.arange(4.0),))[1],
                        tg.grad(lambda c: np.sum(pull(c)[0] ** 2))(c),
                        tg.vmap(lambda c: pull(c)[0])(np.eye(4)),
                        tg.jacrev(lambda c: pull(c)[0])(c)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, **tol("roundoff"))


def test_fused_programs_replace_numpy_ones_compiled_in_the_background(monkeypatch, tmp_path):
    # the executor chosen automatically: the split's programs start on the NumPy executor
    # and the fused ones, compiled on jit's background thread, replace them
    pytest.importorskip("numba")
    background = pytest.importorskip("tangents.jit.background")
    monkeypatch.delenv("TANGENTS_JIT_EXECUTOR", raising=False)
    monkeypatch.delenv("TANGENTS_JIT_COMPILE", raising=False)
    monkeypatch.setenv("TANGENTS_JIT_CACHE_DIR", str(tmp_path / "kernels"))
    # slowed down: a kernel an earlier test compiled in this process loads at once, and the
    # thread could install it before the first check (flaky in the full suite)
    submit = background.submit
    monkeypatch.setattr(background, "submit", lambda name, make, install: submit(
        name, lambda: (time.sleep(0.3), make())[1], install))
    jf = tg.jit(chain)
    x = rand((5,), seed=19)
    want = tg.grad(chain)(x)
    np.testing.assert_allclose(tg.grad(jf)(x), want, **tol("roundoff"))
    split = _split_of(jf)
    assert not hasattr(split.forward, "kernels") and not hasattr(split.backward, "kernels")
    assert background.wait_compiled(120)
    # the fused executor's run lists its kernels
    assert hasattr(split.forward, "kernels") and hasattr(split.backward, "kernels")
    assert split.bwd_handle.run is split.backward
    np.testing.assert_allclose(tg.grad(jf)(x), want, **tol("roundoff"))


def test_custom_rule_closing_over_an_outer_value():
    # the user's bwd reads w, a value of an outer grad: the joint program cannot be staged,
    # and the call keeps the jitted vjp (which runs the rule eagerly), as before
    x0 = rand((3,), seed=20)

    def outer(w, jit):
        @tg.custom_vjp
        def c(x):
            return np.sin(x)

        c.defvjp(lambda x: (np.sin(x), x), lambda x, ct: (ct * np.cos(x) * w,))
        f = lambda x: np.sum(c(x) ** 2)  # noqa: E731
        return np.sum(tg.grad(tg.jit(f) if jit else f)(x0) ** 2)

    w = np.array(1.5)
    np.testing.assert_allclose(tg.grad(outer)(w, True), tg.grad(outer)(w, False),
                               **tol("roundoff"))
