"""tangents.nn against the hand-written NumPy floor: softmax + VJP along an axis, and a
small CNN training step (issue 5's figures); eager next to tg.jit under each executor.

    python bench/bench_nn.py [--target-s 2]
"""
from __future__ import annotations

import argparse

import numpy as np
from common import compare, jit_rows

import tangents as tg
import tangents.numpy as tnp


def softmax_vjp(target_s):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((256, 1000, 8))
    g = rng.standard_normal(x.shape)

    def hand():
        e = np.exp(x - x.max(axis=1, keepdims=True))
        s = e / e.sum(axis=1, keepdims=True)
        return s, s * (g - np.sum(g * s, axis=1, keepdims=True))

    def step(x, g):
        s, pull = tg.vjp(lambda x: tg.nn.softmax(x, axis=1), x)
        return s, pull(g)[0]

    ref = hand()
    compare("softmax over axis 1 of (256, 1000, 8) + VJP",
            {"numpy_hand": hand, "tangents": lambda: step(x, g),
             **jit_rows("tangents", step, x, g)},
            target_s=target_s,
            check=lambda k, r: [np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
                                for a, b in zip(r, ref)])


def _im2col(x, k):
    n, h, w, c = x.shape
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))
    return win.transpose(0, 1, 2, 4, 5, 3).reshape(n * (h - k + 1) * (w - k + 1), k * k * c)


def _col2im(cols, shape, k):
    n, h, w, c = shape
    ho, wo = h - k + 1, w - k + 1
    cols = cols.reshape(n, ho, wo, k, k, c)
    out = np.zeros(shape, cols.dtype)
    for i in range(k):
        for j in range(k):
            out[:, i:i + ho, j:j + wo, :] += cols[:, :, :, i, j, :]
    return out


def cnn_step(target_s):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((32, 28, 28, 1)).astype(np.float32)
    w1 = (rng.standard_normal((3, 3, 1, 16)) / 3).astype(np.float32)
    w2 = (rng.standard_normal((3, 3, 16, 32)) / 12).astype(np.float32)

    def hand():
        c1 = _im2col(x, 3)
        a1 = c1 @ w1.reshape(-1, 16)
        h1 = np.maximum(a1, 0).reshape(32, 26, 26, 16)
        c2 = _im2col(h1, 3)
        a2 = c2 @ w2.reshape(-1, 32)
        loss = np.maximum(a2, 0).mean()
        da2 = (a2 > 0).astype(a2.dtype) * np.float32(1.0 / a2.size)
        dw2 = (c2.T @ da2).reshape(w2.shape)
        dh1 = _col2im(da2 @ w2.reshape(-1, 32).T, h1.shape, 3)
        dw1 = (c1.T @ (dh1.reshape(-1, 16) * (a1 > 0))).reshape(w1.shape)
        return loss, dw1, dw2

    def loss(w1, w2):
        h = tg.nn.relu(tg.nn.conv2d(x, w1))
        return tnp.mean(tg.nn.relu(tg.nn.conv2d(h, w2)))

    vg = tg.value_and_grad(loss, argnums=(0, 1))
    flat = lambda w1, w2: (lambda v, g: (v, *g))(*vg(w1, w2))
    impls = {"numpy_hand": hand, "tangents": lambda: flat(w1, w2),
             **jit_rows("tangents", flat, w1, w2)}
    try:
        import torch
        tx = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
        tw1 = torch.from_numpy(w1).permute(3, 2, 0, 1).contiguous().requires_grad_(True)
        tw2 = torch.from_numpy(w2).permute(3, 2, 0, 1).contiguous().requires_grad_(True)

        def t_step():
            h = torch.relu(torch.nn.functional.conv2d(tx, tw1))
            out = torch.relu(torch.nn.functional.conv2d(h, tw2)).mean()
            g1, g2 = torch.autograd.grad(out, (tw1, tw2))
            return (out.detach().numpy(), g1.permute(2, 3, 1, 0).numpy(),
                    g2.permute(2, 3, 1, 0).numpy())
        impls["torch"] = t_step
    except ImportError:
        pass
    ref = hand()
    compare("CNN step, float32 (32,28,28,1): conv3x3x16-relu-conv3x3x32-relu-mean", impls,
            target_s=target_s,
            check=lambda k, r: [np.testing.assert_allclose(a, b, rtol=2e-3, atol=1e-6)
                                for a, b in zip(r, ref)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target-s", type=float, default=2.0)
    a = ap.parse_args()
    softmax_vjp(a.target_s)
    cnn_step(a.target_s)


if __name__ == "__main__":
    main()
