"""Non-symmetric eigendecomposition (linalg.eig, linalg.eigvals) with forward and reverse
rules, and linalg.cross."""
from __future__ import annotations

__all__ = []  # reached through NumPy's dispatch (np.linalg.eig, ...), not tnp's namespace

from collections import namedtuple
from typing import Any

import numpy as np

from ... import numpy as tnp  # the package namespace; read only at call time
from ...core import Primitive, Tracer, bind, move_bdim
from ...typing import Array, ArrayLike
from .._dispatch import dtype_of, implements, ndim, numpy_function, shape_of


@implements(numpy_function("linalg.cross"))
def linalg_cross(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Array:
    """``linalg.cross(x1, x2, axis=-1)``: cross product of 3-vectors."""
    if shape_of(x1)[axis] != 3 or shape_of(x2)[axis] != 3:
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors, but "
                         f"they are {shape_of(x1)[axis]} and {shape_of(x2)[axis]} dimensional "
                         "instead.")
    return tnp.cross(x1, x2, axis=axis)


EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])


def _eig_impl(x: Any) -> Any:
    w, v = np.linalg.eig(x)
    c = np.result_type(x.dtype, np.complex64)
    return [w.astype(c), v.astype(c)]


def _eig_parts(w: Any, v: Any) -> Any:
    # (V^-1, F) with F_ij = 1 / (w_j - w_i), 0 on the diagonal and for (near-)equal pairs
    n = shape_of(w)[-1]
    d = tnp.expand_dims(w, -2) - tnp.expand_dims(w, -1)
    scale = tnp.max(tnp.absolute(w), axis=-1, keepdims=True, initial=0.0)
    small = tnp.less_equal(tnp.absolute(d), n * np.finfo(dtype_of(w)).eps
                           * tnp.expand_dims(scale, -1))
    return tnp.linalg.inv(v), tnp.where(small, 0.0, 1 / tnp.where(small, 1.0, d))


def _eig_jvp(t: Any, ans: Any, x: Any) -> Any:
    # dw = diag(V^-1 dA V); dV = V (F o V^-1 dA V), minus V Re(diag(V^H dV)) (unit columns)
    w, v = ans
    vinv, f = _eig_parts(w, v)
    p = vinv @ t @ v
    du = v @ (f * p)
    keep = tnp.real(tnp.sum(tnp.conj(v) * du, axis=-2))
    return [tnp.sum(p * np.eye(shape_of(w)[-1]), axis=-1), du - v * tnp.expand_dims(keep, -2)]


def _eig_vjp(ct: Any, ans: Any, x: Any) -> Any:
    # the transpose of _eig_jvp under the pairing Re(sum(a * b))
    w, v = ans
    ct_w, ct_v = ct
    vinv, f = _eig_parts(w, v)
    c = tnp.real(tnp.sum(ct_v * v, axis=-2))
    ct_du = ct_v - tnp.conj(v) * tnp.expand_dims(c, -2)
    ct_p = f * (tnp.swapaxes(v, -1, -2) @ ct_du) + tnp.expand_dims(ct_w, -1) * np.eye(
        shape_of(w)[-1])
    return tnp.swapaxes(vinv, -1, -2) @ ct_p @ tnp.swapaxes(v, -1, -2)


eig_p = Primitive("linalg_eig", _eig_impl, multiple_results=True)
eig_p.def_vjp(_eig_vjp)
eig_p.def_jvp(_eig_jvp)
eig_p.def_batch(lambda vals, bdims: (bind(eig_p, move_bdim(vals[0], bdims[0], 0)), [0, 0]))


def _eig(a: Any) -> Any:
    if ndim(a) < 2 or shape_of(a)[-1] != shape_of(a)[-2]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    w, v = bind(eig_p, tnp.asarray(a))
    if dtype_of(a).kind != "c":
        real = tnp.all(tnp.equal(tnp.imag(w), 0))
        if not isinstance(real, Tracer) and real:  # NumPy: real results when all are real
            w, v = tnp.real(w), tnp.real(v)
    return w, v


@implements(np.linalg.eig)
def eig(a: ArrayLike) -> tuple[Array, Array]:
    """``linalg.eig(a)``: ``(eigenvalues, eigenvectors)`` of a general square matrix
    (complex unless every eigenvalue is real; always complex under vmap).

    ``dw_i = (V^-1 dA V)_ii``; ``dV = V (F o V^-1 dA V)`` with ``F_ij = 1 / (w_j - w_i)``,
    projected to keep unit columns.  Exact for distinct eigenvalues; eigenvectors are
    defined up to a phase, so only phase-invariant functions of complex eigenvectors match
    finite differences.

    >>> eig(np.diag([2.0, 1.0])).eigenvalues
    array([2., 1.])
    """
    return EigResult(*_eig(a))


@implements(np.linalg.eigvals)
def eigvals(a: ArrayLike) -> Array:
    """``linalg.eigvals(a)``: the eigenvalues of `eig`.

    >>> eigvals(np.diag([2.0, 1.0]))
    array([2., 1.])
    """
    return _eig(a)[0]
