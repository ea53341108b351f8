"""Matrix factorizations and solves for tangents.numpy.linalg: solve, inv, cholesky and
qr, each a primitive batched over leading dimensions (matrices are the last two axes), and
the small matrix helpers the linalg rules share (eigh and svd are in `_spectral`).

Functions of a Hermitian matrix (cholesky here, eigh and eigvalsh) read one triangle like
NumPy, and are differentiated as the function NumPy computes: the triangle read builds the
Hermitian matrix (`_hermitian_from`), so the other triangle gets derivative 0.
"""
from __future__ import annotations

__all__ = ['solve', 'inv', 'cholesky', 'qr']

from collections import namedtuple
from typing import Any, Literal

import numpy as np

from ...core import Primitive, Tracer, batch_matrices, bind, move_bdim, primal_value
from ...typing import Array, ArrayLike
from .._dispatch import dtype_of, implements, shape_of

QRResult = namedtuple("QRResult", ["Q", "R"])


def _tnp() -> Any:
    from ... import numpy as tnp  # the package namespace, complete once imported
    return tnp


# -- small helpers on the last two axes (differentiable) ---------------------------------
def _T(x: Any) -> Any:
    return _tnp().swapaxes(x, -1, -2)


def _eye(x: Any, n: Any = None) -> Any:
    return np.eye(shape_of(x)[-1] if n is None else n, dtype=dtype_of(x))


def _diag(x: Any) -> Any:  # (..., n, n) -> (..., n)
    return _tnp().sum(x * _eye(x), axis=-1)


def _diagm(v: Any) -> Any:  # (..., n) -> (..., n, n)
    return _col(v) * _eye(v)


def _col(v: Any) -> Any:  # (..., n) -> (..., n, 1)
    return _tnp().expand_dims(v, -1)


def _row(v: Any) -> Any:  # (..., n) -> (..., 1, n)
    return _tnp().expand_dims(v, -2)


def _peek(x: Any) -> Any:
    """The concrete value under any tracers, for decisions that do not change the math
    (skipping work, a static result shape)."""
    return primal_value(x)


def _hermitian_from(a: Any, lower: bool = True) -> Any:
    """The Hermitian matrix NumPy's eigh/cholesky see in ``a``: its lower (or upper)
    triangle, mirrored (conjugated), with the real part of the diagonal."""
    tnp = _tnp()
    if not isinstance(a, Tracer):
        return a  # plain arrays go to NumPy as they are (it reads the same triangle)
    n = shape_of(a)[-1]
    strict = np.tril(np.ones((n, n), bool), -1)
    strict = strict if lower else strict.T
    part = tnp.where(strict, a, 0)
    diag = tnp.where(np.eye(n, dtype=bool), tnp.real(a) if dtype_of(a).kind == "c" else a, 0)
    return part + diag + tnp.conj(_T(part))


def _safe_inv(s: Any) -> Any:
    # 1 / s, 0 where s == 0
    tnp = _tnp()
    zero = s == 0
    return tnp.where(zero, 0.0, 1 / tnp.where(zero, 1.0, s))


def _batch_axis_to_front(prim: Any) -> Any:
    """Batching rule for a primitive of one matrix argument: batch axis to the front."""
    def rule(vals: Any, bdims: Any, **params: Any) -> Any:
        out = bind(prim, move_bdim(vals[0], bdims[0], 0), **params)
        return out, ([0] * len(out) if prim.multiple_results else 0)
    return rule


# -- solve -------------------------------------------------------------------------------
def _solve_vjp(ct: Any, ans: Any, args: Any, needed: Any) -> Any:
    a, b = args
    ct_b = bind(solve_p, _T(a), ct)  # A^T ct_b = ct
    return [-(ct_b @ _T(ans)) if needed[0] else None, ct_b]  # ct_A = -ct_b X^T


def _solve_jvp(args: Any, tangents: Any, ans: Any) -> Any:
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
def solve(a: ArrayLike, b: ArrayLike) -> Array:
    """``solve(a, b)``: ``x`` with ``a @ x == b``; ``b`` is a vector only when ``b.ndim == 1``
    (NumPy 2), otherwise a stack of matrices (several right-hand sides).

    >>> solve(2 * np.eye(2), np.array([2.0, 4.0]))
    array([1., 2.])
    """
    if len(shape_of(b)) == 1:
        x = bind(solve_p, a, _tnp().reshape(b, shape_of(b) + (1,)))
        return _tnp().reshape(x, shape_of(x)[:-1])
    return bind(solve_p, a, b)


# -- inv ---------------------------------------------------------------------------------
inv_p = Primitive("linalg_inv", np.linalg.inv)
inv_p.def_vjp(lambda ct, ans, x: -(_T(ans) @ ct @ _T(ans)))  # d inv(A) = -inv(A) dA inv(A)
inv_p.def_jvp(lambda t, ans, x: -(ans @ t @ ans))
inv_p.def_batch(_batch_axis_to_front(inv_p))


@implements(np.linalg.inv)
def inv(a: ArrayLike) -> Array:
    """``inv(a)``: the inverse of each matrix in ``a``.

    >>> inv(2 * np.eye(2))
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    return bind(inv_p, a)


# -- cholesky ----------------------------------------------------------------------------
def _phi(x: Any) -> Any:  # lower triangle, half diagonal
    n = shape_of(x)[-1]
    return x * (np.tril(np.ones((n, n), dtype_of(x)), -1) + 0.5 * _eye(x))


def _cholesky_jvp(t: Any, ans: Any, x: Any) -> Any:
    # dL = L Phi(L^-1 dA L^-T) (dA symmetric: x is built by _hermitian_from)
    inner = bind(solve_p, ans, _T(bind(solve_p, ans, t)))
    return ans @ _phi(inner)


def _cholesky_vjp(ct: Any, ans: Any, x: Any) -> Any:
    # ct_A = L^-T Phi(L^T ct) L^-1, paired with symmetric dA only
    lt = _T(ans)
    return bind(solve_p, lt, _T(bind(solve_p, lt, _T(_phi(lt @ ct)))))


cholesky_p = Primitive("linalg_cholesky", np.linalg.cholesky)
cholesky_p.def_vjp(_cholesky_vjp)
cholesky_p.def_jvp(_cholesky_jvp)
cholesky_p.def_batch(_batch_axis_to_front(cholesky_p))


@implements(np.linalg.cholesky)
def cholesky(a: ArrayLike, /, *, upper: bool = False) -> Array:
    """``cholesky(a, upper=False)``: lower ``L`` with ``L @ L.T == a`` (``upper``: ``L.T``
    from the upper triangle).  Like NumPy it reads one triangle of ``a``, and the
    derivative is that of the function NumPy computes: 0 for the other triangle.

    >>> cholesky(4 * np.eye(2))
    array([[2., 0.],
           [0., 2.]])
    """
    if upper:
        return _T(bind(cholesky_p, _hermitian_from(_T(a))))
    return bind(cholesky_p, _hermitian_from(a))


# -- qr ----------------------------------------------------------------------------------
def _tril_mask(x: Any, k: Any) -> Any:
    n = shape_of(x)[-1]
    return np.tril(np.ones((n, n), dtype_of(x)), k)


def _qr_jvp(t: Any, ans: Any, x: Any) -> Any:
    # m >= n (Walter & Lehmann 2018): C = Q^T dA R^-1, dO = tril(C, -1) - tril(C, -1)^T,
    # dQ = Q (dO - C) + dA R^-1, dR = (C - dO) R
    q, r = ans
    dx_rinv = _T(bind(solve_p, _T(r), _T(t)))
    c = _T(q) @ dx_rinv
    low = c * _tril_mask(c, -1)
    do = low - _T(low)
    return [q @ (do - c) + dx_rinv, (c - do) @ r]


def _qr_vjp(ct: Any, ans: Any, x: Any) -> Any:
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
qr_p.def_batch(_batch_axis_to_front(qr_p))


@implements(np.linalg.qr)
def qr(a: ArrayLike, mode: Literal["reduced", "complete", "r", "raw"] = "reduced"
       ) -> Array | tuple[Array, Array]:
    """``qr(a, mode="reduced")``: ``(Q, R)``; ``mode="r"`` gives ``R`` alone.  A wide
    matrix (M < N) is split as ``[X Y]`` with ``X = QR1``, ``R = [R1, Q^T Y]``; the
    derivative needs the leading square block (full-rank columns) to be invertible.

    >>> qr(np.eye(2)).R
    array([[1., 0.],
           [0., 1.]])
    """
    m, n = shape_of(a)[-2:]
    if mode == "complete" and m > n or mode not in ("reduced", "complete", "r"):
        if isinstance(a, Tracer):
            raise NotImplementedError(f"qr: mode={mode!r} has no derivative on traced values "
                                      "(use mode='reduced')")
        return np.linalg.qr(a, mode)  # type: ignore[arg-type, call-overload]  # plain
    if m >= n:
        q, r = bind(qr_p, a)
    else:
        tnp = _tnp()
        x: Any = a  # a matrix (shape_of read it)
        q, r1 = bind(qr_p, x[..., :m])
        r = tnp.concatenate([r1, _T(q) @ x[..., m:]], axis=-1)
    return r if mode == "r" else QRResult(q, r)
