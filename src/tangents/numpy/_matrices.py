"""Matrices and vectors: triangles (tril, triu and the shape-only index helpers
tril_indices_from, triu_indices_from, diag_indices_from), diagonals (diag, diagflat), the
Vandermonde matrix, cross products and the matrix-vector products matvec and vecmat.  All
are composites of masks, gathers, products and sums."""
from __future__ import annotations

__all__ = ['tril', 'triu', 'tril_indices_from', 'triu_indices_from', 'diag_indices_from', 'diag',
           'diagflat', 'vander', 'cross', 'matvec', 'vecmat']

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..typing import Array, ArrayLike, NDArray
from ._complex import conj
from ._contractions import diagonal
from ._creation import asarray, cast
from ._dispatch import (
    _stand_in,
    dtype_of,
    implements,
    implements_ufunc,
    normalize_axis,
    numpy_function,
    numpy_on_plain,
    shape_of,
)
from ._elementwise import where
from ._indexing import getitem
from ._joining import concatenate, stack
from ._rearranging import flip
from ._reductions import cumprod
from ._reductions import sum as _sum
from ._shape import broadcast_to, expand_dims, moveaxis, ravel, reshape


# -- triangles -----------------------------------------------------------------------------
def _tri_mask(m: Any, k: int, lower: bool) -> Any:
    s = shape_of(m)
    rows, cols = (s[-2], s[-1]) if len(s) >= 2 else (s[0], s[0])
    tri = np.tri(rows, cols, k if lower else k - 1, dtype=bool)
    return tri if lower else ~tri


@implements(np.tril)
@numpy_on_plain(np.tril)
def tril(m: ArrayLike, k: int = 0) -> Array:
    """``tril(m, k=0)``: zeros above the k-th diagonal of the last two axes.

    >>> tril(np.ones((2, 2)))
    array([[1., 0.],
           [1., 1.]])
    """
    m = asarray(m)
    return where(_tri_mask(m, k, True), m, np.zeros((), dtype_of(m)))


@implements(np.triu)
@numpy_on_plain(np.triu)
def triu(m: ArrayLike, k: int = 0) -> Array:
    """``triu(m, k=0)``: zeros below the k-th diagonal of the last two axes.

    >>> triu(np.ones((2, 2)))
    array([[1., 1.],
           [0., 1.]])
    """
    m = asarray(m)
    return where(_tri_mask(m, k, False), m, np.zeros((), dtype_of(m)))


def _from_shape(np_fn: Any, name: str) -> Callable[..., tuple[NDArray[Any], ...]]:
    def fn(arr: ArrayLike, *args: Any, **kwargs: Any) -> tuple[NDArray[Any], ...]:
        return np_fn(_stand_in(arr), *args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``{name}(arr, ...)``: NumPy's {name}; it reads only ``arr``'s shape, so "
                  "a traced ``arr`` works (the indices are plain integer arrays).")
    return implements(np_fn)(fn)


diag_indices_from = _from_shape(np.diag_indices_from, "diag_indices_from")
tril_indices_from = _from_shape(np.tril_indices_from, "tril_indices_from")
triu_indices_from = _from_shape(np.triu_indices_from, "triu_indices_from")


# -- diagonals, Vandermonde ----------------------------------------------------------------
@implements(np.diag)
def diag(v: ArrayLike, k: int = 0) -> Array:
    """``diag(v, k=0)``: a 1-d ``v`` placed on the k-th diagonal of a square 2-d array, or
    the k-th diagonal of a 2-d ``v``.

    >>> diag(np.array([1.0, 2.0]), 1)
    array([[0., 1., 0.],
           [0., 0., 2.],
           [0., 0., 0.]])
    """
    v = asarray(v)
    s = shape_of(v)
    if len(s) == 2:
        return diagonal(v, k)
    if len(s) != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = s[0] + abs(k)
    vp = concatenate([v, np.zeros(abs(k), dtype_of(v))]) if k else v
    # k >= 0: out[i, i + k] = v[i] (row i holds v[i]); k < 0: out[j - k, j] = v[j] (column j)
    vp = reshape(vp, (n, 1) if k >= 0 else (1, n))
    return where(np.eye(n, k=k, dtype=bool), vp, np.zeros((), dtype_of(v)))


@implements(np.diagflat)
def diagflat(v: ArrayLike, k: int = 0) -> Array:
    """``diagflat(v, k=0)``: `diag` of the flattened input.

    >>> diagflat(np.array([[1.0, 2.0]]))
    array([[1., 0.],
           [0., 2.]])
    """
    return diag(ravel(asarray(v)), k)


@implements(np.vander)
def vander(x: ArrayLike, N: int | None = None, increasing: bool = False) -> Array:
    """``vander(x, N=None, increasing=False)``: columns are powers of ``x`` (cumulative
    products, so the derivative is exact at 0).

    >>> vander(np.array([2.0, 3.0]), 3)
    array([[4., 2., 1.],
           [9., 3., 1.]])
    """
    x = asarray(x)
    if len(shape_of(x)) != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = shape_of(x)[0]
    N = n if N is None else N
    x = cast(x, np.promote_types(dtype_of(x), int))
    cols: list[Any] = [np.ones((n, min(N, 1)), dtype_of(x))]
    if N > 1:
        cols.append(cumprod(broadcast_to(reshape(x, (n, 1)), (n, N - 1)), axis=1))
    v = concatenate(cols, axis=1) if len(cols) > 1 else cols[0]
    return v if increasing else flip(v, 1)


# -- products of vectors -------------------------------------------------------------------
@implements(np.cross)
def cross(a: ArrayLike, b: ArrayLike, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Array:
    """``cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None)`` of 2- and 3-vectors (with
    broadcasting); two 2-vectors give the scalar z-component.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = asarray(a), asarray(b)
    a = moveaxis(a, normalize_axis(axisa, len(shape_of(a)), "cross"), -1)
    b = moveaxis(b, normalize_axis(axisb, len(shape_of(b)), "cross"), -1)
    na, nb = shape_of(a)[-1], shape_of(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    if na == 2 or nb == 2:
        warnings.warn("Arrays of 2-dimensional vectors are deprecated. Use arrays of "
                      "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
                      DeprecationWarning, stacklevel=2)
    a0, a1 = getitem(a, (Ellipsis, 0)), getitem(a, (Ellipsis, 1))
    b0, b1 = getitem(b, (Ellipsis, 0)), getitem(b, (Ellipsis, 1))
    c2 = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return c2
    a2 = getitem(a, (Ellipsis, 2)) if na == 3 else 0.0
    b2 = getitem(b, (Ellipsis, 2)) if nb == 3 else 0.0
    c0, c1 = a1 * b2 - a2 * b1, a2 * b0 - a0 * b2
    out_shape = np.broadcast_shapes(shape_of(c0), shape_of(c1), shape_of(c2))
    cp = stack([broadcast_to(c, out_shape) for c in (c0, c1, c2)], axis=-1)
    return moveaxis(cp, -1, normalize_axis(axisc, len(out_shape) + 1, "cross"))


def _matvec_ufunc(x1: Any, x2: Any) -> Any:
    return _sum(x1 * expand_dims(x2, -2), axis=-1)


@numpy_on_plain(numpy_function("matvec"))
def matvec(x1: ArrayLike, x2: ArrayLike) -> Array:
    """``matvec(x1, x2)``: matrix-vector product over the last axes (broadcast stacks).

    >>> matvec(np.eye(2), np.array([1.0, 2.0]))
    array([1., 2.])
    """
    return _matvec_ufunc(x1, x2)


@numpy_on_plain(numpy_function("vecmat"))
def vecmat(x1: ArrayLike, x2: ArrayLike) -> Array:
    """``vecmat(x1, x2)``: ``conj(x1) @ x2`` over the last axes (broadcast stacks).

    >>> vecmat(np.array([1.0, 2.0]), np.eye(2))
    array([1., 2.])
    """
    return _sum(expand_dims(conj(x1), -1) * x2, axis=-2)


for _name, _fn in (("matvec", matvec), ("vecmat", vecmat)):
    if hasattr(np, _name):  # NumPy's ufuncs since 2.2
        implements_ufunc(getattr(np, _name))(_fn)
