"""The base of the interpreters: what every trace does with an operation's arguments.

A trace is one transform call's interpreter.  `bind` hands it each operation whose
highest-level tracer is its own; `Trace.process` unpacks the arguments once for every kind
of trace (its own tracers to their values, constants checked), then the subclass's `apply`
does what that interpretation does (record a tape node, push tangents, batch).  A custom
rule (`custom_vjp`, `custom_jvp`) goes to the trace's `process_custom_vjp` /
`process_custom_jvp`, so each interpretation of custom rules lives with its trace.

A new interpreter (the staging one of ``tg.jit``) is one more subclass: a tracer class
using the shared slots (``_s0`` the value seen by outer traces, ``_s1`` this trace's datum
per value) and the three methods below.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import numpy as np

from .tracer import Tracer, check_subclass

if TYPE_CHECKING:
    from .primitive import Primitive

__all__ = ["Trace", "LeakedTracerError", "inexact", "PY_SCALARS", "forwarding", "top_trace",
           "Slot", "slot", "ConcreteTracer"]

T = TypeVar("T")

PY_SCALARS = frozenset((float, int, complex, bool))


class LeakedTracerError(RuntimeError):
    """An operation met a traced value whose transform has already returned."""


class _Forwarding(threading.local):
    """How many operations reverse traces of this thread are passing on to outer transforms
    right now.

    While it is nonzero, an outer forward trace may defer the tangents it computes: the
    tape keeps every primal anyway, and the tangent of a forward value that no backward
    rule reads (the loss itself, under forward-over-reverse) is then never computed."""
    depth = 0


forwarding = _Forwarding()


class Slot(Protocol[T]):
    """A tracer subclass's own name for one of `Tracer`'s shared slots, as the type checker
    sees it: reads and writes of a ``T``.  At run time the name is the slot's member
    descriptor itself (`slot`), so reading ``x.primal`` costs what reading ``x._s0`` does."""

    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __set__(self, obj: object, value: T) -> None: ...


def slot(index: int) -> Slot[Any]:
    """The shared slot ``_s<index>`` of `Tracer`, to alias under a subclass's own name
    (``primal: Slot[Any] = slot(0)``).

    >>> slot(0) is Tracer.__dict__["_s0"]
    True
    """
    return cast("Slot[Any]", Tracer.__dict__[f"_s{index}"])


def inexact(x: Any) -> bool:
    """Whether ``x`` (array, tracer or Python number) has a floating or complex dtype."""
    dt = getattr(x, "dtype", None)
    if dt is None:
        dt = np.result_type(x)
    return dt.kind in "fc"


class Trace:
    """One transform call's interpreter; subclasses set `tracer_type` and `apply`."""

    __slots__ = ("level", "alive")
    # the tracer class of this interpretation (`process` recognises its own tracers by it)
    tracer_type: type[Tracer] = Tracer
    what = "a transform"  # named in the leaked-tracer error
    # whether values computed under this trace may be kept for a backward pass, so that
    # checkpoint is worth its recomputation (forward mode keeps nothing)
    stores_intermediates = True

    def __init__(self, level: int) -> None:
        self.level = level
        self.alive = True

    def leaked(self, name: str) -> LeakedTracerError:
        return LeakedTracerError(
            f"{name} was applied to a value traced by {self.what} that has already returned "
            "(a tracer escaped, e.g. through a global or a closure). Pass values in as "
            "arguments and return results instead.")

    def process(self, prim: Primitive, args: Sequence[Any], params: dict[str, Any]) -> Any:
        """Apply ``prim`` to ``args`` (some of them this trace's tracers)."""
        if not self.alive:
            raise self.leaked(prim.name)
        cls = self.tracer_type
        vals = []
        aux = []  # this trace's datum of each argument (None for a constant)
        scalars = nested = False  # Python numbers among them / values of outer traces
        for a in args:
            if type(a) is cls and a._trace is self:
                v = a._s0
                if type(v) is not np.ndarray and isinstance(v, Tracer):
                    nested = True
                vals.append(v)
                aux.append(a._s1)
            else:
                t = type(a)
                if t is not np.ndarray:
                    if t in PY_SCALARS:
                        scalars = True
                    elif isinstance(a, Tracer):
                        nested = True
                    elif isinstance(a, np.ndarray):
                        check_subclass(a, prim.name, "a constant operand")
                vals.append(a)
                aux.append(None)
        return self.apply(prim, vals, aux, scalars, nested, params)

    def unpack(self, flat: Iterable[Any]) -> tuple[list[Any], list[Any]]:
        """``(values, aux)`` of a flat list of leaves, as `process` sees them."""
        cls = self.tracer_type
        vals, aux = [], []
        for x in flat:
            own = type(x) is cls and x._trace is self
            vals.append(x._s0 if own else x)
            aux.append(x._s1 if own else None)
        return vals, aux

    def apply(self, prim: Primitive, vals: list[Any], aux: list[Any], scalars: bool,
              nested: bool, params: dict[str, Any]) -> Any:
        """The result of ``prim`` on unpacked arguments, as this trace's tracers."""
        raise NotImplementedError

    def process_custom_vjp(self, custom: Any, flat: list[Any], in_tree: Any) -> Any:
        """The result of a `custom_vjp` function on the leaves ``flat``."""
        raise NotImplementedError

    def process_custom_jvp(self, custom: Any, flat: list[Any], in_tree: Any) -> Any:
        """The result of a `custom_jvp` function on the leaves ``flat``."""
        raise NotImplementedError


def top_trace(leaves: Iterable[Any]) -> Trace | None:
    """The trace of the highest-level tracer among ``leaves`` (None if none is traced)."""
    top = None
    for x in leaves:
        if isinstance(x, Tracer) and (top is None or x._trace.level > top.level):
            top = x._trace
    return top


class ConcreteTracer(Tracer):
    """A tracer whose slot ``_s0`` holds the concrete value itself (the staging tracer of
    ``tg.jit``, the sparsity tracer): its shape, dtype, ndim and size are that value's.

    >>> class T(ConcreteTracer):
    ...     __slots__ = ()
    >>> t = object.__new__(T); t._s0 = np.zeros((2, 3), np.float32)
    >>> t.shape, t.dtype.name, t.ndim, t.size
    ((2, 3), 'float32', 2, 6)
    """

    __slots__ = ()

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self._s0)

    @property
    def dtype(self) -> np.dtype[Any]:
        return np.result_type(self._s0)

    @property
    def ndim(self) -> int:
        return np.ndim(self._s0)

    @property
    def size(self) -> int:
        return int(np.size(self._s0))
