"""Spectral factorizations for tangents.numpy.linalg: eigh, eigvalsh, svd and svdvals, real
and complex, batched over leading dimensions.

Repeated eigenvalues (singular values) form clusters.  Eigenvectors in a cluster have no
derivative: where a result needs one, it is NaN with a RuntimeWarning (never 0).  Spectral
functions (symmetric in the repeated values: sums, norms, traces of matrix powers) are
differentiable there, and their derivatives of every order computed here are exact up to
the second: the VJPs of eigvalsh/svdvals are the primitives ``V diag(c) V^H`` and
``U diag(c) V^H``, whose JVPs use divided differences of ``c``, and within a cluster the
basis that diagonalizes the tangent (so the eigenvalues' JVP there is the one-sided
directional derivative, eigenvalues of the tangent's block).
"""
from __future__ import annotations

__all__ = ['eigh', 'eigvalsh', 'svd', 'svdvals']

import warnings
from collections import namedtuple
from typing import Any, Literal

import numpy as np

from ...core import Primitive, Tracer, bind, move_bdim, stop_gradient
from ...typing import Array, ArrayLike
from .._dispatch import dtype_of, implements, numpy_function, shape_of
from ._solve import (
    _T,
    _batch_axis_to_front,
    _col,
    _diag,
    _diagm,
    _hermitian_from,
    _peek,
    _row,
    _safe_inv,
    _tnp,
)

EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])


def _cj(x: Any) -> Any:
    return _tnp().conj(x) if dtype_of(x).kind == "c" else x


def _H(x: Any) -> Any:
    return _cj(_T(x))


def _re(x: Any) -> Any:
    return _tnp().real(x) if dtype_of(x).kind == "c" else x


# -- clusters of repeated values ---------------------------------------------------------
def _cluster_tol(w: Any) -> Any:
    tnp = _tnp()
    return (shape_of(w)[-1] * np.finfo(dtype_of(w)).eps
            * tnp.max(tnp.abs(w), axis=-1, keepdims=True, initial=0.0))


def _clusters(w: Any) -> Any:
    """(k, same) for sorted values w (..., n): cluster numbers (consecutive values within
    n eps max|w| share one) and the mask of pairs in one cluster (diagonal included)."""
    tnp = _tnp()
    gap = tnp.abs(tnp.diff(w, axis=-1)) > _cluster_tol(w)
    first = tnp.zeros(shape_of(w)[:-1] + (1,), dtype_of(w))
    k = tnp.cumsum(tnp.concatenate([first, tnp.astype(gap, dtype_of(w))], axis=-1), axis=-1)
    return k, _col(k) == _row(k)


def _has_clusters(k: Any) -> Any:
    tnp = _tnp()
    return bool(np.any(_peek(tnp.any(k[..., 1:] == k[..., :-1]))))


def _cluster_basis(b: Any, k: Any, descending: Any) -> Any:
    """Unitary R, block diagonal over the clusters k, with R^H b R diagonal and sorted
    within each cluster (b Hermitian with no entries across clusters); a constant."""
    tnp = _tnp()
    n = shape_of(b)[-1]
    b = stop_gradient(-b if descending else b)
    shift = 2 * n * tnp.max(tnp.abs(b), axis=(-2, -1), keepdims=True) + 1  # parts apart
    return bind(eigh_p, b + _diagm(stop_gradient(k)) * shift, UPLO="L")[1]


def _rotate(w: Any, u: Any, v: Any, p: Any, descending: bool = False) -> Any:
    """(U R, V R, R^H P R) with R diagonalizing the Hermitian part of P in each cluster."""
    k, same = _clusters(w)
    if not _has_clusters(k):
        return u, v, p
    r = _cluster_basis(same * (p + _H(p)) * 0.5, k, descending)
    return u @ r, v @ r, _H(r) @ p @ r


def _divided(c: Any, w: Any, same: Any) -> Any:
    """(c_j - c_i) / (w_j - w_i), 0 within a cluster."""
    tnp = _tnp()
    d = _row(w) - _col(w)
    return (_row(c) - _col(c)) * tnp.where(same, 0.0, 1 / tnp.where(same, 1.0, d))


def _warn_nan(what: Any) -> Any:
    warnings.warn(f"{what} at repeated eigenvalues/singular values does not exist (it "
                  "depends on the basis chosen within the repeated ones): the result is NaN. "
                  "Use a function symmetric in the repeated values (eigvalsh/svdvals, "
                  "norms), or break the tie.", RuntimeWarning, stacklevel=4)


def _undetermined_impl(w: Any, m: Any, ref: Any, *, what: Any) -> Any:
    # per matrix: an entry of m (the coefficients of the missing 1/0 terms) within a
    # cluster, off the diagonal, is not negligible next to the largest of |ref|
    n = w.shape[-1]
    tol = n * np.finfo(w.dtype).eps * np.max(np.abs(w), axis=-1, keepdims=True, initial=0.0)
    k = np.cumsum(np.concatenate([np.zeros(w.shape[:-1] + (1,)),
                                  np.abs(np.diff(w, axis=-1)) > tol], axis=-1), axis=-1)
    inside = (k[..., :, None] == k[..., None, :]) & ~np.eye(n, dtype=bool)
    ref = np.abs(ref).reshape(ref.shape[:w.ndim - 1] + (-1,))
    scale = np.sqrt(np.finfo(w.dtype).eps) * np.max(ref, axis=-1, initial=0.0)[..., None, None]
    bad = np.any(inside & (np.abs(m) > scale), axis=(-2, -1), keepdims=True)
    if np.any(bad):
        _warn_nan(what)
    return bad


def _batch_front(prim: Any) -> Any:
    """Batching rule: batch axis to the front in every argument (broadcast where absent)."""
    def rule(vals: Any, bdims: Any, **params: Any) -> Any:
        tnp = _tnp()
        size = next(shape_of(v)[b] for v, b in zip(vals, bdims) if b is not None)
        vals = [tnp.broadcast_to(v, (size,) + shape_of(v)) if b is None else move_bdim(v, b, 0)
                for v, b in zip(vals, bdims)]
        out = bind(prim, *vals, **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)
    return rule


undetermined_p = Primitive("linalg_undetermined", _undetermined_impl, differentiable=False)
undetermined_p.def_batch(_batch_front(undetermined_p))


def _nan_if(w: Any, m: Any, ref: Any, x: Any, what: Any) -> Any:
    """x, NaN in the matrices where m needs a derivative that does not exist."""
    return _tnp().where(bind(undetermined_p, w, m, ref, what=what), np.nan, x)


# -- eigh --------------------------------------------------------------------------------
def _gaps(w: Any, same: Any) -> Any:  # F_ij = 1 / (w_j - w_i), 0 within a cluster
    tnp = _tnp()
    return tnp.where(same, 0.0, 1 / tnp.where(same, 1.0, _row(w) - _col(w)))


def _eigh_jvp(t: Any, ans: Any, x: Any, *, UPLO: Any) -> Any:
    # dw = diag(V^H dA V) (sorted within clusters), dV = V (F o V^H dA V)
    w, v = ans
    p = _H(v) @ t @ v
    _, same = _clusters(w)
    dv = _nan_if(w, p, p, v @ (_gaps(w, same) * p), "The derivative of eigh's eigenvectors")
    return [_re(_diag(_rotate(w, v, v, p)[2])), dv]


def _eigh_vjp(ct: Any, ans: Any, x: Any, *, UPLO: Any) -> Any:
    # the transpose of _eigh_jvp: conj(V) (diag(ct_w) + F o V^T ct_V) V^T
    w, v = ans
    ct_w, ct_v = ct
    if type(ct_v) is np.ndarray and not ct_v.any():
        # only the eigenvalues are read: eigvalsh's VJP, whose own derivatives stay exact
        # at repeated eigenvalues (divided differences)
        return _cj(bind(eig_spectral_p, ct_w, x, UPLO=UPLO))
    m = _T(v) @ ct_v
    _, same = _clusters(w)
    tnp = _tnp()
    need = tnp.abs(m - _H(m)) + tnp.abs(_row(ct_w) - _col(ct_w))
    g = _cj(v) @ (_diagm(ct_w) + _gaps(w, same) * m) @ _T(v)
    return _nan_if(w, need, tnp.abs(m) + tnp.abs(_col(ct_w)), g, "The derivative through eigh")


eigh_p = Primitive("linalg_eigh", lambda x, *, UPLO: list(np.linalg.eigh(x, UPLO)),
                   multiple_results=True)
eigh_p.def_vjp(_eigh_vjp)
eigh_p.def_jvp(_eigh_jvp)
eigh_p.def_batch(_batch_axis_to_front(eigh_p))


@implements(np.linalg.eigh)
def eigh(a: ArrayLike, UPLO: Literal["L", "U"] = "L") -> tuple[Array, Array]:
    """``eigh(a, UPLO="L")``: ``(eigenvalues, eigenvectors)`` of a Hermitian matrix,
    eigenvalues ascending.

    Reads the ``UPLO`` triangle like NumPy: the other triangle has derivative 0.  The
    eigenvectors' derivative is ``dV = V (F o (V^H dA V))`` with ``F_ij = 1 / (w_j - w_i)``;
    with repeated eigenvalues a result that depends on the eigenvectors within the
    repeated ones has no derivative: NaN and a RuntimeWarning.  Complex eigenvectors are
    defined up to a phase, so only phase-invariant functions of them are differentiable.

    >>> eigh(np.diag([2.0, 1.0])).eigenvalues
    array([1., 2.])
    """
    return EighResult(*bind(eigh_p, _hermitian_from(a, UPLO == "L"), UPLO=UPLO))


# -- eigvalsh and its VJP primitive V diag(c) V^H ----------------------------------------
def _eig_spectral_impl(c: Any, x: Any, *, UPLO: Any) -> Any:
    w, v = np.linalg.eigh(x, UPLO)
    need = np.abs(c[..., None, :] - c[..., :, None])
    bad = _undetermined_impl(w, need, c, what="The derivative of a function of eigvalsh "
                             "that is not symmetric in the repeated eigenvalues")
    return np.where(bad, np.nan, (v * c[..., None, :]) @ np.conj(np.swapaxes(v, -1, -2)))


def _eig_spectral_jvp(args: Any, tangents: Any, ans: Any, *, UPLO: Any) -> Any:
    # d(V diag(c) V^H) = V (diag(dc) + D o V^H dA V) V^H, D the divided differences of c
    # (Daleckii-Krein); in the basis diagonalizing the tangent within clusters
    c, x = args
    dc, dx = tangents
    w, v = bind(eigh_p, x, UPLO=UPLO)
    if dx is None:
        return v @ (_col(dc) * _H(v))
    _, v, p = _rotate(w, v, v, _H(v) @ dx @ v)
    _, same = _clusters(w)
    inner = _divided(c, w, same) * p
    if dc is not None:
        inner = inner + _diagm(dc)
    return v @ inner @ _H(v)


def _eig_spectral_vjp(ct: Any, ans: Any, args: Any, needed: Any, *, UPLO: Any) -> Any:
    # the transpose of _eig_spectral_jvp; within a cluster D is unknown to it
    c, x = args
    w, v = bind(eigh_p, x, UPLO=UPLO)
    n = _T(v) @ ct @ _cj(v)
    _, same = _clusters(w)
    ct_x = _cj(v) @ (n * _divided(c, w, same)) @ _T(v)
    ct_x = _nan_if(w, n + _H(n), n, ct_x, "A reverse-over-reverse derivative of eigvalsh "
                   "(use tg.hessian or tg.hvp, forward-over-reverse, which are exact)")
    return [_re(_diag(n)), ct_x]


eig_spectral_p = Primitive("linalg_eig_spectral", _eig_spectral_impl)
eig_spectral_p.def_vjp(joint=_eig_spectral_vjp)
eig_spectral_p.def_jvp(joint=_eig_spectral_jvp)
eig_spectral_p.def_batch(_batch_front(eig_spectral_p))


def _eigvalsh_jvp(t: Any, ans: Any, x: Any, *, UPLO: Any) -> Any:
    w, v = bind(eigh_p, x, UPLO=UPLO)
    return _re(_diag(_rotate(w, v, v, _H(v) @ t @ v)[2]))  # dw_i = v_i^H dA v_i


eigvalsh_p = Primitive("linalg_eigvalsh", lambda x, *, UPLO: np.linalg.eigvalsh(x, UPLO))
eigvalsh_p.def_vjp(lambda ct, ans, x, *, UPLO: _cj(bind(eig_spectral_p, ct, x, UPLO=UPLO)))
eigvalsh_p.def_jvp(_eigvalsh_jvp)
eigvalsh_p.def_batch(_batch_axis_to_front(eigvalsh_p))


@implements(np.linalg.eigvalsh)
def eigvalsh(a: ArrayLike, UPLO: str = "L") -> Array:
    """``eigvalsh(a, UPLO="L")``: eigenvalues of a Hermitian matrix, ascending, from its
    ``UPLO`` triangle (the other one has derivative 0).  ``dw_i = v_i^H dA v_i``; at
    repeated eigenvalues every function symmetric in them (sum, norms, traces of powers)
    gets exact first and second derivatives; one that is not gets NaN and a warning.

    >>> eigvalsh(np.diag([2.0, 1.0]))
    array([1., 2.])
    """
    return bind(eigvalsh_p, _hermitian_from(a, UPLO == "L"), UPLO=UPLO)


# -- svd ---------------------------------------------------------------------------------
def _svd_frame(s: Any) -> Any:
    """(same, F, 1/s): the cluster mask, F_ij = 1 / (s_j^2 - s_i^2) (0 within a cluster),
    and 1/s with 0 for s == 0 (as abs at 0)."""
    _, same = _clusters(s)
    return same, _gaps(s * s, same), _safe_inv(s)


def _svd_jvp(t: Any, ans: Any, x: Any) -> Any:
    # reduced SVD (Townsend 2016), with P = U^H dA V: ds = Re diag(P),
    # dU = U (F o (P S + S P^H) + i Im diag(P) / s) + (I - U U^H) dA V / s,
    # dV = V (F o (S P + P^H S)) + (I - V V^H) dA^H U / s
    u, s, vh = ans
    v = _H(vh)
    m, n = shape_of(x)[-2:]
    p = _H(u) @ t @ v
    same, f, inv_s = _svd_frame(s)
    ps, sp = p * _row(s), _col(s) * p
    du = u @ (f * (ps + _H(ps)))
    dv = v @ (f * (sp + _H(sp)))
    if dtype_of(x).kind == "c":
        du = du + u * _row(1j * _tnp().imag(_diag(p)) * inv_s)
    if m > n:
        tv = t @ v
        du = du + (tv - u @ (_H(u) @ tv)) * _row(inv_s)
    if n > m:
        thu = _H(t) @ u
        dv = dv + (thu - v @ (vh @ thu)) * _row(inv_s)
    what = "The derivative of svd's singular vectors"
    ds = _re(_diag(_rotate(s, u, v, p, descending=True)[2]))
    return [_nan_if(s, p, p, du, what), ds, _nan_if(s, p, p, _H(dv), what)]


def _svd_vjp(ct: Any, ans: Any, x: Any) -> Any:
    # the transpose of _svd_jvp under Re(sum(ct * t))
    u, s, vh = ans
    ct_u, ct_s, ct_vh = ct
    m, n = shape_of(x)[-2:]
    same, f, inv_s = _svd_frame(s)
    j = _T(u) @ ct_u
    k = _cj(vh) @ _H(ct_vh)
    g = _diagm(ct_s) + (f * (j - _H(j))) * _row(s) + _col(s) * (f * (k - _H(k)))
    if dtype_of(x).kind == "c":
        g = g + _diagm(1j * _tnp().imag(_diag(j)) * inv_s)
    ct_x = _cj(u) @ g @ _cj(vh)
    if m > n:
        ct_x = ct_x + ((ct_u - _cj(u) @ j) * _row(inv_s)) @ _cj(vh)
    if n > m:
        ct_x = ct_x + _cj(u) @ (_col(inv_s) * (ct_vh - (ct_vh @ _T(vh)) @ _cj(vh)))
    tnp = _tnp()
    need = tnp.abs(j - _H(j)) + tnp.abs(k - _H(k)) + tnp.abs(_row(ct_s) - _col(ct_s))
    ref = tnp.abs(j) + tnp.abs(k) + tnp.abs(_col(ct_s))
    return _nan_if(s, need, ref, ct_x, "The derivative through svd")


svd_p = Primitive("linalg_svd", lambda x: list(np.linalg.svd(x, full_matrices=False)),
                  multiple_results=True)
svd_p.def_vjp(_svd_vjp)
svd_p.def_jvp(_svd_jvp)
svd_p.def_batch(_batch_axis_to_front(svd_p))


# -- svdvals and its VJP primitive U diag(c) V^H ---------------------------------------
def _svd_spectral_impl(c: Any, x: Any) -> Any:
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    c = c * (s != 0)  # like abs at 0: a zero singular value gets derivative 0
    need = np.abs(c[..., None, :] - c[..., :, None])
    bad = _undetermined_impl(s, need, c, what="The derivative of a function of svdvals that "
                             "is not symmetric in the repeated singular values")
    return np.where(bad, np.nan, (u * c[..., None, :]) @ vh)


def _svd_spectral_jvp(args: Any, tangents: Any, ans: Any) -> Any:
    # d(U diag(c) V^H) = U (diag(dc) + D1 o (P + P^H)/2 + D2 o (P - P^H)/2) V^H with
    # P = U^H dA V, D1 the divided differences of c, D2_ij = (c_i + c_j) / (s_i + s_j),
    # plus the parts of dA outside the column spaces of U, V (tall, wide)
    c, x = args
    dc, dx = tangents
    u, s, vh = bind(svd_p, x)
    nonzero = s != 0
    c = c * nonzero
    if dx is None:
        return u @ (_col(dc * nonzero) * vh)
    m, n = shape_of(x)[-2:]
    v = _H(vh)
    u, v, p = _rotate(s, u, v, _H(u) @ dx @ v, descending=True)
    same, _, inv_s = _svd_frame(s)
    d2 = (_row(c) + _col(c)) * _safe_inv(_row(s) + _col(s))
    inner = _divided(c, s, same) * (p + _H(p)) * 0.5 + d2 * (p - _H(p)) * 0.5
    if dc is not None:
        inner = inner + _diagm(dc * nonzero)
    out = u @ inner @ _H(v)
    if m > n:
        out = out + (dx - u @ (_H(u) @ dx)) @ (v * _row(c * inv_s)) @ _H(v)
    if n > m:
        out = out + (u * _row(c * inv_s)) @ (_H(u) @ dx - ((_H(u) @ dx) @ v) @ _H(v))
    return out


def _svd_spectral_vjp(ct: Any, ans: Any, args: Any, needed: Any) -> Any:
    # the transpose of _svd_spectral_jvp; within a cluster D1 is unknown to it
    c, x = args
    u, s, vh = bind(svd_p, x)
    nonzero = s != 0
    c = c * nonzero
    m, n = shape_of(x)[-2:]
    same, _, inv_s = _svd_frame(s)
    nn = _T(u) @ ct @ _T(vh)
    a = nn * _divided(c, s, same)
    b = nn * (_row(c) + _col(c)) * _safe_inv(_row(s) + _col(s))
    ct_x = _cj(u) @ ((a + _H(a) + b - _H(b)) * 0.5) @ _cj(vh)
    if m > n:
        ct_x = ct_x + (ct - _cj(u) @ (_T(u) @ ct)) @ (_T(vh) * _row(c * inv_s)) @ _cj(vh)
    if n > m:
        utg = _T(u) @ ct
        ct_x = ct_x + (_cj(u) * _row(c * inv_s)) @ (utg - (utg @ _T(vh)) @ _cj(vh))
    ct_x = _nan_if(s, nn + _H(nn), nn, ct_x, "A reverse-over-reverse derivative of svdvals "
                   "(use tg.hessian or tg.hvp, forward-over-reverse, which are exact)")
    return [_re(_diag(nn)) * nonzero, ct_x]


svd_spectral_p = Primitive("linalg_svd_spectral", _svd_spectral_impl)
svd_spectral_p.def_vjp(joint=_svd_spectral_vjp)
svd_spectral_p.def_jvp(joint=_svd_spectral_jvp)
svd_spectral_p.def_batch(_batch_front(svd_spectral_p))


def _svdvals_jvp(t: Any, ans: Any, x: Any) -> Any:
    u, s, vh = bind(svd_p, x)
    p = _rotate(s, u, _H(vh), _H(u) @ t @ _H(vh), descending=True)[2]
    return _re(_diag(p)) * (s != 0)  # ds_i = Re(u_i^H dA v_i); 0 for s_i == 0


svdvals_p = Primitive("linalg_svdvals", lambda x: np.linalg.svd(x, compute_uv=False))
svdvals_p.def_vjp(lambda ct, ans, x: _cj(bind(svd_spectral_p, ct, x)))
svdvals_p.def_jvp(_svdvals_jvp)
svdvals_p.def_batch(_batch_axis_to_front(svdvals_p))


@implements(np.linalg.svd)
def svd(a: ArrayLike, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
        ) -> Array | tuple[Array, Array, Array]:
    """``svd(a, full_matrices=True, compute_uv=True)``: ``(U, S, Vh)``, real or complex.

    ``compute_uv=False`` gives the singular values alone (see `svdvals`).  U and Vh have a
    derivative where the singular values are distinct; where a result depends on singular
    vectors within repeated singular values it is NaN with a RuntimeWarning.  Complex
    singular vectors are defined up to a common phase of ``u_i`` and ``v_i``: only
    functions invariant to it (``|U|``, ``U diag(s) Vh``, ...) are differentiable.  On
    traced non-square input ``full_matrices=True`` is not differentiable (the extra
    columns are arbitrary): pass ``full_matrices=False``.  ``hermitian`` is accepted and
    ignored (the general SVD is computed).

    >>> svd(np.diag([1.0, 3.0]), compute_uv=False)
    array([3., 1.])
    """
    if not compute_uv:
        return bind(svdvals_p, a)
    m, n = shape_of(a)[-2:]
    if full_matrices and m != n and isinstance(a, Tracer):
        raise NotImplementedError(
            "svd: full_matrices=True on a non-square traced matrix has no derivative (the "
            "completing columns are arbitrary); pass full_matrices=False")
    if full_matrices and m != n:
        return SVDResult(*np.linalg.svd(a, full_matrices=True))  # type: ignore[arg-type]  # plain
    return SVDResult(*bind(svd_p, a))


@implements(numpy_function("linalg.svdvals"))
def svdvals(x: ArrayLike, /) -> Array:
    """``svdvals(x)``: singular values, descending.  ``ds_i = Re(u_i^H dA v_i)`` (0 for a
    zero singular value, as abs at 0); at repeated singular values every function
    symmetric in them (the nuclear norm, sums of powers) gets exact first and second
    derivatives; one that is not gets NaN and a warning.

    >>> svdvals(np.diag([1.0, 3.0]))
    array([3., 1.])
    """
    return bind(svdvals_p, x)
