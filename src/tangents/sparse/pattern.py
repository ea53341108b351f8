"""Dependency patterns: for every element of a value, the set of inputs it depends on.

A pattern is a boolean ``scipy.sparse.csr_array`` with one row per element of the value
(in C order) and one column per input element; ``None`` stands for "depends on nothing"
(a constant).  Every operation here is vectorised: a gather is a row selection, a
reduction is a product with a 0/1 grouping matrix, a union is a sum.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["sparse", "identity", "empty", "gather", "scatter", "union", "drop_rows",
           "row_union", "repeat_row", "Op"]


def sparse():
    """scipy.sparse, imported on first use (an optional dependency: tangents[scipy])."""
    try:
        import scipy.sparse as sp
    except ImportError as e:  # pragma: no cover - the test environment has SciPy
        raise ImportError("tangents.sparse needs SciPy: pip install 'tangents[scipy]'") from e
    return sp


def identity(n):
    """Input element i depends on itself."""
    return sparse().csr_array((np.ones(n, bool), np.arange(n), np.arange(n + 1)), shape=(n, n))


def empty(rows, n):
    return sparse().csr_array((rows, n), dtype=bool)


def gather(m, src):
    """Row ``k`` of the result is row ``src[k]`` of ``m`` (None stays None)."""
    if m is None:
        return None
    src = np.asarray(src, dtype=np.intp).ravel()
    if src.size == m.shape[0] and np.array_equal(src, np.arange(src.size)):
        return m
    return m[src]


def scatter(m, tgt, size):
    """Row ``j`` of the result is the union of the rows ``k`` of ``m`` with ``tgt[k] == j``."""
    if m is None:
        return None
    sp = sparse()
    tgt = np.asarray(tgt, dtype=np.intp).ravel()
    s = sp.csr_array((np.ones(tgt.size, bool), (tgt, np.arange(tgt.size))),
                     shape=(size, m.shape[0]))
    return s @ m


def union(*ms):
    """Elementwise union of patterns of one shape (None entries skipped)."""
    out = None
    for m in ms:
        if m is not None:
            out = m if out is None else out + m
    return out


def row_union(m):
    """The sorted columns of all rows of ``m``: everything the value depends on."""
    return np.unique(m.indices)


def repeat_row(cols, rows, n):
    """``rows`` rows that each hold the columns ``cols``."""
    k = cols.size
    return sparse().csr_array((np.ones(rows * k, bool), np.tile(cols, rows),
                               np.arange(rows + 1) * k), shape=(rows, n))


def drop_rows(m, drop):
    """``m`` with the rows where the boolean ``drop`` is set emptied."""
    if m is None:
        return None
    out = (sparse().diags_array(~np.asarray(drop, bool), format="csr", dtype=bool) @ m).tocsr()
    out.eliminate_zeros()
    return out


class Op:
    """One operation as a sparsity rule (`tangents.core.sparsity`) sees it: argument values
    ``vals`` (constants and plain values of traced arguments), their patterns ``pats`` (None
    for a constant), ``tainted`` (whether a value depends on the inputs at all, through data
    as well as derivatives), the answer ``ans``, ``params``, and the input count ``n``.  A
    rule returns the answer's pattern (a list for several results) and reports the
    second-order interactions of a nonlinear operation with `interact`.  Every SciPy
    operation a rule needs is a method here, so the rules live in the core beside the
    primitives' other rules and the core imports no SciPy."""

    __slots__ = ("prim", "vals", "pats", "tainted", "ans", "params", "n", "pairs")

    def __init__(self, prim, vals, pats, tainted, ans, params, n, pairs):
        self.prim, self.vals, self.pats, self.tainted = prim, vals, pats, tainted
        self.ans, self.params, self.n, self.pairs = ans, params, n, pairs

    def differentiated(self):
        """Positions of the traced arguments that carry a derivative."""
        vjps = self.prim.vjps
        return [i for i, p in enumerate(self.pats)
                if p is not None and (vjps is None or i >= len(vjps) or vjps[i] is not None)]

    def broadcast(self, i, shape=None):
        """Argument ``i``'s pattern broadcast to ``shape`` (the answer's by default)."""
        shape = np.shape(self.ans) if shape is None else shape
        own = np.shape(self.vals[i])
        if own == tuple(shape):
            return self.pats[i]
        src = np.broadcast_to(np.arange(math.prod(own)).reshape(own), shape)
        return gather(self.pats[i], src)

    # the pattern algebra, for rules that cannot import it
    union = staticmethod(union)
    gather = staticmethod(gather)
    scatter = staticmethod(scatter)
    drop_rows = staticmethod(drop_rows)

    def stack(self, ms, sizes):
        """The rows of the patterns ``ms`` one after another (None: ``sizes[k]`` rows that
        depend on nothing)."""
        return sparse().vstack([empty(s, self.n) if m is None else m
                                for m, s in zip(ms, sizes)], format="csr")

    @staticmethod
    def csr(rows, cols, shape):
        """The boolean matrix of ``shape`` that is set at (``rows[k]``, ``cols[k]``)."""
        rows = np.asarray(rows, dtype=np.intp)
        return sparse().csr_array((np.ones(rows.size, bool), (rows, cols)), shape=shape)

    def interact(self, a, b=None):
        """Second derivatives couple, for every row k, the inputs in ``a[k]`` with those in
        ``b[k]`` (``a`` with itself by default)."""
        if self.pairs is not None and a is not None:
            self.pairs.append((a, a if b is None else b))

    def dense(self):
        """The rule that is always correct: every result element depends on every input of
        every differentiated argument, and (unless linear) they all interact."""
        used = [row_union(self.pats[i]) for i in self.differentiated()]
        cols = np.unique(np.concatenate(used)) if used else np.zeros(0, np.intp)
        results = self.ans if self.prim.multiple_results else [self.ans]
        if self.pairs is not None and cols.size:
            self.interact(repeat_row(cols, 1, self.n))
        outs = [repeat_row(cols, int(np.size(r)), self.n) for r in results]
        return outs if self.prim.multiple_results else outs[0]
