"""Star coloring of symmetric patterns: a star coloring by a brute-force check of every path
on 4 vertices, within one color of the optimum (found by exhaustive search) on banded and
grid patterns, and the sparse Hessian it drives equals dense tg.hessian."""
import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from harness import rand, tol

import tangents as tg
import tangents.sparse as ts
from tangents.sparse.coloring import adjacency_graph, star_coloring
from tangents.sparse.derivatives import _star_positions

ORDERS = ["smallest_last", "largest_first", "natural"]


def band(n, width):
    offsets = list(range(-width, width + 1))
    return sp.diags_array([np.ones(n - abs(k)) for k in offsets], offsets=offsets,
                          format="csr").astype(bool)


def grid(m):
    # the 5-point stencil on an m x m grid
    path = band(m, 1)
    eye = sp.identity(m, dtype=bool)
    return (sp.kron(path, eye) + sp.kron(eye, path)).tocsr()


def random_symmetric(n, seed):
    p = sp.random_array((n, n), density=3 / n, rng=seed, format="csr").astype(bool)
    return (p + p.T).tocsr()


def neighbors(pattern):
    g = adjacency_graph(pattern)
    return [set(g.indices[g.indptr[v]:g.indptr[v + 1]].tolist()) for v in range(g.shape[0])]


def bicolored_path(nbrs, colors, upto=None):
    """A path v-w-x-y with colors (a, b, a, b) or adjacent equal colors, among the vertices
    colored so far (``colors[v] >= 0``); None when there is none."""
    for w, near in enumerate(nbrs):
        for x in near:
            if colors[w] < 0 or colors[x] < 0:
                continue
            if colors[w] == colors[x]:
                return (w, x)
            for v, y in itertools.product(near - {x}, nbrs[x] - {w}):
                if v != y and colors[v] == colors[x] and colors[y] == colors[w]:
                    return (v, w, x, y)
    return None


def fewest_star_colors(pattern, most):
    """The least k <= most admitting a star coloring, by exhaustive search (small graphs)."""
    nbrs = neighbors(pattern)
    n = len(nbrs)

    def extend(colors, v, k):
        if v == n:
            return True
        # colors beyond the largest one used so far are interchangeable: try one of them
        for c in range(min(k, max(colors[:v], default=-1) + 2)):
            colors[v] = c
            if bicolored_path(nbrs, colors) is None and extend(colors, v + 1, k):
                return True
        colors[v] = -1
        return False
    for k in range(1, most + 1):
        if extend([-1] * n, 0, k):
            return k
    return most + 1


PATTERNS = {
    **{f"band{w}": band(60, w) for w in (1, 2, 3, 4)},
    **{f"grid{m}": grid(m) for m in (5, 12, 37)},
    **{f"random{s}": random_symmetric(80, s) for s in range(3)},
}


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_star_colorings_have_no_two_colored_path_on_4_vertices(name, order):
    p = PATTERNS[name]
    colors = star_coloring(p, order)
    assert colors.shape == (p.shape[0],) and colors.min() == 0
    assert bicolored_path(neighbors(p), colors.tolist()) is None


def test_the_checker_finds_two_colored_paths():
    # a distance-1 coloring of a path that is not a star coloring: 0-1-2-3 as a, b, a, b
    assert bicolored_path(neighbors(band(4, 1)), [0, 1, 0, 1]) == (0, 1, 2, 3)
    assert bicolored_path(neighbors(band(4, 1)), [0, 1, 2, 0]) is None
    assert fewest_star_colors(band(5, 1), 4) == 3


@pytest.mark.parametrize("width", [1, 2, 3])
def test_banded_colors_within_one_of_the_optimum(width):
    # a segment is a subgraph, so its optimum bounds the long band's from below
    least = fewest_star_colors(band(3 * width + 2, width), 2 * width + 2)
    for order in ("smallest_last", "largest_first"):
        assert star_coloring(band(500, width), order).max() + 1 <= least + 1


@pytest.mark.parametrize("m", [20, 37, 50])
def test_grid_colors_within_one_of_the_optimum(m):
    # the 5 x 5 grid already needs 5 colors, so every larger grid does
    least = fewest_star_colors(grid(5), 6)
    assert least == 5
    assert star_coloring(grid(m), "smallest_last").max() + 1 <= least + 1


def grid_energy(m):
    def energy(u):
        g = u.reshape(m, m)
        return (np.sum(np.sin(g[1:] - g[:-1]) ** 2) + np.sum((g[:, 1:] * g[:, :-1]) ** 2)
                + np.sum(np.cosh(g)))
    return energy


def band_energy(width):
    def energy(u):
        return sum(np.sum(np.cos(u[k:] * u[:-k])) for k in range(1, width + 1)) + np.sum(u ** 4)
    return energy


def edge_energy(pattern):
    rows, cols = sp.triu(pattern, k=1).nonzero()

    def energy(u):
        return np.sum(np.exp(0.3 * u[rows] * u[cols])) + np.sum(u ** 4)
    return energy


HESSIANS = {"grid": (grid_energy(7), 49), "band": (band_energy(3), 40),
            **{f"random{s}": (edge_energy(random_symmetric(40, s)), 40) for s in range(3)}}


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(HESSIANS))
def test_star_hessian_equals_the_dense_hessian(name, dtype, order):
    fun, n = HESSIANS[name]
    x = rand((n,), seed=7, dtype=dtype)
    got = ts.hessian(fun, order=order)(x)
    assert got.dtype == dtype
    want = tg.hessian(fun)(x)
    # each nonzero is one entry of one Hessian-vector product (no sums of entries), equal to
    # the dense one to the last bits in float64; float32 rounds the two routes' products apart
    name = "exact" if dtype == np.float64 else "roundoff"
    np.testing.assert_allclose(got.toarray(), want, **tol(name, dtype))
    assert (got.toarray() != 0).sum() >= (want != 0).sum() > n


def test_the_hessian_plan_is_a_smallest_last_star_coloring():
    pattern = ts.hessian_sparsity(grid_energy(7), rand((49,), seed=8))
    plan = ts.SparsePlan(pattern, "hessian")
    assert np.array_equal(plan.colors, star_coloring(pattern, "smallest_last"))


def test_a_one_sided_pattern_is_symmetrized():
    fun, n = HESSIANS["band"]
    x = rand((n,), seed=9)
    upper = sp.triu(ts.hessian_sparsity(fun, x)).tocsr()
    np.testing.assert_allclose(ts.hessian(fun, sparsity=upper)(x).toarray(),
                               tg.hessian(fun)(x), **tol("exact"))


def test_a_coloring_that_is_not_a_star_coloring_is_refused():
    p = band(4, 1)
    rows = np.repeat(np.arange(4), np.diff(p.indptr))
    with pytest.raises(ValueError, match="not a star coloring"):
        _star_positions(rows, p.indices, np.array([0, 1, 0, 1]), 2)
