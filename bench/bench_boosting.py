"""Boosting objectives (issue 14): one call (grad + hess of every sample) of
`tangents.boosting.objective(loss)` against the hand-written NumPy closed form.

    python bench/bench_boosting.py [--target-s 2] [huber] [softmax]

Rows: pseudo-Huber at 1M rows; softmax cross-entropy with K=10 classes at 100k rows, where
the Hessian diagonal is computed three ways (forward-over-reverse batched over the K unit
directions, which the objective uses; forward-over-forward along each e_k; the full per-sample
Hessian) and with and without the cache-sized row blocks.
"""
from __future__ import annotations

import argparse
from unittest import mock

import numpy as np
from common import compare

import tangents as tg
import tangents.boosting as boosting
import tangents.nn as tnn

DELTA = 1.0


def pseudo_huber(pred, label):
    return DELTA ** 2 * (np.sqrt(1 + ((pred - label) / DELTA) ** 2) - 1)


def huber(target_s, n=1_000_000):
    rng = np.random.default_rng(0)
    pred, label = rng.normal(size=n), rng.standard_t(2, n)

    def hand():
        r = pred - label
        s = 1 + (r / DELTA) ** 2
        q = np.sqrt(s)
        return r / q, 1 / (s * q)

    obj = boosting.objective(pseudo_huber)
    obj.grad_hess(pred, label)  # the one-off elementwise probe, as in the first round
    d1 = tg.elementwise_grad(lambda p: pseudo_huber(p, label))
    d2 = tg.elementwise_grad(d1)
    d1_nc = tg.elementwise_grad(lambda p: pseudo_huber(p, label), check=False)
    d2_nc = tg.elementwise_grad(d1_nc, check=False)

    def unblocked():
        with mock.patch.object(boosting, "_SCALAR_ROWS", n):
            return obj.grad_hess(pred, label)

    impls = {"numpy_hand": hand,
             "tangents boosting.objective": lambda: obj.grad_hess(pred, label),
             "  same, one block of 1M rows": unblocked,
             "elementwise_grad twice": lambda: (d1(pred), d2(pred)),
             "elementwise_grad twice, check=False": lambda: (d1_nc(pred), d2_nc(pred))}
    compare(f"pseudo-Huber grad + hess, {n:,} rows (float64)", impls, target_s=target_s,
            check=_check(hand()))


def softmax_ce(pred, label):
    return tnn.logsumexp(pred) - np.sum(np.where(np.arange(pred.shape[-1]) == label, pred, 0))


def softmax(target_s, n=100_000, k=10):
    rng = np.random.default_rng(0)
    pred, label = rng.normal(size=(n, k)), rng.integers(0, k, n).astype(float)

    def hand():
        e = np.exp(pred - pred.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        g = p.copy()
        g[np.arange(n), label.astype(int)] -= 1
        return g, p * (1 - p)

    obj = boosting.objective(softmax_ce)

    def unblocked():
        with mock.patch.object(boosting, "_VECTOR_ELEMENTS", n * k * k):
            return obj.grad_hess(pred, label)

    def fwd_fwd(p=pred, y=label):
        # second derivative along e_k by nesting two JVPs along e_k, batched over k
        def along(e):
            t = np.broadcast_to(e, p.shape)
            return tg.jvp(lambda q: tg.jvp(lambda r: tg.vmap(softmax_ce)(r, y), (q,), (t,))[1],
                          (p,), (t,))
        g, h = tg.vmap(along)(np.eye(k))
        return g.T, h.T

    def blocked(fn, rows=650):
        def run():
            g, h = np.empty((n, k)), np.empty((n, k))
            for s in range(0, n, rows):
                g[s:s + rows], h[s:s + rows] = fn(pred[s:s + rows], label[s:s + rows])
            return g, h
        return run

    def full_hessian(p, y):
        hs = tg.vmap(tg.hessian(softmax_ce))(p, y)
        return tg.vmap(tg.grad(softmax_ce))(p, y), np.diagonal(hs, axis1=1, axis2=2)

    impls = {"numpy_hand": hand,
             "tangents boosting.objective (fwd-over-rev, blocks)": lambda: obj.grad_hess(
                 pred, label),
             "  same, one block of 100k rows": unblocked,
             "fwd-over-fwd along e_k, blocks": blocked(fwd_fwd),
             "vmap(hessian) diagonal, blocks": blocked(full_hessian)}
    compare(f"softmax cross-entropy grad + diag hess, {n:,} rows x K={k} (float64)", impls,
            target_s=target_s, check=_check(hand()))


def _check(ref):
    def check(name, result):
        for a, b in zip(result, ref):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=name)
    return check


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target-s", type=float, default=2.0)
    ap.add_argument("which", nargs="*", default=["huber", "softmax"])
    a = ap.parse_args()
    for w in a.which:
        {"huber": huber, "softmax": softmax}[w](a.target_s)


if __name__ == "__main__":
    main()
