"""The NumPy executor: a staged program as generated straight-line Python calling NumPy.

Each program becomes the source of one function (one line per equation, calling the
primitive's implementation, which for elementwise primitives is the NumPy ufunc itself),
compiled once.  Guards are ``if`` lines that raise `GuardMiss` with the guard's position
and the value seen.  Elementwise intermediates are written into buffers kept between calls
(`tangents.jit.buffers`); each call takes a set of its own, so threads may run it at once.
On arrays of a few elements, independent calls of one ufunc and chains of products or sums
run as single calls on values stacked in rows of one buffer (`tangents.jit.stacking`).
"""
from __future__ import annotations

import functools
import importlib.util
import math
import operator
import os
import re

import numpy as np

from .buffers import Pool, plan
from .ir import Eqn, Var
from .stacking import small_operand, stack_small

__all__ = ["GuardMiss", "compile_program", "executor_name", "executor_forced"]


class GuardMiss(Exception):
    """Guard ``index`` of a program saw ``outcome`` instead of the traced one."""

    def __init__(self, index, outcome):
        super().__init__(index, outcome)
        self.index = index
        self.outcome = outcome


def executor_forced():
    """Whether ``TANGENTS_JIT_EXECUTOR`` names an executor (it was not chosen automatically)."""
    return bool(os.environ.get("TANGENTS_JIT_EXECUTOR", "").strip())


def executor_name():
    """The executor ``tg.jit`` uses: ``TANGENTS_JIT_EXECUTOR`` ("numpy" or "fused") when set,
    else "fused" when numba can be imported (``pip install "tangents[jit]"``), else "numpy"."""
    name = os.environ.get("TANGENTS_JIT_EXECUTOR", "").strip().lower()
    if not name:
        return "fused" if _has_numba() else "numpy"
    if name not in ("numpy", "fused"):
        raise ValueError(f"TANGENTS_JIT_EXECUTOR={name!r}: expected 'numpy' or 'fused'")
    if name == "fused" and not _has_numba():
        raise RuntimeError(
            "TANGENTS_JIT_EXECUTOR=fused: the fused executor of tg.jit needs numba; install "
            "it with pip install \"tangents[jit]\", or unset the variable")
    return name


@functools.cache
def _has_numba():
    return importlib.util.find_spec("numba") is not None


def _read_item(v, args):
    return np.asarray(v).item(*args)


def _copy(x):
    return x.copy() if type(x) is np.ndarray else x


def _same_number(got, want):
    if got == want:  # 0.0 and -0.0 differ for what Python code may do with them
        return type(got) is not float or math.copysign(1, got) == math.copysign(1, want)
    return got != got and want != want  # NaN read both times


def _same_array(got, want):
    return got.shape == want.shape and got.dtype == want.dtype and bool(
        np.array_equal(got, want, equal_nan=got.dtype.kind in "fc"))


# kind -> (how the Python value is read, how it is compared with the traced one)
_READS = {
    "bool": ("bool({v})", "{g} is not {w}"),
    "float": ("float({v})", "not _same_number({g}, {w})"),
    "int": ("int({v})", "{g} != {w}"),
    "index": ("_index({v})", "{g} != {w}"),
    "complex": ("complex({v})", "not _same_number({g}, {w})"),
    "item": ("_read_item({v}, {a})", "not _same_number({g}, {w})"),
    "tolist": ("np.asarray({v}).tolist()", "{g} != {w}"),
    "array": ("np.asarray({v})", "not _same_array({g}, {w})"),
    "shape": ("np.shape({v})", "{g} != {w}"),
}


def compile_program(program, alias_ok=(), executor=None, defer=False):
    """A Python function ``run(*inputs) -> list of outputs`` for ``program``.

    Outputs that the simplification turned into an input or into an output listed twice
    are copied, unless ``alias_ok`` (the Vars the unsimplified program returned) holds
    them: a result the caller may write into then never shares memory with an argument
    when eager's did not.  With the fused executor (``executor``, else `executor_name`), the
    elementwise parts and their reductions run as numba kernels (tangents.jit.fused), and
    ``defer`` leaves its matrix products' kernels to ``run.later`` (compile_fused)."""
    if (executor or executor_name()) == "fused":
        from .fused import compile_fused
        return compile_fused(program, alias_ok, defer)
    ns = {"np": np, "_Miss": GuardMiss, "_same_number": _same_number,
          "_same_array": _same_array, "_read_item": _read_item, "_index": operator.index,
          "_copy": _copy}
    for v, c in program.consts.items():
        ns[repr(v)] = c
    lines = [f"def run({', '.join(repr(v) for v in program.invars)}):"]
    guard = 0
    stacked = stack_small(program)  # small arrays: fewer calls on rows of one buffer
    # intermediates in buffers kept between calls
    where, views, sizes = plan(program, stacked.pinned if stacked else ())
    if views or stacked:
        ns["_pool"] = Pool(views, sizes, stacked.make if stacked else None)
        lines.append("    _b = _pool.take()")
    if stacked:
        ns.update(stacked.ns)
        where.update(stacked.into)
        lines.append(f"    _r = _b[{len(views)}]")
    for i, e in enumerate(program.body):
        if stacked:
            lines.extend("    " + line for line in stacked.before.get(i, ()))
            if i in stacked.drop:
                continue
        if type(e) is Eqn:
            lines.append("    " + _call_line(e, i, ns, where.get(i), small=True))
            if i in where and e.prim.name == "matmul":
                ns[f"_f{i}"] = np.matmul  # its impl for these operands, with out=
            continue
        read, differs = _READS[e.kind]
        ns[f"_w{guard}"], ns[f"_a{guard}"] = e.outcome, e.args
        lines.append(f"    _g = {read.format(v=e.var, a=f'_a{guard}')}")
        lines.append(f"    if {differs.format(g='_g', w=f'_w{guard}')}: raise _Miss({guard}, _g)")
        guard += 1
    for i, v in getattr(program, "writebacks", ()):
        lines.append(f"    {program.invars[i]!r}[...] = {v!r}")
    lines = _free_dead(program, lines)
    lines.append(f"    _out = [{', '.join(_outputs(program, alias_ok, ns))}]")
    if views or stacked:
        lines.append("    _pool.give(_b)")  # not on a guard's miss: the next call makes a set
    lines.append("    return _out")
    source = "\n".join(lines) + "\n"
    exec(compile(source, "<tg.jit program>", "exec"), ns)  # noqa: S102 - our generated code
    run = ns["run"]
    run.source = source
    return run


_NAME = re.compile(r"\bv\d+\b")


def _free_dead(program, lines):
    """``lines`` (the body of ``run``, before its return) with ``del`` after the last line
    that names each intermediate, so that its buffer goes back as soon as nothing reads it
    (as eager's does) rather than when ``run`` returns; inputs, constants and outputs stay."""
    keep = {repr(v) for v in program.invars} | {repr(v) for v in program.consts}
    keep |= {repr(v) for v in program.outvars if type(v) is Var}
    last = {}
    for i, line in enumerate(lines):
        for name in _NAME.findall(line):
            last[name] = i
    dead = {}
    for name, i in last.items():
        if name not in keep:
            dead.setdefault(i, []).append(name)
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if i in dead and i > 0:  # line 0 is the def line: its names are inputs
            out.append(f"    del {', '.join(sorted(dead[i]))}")
    return out


def _call_line(e, i, ns, into=None, small=False):
    """The line calling equation ``e`` (body position ``i``); with ``small``, Python numbers
    of small elementwise calls are passed as arrays (`tangents.jit.stacking.small_operand`)."""
    args = []
    for j, a in enumerate(e.ins):
        if type(a) is Var:
            args.append(repr(a))
        else:
            ns[f"_k{i}_{j}"] = small_operand(e, j) if small else a
            args.append(f"_k{i}_{j}")
    for k, p in e.params.items():
        ns[f"_p{i}_{k}"] = p
        args.append(f"{k}=_p{i}_{k}")
    if into is not None:
        args.append(f"out={into}")
    ns[f"_f{i}"] = e.prim.impl
    outs = ", ".join(repr(v) for v in e.outs)
    if e.prim.multiple_results:
        outs += ","  # unpack the list of results
    return f"{outs} = _f{i}({', '.join(args)})"


def _outputs(program, alias_ok, ns):
    names, seen = [], set()
    inputs = set(program.invars)
    for k, v in enumerate(program.outvars):
        if type(v) is not Var:
            ns[f"_o{k}"] = v
            names.append(f"_o{k}")
            continue
        copy = v in program.consts or (v in inputs or v in seen) and v not in alias_ok
        names.append(f"_copy({v!r})" if copy else repr(v))
        seen.add(v)
    return names
