"""The fused executor: elementwise operations and the reductions that consume them as numba loops.

A program is cut into kernels.  A kernel is a run of loop nests; each nest iterates over one
shape and computes, per element, a chain of elementwise primitives (NumPy ufuncs, ``where``,
``astype``, ``broadcast_to``) on scalars, reading its array operands with broadcasting by index
arithmetic, and accumulates the ``sum``/``amax``/``amin`` reductions that consume them.  Reshapes
that only add or drop axes of length one, and transposes, are index maps on arrays.  Everything
else (matmul, einsum, indexing, linalg) stays a NumPy call in the generated Python, as in the
NumPy executor (a convolution and its filter gradient share their columns: jit/patches.py);
such a call is moved before the open kernel when it does not read it, so the kernel keeps
growing.  Float32 stays float32 (operands and Python numbers are cast to the
operation's NumPy dtype); sums accumulate in float64 and are cast back, so they may differ from
NumPy's pairwise sums by reordering only.  Each kernel's source is written to a file named by
its hash under `cache_dir` (tangents.jit.kernels), where numba keeps the compiled code.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from . import pool
from .contract import check_weights, products_alone, shared_nest
from .executor import (
    _READS,
    GuardMiss,
    _call_line,
    _copy,
    _free_dead,
    _outputs,
    _read_item,
    _same_array,
    _same_number,
)
from .fusible import ELEMENTWISE, FLOATS, SIMD, fusion_kind
from .inplace import in_place
from .ir import Eqn, Var
from .kernel_source import KernelSource
from .kernels import cache_dir, load_kernel
from .outputs import reuse_outputs
from .patches import conv_pairs, pair_lines

__all__ = ["compile_fused", "cache_dir", "ELEMENTWISE"]

# outputs of at least this many elements are tested for NaN by the kernels that write them
# (`run(*inputs, _nan=flags)` appends each kernel's flags); jit/api.py checks the others
_SCREEN_MIN = 1 << 14


# -- partition into kernels and nests -------------------------------------------------------
class _Kernel:
    def __init__(self, number):
        self.number = number
        self.nests = []    # [shape, [(kind, eqn)]]
        self.aliases = []  # alias equations, in order


def _partition(body):
    """Items in run order: ("py", eqn or guard, position) and ("kernel", kernel); and where
    each fused Var is made: Var -> (kernel, nest, "temp" | "array")."""
    items, kernels, loc = [], [], {}
    open_k = None
    for pos, e in enumerate(body):
        kind = check_weights(e, fusion_kind(e), open_k, loc) if type(e) is Eqn else None
        if kind is None:
            reads = e.ins if type(e) is Eqn else [e.var]
            if open_k is not None and any(type(a) is Var and loc.get(a, (None,))[0] is open_k
                                          for a in reads):
                open_k = None
            if open_k is None:
                items.append(("py", e, pos))
            else:  # it does not read the open kernel: run it first
                items.insert(len(items) - 1, ("py", e, pos))
            continue
        if open_k is None:
            open_k = _Kernel(len(kernels))
            kernels.append(open_k)
            items.append(("kernel", open_k))
        k = open_k
        if kind == "alias":
            x = e.ins[0]
            where = loc.get(x)
            ready = where[1] if where is not None and where[0] is k else -1
            k.aliases.append(e)
            loc[e.outs[0]] = (k, ready, "array")
            continue
        shape = e.ins[0].shape if kind == "reduce" else e.outs[0].shape
        n = shared_nest(e, k, loc) if kind == "contract" else _place(e, shape, k, loc)
        if n is None:
            k.nests.append([shape, []])
            n = len(k.nests) - 1
        k.nests[n][1].append((kind, e))
        loc[e.outs[0]] = (k, n, "temp" if kind == "elem" else "array")
    return products_alone(items, kernels, loc, body)  # jit/contract.py


def _place(e, shape, k, loc):
    """The first nest of ``k`` over ``shape`` that runs after everything ``e`` reads, best
    one that computes its temps (so they stay scalars); None when there is none."""
    first, temps = 0, set()
    for a in e.ins:
        w = loc.get(a) if type(a) is Var else None
        if w is not None and w[0] is k:
            first = max(first, w[1] + (w[2] == "array"))  # an array is whole after its nest
            if w[2] == "temp":
                temps.add(w[1])
    fits = [n for n in range(first, len(k.nests))
            if k.nests[n][0] == shape and k.nests[n][1][0][0] != "contract"]
    best = [n for n in fits if temps <= {n}]
    return (best or fits or [None])[0]



# -- the program ------------------------------------------------------------------------------
def compile_fused(program, alias_ok=(), defer=False):
    """A Python function ``run(*inputs) -> list of outputs`` for ``program``, computing its
    elementwise parts and their reductions in numba kernels (see the module's docstring);
    ``alias_ok`` as for the NumPy executor's ``compile_program``.  With ``defer``, matrix
    products start on ``np.matmul`` and ``run.later`` lists the steps that compile their
    kernels and put them in place (jit/background.py runs them)."""
    items, kernels, loc = _partition(program.body)
    outside, materialize = _uses(program, items, kernels, loc)
    ns = {"np": np, "_Miss": GuardMiss, "run_rows": pool.run_rows, "_same_number": _same_number,
          "_same_array": _same_array, "_read_item": _read_item, "_index": operator.index,
          "_copy": _copy}
    for v, c in program.consts.items():
        ns[repr(v)] = c
    guard_no = {id(e): i for i, e in enumerate(program.guards)}
    pairs = conv_pairs(program.body)  # convolutions that share their columns (jit/patches.py)
    views = {e.outs[0] for k in kernels for e in k.aliases}
    fresh = {v for v, w in loc.items() if v not in views and (w[2] == "array" or v in materialize)}
    writes_over = in_place(program, fresh, SIMD)  # jit/inplace.py
    lines = [f"def run({', '.join(repr(v) for v in program.invars)}):"]
    kernels_used = []  # numba dispatchers; each one's source is its py_source
    later = [] if defer else None
    screen = {v for v in program.outvars if type(v) is Var and v.dtype in FLOATS
              and math.prod(v.shape) >= _SCREEN_MIN}
    flagged, fp_flagged = set(), False
    for item in items:
        if item[0] == "py":
            _, e, pos = item
            if type(e) is Eqn:
                partner, over = pairs.get(id(e)), writes_over.get(id(e))
                line = _call_line(e, pos, ns)
                lines += pair_lines(e, partner, pos, ns, later) if partner is not None else \
                    ["    " + (line if over is None else f"{line[:-1]}, out={over!r})")]
                continue
            g = guard_no[id(e)]
            read, differs = _READS[e.kind]
            ns[f"_w{g}"], ns[f"_a{g}"] = e.outcome, e.args
            lines.append(f"    _g = {read.format(v=e.var, a=f'_a{g}')}")
            lines.append(f"    if {differs.format(g='_g', w=f'_w{g}')}: raise _Miss({g}, _g)")
            continue
        k = item[1]
        src = KernelSource(k, loc, outside, materialize, screen)
        if src.rets:
            name = f"_K{k.number}"
            ns[name] = load_kernel(src, program.consts)
            kernels_used.append(ns[name])
            lines += [f"    {a}" for a in src.allocs]
            call = [_arg(v) for v in src.args] + [py for py, _ in src.outs]
            n = src.rows if src.rows is not None else 1
            if src.threaded:
                lines.append(f"    run_rows({name}, {n}, {', '.join(call)})")
            else:
                lines.append(f"    {name}(0, {n}, {', '.join(call)})")
            if src.flagged:
                lines.append(f"    if _nan is not None: _nan.append(_nf{k.number})")
                flagged.update(src.flagged)
            lines.append(f"    if _fp is not None: _fp.append(_ff{k.number})")
            fp_flagged = True
            lines += [f"    {a}" for a in src.post]
        for j, e in enumerate(k.aliases):
            if e.outs[0] in outside:
                lines.append("    " + _call_line(e, f"{k.number}a{j}", ns))
    for i, v in getattr(program, "writebacks", ()):
        lines.append(f"    {program.invars[i]!r}[...] = {v!r}")
    extra = (["_nan=None"] if flagged else []) + (["_fp=None"] if fp_flagged else [])
    if extra:
        lines[0] = f"{lines[0][:-2]}{', ' if program.invars else ''}{', '.join(extra)}):"
    lines = _free_dead(program, reuse_outputs(lines, program, ns))  # jit/outputs.py
    lines.append(f"    return [{', '.join(_outputs(program, alias_ok, ns))}]")
    source = "\n".join(lines) + "\n"
    exec(compile(source, "<tg.jit fused program>", "exec"), ns)  # noqa: S102 - generated
    run = ns["run"]
    run.source = source
    run.kernels = kernels_used
    run.later = tuple(later or ())
    run.fp_flagged = fp_flagged  # run(*inputs, _fp=flags) appends each kernel's (jit/fperrors.py)
    run.screened = frozenset(i for i, v in enumerate(program.outvars)
                             if type(v) is Var and v in flagged)
    return run


def _arg(v):
    return repr(v) if v.shape else f"{v!r}[()]"  # a 0-d value goes in as a NumPy scalar


def _uses(program, items, kernels, loc):
    """(Vars read outside the kernel that makes them, temps that must be stored)."""
    outside = {v for v in program.outvars if type(v) is Var}
    outside.update(v for _, v in getattr(program, "writebacks", ()))
    materialize = set()
    for item in items:
        if item[0] == "py":
            e = item[1]
            outside.update(a for a in (e.ins if type(e) is Eqn else [e.var]) if type(a) is Var)
            continue
        k = item[1]
        for n, (_, ops) in enumerate(k.nests):
            for _, e in ops:
                for a in e.ins:
                    w = loc.get(a) if type(a) is Var else None
                    if w is None:
                        continue
                    if w[0] is not k:
                        outside.add(a)
                    elif w[2] == "temp" and w[1] != n:
                        materialize.add(a)
        for e in k.aliases:
            w = loc.get(e.ins[0])
            if w is not None and w[0] is not k:
                outside.add(e.ins[0])
            elif w is not None and w[2] == "temp":
                materialize.add(e.ins[0])
    for k in kernels:  # an alias read outside is computed there, from its input
        for e in reversed(k.aliases):
            if e.outs[0] in outside:
                outside.add(e.ins[0])
    materialize.update(v for v, w in loc.items() if w[2] == "temp" and v in outside)
    return outside, materialize
