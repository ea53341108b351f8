"""Contraction rewrites of the simplifier: matrix products that cost less in another form.

Transforms put structure into programs that a plain matmul does not see.  `jacrev` and
`jacfwd` push an identity basis through the function, so a reverse pass multiplies a
diagonal matrix ``eye * d`` by a weight: an ``n**3`` product where ``d[:, None] * W``
(``n**2``) gives the same numbers.  Batching a vector-matrix product makes a stack of
``(1, k) @ (k, n)`` products, one BLAS call per row, where one ``(b, k) @ (k, n)`` product
does.  A product over a length-one axis is an outer product, an elementwise multiply.

`rewrite` returns the cheaper equations for one matmul equation, or None.
"""
from __future__ import annotations

import numpy as np

from ..core import Primitive, registry
from .ir import Eqn, Program, Var

__all__ = ["rewrite", "diagonal_matmul_p", "DiagonalForm"]

_MAX_CHAIN = 12  # equations followed back from a matmul operand to its diagonal source


def rewrite(e, consts, made_by, fresh, memo):
    """Cheaper equations computing ``e`` (a matmul), or None.  ``made_by`` maps a Var to the
    equation that made it, ``fresh(shape, dtype)`` makes a new Var, ``memo`` is a dict kept
    for one program."""
    if e.prim.name != "matmul" or e.params or len(e.ins) != 2:
        return None
    x, y = e.ins
    if type(x) is not Var or type(y) is not Var or x.dtype.kind != "f" or y.dtype.kind != "f":
        return None
    return (_diagonal(e, consts, made_by, memo) or _outer(e) or
            _stacked_rows(e, made_by, fresh))


# -- a diagonal operand: a scaling of the other one -------------------------------------------
def _diagonal(e, consts, made_by, memo):
    """``diag(s) @ B`` as ``s[:, None] * B`` and ``A @ diag(s)`` as ``A * s``."""
    (x, y), out = e.ins, e.outs[0]
    for left, d, other in ((True, x, y), (False, y, x)):
        if len(d.shape) != 2 or d.shape[0] != d.shape[1] or not other.shape:
            continue
        n = d.shape[0]
        if other.shape[-2 if left and len(other.shape) > 1 else -1] != n:
            continue
        chain = _diagonal_chain(d, consts, made_by, memo)
        if chain is None:
            continue
        made = {v for c in chain for v in c.outs}
        leaves = []
        for c in chain:
            for a in c.ins:
                if type(a) is Var and a not in made and a not in leaves:
                    leaves.append(a)
        if d in consts:
            leaves.append(d)
        if other in leaves:  # the last input is the other operand (the kernel reads it so)
            continue
        diagonals = {v for v in leaves if memo.get(v) == []}  # the diagonal constants
        for v in diagonals - memo.setdefault("copied", set()):
            consts[v] = np.array(consts[v], copy=True)  # the value it was simplified for
            memo["copied"].add(v)
        defn = Program(leaves + [other], chain + [e], [out], {})
        form = DiagonalForm(defn, chain, d, left, diagonals, _finite(other, consts, memo))
        return [Eqn(diagonal_matmul_p, leaves + [other], {"form": form}, [out])]
    return None


def _finite(v, consts, memo):
    """The value of constant ``v`` when every element is finite (a private copy, now the
    program's: the value it was simplified for), else None."""
    c = consts.get(v)
    if type(c) is not np.ndarray or c.dtype.kind != "f" or not np.isfinite(c).all():
        return None
    if v not in memo.setdefault("copied", set()):
        consts[v] = np.array(c, copy=True)
        memo["copied"].add(v)
    return consts[v]


def _is_diagonal(c):
    c = np.asarray(c)
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.dtype.kind != "f":
        return False
    off = np.array(c, copy=True)
    np.fill_diagonal(off, 0)
    return not off.any()  # NaN counts as nonzero


def _broadcast_vector(a, n):
    """Whether ``a`` broadcast to ``(n, n)`` has every one of its elements on the diagonal."""
    if type(a) in (int, float):
        return True
    if type(a) is not Var:
        return False
    return len(a.shape) <= 2 and all(k in (1, n) for k in a.shape) and \
        int(np.prod(a.shape)) <= n and a.dtype.kind in "fiub"


def _diagonal_chain(d, consts, made_by, memo):
    """The equations, in order, that make ``d`` from diagonal constants and vectors by the
    operations that keep a zero off the diagonal when every vector is finite (a product
    with a vector, sums and differences of diagonals, negation, transposition), or None."""
    if d in memo:
        return memo[d]
    memo[d] = None  # also while it is being followed
    if d in consts:
        memo[d] = [] if _is_diagonal(consts[d]) else None
        return memo[d]
    e = made_by.get(d)
    if e is None or e.params and e.prim.name != "transpose" or \
            e.outs[0].shape != d.shape or e.outs[0].dtype.kind != "f":
        return None
    name, n = e.prim.name, d.shape[0]
    diag = [a for a in e.ins if type(a) is Var and a.shape == d.shape and
            _diagonal_chain(a, consts, made_by, memo) is not None]
    if name in ("transpose", "negative") and diag == e.ins[:1]:
        pass
    elif name in ("add", "subtract") and len(diag) == 2:
        pass
    elif not (name == "multiply" and diag and
              all(a in diag or _broadcast_vector(a, n) for a in e.ins)):
        return None
    chain = []
    for a in diag:
        for c in memo[a]:
            if c not in chain:
                chain.append(c)
    if len(chain) < _MAX_CHAIN:
        memo[d] = chain + [e]
    return memo[d]


class DiagonalForm:
    """How a `diagonal_matmul` equation gets its diagonal: ``chain`` (equations of
    ``defn``) computed on the diagonals alone, and which side the diagonal matrix is on.
    ``defn`` is the program it replaces: its rules, and its value where one is not finite."""

    __slots__ = ("defn", "chain", "matrix", "left", "diagonals", "n", "finite")

    def __init__(self, defn, chain, matrix, left, diagonals, finite=None):
        self.defn, self.chain, self.matrix, self.left = defn, chain, matrix, left
        self.diagonals = diagonals  # the diagonal constants among the inputs
        self.n = matrix.shape[0]
        self.finite = finite  # the other operand, a constant with finite elements, or None

    def __repr__(self):
        text = {}
        for e in self.chain:  # the diagonal matrix as an expression of the inputs
            args = ", ".join(text.get(a, repr(a)) for a in e.ins)
            text[e.outs[0]] = f"{e.prim.name}({args})"
        d, other = text.get(self.matrix, repr(self.matrix)), repr(self.defn.invars[-1])
        return f"diag {d} @ {other}" if self.left else f"{other} @ diag {d}"

    def diagonal(self, env):
        """The diagonal of the matrix operand, from the inputs in ``env``: the chain's
        operations on the diagonal elements alone, so the same roundings as eager's."""
        n, diag = self.n, {}
        for v in self.diagonals:
            diag[v] = np.diagonal(env[v])
        for e in self.chain:
            if e.prim.name == "transpose":
                diag[e.outs[0]] = diag[e.ins[0]]
                continue
            vals = []
            for a in e.ins:
                if type(a) is not Var:
                    vals.append(a)
                elif a in diag:
                    vals.append(diag[a])
                else:
                    vals.append(np.diagonal(np.broadcast_to(env[a], (n, n))))
            diag[e.outs[0]] = e.prim.impl(*vals)
        return diag[self.matrix]


def _diagonal_matmul(*args, form):
    # diag(s) @ B sums one product s_i * B_ij and zeros: the same number when every value is
    # finite (a zero times an infinite one is NaN, which the fallback computes as eager does)
    from .call import eval_program
    env = dict(zip(form.defn.invars, args))
    with np.errstate(all="ignore"):  # warnings, if any, come from the fallback, as eager's
        s, other = form.diagonal(env), args[-1]
        # with the other operand finite, only the diagonal can hold an infinite value: one in
        # a vector of the chain lands on it too (+, -, * with inf or NaN give inf or NaN), so
        # finite s means zeros off the diagonal
        finite = other is not form.finite or np.isfinite(s).all()
        if finite:
            if form.left:
                ans = s[:, None] * other if other.ndim > 1 else s * other
            else:
                ans = other * s
            if other is not form.finite:  # only when every term is (or the sum overflows)
                finite = np.isfinite(ans.sum())
    return ans if finite else eval_program(form.defn, *args)[0]


def _defined(form, args, idx):
    """``f(*args[idx])``: the replaced program as a function of some arguments."""
    from .call import eval_program

    def f(*dyn):
        full = list(args)
        for i, a in zip(idx, dyn):
            full[i] = a
        return eval_program(form.defn, *full)[0]
    return f


def _diagonal_matmul_jvp(args, tangents, ans, *, form):
    from ..core import jvp
    idx = tuple(i for i, t in enumerate(tangents) if t is not None)
    return jvp(_defined(form, args, idx), tuple(args[i] for i in idx),
               tuple(tangents[i] for i in idx))[1]


def _diagonal_matmul_vjp(ct, ans, args, needed, *, form):
    from ..core import vjp
    idx = tuple(i for i, k in enumerate(needed) if k)
    _, pull = vjp(_defined(form, args, idx), *[args[i] for i in idx])
    out = [None] * len(args)
    for i, c in zip(idx, pull(ct)):
        out[i] = c
    return out


def _diagonal_matmul_batch(args, bdims, *, form):
    from ..core import vmap
    return vmap(_defined(form, args, range(len(args))), in_axes=tuple(bdims))(*args), 0


# the rules are those of the equations it replaces (``form.defn``)
diagonal_matmul_p = Primitive("diagonal_matmul", _diagonal_matmul)
diagonal_matmul_p.def_jvp(joint=_diagonal_matmul_jvp)
diagonal_matmul_p.def_vjp(joint=_diagonal_matmul_vjp)
diagonal_matmul_p.def_batch(_diagonal_matmul_batch)


# -- a product over a length-one axis: an outer product ---------------------------------------
def _outer(e):
    """``(..., m, 1) @ (..., 1, n)`` as a broadcast multiply: one product per element, as the
    matmul computes it."""
    (x, y), out = e.ins, e.outs[0]
    if len(x.shape) < 2 or len(y.shape) < 2 or x.shape[-1] != 1 or y.shape[-2] != 1:
        return None
    if np.broadcast_shapes(x.shape, y.shape) != out.shape:
        return None
    return [Eqn(registry["multiply"], [x, y], {}, [out])]


# -- a stack of row-vector products: one matrix product ---------------------------------------
def _stacked_rows(e, made_by, fresh):
    """``reshape(a, (b, 1, k)) @ w`` (a batched vector-matrix product) as
    ``reshape(a @ w, (b, 1, n))`` for ``a`` of shape ``(b, k)`` and ``w`` of ``(k, n)``."""
    (x, y), out = e.ins, e.outs[0]
    inner = made_by.get(x)
    if inner is None or inner.prim.name != "reshape" or type(inner.ins[0]) is not Var or \
            len(x.shape) != 3 or x.shape[1] != 1 or len(y.shape) != 2:
        return None
    a = inner.ins[0]
    if a.shape != (x.shape[0], x.shape[2]):
        return None
    flat = fresh((x.shape[0], y.shape[1]), out.dtype)
    return [Eqn(e.prim, [a, y], {}, [flat]),
            Eqn(inner.prim, [flat], {"shape": out.shape}, [out])]
