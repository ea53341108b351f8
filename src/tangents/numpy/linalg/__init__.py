"""tangents.numpy.linalg: NumPy's linear algebra, differentiable and batched over leading
dimensions like NumPy 2 (matrices are the last two axes).

The namespace, from its modules: `_solve` (solve, inv, cholesky, qr and the matrix
helpers the rules share), `_spectral` (eigh, eigvalsh, svd, svdvals), `_eig` (eig,
eigvals, cross), `_matrix` (det, slogdet, pinv, lstsq and the products composed from
them), `_norms` (norm, vector_norm, matrix_norm, cond); here are the array API's names
that are contractions or shape functions (matmul, tensordot, trace, vecdot, ...).
"""
from __future__ import annotations

__all__ = ['solve', 'inv', 'pinv', 'det', 'slogdet', 'cholesky', 'eigh', 'eigvalsh', 'svd',
           'svdvals', 'qr', 'lstsq', 'matrix_power', 'multi_dot', 'norm', 'vector_norm',
           'matrix_norm', 'matrix_rank', 'cond', 'tensorsolve', 'tensorinv',
           'matrix_transpose', 'matmul', 'tensordot', 'diagonal', 'trace', 'outer', 'vecdot',
           'cross', 'eig', 'eigvals', 'LinAlgError']

from numpy.linalg import LinAlgError

from ...typing import Array, ArrayLike, DTypeLike

from .._dispatch import implements, numpy_function
from ._eig import eig, eigvals  # non-symmetric eigendecomposition
from ._eig import linalg_cross as cross  # the standard's linalg.cross
from ._matrix import (det, lstsq, matrix_power, matrix_rank, multi_dot, pinv, slogdet, tensorinv,
                      tensorsolve)
from ._norms import cond, matrix_norm, norm, vector_norm
from ._solve import _T, _col, _tnp, cholesky, inv, qr, solve
from ._spectral import eigh, eigvalsh, svd, svdvals


# -- the array-API names that are contractions or shape functions ------------------------
@implements(numpy_function("linalg.matrix_transpose"))
def matrix_transpose(x: ArrayLike, /) -> Array:
    """``matrix_transpose(x)``: swap the last two axes."""
    return _T(x)


@implements(numpy_function("linalg.matmul"))
def matmul(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """``matmul(x1, x2)``: ``x1 @ x2``."""
    return _tnp().matmul(x1, x2)


@implements(numpy_function("linalg.tensordot"))
def tensordot(x1: ArrayLike, x2: ArrayLike, /, *, axes: int = 2) -> Array:
    """``tensordot(x1, x2, axes=2)``."""
    return _tnp().tensordot(x1, x2, axes)


@implements(numpy_function("linalg.diagonal"))
def diagonal(x: ArrayLike, /, *, offset: int = 0) -> Array:
    """``diagonal(x, offset=0)``: the diagonals of the last two axes."""
    return _tnp().diagonal(x, offset, -2, -1)


@implements(numpy_function("linalg.trace"))
def trace(x: ArrayLike, /, *, offset: int = 0, dtype: DTypeLike | None = None) -> Array:
    """``trace(x, offset=0)``: the traces of the last two axes."""
    return _tnp().trace(x, offset, -2, -1, dtype)


@implements(numpy_function("linalg.outer"))
def outer(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """``outer(x1, x2)``: of two vectors."""
    return _col(x1) * x2


@implements(numpy_function("linalg.vecdot"))
def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Array:
    """``vecdot(x1, x2, axis=-1)``: ``sum(conj(x1) * x2, axis)``, the same function as the
    namespace's `vecdot` (promoted dtype, broadcasting, checked lengths).

    >>> import numpy as np
    >>> vecdot(np.array([1j, 2.0]), np.array([1j, 1.0]))
    np.complex128(3+0j)
    """
    from .._array_api import vecdot as _vecdot  # _array_api.py imports this module
    return _vecdot(x1, x2, axis=axis)
