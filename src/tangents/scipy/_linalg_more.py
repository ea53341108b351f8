"""scipy.linalg, differentiable (continued): structured solves (``solve_toeplitz``,
``solve_circulant``, ``solve_banded``, ``solveh_banded``), ``logm`` and ``polar``.

Each structured solve is one primitive with SciPy's forward pass for ``A(p) x = b``, where
``A`` is linear in its storage ``p``.  By the implicit-function identity
``dx = A^-1 (db - A(dp) x)``; the cotangents are ``ct_b = A^-T ct`` and ``ct_p = A*(-ct_b
x^T)``, ``A*`` the adjoint of the storage map (sums along diagonals).
"""
from __future__ import annotations

__all__ = ['solve_toeplitz', 'solve_circulant', 'solve_banded', 'solveh_banded', 'logm',
           'polar', 'COVERAGE']

import numpy as np
import scipy.linalg as _sl

from .. import numpy as tnp
from ..core import Primitive, bind, move_bdim
from ..numpy._dispatch import dtype_of, is_traced, shape_of

COVERAGE = {
    "solve_toeplitz": "c, r, b", "solve_circulant": "c, b", "solve_banded": "ab, b",
    "solveh_banded": "ab, b", "logm": "A", "polar": "a", "expm_frechet": "A, E",
    "block_diag": "every block",
}


def _T(x):
    return tnp.swapaxes(x, -1, -2)


def _common(*xs):
    dt = np.result_type(*[dtype_of(x) for x in xs], np.float16)
    return [x if dtype_of(x) == dt else tnp.astype(x, dt) for x in xs]


# -- storage maps: p -> dense A, and their adjoints G -> p --------------------------------------
def _toeplitz_dense(c, r):
    n = shape_of(c)[0]
    vals = tnp.concatenate([tnp.flip(r[1:]), c])  # A[i, j] = vals[i - j + n - 1]
    return tnp.take(vals, np.subtract.outer(np.arange(n), np.arange(n)) + n - 1)


def _toeplitz_adjoint(g):
    n = shape_of(g)[0]
    diag = [tnp.sum(tnp.diagonal(g, offset=-k)) for k in range(n)]
    ct_c = tnp.stack(diag)
    ct_r = tnp.stack([tnp.zeros((), dtype_of(g))] + [tnp.sum(tnp.diagonal(g, offset=k))
                                                  for k in range(1, n)])
    return ct_c, ct_r


def _circulant_dense(c):
    n = shape_of(c)[0]
    return tnp.take(c, np.subtract.outer(np.arange(n), np.arange(n)) % n)


def _circulant_adjoint(g):
    n = shape_of(g)[0]
    return tnp.stack([tnp.sum(tnp.diagonal(g, offset=-k)) + (
        tnp.sum(tnp.diagonal(g, offset=n - k)) if k else 0) for k in range(n)])


def _band_index(lu, n):
    low, up = lu
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    row = up + i - j
    inside = (row >= 0) & (row <= low + up)
    return np.where(inside, row * n + j, 0), inside


def _band_dense(ab, lu):
    idx, inside = _band_index(lu, shape_of(ab)[1])
    return tnp.take(tnp.reshape(ab, (-1,)), idx) * inside.astype(dtype_of(ab))


def _band_adjoint(g, lu):
    # ct_ab[u + i - j, j] = G[i, j] on the band
    n = shape_of(g)[0]
    idx, inside = _band_index(lu, n)
    rows = sum(lu) + 1
    flat = np.zeros((rows * n, n * n))
    flat[idx[inside], np.flatnonzero(inside)] = 1.0
    return tnp.reshape(flat.astype(dtype_of(g)) @ tnp.reshape(g, (-1,)), (rows, n))


def _loop_batch(prim):
    """Batching by one call per batch element (SciPy solves one system per call)."""
    def rule(vals, bdims, **kw):
        size = next(shape_of(v)[d] for v, d in zip(vals, bdims) if d is not None)
        moved = [None if d is None else move_bdim(v, d, 0) for v, d in zip(vals, bdims)]
        return tnp.stack([bind(prim, *[v if m is None else m[i] for v, m in zip(vals, moved)],
                               **kw) for i in range(size)]), 0
    return rule


# -- one primitive per structure: (storage..., b) -> x ---------------------------------------------
def _structured(name, impl, dense, adjoint, n_storage):
    def jvp(args, tangents, ans, **kw):
        p = args[:n_storage]
        rhs = tangents[n_storage]
        if any(t is not None for t in tangents[:n_storage]):
            tp = [t if t is not None else tnp.zeros_like(v) for t, v in zip(tangents, p)]
            d = dense(*tp, **kw) @ ans
            rhs = -d if rhs is None else rhs - d
        return bind(prim, *p, rhs, **kw)

    def vjp(ct, ans, args, needed, **kw):
        p = args[:n_storage]
        ct_b = tnp.linalg.solve(_T(dense(*p, **kw)), ct)  # A^-T ct
        g = -(ct_b @ _T(ans)) if len(shape_of(ans)) == 2 else -tnp.outer(ct_b, ans)
        ct_p = adjoint(g, **kw) if any(needed[:n_storage]) else (None,) * n_storage
        return list(ct_p if isinstance(ct_p, tuple) else (ct_p,)) + [ct_b]

    def forward(*args, **kw):  # SciPy solves some float32 systems in float64: keep the dtype
        return np.asarray(impl(*args, **kw)).astype(np.result_type(*args), copy=False)

    prim = Primitive(f"scipy.{name}", forward)
    prim.def_jvp(joint=jvp)
    prim.def_vjp(joint=vjp)
    prim.def_batch(_loop_batch(prim))
    return prim


toeplitz_p = _structured("solve_toeplitz", lambda c, r, b: _sl.solve_toeplitz((c, r), b),
                         _toeplitz_dense, _toeplitz_adjoint, 2)
circulant_p = _structured("solve_circulant", lambda c, b: _sl.solve_circulant(c, b),
                          _circulant_dense, _circulant_adjoint, 1)
banded_p = _structured("solve_banded", lambda ab, b, *, lu: _sl.solve_banded(lu, ab, b),
                       _band_dense, _band_adjoint, 1)


def solve_toeplitz(c_or_cr, b, check_finite=True):
    """``solve_toeplitz((c, r), b)``: ``x`` with ``T x = b``, ``T`` the Toeplitz matrix of
    first column ``c`` and first row ``r`` (``r = conj(c)`` when only ``c`` is given; ``r[0]``
    is ignored), differentiable in ``c``, ``r`` and ``b``.

    >>> solve_toeplitz((np.array([2.0, 1.0]), np.array([2.0, 0.5])), np.array([2.5, 3.0]))
    array([1., 1.])
    """
    c, r = c_or_cr if isinstance(c_or_cr, tuple) else (c_or_cr, tnp.conj(c_or_cr))
    if not is_traced(c, r, b):
        return _sl.solve_toeplitz((c, r), b)
    c, r, b = _common(c, r, b)
    return bind(toeplitz_p, c, r, b)


def solve_circulant(c, b, singular='raise', tol=None, caxis=-1, baxis=0, outaxis=0):
    """``solve_circulant(c, b)``: ``x`` with ``C x = b``, ``C`` the circulant matrix of first
    column ``c`` (1-d ``c``; the default axes), differentiable in ``c`` and ``b``.

    >>> solve_circulant(np.array([2.0, 1.0, 0.0]), np.array([3.0, 3.0, 3.0]))
    array([1., 1., 1.])
    """
    if not is_traced(c, b):
        return _sl.solve_circulant(c, b, singular, tol, caxis, baxis, outaxis)
    if len(shape_of(c)) != 1 or (caxis, baxis, outaxis) not in ((-1, 0, 0), (0, 0, 0)):
        raise NotImplementedError("solve_circulant: derivatives take a 1-d c and the default "
                                  "caxis, baxis, outaxis; loop (or vmap) over stacks instead")
    c, b = _common(c, b)
    return bind(circulant_p, c, b)


def solve_banded(l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    """``solve_banded((l, u), ab, b)``: ``x`` with ``A x = b``, ``A`` given by its band
    storage ``ab[u + i - j, j] = A[i, j]``; differentiable in ``ab`` (entries outside the
    matrix get a zero derivative) and ``b``.

    >>> solve_banded((1, 0), np.array([[2.0, 2.0], [1.0, 0.0]]), np.array([2.0, 3.0]))
    array([1., 1.])
    """
    lu = tuple(int(k) for k in l_and_u)
    if not is_traced(ab, b):
        return _sl.solve_banded(lu, ab, b)
    if shape_of(ab)[0] != sum(lu) + 1:
        raise ValueError(f"solve_banded: ab has {shape_of(ab)[0]} rows; (l, u) = {lu} needs "
                         f"l + u + 1 = {sum(lu) + 1}")
    ab, b = _common(ab, b)
    return bind(banded_p, ab, b, lu=lu)


def solveh_banded(ab, b, overwrite_ab=False, overwrite_b=False, lower=False,
                  check_finite=True):
    """``solveh_banded(ab, b, lower=False)``: ``x`` with ``A x = b`` for a Hermitian positive
    definite banded ``A`` stored as its upper (or ``lower``) band; differentiable in ``ab``
    and ``b`` (each stored entry stands for itself and its mirror).

    >>> solveh_banded(np.array([[0.0, 1.0], [2.0, 2.0]]), np.array([3.0, 3.0]))
    array([1., 1.])
    """
    if not is_traced(ab, b):
        return _sl.solveh_banded(ab, b, lower=lower)
    k = shape_of(ab)[0] - 1
    ab, b = _common(ab, b)
    n = shape_of(ab)[1]
    # the full band storage: the stored triangle and its mirror (diagonal once)
    if lower:  # ab[i - j, j] = A[i, j]; upper rows mirror it: A[j, i] at u + j - i
        upper = [tnp.pad(ab[d, :n - d], [(d, 0)]) for d in range(k, 0, -1)]
        full = tnp.stack(upper + [ab[d] for d in range(k + 1)])
    else:      # ab[k + i - j, j] = A[i, j]; lower rows mirror it
        lower_rows = [tnp.pad(ab[k - d, d:], [(0, d)]) for d in range(1, k + 1)]
        full = tnp.stack([ab[d] for d in range(k + 1)] + lower_rows)
    return bind(banded_p, full, b, lu=(k, k))


# -- logm: d logm(A)[E] is the top-right block of logm([[A, E], [0, A]]) --------------------------
def _logm_frechet(a, e):
    n = shape_of(a)[-1]
    zero = np.zeros((n, n), dtype_of(a))
    big = tnp.concatenate([tnp.concatenate([a, e], axis=-1),
                           tnp.concatenate([zero, a], axis=-1)], axis=-2)
    return bind(logm_p, big)[..., :n, n:]


def _logm_impl(a):
    out = np.asarray(_sl.logm(a))
    return out.astype(a.dtype) if out.dtype.kind == np.asarray(a).dtype.kind else out


logm_p = Primitive("scipy.logm", _logm_impl)
logm_p.def_jvp(lambda t, ans, a: _logm_frechet(a, t))
logm_p.def_vjp(lambda ct, ans, a: _logm_frechet(_T(a), ct))  # L(A, .)^T = L(A^T, .)
logm_p.def_batch(_loop_batch(logm_p))


def logm(A, disp=True):
    """``logm(A)``: the principal matrix logarithm of a square matrix (no eigenvalue on the
    closed negative real axis), with the exact Fréchet derivative to any order.

    >>> logm(np.eye(2))
    array([[0., 0.],
           [0., 0.]])
    """
    if not is_traced(A):
        return _sl.logm(A)
    return bind(logm_p, _common(A)[0])


def polar(a, side='right'):
    """``polar(a, side='right')``: ``(u, p)`` with ``a = u @ p`` (``p @ u`` for 'left'), ``u``
    with orthonormal columns and ``p`` positive semidefinite; derivatives through the SVD
    ``a = W S V^T`` (``u = W V^T``), defined where ``a`` has full rank and distinct singular
    values.

    >>> polar(2 * np.eye(2))[1]
    array([[2., 0.],
           [0., 2.]])
    """
    if side not in ("right", "left"):
        raise ValueError(f"polar: side must be 'right' or 'left', got {side!r}")
    if not is_traced(a):
        return _sl.polar(a, side)
    if len(shape_of(a)) != 2:
        raise ValueError(f"polar: a must be a 2-d array, got shape {shape_of(a)}")
    w, s, vh = tnp.linalg.svd(_common(a)[0], full_matrices=False)
    u = w @ vh
    if side == "right":
        return u, (_T(vh) * s) @ vh
    return u, (w * s) @ _T(w)
