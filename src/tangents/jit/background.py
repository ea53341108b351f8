"""Fused kernels compiled on a background thread while the first call of a program returns.

The first call of a jitted function in a new process would otherwise wait for numba: about
0.5 s to import it, about 1 s for its type registries on the first kernel it loads (even from
its disk cache), and seconds more to compile kernels that are not cached.  With
``TANGENTS_JIT_COMPILE=background`` (the default when the executor is chosen automatically)
the first call of a new program returns at once (its values come from tracing; the program
gets the NumPy executor), and its fused version is compiled here, on one worker thread, in
the order programs were traced; once ready it replaces the NumPy one.  The next call of the
program waits for it (tangents.jit.api), since calls made meanwhile and the compile slowed
each other several times over.  Both give eager's values within the tolerances of
docs/jit.md, so the result of the first call and the later ones may differ in the last
bits.  `wait_compiled` waits for the compiles queued so far.

A program's matrix-product kernels take longest to compile (about 1 s each, and as much
again for their threaded loop: W1's float64 step took 6.5-11 s cold with them, 1.5-2 s
without).  So the compile here installs the program with its products on ``np.matmul``
(the same values: jit/dgemm_kernels.py's kernels reproduce its bits, and float32 is within
its tolerance) when a product's kernel is not yet on disk, and then queues one more job per
such product (``run.later``) that compiles the kernel and puts it in place; the program's
calls do not wait for those.

The worker thread exists only while there is work; at interpreter exit the compiles still
queued are dropped and the one under way is waited for, so no thread outlives the process.
"""
from __future__ import annotations

import atexit
import collections
import os
import sys
import threading
import time
import warnings

__all__ = ["compile_mode", "Job", "submit", "wait_compiled"]

_MODES = ("background", "sync")
_SWITCH_S = 2e-4  # the GIL switch interval while kernels compile (see _serve)


def compile_mode(executor_forced):
    """When the fused executor compiles a new program: ``"background"`` or ``"sync"``.

    ``TANGENTS_JIT_COMPILE`` when set; else ``"sync"`` when ``TANGENTS_JIT_EXECUTOR=fused``
    asked for the fused executor by name (its first call then runs fused kernels, which is
    what a test or benchmark of them means), and ``"background"`` otherwise."""
    mode = os.environ.get("TANGENTS_JIT_COMPILE", "").strip().lower()
    if not mode:
        return "sync" if executor_forced else "background"
    if mode not in _MODES:
        raise ValueError(f"TANGENTS_JIT_COMPILE={mode!r}: expected 'background' or 'sync' "
                         "(or unset it)")
    return mode


class Job:
    """One program's fused compile: ``make()`` builds the run function, ``install(run)``
    puts it in place.  ``done`` is set when it finished, failed (``error``) or was dropped
    at exit (``dropped``)."""

    __slots__ = ("name", "make", "install", "done", "error", "dropped")

    def __init__(self, name, make, install):
        self.name, self.make, self.install = name, make, install
        self.done = threading.Event()
        self.error = None
        self.dropped = False

    def run(self):
        try:
            made = self.make()
            self.install(made)
            for step in getattr(made, "later", ()):  # its products' kernels, one job each
                submit(f"{self.name}, a matrix product", step, _done)
        except Exception as exc:  # noqa: BLE001 - kept, warned, raised by wait_compiled
            self.error = exc
            warnings.warn(
                f"tg.jit({self.name}): compiling its fused kernels failed ({type(exc).__name__}: "
                f"{exc}); it keeps running without them (on the NumPy executor, or NumPy's "
                "matmul). Set TANGENTS_JIT_COMPILE=sync to see the error where it happens, or "
                "TANGENTS_JIT_EXECUTOR=numpy to skip the fused executor.", RuntimeWarning,
                stacklevel=2)
        finally:
            self.make = self.install = None  # the program and its variant can go
            self.done.set()


def _done(_):
    """A later step installs its kernel itself (jit/kernels.py's ``bind``)."""


_lock = threading.Lock()
_queue: collections.deque[Job] = collections.deque()
_last = [None]      # the job submitted last (the queue runs in order)
_worker = [None]    # the thread serving the queue, while there is work
_stopping = [False]
_switch = [0.005, 0.005]  # the switch interval before the worker started, and while it runs


def submit(name, make, install):
    """Queue a compile; the worker thread starts when it is not running."""
    job = Job(name, make, install)
    with _lock:
        if _stopping[0]:  # at exit: nothing new starts
            job.dropped = True
            job.done.set()
            return job
        _queue.append(job)
        _last[0] = job
        if _worker[0] is None:
            # The caller's thread releases the GIL around every BLAS call and large ufunc,
            # and then waits up to the switch interval (5 ms by default) to get it back from
            # the worker.  A W1 step on the NumPy executor next to a busy Python thread took
            # 220-380 ms at 5 ms and 22-150 ms at 0.2 ms (10-80 ms alone; 2 loaded cores,
            # 2 OpenBLAS threads), so the interval is shortened while the worker runs.
            before = sys.getswitchinterval()
            sys.setswitchinterval(min(before, _SWITCH_S))
            _switch[:] = [before, sys.getswitchinterval()]  # as read back (rounded)
            _worker[0] = threading.Thread(target=_serve, name="tangents-jit-compile",
                                          daemon=True)
            _worker[0].start()
    return job


def _serve():
    while True:
        with _lock:
            if not _queue or _stopping[0]:
                for job in _queue:  # dropped at exit
                    job.dropped = True
                    job.done.set()
                _queue.clear()
                _worker[0] = None
                if sys.getswitchinterval() == _switch[1]:  # unless changed meanwhile
                    sys.setswitchinterval(_switch[0])
                return
            job = _queue.popleft()
        job.run()


def wait_compiled(timeout=None, jobs=None):
    """Wait until the background compiles queued so far (or ``jobs``) are done; True when
    they are, False when ``timeout`` seconds passed first.  Raises the first error of the
    ``jobs`` given (a failure elsewhere was warned about when it happened).

    >>> import numpy as np, tangents as tg
    >>> f = tg.jit(lambda x: np.sin(x) * 2)
    >>> _ = f(np.zeros(3))
    >>> wait_compiled()
    True
    """
    raising = jobs is not None
    end = None if timeout is None else time.monotonic() + timeout
    if jobs is None:  # the last one queued, until no job queues more (``run.later``) as it ends
        while True:
            with _lock:
                job = _last[0]
            left = None if end is None else max(0.0, end - time.monotonic())
            if job is not None and not job.done.wait(left):
                return False
            with _lock:
                if _last[0] is job:
                    return True
    for job in jobs:
        left = None if end is None else max(0.0, end - time.monotonic())
        if not job.done.wait(left):
            return False
    for job in jobs if raising else ():
        if job.error is not None:
            raise RuntimeError(f"tg.jit({job.name}): compiling its fused kernels failed"
                               ) from job.error
    return True


@atexit.register
def _stop():
    """Drop the queued compiles and wait for the one under way (a daemon thread must not be
    inside numba when the interpreter finalizes)."""
    with _lock:
        _stopping[0] = True
        worker = _worker[0]
    if worker is not None:
        worker.join()
