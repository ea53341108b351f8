"""tangents.numpy.linalg's norms: the vector norm primitive, norm, vector_norm, matrix_norm
(spectral and nuclear norms through svdvals) and cond."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...core import Primitive, batch_axis_op, bind, sparsity
from ...typing import Array, ArrayLike, Axis
from .._dispatch import (
    dtype_of,
    implements,
    normalize_axes,
    normalize_axis,
    numpy_function,
    shape_of,
)
from .._reductions import expand_reduced
from ._solve import _tnp, inv
from ._spectral import svdvals


@implements(np.linalg.cond)
def cond(x: ArrayLike, p: ArrayLike | None = None) -> Array:
    """``cond(x, p=None)``: condition number; ``p`` in (None, 2, -2) from the singular
    values, otherwise ``norm(x, p) * norm(inv(x), p)`` (which raises ``LinAlgError`` for an
    exactly singular matrix, where NumPy returns inf).

    >>> float(cond(np.diag([1.0, 4.0])))
    4.0
    """
    if p is None or p in (2, -2):
        s = svdvals(x)
        return s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1]
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))


# -- norms -------------------------------------------------------------------------------
def _vector_norm_impl(x: Any, *, ord: Any, axis: Any, keepdims: Any) -> Any:
    if dtype_of(x).kind == "c":
        x = np.abs(x)  # the norm of the moduli: a real result
    if ord == 2:
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
    return np.sum(np.abs(x) ** ord, axis=axis, keepdims=keepdims) ** (1 / ord)


def _vector_norm_grad(ans: Any, x: Any, ord: Any, axis: Any, keepdims: Any) -> Any:
    # d ||x||_p / dx = d|x| (|x| / n)^(p-1) with d|x| = sign(x), or conj(x) / |x| for complex
    # x (abs's partial under the plain-transpose convention); 0 at x == 0 (never nan)
    tnp = _tnp()
    n = ans if keepdims else tnp.reshape(ans, tuple(1 if i in axis else d
                                                   for i, d in enumerate(shape_of(x))))
    zero_n = n == 0
    safe_n = tnp.where(zero_n, 1.0, n)
    is_complex = dtype_of(x).kind == "c"
    if ord == 2:  # d|x| |x| / n = x / n, or conj(x) / n
        return (tnp.conj(x) if is_complex else x) / safe_n
    skip = (x == 0) | zero_n
    mod = tnp.abs(x)
    base = tnp.where(skip, 1.0, mod / safe_n)
    d_abs = tnp.conj(x) / tnp.where(skip, 1.0, mod) if is_complex else tnp.sign(x)
    return tnp.where(skip, 0.0, d_abs * base ** (ord - 1))


vector_norm_p = Primitive("linalg_vector_norm", _vector_norm_impl)
vector_norm_p.def_vjp(lambda ct, ans, x, *, ord, axis, keepdims: expand_reduced(
    ct, shape_of(x), axis, keepdims) * _vector_norm_grad(ans, x, ord, axis, keepdims))
vector_norm_p.def_jvp(lambda t, ans, x, *, ord, axis, keepdims: _tnp().sum(
    t * _vector_norm_grad(ans, x, ord, axis, keepdims), axis=axis, keepdims=keepdims))
vector_norm_p.def_batch(batch_axis_op(vector_norm_p))
vector_norm_p.def_sparsity(sparsity.reduction(nonlinear=True))


def _vector_norm(x: Any, ord: Any, axis: Any, keepdims: Any) -> Any:
    """A vector norm over the (canonical) ``axis`` tuple, as NumPy computes it."""
    tnp = _tnp()
    if ord == np.inf:
        return tnp.max(tnp.abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return tnp.min(tnp.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:  # a count, in the real dtype of x
        return tnp.sum(tnp.astype(x != 0, np.finfo(dtype_of(x)).dtype), axis=axis,
                       keepdims=keepdims)
    if ord == 1:
        return tnp.sum(tnp.abs(x), axis=axis, keepdims=keepdims)
    if ord is None:
        ord = 2
    if isinstance(ord, str):
        raise ValueError("Invalid norm order for vectors.")
    return bind(vector_norm_p, x, ord=float(ord), axis=axis, keepdims=bool(keepdims))


def _matrix_norm(x: Any, ord: Any, row: Any, col: Any, keepdims: Any) -> Any:
    tnp = _tnp()
    s: Any
    if ord in (2, -2, "nuc"):
        s = svdvals(tnp.moveaxis(x, (row, col), (-2, -1)))
        ret = (tnp.max(s, axis=-1) if ord == 2 else tnp.min(s, axis=-1) if ord == -2
               else tnp.sum(s, axis=-1))
    elif ord in (1, -1, np.inf, -np.inf):
        if ord in (np.inf, -np.inf):
            row, col = col, row
        red = tnp.max if ord > 0 else tnp.min
        ret = red(tnp.sum(tnp.abs(x), axis=row), axis=col - 1 if col > row else col)
    elif ord in (None, "fro", "f"):
        ret = bind(vector_norm_p, x, ord=2.0, axis=tuple(sorted((row, col))), keepdims=False)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        s = list(shape_of(x))
        s[row] = s[col] = 1
        ret = tnp.reshape(ret, tuple(s))
    return ret


@implements(np.linalg.norm)
def norm(x: ArrayLike, ord: Any = None, axis: Axis = None, keepdims: bool = False) -> Array:
    """``norm(x, ord=None, axis=None, keepdims=False)``: every vector and matrix norm of
    NumPy.  At zero (and at the kinks of 1-, inf- and nuclear norms) the derivative is 0,
    never nan; ties in max/min-based norms share the derivative equally.

    >>> float(norm(np.array([3.0, 4.0])))
    5.0
    """
    tnp = _tnp()
    if dtype_of(x).kind not in "fc":
        x = tnp.astype(x, float)
    nd = len(shape_of(x))
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            ret = bind(vector_norm_p, x, ord=2.0, axis=tuple(range(nd)), keepdims=bool(keepdims))
            return ret
        axis = tuple(range(nd))
    elif not isinstance(axis, (tuple, list)):
        axis = (axis,)
    axis = tuple(normalize_axis(a, nd, "norm") for a in axis)
    if len(axis) == 1:
        return _vector_norm(x, ord, axis, keepdims)
    if len(axis) == 2:
        if axis[0] == axis[1]:
            raise ValueError("Duplicate axes given.")
        return _matrix_norm(x, ord, axis[0], axis[1], keepdims)
    raise ValueError("Improper number of dimensions to norm.")


@implements(numpy_function("linalg.vector_norm"))
def vector_norm(x: ArrayLike, /, *, axis: Axis = None, keepdims: bool = False, ord: int = 2
                ) -> Array:
    """``vector_norm(x, axis=None, keepdims=False, ord=2)``: the norm over ``axis`` (any
    number of axes) as one flattened vector.

    >>> float(vector_norm(np.ones((2, 2))))
    2.0
    """
    tnp = _tnp()
    if dtype_of(x).kind not in "fc":
        x = tnp.astype(x, float)
    axes = normalize_axes(axis, len(shape_of(x)), "vector_norm")
    if ord in (np.inf, -np.inf, 0, 1) or isinstance(ord, str):
        return _vector_norm(x, ord, axes, keepdims)
    return bind(vector_norm_p, x, ord=float(ord), axis=axes, keepdims=bool(keepdims))


@implements(numpy_function("linalg.matrix_norm"))
def matrix_norm(x: ArrayLike, /, *, keepdims: bool = False, ord: str = "fro") -> Array:
    """``matrix_norm(x, keepdims=False, ord="fro")``: `norm` over the last two axes.

    >>> float(matrix_norm(np.eye(2), ord="nuc"))
    2.0
    """
    return norm(x, ord, axis=(-2, -1), keepdims=keepdims)
