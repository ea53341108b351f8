"""Row blocks of an elementwise kernel run on this thread and a small pool of Python threads
(the kernels release the GIL)."""
from __future__ import annotations

import itertools
import os
import threading

__all__ = ["PARALLEL_MIN", "run_rows", "threads"]

# a nest with at least this many elements runs its outer loop on the pool's threads too
PARALLEL_MIN = 1 << 16


def threads():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


_pool = []


def run_rows(kernel, n, *args):
    """``kernel`` over rows 0..n in blocks taken in turn by this thread and the pool's
    (kernels release the GIL).  The caller never waits for a thread that has not started:
    on a busy machine a woken thread may wait a time slice (milliseconds) for a CPU, so the
    caller takes every block that no thread has taken yet, and waits only for blocks that
    are running.  A queued ``work`` that a thread starts after the call returned must not
    hold the call's arrays (they would outlive it): ``job`` is emptied on return."""
    if not _pool:
        import concurrent.futures
        _pool.append(concurrent.futures.ThreadPoolExecutor(threads() - 1, "tangents-jit"))
    t = threads()
    blocks, job = 2 * t, [kernel, args]
    cut = [n * i // blocks for i in range(blocks + 1)]
    taken = itertools.count()  # next() on it is atomic under the GIL
    done, errors = threading.Semaphore(0), []

    def work():
        while (i := next(taken)) < blocks:
            try:
                job[0](cut[i], cut[i + 1], *job[1])
            except BaseException as exc:  # noqa: BLE001 - raised again by the caller
                errors.append(exc)
            done.release()

    for _ in range(t - 1):
        _pool[0].submit(work)
    work()
    for _ in range(blocks):
        done.acquire()
    job.clear()
    if errors:
        raise errors[0]

