"""Timing helpers shared by the benchmarks: median of interleaved samples, ratio to the floor,
and tg.jit rows (one per executor) to set next to the eager ones."""
from __future__ import annotations

import functools
import importlib.util
import os
import time

import numpy as np


def median_time(fn, target_s=1.0, min_samples=15):
    """Median wall time of ``fn()`` in seconds (calls under 2 ms are looped in a sample)."""
    fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    inner = max(1, int(0.002 / one))
    samples = []
    deadline = time.perf_counter() + target_s
    while len(samples) < min_samples or time.perf_counter() < deadline:
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
        if len(samples) > 2000:
            break
    return float(np.median(samples))


def compare(name, impls, floor="numpy_hand", target_s=1.0, check=None):
    """Time each implementation (a dict name -> zero-arg callable) in interleaved rounds and
    print median ms and the ratio to ``floor``. ``check(name, result)`` validates outputs."""
    results = {k: f() for k, f in impls.items()}
    if check is not None:
        for k, r in results.items():
            check(k, r)
    times = {k: [] for k in impls}
    for _ in range(3):
        for k, f in impls.items():
            times[k].append(median_time(f, target_s / 3))
    med = {k: float(np.median(v)) for k, v in times.items()}
    print(f"\n### {name}\n\n| implementation | median ms | x floor |\n|---|---|---|")
    for k in impls:
        print(f"| {k} | {med[k] * 1e3:.3g} | {med[k] / med[floor]:.2f} |")
    return med


def jit_rows(name, fun, *args):
    """``{"<name>[jit numpy]": f, "<name>[jit fused]": f}``: zero-argument callables running
    ``tg.jit(fun)(*args)``, traced (and compiled) here under each executor of tg.jit (fused
    only where numba imports), so that the timings see replays only."""
    import tangents as tg
    executors = ["numpy"] + (["fused"] if importlib.util.find_spec("numba") else [])
    rows = {}
    for executor in executors:
        old = os.environ.get("TANGENTS_JIT_EXECUTOR")
        os.environ["TANGENTS_JIT_EXECUTOR"] = executor
        try:
            jitted = tg.jit(fun)
            jitted(*args)  # the variant traced now keeps this executor's compiled program
        finally:
            if old is None:
                del os.environ["TANGENTS_JIT_EXECUTOR"]
            else:
                os.environ["TANGENTS_JIT_EXECUTOR"] = old
        rows[f"{name}[jit {executor}]"] = functools.partial(jitted, *args)
    return rows
