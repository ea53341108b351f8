"""Core overhead and an MLP training step: tangents (eager, and tg.jit under each executor)
against the hand-written NumPy floor, and the hot-path tricks of the core, each timed with
and without.

    python bench/bench_core.py [--target-s 2] [--tricks-only]
"""
from __future__ import annotations

import argparse
import sys
import types

import numpy as np
from common import compare, jit_rows, median_time

import tangents as tg
import tangents.numpy as tnp

N_OPS = 300


def chain(x, sin):
    for i in range(N_OPS):
        k = i % 3
        x = sin(x) if k == 0 else (x * 1.001 if k == 1 else x + 0.1)
    return x


def chain_hand(x0):
    cos, x = [], x0
    for i in range(N_OPS):
        k = i % 3
        if k == 0:
            cos.append(np.cos(x))
            x = np.sin(x)
        elif k == 1:
            x = x * 1.001
        else:
            x = x + 0.1
    g = np.ones_like(x)
    for i in reversed(range(N_OPS)):
        k = i % 3
        if k == 0:
            g = g * cos.pop()
        elif k == 1:
            g = g * 1.001
    return g


def mlp_data(dtype):
    rng = np.random.default_rng(0)
    sizes = [784, 256, 256, 10]
    p = {}
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
        p[f"W{i}"] = (rng.standard_normal((a, b)) / np.sqrt(a)).astype(dtype)
        p[f"b{i}"] = np.zeros(b, dtype)
    X = rng.standard_normal((128, 784)).astype(dtype)
    Y = np.eye(10, dtype=dtype)[rng.integers(0, 10, 128)]
    return p, X, Y


def mlp_hand(p, X, Y):
    h1 = np.tanh(X @ p["W1"] + p["b1"])
    h2 = np.tanh(h1 @ p["W2"] + p["b2"])
    z = h2 @ p["W3"] + p["b3"]
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e / e.sum(axis=1, keepdims=True)
    n = X.shape[0]
    loss = -np.sum(Y * (z - np.log(e.sum(axis=1, keepdims=True)))) / n
    dz = (s * Y.sum(axis=1, keepdims=True) - Y) / n
    g = {"W3": h2.T @ dz, "b3": dz.sum(0)}
    dh2 = (dz @ p["W3"].T) * (1 - h2 * h2)
    g["W2"], g["b2"] = h1.T @ dh2, dh2.sum(0)
    dh1 = (dh2 @ p["W2"].T) * (1 - h1 * h1)
    g["W1"], g["b1"] = X.T @ dh1, dh1.sum(0)
    return loss, g


def mlp_loss(p, X, Y):
    h = tnp.tanh(X @ p["W1"] + p["b1"])
    h = tnp.tanh(h @ p["W2"] + p["b2"])
    z = h @ p["W3"] + p["b3"]
    return -tnp.sum(Y * tg.nn.log_softmax(z, axis=1)) / X.shape[0]


def _interleaved(g, x, toggle, target_s):
    """Median microseconds of ``g(x)`` with the trick (toggle(False)) and without it
    (toggle(True)), over three interleaved rounds."""
    times = {False: [], True: []}
    for _ in range(3):
        for without in (False, True):
            toggle(without)
            try:
                times[without].append(median_time(lambda: g(x), target_s / 6))
            finally:
                toggle(False)
    return (float(np.median(times[k])) * 1e6 for k in (False, True))


def _toggles():
    """Each hot-path trick as ``toggle(without)``, which puts the plain code in its place."""
    from tangents.core import Tracer, builders, reverse
    from tangents.core import masked as masked_module
    from tangents.core.trace import Trace
    from tangents.numpy import _elementwise
    from tangents.numpy._elementwise import multiply_p as mul
    from tangents.numpy._elementwise import sin_p

    fast = reverse.VJPTrace.__dict__["process"]
    # VJPTracer's own operators with a constant (reverse._constant_operator) and its own
    # __array_ufunc__ for one argument, against Tracer's, which hand the operation to process
    operators = {name: reverse.VJPTracer.__dict__[name] for op in ("add", "sub", "mul",
                 "truediv") for name in (f"__{op}__", f"__r{op}__")}
    ufunc = {"__array_ufunc__": reverse.VJPTracer.__dict__["__array_ufunc__"]}

    def tracer_methods(methods):
        def toggle(without):
            for name, op in methods.items():
                if not without:
                    setattr(reverse.VJPTracer, name, op)
                elif name in reverse.VJPTracer.__dict__:
                    delattr(reverse.VJPTracer, name)
        return toggle

    def shared_process(without):  # every operation through Trace.process + apply
        reverse.VJPTrace.process = Trace.process if without else fast
        tracer_methods({**operators, **ufunc})(without)

    # multiply's rules multiply by the argument itself (builders._factor_rule) against the
    # product rule calling the partial ``lambda ans, x, y: y``
    factor_rules, sin_rules = mul.vjps, sin_p.vjps
    product_rules = (builders._product_rule(lambda ans, x, y: y, 2),
                     builders._product_rule(lambda ans, x, y: x, 2))

    def products(without):
        mul.vjps = mul.jvps = product_rules if without else factor_rules

    # one and two arguments passed one by one (process and backward without a loop, lists
    # or star calls; builders' rules of fixed arity) against the general loop (reverse.py's
    # len made to say 'many'; rules taking *args)
    def loops(without):
        if without:
            reverse.len = lambda args: 3  # the module's name shadows the builtin
            mul.vjps = mul.jvps = (builders._factor_rule(0), builders._factor_rule(1))
            sin_p.vjps = sin_p.jvps = (builders._product_rule(lambda ans, x: tnp.cos(x)),)
        else:
            reverse.__dict__.pop("len", None)
            mul.vjps = mul.jvps = factor_rules
            sin_p.vjps = sin_p.jvps = sin_rules

    def masked_read(without):  # masked.on stays False: the same products
        masked_module.threads = 1 if without else 0

    def bind_call(without):  # tnp's unary functions call bind (their isinstance fails)
        _elementwise.Tracer = () if without else Tracer

    return {"one-call VJPTrace.process": shared_process,
            "multiply by the argument itself": products,
            "arguments one by one": loops,
            "masked.on read only while masking": masked_read,
            "unary tnp function skips bind": bind_call,
            "operators with a constant in one call": tracer_methods(operators),
            "np.sin(x) in one call (__array_ufunc__)": tracer_methods(ufunc)}


def hot_path_tricks(target_s):
    """Each trick of the core's hot path against the plain code it replaces, in one process
    (see `_toggles`), on the gradient of the 300-op chain in both styles (a trick for one
    style has the other as a control); the in-place product of builders._product_rule
    (sys.getrefcount: the partial is a temporary; only from 256 KiB on, so at size 8 both
    sides skip it) at two sizes; and reverse.py's tracer made by object.__new__ against the
    constructor call."""
    from tangents.core import builders

    print("\n### hot-path tricks (ratio > 1: the trick saves time)\n")
    print("| trick | workload | with (us) | without (us) | without / with |\n|---|---|---|---|---|")
    plain_sys = types.SimpleNamespace(getrefcount=lambda obj: 1 << 30)  # never a temporary

    def refcount(without):
        builders.sys = plain_sys if without else sys

    for n in (8, 100_000):
        x = np.random.default_rng(5).standard_normal(n)
        g = tg.grad(lambda x: tnp.sum(chain(x, tnp.sin)))
        w, wo = _interleaved(g, x, refcount, target_s)
        print(f"| in-place product (getrefcount) | grad of the chain, shape ({n},) | {w:.0f} | "
              f"{wo:.0f} | {wo / w:.3f} |")
    for trick, toggle in _toggles().items():
        for style, sin, total in (("np", np.sin, np.sum), ("tnp", tnp.sin, tnp.sum)):
            g = tg.grad(lambda x, sin=sin, total=total: total(chain(x, sin)))
            w, wo = _interleaved(g, np.ones(8), toggle, target_s)
            print(f"| {trick} | grad of the chain ({style}-style), shape (8,) | "
                  f"{w:.0f} | {wo:.0f} | {wo / w:.3f} |")
    _new_tracer_row(target_s)


def _new_tracer_row(target_s):
    from tangents.core import reverse
    from tangents.core.primitive import new_level

    trace = reverse.VJPTrace(new_level())
    ans = np.ones(8)
    cls, new = reverse.VJPTracer, reverse._new_tracer

    def via_new():
        for i in range(1000):
            out = new(cls)
            out._trace = trace
            out._s0 = ans
            out._s1 = out._s2 = i

    def via_init():
        for i in range(1000):
            cls(trace, ans, i)

    w, wo = (median_time(f, target_s / 3) * 1e3 for f in (via_new, via_init))
    x8 = np.ones(8)
    g8 = tg.grad(lambda x: tnp.sum(chain(x, tnp.sin)))
    per_op = median_time(lambda: g8(x8), target_s / 3) / N_OPS * 1e6
    print(f"| tracer by object.__new__ | one reverse-mode tracer (per-op cost {per_op:.2f} us) "
          f"| {w:.3f} | {wo:.3f} | {wo / w:.3f} (saves {(wo - w) / per_op:.1%} of an op) |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target-s", type=float, default=2.0)
    ap.add_argument("--tricks-only", action="store_true")
    a = ap.parse_args()
    hot_path_tricks(a.target_s)
    if a.tricks_only:
        return
    x = np.random.default_rng(5).standard_normal(8)
    g_tnp = tg.grad(lambda x: tnp.sum(chain(x, tnp.sin)))
    g_np = tg.grad(lambda x: np.sum(chain(x, np.sin)))

    def check(name, r):
        np.testing.assert_allclose(r, chain_hand(x), rtol=1e-10, err_msg=name)

    med = compare("grad of a chain of 300 elementwise ops on shape (8,)",
                  {"numpy_hand": lambda: chain_hand(x), "tangents": lambda: g_tnp(x),
                   "tangents[np-style]": lambda: g_np(x), **jit_rows("tangents", g_tnp, x)},
                  target_s=a.target_s, check=check)
    print(f"\nper-op overhead: {(med['tangents'] - med['numpy_hand']) / N_OPS * 1e6:.2f} us")
    for dtype in (np.float64, np.float32):
        p, X, Y = mlp_data(dtype)
        vg = tg.value_and_grad(mlp_loss)
        ref = mlp_hand(p, X, Y)

        def check_mlp(name, r, ref=ref, dtype=dtype):
            tol = 1e-9 if dtype == np.float64 else 1e-4
            np.testing.assert_allclose(r[0], ref[0], rtol=tol)
            for k in ref[1]:
                np.testing.assert_allclose(r[1][k], ref[1][k], rtol=tol, atol=tol, err_msg=k)
                assert r[1][k].dtype == dtype

        compare(f"MLP step 784-256-256-10, batch 128 ({np.dtype(dtype).name})",
                {"numpy_hand": lambda: mlp_hand(p, X, Y), "tangents": lambda: vg(p, X, Y),
                 **jit_rows("tangents", vg, p, X, Y)},
                target_s=a.target_s, check=check_mlp)


if __name__ == "__main__":
    main()
