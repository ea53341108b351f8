"""Lazy (Dask) values in the optimizers: computed once per evaluation or step, in one pass.

Dask collections are recognised by their protocol (``__dask_graph__``), so this module
imports Dask only when it is given one.
"""
from __future__ import annotations

from typing import Any

from .. import tree

__all__ = ["compute", "is_lazy", "eager_grads", "persist"]


def is_lazy(x: Any) -> bool:
    """Whether ``x`` is a Dask collection (its values not computed yet)."""
    return hasattr(type(x), "__dask_graph__")


def _any_lazy(*trees: Any) -> bool:
    return any(is_lazy(x) for t in trees for x in tree.leaves(t))


def compute(*trees: Any) -> tuple[Any, ...]:
    """``trees`` with their lazy leaves computed together by one ``dask.compute`` (the
    work they share done once); trees without lazy leaves are returned as they are.

    >>> compute(1.0, {"w": 2.0})
    (1.0, {'w': 2.0})
    """
    if not _any_lazy(*trees):
        return trees
    import dask
    return tuple(dask.compute(*trees))


def eager_grads(grads: Any, *plain: Any) -> Any:
    """``grads`` computed (one pass) when they are lazy and the parameters and state
    ``plain`` are not: the optimizer's state then stays plain, so no graph grows from step
    to step.  Lazy parameters or state mean the user keeps everything lazy: unchanged."""
    if _any_lazy(*plain) or not _any_lazy(grads):
        return grads
    return compute(grads)[0]


def persist(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``args`` with their lazy leaves persisted (computed once and kept in the workers'
    memory, as ``x.persist()``), in one call; plain leaves unchanged."""
    if not _any_lazy(args):
        return args
    import dask
    return tuple(dask.persist(*args))
