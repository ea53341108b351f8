"""Graph coloring of sparsity patterns: columns (or rows) that share no row (column) get one
color, so one JVP (VJP) per color recovers every nonzero of the Jacobian.

Greedy coloring in a chosen vertex order: 'largest_first' (most conflicts first),
'smallest_last' (Matula-Beck degeneracy order, often fewer colors on irregular patterns) or
'natural'.
"""
from __future__ import annotations

import numpy as np

from . import pattern as pt

__all__ = ["column_coloring", "row_coloring", "conflict_graph", "vertex_order", "greedy"]

ORDERS = ("largest_first", "smallest_last", "natural")


def conflict_graph(pattern):
    """Columns ``i != j`` conflict when some row holds both: the pattern of ``P^T P``."""
    p = pt.sparse().csr_array(pattern, dtype=bool)
    g = (p.T @ p).tocsr()
    g.setdiag(False)
    g.eliminate_zeros()
    return g


def vertex_order(graph, order="largest_first"):
    """The order in which greedy coloring visits the vertices of ``graph`` (csr)."""
    n = graph.shape[0]
    degree = np.diff(graph.indptr)
    if order == "natural":
        return np.arange(n)
    if order == "largest_first":
        return np.argsort(-degree, kind="stable")
    if order == "smallest_last":
        return _smallest_last(graph, degree)
    raise ValueError(f"coloring: order must be one of {ORDERS}, got {order!r}")


def _smallest_last(graph, degree):
    # repeatedly remove a vertex of least remaining degree; color in reverse removal order
    indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
    deg = degree.tolist()
    buckets = [set() for _ in range(max(deg, default=0) + 1)]
    for v, d in enumerate(deg):
        buckets[d].add(v)
    removed = [False] * len(deg)
    out = []
    low = 0
    for _ in range(len(deg)):
        low = max(low - 1, 0)
        while not buckets[low]:
            low += 1
        v = buckets[low].pop()
        removed[v] = True
        out.append(v)
        for u in indices[indptr[v]:indptr[v + 1]]:
            if not removed[u]:
                buckets[deg[u]].discard(u)
                deg[u] -= 1
                buckets[deg[u]].add(u)
    return np.array(out[::-1], dtype=np.intp)


def greedy(graph, order):
    """Each vertex in ``order`` gets the least color none of its neighbors has."""
    indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
    colors = [-1] * graph.shape[0]
    for v in order.tolist():
        used = {colors[u] for u in indices[indptr[v]:indptr[v + 1]]}
        c = 0
        while c in used:
            c += 1
        colors[v] = c
    return np.array(colors, dtype=np.intp)


def column_coloring(pattern, order="largest_first"):
    """Colors of the columns of ``pattern`` such that no row has two nonzeros of one color
    (structurally orthogonal groups: one forward-mode pass per color).

    >>> import numpy as np, scipy.sparse as sp
    >>> column_coloring(sp.csr_array(np.eye(3, dtype=bool) | np.eye(3, k=1, dtype=bool)))
    array([0, 1, 0])
    """
    graph = conflict_graph(pattern)
    return greedy(graph, vertex_order(graph, order))


def row_coloring(pattern, order="largest_first"):
    """Colors of the rows of ``pattern`` such that no column has two nonzeros of one color
    (one reverse-mode pass per color).

    >>> import numpy as np, scipy.sparse as sp
    >>> row_coloring(sp.csr_array(np.eye(2, dtype=bool)))
    array([0, 0])
    """
    return column_coloring(pt.sparse().csr_array(pattern, dtype=bool).T.tocsr(), order)
