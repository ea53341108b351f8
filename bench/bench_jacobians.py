"""Vectorised Jacobians, Hessians and per-point derivatives (issue 4's figures).

    python bench/bench_jacobians.py [--target-s 2]

Each row is timed against the hand-written NumPy derivative in the same process; peers
(autograd, PyTorch, JAX) are added when installed.
"""
from __future__ import annotations

import argparse

import numpy as np
from common import compare

import tangents as tg
import tangents.numpy as tnp


def peers():
    out = {}
    for name in ("autograd", "torch", "jax"):
        try:
            out[name] = __import__(name)
        except Exception:
            pass
    return out


def jacobian_512(target_s):
    rng = np.random.default_rng(3)
    n = 512
    W1 = rng.standard_normal((n, n)) / np.sqrt(n)
    W2 = rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal(n)

    def hand():
        h = np.tanh(W1 @ x)
        y = np.tanh(W2 @ h)
        return ((1 - y * y)[:, None] * W2) @ ((1 - h * h)[:, None] * W1)

    jac = tg.jacrev(lambda x: tnp.tanh(W2 @ tnp.tanh(W1 @ x)))
    impls = {"numpy_hand": hand, "tangents": lambda: jac(x)}
    p = peers()
    if "jax" in p:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        jj = jax.jit(jax.jacrev(lambda x: jnp.tanh(W2 @ jnp.tanh(W1 @ x))))
        impls["jax_jit jacrev"] = lambda: jj(x).block_until_ready()
    if "torch" in p:
        import torch
        tW1, tW2, tx = (torch.from_numpy(a) for a in (W1, W2, x))
        f = lambda x: torch.tanh(tW2 @ torch.tanh(tW1 @ x))  # noqa: E731
        impls["torch jacobian(vectorize=True)"] = lambda: torch.autograd.functional.jacobian(
            f, tx, vectorize=True)
        impls["torch.func.jacrev"] = lambda: torch.func.jacrev(f)(tx)
    if "autograd" in p:
        import autograd
        import autograd.numpy as anp
        aj = autograd.jacobian(lambda x: anp.tanh(W2 @ anp.tanh(W1 @ x)))
        impls["autograd jacobian"] = lambda: aj(x)
    ref = hand()
    compare("512x512 Jacobian of tanh(W2 @ tanh(W1 @ x))", impls, target_s=target_s,
            check=lambda k, r: np.testing.assert_allclose(np.asarray(r), ref, rtol=1e-8,
                                                          atol=1e-12, err_msg=k))


def hessian_logreg(target_s):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((2000, 300)) / 10
    y = (rng.random(2000) < 0.5).astype(float)
    w = rng.standard_normal(300) / 10

    def loss(w):
        z = X @ w
        return tnp.sum(tnp.logaddexp(0.0, z) - y * z)

    def hand():
        p = 1 / (1 + np.exp(-(X @ w)))
        return X.T @ ((p * (1 - p))[:, None] * X)

    hess = tg.hessian(loss)
    impls = {"numpy_hand": hand, "tangents": lambda: hess(w)}
    p = peers()
    if "jax" in p:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        jh = jax.jit(jax.hessian(lambda w: jnp.sum(jnp.logaddexp(0.0, X @ w) - y * (X @ w))))
        impls["jax_jit hessian"] = lambda: jh(w).block_until_ready()
    if "torch" in p:
        import torch
        tX, ty, tw = (torch.from_numpy(a) for a in (X, y, w))
        tf = lambda w: torch.sum(torch.nn.functional.softplus(tX @ w) - ty * (tX @ w))  # noqa
        impls["torch.func.hessian"] = lambda: torch.func.hessian(tf)(tw)
    ref = hand()
    compare("300x300 Hessian of a logistic-regression loss, 2000 samples", impls,
            target_s=target_s,
            check=lambda k, r: np.testing.assert_allclose(np.asarray(r), ref, rtol=1e-7,
                                                          atol=1e-10, err_msg=k))


def pinn(target_s):
    rng = np.random.default_rng(6)
    sizes = [1, 50, 50, 1]
    params = [(rng.standard_normal((a, b)) / np.sqrt(a), rng.standard_normal(b) * 0.1)
              for a, b in zip(sizes[:-1], sizes[1:])]
    x = np.linspace(-2, 2, 10_000)[:, None]

    def mlp(x):
        for i, (W, b) in enumerate(params):
            x = x @ W + b
            if i < len(params) - 1:
                x = tnp.tanh(x)
        return x

    def hand():
        # forward-mode by hand: carry (value, d/dx, d2/dx2) through each layer
        h, dh, d2h = x, np.ones_like(x), np.zeros_like(x)
        for i, (W, b) in enumerate(params):
            h, dh, d2h = h @ W + b, dh @ W, d2h @ W
            if i < len(params) - 1:
                t = np.tanh(h)
                s = 1 - t * t
                h, dh, d2h = t, s * dh, s * d2h - 2 * t * s * dh * dh
        return dh, d2h

    du = tg.elementwise_grad(mlp)
    d2u = tg.elementwise_grad(du)
    du_nc = tg.elementwise_grad(mlp, check=False)
    d2u_nc = tg.elementwise_grad(du_nc, check=False)
    scalar_u = lambda xi: mlp(tnp.reshape(xi, (1, 1)))[0, 0]  # noqa: E731
    vdu = tg.vmap(tg.grad(scalar_u))
    vd2u = tg.vmap(tg.grad(tg.grad(scalar_u)))
    impls = {"numpy_hand": hand,
             "tangents elementwise_grad": lambda: (du(x), d2u(x)),
             "tangents elementwise_grad(check=False)": lambda: (du_nc(x), d2u_nc(x)),
             # du and d2u from one pass: the tangent of du along ones is d2u
             "tangents jvp(elementwise_grad)": lambda: tg.jvp(du, (x,), (np.ones_like(x),)),
             "tangents vmap(grad)": lambda: (vdu(x[:, 0])[:, None], vd2u(x[:, 0])[:, None])}
    p = peers()
    if "jax" in p:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)

        def ju(xi):
            h = jnp.reshape(xi, (1, 1))
            for i, (W, b) in enumerate(params):
                h = h @ W + b
                if i < len(params) - 1:
                    h = jnp.tanh(h)
            return h[0, 0]
        jd = jax.jit(jax.vmap(jax.grad(ju)))
        jd2 = jax.jit(jax.vmap(jax.grad(jax.grad(ju))))
        impls["jax_jit vmap(grad)"] = lambda: (jd(x[:, 0]).block_until_ready()[:, None],
                                               jd2(x[:, 0]).block_until_ready()[:, None])
    if "torch" in p:
        import torch
        tp = [(torch.from_numpy(W), torch.from_numpy(b)) for W, b in params]

        def t_run():
            tx = torch.from_numpy(x).requires_grad_(True)
            h = tx
            for i, (W, b) in enumerate(tp):
                h = h @ W + b
                if i < len(tp) - 1:
                    h = torch.tanh(h)
            d1, = torch.autograd.grad(h.sum(), tx, create_graph=True)
            d2, = torch.autograd.grad(d1.sum(), tx)
            return d1.detach().numpy(), d2.numpy()
        impls["torch autograd.grad(create_graph)"] = t_run
    if "autograd" in p:
        import autograd
        import autograd.numpy as anp

        def amlp(x):
            for i, (W, b) in enumerate(params):
                x = anp.dot(x, W) + b
                if i < len(params) - 1:
                    x = anp.tanh(x)
            return x
        ad = autograd.elementwise_grad(amlp)
        ad2 = autograd.elementwise_grad(ad)
        impls["autograd elementwise_grad x2"] = lambda: (ad(x), ad2(x))
    ref = hand()

    def check(k, r):
        for a, b in zip(r, ref):
            np.testing.assert_allclose(np.asarray(a), b, rtol=1e-7, atol=1e-9, err_msg=k)
    compare("du/dx and d2u/dx2 of a 1-50-50-1 tanh MLP at 10,000 points", impls,
            target_s=target_s, check=check)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target-s", type=float, default=2.0)
    ap.add_argument("which", nargs="*", default=["jacobian", "hessian", "pinn"])
    a = ap.parse_args()
    for w in a.which:
        {"jacobian": jacobian_512, "hessian": hessian_logreg, "pinn": pinn}[w](a.target_s)


if __name__ == "__main__":
    main()
