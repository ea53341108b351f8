"""Matrix factorizations and solves for tangents.numpy.linalg: solve, inv, cholesky, eigh,
eigvalsh, svd, svdvals and qr, each a primitive batched over leading dimensions (matrices
are the last two axes), and the small matrix helpers the linalg rules share.

Symmetric-input functions (cholesky, eigh, eigvalsh) read one triangle like NumPy and
differentiate as functions of a symmetric matrix: their derivatives are the symmetric part
of the full-matrix ones (as in JAX).
"""
from __future__ import annotations

__all__ = ['solve', 'inv', 'cholesky', 'eigh', 'eigvalsh', 'svd', 'svdvals', 'qr']

from collections import namedtuple

import numpy as np

from ..core.batching import batch_matrices, move_bdim
from ..core.primitive import Primitive, bind
from ..core.tracer import Tracer
from ._dispatch import dtype, implements, numpy_function, shape

EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])
QRResult = namedtuple("QRResult", ["Q", "R"])


def _tnp():
    from .. import numpy as tnp  # the package namespace, complete once imported
    return tnp


# -- small helpers on the last two axes (differentiable) ---------------------------------
def _T(x):
    return _tnp().swapaxes(x, -1, -2)


def _eye(x, n=None):
    return np.eye(shape(x)[-1] if n is None else n, dtype=dtype(x))


def _diag(x):  # (..., n, n) -> (..., n)
    return _tnp().sum(x * _eye(x), axis=-1)


def _diagm(v):  # (..., n) -> (..., n, n)
    return _col(v) * _eye(v)


def _col(v):  # (..., n) -> (..., n, 1)
    return _tnp().expand_dims(v, -1)


def _row(v):  # (..., n) -> (..., 1, n)
    return _tnp().expand_dims(v, -2)


def _sym(x):
    return (x + _T(x)) * 0.5


def _safe_inv(s):
    # 1 / s, 0 where s == 0
    tnp = _tnp()
    zero = s == 0
    return tnp.where(zero, 0.0, 1 / tnp.where(zero, 1.0, s))


def _gap_inverse(d, scale2, n):
    """1 / d elementwise, 0 where d^2 <= (n eps)^2 scale2 (the diagonal and (near-)equal
    pairs, where the derivative does not exist; see eigh)."""
    tnp = _tnp()
    tol = (n * np.finfo(dtype(d)).eps) ** 2 * tnp.expand_dims(scale2, (-2, -1))
    small = d * d <= tol
    return tnp.where(small, 0.0, 1 / tnp.where(small, 1.0, d))


def _batch_unary(prim):
    """Batching rule for a primitive of one matrix argument: batch axis to the front."""
    def rule(vals, bdims, **params):
        out = bind(prim, move_bdim(vals[0], bdims[0], 0), **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)
    return rule


# -- solve -------------------------------------------------------------------------------
def _solve_vjp(ct, ans, args, needed):
    a, b = args
    ct_b = bind(solve_p, _T(a), ct)  # A^T ct_b = ct
    return [-(ct_b @ _T(ans)) if needed[0] else None, ct_b]  # ct_A = -ct_b X^T


def _solve_jvp(args, tangents, ans):
    a, _ = args
    ta, tb = tangents
    rhs = tb
    if ta is not None:  # d X = A^-1 (dB - dA X)
        rhs = -(ta @ ans) if rhs is None else rhs - ta @ ans
    return bind(solve_p, a, rhs)


solve_p = Primitive("linalg_solve", np.linalg.solve)  # b always (..., M, K) here
solve_p.def_vjp(joint=_solve_vjp)
solve_p.def_jvp(joint=_solve_jvp)
solve_p.def_batch(batch_matrices(solve_p))


@implements(np.linalg.solve)
def solve(a, b):
    """``solve(a, b)``: ``x`` with ``a @ x == b``; ``b`` is a vector only when ``b.ndim == 1``
    (NumPy 2), otherwise a stack of matrices (several right-hand sides).

    >>> solve(2 * np.eye(2), np.array([2.0, 4.0]))
    array([1., 2.])
    """
    if len(shape(b)) == 1:
        x = bind(solve_p, a, _tnp().reshape(b, shape(b) + (1,)))
        return _tnp().reshape(x, shape(x)[:-1])
    return bind(solve_p, a, b)


# -- inv ---------------------------------------------------------------------------------
inv_p = Primitive("linalg_inv", np.linalg.inv)
inv_p.def_vjp(lambda ct, ans, x: -(_T(ans) @ ct @ _T(ans)))  # d inv(A) = -inv(A) dA inv(A)
inv_p.def_jvp(lambda t, ans, x: -(ans @ t @ ans))
inv_p.def_batch(_batch_unary(inv_p))


@implements(np.linalg.inv)
def inv(a):
    """``inv(a)``: the inverse of each matrix in ``a``.

    >>> inv(2 * np.eye(2))
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    return bind(inv_p, a)


# -- cholesky ----------------------------------------------------------------------------
def _phi(x):  # lower triangle, half diagonal
    n = shape(x)[-1]
    return x * (np.tril(np.ones((n, n), dtype(x)), -1) + 0.5 * _eye(x))


def _cholesky_jvp(t, ans, x):
    # dL = L Phi(L^-1 dA L^-T), dA symmetrized
    inner = bind(solve_p, ans, _T(bind(solve_p, ans, _sym(t))))
    return ans @ _phi(inner)


def _cholesky_vjp(ct, ans, x):
    # ct_A = sym(L^-T Phi(L^T ct) L^-1)
    lt = _T(ans)
    return _sym(bind(solve_p, lt, _T(bind(solve_p, lt, _T(_phi(lt @ ct))))))


cholesky_p = Primitive("linalg_cholesky", np.linalg.cholesky)
cholesky_p.def_vjp(_cholesky_vjp)
cholesky_p.def_jvp(_cholesky_jvp)
cholesky_p.def_batch(_batch_unary(cholesky_p))


@implements(np.linalg.cholesky)
def cholesky(a, /, *, upper=False):
    """``cholesky(a, upper=False)``: lower ``L`` with ``L @ L.T == a`` (``upper``: ``L.T``
    from the upper triangle).  The derivative treats ``a`` as symmetric.

    >>> cholesky(4 * np.eye(2))
    array([[2., 0.],
           [0., 2.]])
    """
    if upper:
        return _T(bind(cholesky_p, _T(a)))
    return bind(cholesky_p, a)


# -- eigh, eigvalsh ----------------------------------------------------------------------
def _eig_gaps(w):
    # F_ij = 1 / (w_j - w_i), 0 on the diagonal and for (near-)equal eigenvalues
    return _gap_inverse(_row(w) - _col(w), _tnp().sum(w * w, axis=-1), shape(w)[-1])


def _eigh_jvp(t, ans, x, *, UPLO):
    # dw = diag(V^T dA V), dV = V (F o (V^T dA V)), dA symmetrized
    w, v = ans
    inner = _T(v) @ _sym(t) @ v
    return [_diag(inner), v @ (_eig_gaps(w) * inner)]


def _eigh_vjp(ct, ans, x, *, UPLO):
    w, v = ans
    ct_w, ct_v = ct
    return _sym(v @ (_diagm(ct_w) + _eig_gaps(w) * (_T(v) @ ct_v)) @ _T(v))


eigh_p = Primitive("linalg_eigh", lambda x, *, UPLO: list(np.linalg.eigh(x, UPLO)),
                   multiple_results=True)
eigh_p.def_vjp(_eigh_vjp)
eigh_p.def_jvp(_eigh_jvp)
eigh_p.def_batch(_batch_unary(eigh_p))


@implements(np.linalg.eigh)
def eigh(a, UPLO="L"):
    """``eigh(a, UPLO="L")``: ``(eigenvalues, eigenvectors)`` of a symmetric matrix,
    eigenvalues ascending.

    The derivative treats ``a`` as symmetric.  The eigenvectors' derivative is
    ``dV = V (F o (V^T dA V))`` with ``F_ij = 1 / (w_j - w_i)``; it does not exist for
    repeated eigenvalues, and F is set to 0 for pairs closer than ``n eps |w|`` (the result
    is then the derivative of one particular eigenvector basis, not nan).  Functions
    invariant to the eigenvectors' signs (and to rotations within repeated eigenspaces)
    differentiate correctly.

    >>> eigh(np.diag([2.0, 1.0])).eigenvalues
    array([1., 2.])
    """
    return EighResult(*bind(eigh_p, a, UPLO=UPLO))


def _eigvalsh_jvp(t, ans, x, *, UPLO):
    w, v = bind(eigh_p, x, UPLO=UPLO)
    return _tnp().sum(v * (_sym(t) @ v), axis=-2)  # dw_i = v_i^T dA v_i


def _eigvalsh_vjp(ct, ans, x, *, UPLO):
    w, v = bind(eigh_p, x, UPLO=UPLO)
    return _sym((v * _row(ct)) @ _T(v))


eigvalsh_p = Primitive("linalg_eigvalsh", lambda x, *, UPLO: np.linalg.eigvalsh(x, UPLO))
eigvalsh_p.def_vjp(_eigvalsh_vjp)
eigvalsh_p.def_jvp(_eigvalsh_jvp)
eigvalsh_p.def_batch(_batch_unary(eigvalsh_p))


@implements(np.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    """``eigvalsh(a, UPLO="L")``: eigenvalues of a symmetric matrix, ascending.
    ``dw_i = v_i^T dA v_i``; at repeated eigenvalues each one alone is not differentiable,
    but every symmetric function of them (sum, norm, ...) gets its exact derivative.

    >>> eigvalsh(np.diag([2.0, 1.0]))
    array([1., 2.])
    """
    return bind(eigvalsh_p, a, UPLO=UPLO)


# -- svd, svdvals ------------------------------------------------------------------------
def _svd_gaps(s):
    # F_ij = 1 / (s_j^2 - s_i^2), 0 on the diagonal and for (near-)equal singular values
    s2 = s * s
    scale = _tnp().sum(s2, axis=-1)
    return _gap_inverse(_row(s2) - _col(s2), scale * scale, shape(s)[-1])


def _svd_jvp(t, ans, x):
    # reduced SVD derivative (Townsend 2016): dP = U^T dA V, ds = diag(dP),
    # dU = U (F o (dP S + S dP^T)) + (I - U U^T) dA V S^-1, dV likewise with A^T
    u, s, vh = ans
    v = _T(vh)
    m, n = shape(x)[-2:]
    dp = _T(u) @ t @ v
    f = _svd_gaps(s)
    dps, sdp = dp * _row(s), _col(s) * dp
    du = u @ (f * (dps + _T(dps)))
    dv = v @ (f * (sdp + _T(sdp)))
    if m > n:
        tv = t @ v
        du = du + (tv - u @ (_T(u) @ tv)) * _row(_safe_inv(s))
    if n > m:
        ttu = _T(t) @ u
        dv = dv + (ttu - v @ (vh @ ttu)) * _row(_safe_inv(s))
    return [du, _diag(dp), _T(dv)]


def _svd_vjp(ct, ans, x):
    # the transpose of _svd_jvp
    u, s, vh = ans
    ct_u, ct_s, ct_vh = ct
    m, n = shape(x)[-2:]
    f = _svd_gaps(s)
    j = f * (_T(u) @ ct_u)
    k = f * (vh @ _T(ct_vh))
    g = _diagm(ct_s) + (j + _T(j)) * _row(s) + _col(s) * (k + _T(k))
    ct_x = u @ g @ vh
    if m > n:
        ct_x = ct_x + ((ct_u - u @ (_T(u) @ ct_u)) * _row(_safe_inv(s))) @ vh
    if n > m:
        ct_x = ct_x + u @ (_col(_safe_inv(s)) * (ct_vh - (ct_vh @ _T(vh)) @ vh))
    return ct_x


svd_p = Primitive("linalg_svd", lambda x: list(np.linalg.svd(x, full_matrices=False)),
                  multiple_results=True)
svd_p.def_vjp(_svd_vjp)
svd_p.def_jvp(_svd_jvp)
svd_p.def_batch(_batch_unary(svd_p))


def _svdvals_frame(x):
    u, s, vh = bind(svd_p, x)
    # like abs at 0: a zero singular value gets derivative 0
    return u, vh, s != 0


def _svdvals_jvp(t, ans, x):
    u, vh, nonzero = _svdvals_frame(x)
    return _tnp().sum(u * (t @ _T(vh)), axis=-2) * nonzero  # ds_i = u_i^T dA v_i


def _svdvals_vjp(ct, ans, x):
    u, vh, nonzero = _svdvals_frame(x)
    return u @ (_col(ct * nonzero) * vh)


svdvals_p = Primitive("linalg_svdvals", lambda x: np.linalg.svd(x, compute_uv=False))
svdvals_p.def_vjp(_svdvals_vjp)
svdvals_p.def_jvp(_svdvals_jvp)
svdvals_p.def_batch(_batch_unary(svdvals_p))


@implements(np.linalg.svd)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """``svd(a, full_matrices=True, compute_uv=True)``: ``(U, S, Vh)``.

    ``compute_uv=False`` gives the singular values alone, whose derivative
    ``ds_i = u_i^T dA v_i`` is exact for repeated singular values too (0 for a zero one,
    as for ``abs`` at 0).  For U and Vh the derivative needs distinct singular values (the
    gap factor ``1 / (s_j^2 - s_i^2)`` is set to 0 for (near-)equal ones, as in `eigh`);
    on traced non-square input ``full_matrices=True`` is not differentiable (the extra
    columns are arbitrary): pass ``full_matrices=False``.  ``hermitian`` is accepted and
    ignored (the general SVD is computed).

    >>> svd(np.diag([1.0, 3.0]), compute_uv=False)
    array([3., 1.])
    """
    if not compute_uv:
        return bind(svdvals_p, a)
    m, n = shape(a)[-2:]
    if full_matrices and m != n and isinstance(a, Tracer):
        raise NotImplementedError(
            "svd: full_matrices=True on a non-square traced matrix has no derivative (the "
            "completing columns are arbitrary); pass full_matrices=False")
    if full_matrices and m != n:
        return SVDResult(*np.linalg.svd(a, full_matrices=True))
    return SVDResult(*bind(svd_p, a))


@implements(numpy_function("linalg.svdvals"))
def svdvals(x, /):
    """``svdvals(x)``: singular values, descending; see `svd` with ``compute_uv=False``.

    >>> svdvals(np.diag([1.0, 3.0]))
    array([3., 1.])
    """
    return bind(svdvals_p, x)


# -- qr ----------------------------------------------------------------------------------
def _tril_mask(x, k):
    n = shape(x)[-1]
    return np.tril(np.ones((n, n), dtype(x)), k)


def _qr_jvp(t, ans, x):
    # m >= n (Walter & Lehmann 2018): C = Q^T dA R^-1, dO = tril(C, -1) - tril(C, -1)^T,
    # dQ = Q (dO - C) + dA R^-1, dR = (C - dO) R
    q, r = ans
    dx_rinv = _T(bind(solve_p, _T(r), _T(t)))
    c = _T(q) @ dx_rinv
    low = c * _tril_mask(c, -1)
    do = low - _T(low)
    return [q @ (do - c) + dx_rinv, (c - do) @ r]


def _qr_vjp(ct, ans, x):
    # m >= n (Liao et al. 2019): M = R ct_R^T - ct_Q^T Q,
    # ct_A = (ct_Q + Q copyltu(M)) R^-T with copyltu(M) = tril(M) + tril(M, -1)^T
    q, r = ans
    ct_q, ct_r = ct
    m = r @ _T(ct_r) - _T(ct_q) @ q
    m = m * _tril_mask(m, 0) + _T(m * _tril_mask(m, -1))
    return _T(bind(solve_p, r, _T(ct_q + q @ m)))


qr_p = Primitive("linalg_qr", lambda x: list(np.linalg.qr(x)), multiple_results=True)
qr_p.def_vjp(_qr_vjp)
qr_p.def_jvp(_qr_jvp)
qr_p.def_batch(_batch_unary(qr_p))


@implements(np.linalg.qr)
def qr(a, mode="reduced"):
    """``qr(a, mode="reduced")``: ``(Q, R)``; ``mode="r"`` gives ``R`` alone.  A wide
    matrix (M < N) is split as ``[X Y]`` with ``X = QR1``, ``R = [R1, Q^T Y]``; the
    derivative needs the leading square block (full-rank columns) to be invertible.

    >>> qr(np.eye(2)).R
    array([[1., 0.],
           [0., 1.]])
    """
    m, n = shape(a)[-2:]
    if mode == "complete" and m > n or mode not in ("reduced", "complete", "r"):
        if isinstance(a, Tracer):
            raise NotImplementedError(f"qr: mode={mode!r} has no derivative on traced values "
                                      "(use mode='reduced')")
        return np.linalg.qr(a, mode)
    if m >= n:
        q, r = bind(qr_p, a)
    else:
        tnp = _tnp()
        q, r1 = bind(qr_p, a[..., :m])
        r = tnp.concatenate([r1, _T(q) @ a[..., m:]], axis=-1)
    return r if mode == "r" else QRResult(q, r)
