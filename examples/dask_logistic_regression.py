"""Logistic regression over 10^8 rows that never leave the Dask workers.

The data is generated on the workers (dask.array random, chunk by chunk), persisted there,
and fitted with tangents.optim.minimize (L-BFGS-B): each evaluation builds the loss and its
exact gradient as one lazy graph (nothing is computed inside the transform, and the graph
grows with the number of chunks, not of rows), and one ``dask.compute`` runs it on the
cluster; only the 6 parameters and the scalar loss travel to the driver.

    python examples/dask_logistic_regression.py                  # LocalCluster, 10^8 rows
    python examples/dask_logistic_regression.py --rows 1000000   # a quick run
    python examples/dask_logistic_regression.py tcp://scheduler:8786
    TANGENTS_DASK_SCHEDULER=tcp://scheduler:8786 python examples/dask_logistic_regression.py

On a real cluster the tangents code is the same: give the scheduler's address, or build the
Client in `connect` from dask-jobqueue (SLURMCluster, PBSCluster, ...) or dask-kubernetes.
"""
import argparse
import os
import time

import numpy as np

import tangents as tg

FEATURES = 5
TRUE_W, TRUE_B = np.linspace(-2.0, 2.0, FEATURES), 0.5


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scheduler", nargs="?",
                        default=os.environ.get("TANGENTS_DASK_SCHEDULER"),
                        help="address of a running Dask scheduler (default: the environment "
                             "variable TANGENTS_DASK_SCHEDULER, else a LocalCluster)")
    parser.add_argument("--rows", type=int, default=10**8)
    parser.add_argument("--chunk-rows", type=int, default=2_000_000)
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    parser.add_argument("--maxiter", type=int, default=100)
    return parser.parse_args()


def connect(scheduler, workers):
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    return Client(cluster)


def make_data(rows, chunk_rows, seed=0):
    """Features and labels drawn on the workers: the driver holds only the graph."""
    import dask.array as da

    rs = da.random.RandomState(seed)
    chunk_rows = min(chunk_rows, rows)
    X = rs.standard_normal((rows, FEATURES), chunks=(chunk_rows, FEATURES))
    p = 1.0 / (1.0 + np.exp(-(X @ TRUE_W + TRUE_B)))
    y = (rs.random_sample(rows, chunks=chunk_rows) < p).astype(np.float64)
    return X, y


def loss(params, X, y):
    logits = X @ params["w"] + params["b"]
    return tg.nn.binary_cross_entropy_with_logits(logits, y) + 1e-6 * np.sum(params["w"] ** 2)


def main():
    from dask.distributed import wait

    args = parse_args()
    client = connect(args.scheduler, args.workers)
    print(f"Dask: {client.dashboard_link or client.scheduler.address}; "
          f"{len(client.scheduler_info()['workers'])} workers; {args.rows:,} rows")
    start = time.perf_counter()
    # generated once and kept in the workers' memory: every evaluation reads it from there
    # (minimize(..., persist=True) does the same for the Dask arrays in args)
    X, y = client.persist(list(make_data(args.rows, args.chunk_rows)))
    wait([X, y])
    print(f"data generated on the workers ({time.perf_counter() - start:.1f} s)")

    def progress(intermediate_result):
        print(f"  iteration {progress.it:3d}  loss {intermediate_result.fun:.6f}  "
              f"({time.perf_counter() - start:.1f} s)", flush=True)
        progress.it += 1
    progress.it = 1

    res = tg.optim.minimize(loss, {"w": np.zeros(FEATURES), "b": np.array(0.0)},
                            args=(X, y), method="L-BFGS-B", callback=progress,
                            options={"maxiter": args.maxiter})
    w, b = res.x["w"], float(res.x["b"])
    accuracy = float(np.mean(((X @ w + b) > 0) == (y > 0.5)).compute())
    print(f"{res.message} after {res.nit} iterations, {res.nfev} evaluations "
          f"({time.perf_counter() - start:.1f} s)")
    print(f"w = {np.round(w, 3)} (true {TRUE_W}), b = {b:.3f} (true {TRUE_B})")
    print(f"training accuracy {100 * accuracy:.2f}%")
    client.close()
    assert res.success, res.message
    assert np.allclose(w, TRUE_W, atol=20 / np.sqrt(args.rows)), w  # about 10 standard errors
    assert accuracy > 0.8


if __name__ == "__main__":
    main()
