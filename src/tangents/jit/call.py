"""A jitted function inside a transform: one `jit_call` primitive whose rules transform its program.

``grad(jit(f))``, ``jvp``, ``vmap`` and ``jit`` of ``jit(f)`` bind ``jit_call_p`` with the
staged program (a `ProgramHandle`) as a parameter.  Its implementation runs the compiled
program; its rules are those of `eval_program`, the interpreter that binds each equation's
primitive again (so any outer trace records them): the VJP of a program is
``vjp(eval_program)``, its JVP ``jvp(eval_program)``, its batching ``vmap(eval_program)``,
each staged with `jit` once per program (and per differentiated/batched arguments), so the
backward pass runs a compiled program too, and higher orders bind ``jit_call_p`` again.
Under reverse mode on plain values the forward pass keeps residuals instead, and the VJP
runs a backward program on them (`tangents.jit.partial`): the forward runs once.

Only programs without guards become a ``jit_call``: a program with guards is evaluated
equation by equation under the transform (its guards read the primal values, and an outer
``jit`` records them as its own guards).

``custom_call_p`` keeps a `custom_vjp` / `custom_jvp` function (checkpoint included) as one
equation of a staged program: its implementation is the user's function, its rules the
user's (reverse mode runs the user's ``fwd`` and ``bwd``).
"""
from __future__ import annotations

import contextlib
import itertools
import operator
import threading

import numpy as np

from ..core import ConcreteTracer, Primitive, Tracer, bind, tree
from .executor import GuardMiss, _same_array, _same_number
from .ir import Guard, Var

__all__ = ["ProgramHandle", "CustomRule", "jit_call_p", "custom_call_p", "eval_program", "concrete",
           "rule_jitted", "bwd_epoch"]

_ids = itertools.count()
_rules_lock = threading.Lock()


class ProgramHandle:
    """A staged, simplified program without guards and its compiled ``run``: hashed by
    identity, so it is a primitive parameter that CSE and caches can key on.  ``rules``
    caches the jitted rule functions derived from it."""

    __slots__ = ("name", "program", "run", "var_pos", "inexact_out", "rules", "id")

    def __init__(self, name, program, run):
        self.name = name
        self.program = program
        self.run = run
        self.var_pos = [k for k, v in enumerate(program.outvars) if type(v) is Var]
        self.inexact_out = [j for j, k in enumerate(self.var_pos)
                            if program.outvars[k].dtype.kind in "fc"]
        self.rules = {}
        self.id = next(_ids)

    def __repr__(self):
        return f"<{self.name}#{self.id}>"

    def outputs(self, outs):
        """All the program's outputs, given the results of ``jit_call`` (its Vars')."""
        full = list(self.program.outvars)
        for k, o in zip(self.var_pos, outs):
            full[k] = o
        return full


def concrete(x):
    """``(value, exact)``: a plain array of ``x``'s shape under its tracers, and whether it
    is ``x``'s own value (False under vmap: the value of the first example stands in)."""
    if not isinstance(x, Tracer):
        return x, True
    if x._batched:
        value, _ = concrete(x._s0)
        if value.shape[x._s1] == 0:  # an empty batch: zeros of one example's shape stand in
            return np.zeros(np.delete(value.shape, x._s1), value.dtype), False
        return np.take(value, 0, axis=x._s1), False
    return concrete(x._s0)


# -- the interpreter ------------------------------------------------------------------------
def _readable(x):
    """What a guard reads: the value itself, or the tracer that records reads (staging)."""
    while isinstance(x, Tracer) and not isinstance(x, ConcreteTracer):
        if x._batched:
            raise TypeError("tg.jit: a program with guards (Python control flow on values) "
                            "cannot run on a vmapped value; this call runs eagerly instead")
        x = x._s0
    return x


def _read(kind, x, args):
    if kind in ("bool", "float", "int", "complex"):
        return {"bool": bool, "float": float, "int": int, "complex": complex}[kind](x)
    if kind == "index":
        return operator.index(x)
    if kind in ("item", "tolist"):
        y = x if isinstance(x, Tracer) else np.asarray(x)
        return y.item(*args) if kind == "item" else y.tolist()
    if kind == "array":
        return np.asarray(x)
    return np.shape(x)


def _differs(kind, got, want):
    if kind == "bool":
        return got is not want
    if kind in ("float", "complex", "item"):
        return not _same_number(got, want)
    if kind == "array":
        return not _same_array(got, want)
    return got != want


def eval_program(program, *args):
    """The outputs of ``program`` on ``args``, each equation's primitive bound again (so an
    outer transform's tracers record them); guards are read on the values and raise
    `GuardMiss` on another outcome.

    >>> import numpy as np, tangents as tg
    >>> p = tg.jit(lambda x: np.sin(x) * 2).lower(np.zeros(2)).program
    >>> eval_program(p, np.zeros(2))[0]
    array([0., 0.])
    """
    env = dict(zip(program.invars, args))
    env.update(program.consts)
    for i, e in enumerate(program.body):
        if type(e) is Guard:
            got = _read(e.kind, _readable(env[e.var]), e.args)
            if _differs(e.kind, got, e.outcome):
                raise GuardMiss(i, got)
            continue
        ins = [env[a] if type(a) is Var else a for a in e.ins]
        ans = bind(e.prim, *ins, **e.params)
        if e.prim.multiple_results:
            env.update(zip(e.outs, ans))
        else:
            env[e.outs[0]] = ans
    out = []
    for v in program.outvars:
        if type(v) is not Var:
            out.append(v)
        else:
            x = env[v]
            out.append(x.copy() if v in program.consts and type(x) is np.ndarray else x)
    return out


# -- jit_call -------------------------------------------------------------------------------
def _jit_call(*args, program):
    outs = program.run(*args)
    return [outs[k] for k in program.var_pos]


def rule_jitted(handle, spec, make):
    """The jitted rule function ``make()`` of ``handle`` for ``spec``, made once."""
    with _rules_lock:
        f = handle.rules.get(spec)
        if f is None:
            from .api import jit
            fun = make()
            fun.__qualname__ = f"{spec[0]} of {handle!r}"
            f = handle.rules[spec] = jit(fun)
        return f


def _restricted(handle, args, idx):
    """``f(*args[idx]) -> inexact outputs``: the program as a function of some arguments."""
    def f(*dyn):
        full = list(args)
        for i, d in zip(idx, dyn):
            full[i] = d
        outs = eval_program(handle.program, *full)
        return [outs[handle.var_pos[j]] for j in handle.inexact_out]
    return f


def _jit_call_forward_for_vjp(parents, primals, params):
    # on plain values: the forward program that keeps residuals (jit/partial.py), so the
    # backward does not run the forward again; under an outer transform: bind as usual
    handle = params["program"]
    if parents is None:
        ans = bind(jit_call_p, *primals, **params)
        return ans, ans
    from .partial import forward_keeping_residuals
    ans = forward_keeping_residuals(handle, parents, primals)
    if ans is None:
        ans = _jit_call(*primals, program=handle)
    return ans, ans


def _jit_call_vjp(ct, ans, args, needed, *, program):
    idx = tuple(i for i, n in enumerate(needed) if n)
    split = getattr(ans, "split", None)  # a Residuals list: run the backward program on them
    if split is not None and split.idx == idx:
        cts = split.run_backward(args, ans.values, ct)
        if cts is not None:
            out = [None] * len(args)
            for i, c in zip(idx, cts):
                out[i] = c
            return out

    def make():
        from ..core import vjp

        def backward(args, cts):
            _, pull = vjp(_restricted(program, args, idx), *[args[i] for i in idx])
            return list(pull(cts))
        return backward

    cts = rule_jitted(program, ("vjp", idx), make)(list(args),
                                                   [ct[j] for j in program.inexact_out])
    out = [None] * len(args)
    for i, c in zip(idx, cts):
        out[i] = c
    return out


def _jit_call_jvp(args, tangents, ans, *, program):
    idx = tuple(i for i, t in enumerate(tangents) if t is not None)

    def make():
        from ..core import jvp

        def forward(args, ts):
            return list(jvp(_restricted(program, args, idx), tuple(args[i] for i in idx),
                            tuple(ts))[1])
        return forward

    ts = rule_jitted(program, ("jvp", idx), make)(list(args), [tangents[i] for i in idx])
    out = [None] * len(program.var_pos)
    for j, t in zip(program.inexact_out, ts):
        out[j] = t
    return out


def _jit_call_batch(args, bdims, *, program):
    axes = tuple(bdims)

    def make():
        from ..core import vmap
        return vmap(lambda *a: eval_program(program.program, *a), in_axes=axes)

    outs = rule_jitted(program, ("batch", axes), make)(*args)
    outs = [outs[k] for k in program.var_pos]
    return outs, [0] * len(outs)


jit_call_p = Primitive("jit_call", _jit_call, multiple_results=True)
jit_call_p.forward_for_vjp = _jit_call_forward_for_vjp
jit_call_p.def_vjp(joint=_jit_call_vjp)
jit_call_p.def_jvp(joint=_jit_call_jvp)
jit_call_p.def_batch(_jit_call_batch)


# -- custom rules kept in programs -------------------------------------------------------------
class _Epoch(threading.local):
    value = 0


_epoch = _Epoch()
_epochs = itertools.count(1)


@contextlib.contextmanager
def bwd_epoch():
    """Equations staged inside are never merged with ones staged outside (a custom rule's
    backward, checkpoint's recomputation, stays as the user wrote it)."""
    old = _epoch.value
    _epoch.value = next(_epochs)
    try:
        yield
    finally:
        _epoch.value = old


def current_epoch():
    return _epoch.value


class CustomRule:
    """A `custom_vjp` / `custom_jvp` function as a parameter of ``custom_call_p`` (named
    by its function in a program's text)."""

    __slots__ = ("custom",)

    def __init__(self, custom):
        self.custom = custom

    def __repr__(self):
        return f"<{type(self.custom).__name__} {getattr(self.custom, '__qualname__', '?')}>"


def _call_custom(custom, in_tree, flat):
    return tree.flatten(custom.custom(*tree.unflatten(in_tree, flat)))[0]


def _custom_call(*flat, custom, in_tree):
    return tree.flatten(custom.custom.fun(*tree.unflatten(in_tree, flat)))[0]


class _Kept(list):
    """The outputs of a custom call under reverse mode, with the user's backward rule."""
    rule = None


def _custom_forward_for_vjp(parents, primals, params):
    out_flat, _, rule, _ = params["custom"].custom.reverse_node(list(primals), params["in_tree"])
    kept = _Kept(out_flat)  # the tape records the answer of a multiple-result primitive
    kept.rule = rule
    return kept, kept


def _custom_call_vjp(ct, ans, args, needed, *, custom, in_tree):
    with bwd_epoch():
        return ans.rule(ct, ans, args, needed)


def _custom_call_jvp(args, tangents, ans, *, custom, in_tree):
    from ..core import jvp
    dts = [np.result_type(concrete(a)[0]) for a in args]
    ts = [np.zeros(np.shape(a), dt) if t is None else t for a, t, dt in zip(args, tangents, dts)]
    idx = [i for i, dt in enumerate(dts) if dt.kind in "fc"]

    def f(*dyn):
        full = list(args)
        for i, d in zip(idx, dyn):
            full[i] = d
        return _call_custom(custom, in_tree, full)

    return list(jvp(f, tuple(args[i] for i in idx), tuple(ts[i] for i in idx))[1])


def _custom_call_batch(args, bdims, *, custom, in_tree):
    from ..core import vmap
    outs = vmap(lambda *a: _call_custom(custom, in_tree, a), in_axes=tuple(bdims))(*args)
    return outs, [0] * len(outs)


custom_call_p = Primitive("custom_call", _custom_call, multiple_results=True)
custom_call_p.forward_for_vjp = _custom_forward_for_vjp
custom_call_p.def_vjp(joint=_custom_call_vjp)
custom_call_p.def_jvp(joint=_custom_call_jvp)
custom_call_p.def_batch(_custom_call_batch)
