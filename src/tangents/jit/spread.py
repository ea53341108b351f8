"""Row blocks of a product kernel spread over numba's threads, which stay awake between calls.

jit's own pool (jit/pool.py's ``run_rows``) wakes a sleeping thread for each call, and on this
machine a sleeping CPU took about a millisecond to start: in W1's step the caller had done
every block of a product before the pool's thread began one.  OpenMP's threads wait spinning
for a while after a parallel loop (as OpenBLAS's do after a BLAS call), so products a few
hundred microseconds apart find them awake: W1's five largest float64 products took 1.2 ms
this way against 2.6 ms on one thread and 3.5 ms through the pool.

Two pools that wait spinning on the same CPUs slow each other badly: in W1's float32 step, one
threaded sgemm left among spread products made the step 8 ms instead of about 1 (each pool
waited for its thread while the other's spun).  So a program spreads its products only
when no operation left to numpy's BLAS is large enough for OpenBLAS to use its threads
(jit/patches.py's ``conv_pairs``).  BLAS calls made by the user between calls of a jitted
function, right before or after, meet the same contention for a fraction of a second.

A kernel module that is spread defines ``kernel(lo, hi, *args)`` over row blocks lo..hi and
``spread(blocks, threads, *args)`` from `spread_source`, which gives each thread one
contiguous share of the blocks.  Each entry is still computed by one thread in one order, so
the values do not depend on the number of threads.
"""
from __future__ import annotations

import os
import sys

__all__ = ["awake", "compile_spread", "run_blocks", "spread_source"]

_layer: list = []  # [pid, whether numba's threading layer keeps its threads awake]


def awake():
    """Whether kernels spread their row blocks over numba's threads.  Only numba's ``omp``
    and ``tbb`` layers are used: ``workqueue`` sleeps as the pool does, and two threads may
    not enter it at once.  A child made by ``fork`` computes on one thread: GNU OpenMP does
    not survive a fork."""
    if _layer and _layer[0] == os.getpid():
        return _layer[1]
    if _layer:  # a forked child of a process that chose a layer
        _layer[:] = [_layer[0], False]
        return False
    import numba
    ok = False
    if numba.config.NUMBA_NUM_THREADS > 1:
        try:
            _probe()
            ok = numba.threading_layer() in ("omp", "tbb")
        except Exception:  # noqa: BLE001 - no threading layer loads: one thread
            ok = False
    _layer[:] = [os.getpid(), ok]
    return ok


_PROBE = """
@numba.njit(cache=True, parallel=True, nogil=True)
def kernel(n):
    out = np.zeros(n)
    for i in numba.prange(n):
        out[i] = i
    return out
"""


def _probe():
    """Run a parallel loop (kept on disk as the kernels are), which loads numba's layer."""
    from . import kernels
    kernels.load_source(_PROBE)(4)


def spread_source(args):
    """Source of ``spread(blocks, threads, <args>)`` calling the module's ``kernel``.
    (``numba.get_num_threads()`` read inside would keep numba from caching it on disk.)"""
    return f"""

@numba.njit(cache=True, parallel=True, nogil=True)
def spread(blocks, threads, {args}):
    for i in numba.prange(threads):
        kernel(blocks * i // threads, blocks * (i + 1) // threads, {args})
"""


def compile_spread(kernel, arg_types):
    """Compile the ``spread`` next to ``kernel`` for ``arg_types`` now (not on a first call),
    when threads are used."""
    if awake():
        from numba import types
        sys.modules[kernel.__module__].spread.compile((types.intp, types.intp, *arg_types))


def run_blocks(kernel, blocks, *args, threads=True):
    """``kernel`` over row blocks 0..blocks, spread over the threads when ``threads`` and
    `awake`."""
    if threads and awake():
        import numba
        sys.modules[kernel.__module__].spread(blocks, numba.get_num_threads(), *args)
    else:
        kernel(0, blocks, *args)
