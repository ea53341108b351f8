"""tg.jit's fixed costs: the per-call overhead on tiny arrays and the first call (trace,
simplify, compile) of the MLP train step, with a cold and a warm kernel cache.

    python bench/bench_jit.py [--target-s 1] [--only overhead|first] [--profile]

Every number comes from a fresh child process per executor (``TANGENTS_JIT_EXECUTOR``
numpy and fused; fused is left out when numba is missing). First calls: ``cold`` runs with
``TANGENTS_JIT_CACHE_DIR`` pointed at an empty folder, ``warm`` is a new process on the
folder the cold one filled. ``--profile`` prints the cold first call's cProfile top 25.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from common import median_time

N_OPS = 300
SIZES = (784, 256, 256, 10)  # W1 of the shared bench: MLP 784-256-256-10, batch 128
BATCH = 128


def chain(x):
    for i in range(N_OPS):
        k = i % 3
        x = np.sin(x) if k == 0 else (x * 1.001 if k == 1 else x + 0.1)
    return x


def chain_hand(x0):
    """The floor for W5: the chain's forward pass keeping cos of each sin, then backward."""
    cos, x = [], x0
    for i in range(N_OPS):
        if i % 3 == 0:
            cos.append(np.cos(x))
            x = np.sin(x)
        elif i % 3 == 1:
            x = x * 1.001
        else:
            x = x + 0.1
    g = np.ones_like(x)
    for i in reversed(range(N_OPS)):
        if i % 3 == 0:
            g = g * cos.pop()
        elif i % 3 == 1:
            g = g * 1.001
    return g


def mlp_data():
    rng = np.random.default_rng(1)
    params = {}
    for i, (m, n) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1):
        params[f"W{i}"] = rng.standard_normal((m, n)) / np.sqrt(m)
        params[f"b{i}"] = 0.1 * rng.standard_normal(n)
    X = rng.standard_normal((BATCH, SIZES[0]))
    Y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], BATCH)]
    return params, X, Y


def mlp_step(tg, tnp):
    def loss(p, X, Y):
        h = tnp.tanh(X @ p["W1"] + p["b1"])
        h = tnp.tanh(h @ p["W2"] + p["b2"])
        z = h @ p["W3"] + p["b3"]
        return -tnp.sum(Y * tg.nn.log_softmax(z, axis=1)) / X.shape[0]
    return tg.jit(tg.value_and_grad(loss, argnums=0))


# -- children: one measurement each, printed as one JSON line --------------------------------
def child_overhead(target_s):
    import tangents as tg
    x = np.linspace(0.0, 1.0, 8)
    plus = tg.jit(lambda z: z + 1)
    grad_chain = tg.jit(tg.grad(lambda z: np.sum(chain(z))))
    np.testing.assert_allclose(grad_chain(x), chain_hand(x), rtol=1e-12)
    times = {"z+1 numpy": median_time(lambda: x + 1, target_s),
             "z+1 jit": median_time(lambda: plus(x), target_s),
             "W5 numpy_hand": median_time(lambda: chain_hand(x), target_s),
             "W5 jit(grad)": median_time(lambda: grad_chain(x), target_s)}
    return {k: v * 1e6 for k, v in times.items()}


def child_first(profile):
    t0 = time.perf_counter()
    import tangents as tg
    import tangents.numpy as tnp
    t_import = time.perf_counter() - t0
    params, X, Y = mlp_data()
    step = mlp_step(tg, tnp)
    prof = None
    if profile:
        import cProfile
        prof = cProfile.Profile()
        prof.enable()
    t0 = time.perf_counter()
    step(params, X, Y)
    t_first = time.perf_counter() - t0
    if prof is not None:
        import pstats
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    t0 = time.perf_counter()
    step(params, X, Y)
    return {"import s": t_import, "first call s": t_first,
            "second call s": time.perf_counter() - t0}


def run_child(args, executor, cache, profile=False):
    env = dict(os.environ, TANGENTS_JIT_EXECUTOR=executor, TANGENTS_JIT_CACHE_DIR=cache)
    cmd = [sys.executable, __file__, "--child", *args] + (["--profile"] if profile else [])
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"bench_jit child {args} ({executor}) failed:\n{out.stderr}")
    if profile:
        print(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target-s", type=float, default=1.0)
    ap.add_argument("--only", choices=("overhead", "first"))
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        kind = a.child[0]
        res = child_overhead(float(a.child[1])) if kind == "overhead" else child_first(a.profile)
        print(json.dumps(res))
        return
    executors = ["numpy"] + (["fused"] if importlib.util.find_spec("numba") else [])
    if a.only != "first":
        print("\n### per call (us, median; each executor in its own process)\n")
        print("| executor | z+1 numpy | z+1 jit | jit overhead | W5 numpy_hand | W5 jit(grad) "
              "| W5 x floor |\n|---|---|---|---|---|---|---|")
        with tempfile.TemporaryDirectory() as cache:
            for ex in executors:
                r = run_child(["overhead", str(a.target_s)], ex, cache)
                print(f"| {ex} | {r['z+1 numpy']:.2f} | {r['z+1 jit']:.2f} | "
                      f"{r['z+1 jit'] - r['z+1 numpy']:.2f} | {r['W5 numpy_hand']:.0f} | "
                      f"{r['W5 jit(grad)']:.1f} | "
                      f"{r['W5 jit(grad)'] / r['W5 numpy_hand']:.3f} |")
    if a.only != "overhead":
        print("\n### first call of jit(value_and_grad(MLP loss)), W1 shapes (s)\n")
        print("| executor | kernel cache | import | first call | second call |\n"
              "|---|---|---|---|---|")
        for ex in executors:
            with tempfile.TemporaryDirectory() as cache:
                for state in ("cold", "warm"):
                    r = run_child(["first"], ex, cache, a.profile and state == "cold")
                    print(f"| {ex} | {state} | {r['import s']:.2f} | {r['first call s']:.3f} | "
                          f"{r['second call s']:.4f} |")


if __name__ == "__main__":
    main()
