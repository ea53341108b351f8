"""Graph coloring of sparsity patterns: columns (or rows) that share no row (column) get one
color, so one JVP (VJP) per color recovers every nonzero of the Jacobian; a star coloring of a
symmetric pattern lets one Hessian-vector product per color recover every nonzero of the
Hessian with fewer colors.

Greedy coloring in a chosen vertex order: 'largest_first' (most conflicts first),
'smallest_last' (Matula-Beck degeneracy order, often fewer colors on irregular patterns) or
'natural'.
"""
from __future__ import annotations

import numpy as np

from . import pattern as pt

__all__ = ["column_coloring", "row_coloring", "star_coloring", "conflict_graph",
           "adjacency_graph", "vertex_order", "greedy", "greedy_star"]

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
    # repeatedly remove a vertex of least remaining degree; color in reverse removal order.
    # Buckets are stacks with lazy deletion: among ties the vertex whose degree dropped last
    # goes first, so removal peels a mesh front by front (6 colors for a star coloring of the
    # 5-point grid where an arbitrary tie order gives 7)
    indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
    deg = degree.tolist()
    buckets = [[] for _ in range(max(deg, default=0) + 1)]
    for v, d in enumerate(deg):
        buckets[d].append(v)
    removed = [False] * len(deg)
    out = []
    low = 0
    while len(out) < len(deg):
        low = max(low - 1, 0)
        while True:
            while not buckets[low]:
                low += 1
            v = buckets[low].pop()
            if not removed[v] and deg[v] == low:
                break
        removed[v] = True
        out.append(v)
        for u in indices[indptr[v]:indptr[v + 1]]:
            if not removed[u]:
                deg[u] -= 1
                buckets[deg[u]].append(u)
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
    array([1, 0, 1])
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


def adjacency_graph(pattern):
    """The graph of a symmetric ``pattern``: ``i != j`` adjacent when (i, j) or (j, i) is set."""
    p = pt.sparse().csr_array(pattern, dtype=bool)
    if p.shape[0] != p.shape[1]:
        raise ValueError(f"star_coloring: a symmetric pattern must be square, got {p.shape}")
    g = (p + p.T).tocsr()
    g.setdiag(False)
    g.eliminate_zeros()
    g.sort_indices()
    return g


def greedy_star(graph, order):
    """Each vertex in ``order`` gets the least color that keeps the coloring a star coloring:
    no neighbor has it and no path on 4 vertices through the vertex gets only 2 colors."""
    indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
    nbrs = [indices[indptr[v]:indptr[v + 1]] for v in range(graph.shape[0])]
    colors = [-1] * graph.shape[0]
    seen = [{} for _ in colors]  # seen[x][c]: how many neighbors of x have color c
    for v in order.tolist():
        forbid, near = set(), []
        for w in nbrs[v]:
            d = colors[w]
            if d < 0:
                continue
            forbid.add(d)
            near.append(w)
            for x in nbrs[w]:
                # v-w-x-y colored c, d, c, d: x (colored c) has a neighbor y != w of color d
                if colors[x] >= 0 and seen[x].get(d, 0) > 1:
                    forbid.add(colors[x])
        if len(near) > len({colors[w] for w in near}):
            # x-v-w-y colored d, c, d, c: two neighbors of v share d; forbid their neighbors'
            for w in near:
                if seen[v][colors[w]] > 1:
                    forbid.update(colors[y] for y in nbrs[w] if colors[y] >= 0)
        c = 0
        while c in forbid:
            c += 1
        colors[v] = c
        for w in nbrs[v]:
            seen[w][c] = seen[w].get(c, 0) + 1
    return np.array(colors, dtype=np.intp)


def star_coloring(pattern, order="smallest_last"):
    """Colors of the rows/columns of a symmetric ``pattern`` (a Hessian's) forming a star
    coloring: adjacent indices differ and every path on 4 vertices has at least 3 colors, so
    each pair of colors spans stars, and each nonzero is read from the hub's compressed
    column (one Hessian-vector product per color).

    >>> import numpy as np, scipy.sparse as sp
    >>> tri = sp.diags_array([np.ones(4), np.ones(5), np.ones(4)], offsets=[-1, 0, 1])
    >>> star_coloring(tri)
    array([0, 1, 0, 2, 0])
    """
    graph = adjacency_graph(pattern)
    return greedy_star(graph, vertex_order(graph, order))
