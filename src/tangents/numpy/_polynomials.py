"""Polynomials (poly, polyval, polyadd/sub/mul/der/int/div, polyfit, roots) and the 1-d
convolve and correlate, composed from the families so that every coefficient and root is
differentiable."""
from __future__ import annotations

__all__ = ['poly', 'polyadd', 'polysub', 'polymul', 'polyder', 'polyint', 'polydiv', 'polyfit',
           'roots', 'polyval', 'convolve', 'correlate']

import operator
from typing import Any, Literal

import numpy as np

from .. import numpy as tnp  # the package namespace; read only at call time
from ..core import Tracer
from ..typing import Array, ArrayLike
from ._dispatch import (
    _concrete,
    dtype_of,
    implements,
    ndim,
    numpy_on_plain,
    shape_of,
)
from ._logic import _as_bool, allclose
from .linalg._eig import eigvals


# -- polynomials --------------------------------------------------------------------------
def _poly1d_check(*ps: Any) -> None:
    for p in ps:
        if isinstance(p, np.poly1d):
            raise NotImplementedError("poly1d objects are not supported on traced values")


@implements(np.poly)
@numpy_on_plain(np.poly)
def poly(seq_of_zeros: ArrayLike) -> Array | float:
    """``poly(seq_of_zeros)``: coefficients of the monic polynomial with these roots (or
    the characteristic polynomial of a square matrix), differentiable in the roots.

    >>> poly(np.array([1.0, 2.0]))
    array([ 1., -3.,  2.])
    """
    z = tnp.atleast_1d(seq_of_zeros)
    sh = shape_of(z)
    if len(sh) == 2 and sh[0] == sh[1] and sh[0] != 0:
        z = eigvals(z)
    elif len(sh) != 1:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    if sh[0] == 0:
        return 1.0
    a: Any = np.ones((1,), dtype_of(z))
    for k in range(shape_of(z)[0]):
        zero = np.zeros((1,), dtype_of(z))
        a = tnp.concatenate([a, zero]) - z[k] * tnp.concatenate([zero, a])
    if dtype_of(a).kind == "c":
        r = tnp.sort(tnp.astype(z, complex))
        pairs = tnp.all(tnp.equal(r, tnp.sort(tnp.conj(r))))
        if not isinstance(pairs, Tracer) and pairs:
            a = tnp.real(a)
    return a


def _padded_sum(a1: Any, a2: Any, sign: int) -> Any:
    a1, a2 = tnp.atleast_1d(a1), tnp.atleast_1d(a2)
    d = shape_of(a2)[0] - shape_of(a1)[0]
    if d > 0:
        a1 = tnp.concatenate([np.zeros(d, dtype_of(a1)), a1])
    elif d < 0:
        a2 = tnp.concatenate([np.zeros(-d, dtype_of(a2)), a2])
    return a1 + a2 if sign > 0 else a1 - a2


@implements(np.polyadd)
def polyadd(a1: ArrayLike, a2: ArrayLike) -> Array:
    """``polyadd(a1, a2)``: sum of two polynomials (highest power first).

    >>> polyadd(np.array([1.0, 2.0]), np.array([1.0]))
    array([1., 3.])
    """
    _poly1d_check(a1, a2)
    return _padded_sum(a1, a2, 1)


@implements(np.polysub)
def polysub(a1: ArrayLike, a2: ArrayLike) -> Array:
    """``polysub(a1, a2)``: difference of two polynomials (highest power first)."""
    _poly1d_check(a1, a2)
    return _padded_sum(a1, a2, -1)


@implements(np.polymul)
@numpy_on_plain(np.polymul)
def polymul(a1: ArrayLike, a2: ArrayLike) -> Array:
    """``polymul(a1, a2)``: product of two polynomials, ``convolve(a1, a2)``.

    >>> polymul(np.array([1.0, 1.0]), np.array([1.0, -1.0]))
    array([ 1.,  0., -1.])
    """
    _poly1d_check(a1, a2)
    return tnp.convolve(tnp.atleast_1d(a1), tnp.atleast_1d(a2))


@implements(np.polyder)
@numpy_on_plain(np.polyder)
def polyder(p: ArrayLike, m: int = 1) -> Array:
    """``polyder(p, m=1)``: the ``m``-th derivative's coefficients.

    >>> polyder(np.array([1.0, 1.0, 1.0]))
    array([2., 1.])
    """
    _poly1d_check(p)
    m = operator.index(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = tnp.asarray(p)
    for _ in range(m):
        n = shape_of(p)[0] - 1
        p = p[:-1] * np.arange(n, 0, -1)
    return p


@implements(np.polyint)
@numpy_on_plain(np.polyint)
def polyint(p: ArrayLike, m: int = 1, k: ArrayLike | None = None) -> Array:
    """``polyint(p, m=1, k=None)``: the ``m``-th antiderivative, integration constants ``k``.

    >>> polyint(np.array([2.0, 1.0]))
    array([1., 1., 0.])
    """
    _poly1d_check(p)
    m = operator.index(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    ks: Any = np.zeros(m, float) if k is None else tnp.atleast_1d(k)
    if shape_of(ks)[0] == 1 and m > 1:
        ks = ks[0] * np.ones(m, float)
    if shape_of(ks)[0] < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = tnp.asarray(p)
    for j in range(m):
        p = tnp.concatenate([p / np.arange(shape_of(p)[0], 0, -1),
                             tnp.reshape(tnp.asarray(ks[j]), (1,))])
    return p


@implements(np.polydiv)
@numpy_on_plain(np.polydiv)
def polydiv(u: ArrayLike, v: ArrayLike) -> tuple[Array, Array]:
    """``polydiv(u, v)``: ``(quotient, remainder)`` by long division, differentiable in
    ``u`` and ``v``; leading remainder terms that are ~0 are trimmed on primal values.

    >>> polydiv(np.array([1.0, 0.0, -1.0]), np.array([1.0, 1.0]))
    (array([ 1., -1.]), array([0.]))
    """
    _poly1d_check(u, v)
    u, v = tnp.atleast_1d(u) + 0.0, tnp.atleast_1d(v) + 0.0
    m, n = shape_of(u)[0] - 1, shape_of(v)[0] - 1
    scale = 1.0 / v[0]
    r: Any = [u[i] for i in range(m + 1)]
    q: Any = []
    for k in range(m - n + 1):
        d = scale * r[k]
        q.append(d)
        for i in range(n + 1):
            r[k + i] = r[k + i] - d * v[i]
    q = tnp.stack(q) if q else np.zeros(1, np.result_type(dtype_of(u), dtype_of(v)))
    r = tnp.stack(r)
    while shape_of(r)[0] > 1 and _as_bool(allclose(r[0], 0, rtol=1e-14)):
        r = r[1:]
    return q, r


@implements(np.polyfit)
@numpy_on_plain(np.polyfit)
def polyfit(x: ArrayLike, y: ArrayLike, deg: int, rcond: float | None = None, full: bool = False,
            w: ArrayLike | None = None, cov: bool | Literal["unscaled"] = False
            ) -> Array | tuple[Any, ...]:
    """``polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False)``: least-squares
    coefficients through ``tnp.linalg.lstsq`` (pinv), differentiable in ``x``, ``y``, ``w``.

    >>> polyfit(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]), 1).round(6)
    array([2., 1.])
    """
    order = int(deg) + 1
    x, y = tnp.asarray(x) + 0.0, tnp.asarray(y) + 0.0
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if ndim(x) != 1 or shape_of(x)[0] == 0:
        raise TypeError("expected non-empty 1D vector for x")
    if ndim(y) < 1 or ndim(y) > 2:
        raise TypeError("expected 1D or 2D array for y")
    if shape_of(x)[0] != shape_of(y)[0]:
        raise TypeError("expected x and y to have same length")
    if rcond is None:
        rcond = shape_of(x)[0] * np.finfo(dtype_of(x)).eps
    lhs, rhs = tnp.vander(x, order), y
    if w is not None:
        w = tnp.asarray(w) + 0.0
        lhs = lhs * tnp.expand_dims(w, 1)
        rhs = rhs * (tnp.expand_dims(w, 1) if ndim(rhs) == 2 else w)
    scale = tnp.sqrt(tnp.sum(lhs * lhs, axis=0))
    lhs = lhs / scale
    if full or cov:
        c, resids, rank, s = tnp.linalg.lstsq(lhs, rhs, rcond)
    else:  # lstsq's solution alone, which also batches under vmap
        c = tnp.linalg.pinv(lhs, rcond=rcond) @ rhs
    c = tnp.transpose(tnp.transpose(c) / scale)
    if full:
        return c, resids, rank, s, rcond
    if cov:
        vbase = tnp.linalg.inv(tnp.transpose(lhs) @ lhs) / tnp.outer(scale, scale)
        fac: Any
        if cov == "unscaled":
            fac = 1
        else:
            if shape_of(x)[0] <= order:
                raise ValueError("the number of data points must exceed order to scale the "
                                 "covariance matrix")
            fac = resids / (shape_of(x)[0] - order)
        return c, (vbase * fac if ndim(y) == 1 else tnp.expand_dims(vbase, 2) * fac)
    return c


@implements(np.roots)
@numpy_on_plain(np.roots)
def roots(p: ArrayLike) -> Array:
    """``roots(p)``: eigenvalues of the companion matrix (via `linalg.eigvals`), so
    differentiable in ``p`` at simple roots; complex unless every root is real.

    >>> roots(np.array([1.0, -3.0, 2.0]))
    array([2., 1.])
    """
    p = tnp.atleast_1d(p)
    if ndim(p) != 1:
        raise ValueError("Input must be a rank-1 array.")
    nz = _concrete(tnp.nonzero(p)[0], "roots")
    if nz.size == 0:
        return np.array([])
    trailing = shape_of(p)[0] - int(nz[-1]) - 1
    p = p[int(nz[0]):int(nz[-1]) + 1]
    if dtype_of(p).kind not in "fc":
        p = tnp.astype(p, float)
    n = shape_of(p)[0]
    if n > 1:
        first = tnp.expand_dims(-p[1:] / p[0], 0)
        rest = np.eye(n - 2, n - 1, dtype=dtype_of(p))
        r = eigvals(tnp.concatenate([first, rest]))
    else:
        r = np.array([], dtype_of(p))
    return tnp.concatenate([r, np.zeros(trailing, dtype_of(r))]) if trailing else r


# -- polyval, convolution and correlation --------------------------------------------------
@implements(np.polyval)
@numpy_on_plain(np.polyval)
def polyval(p: ArrayLike, x: ArrayLike) -> Array:
    """``polyval(p, x)``: ``p[0] x**(n-1) + ... + p[n-1]`` by Horner's rule.

    >>> polyval(np.array([1.0, 0.0, -1.0]), np.array([2.0, 3.0]))
    array([3., 8.])
    """
    p, x = tnp.asarray(p), tnp.asarray(x)
    y = np.zeros(shape_of(x), dtype_of(x))
    for i in range(shape_of(p)[0]):
        y = y * x + tnp.getitem(p, i)
    return y


def _correlate_core(x: Any, y: Any, mode: str) -> Any:
    """NumPy's un-conjugated 1-d correlation of ``x`` with the (not longer) ``y``:
    ``out[i] = sum_j xp[i + off + j] y[j]``, ``xp`` being ``x`` zero-padded by m-1."""
    n, m = shape_of(x)[0], shape_of(y)[0]
    if mode == "full":
        off, length = 0, n + m - 1
    elif mode == "same":
        off, length = m - 1 - m // 2, n
    elif mode == "valid":
        off, length = m - 1, n - m + 1
    else:
        raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")
    xp = tnp.pad(x, (m - 1, m - 1))
    window = tnp.getitem(xp, np.arange(length)[:, None] + off + np.arange(m)[None, :])
    return tnp.matmul(window, y)


def _vectors(a: Any, v: Any) -> tuple[Any, Any]:
    a, v = tnp.asarray(a), tnp.asarray(v)
    a = tnp.reshape(a, (1,)) if len(shape_of(a)) == 0 else a
    v = tnp.reshape(v, (1,)) if len(shape_of(v)) == 0 else v
    if len(shape_of(a)) != 1 or len(shape_of(v)) != 1:
        raise ValueError("object too deep for desired array")
    if shape_of(a)[0] == 0:
        raise ValueError("a cannot be empty")
    if shape_of(v)[0] == 0:
        raise ValueError("v cannot be empty")
    return a, v


@implements(np.convolve)
@numpy_on_plain(np.convolve)
def convolve(a: ArrayLike, v: ArrayLike, mode: str = "full") -> Array:
    """``convolve(a, v, mode="full")``: discrete linear convolution of 1-d arrays (modes
    full, same, valid).

    >>> convolve(np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0]))
    array([1., 3., 3., 2.])
    """
    a, v = _vectors(a, v)
    if shape_of(v)[0] > shape_of(a)[0]:
        a, v = v, a
    return _correlate_core(a, tnp.flip(v), mode)


@implements(np.correlate)
@numpy_on_plain(np.correlate)
def correlate(a: ArrayLike, v: ArrayLike, mode: str = "valid") -> Array:
    """``correlate(a, v, mode="valid")``: ``c[k] = sum_n a[n + k] tnp.conj(v[n])`` of 1-d
    arrays (modes valid, same, full).

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0]))
    array([2., 3.])
    """
    a, v = _vectors(a, v)
    v = tnp.conj(v)
    if shape_of(v)[0] > shape_of(a)[0]:  # NumPy swaps the arguments and reverses the result
        return tnp.flip(_correlate_core(v, a, mode))
    return _correlate_core(a, v, mode)
