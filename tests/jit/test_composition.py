"""tg.jit composed with the transforms both ways (issue #12): a jitted function inside a
transform is one jit_call whose rules transform its program; custom rules and checkpoint
stay calls in the program; one program serves every call and every thread."""
import importlib
import threading

import numpy as np
import pytest
from harness import Case, check_case, rand, tol

import tangents as tg
from tangents.jit.call import jit_call_p

jit_api = importlib.import_module("tangents.jit.api")  # tangents.jit is also the function


def chain(x):
    return np.sum(np.tanh(np.sin(x) * x + 0.5) ** 2)


def mixed(x, w):
    h = np.tanh(w @ x)
    return np.sum(h * np.exp(-x[:2] ** 2)) + 0.5 * np.dot(x, x)


def pair(x):  # several outputs, one of them an integer array
    return {"s": np.sin(x) * np.cos(x), "n": np.argmax(x), "q": np.sum(x ** 3)}


CASES = [
    Case("jit(chain)", tg.jit(chain), (rand((5,)),), np_fun=chain),
    Case("jit(mixed)", tg.jit(mixed), (rand((3,), seed=1), rand((2, 3), seed=2)),
         np_fun=mixed),
    Case("jit(q of pair)", tg.jit(lambda x: pair(x)["q"] + np.sum(pair(x)["s"])),
         (rand((4,), seed=3),), np_fun=lambda x: pair(x)["q"] + np.sum(pair(x)["s"])),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_spec_table(case):
    # check_grads to order 2 (forward, reverse and both nestings), float32 and vmap
    check_case(case)


def _eager_and_jit(transform, fun, *args):
    np.testing.assert_allclose(transform(tg.jit(fun))(*args), transform(fun)(*args),
                               **tol("composed"))


@pytest.mark.parametrize("name,transform", [
    ("grad", tg.grad),
    ("hessian", tg.hessian),
    ("jacfwd", lambda f: tg.jacfwd(tg.grad(f))),
    ("jacrev", lambda f: tg.jacrev(tg.grad(f))),
    ("vmap", lambda f: tg.vmap(f)),
    ("vmap(grad)", lambda f: tg.vmap(tg.grad(f))),
    ("grad(grad) of a sum", lambda f: tg.grad(lambda x: np.sum(tg.grad(f)(x) ** 2))),
    ("jit", tg.jit),
    ("jit(grad)", lambda f: tg.jit(tg.grad(f))),
    ("jit(hessian)", lambda f: tg.jit(tg.hessian(f))),
    ("jit(grad(jit(grad)))", lambda f: tg.jit(tg.grad(lambda x: np.sum(
        tg.jit(tg.grad(f))(x) ** 2)))),
])
def test_transform_of_jit_equals_eager(name, transform):
    x = rand((5,), seed=4)
    if name.startswith("vmap"):
        x = rand((3, 5), seed=4)
    _eager_and_jit(transform, chain, x)


def test_second_order_matches_finite_differences():
    x = rand((4,), seed=5)
    tg.check_grads(tg.jit(tg.grad(tg.jit(chain))), (x,), order=2)
    inner = tg.jit(tg.grad(tg.jit(chain)))
    tg.check_grads(tg.grad(lambda x: np.sum(np.sin(inner(x)))), (x,), order=1)


def test_jit_inside_transform_is_one_jit_call():
    x = rand((5,), seed=6)
    low = tg.jit(tg.grad(tg.jit(chain))).lower(x)
    names = [e.prim.name for e in low.program.eqns]
    # the forward call is dead in a gradient program: only the compiled backward remains
    assert names == ["jit_call"], low.as_text()
    backward = low.program.eqns[0].params["program"].program
    assert "tanh(" in backward.as_text()


def test_program_reused_across_calls(monkeypatch):
    staged, ran = [], []
    real_stage = jit_api.stage

    def counting_stage(*a):
        staged.append(1)
        return real_stage(*a)

    def f(x):
        ran.append(1)
        return chain(x)

    monkeypatch.setattr(jit_api, "stage", counting_stage)
    g = tg.grad(tg.jit(f))
    x = rand((5,), seed=7)
    first = g(x)
    assert len(ran) == 1 and len(staged) == 2  # f's program, then its backward program
    second = g(x + 1.0)
    assert len(ran) == 1 and len(staged) == 2  # nothing traced again
    np.testing.assert_allclose(first, tg.grad(chain)(x), **tol("roundoff"))
    np.testing.assert_allclose(second, tg.grad(chain)(x + 1.0), **tol("roundoff"))


def _branchy(x):
    if np.sum(x) > 0:  # a guard
        return np.sum(np.sin(x) ** 2)
    return np.sum(np.cos(x) * x)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_guarded_program_under_transforms(sign):
    jf = tg.jit(_branchy)
    x = sign * (np.abs(rand((4,), seed=8)) + 0.1)
    jf(-x)  # the other branch traced first
    np.testing.assert_allclose(tg.grad(jf)(x), tg.grad(_branchy)(x), **tol("roundoff"))
    np.testing.assert_allclose(tg.hessian(jf)(x), tg.hessian(_branchy)(x), **tol("composed"))
    # under vmap no value exists to check the guard on: fun runs under vmap, as eager
    with pytest.raises(TypeError, match="truth value of a batched"):
        tg.vmap(jf)(np.stack([x, 2 * x]))


def test_outer_jit_keeps_the_inner_guards():
    g = tg.jit(tg.grad(tg.jit(_branchy)))
    x = np.abs(rand((4,), seed=9)) + 0.1
    for y in (x, -x, x + 1.0, -x - 1.0):
        np.testing.assert_allclose(g(y), tg.grad(_branchy)(y), **tol("roundoff"))


def test_custom_vjp_rule_is_kept_in_the_program():
    calls = []

    @tg.custom_vjp
    def clipped(x):
        return np.sin(x)

    def fwd(x):
        return np.sin(x), x

    def bwd(x, ct):  # deliberately not sin's derivative: an inlined sin would differ
        calls.append(1)
        return (ct * 2.0,)

    clipped.defvjp(fwd, bwd)

    def f(x):
        return np.sum(clipped(x) * x)

    jf = tg.jit(f)
    x = rand((4,), seed=10)
    assert "custom_call(" in jf.lower(x).as_text()
    want = tg.grad(f)(x)
    np.testing.assert_allclose(want, 2.0 * x + np.sin(x), **tol("roundoff"))
    calls.clear()
    np.testing.assert_allclose(tg.grad(jf)(x), want, **tol("roundoff"))
    assert calls, "the user's bwd was not called"
    np.testing.assert_allclose(tg.vmap(tg.grad(jf))(np.stack([x, -x])),
                               tg.vmap(tg.grad(f))(np.stack([x, -x])), **tol("roundoff"))
    # forward mode differentiates the function itself, as without jit
    np.testing.assert_allclose(tg.jacfwd(jf)(x), tg.jacfwd(f)(x), **tol("roundoff"))


def test_custom_jvp_rule_is_kept_in_the_program():
    @tg.custom_jvp
    def f(x):
        return np.sin(x)

    f.defjvp(lambda p, t: (np.sin(p[0]), 3.0 * t[0]))  # deliberately not cos
    x = rand((3,), seed=11)
    g = lambda x: np.sum(f(x) ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.jacfwd(tg.jit(g))(x), tg.jacfwd(g)(x), **tol("roundoff"))
    np.testing.assert_allclose(tg.grad(tg.jit(g))(x), 6.0 * np.sin(x), **tol("roundoff"))


def test_checkpoint_recompute_survives_simplification():
    def h(x):
        return np.sum(tg.checkpoint(lambda y: np.sin(np.sin(y)))(x) ** 2)

    x = rand((5,), seed=12)
    low = tg.jit(tg.grad(tg.jit(h))).lower(x)
    (call,) = [e for e in low.program.eqns if e.prim is jit_call_p]
    text = call.params["program"].program.as_text()
    # forward sin(sin(x)) plus the recomputed sin(x) of the backward (CSE would merge it)
    assert text.count("sin(") == 3, text
    np.testing.assert_allclose(tg.grad(tg.jit(h))(x), tg.grad(h)(x), **tol("roundoff"))


def test_threads_share_one_jitted_gradient():
    g = tg.grad(tg.jit(mixed))
    w = rand((2, 3), seed=13)
    xs = [rand((3,), seed=20 + k) for k in range(16)]
    results, errors = [None] * len(xs), []
    start = threading.Barrier(8)

    def work(k0):
        try:
            start.wait()
            for k in range(k0, len(xs), 8):
                for _ in range(5):
                    results[k] = g(xs[k], w)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for x, r in zip(xs, results):
        np.testing.assert_allclose(r, tg.grad(mixed)(x, w), **tol("roundoff"))


def test_static_argument_under_vmap_runs():
    # vmap passes an in_axes=None number as an array; the call runs as it did before
    jf = tg.jit(lambda x, n: np.sum(np.sin(x) ** n), static_argnums=1)
    xs = rand((2, 3), seed=30)
    got = tg.vmap(tg.grad(jf), in_axes=(0, None))(xs, 2)
    want = tg.vmap(tg.grad(lambda x, n: np.sum(np.sin(x) ** n)), in_axes=(0, None))(xs, 2)
    np.testing.assert_allclose(got, want, **tol("roundoff"))
