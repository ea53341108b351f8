"""Sparse Jacobians and Hessians: one batched JVP / VJP / HVP pass over a compressed seed
matrix (one seed per color), then each nonzero read off the compressed result.

A `SparsePlan` holds what depends only on the pattern (the coloring, the seeds, where each
nonzero sits in the compressed result), so a Newton loop pays detection and coloring once.
"""
from __future__ import annotations

import numpy as np

from ..core import hvp, jvp, vjp, vmap
from . import pattern as pt
from .coloring import column_coloring, row_coloring, star_coloring
from .interpreter import hessian_sparsity, jacobian_sparsity

__all__ = ["SparsePlan", "jacfwd", "jacrev", "hessian"]

MODES = ("fwd", "rev", "hessian")
# the default vertex order per mode (measured in bench/bench_sparse.py and tests/sparsity)
ORDERS = {"fwd": "largest_first", "rev": "largest_first", "hessian": "smallest_last"}


class SparsePlan:
    """The coloring of one sparsity ``pattern`` for ``mode`` 'fwd' (column groups, one JVP
    each), 'rev' (row groups, one VJP each) or 'hessian' (a star coloring of the symmetric
    pattern, one Hessian-vector product each).  ``order``: the greedy vertex order (see
    `coloring.vertex_order`); None picks 'largest_first' for Jacobians, 'smallest_last' for
    Hessians.

    >>> import numpy as np, scipy.sparse as sp
    >>> SparsePlan(sp.csr_array(np.eye(4, dtype=bool)), "fwd").ncolors
    1
    """

    def __init__(self, pattern, mode="fwd", order=None):
        if mode not in MODES:
            raise ValueError(f"SparsePlan: mode must be one of {MODES}, got {mode!r}")
        p = pt.sparse().csr_array(pattern, dtype=bool)
        if mode == "hessian":
            if p.shape[0] != p.shape[1]:
                raise ValueError(f"SparsePlan: a Hessian pattern must be square, got {p.shape}")
            p = (p + p.T).tocsr()  # H is symmetric: an entry on one side is one on both
        p.sort_indices()
        self.pattern, self.mode = p, mode
        order = ORDERS[mode] if order is None else order
        self.colors = {"fwd": column_coloring, "rev": row_coloring,
                       "hessian": star_coloring}[mode](p, order)
        self.ncolors = int(self.colors.max()) + 1 if self.colors.size else 0
        rows = np.repeat(np.arange(p.shape[0]), np.diff(p.indptr))
        # where nonzero (i, j) sits in the compressed result, flattened (color, index)
        if mode == "rev":
            self._at = self.colors[rows] * p.shape[1] + p.indices
        elif mode == "fwd":
            self._at = self.colors[p.indices] * p.shape[0] + rows
        else:
            self._at = _star_positions(rows, p.indices, self.colors, self.ncolors)

    @property
    def shape(self):
        return self.pattern.shape

    def seeds(self, dtype):
        """One 0/1 seed per color: rows of (ncolors, inputs) for 'fwd'/'hessian', of
        (ncolors, outputs) for 'rev'."""
        s = np.zeros((self.ncolors, self.colors.size), dtype)
        s[self.colors, np.arange(self.colors.size)] = 1
        return s

    def recover(self, compressed):
        """The sparse matrix from the compressed products, shaped (ncolors, ...)."""
        data = np.reshape(compressed, -1)[self._at]
        p = self.pattern
        return pt.sparse().csr_array((data, p.indices, p.indptr), shape=p.shape)


def _star_positions(rows, cols, colors, ncolors):
    """Where each nonzero (i, j) of a star-colored symmetric pattern sits in the compressed
    Hessian B = H S: row i of column color(j) when j is the only index of its color in row
    i (B[i, color j] = H_ij), else row j of column color(i) (then j is a leaf of the star
    whose hub is i, so i is alone of its color in row j, and B[j, color i] = H_ji = H_ij)."""
    n = colors.size
    count = np.bincount(rows * ncolors + colors[cols], minlength=n * ncolors)
    direct = count[rows * ncolors + colors[cols]] == 1
    mirror = count[cols * ncolors + colors[rows]] == 1
    if not np.all(direct | mirror):
        raise ValueError("SparsePlan: the coloring is not a star coloring of the Hessian "
                         "pattern (a path on 4 indices has 2 colors); use star_coloring")
    return np.where(direct, colors[cols] * n + rows, colors[rows] * n + cols)


def _planner(fun, sparsity, mode, order, op):
    """The plan for an input ``x``: ``sparsity`` itself, or its coloring, or (``"auto"``)
    the pattern detected at the first input of each shape and dtype, all kept."""
    if isinstance(sparsity, SparsePlan):
        if sparsity.mode != mode:
            raise ValueError(f"{op}: the plan was made for mode {sparsity.mode!r}, this "
                             f"transform needs {mode!r}; build SparsePlan(pattern, {mode!r})")
        return lambda x: sparsity
    cache = {}
    if not (isinstance(sparsity, str) and sparsity == "auto"):
        fixed = SparsePlan(sparsity, mode, order)
        return lambda x: fixed

    def plan(x):
        key = (np.shape(x), np.result_type(x))
        if key not in cache:
            detect = hessian_sparsity if mode == "hessian" else jacobian_sparsity
            cache[key] = SparsePlan(detect(fun, x), mode, order)
        return cache[key]
    return plan


def _check(plan, x, rows, op):
    if plan.shape[1 if rows is None else 0] != np.size(x) or (
            rows is not None and plan.shape[1] != np.size(x)):
        raise ValueError(f"{op}: the sparsity pattern has shape {plan.shape} but the input "
                         f"has {np.size(x)} elements; pass the pattern of this function at "
                         "this input size, or sparsity='auto'")


def jacfwd(fun, sparsity="auto", *, order=None):
    """Sparse Jacobian by forward mode: one batched JVP over one seed per column color.

    ``sparsity``: "auto" (detected at the first call for each input shape and dtype, then
    reused), a boolean pattern of shape (out.size, x.size), or a `SparsePlan`.  Returns a
    function of ``x`` giving a ``scipy.sparse.csr_array`` of shape (out.size, x.size).

    >>> import numpy as np
    >>> jacfwd(lambda x: x[1:] * x[:-1])(np.array([1.0, 2.0, 3.0])).toarray()
    array([[2., 1., 0.],
           [0., 3., 2.]])
    """
    planner = _planner(fun, sparsity, "fwd", order, "sparse.jacfwd")

    def jac(x):
        x = np.asarray(x)
        plan = planner(x)
        _check(plan, x, None, "sparse.jacfwd")
        if plan.ncolors == 0:
            return plan.recover(np.zeros(0, x.dtype))
        seeds = plan.seeds(x.dtype).reshape((plan.ncolors,) + x.shape)
        out = vmap(lambda s: jvp(fun, (x,), (s,))[1])(seeds)
        return plan.recover(out)
    return jac


def jacrev(fun, sparsity="auto", *, order=None):
    """Sparse Jacobian by reverse mode: one batched VJP over one seed per row color.

    Arguments and result as `jacfwd`; prefer it when rows share fewer columns.

    >>> import numpy as np
    >>> jacrev(lambda x: x[1:] * x[:-1])(np.array([1.0, 2.0, 3.0])).toarray()
    array([[2., 1., 0.],
           [0., 3., 2.]])
    """
    planner = _planner(fun, sparsity, "rev", order, "sparse.jacrev")

    def jac(x):
        x = np.asarray(x)
        plan = planner(x)
        _check(plan, x, None, "sparse.jacrev")
        if plan.ncolors == 0:
            return plan.recover(np.zeros(0, x.dtype))
        out, f_vjp = vjp(fun, x)
        seeds = plan.seeds(np.result_type(out)).reshape((plan.ncolors,) + np.shape(out))
        return plan.recover(vmap(lambda ct: f_vjp(ct)[0])(seeds))
    return jac


def hessian(fun, sparsity="auto", *, order=None):
    """Sparse Hessian of the scalar ``fun``: one batched Hessian-vector product over one
    seed per color of a star coloring of the Hessian's pattern (6 colors for a 5-point
    stencil, where the optimum is 5), each nonzero read from the compressed column of its
    star's hub.

    ``sparsity`` as in `jacfwd`, a pattern of shape (x.size, x.size) (symmetrized).

    >>> import numpy as np
    >>> hessian(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0])).toarray()
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    planner = _planner(fun, sparsity, "hessian", order, "sparse.hessian")

    def hess(x):
        x = np.asarray(x)
        plan = planner(x)
        _check(plan, x, True, "sparse.hessian")
        if plan.ncolors == 0:
            return plan.recover(np.zeros(0, x.dtype))
        seeds = plan.seeds(x.dtype).reshape((plan.ncolors,) + x.shape)
        return plan.recover(vmap(lambda s: hvp(fun, (x,), (s,)))(seeds))
    return hess
