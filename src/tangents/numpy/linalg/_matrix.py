"""tangents.numpy.linalg's determinants, inverses and products: det (through the adjugate,
so singular matrices are fine), slogdet, pinv, lstsq, matrix_power, multi_dot,
tensorsolve, tensorinv and matrix_rank."""
from __future__ import annotations

import operator
import typing
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.linalg import LinAlgError

from ...core import Primitive, bind, builders, stop_gradient
from ...typing import Array, ArrayLike
from .._dispatch import dtype_of, implements, normalize_axis, shape_of
from ._solve import (
    _T,
    _batch_axis_to_front,
    _diag,
    _diagm,
    _eye,
    _peek,
    _row,
    _tnp,
    inv,
    inv_p,
    solve,
    solve_p,
)
from ._spectral import svd_p, svdvals

SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


# -- det (through the adjugate) ----------------------------------------------------------
def _adjugate_impl(x: Any) -> Any:
    # adj(U S V^T) = det(U) det(V) V adj(S) U^T, adj(S) = diag(prod_{k != i} s_k): any rank
    u, s, vh = np.linalg.svd(x)
    n = s.shape[-1]
    q = np.prod(np.where(np.eye(n, dtype=bool), 1, s[..., None, :]), axis=-1)
    c = np.sign(np.linalg.det(u) * np.linalg.det(vh))[..., None, None]
    return c * (np.swapaxes(vh, -1, -2) * q[..., None, :]) @ np.swapaxes(u, -1, -2)


_det_sign_p = builders.nondifferentiable("linalg_det_sign",
                                         lambda x: np.sign(np.linalg.det(x)))
_det_sign_p.def_batch(_batch_axis_to_front(_det_sign_p))


def _adjugate_frame(x: Any) -> Any:
    """U, V, c = det(U) det(V), P_ij = prod_{k != i, j} s_k (0 on the diagonal), and which
    matrices are near singular (s_min <= eps^(1/3) s_max) with a safe stand-in for them."""
    tnp = _tnp()
    u, s, vh = bind(svd_p, stop_gradient(x))
    cut = np.finfo(dtype_of(x)).eps ** (1 / 3) * s[..., 0]
    near = tnp.expand_dims(s[..., -1] <= cut, (-2, -1))
    if np.any(_peek(near)):  # the SVD's derivative only where it is used (it may not exist)
        u, s, vh = bind(svd_p, tnp.where(near, x, stop_gradient(x)))
    n = shape_of(s)[-1]
    eye = np.eye(n, dtype=bool)
    mask = eye[:, None, :] | eye[None, :, :]  # [i, j, k]: k == i or k == j
    p = tnp.prod(tnp.where(mask, 1.0, tnp.expand_dims(s, (-3, -2))), axis=-1)
    c = tnp.expand_dims(bind(_det_sign_p, u) * bind(_det_sign_p, vh), (-2, -1))
    safe = tnp.where(near, _eye(x), x)
    return u, _T(vh), c, p * (1 - _eye(x)), near, safe


def _adjugate_map(p_off: Any, e: Any) -> Any:
    # d adj(S)[E] at diagonal S: -E_ij P_ij off the diagonal, sum_{k != i} E_kk P_ik on it;
    # this map is self-adjoint
    return -(e * p_off) + _diagm(_tnp().sum(p_off * _row(_diag(e)), axis=-1))


# d adj(A)[E] = c V dadj(S)[U^T E V] U^T from the SVD A = U S V^T (exact for any rank, but
# its own derivative needs distinct singular values), and for nonsingular A the smooth
# d adj = adj tr(A^-1 E) - A^-1 E adj, used wherever A is not near singular
def _adjugate_jvp(t: Any, ans: Any, x: Any) -> Any:
    tnp = _tnp()
    u, v, c, p_off, near, safe = _adjugate_frame(x)
    y = bind(solve_p, safe, t)
    smooth = ans * tnp.expand_dims(tnp.sum(_diag(y), axis=-1), (-2, -1)) - y @ ans
    return tnp.where(near, c * (v @ _adjugate_map(p_off, _T(u) @ t @ v) @ _T(u)), smooth)


def _adjugate_vjp(ct: Any, ans: Any, x: Any) -> Any:
    tnp = _tnp()
    u, v, c, p_off, near, safe = _adjugate_frame(x)
    g_adj = tnp.expand_dims(tnp.sum(ct * ans, axis=(-2, -1)), (-2, -1))
    smooth = bind(solve_p, _T(safe), g_adj * _eye(x) - ct @ _T(ans))
    return tnp.where(near, c * (u @ _adjugate_map(p_off, _T(v) @ ct @ u) @ _T(v)), smooth)


adjugate_p = Primitive("linalg_adjugate", _adjugate_impl)
adjugate_p.def_vjp(_adjugate_vjp)
adjugate_p.def_jvp(_adjugate_jvp)
adjugate_p.def_batch(_batch_axis_to_front(adjugate_p))

det_p = Primitive("linalg_det", np.linalg.det)
# d det(A) = tr(adj(A) dA), exact for singular A too
det_p.def_vjp(lambda ct, ans, x: _tnp().expand_dims(ct, (-2, -1)) * _T(bind(adjugate_p, x)))
det_p.def_jvp(lambda t, ans, x: _tnp().sum(_T(bind(adjugate_p, x)) * t, axis=(-2, -1)))
det_p.def_batch(_batch_axis_to_front(det_p))


@implements(np.linalg.det)
def det(a: ArrayLike) -> Array:
    """``det(a)``: determinant.  Its derivative is the adjugate (computed from the SVD),
    exact for singular matrices too; for nonsingular matrices every order is exact, for
    (near-)singular ones orders up to two (higher ones go through the SVD's derivative and
    need distinct singular values).

    >>> float(det(np.array([[1.0, 2.0], [3.0, 4.0]])))
    -2.0000000000000004
    """
    return bind(det_p, a)


# -- slogdet -----------------------------------------------------------------------------
slogdet_p = Primitive("linalg_slogdet", lambda x: list(np.linalg.slogdet(x)),
                      multiple_results=True)
# d log|det A| = tr(A^-1 dA); the sign is piecewise constant
slogdet_p.def_vjp(lambda ct, ans, x: _tnp().expand_dims(ct[1], (-2, -1)) * _T(bind(inv_p, x)))
slogdet_p.def_jvp(lambda t, ans, x: [None, _tnp().sum(_diag(bind(solve_p, x, t)), axis=-1)])
slogdet_p.def_batch(_batch_axis_to_front(slogdet_p))


@implements(np.linalg.slogdet)
def slogdet(a: ArrayLike) -> tuple[Array, Array]:
    """``slogdet(a)``: ``(sign, logabsdet)`` of the determinant; ``sign`` carries no
    derivative.

    >>> float(slogdet(2 * np.eye(2)).logabsdet)
    1.3862943611198906
    """
    return SlogdetResult(*bind(slogdet_p, a))


# -- pinv --------------------------------------------------------------------------------
def _pinv_jvp(t: Any, ans: Any, x: Any, **params: Any) -> Any:
    # constant-rank derivative (Golub & Pereyra 1973):
    # dA+ = -A+ dA A+ + A+ A+^T dA^T (I - A A+) + (I - A+ A) dA^T A+^T A+
    tt = _T(t)
    return (-(ans @ t @ ans) + ans @ (_T(ans) @ tt) @ (_eye(x, shape_of(x)[-2]) - x @ ans)
            + (_eye(x) - ans @ x) @ (tt @ _T(ans)) @ ans)


def _pinv_vjp(ct: Any, ans: Any, x: Any, **params: Any) -> Any:
    # the transpose of _pinv_jvp
    cta = _T(ct)
    return (-(_T(ans) @ ct @ _T(ans)) + (_eye(x, shape_of(x)[-2]) - x @ ans) @ cta @ (ans @ _T(ans))
            + (_T(ans) @ ans) @ cta @ (_eye(x) - ans @ x))


pinv_p = Primitive("linalg_pinv", lambda x, **params: np.linalg.pinv(x, **params))
pinv_p.def_vjp(_pinv_vjp)
pinv_p.def_jvp(_pinv_jvp)
pinv_p.def_batch(_batch_axis_to_front(pinv_p))


@implements(np.linalg.pinv)
def pinv(a: ArrayLike, rcond: ArrayLike | None = None, hermitian: bool = False, *,
         rtol: ArrayLike | Any = np._NoValue) -> Array:
    """``pinv(a, rcond=None, hermitian=False, *, rtol)``: Moore-Penrose pseudo-inverse.
    The derivative assumes the rank is locally constant (true away from the cutoff).

    >>> pinv(np.array([[2.0, 0.0]]))
    array([[0.5],
           [0. ]])
    """
    params: dict[str, Any] = {"hermitian": bool(hermitian)}
    if rcond is not None:
        params["rcond"] = rcond
    if rtol is not np._NoValue:
        params["rtol"] = rtol
    return bind(pinv_p, a, **params)


@implements(np.linalg.lstsq)
def lstsq(a: ArrayLike, b: ArrayLike, rcond: float | None = None
          ) -> tuple[Array, Array, Array | int, Array]:
    """``lstsq(a, b, rcond=None)``: ``(x, residuals, rank, s)``, the minimum-norm
    least-squares solution, computed as ``pinv(a, rcond) @ b`` (so its derivative is
    pinv's: exact while the rank is constant).  Like NumPy's, for one 2-d ``a``; under
    vmap the residuals need every example's rank to be full, or every one deficient.

    >>> lstsq(np.array([[1.0], [1.0]]), np.array([1.0, 3.0]))[0]
    array([2.])
    """
    tnp = _tnp()
    m, n = shape_of(a)[-2:]
    if rcond is None:
        rcond = np.finfo(dtype_of(a)).eps * max(m, n)
    x = pinv(a, rcond=rcond) @ b
    s = svdvals(a)
    rank = matrix_rank(a, rtol=rcond)  # gelsd's cutoff: s <= rcond * max(s) is zero
    full = np.asarray(_peek(rank)) == n  # every example's, under vmap (a static shape)
    if m > n and np.any(full) and not np.all(full):
        raise LinAlgError(
            f"lstsq under vmap: a ({m}, {n}) has rank {n} in some examples and less in "
            "others, so NumPy's residuals would differ in shape between examples; for the "
            "solution alone use pinv(a) @ b")
    residuals: Any
    if m > n and np.all(full):
        r = typing.cast(Array, b) - typing.cast(Array, a) @ x  # matrices (shape_of read them)
        residuals = tnp.sum(r * r, axis=0)
        residuals = tnp.reshape(residuals, (1,)) if len(shape_of(b)) == 1 else residuals
    else:
        residuals = np.empty((0,), dtype_of(x))
    return x, residuals, rank, s


# -- composites --------------------------------------------------------------------------
@implements(np.linalg.matrix_power)
def matrix_power(a: ArrayLike, n: int) -> Array:
    """``matrix_power(a, n)``: ``a @ a @ ... @ a`` by repeated squaring; ``n < 0`` uses
    ``inv(a)``, ``n == 0`` the identity (a constant).

    >>> float(matrix_power(2 * np.eye(2), 3)[0, 0])
    8.0
    """
    n = operator.index(n)
    s = shape_of(a)
    x: Any = a
    if len(s) < 2 or s[-1] != s[-2]:
        raise LinAlgError("matrix_power: the last two dimensions must be square")
    if n == 0:
        return np.broadcast_to(_eye(a), s).copy()
    if n < 0:
        x, n = inv(x), -n
    out: Any = None
    while n:
        if n & 1:
            out = x if out is None else out @ x
        n >>= 1
        if n:
            x = x @ x
    return out


@implements(np.linalg.multi_dot)
def multi_dot(arrays: Sequence[ArrayLike], *, out: None = None) -> Array:
    """``multi_dot(arrays)``: the chained product in the cheapest order (first and last
    may be vectors).

    >>> float(multi_dot([np.ones(2), np.eye(2), np.ones(2)]))
    2.0
    """
    if out is not None:
        raise TypeError("multi_dot: out= is not supported")
    tnp = _tnp()
    mats: list[Any] = list(arrays)
    if len(mats) < 2:
        raise ValueError("multi_dot: expecting at least two arrays")
    first_vec, last_vec = len(shape_of(mats[0])) == 1, len(shape_of(mats[-1])) == 1
    if first_vec:
        mats[0] = tnp.reshape(mats[0], (1, -1))
    if last_vec:
        mats[-1] = tnp.reshape(mats[-1], (-1, 1))
    dims = [shape_of(mats[0])[0]] + [shape_of(x)[1] for x in mats]
    k = len(mats)
    cost: list[list[float]] = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):  # matrix-chain order by dynamic programming
        for i in range(k - length):
            j = i + length
            cost[i][j] = np.inf
            for c in range(i, j):
                q = cost[i][c] + cost[c + 1][j] + dims[i] * dims[c + 1] * dims[j + 1]
                if q < cost[i][j]:
                    cost[i][j], split[i][j] = q, c

    def chain(i: int, j: int) -> Any:
        if i == j:
            return mats[i]
        return chain(i, split[i][j]) @ chain(split[i][j] + 1, j)

    res = chain(0, k - 1)
    if first_vec and last_vec:
        return tnp.reshape(res, ())
    if first_vec or last_vec:
        return tnp.reshape(res, shape_of(res)[1:] if first_vec else shape_of(res)[:-1])
    return res


@implements(np.linalg.tensorsolve)
def tensorsolve(a: ArrayLike, b: ArrayLike, axes: Sequence[int] | None = None) -> Array:
    """``tensorsolve(a, b, axes=None)``: ``x`` with ``tensordot(a, x, x.ndim) == b``.

    >>> tensorsolve(np.eye(4).reshape(2, 2, 2, 2), np.ones((2, 2))).shape
    (2, 2)
    """
    tnp = _tnp()
    an = len(shape_of(a))
    if axes is not None:
        order = [k for k in range(an) if k not in [normalize_axis(x, an, "tensorsolve")
                                                  for x in axes]]
        order += [normalize_axis(x, an, "tensorsolve") for x in axes]
        a = tnp.transpose(a, order)
    oldshape = shape_of(a)[-(an - len(shape_of(b))):]
    size = int(np.prod(oldshape))
    if int(np.prod(shape_of(a))) != size ** 2:
        raise LinAlgError("Input arrays must satisfy the requirement "
                          "prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])")
    x = solve(tnp.reshape(a, (size, size)), tnp.reshape(b, (-1,)))
    return tnp.reshape(x, oldshape)


@implements(np.linalg.tensorinv)
def tensorinv(a: ArrayLike, ind: int = 2) -> Array:
    """``tensorinv(a, ind=2)``: the inverse with respect to ``tensordot(..., ind)``.

    >>> tensorinv(np.eye(4).reshape(4, 2, 2), ind=1).shape
    (2, 2, 4)
    """
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    tnp = _tnp()
    s = shape_of(a)
    size = int(np.prod(s[ind:]))
    return tnp.reshape(inv(tnp.reshape(a, (size, -1))), s[ind:] + s[:ind])


def _matrix_rank_impl(x: Any, *, tol: Any, hermitian: Any, rtol: Any) -> Any:
    return np.linalg.matrix_rank(x, tol=tol, hermitian=hermitian, rtol=rtol)


matrix_rank_p = builders.nondifferentiable("linalg_matrix_rank", _matrix_rank_impl)
matrix_rank_p.def_batch(_batch_axis_to_front(matrix_rank_p))


@implements(np.linalg.matrix_rank)
def matrix_rank(A: ArrayLike, tol: ArrayLike | None = None, hermitian: bool = False, *,
                rtol: ArrayLike | None = None) -> Array | int:
    """``matrix_rank(A, tol=None, hermitian=False, *, rtol=None)``: an integer, not
    differentiable.

    >>> int(matrix_rank(np.diag([1.0, 0.0])))
    1
    """
    if len(shape_of(A)) < 2:
        return int(not np.all(A == 0))
    return bind(matrix_rank_p, A, tol=tol, hermitian=hermitian, rtol=rtol)
