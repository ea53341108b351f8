"""The sparsity interpreter: runs a function once and propagates, for every value, which
inputs each of its elements depends on (and, for Hessians, which pairs interact).

It is one more subclass of the core's `Trace`: values are computed as usual (so indices,
shapes and the zeros of constant operands are known) and each primitive's ``sparsity``
rule, declared beside its other rules (builders in `tangents.core.sparsity`), maps its
arguments' patterns to the answer's; a primitive without one gets `Op.dense`, which is
always correct.
"""
from __future__ import annotations

import numpy as np

from ..core import ConcreteTracer, Trace, Tracer, bind, new_level, tree
from . import pattern as pt

__all__ = ["jacobian_sparsity", "hessian_sparsity", "SparsityTrace", "SparsityTracer"]


class SparsityTracer(ConcreteTracer):
    """A value, its dependency pattern and whether it depends on the inputs at all."""

    __slots__ = ()
    value = Tracer._s0
    pattern = Tracer._s1  # (csr pattern or None, tainted)

    def __init__(self, trace, value, pattern, tainted):
        self._trace = trace
        self.value = value
        self.pattern = (pattern, tainted)


class SparsityTrace(Trace):
    """Propagates dependency patterns over ``n`` inputs; collects Hessian interactions in
    ``pairs`` when it is a list."""

    __slots__ = ("n", "pairs")
    tracer_type = SparsityTracer
    what = "jacobian_sparsity/hessian_sparsity"

    def __init__(self, level, n, hessian):
        super().__init__(level)
        self.n = n
        self.pairs = [] if hessian else None

    def apply(self, prim, vals, aux, scalars, nested, params):
        ans = bind(prim, *vals, **params) if nested else prim.impl(*vals, **params)
        pats = [None if a is None else a[0] for a in aux]
        tainted = [a is not None and (a[0] is not None or a[1]) for a in aux]
        op = pt.Op(prim, vals, pats, tainted, ans, params, self.n, self.pairs)
        if not prim.differentiable or not op.differentiated():
            out = [None] * len(ans) if prim.multiple_results else None
        else:
            rule = prim.sparsity
            out = op.dense() if rule is None else rule(op)
        taint = any(tainted)
        if prim.multiple_results:
            return [SparsityTracer(self, a, p, taint) for a, p in zip(ans, out)]
        return SparsityTracer(self, ans, out, taint)

    def process_custom_vjp(self, custom, flat, in_tree):
        # the pattern of the function itself: its rule computes the same derivative
        return tree.flatten(custom.fun(*tree.unflatten(in_tree, flat)))

    process_custom_jvp = process_custom_vjp


def _trace(fun, x, hessian, op):
    x = np.asarray(x)
    if x.dtype.kind not in "fc":
        raise TypeError(f"{op}: the input has dtype {x.dtype}, which has no derivative; "
                        "pass x.astype(float)")
    trace = SparsityTrace(new_level(), x.size, hessian)
    try:
        out = fun(SparsityTracer(trace, x, pt.identity(x.size), True))
    finally:
        trace.alive = False
    if isinstance(out, (tuple, list, dict)):
        raise TypeError(f"{op}: fun returned a {type(out).__name__}; it must return one array "
                        "(stack or concatenate the outputs)")
    if isinstance(out, SparsityTracer) and out._trace is trace:
        return out.value, out.pattern[0], trace
    return np.asarray(out), None, trace


def jacobian_sparsity(fun, x):
    """Which inputs each output of ``fun`` depends on, by tracing it once at ``x``.

    Exact for the program as traced (a zero coefficient of a constant operand is a zero;
    no random sampling), conservative where data decides (both branches of a ``where``,
    indices computed from ``x``).

    Returns a boolean ``scipy.sparse.csr_array`` of shape ``(out.size, x.size)``.

    >>> import numpy as np
    >>> jacobian_sparsity(lambda x: x[1:] - x[:-1], np.ones(3)).toarray()
    array([[ True,  True, False],
           [False,  True,  True]])
    """
    out, pat, trace = _trace(fun, x, False, "jacobian_sparsity")
    n = trace.n
    if pat is None:
        return pt.empty(int(np.size(out)), n)
    pat = pat.copy()
    pat.sort_indices()
    return pat


def hessian_sparsity(fun, x):
    """Which pairs of inputs the Hessian of the scalar ``fun`` couples, by tracing it once
    at ``x``: the union, over nonlinear operations, of the pairs of inputs their arguments
    combine (linear operations add none).

    Returns a symmetric boolean ``scipy.sparse.csr_array`` of shape ``(x.size, x.size)``.

    >>> import numpy as np
    >>> hessian_sparsity(lambda x: np.sum(x[1:] * x[:-1]), np.ones(3)).toarray()
    array([[False,  True, False],
           [ True, False,  True],
           [False,  True, False]])
    """
    out, _, trace = _trace(fun, x, True, "hessian_sparsity")
    if np.size(out) != 1:
        raise ValueError(f"hessian_sparsity: fun must return a scalar, got shape "
                         f"{np.shape(out)}")
    n = trace.n
    if not trace.pairs:
        return pt.empty(n, n)
    sp = pt.sparse()
    # the union over rows k of a[k] x b[k], all operations at once: A^T B
    a = sp.vstack([a for a, _ in trace.pairs], format="csr")
    b = sp.vstack([b for _, b in trace.pairs], format="csr")
    h = (a.T @ b).tocsr()
    h = (h + h.T).tocsr()
    h.sort_indices()
    return h
