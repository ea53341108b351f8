"""The program ``tg.jit`` stages: typed values, equations of primitives, guards, and its text.

A `Program` is straight-line code: each `Eqn` applies one primitive to variables, captured
constants and Python numbers; each `Guard` checks, on every call, that a Python value read
while tracing (a branch taken, a float, a data-dependent shape) comes out the same.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..core import Primitive

__all__ = ["Var", "Eqn", "Guard", "Program"]

_SHORT = {"float64": "f64", "float32": "f32", "float16": "f16", "int64": "i64",
          "int32": "i32", "bool": "bool", "complex128": "c128", "complex64": "c64"}


class Var:
    """One value of a program: an id, a shape and a dtype."""

    __slots__ = ("id", "shape", "dtype")

    def __init__(self, id: int, shape: Sequence[int], dtype: Any) -> None:  # noqa: A002 - the IR's own vocabulary
        self.id = id
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)

    @property
    def type_text(self) -> str:
        dt = _SHORT.get(self.dtype.name, self.dtype.name)
        return f"{dt}[{','.join(map(str, self.shape))}]"

    def __repr__(self) -> str:
        return f"v{self.id}"


class Eqn:
    """``outs = prim(*ins, **params)``; ``ins`` holds Vars, constants and Python numbers."""

    __slots__ = ("prim", "ins", "params", "outs")

    def __init__(self, prim: Primitive, ins: Iterable[Any], params: dict[str, Any],
                 outs: Iterable[Var]) -> None:
        self.prim = prim
        self.ins = list(ins)
        self.params = params
        self.outs = list(outs)


class Guard:
    """A Python value the trace read from ``var``: ``kind`` says how (bool, float, int,
    index, complex, item, array, shape); ``outcome`` is what it was; ``site`` the user's
    file:line that read it."""

    __slots__ = ("kind", "var", "outcome", "site", "args")

    def __init__(self, kind: str, var: Var, outcome: Any, site: str,
                 args: tuple[Any, ...] = ()) -> None:
        self.kind = kind
        self.var = var
        self.outcome = outcome
        self.site = site
        self.args = args


class Program:
    """Inputs, equations and guards in order, outputs; ``consts`` maps a constant's Var to
    its value."""

    # (argument number, Var of its new value) for arguments written in place: set by
    # staging and simplify on the programs they build
    writebacks: list[tuple[int, Var]]

    def __init__(self, invars: Iterable[Var], body: Iterable[Eqn | Guard],
                 outvars: Iterable[Any], consts: Mapping[Var, Any]) -> None:
        self.invars = list(invars)
        self.body = list(body)       # Eqn and Guard, in trace order
        self.outvars = list(outvars)  # Var, or a Python value returned as it is
        self.consts = dict(consts)

    @property
    def eqns(self) -> list[Eqn]:
        return [e for e in self.body if type(e) is Eqn]

    @property
    def guards(self) -> list[Guard]:
        return [e for e in self.body if type(e) is Guard]

    def as_text(self) -> str:
        """The program, one equation per line.

        >>> import numpy as np, tangents as tg
        >>> print(tg.jit(np.sin).lower(np.zeros(2)).as_text())
        program(v0: f64[2])
          v1: f64[2] = sin(v0)
          return v1
        """
        def name(x: Any) -> str:
            if type(x) is Var:
                return repr(x)
            if isinstance(x, np.ndarray):
                return f"array({_type_of(x)})"
            return repr(x)

        head = ", ".join(f"{v!r}: {v.type_text}" for v in self.invars)
        lines = [f"program({head})"]
        for v, c in self.consts.items():
            lines.append(f"  {v!r}: {v.type_text} = const {_const_text(c)}")
        for e in self.body:
            if isinstance(e, Guard):  # the body holds Eqns and Guards only
                lines.append(f"  guard {e.kind}({e.var!r}) == {_outcome_text(e)}  # {e.site}")
                continue
            outs = ", ".join(f"{v!r}: {v.type_text}" for v in e.outs)
            args = [name(a) for a in e.ins]
            args += [f"{k}={_param_text(p)}" for k, p in e.params.items()]
            lines.append(f"  {outs} = {e.prim.name}({', '.join(args)})")
        lines.append("  return " + ", ".join(name(v) for v in self.outvars))
        return "\n".join(lines)

    __str__ = as_text


def _type_of(x: Any) -> str:
    dt = np.result_type(x)
    return f"{_SHORT.get(dt.name, dt.name)}[{','.join(map(str, np.shape(x)))}]"


def _const_text(c: Any) -> str:
    if np.size(c) <= 4:
        return np.array2string(np.asarray(c), separator=",").replace("\n", "")
    return "array(...)"


def _outcome_text(g: Guard) -> str:
    if g.kind == "array":
        return f"array({_type_of(g.outcome)})"
    return repr(g.outcome)


def _param_text(p: Any) -> str:
    if isinstance(p, np.ndarray):
        return f"array({_type_of(p)})"
    if isinstance(p, np.dtype):
        return p.name
    return repr(p)
