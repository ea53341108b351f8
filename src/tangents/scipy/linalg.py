"""scipy.linalg, differentiable: triangular, Cholesky and LU solves, the matrix exponential
and square root, Sylvester equations and block_diag, with SciPy's signatures and batching
over leading dimensions (matrices are the last two axes; ``b`` is a vector only when
``b.ndim == 1``).  Forward values come from SciPy.

Conventions: functions that read one triangle of a matrix (``solve_triangular``,
``cho_solve``, ``lu_solve``) have derivatives that are zero outside that triangle (and on the
diagonal with ``unit_diagonal``).  ``cho_factor`` returns the factor with zeros in the unused
triangle (SciPy leaves the input's entries there), so that ``(c, lower)`` is differentiable.
"""
from __future__ import annotations

__all__ = ['solve_triangular', 'cho_factor', 'cho_solve', 'cholesky', 'lu_factor', 'lu_solve',
           'expm', 'expm_frechet', 'sqrtm', 'solve_sylvester', 'block_diag']

import numpy as np

try:
    import scipy.linalg as _sl
    from scipy import __version__ as _scipy_version
except ImportError as e:  # pragma: no cover - SciPy is optional
    raise ImportError("tangents.scipy.linalg needs SciPy: pip install tangents[scipy]") from e

from .. import numpy as tnp
from ..core import Primitive, batch_matrices, bind, builders, move_bdim
from ..numpy._dispatch import dtype_of, shape_of


# -- helpers on the last two axes ---------------------------------------------------------
def _T(x):
    return tnp.swapaxes(x, -1, -2)


def _float(x, *others):
    """``x`` in the inexact dtype SciPy computes in for these arguments (int -> float64)."""
    dt = np.result_type(dtype_of(x), *[dtype_of(o) for o in others], np.float16)
    return x if dtype_of(x) == dt else tnp.astype(x, dt)


def _tri_mask(n, lower, unit_diagonal, dt):
    """Ones on the triangle that a triangular solve reads (strict with a unit diagonal)."""
    ones = np.ones((n, n), dt)
    if lower:
        return np.tril(ones, -1 if unit_diagonal else 0)
    return np.triu(ones, 1 if unit_diagonal else 0)


def _broadcast_batch(*xs):
    """Plain arrays broadcast to their common leading (batch) shape."""
    batch = np.broadcast_shapes(*[x.shape[:-2] for x in xs])
    return [np.broadcast_to(x, batch + x.shape[-2:]) for x in xs]


# SciPy takes stacks of matrices from 1.16 on ("nearly all functions in scipy.linalg");
# before, some raise on them and some (lu_factor) silently compute something else
_SCIPY_BATCHES = tuple(int(p) for p in _scipy_version.split(".")[:2]) >= (1, 16)


def _on_stacks(fn, *xs, **kwargs):
    """``fn(*xs, **kwargs)`` on stacks of matrices (leading axes broadcast): SciPy's own
    batching where it has it, else one call per matrix of the stack."""
    xs = [np.asarray(x) for x in xs]
    batch = np.broadcast_shapes(*[x.shape[:-2] for x in xs])
    if not batch:
        return fn(*xs, **kwargs)
    xs = _broadcast_batch(*xs)
    if _SCIPY_BATCHES:
        return fn(*xs, **kwargs)
    outs = [fn(*(x[i] for x in xs), **kwargs) for i in np.ndindex(batch)]
    if not outs:  # an empty stack: one call on identity matrices gives the result's layout
        probe = fn(*(np.eye(*x.shape[-2:], dtype=x.dtype) for x in xs), **kwargs)
        parts = probe if isinstance(probe, tuple) else (probe,)
        empty = tuple(np.empty(batch + np.shape(p), np.asarray(p).dtype) for p in parts)
        return empty if isinstance(probe, tuple) else empty[0]
    if isinstance(outs[0], tuple):  # several results (lu_factor)
        return tuple(np.stack(parts).reshape(batch + parts[0].shape) for parts in zip(*outs))
    return np.stack(outs).reshape(batch + outs[0].shape)


def _as_matrix_rhs(b):
    """``b`` as (..., M, K) and the function restoring the caller's layout (vector b)."""
    if len(shape_of(b)) == 1:
        return tnp.reshape(b, shape_of(b) + (1,)), lambda x: tnp.reshape(x, shape_of(x)[:-1])
    return b, lambda x: x


# -- solve_triangular: X = op(A)^-1 B, op(A) = A or A^T, A one triangle of a -------------------
def _tri_impl(a, b, *, lower, trans, unit_diagonal):
    return _on_stacks(_sl.solve_triangular, a, b, trans=trans, lower=lower,
                      unit_diagonal=unit_diagonal)


def _tri_vjp(ct, ans, args, needed, *, lower, trans, unit_diagonal):
    # ct_B = op(A)^-T ct; ct_A = -ct_B X^T (trans 0) or -X ct_B^T (trans 1), on the triangle
    a, _ = args
    ct_b = bind(tri_p, a, ct, lower=lower, trans=1 - trans, unit_diagonal=unit_diagonal)
    ct_a = None
    if needed[0]:
        g = -(ct_b @ _T(ans)) if trans == 0 else -(ans @ _T(ct_b))
        ct_a = g * _tri_mask(shape_of(a)[-1], lower, unit_diagonal, dtype_of(a))
    return [ct_a, ct_b]


def _tri_jvp(args, tangents, ans, *, lower, trans, unit_diagonal):
    # dX = op(A)^-1 (dB - op(dA) X)
    a, _ = args
    ta, rhs = tangents
    if ta is not None:
        ta = ta * _tri_mask(shape_of(a)[-1], lower, unit_diagonal, dtype_of(a))
        d = (ta if trans == 0 else _T(ta)) @ ans
        rhs = -d if rhs is None else rhs - d
    return bind(tri_p, a, rhs, lower=lower, trans=trans, unit_diagonal=unit_diagonal)


tri_p = Primitive("scipy.solve_triangular", _tri_impl)
tri_p.def_vjp(joint=_tri_vjp)
tri_p.def_jvp(joint=_tri_jvp)
tri_p.def_batch(batch_matrices(tri_p))

_TRANS = {0: 0, 1: 1, 2: 1, "N": 0, "T": 1, "C": 1}


def _solve_tri(a, b, lower, trans=0, unit_diagonal=False):
    return bind(tri_p, a, b, lower=lower, trans=trans, unit_diagonal=unit_diagonal)


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """``solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False)``: ``x`` with
    ``op(a) @ x == b`` reading only one triangle of ``a`` (``op`` is the transpose for
    ``trans`` 1/'T' or 2/'C' on real input).

    >>> solve_triangular(np.array([[2.0, 0.0], [1.0, 1.0]]), np.array([2.0, 3.0]), lower=True)
    array([1., 2.])
    """
    if trans not in _TRANS:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    a, b = _float(a, b), _float(b, a)
    b, restore = _as_matrix_rhs(b)
    return restore(_solve_tri(a, b, bool(lower), _TRANS[trans], bool(unit_diagonal)))


# -- Cholesky ------------------------------------------------------------------------------
def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """``cholesky(a, lower=False)``: upper ``U`` with ``U.T @ U == a`` (SciPy's default), or
    lower ``L`` with ``L @ L.T == a``.  The derivative treats ``a`` as symmetric.

    >>> cholesky(4 * np.eye(2))
    array([[2., 0.],
           [0., 2.]])
    """
    return tnp.linalg.cholesky(_float(a), upper=not lower)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """``cho_factor(a, lower=False)``: ``(c, lower)`` for `cho_solve`; ``c`` is the Cholesky
    factor with zeros in the other triangle (SciPy leaves arbitrary entries there).

    >>> cho_factor(4 * np.eye(2))[0]
    array([[2., 0.],
           [0., 2.]])
    """
    return cholesky(a, lower=lower), bool(lower)


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """``cho_solve((c, lower), b)``: ``x`` with ``A @ x == b`` for ``A = c @ c.T`` (lower) or
    ``c.T @ c`` (upper), differentiable in ``c`` (its triangle) and ``b``.

    >>> cho_solve(cho_factor(4 * np.eye(2)), np.array([4.0, 8.0]))
    array([1., 2.])
    """
    c, lower = c_and_lower
    c, b = _float(c, b), _float(b, c)
    b, restore = _as_matrix_rhs(b)
    if lower:  # L L^T x = b
        x = _solve_tri(c, _solve_tri(c, b, True), True, trans=1)
    else:      # U^T U x = b
        x = _solve_tri(c, _solve_tri(c, b, False, trans=1), False)
    return restore(x)


# -- LU: A = P L U, packed as lu = (L - I) + U, pivots piv (LAPACK's row swaps) -----------
def _perm_impl(piv, *, n, dt):
    """P^T (= rows of I in the order that lu_factor applied its row swaps)."""
    piv = np.asarray(piv)
    out = np.empty(piv.shape[:-1] + (n, n), dt)
    for idx in np.ndindex(piv.shape[:-1]):
        perm = np.arange(n)
        for i, p in enumerate(piv[idx]):
            perm[[i, p]] = perm[[p, i]]
        out[idx] = np.eye(n, dtype=dt)[perm]
    return out


_perm_p = builders.nondifferentiable("scipy.lu_pivots_to_permutation", _perm_impl)
_perm_p.def_batch(lambda vals, bdims, **params: (bind(_perm_p, move_bdim(vals[0], bdims[0], 0),
                                                      **params), 0))


def _pt(piv, lu):
    return bind(_perm_p, piv, n=shape_of(lu)[-1], dt=np.dtype(dtype_of(lu)))


def _lu_factors(lu):
    n = shape_of(lu)[-1]
    strict = np.tril(np.ones((n, n), dtype_of(lu)), -1)
    return lu * strict + np.eye(n, dtype=dtype_of(lu)), lu * (1 - strict), strict


def _lu_square(lu):
    if shape_of(lu)[-1] != shape_of(lu)[-2]:
        raise NotImplementedError("lu_factor: derivatives are defined for square matrices only")


def _lu_jvp(t, ans, a):
    # X = L^-1 P^T dA U^-1; dL = L tril(X, -1), dU = triu(X) U; d lu = dL + dU
    lu, piv = ans
    _lu_square(lu)
    low, u, strict = _lu_factors(lu)
    y = _solve_tri(lu, _pt(piv, lu) @ t, True, unit_diagonal=True)
    x = _T(_solve_tri(lu, _T(y), False, trans=1))
    return [low @ (x * strict) + (x * (1 - strict)) @ u, None]


def _lu_vjp(ct, ans, a):
    # ct_X = tril(L^T ct, -1) + triu(ct U^T); ct_A = P L^-T ct_X U^-T
    lu, piv = ans
    _lu_square(lu)
    low, u, strict = _lu_factors(lu)
    ct = ct[0]
    ct_x = (_T(low) @ (ct * strict)) * strict + ((ct * (1 - strict)) @ _T(u)) * (1 - strict)
    w = _solve_tri(lu, ct_x, True, trans=1, unit_diagonal=True)
    return _T(_pt(piv, lu)) @ _T(_solve_tri(lu, _T(w), False))


lu_factor_p = Primitive("scipy.lu_factor", lambda a: list(_on_stacks(_sl.lu_factor, a)),
                        multiple_results=True)
lu_factor_p.def_vjp(_lu_vjp)
lu_factor_p.def_jvp(_lu_jvp)
lu_factor_p.def_batch(batch_matrices(lu_factor_p))


def lu_factor(a, overwrite_a=False, check_finite=True):
    """``lu_factor(a)``: ``(lu, piv)`` with ``a = P L U``, ``lu`` holding ``L`` (unit
    diagonal, strictly below) and ``U``; ``piv`` is integer and carries no derivative.

    >>> lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))[1]
    array([1, 1], dtype=int32)
    """
    lu, piv = bind(lu_factor_p, _float(a))
    return lu, piv


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """``lu_solve((lu, piv), b, trans=0)``: ``x`` with ``A @ x == b`` (``A.T @ x == b`` for
    ``trans`` 1 or 2), differentiable in ``lu`` and ``b``.

    >>> lu_solve(lu_factor(2 * np.eye(2)), np.array([2.0, 4.0]))
    array([1., 2.])
    """
    lu, piv = lu_and_piv
    if trans not in _TRANS:
        raise ValueError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}")
    lu, b = _float(lu, b), _float(b, lu)
    b, restore = _as_matrix_rhs(b)
    pt = _pt(piv, lu)
    if _TRANS[trans] == 0:  # x = U^-1 L^-1 P^T b
        x = _solve_tri(lu, _solve_tri(lu, pt @ b, True, unit_diagonal=True), False)
    else:                   # x = P L^-T U^-T b
        y = _solve_tri(lu, _solve_tri(lu, b, False, trans=1), True, trans=1, unit_diagonal=True)
        x = _T(pt) @ y
    return restore(x)


# -- expm: d expm(A)[E] = L(A, E), the top-right block of expm([[A, E], [0, A]]) ----------
def _frechet(a, e):
    n = shape_of(a)[-1]
    batch = np.broadcast_shapes(shape_of(a)[:-2], shape_of(e)[:-2])
    a = tnp.broadcast_to(a, batch + (n, n))
    e = tnp.broadcast_to(e, batch + (n, n))
    zero = np.zeros(batch + (n, n), dtype_of(a))
    big = tnp.concatenate([tnp.concatenate([a, e], axis=-1),
                           tnp.concatenate([zero, a], axis=-1)], axis=-2)
    return bind(expm_p, big)[..., :n, n:]


expm_p = Primitive("scipy.expm", lambda a: _on_stacks(_sl.expm, a))
expm_p.def_jvp(lambda t, ans, a: _frechet(a, t))
expm_p.def_vjp(lambda ct, ans, a: _frechet(_T(a), ct))  # the adjoint of L(A, .) is L(A^T, .)
expm_p.def_batch(batch_matrices(expm_p))


def expm(A):
    """``expm(A)``: the matrix exponential; its derivative is exact (the Fréchet derivative
    from a block-triangular exponential), to any order.

    >>> expm(np.zeros((2, 2)))
    array([[1., 0.],
           [0., 1.]])
    """
    return bind(expm_p, _float(A))


def expm_frechet(A, E, method=None, compute_expm=True, check_finite=True):
    """``expm_frechet(A, E, compute_expm=True)``: ``(expm(A), L(A, E))``, or ``L(A, E)``
    alone, where ``L(A, E)`` is the derivative of ``expm`` at ``A`` in direction ``E``.

    >>> expm_frechet(np.zeros((1, 1)), np.ones((1, 1)))[1]
    array([[1.]])
    """
    A, E = _float(A, E), _float(E, A)
    frechet = _frechet(A, E)
    return (expm(A), frechet) if compute_expm else frechet


# -- Sylvester equations and sqrtm -----------------------------------------------------------
def _sylvester_impl(a, b, q):
    return _on_stacks(_sl.solve_sylvester, a, b, q)


def _sylvester_vjp(ct, ans, args, needed):
    # X = S(Q) with A X + X B = Q: ct_Q = S^T(ct) = solve(A^T, B^T, ct), ct_A = -ct_Q X^T,
    # ct_B = -X^T ct_Q
    a, b, _ = args
    ct_q = bind(sylvester_p, _T(a), _T(b), ct)
    return [-(ct_q @ _T(ans)) if needed[0] else None,
            -(_T(ans) @ ct_q) if needed[1] else None, ct_q]


def _sylvester_jvp(args, tangents, ans):
    # A dX + dX B = dQ - dA X - X dB
    a, b, _ = args
    ta, tb, rhs = tangents
    for d in ([ta @ ans] if ta is not None else []) + ([ans @ tb] if tb is not None else []):
        rhs = -d if rhs is None else rhs - d
    return bind(sylvester_p, a, b, rhs)


sylvester_p = Primitive("scipy.solve_sylvester", _sylvester_impl)
sylvester_p.def_vjp(joint=_sylvester_vjp)
sylvester_p.def_jvp(joint=_sylvester_jvp)
sylvester_p.def_batch(batch_matrices(sylvester_p))


def solve_sylvester(a, b, q):
    """``solve_sylvester(a, b, q)``: ``x`` with ``a @ x + x @ b == q``, differentiable in all
    three.

    >>> solve_sylvester(np.eye(2), np.eye(2), 2 * np.eye(2))
    array([[1., 0.],
           [0., 1.]])
    """
    a, b, q = _float(a, b, q), _float(b, a, q), _float(q, a, b)
    return bind(sylvester_p, a, b, q)


sqrtm_p = Primitive("scipy.sqrtm", lambda a: _on_stacks(_sl.sqrtm, a))
# X dX + dX X = dA; the adjoint solves X^T G + G X^T = ct
sqrtm_p.def_jvp(lambda t, ans, a: bind(sylvester_p, ans, ans, t))
sqrtm_p.def_vjp(lambda ct, ans, a: bind(sylvester_p, _T(ans), _T(ans), ct))
sqrtm_p.def_batch(batch_matrices(sqrtm_p))


def sqrtm(A, disp=True, blocksize=64):
    """``sqrtm(A)``: the principal matrix square root; derivatives solve Sylvester
    equations (any order; they need ``sqrtm(A)`` and ``-sqrtm(A)`` to share no eigenvalue).

    >>> sqrtm(4 * np.eye(2))
    array([[2., 0.],
           [0., 2.]])
    """
    return bind(sqrtm_p, _float(A))


# -- block_diag (linear: zeros and concatenation) ----------------------------------------------
def block_diag(*arrs):
    """``block_diag(*arrs)``: the arrays (0-d and 1-d as one row) along the diagonal.

    >>> block_diag(np.ones((1, 1)), 2 * np.ones((1, 2)))
    array([[1., 0., 0.],
           [0., 2., 2.]])
    """
    if not arrs:
        return np.empty((1, 0))
    bad = [k for k, a in enumerate(arrs) if len(shape_of(a)) > 2]
    if bad:
        raise ValueError("arguments in the following positions have dimension greater than 2: "
                         f"{bad}")
    mats = [tnp.reshape(a, (1,) * (2 - len(shape_of(a))) + shape_of(a)) for a in arrs]
    dt = np.result_type(*[dtype_of(m) for m in mats])
    cols = sum(shape_of(m)[1] for m in mats)
    rows, c0 = [], 0
    for m in mats:
        r, c = shape_of(m)
        m = m if dtype_of(m) == dt else tnp.astype(m, dt)
        rows.append(tnp.concatenate([np.zeros((r, c0), dt), m,
                                     np.zeros((r, cols - c0 - c), dt)], axis=1))
        c0 += c
    return tnp.concatenate(rows, axis=0)


from ._linalg_more import (  # noqa: E402
    logm,
    polar,
    solve_banded,
    solve_circulant,
    solve_toeplitz,
    solveh_banded,
)

__all__ += ['solve_banded', 'solveh_banded', 'solve_circulant', 'solve_toeplitz', 'logm',
            'polar']
