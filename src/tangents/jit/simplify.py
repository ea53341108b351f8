"""Simplification of a staged program before it runs.

One forward pass folds constants, applies algebraic identities (``x * 1``, ``x + 0``,
reshapes and transposes of reshapes and transposes, casts and broadcasts to what a value
already is) and merges repeated equations; constants equal bit for bit are one constant (the
basis products that forward and reverse passes each compute), so the equations that read them
merge too; matrix products with a structure that transforms put there become cheaper
equations (`algebra.rewrite`: a diagonal operand, a length-one contraction, a stack of
vector products); one backward pass drops what no output and no guard reads, and
elementwise work on transposed matrices that only matrix products read runs in its operands'
layout (`layout.transposed_operands`).  Each rewrite keeps the value bit for bit, except
that ``x + 0`` gives ``x`` for ``x = -0.0`` and a diagonal product keeps a -0.0 that the
matmul's sum makes +0.0 (equal as numbers), and a stack of vector products run as one matrix
product may add in another order (roundoff).
``0 * x`` is never folded: it is NaN where ``x`` is infinite.
"""
from __future__ import annotations

import numpy as np

from .algebra import rewrite
from .ir import Eqn, Guard, Program, Var
from .layout import transposed_operands

__all__ = ["simplify", "EFFECTS"]

# primitives that are kept even when nothing reads their result (they raise on bad values)
EFFECTS = frozenset({"namespace_check"})


def simplify(program):
    """A new `Program` computing the same outputs and guards with fewer equations.

    >>> import numpy as np, tangents as tg
    >>> text = tg.jit(lambda x: np.sin(x) * 1.0 + np.sin(x)).lower(np.ones(2)).as_text()
    >>> text.count("sin(")
    1
    """
    consts = dict(program.consts)
    sub = _merge_consts(consts)  # Var -> the Var (or constant operand) that replaces it
    made_by = {}   # Var -> the Eqn that computes it (for reshape/transpose chains)
    seen = {}      # CSE key -> the outputs of the first such equation
    narrow = {"next": 1 + max([v.id for v in program.invars] + [v.id for v in consts] + [
        v.id for e in program.body if type(e) is Eqn for v in e.outs], default=-1)}
    body = []
    epochs = dict(getattr(program, "epochs", {}))  # a custom backward's equations stay its own
    memo = {}      # for the contraction rewrites (algebra.py)

    def fresh(shape, dtype):
        narrow["next"] += 1
        return Var(narrow["next"] - 1, shape, dtype)

    def put(e):
        ins = [sub.get(a, a) if type(a) is Var else a for a in e.ins]
        e = Eqn(e.prim, ins, e.params, e.outs)
        if _all_constant(ins, consts) and e.prim.name not in EFFECTS:
            _fold(e, consts)
            return
        if type(e.prim.impl) is np.ufunc and e.prim.impl.nin == 2 and not e.params:
            e = _narrow_operands(e, consts, narrow)
        same = _identity(e, consts, made_by)
        if type(same) is Var:
            sub[e.outs[0]] = same
            return
        if same is not None:
            e = same
        cheaper = rewrite(e, consts, made_by, fresh, memo)
        if cheaper is not None:
            for c in cheaper:
                if e.outs[0] in epochs:
                    epochs.update(dict.fromkeys(c.outs, epochs[e.outs[0]]))
                put(c)
            return
        key = _cse_key(e, epochs)
        if key is not None:
            first = seen.get(key)
            if first is not None:
                sub.update(zip(e.outs, first))
                return
            seen[key] = e.outs
        for v in e.outs:
            made_by[v] = e
        body.append(e)

    for e in program.body:
        if type(e) is Guard:
            v = sub.get(e.var, e.var)
            if v not in consts:  # a guard on a constant always holds
                body.append(Guard(e.kind, v, e.outcome, e.site, e.args))
            continue
        put(e)
    outvars = [sub.get(v, v) if type(v) is Var else v for v in program.outvars]
    writebacks = [(i, sub.get(v, v)) for i, v in getattr(program, "writebacks", ())]
    roots = outvars + [v for _, v in writebacks]
    body = _live(transposed_operands(_live(body, roots), consts, roots, fresh), roots)
    used = {a for e in body for a in (e.ins if type(e) is Eqn else [e.var])}
    used.update(v for v in outvars if type(v) is Var)
    used.update(v for _, v in writebacks)
    out = Program(program.invars, body, outvars,
                  {v: c for v, c in consts.items() if v in used})
    out.writebacks = writebacks
    out.epochs = epochs
    return out


def _merge_consts(consts):
    """{duplicate: its first twin} for the array constants equal bit for bit (shape, dtype
    and bytes, so -0.0 and NaN payloads count); the twin becomes a private copy, since a
    captured array may be written into after tracing and the twins are then no longer one."""
    groups = {}
    for v, c in consts.items():
        if type(c) is np.ndarray and c.size > 1:
            groups.setdefault((c.shape, c.dtype), []).append(v)
    sub = {}
    for vs in groups.values():
        if len(vs) < 2:
            continue
        first = {}
        for v in vs:
            c = consts[v]
            twin = first.setdefault(np.ascontiguousarray(c).tobytes(), v)
            if twin is not v:
                sub[v] = twin
                consts[twin] = np.array(consts[twin], copy=True)
    for v in sub:
        del consts[v]
    return sub


def _narrow_operands(e, consts, narrow):
    """``e`` reading, for each array constant it broadcasts, the smallest slice of it that
    broadcasts to the same result (the basis and cotangent constants that transforms
    broadcast to a full shape: a 1/n times a mask, a weight row per example)."""
    ins = list(e.ins)
    for j, a in enumerate(ins):
        if type(a) is not Var or a not in consts:
            continue
        if a not in narrow:
            c = _narrowest(consts[a])
            narrow[a] = None
            if c is not None:
                narrow[a] = Var(narrow["next"], c.shape, c.dtype)
                narrow["next"] += 1
                consts[narrow[a]] = c
        small = narrow[a]
        others = [np.shape(b) if type(b) is not Var else b.shape for b in ins[:j] + ins[j + 1:]]
        if small is not None and np.broadcast_shapes(small.shape, *others) == e.outs[0].shape:
            ins[j] = small
    return e if ins == e.ins else Eqn(e.prim, ins, e.params, e.outs)


def _narrowest(c):
    """The slice of ``c`` (length one along each axis whose slices are equal bit for bit)
    that broadcasts back to ``c``, or None when that is ``c`` itself."""
    if type(c) is not np.ndarray or c.size < 2 or c.dtype.kind not in "biuf" or \
            c.dtype.itemsize not in (1, 2, 4, 8):
        return None
    bits = c.view(f"u{c.dtype.itemsize}")
    for ax in range(c.ndim):
        first = bits[(slice(None),) * ax + (slice(0, 1),)]
        if bits.shape[ax] > 1 and np.array_equal(bits, np.broadcast_to(first, bits.shape)):
            bits = first
    return None if bits.shape == c.shape else np.ascontiguousarray(bits).view(c.dtype)


def _all_constant(ins, consts):
    return all(type(a) is not Var or a in consts for a in ins)


def _fold(e, consts):
    vals = [consts[a] if type(a) is Var else a for a in e.ins]
    ans = e.prim.impl(*vals, **e.params)
    for v, a in zip(e.outs, ans if e.prim.multiple_results else [ans]):
        consts[v] = a


def _constant_value(a, consts):
    if type(a) is Var:
        return consts.get(a)
    return a if type(a) in (int, float, complex) else None


def _is(a, consts, value):
    c = _constant_value(a, consts)
    if c is None:
        return False
    c = np.asarray(c)
    return c.dtype.kind in "iufc" and bool(np.all(c == value))


def _fits(x, out):
    return type(x) is Var and x.shape == out.shape and x.dtype == out.dtype


def _identity(e, consts, made_by):
    """The Var equal to ``e``'s result, a cheaper equation, or None."""
    name, ins, out = e.prim.name, e.ins, e.outs[0]
    if name in ("multiply", "add", "subtract", "divide", "true_divide") and len(ins) == 2:
        x, y = ins
        unit = 1 if name in ("multiply", "divide", "true_divide") else 0
        if _is(y, consts, unit) and _fits(x, out):
            return x  # x * 1, x / 1, x + 0, x - 0
        if name in ("multiply", "add") and _is(x, consts, unit) and _fits(y, out):
            return y  # 1 * y, 0 + y
        return None
    if name == "power" and _is(ins[1], consts, 1) and _fits(ins[0], out):
        return ins[0]  # x ** 1 (NaN and inf too)
    if len(ins) != 1 or type(ins[0]) is not Var:
        return None
    x = ins[0]
    if name in ("reshape", "broadcast_to") and _fits(x, out):
        return x
    if name == "astype" and _fits(x, out) and not e.params.get("copy", False):
        return x
    inner = made_by.get(x)
    if name == "reshape" and inner is not None and inner.prim is e.prim:
        if _fits(inner.ins[0], out):
            return inner.ins[0]  # a reshape and its inverse
        return Eqn(e.prim, inner.ins, {**e.params, "shape": out.shape}, e.outs)
    if name == "transpose":
        axes = _axes(e.params.get("axes"), len(x.shape))
        if inner is not None and inner.prim is e.prim:
            first = _axes(inner.params.get("axes"), len(x.shape))
            axes = tuple(first[a] for a in axes)  # transpose(transpose(z, p), q) = z[p[q]]
            if axes == tuple(range(len(axes))):
                return inner.ins[0]
            return Eqn(e.prim, inner.ins, {**e.params, "axes": axes}, e.outs)
        if axes == tuple(range(len(axes))):
            return x
    return None


def _axes(axes, ndim):
    return tuple(range(ndim))[::-1] if axes is None else tuple(a % ndim for a in axes)


def _freeze(p):
    t = type(p)
    if t is np.ndarray:
        return ("array", id(p))
    if t is dict:
        return tuple(sorted((k, _freeze(v)) for k, v in p.items()))
    if t is tuple or t is list:
        return (t.__name__,) + tuple(_freeze(v) for v in p)
    if t is slice:
        return ("slice", _freeze(p.start), _freeze(p.stop), _freeze(p.step))
    hash(p)  # unhashable: no merging (TypeError)
    return (t, p)


def _cse_key(e, epochs):
    try:
        ins = tuple(("v", a.id) if type(a) is Var else _freeze(a) for a in e.ins)
        return (e.prim, ins, _freeze(e.params), epochs.get(e.outs[0]) if e.outs else None)
    except TypeError:
        return None


def _live(body, roots):
    live = {v for v in roots if type(v) is Var}
    kept = []
    for e in reversed(body):
        if type(e) is Guard:
            live.add(e.var)
            kept.append(e)
        elif e.prim.name in EFFECTS or any(v in live for v in e.outs):
            live.update(a for a in e.ins if type(a) is Var)
            kept.append(e)
    return kept[::-1]
