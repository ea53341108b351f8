"""Peak memory of one training step, eager against tg.jit (issue #12): the shared bench's W1
(MLP, float64 and float32) and W7 (CNN, float32) steps, each in its own process.

tracemalloc sees NumPy's array buffers; the step runs a few times first (tracing, kernel
compilation), then ``peak`` is the most memory in use during one step above what was in use
before it, and ``held`` what stays in use after it (buffers the program keeps between calls).

    python bench/bench_memory.py
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

STEPS = ("w1-float64", "w1-float32", "w7-float32")
MODES = ("eager", "jit-numpy", "jit-fused")


def _w1(tg, tnp, np, dtype):
    rng = np.random.default_rng(1)
    sizes = (784, 256, 256, 10)
    p = {}
    for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        p[f"W{i}"] = (rng.standard_normal((m, n)) / np.sqrt(m)).astype(dtype)
        p[f"b{i}"] = (0.1 * rng.standard_normal(n)).astype(dtype)
    X = rng.standard_normal((128, 784)).astype(dtype)
    Y = np.eye(10, dtype=dtype)[rng.integers(0, 10, 128)]

    def loss(p, X, Y):
        h = tnp.tanh(X @ p["W1"] + p["b1"])
        h = tnp.tanh(h @ p["W2"] + p["b2"])
        z = h @ p["W3"] + p["b3"]
        return -tnp.sum(Y * tg.nn.log_softmax(z, axis=1)) / X.shape[0]
    return tg.value_and_grad(loss), (p, X, Y)


def _w7(tg, tnp, np, dtype):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((32, 28, 28, 1)).astype(dtype)
    w1 = (rng.standard_normal((3, 3, 1, 16)) * np.sqrt(2 / 9)).astype(dtype)
    w2 = (rng.standard_normal((3, 3, 16, 32)) * np.sqrt(2 / 144)).astype(dtype)

    def loss(w1, w2, x):
        h = tg.nn.relu(tg.nn.conv2d(x, w1, stride=1, padding="VALID"))
        return tnp.mean(tg.nn.relu(tg.nn.conv2d(h, w2, stride=1, padding="VALID")))
    return tg.value_and_grad(loss, argnums=(0, 1)), (w1, w2, x)


def measure(step, mode):
    """``{"peak": bytes, "held": bytes}`` of one call (run in a fresh process)."""
    import tracemalloc

    import numpy as np

    import tangents as tg
    import tangents.numpy as tnp
    name, dtype = step.split("-")
    fun, args = {"w1": _w1, "w7": _w7}[name](tg, tnp, np, np.dtype(dtype))
    if mode != "eager":
        fun = tg.jit(fun)
        fun(*args)
        fun.wait_compiled()  # the fused kernels compile on a thread; measure the fused program
    for _ in range(3):
        fun(*args)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    out = fun(*args)
    current, peak = tracemalloc.get_traced_memory()
    kept = sum(a.nbytes for a in tg.tree.leaves(out))  # the result itself is not held
    tracemalloc.stop()
    return {"peak": peak - before, "held": current - before - kept}


def main():
    if len(sys.argv) == 3:
        print(json.dumps(measure(*sys.argv[1:])))
        return
    print("| step | mode | peak MiB | held between calls MiB |\n|---|---|---|---|")
    for step in STEPS:
        for mode in MODES:
            env = dict(os.environ, TANGENTS_JIT_EXECUTOR=mode.split("-")[-1])
            out = subprocess.run([sys.executable, __file__, step, mode], env=env,
                                 capture_output=True, text=True, check=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"| {step} | {mode} | {r['peak'] / 2**20:.2f} | {r['held'] / 2**20:.2f} |")


if __name__ == "__main__":
    main()
