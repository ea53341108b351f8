"""Exact zeros in derivative products, paid for only where a NaN appears.

A zero (co)tangent times an infinite or NaN partial derivative contributes nothing, so the
branch a ``where`` does not take leaves no trace in any mode (docs/conventions.md).  Checking
every elementwise product for NaN would add a pass over each array on the hot path; instead a
transform computes its derivatives the fast way and, only if the result holds a NaN, computes
them again with every elementwise product masked (``0 * inf = 0``, `builders`).  Both ways
agree wherever the fast result has no NaN: a NaN, once made, reaches the result unless a
``where`` discards it, and then the masked zero is discarded too.  Side effects of the
function run twice in that case; arrays of other types (Dask) are not checked, so stay lazy.
"""
from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

import numpy as np

from .tree import leaves

__all__ = ["masked", "masking", "retry_masked", "threads"]

F = TypeVar("F", bound=Callable[..., Any])


class _Mode(threading.local):
    on = False

    def __reduce__(self) -> str:  # pickled by name: transformed functions sent to workers
        return "masked"


masked = _Mode()  # masked.on: every elementwise product masks 0 * inf / 0 * nan to 0

# How many threads are `masking`: a rule reads the thread-local flag (a slower read, once
# per product on the hot path) only while this plain module global is nonzero, so masked.on
# is set only through `masking`.
threads = 0
_threads_lock = threading.Lock()


def _count_thread(step: int) -> None:
    global threads
    with _threads_lock:
        threads += step


@contextlib.contextmanager
def masking() -> Iterator[None]:
    """Mask every elementwise product of this thread (``0 * inf = 0``) inside the block.

    >>> with masking():
    ...     print(masked.on)
    True
    >>> masked.on
    False
    """
    masked.on = True
    _count_thread(1)
    try:
        yield
    finally:
        masked.on = False
        _count_thread(-1)


def _has_nan(tree: Any) -> bool:
    for x in leaves(tree):
        t = type(x)
        if t is np.ndarray or isinstance(x, np.generic):
            kind = x.dtype.kind
            if kind == "f" and x.size:  # max is NaN exactly when an entry is: one read,
                m = x.max()             # no boolean temporary
                if m != m:
                    return True
            elif kind == "c" and np.isnan(x).any():
                return True
        elif t is float or t is complex:
            if x != x:
                return True
    return False


def retry_masked(call: F, derivatives: Callable[[Any], Any] | None = None) -> F:
    """``call`` (a transformed function), computed again with masked products when the
    derivatives it returns (``derivatives(out)``, default all of ``out``) hold a NaN.
    Results that are tracers of an outer transform are left to that transform."""
    @functools.wraps(call)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        out = call(*args, **kwargs)
        if masked.on or not _has_nan(out if derivatives is None else derivatives(out)):
            return out
        with masking():
            return call(*args, **kwargs)
    return cast(F, wrapped)
