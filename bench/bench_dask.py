"""Logistic-regression loss + gradient over Dask data (issue 13's figures): throughput in
rows/s of tangents over Dask, of the same gradient written by hand with dask.array, and of
tangents and hand-written NumPy over the data in the driver's memory; at 1M and 10M rows
with 1 and 2 worker processes (a LocalCluster, one thread each); the pickled size of the
gradient's graph and the driver's memory per gradient.

    python bench/bench_dask.py [--rows 1000000 10000000] [--workers 1 2] [--repeats 5]
"""
from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc

import cloudpickle
import dask
import dask.array as da
import numpy as np
import psutil
from dask.distributed import Client, LocalCluster, wait

import tangents as tg

FEATURES, CHUNK_ROWS = 10, 500_000
W = np.linspace(-1.0, 1.0, FEATURES)


def loss(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def by_hand(w, X, y):
    """The same value and gradient written with dask.array: d/dw mean(softplus(z) - y z)
    = X^T (sigmoid(z) - y) / n."""
    z = X @ w
    value = da.mean(da.logaddexp(0.0, z) - y * z)
    return value, X.T @ (1.0 / (1.0 + da.exp(-z)) - y) / X.shape[0]


def numpy_by_hand(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z), X.T @ (1.0 / (1.0 + np.exp(-z)) - y) / len(y)


def ours(w, X, y):
    return tg.value_and_grad(loss)(w, X, y)


def median_s(fn, repeats):
    fn()  # warm up (imports, worker caches)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def graph_bytes(value, grad):
    graph = {**dict(value.__dask_graph__()), **dict(grad.__dask_graph__())}
    return len(cloudpickle.dumps(graph))


def driver_memory(X, y, n=5):
    """(RSS growth per gradient over ``n`` more, peak Python allocation of one) in bytes."""
    proc = psutil.Process(os.getpid())
    dask.compute(*ours(W, X, y))
    gc.collect()
    before = proc.memory_info().rss
    for _ in range(n):
        dask.compute(*ours(W, X, y))
    gc.collect()
    growth = (proc.memory_info().rss - before) / n
    tracemalloc.start()
    dask.compute(*ours(W, X, y))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return growth, peak


def run(rows, workers, repeats, numpy_rates):
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0", memory_limit=None) as cluster, \
            Client(cluster) as client:
        rs = da.random.RandomState(0)
        X = rs.standard_normal((rows, FEATURES), chunks=(CHUNK_ROWS, FEATURES))
        y = (rs.random_sample(rows, chunks=CHUNK_ROWS) < 0.5).astype(np.float64)
        X, y = client.persist([X, y])
        wait([X, y])
        got, want = dask.compute(ours(W, X, y), by_hand(W, X, y))
        np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-15)
        t_ours = median_s(lambda: dask.compute(*ours(W, X, y)), repeats)
        t_hand = median_s(lambda: dask.compute(*by_hand(W, X, y)), repeats)
        size = graph_bytes(*ours(W, X, y))
        growth, peak = driver_memory(X, y)
        if rows not in numpy_rates:
            XN, YN = dask.compute(X, y)
            numpy_rates[rows] = (rows / median_s(lambda: ours(W, XN, YN), repeats),
                                 rows / median_s(lambda: numpy_by_hand(W, XN, YN), repeats))
            del XN, YN
    np_ours, np_hand = numpy_rates[rows]
    print(f"| {rows:,} | {X.npartitions} | {workers} | {rows / t_ours / 1e6:.1f} | "
          f"{rows / t_hand / 1e6:.1f} | {t_ours / t_hand:.2f} | {np_ours / 1e6:.1f} | "
          f"{np_hand / 1e6:.1f} | "
          f"{size / 1024:.1f} | {growth / 2**20:.2f} | {peak / 2**20:.2f} |", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[10**6, 10**7])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"\n### Logistic loss + gradient, {FEATURES} features, chunks of {CHUNK_ROWS:,} rows"
          "\n\nM rows/s; Dask on a LocalCluster (worker processes, 1 thread each), NumPy in "
          "the driver's memory (one process); graph: the pickled graph of one gradient; "
          "driver: RSS growth per gradient (over 5) and tracemalloc peak of one.\n\n"
          "| rows | chunks | workers | tangents Dask | hand dask.array | ratio | tangents NumPy | "
          "hand NumPy | graph KiB | driver MiB/grad | peak MiB |\n|---|---|---|---|---|---|"
          "---|---|---|---|---|")
    numpy_rates: dict[int, tuple[float, float]] = {}
    for rows in args.rows:
        for workers in args.workers:
            run(rows, workers, args.repeats, numpy_rates)


if __name__ == "__main__":
    main()
