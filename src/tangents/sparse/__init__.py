"""Sparse Jacobians and Hessians: sparsity detection by tracing, graph coloring, and
compressed forward / reverse / Hessian-vector passes (SciPy is needed: tangents[scipy]).

>>> import numpy as np, tangents.sparse as ts
>>> ts.jacfwd(lambda x: x[1:] - x[:-1])(np.ones(3)).toarray()
array([[-1.,  1.,  0.],
       [ 0., -1.,  1.]])
"""
from .coloring import column_coloring, row_coloring, star_coloring
from .derivatives import SparsePlan, hessian, jacfwd, jacrev
from .interpreter import hessian_sparsity, jacobian_sparsity

__all__ = ["jacobian_sparsity", "hessian_sparsity", "jacfwd", "jacrev", "hessian",
           "SparsePlan", "column_coloring", "row_coloring", "star_coloring"]
