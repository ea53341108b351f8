"""Complex parts: imag, conj/conjugate and angle (real lives in _creation.py).

Convention.  A VJP is the plain transpose of the JVP, for complex values as for real ones
(no conjugation; JAX's convention; see also fft.py).  For a real loss ``L`` of ``z = x + iy``
the cotangent (and ``grad``) of ``z`` is ``dL/dx - i dL/dy``: ``grad(lambda z: (z * c).real)``
is ``c``, and ``grad(lambda z: z.imag)`` is ``-1j``.  A real input receives the real part of
the cotangent that reaches it (the interpreters' cast), which is ``dL/dx`` under either
convention.  The tests check every rule against finite differences in ``x`` and ``y``.
"""
from __future__ import annotations

__all__ = ['imag', 'conj', 'conjugate', 'angle']

from typing import cast

import numpy as np

from ..core import Primitive, batch_unary, bind, builders, sparsity
from ..typing import Array, ArrayLike
from ._creation import asarray, real
from ._dispatch import dtype_of, implements, implements_ufunc, is_traced, numpy_on_plain, shape_of
from ._elementwise import arctan2, equal, where

# imag(x + iy) = y: t -> imag(t); transposed, a real ct becomes ct * (-i) (L = y: dL/dy = 1)
imag_p = Primitive("imag", np.imag)
imag_p.def_vjp(lambda ct, ans, x: ct * -1j)
imag_p.def_jvp(lambda t, ans, x: bind(imag_p, t))
imag_p.def_batch(batch_unary(imag_p))
imag_p.def_sparsity(sparsity.union("linear"))


@implements(np.imag)
def imag(val: ArrayLike) -> Array:
    """``imag(val)``: the imaginary part (a constant array of zeros for real input).

    >>> imag(np.array([1.0 + 2.0j]))
    array([2.])
    """
    if dtype_of(val).kind != "c":
        return np.zeros(shape_of(val), dtype_of(val))
    return bind(imag_p, val)


# conj is linear over the reals; its transpose is conj again
conj_p = builders.linear("conj", np.conjugate,
                         lambda ct, x: conj(ct), batch_unary)  # type: ignore[has-type]
conj_p.def_sparsity(sparsity.union("linear"))


@implements_ufunc(np.conjugate)
@implements(np.conjugate)
def conj(x: ArrayLike) -> Array:
    """``conj(x)``: the complex conjugate (the value itself for real input).

    >>> conj(np.array([1.0 + 2.0j]))
    array([1.-2.j])
    """
    if not is_traced(x):
        return np.conjugate(x)  # plain arrays: NumPy's copy, scalar for 0-d, int8 for bool
    return bind(conj_p, x) if dtype_of(x).kind == "c" else cast(Array, x)  # traced


conjugate = conj

angle_const_p = builders.nondifferentiable(
    "angle_const", lambda z, *, deg: np.angle(z, deg), batch=batch_unary)


@implements(np.angle)
@numpy_on_plain(np.angle)
def angle(z: ArrayLike, deg: bool = False) -> Array:
    """``angle(z, deg=False)``: ``arctan2(imag(z), real(z))``.  For real input it is
    piecewise constant (0 or pi) and has a zero derivative; at ``z == 0`` the derivative
    is 0 (never nan).

    >>> angle(np.array([1.0j, -1.0]))
    array([1.57079633, 3.14159265])
    """
    z = asarray(z)
    if dtype_of(z).kind != "c":
        return bind(angle_const_p, z, deg=bool(deg))
    zero = equal(z, 0)
    ans = arctan2(where(zero, 0.0, imag(z)), where(zero, 1.0, real(z)))
    ans = where(zero, bind(angle_const_p, z, deg=False), ans)
    return ans * (180 / np.pi) if deg else ans
