"""Sparse Jacobians and Hessians: one batched JVP / VJP / HVP pass over a compressed seed
matrix (one seed per color), then each nonzero read off the compressed result.

A `SparsePlan` holds what depends only on the pattern (the coloring, the seeds, where each
nonzero sits in the compressed result), so a Newton loop pays detection and coloring once.
"""
from __future__ import annotations

import numpy as np

from ..core import jvp, vjp, vmap
from ..core.jacobians import hvp
from . import pattern as pt
from .coloring import column_coloring, row_coloring
from .interpreter import hessian_sparsity, jacobian_sparsity

__all__ = ["SparsePlan", "jacfwd", "jacrev", "hessian"]

MODES = ("fwd", "rev", "hessian")


class SparsePlan:
    """The coloring of one sparsity ``pattern`` for ``mode`` 'fwd' (column groups, one JVP
    each), 'rev' (row groups, one VJP each) or 'hessian' (column groups of the symmetric
    pattern, one Hessian-vector product each).

    >>> import numpy as np, scipy.sparse as sp
    >>> SparsePlan(sp.csr_array(np.eye(4, dtype=bool)), "fwd").ncolors
    1
    """

    def __init__(self, pattern, mode="fwd", order="largest_first"):
        if mode not in MODES:
            raise ValueError(f"SparsePlan: mode must be one of {MODES}, got {mode!r}")
        p = pt.sparse().csr_array(pattern, dtype=bool)
        p.sort_indices()
        if mode == "hessian" and p.shape[0] != p.shape[1]:
            raise ValueError(f"SparsePlan: a Hessian pattern must be square, got {p.shape}")
        self.pattern, self.mode = p, mode
        self.colors = (row_coloring if mode == "rev" else column_coloring)(p, order)
        self.ncolors = int(self.colors.max()) + 1 if self.colors.size else 0
        rows = np.repeat(np.arange(p.shape[0]), np.diff(p.indptr))
        # where nonzero (i, j) sits in the compressed result, flattened (color, index)
        if mode == "rev":
            self._at = self.colors[rows] * p.shape[1] + p.indices
        else:
            self._at = self.colors[p.indices] * p.shape[0] + rows

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


def jacfwd(fun, sparsity="auto", *, order="largest_first"):
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


def jacrev(fun, sparsity="auto", *, order="largest_first"):
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


def hessian(fun, sparsity="auto", *, order="largest_first"):
    """Sparse Hessian of the scalar ``fun``: one batched Hessian-vector product over one
    seed per color of the Hessian's columns.

    ``sparsity`` as in `jacfwd`, a pattern of shape (x.size, x.size).

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
