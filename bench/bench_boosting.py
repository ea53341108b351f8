"""Boosting objectives (issue 14): one call (grad + hess of every sample) of
`tangents.boosting.objective(loss)` against the hand-written NumPy closed form.

    python bench/bench_boosting.py [--target-s 2] [--all] [huber] [softmax]

Rows: pseudo-Huber at 1M rows and softmax cross-entropy with K=10 classes at 100k rows, each
through the objective with its block pass compiled by tg.jit's fused (numba) executor, by its
NumPy executor (TANGENTS_JIT_EXECUTOR=numpy), and run eagerly (no jit, the objective before
issue 14's jit), in cache-sized row blocks and in one block of all rows. ``--all`` adds the
other ways of getting the Hessian diagonal (elementwise_grad twice; forward-over-forward
along each e_k; the full per-sample Hessian). Every implementation's result is checked
against the closed form before timing; times are medians of interleaved rounds.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
from unittest import mock

import numpy as np
from common import compare

import tangents as tg
import tangents.boosting as boosting
import tangents.nn as tnn

DELTA = 1.0
HAS_NUMBA = importlib.util.find_spec("numba") is not None


def pseudo_huber(pred, label):
    return DELTA ** 2 * (np.sqrt(1 + ((pred - label) / DELTA) ** 2) - 1)


def softmax_ce(pred, label):
    return tnn.logsumexp(pred) - np.sum(np.where(np.arange(pred.shape[-1]) == label, pred, 0))


@contextlib.contextmanager
def _executor(name):
    """TANGENTS_JIT_EXECUTOR=name while programs are compiled (it is read at compile time)."""
    old = os.environ.get("TANGENTS_JIT_EXECUTOR")
    os.environ["TANGENTS_JIT_EXECUTOR"] = name
    try:
        yield
    finally:
        if old is None:
            del os.environ["TANGENTS_JIT_EXECUTOR"]
        else:
            os.environ["TANGENTS_JIT_EXECUTOR"] = old


def objectives(loss, pred, label, one_block):
    """name -> zero-argument call of ``grad_hess``: each executor, blocks and one block. Each
    objective is called once here, so its probe runs and its programs compile (round one)."""
    ways = (["fused"] if HAS_NUMBA else []) + ["numpy", "eager"]
    impls = {}
    for way in ways:
        for blocks in (True, False):
            obj = boosting.objective(loss)
            if way == "eager":  # the block passes themselves, not staged
                obj._scalar_pass, obj._vector_pass = obj._scalar_block, obj._vector_block

            def call(obj=obj, blocks=blocks):
                with contextlib.ExitStack() as stack:
                    if not blocks:
                        stack.enter_context(one_block)
                    return obj.grad_hess(pred, label)
            with _executor(way if way != "eager" else "numpy"):
                call()
            label_ = f"objective, {way}" + ("" if way == "eager" else " executor")
            impls[label_ + (", blocks" if blocks else ", one block")] = call
    return impls


def huber(target_s, extra, n=1_000_000):
    rng = np.random.default_rng(0)
    pred, label = rng.normal(size=n), rng.standard_t(2, n)

    def hand():
        r = pred - label
        s = 1 + (r / DELTA) ** 2
        q = np.sqrt(s)
        return r / q, 1 / (s * q)

    impls = {"numpy_hand": hand}
    impls.update(objectives(pseudo_huber, pred, label,
                            mock.patch.object(boosting, "_SCALAR_ROWS", n)))
    if extra:
        d1 = tg.elementwise_grad(lambda p: pseudo_huber(p, label), check=False)
        d2 = tg.elementwise_grad(d1, check=False)
        impls["elementwise_grad twice, check=False"] = lambda: (d1(pred), d2(pred))
    return compare(f"pseudo-Huber grad + hess, {n:,} rows (float64)", impls,
                   target_s=target_s, check=_check(hand()))


def softmax(target_s, extra, n=100_000, k=10):
    rng = np.random.default_rng(0)
    pred, label = rng.normal(size=(n, k)), rng.integers(0, k, n).astype(float)

    def hand():
        e = np.exp(pred - pred.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        g = p.copy()
        g[np.arange(n), label.astype(int)] -= 1
        return g, p * (1 - p)

    impls = {"numpy_hand": hand}
    impls.update(objectives(softmax_ce, pred, label,
                            mock.patch.object(boosting, "_VECTOR_ELEMENTS", n * k * k)))
    if extra:
        impls["fwd-over-fwd along e_k, blocks (eager)"] = _blocked(_fwd_fwd, pred, label)
        impls["vmap(hessian) diagonal, blocks (eager)"] = _blocked(_full_hessian, pred, label)
    return compare(f"softmax cross-entropy grad + diag hess, {n:,} rows x K={k} (float64)",
                   impls, target_s=target_s, check=_check(hand()))


def _fwd_fwd(p, y):
    # second derivative along e_k by nesting two JVPs along e_k, batched over k
    def along(e):
        t = np.broadcast_to(e, p.shape)
        return tg.jvp(lambda q: tg.jvp(lambda r: tg.vmap(softmax_ce)(r, y), (q,), (t,))[1],
                      (p,), (t,))
    g, h = tg.vmap(along)(np.eye(p.shape[1]))
    return g.T, h.T


def _full_hessian(p, y):
    hs = tg.vmap(tg.hessian(softmax_ce))(p, y)
    return tg.vmap(tg.grad(softmax_ce))(p, y), np.diagonal(hs, axis1=1, axis2=2)


def _blocked(fn, pred, label, rows=650):
    def run():
        g, h = np.empty(pred.shape), np.empty(pred.shape)
        for s in range(0, len(pred), rows):
            g[s:s + rows], h[s:s + rows] = fn(pred[s:s + rows], label[s:s + rows])
        return g, h
    return run


def _check(ref):
    def check(name, result):
        for a, b in zip(result, ref):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=name)
    return check


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target-s", type=float, default=2.0)
    ap.add_argument("--all", action="store_true", help="also the other Hessian routes")
    ap.add_argument("which", nargs="*", default=["huber", "softmax"])
    a = ap.parse_args()
    if not HAS_NUMBA:
        print("numba is not installed: no fused-executor rows (pip install 'tangents[jit]')")
    for w in a.which:
        {"huber": huber, "softmax": softmax}[w](a.target_s, a.all)


if __name__ == "__main__":
    main()
