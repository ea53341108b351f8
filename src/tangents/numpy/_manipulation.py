"""Array manipulation and assorted numerical routines: differences and gradients,
rolling, flipping, tiling and repeating, triangles and diagonals, cross products,
convolution, polynomials, interpolation, grids, and the special functions sinc and i0.

All are composites of differentiable operations (slicing, gathers, concatenation,
reshapes), except `i0` (with its derivative, a private ``i1``) and the zero-derivative
`round`, which are primitives.
"""
from __future__ import annotations

__all__ = ['diff', 'ediff1d', 'gradient', 'roll', 'flip', 'fliplr', 'flipud', 'rot90',
           'tile', 'repeat', 'tril', 'triu', 'diag', 'diagflat', 'cross', 'convolve',
           'correlate', 'polyval', 'vander', 'insert', 'delete']

import operator
import warnings

import numpy as np

from ._complex import conj
from ._contractions import diagonal, matmul
from ._creation import asarray, cast
from ._dispatch import dtype, implements, normalize_axes, normalize_axis, numpy_on_plain, shape
from ._elementwise import where
from ._indexing import getitem, take
from ._joining import concatenate, stack
from ._padding import pad
from ._reductions import cumprod
from ._shape import broadcast_to, moveaxis, ravel, reshape, transpose

_NoValue = np._NoValue


def _along(axis, index):
    return (slice(None),) * axis + (index,)


def _float(x):
    return x if dtype(x).kind in "fc" else cast(x, np.float64)


# -- differences and gradients -------------------------------------------------------------
@implements(np.diff)
def diff(a, n=1, axis=-1, prepend=_NoValue, append=_NoValue):
    """``diff(a, n=1, axis=-1, prepend=, append=)``: the n-th forward difference.

    >>> diff(np.array([1.0, 4.0, 9.0]))
    array([3., 5.])
    """
    if n == 0:
        return a
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    a = asarray(a)
    nd = len(shape(a))
    if nd == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis(axis, nd, "diff")
    parts = []
    for extra in (prepend, None, append):
        if extra is None:
            parts.append(a)
        elif extra is not _NoValue:
            extra = asarray(extra)
            if len(shape(extra)) == 0:
                extra = broadcast_to(extra, shape(a)[:axis] + (1,) + shape(a)[axis + 1:])
            parts.append(extra)
    if len(parts) > 1:
        a = concatenate(parts, axis)
    for _ in range(n):
        hi = getitem(a, _along(axis, slice(1, None)))
        lo = getitem(a, _along(axis, slice(None, -1)))
        a = (hi != lo) if dtype(a).kind == "b" else hi - lo
    return a


@implements(np.ediff1d)
def ediff1d(ary, to_end=None, to_begin=None):
    """``ediff1d(ary, to_end=None, to_begin=None)``: differences of the flattened array.

    >>> ediff1d(np.array([1.0, 2.0, 4.0]), to_begin=0.0)
    array([0., 1., 2.])
    """
    a = ravel(asarray(ary))
    parts = [] if to_begin is None else [cast(ravel(asarray(to_begin)), dtype(a))]
    parts.append(getitem(a, slice(1, None)) - getitem(a, slice(None, -1)))
    if to_end is not None:
        parts.append(cast(ravel(asarray(to_end)), dtype(a)))
    return concatenate(parts) if len(parts) > 1 else parts[0]


def _coefs(c, axis, nd):
    return reshape(c, tuple(-1 if d == axis else 1 for d in range(nd)))


def _gradient_axis(f, axis, h, edge_order):
    """One axis of `gradient`: central differences inside, one-sided ones at the edges."""
    nd = len(shape(f))
    n = shape(f)[axis]
    if n < edge_order + 1:
        raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                         "least (edge_order + 1) elements are required.")

    def sl(start, stop=None):
        return getitem(f, _along(axis, slice(start, stop)))

    def el(i):
        return getitem(f, _along(axis, slice(i, i + 1 if i != -1 else None)))

    if len(shape(h)) == 0:  # uniform spacing
        mid = (sl(2) - sl(0, -2)) / (2.0 * h)
        if edge_order == 1:
            first, last = (el(1) - el(0)) / h, (el(-1) - el(-2)) / h
        else:
            first = (-1.5 * el(0) + 2.0 * el(1) - 0.5 * el(2)) / h
            last = (0.5 * el(-3) - 2.0 * el(-2) + 1.5 * el(-1)) / h
        return concatenate([first, mid, last], axis)
    if shape(h) != (n,):
        raise ValueError("when 1d, distances must match the length of the corresponding "
                         "dimension")
    dx = diff(_float(h))
    dx1, dx2 = getitem(dx, slice(None, -1)), getitem(dx, slice(1, None))
    a = _coefs(-dx2 / (dx1 * (dx1 + dx2)), axis, nd)
    b = _coefs((dx2 - dx1) / (dx1 * dx2), axis, nd)
    c = _coefs(dx1 / (dx2 * (dx1 + dx2)), axis, nd)
    mid = a * sl(0, -2) + b * sl(1, -1) + c * sl(2)
    if edge_order == 1:
        first = (el(1) - el(0)) / getitem(dx, slice(0, 1))
        last = (el(-1) - el(-2)) / getitem(dx, slice(-1, None))
    else:
        d1, d2 = getitem(dx, 0), getitem(dx, 1)
        first = (-(2.0 * d1 + d2) / (d1 * (d1 + d2)) * el(0) + (d1 + d2) / (d1 * d2) * el(1)
                 - d1 / (d2 * (d1 + d2)) * el(2))
        d1, d2 = getitem(dx, -2), getitem(dx, -1)
        last = (d2 / (d1 * (d1 + d2)) * el(-3) - (d2 + d1) / (d1 * d2) * el(-2)
                + (2.0 * d2 + d1) / (d2 * (d1 + d2)) * el(-1))
    return concatenate([first, mid, last], axis)


@implements(np.gradient)
@numpy_on_plain(np.gradient)
def gradient(f, *varargs, axis=None, edge_order=1):
    """``gradient(f, *varargs, axis=None, edge_order=1)``: second-order central differences
    inside, first- or second-order one-sided differences at the edges; spacings are scalars
    or coordinate arrays (which may be traced).  A tuple for several axes.

    >>> gradient(np.array([1.0, 4.0, 9.0, 16.0]))
    array([3., 4., 6., 7.])
    """
    f = _float(asarray(f))
    nd = len(shape(f))
    if axis is None:
        axes = list(range(nd))
    else:
        axes = [normalize_axis(ax, nd, "gradient") for ax in
                (axis if isinstance(axis, (tuple, list)) else (axis,))]
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    if len(varargs) == 0:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and len(shape(varargs[0])) == 0:
        spacing = list(varargs) * len(axes)
    elif len(varargs) == len(axes):
        spacing = list(varargs)
    else:
        raise TypeError("invalid number of arguments")
    out = tuple(_gradient_axis(f, ax, asarray(h) if not isinstance(h, float) else h, edge_order)
                for ax, h in zip(axes, spacing, strict=True))
    return out[0] if len(out) == 1 else out


# -- rolling, flipping, tiling, repeating (padding: _padding.py) -----------------------------
@implements(np.roll)
def roll(a, shift, axis=None):
    """``roll(a, shift, axis=None)``: shift and axis may be tuples (shifts on one axis add).

    >>> roll(np.array([1.0, 2.0, 3.0]), 1)
    array([3., 1., 2.])
    """
    a = asarray(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), shape(a))
    nd = len(shape(a))
    axes, shifts = np.broadcast_arrays(np.atleast_1d(axis), np.atleast_1d(shift))
    total = {}
    for ax, sh in zip(axes.ravel(), shifts.ravel(), strict=True):
        ax = normalize_axis(int(ax), nd, "roll")
        total[ax] = total.get(ax, 0) + int(sh)
    for ax, sh in total.items():
        n = shape(a)[ax]
        k = sh % n if n else 0
        if k:
            a = concatenate([getitem(a, _along(ax, slice(n - k, None))),
                             getitem(a, _along(ax, slice(None, n - k)))], ax)
    return a


@implements(np.flip)
def flip(m, axis=None):
    """``flip(m, axis=None)``: reverse the order along the given axes (all by default).

    >>> flip(np.array([1.0, 2.0, 3.0]))
    array([3., 2., 1.])
    """
    m = asarray(m)
    axes = normalize_axes(axis, len(shape(m)), "flip")
    return getitem(m, tuple(slice(None, None, -1) if d in axes else slice(None)
                            for d in range(len(shape(m)))))


@implements(np.fliplr)
def fliplr(m):
    """``fliplr(m)``: flip along axis 1.

    >>> fliplr(np.array([[1.0, 2.0]]))
    array([[2., 1.]])
    """
    if len(shape(m)) < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(m, 1)


@implements(np.flipud)
def flipud(m):
    """``flipud(m)``: flip along axis 0.

    >>> flipud(np.array([1.0, 2.0]))
    array([2., 1.])
    """
    if len(shape(m)) < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(m, 0)


@implements(np.rot90)
def rot90(m, k=1, axes=(0, 1)):
    """``rot90(m, k=1, axes=(0, 1))``: rotate by 90 degrees ``k`` times in the plane
    ``axes``, from the first axis towards the second.

    >>> rot90(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 4.],
           [1., 3.]])
    """
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    m = asarray(m)
    nd = len(shape(m))
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == nd:
        raise ValueError("Axes must be different.")
    if not all(-nd <= ax < nd for ax in axes):
        raise ValueError(f"Axes={axes} out of range for array of ndim={nd}.")
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    perm = list(range(nd))
    perm[axes[0]], perm[axes[1]] = perm[axes[1]], perm[axes[0]]
    return transpose(flip(m, axes[1]), perm) if k == 1 else flip(transpose(m, perm), axes[1])


@implements(np.tile)
def tile(A, reps):
    """``tile(A, reps)``: repeat the whole array ``reps`` times along each axis.

    >>> tile(np.array([1.0, 2.0]), 2)
    array([1., 2., 1., 2.])
    """
    reps = tuple(reps) if np.iterable(reps) else (reps,)
    A = asarray(A)
    nd = max(len(reps), len(shape(A)))
    ashape = (1,) * (nd - len(shape(A))) + shape(A)
    reps = (1,) * (nd - len(reps)) + tuple(operator.index(r) for r in reps)
    interleaved = reshape(A, sum(((1, s) for s in ashape), ()))
    wide = broadcast_to(interleaved, sum(((r, s) for r, s in zip(reps, ashape, strict=True)), ()))
    return reshape(wide, tuple(r * s for r, s in zip(reps, ashape, strict=True)))


@implements(np.repeat)
def repeat(a, repeats, axis=None):
    """``repeat(a, repeats, axis=None)``: each element repeated (``repeats`` an int or one
    count per element); cotangents of the copies add.

    >>> repeat(np.array([1.0, 2.0]), [1, 2])
    array([1., 2., 2.])
    """
    a = asarray(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, len(shape(a)), "repeat")
    s = shape(a)
    if np.ndim(repeats) == 0 or np.size(repeats) == 1:
        r = int(np.ravel(repeats)[0]) if np.ndim(repeats) else operator.index(repeats)
        if r < 0:
            raise ValueError("repeats may not contain negative values.")
        wide = broadcast_to(reshape(a, s[:axis + 1] + (1,) + s[axis + 1:]),
                            s[:axis + 1] + (r,) + s[axis + 1:])
        return reshape(wide, s[:axis] + (s[axis] * r,) + s[axis + 1:])
    return take(a, np.repeat(np.arange(s[axis]), repeats), axis=axis)


# -- triangles and diagonals ---------------------------------------------------------------
def _tri_mask(m, k, lower):
    s = shape(m)
    rows, cols = (s[-2], s[-1]) if len(s) >= 2 else (s[0], s[0])
    tri = np.tri(rows, cols, k if lower else k - 1, dtype=bool)
    return tri if lower else ~tri


@implements(np.tril)
@numpy_on_plain(np.tril)
def tril(m, k=0):
    """``tril(m, k=0)``: zeros above the k-th diagonal of the last two axes.

    >>> tril(np.ones((2, 2)))
    array([[1., 0.],
           [1., 1.]])
    """
    m = asarray(m)
    return where(_tri_mask(m, k, True), m, np.zeros((), dtype(m)))


@implements(np.triu)
@numpy_on_plain(np.triu)
def triu(m, k=0):
    """``triu(m, k=0)``: zeros below the k-th diagonal of the last two axes.

    >>> triu(np.ones((2, 2)))
    array([[1., 1.],
           [0., 1.]])
    """
    m = asarray(m)
    return where(_tri_mask(m, k, False), m, np.zeros((), dtype(m)))


@implements(np.diag)
def diag(v, k=0):
    """``diag(v, k=0)``: a 1-d ``v`` placed on the k-th diagonal of a square 2-d array, or
    the k-th diagonal of a 2-d ``v``.

    >>> diag(np.array([1.0, 2.0]), 1)
    array([[0., 1., 0.],
           [0., 0., 2.],
           [0., 0., 0.]])
    """
    v = asarray(v)
    s = shape(v)
    if len(s) == 2:
        return diagonal(v, k)
    if len(s) != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = s[0] + abs(k)
    vp = concatenate([v, np.zeros(abs(k), dtype(v))]) if k else v
    # k >= 0: out[i, i + k] = v[i] (row i holds v[i]); k < 0: out[j - k, j] = v[j] (column j)
    vp = reshape(vp, (n, 1) if k >= 0 else (1, n))
    return where(np.eye(n, k=k, dtype=bool), vp, np.zeros((), dtype(v)))


@implements(np.diagflat)
def diagflat(v, k=0):
    """``diagflat(v, k=0)``: `diag` of the flattened input.

    >>> diagflat(np.array([[1.0, 2.0]]))
    array([[1., 0.],
           [0., 2.]])
    """
    return diag(ravel(asarray(v)), k)


# -- cross products, convolution, polynomials -----------------------------------------------
@implements(np.cross)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """``cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None)`` of 2- and 3-vectors (with
    broadcasting); two 2-vectors give the scalar z-component.

    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = asarray(a), asarray(b)
    a = moveaxis(a, normalize_axis(axisa, len(shape(a)), "cross"), -1)
    b = moveaxis(b, normalize_axis(axisb, len(shape(b)), "cross"), -1)
    na, nb = shape(a)[-1], shape(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    if na == 2 or nb == 2:
        warnings.warn("Arrays of 2-dimensional vectors are deprecated. Use arrays of "
                      "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
                      DeprecationWarning, stacklevel=2)
    a0, a1 = getitem(a, (Ellipsis, 0)), getitem(a, (Ellipsis, 1))
    b0, b1 = getitem(b, (Ellipsis, 0)), getitem(b, (Ellipsis, 1))
    c2 = a0 * b1 - a1 * b0
    if na == 2 and nb == 2:
        return c2
    a2 = getitem(a, (Ellipsis, 2)) if na == 3 else 0.0
    b2 = getitem(b, (Ellipsis, 2)) if nb == 3 else 0.0
    c0, c1 = a1 * b2 - a2 * b1, a2 * b0 - a0 * b2
    out_shape = np.broadcast_shapes(shape(c0), shape(c1), shape(c2))
    cp = stack([broadcast_to(c, out_shape) for c in (c0, c1, c2)], axis=-1)
    return moveaxis(cp, -1, normalize_axis(axisc, len(out_shape) + 1, "cross"))


def _correlate_core(x, y, mode):
    """NumPy's un-conjugated 1-d correlation of ``x`` with the (not longer) ``y``:
    ``out[i] = sum_j xp[i + off + j] y[j]``, ``xp`` being ``x`` zero-padded by m-1."""
    n, m = shape(x)[0], shape(y)[0]
    if mode == "full":
        off, length = 0, n + m - 1
    elif mode == "same":
        off, length = m - 1 - m // 2, n
    elif mode == "valid":
        off, length = m - 1, n - m + 1
    else:
        raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")
    xp = pad(x, (m - 1, m - 1))
    window = getitem(xp, np.arange(length)[:, None] + off + np.arange(m)[None, :])
    return matmul(window, y)


def _vectors(a, v):
    a, v = asarray(a), asarray(v)
    a = reshape(a, (1,)) if len(shape(a)) == 0 else a
    v = reshape(v, (1,)) if len(shape(v)) == 0 else v
    if len(shape(a)) != 1 or len(shape(v)) != 1:
        raise ValueError("object too deep for desired array")
    if shape(a)[0] == 0:
        raise ValueError("a cannot be empty")
    if shape(v)[0] == 0:
        raise ValueError("v cannot be empty")
    return a, v


@implements(np.convolve)
@numpy_on_plain(np.convolve)
def convolve(a, v, mode="full"):
    """``convolve(a, v, mode="full")``: discrete linear convolution of 1-d arrays (modes
    full, same, valid).

    >>> convolve(np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0]))
    array([1., 3., 3., 2.])
    """
    a, v = _vectors(a, v)
    if shape(v)[0] > shape(a)[0]:
        a, v = v, a
    return _correlate_core(a, flip(v), mode)


@implements(np.correlate)
@numpy_on_plain(np.correlate)
def correlate(a, v, mode="valid"):
    """``correlate(a, v, mode="valid")``: ``c[k] = sum_n a[n + k] conj(v[n])`` of 1-d
    arrays (modes valid, same, full).

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0]))
    array([2., 3.])
    """
    a, v = _vectors(a, v)
    v = conj(v)
    if shape(v)[0] > shape(a)[0]:  # NumPy swaps the arguments and reverses the result
        return flip(_correlate_core(v, a, mode))
    return _correlate_core(a, v, mode)


@implements(np.polyval)
@numpy_on_plain(np.polyval)
def polyval(p, x):
    """``polyval(p, x)``: ``p[0] x**(n-1) + ... + p[n-1]`` by Horner's rule.

    >>> polyval(np.array([1.0, 0.0, -1.0]), np.array([2.0, 3.0]))
    array([3., 8.])
    """
    p, x = asarray(p), asarray(x)
    y = np.zeros(shape(x), dtype(x))
    for i in range(shape(p)[0]):
        y = y * x + getitem(p, i)
    return y


@implements(np.vander)
def vander(x, N=None, increasing=False):
    """``vander(x, N=None, increasing=False)``: columns are powers of ``x`` (cumulative
    products, so the derivative is exact at 0).

    >>> vander(np.array([2.0, 3.0]), 3)
    array([[4., 2., 1.],
           [9., 3., 1.]])
    """
    x = asarray(x)
    if len(shape(x)) != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = shape(x)[0]
    N = n if N is None else N
    x = cast(x, np.promote_types(dtype(x), int))
    cols = [np.ones((n, min(N, 1)), dtype(x))]
    if N > 1:
        cols.append(cumprod(broadcast_to(reshape(x, (n, 1)), (n, N - 1)), axis=1))
    v = concatenate(cols, axis=1) if len(cols) > 1 else cols[0]
    return v if increasing else flip(v, 1)


# -- insert and delete: NumPy's own routine on position tags, then one gather --------------
@implements(np.insert)
def insert(arr, obj, values, axis=None):
    """``insert(arr, obj, values, axis=None)``: NumPy's semantics; every output entry is
    gathered from ``arr`` or ``values`` (both differentiable).

    >>> insert(np.array([1.0, 2.0]), 1, 5.0)
    array([1., 5., 2.])
    """
    arr, values = asarray(arr), asarray(values)
    size = int(np.prod(shape(arr)))
    tags = np.arange(size).reshape(shape(arr))
    vtags = -1 - np.arange(int(np.prod(shape(values)))).reshape(shape(values))
    out = np.insert(tags, obj, vtags, axis)
    src = concatenate([ravel(arr), ravel(cast(values, dtype(arr)))])
    return getitem(src, np.where(out >= 0, out, size - 1 - out))


@implements(np.delete)
def delete(arr, obj, axis=None):
    """``delete(arr, obj, axis=None)``: NumPy's semantics, as one gather.

    >>> delete(np.array([1.0, 2.0, 3.0]), [0, 2])
    array([2.])
    """
    arr = asarray(arr)
    tags = np.delete(np.arange(int(np.prod(shape(arr)))).reshape(shape(arr)), obj, axis)
    return getitem(ravel(arr), tags)
