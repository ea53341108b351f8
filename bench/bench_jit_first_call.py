"""The first call of tg.jit(value_and_grad(MLP loss)) (W1 shapes) in a new process, and where it
goes: each executor and compile mode, with a cold and a warm kernel cache.

    python bench/bench_jit_first_call.py [--repeat 3]

Every number comes from a fresh child process. ``cold``: ``TANGENTS_JIT_CACHE_DIR`` is an empty
folder; ``warm``: a new process on the folder a cold run filled. Rows:

- ``numpy``: ``TANGENTS_JIT_EXECUTOR=numpy``.
- ``fused sync``: the fused executor, ``TANGENTS_JIT_COMPILE=sync`` (the first call compiles
  or loads every kernel before it returns).
- ``fused background``: the default (both variables unset): the first call returns without
  waiting for the kernels, which compile on a thread. ``ready`` is the time from the start of
  the first call until the fused program is in place, with the step called in a loop
  (``calls``: the calls made before the kernels were ready; the second waits for them).
  Its matrix products start on ``np.matmul``; ``all kernels`` is the time until their own
  kernels are in place too (compiled after the program, jit/background.py), with the step
  still called in a loop, and ``steady call`` is the best of 20 calls after that.
- ``fused background, wait``: the same, but ``wait_compiled()`` right after the first call
  instead of the loop (the compile without a caller competing for the GIL and CPUs); it
  waits for every kernel, products included.

Columns are the minimum and the median over ``--repeat`` runs. ``--phases`` prints, for
``fused sync`` (cold and warm), the first call cut into tracing (``stage``), ``simplify``,
``import numba`` and the kernels' compile or cached load.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from bench_jit import mlp_data, mlp_step  # the W1 step (bench_jit imports no tangents)

CONFIGS = {"numpy": {"TANGENTS_JIT_EXECUTOR": "numpy"},
           "fused sync": {"TANGENTS_JIT_COMPILE": "sync"},
           "fused background": {},
           "fused background, wait": {"BENCH_WAIT": "1"}}


def mlp():
    import tangents as tg
    import tangents.numpy as tnp
    return mlp_step(tg, tnp), mlp_data()


def _fused_ready(step):
    return all(hasattr(v.run, "kernels") for e in step._cache.values() for v in e.variants)


# -- children: one measurement each, printed as one JSON line ---------------------------------
def child_first():
    t0 = time.perf_counter()
    import tangents  # noqa: F401
    t_import = time.perf_counter() - t0
    step, args = mlp()
    t0 = time.perf_counter()
    step(*args)
    t_first = time.perf_counter() - t0
    calls = 0
    fused = os.environ.get("TANGENTS_JIT_EXECUTOR") != "numpy"
    if os.environ.get("BENCH_WAIT"):
        step.wait_compiled()
    while fused and not _fused_ready(step):  # the loop a user would run meanwhile
        step(*args)
        calls += 1
    t_ready = time.perf_counter() - t0
    from tangents.jit import background
    while fused and not background.wait_compiled(0):
        step(*args)
    t_all = time.perf_counter() - t0
    best = min(_timed(step, args) for _ in range(20))
    return {"import": t_import, "first": t_first, "ready": t_ready, "all": t_all,
            "calls": calls, "steady": best, "fused": _fused_ready(step)}


def _timed(step, args):
    t0 = time.perf_counter()
    step(*args)
    return time.perf_counter() - t0


def child_phases():
    from tangents.jit import api
    times = {}

    def timed(name, fn):
        def wrapped(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                times[name] = times.get(name, 0.0) + time.perf_counter() - t0
        return wrapped

    def compile_program(*a, **k):
        t0 = time.perf_counter()
        import numba  # noqa: F401
        times["import numba"] = time.perf_counter() - t0
        return timed("kernels", orig)(*a, **k)

    orig = api.compile_program
    api.stage = timed("stage", api.stage)
    api.simplify = timed("simplify", api.simplify)
    api.compile_program = compile_program
    step, args = mlp()
    t0 = time.perf_counter()
    step(*args)
    times["first call"] = time.perf_counter() - t0
    return times


def run_child(kind, env, cache):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TANGENTS_JIT_EXECUTOR", "TANGENTS_JIT_COMPILE")} | env
    env["TANGENTS_JIT_CACHE_DIR"] = cache
    out = subprocess.run([sys.executable, __file__, "--child", kind], env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"child {kind} {env} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--phases", action="store_true")
    ap.add_argument("--only", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        print(json.dumps(child_first() if a.child == "first" else child_phases()))
        return
    rows = {}
    for _ in range(a.repeat):  # configurations interleaved, so load changes hit them alike
        for name in a.only:
            env = CONFIGS[name]
            with tempfile.TemporaryDirectory() as cache:
                for state in ("cold", "warm"):
                    rows.setdefault((name, state), []).append(run_child("first", env, cache))
    print(f"\n### first call of jit(value_and_grad(MLP loss)), W1 float64 (s; min / median of "
          f"{a.repeat}; load {os.getloadavg()[0]:.1f})\n")
    print("| executor | cache | import tangents | first call | fused ready | calls meanwhile "
          "| all kernels | steady call (ms) |\n|---|---|---|---|---|---|---|---|")
    for (name, state), rs in rows.items():
        def col(k, r=rs, scale=1.0, fmt=".3f"):
            v = sorted(x[k] * scale for x in r)
            return f"{v[0]:{fmt}} / {v[len(v) // 2]:{fmt}}"
        ready = col("ready") if name != "numpy" else "-"
        every = col("all") if name != "numpy" else "-"
        print(f"| {name} | {state} | {col('import')} | {col('first')} | {ready} | "
              f"{col('calls', fmt='.0f')} | {every} | {col('steady', scale=1e3, fmt='.2f')} |")
    if a.phases:
        print("\n### fused sync, first call by phase (s, one run each)\n")
        with tempfile.TemporaryDirectory() as cache:
            for state in ("cold", "warm"):
                r = run_child("phases", CONFIGS["fused sync"], cache)
                print(f"- {state}: " + ", ".join(f"{k} {v:.3f}" for k, v in r.items()))


if __name__ == "__main__":
    main()
