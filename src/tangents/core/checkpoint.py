"""checkpoint: a function whose intermediates reverse mode recomputes instead of storing.

It is a custom_vjp whose backward rule runs the function again under `vjp`.  In-place
updates inside it behave as they would without it: the caller's arrays are never written by
the forward pass or by the recomputation (the function runs on read-only views, then on
copies if it writes), and an argument the function updates in place is updated for the
caller too, with its derivative, as an extra output of the recorded node."""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import numpy as np

from . import ops
from . import tree as tree_util
from .custom import custom_vjp
from .trace import top_trace
from .tracer import Tracer

__all__ = ["checkpoint"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T", bound=Tracer)


def _clone(x: T) -> T:
    """A new tracer object standing for the same value as ``x``: an in-place update of
    the clone rebinds the clone only (and is visible by comparing it with ``x``)."""
    c = object.__new__(type(x))
    c._assign(x)
    return c


def _rebound(clone: Tracer, x: Tracer) -> bool:
    return clone.__class__ is not x.__class__ or clone._trace is not x._trace or any(
        getattr(clone, s, None) is not getattr(x, s, None) for s in ("_s0", "_s1", "_s2"))


def _guarded(flat: Sequence[Any], copy: bool) -> list[Any]:
    """What the function may update in place instead of ``flat``: tracers cloned, arrays
    as read-only views (``copy=False``, no memory) or as copies."""
    out = []
    for x in flat:
        if isinstance(x, Tracer):
            x = _clone(x)
        elif isinstance(x, np.ndarray):
            if copy:
                x = x.copy()
            else:
                x = x.view()
                x.flags.writeable = False
        out.append(x)
    return out


def _run_guarded(fun: Callable[..., Any], in_tree: tree_util.TreeDef, flat: Sequence[Any],
                 changed: list[bool]) -> tuple[Any, tuple[Any, ...]]:
    """``(fun(*args), leaves after the call)`` without writing into ``flat``; marks in
    ``changed`` the leaves the function updated in place (every array leaf when it wrote
    into one: a write of equal values still cuts the derivative, so no value test)."""
    guarded = _guarded(flat, copy=False)
    try:
        out = fun(*tree_util.unflatten(in_tree, guarded))
    except ValueError as err:
        if "read-only" not in str(err):
            raise
        guarded = _guarded(flat, copy=True)
        out = fun(*tree_util.unflatten(in_tree, guarded))
        for i, x in enumerate(flat):
            if isinstance(x, np.ndarray):
                changed[i] = True
    for i, (g, x) in enumerate(zip(guarded, flat)):
        if isinstance(x, Tracer) and _rebound(g, x):
            changed[i] = True
    return out, tuple(guarded)


def _write_back(flat: Sequence[Any], after: Sequence[Any], changed: Sequence[bool]) -> None:
    """NumPy's semantics for the caller: the arguments the function updated in place."""
    for x, new, c in zip(flat, after, changed):
        if not c:
            continue
        if isinstance(x, Tracer):
            x._become(new)
        elif isinstance(x, np.ndarray):
            x[...] = new


def checkpoint(fun: Callable[P, R]) -> Callable[P, R]:
    """``checkpoint(fun)``: the same function, but reverse mode stores only its inputs and
    recomputes its intermediates during the backward pass (trading time for memory).

    The function runs once more in the backward pass, so it should have no side effects
    other than in-place updates of its arguments (which behave as without checkpoint).

    >>> import numpy as np, tangents as tg
    >>> f = tg.checkpoint(lambda x: np.sin(np.sin(x)))
    >>> float(tg.grad(f)(0.0))
    1.0
    """
    from .transforms import vjp

    @functools.wraps(fun)
    def ckpt(*args: P.args, **kwargs: P.kwargs) -> R:
        flat, in_tree = tree_util.flatten(args)
        top = top_trace(flat)
        if top is None or not top.stores_intermediates:  # nothing is stored: run it
            return fun(*args, **kwargs)
        f: Callable[..., Any] = functools.partial(fun, **kwargs) if kwargs else fun
        changed = [False] * len(flat)

        def ext(*leaves: Any) -> tuple[Any, tuple[Any, ...]]:
            return _run_guarded(f, in_tree, leaves, changed)

        def fwd(*leaves: Any) -> tuple[Any, tuple[Any, ...]]:
            out = ext(*leaves)
            # the caller's values are updated after this call: keep them as they were
            kept = _guarded([x for x, c in zip(leaves, changed) if c], copy=True)[::-1]
            return out, tuple(kept.pop() if c else x for x, c in zip(leaves, changed))

        def bwd(leaves: Sequence[Any], ct: Any) -> tuple[Any, ...]:
            idx = [i for i, x in enumerate(leaves) if ops.dtype_of(x).kind in "fc"]

            def recompute(*dyn: Any) -> tuple[Any, tuple[Any, ...]]:
                full = _guarded(leaves, copy=True)  # constants (integers) may be written
                for i, d in zip(idx, dyn):
                    full[i] = d  # traced by this vjp: an update rebinds the tracer only
                out = f(*tree_util.unflatten(in_tree, full))
                return out, tuple(full)

            cts = dict(zip(idx, vjp(recompute, *[leaves[i] for i in idx])[1](ct)))
            return tuple(cts.get(i) for i in range(len(leaves)))

        node = custom_vjp(ext)
        node.__name__ = node.__qualname__ = getattr(fun, "__qualname__", "checkpoint")
        node.defvjp(fwd, bwd)
        out, after = node(*flat)
        _write_back(flat, after, changed)
        return out

    return ckpt
