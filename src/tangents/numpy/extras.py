"""The rest of NumPy's namespace, composed from the families: statistics (average, cov,
corrcoef, ptp, trapezoid, histograms), selection (select, choose, compress, extract,
partition), small elementwise functions (fabs, divmod, modf, frexp, ldexp, spacing),
polynomials (poly*, roots), set operations, comparisons (isclose, array_equal, ...), the
windows, and non-symmetric eig/eigvals.

Integer and boolean results are computed on primal values (a few primitives marked
non-differentiable, batched example by example where NumPy has no batched call).
"""
from __future__ import annotations

__all__ = ['average', 'cov', 'corrcoef', 'trapezoid', 'ptp', 'select', 'choose', 'compress',
           'extract', 'resize', 'rollaxis', 'row_stack', 'fabs', 'divmod', 'modf', 'frexp',
           'ldexp', 'spacing', 'fix', 'real_if_close', 'asanyarray', 'unwrap', 'sort_complex',
           'trim_zeros', 'partition', 'argpartition', 'poly', 'polyadd', 'polysub', 'polymul',
           'polyder', 'polyint', 'polydiv', 'polyfit', 'roots', 'matvec', 'vecmat', 'allclose',
           'isclose', 'array_equal', 'array_equiv', 'bincount', 'digitize', 'histogram',
           'histogram2d', 'histogramdd', 'intersect1d', 'union1d', 'setxor1d', 'isneginf',
           'isposinf', 'isreal', 'iscomplex', 'iscomplexobj', 'isrealobj', 'gcd', 'lcm',
           'bitwise_count', 'bartlett', 'blackman', 'hamming', 'hanning', 'kaiser']

import builtins
import operator
from collections import namedtuple

import numpy as np

from .. import numpy as tnp  # the package namespace; read only at call time
from ..core import builders
from ..core.batching import batch_elementwise, batch_unary, move_bdim
from ..core.primitive import Primitive, bind
from ..core.tracer import Tracer
from ._dispatch import (
    dtype,
    implements,
    implements_ufunc,
    ndim,
    normalize_axes,
    normalize_axis,
    shape,
)


def _loop_batch(prim):
    """Batching rule applying ``prim`` example by example and stacking the results."""
    def rule(vals, bdims, **params):
        size = next(shape(v)[b] for v, b in zip(vals, bdims, strict=True) if b is not None)
        rows = []
        for i in range(size):
            args = [v if b is None else tnp.getitem(v, (slice(None),) * b + (i,))
                    for v, b in zip(vals, bdims, strict=True)]
            rows.append(bind(prim, *args, **params))
        if prim.multiple_results:
            return [tnp.stack(list(r)) for r in zip(*rows, strict=True)], [0] * len(rows[0])
        return tnp.stack(rows), 0
    return rule


def _as_bool(x):
    """NumPy returns a Python bool; under vmap the answer is per example (a tracer)."""
    return x if isinstance(x, Tracer) else builtins.bool(x)


def _concrete(x, name):
    if isinstance(x, Tracer):
        raise ValueError(f"{name} inside vmap: the result's shape depends on each example's "
                         "values, so the batched result would be ragged")
    return np.asarray(x)


# -- elementwise -------------------------------------------------------------------------
def _nondiff_ufunc(name, ufunc, nargs):
    prim = builders.nondifferentiable(
        name, ufunc, batch=batch_unary if nargs == 1 else batch_elementwise)

    def fn(*args):
        return bind(prim, *args)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{name}``: NumPy's ``{name}`` on primal values (no derivative)."
    implements_ufunc(ufunc)(fn)
    return fn


gcd = _nondiff_ufunc("gcd", np.gcd, 2)
lcm = _nondiff_ufunc("lcm", np.lcm, 2)
bitwise_count = _nondiff_ufunc("bitwise_count", np.bitwise_count, 1)
spacing = _nondiff_ufunc("spacing", np.spacing, 1)  # piecewise constant: zero derivative
implements_ufunc(np.degrees)(tnp.rad2deg)
implements_ufunc(np.radians)(tnp.deg2rad)


@implements_ufunc(np.fabs)
def fabs(x):
    """``fabs(x)``: absolute value of real ``x`` (derivative ``sign(x)``, 0 at 0).

    >>> fabs(np.array([-1.5]))
    array([1.5])
    """
    if dtype(x).kind == "c":
        raise TypeError("ufunc 'fabs' not supported for complex input")
    return tnp.absolute(x)


@implements(np.fix)
def fix(x, out=None):
    """``fix(x)``: round toward zero (zero derivative, like trunc)."""
    if out is not None:
        raise TypeError("fix: out= is not supported on traced values")
    return tnp.trunc(x)


@implements_ufunc(np.divmod)
def divmod(x, y):  # noqa: A001 - NumPy's name
    """``divmod(x, y)``: ``(floor_divide(x, y), remainder(x, y))``; the quotient carries no
    derivative, the remainder is ``x - q y``.

    >>> divmod(np.array([7.0]), 2.0)
    (array([3.]), array([1.]))
    """
    return tnp.floor_divide(x, y), tnp.remainder(x, y)


@implements_ufunc(np.modf)
def modf(x):
    """``modf(x)``: ``(fractional, integral)`` parts; the fractional part has derivative 1.

    >>> modf(np.array([-1.5]))
    (array([-0.5]), array([-1.]))
    """
    whole = tnp.trunc(x)
    return tnp.where(tnp.isinf(x), 0.0 * whole, x - whole), whole


frexp_exponent_p = builders.nondifferentiable(
    "frexp_exponent", lambda x: np.frexp(x)[1], batch=batch_unary)


def _mantissa_partial(ans, x):
    # m = x 2^-e with e piecewise constant: dm/dx = 2^-e = m / x (0 at x == 0)
    zero = tnp.equal(x, 0)
    return tnp.where(zero, 0.0, ans / tnp.where(zero, 1.0, x))


frexp_mantissa_p = builders.elementwise("frexp_mantissa", lambda x: np.frexp(x)[0],
                                        _mantissa_partial)


@implements_ufunc(np.frexp)
def frexp(x):
    """``frexp(x)``: ``(m, e)`` with ``x = m 2**e``; ``m`` is differentiable (``2**-e``).

    >>> frexp(np.array([8.0]))
    (array([0.5]), array([4], dtype=int32))
    """
    return bind(frexp_mantissa_p, x), bind(frexp_exponent_p, x)


ldexp_p = builders.elementwise(
    "ldexp", np.ldexp,
    lambda ans, x, e: bind(ldexp_p, np.ones((), dtype(ans)), e), None)


@implements_ufunc(np.ldexp)
def ldexp(x, e):
    """``ldexp(x, e)``: ``x * 2**e`` for integer ``e`` (derivative ``2**e`` in ``x``).

    >>> ldexp(np.array([0.75]), 2)
    array([3.])
    """
    if not isinstance(e, Tracer):
        e = np.asarray(e)  # rules see an integer array, not a float-promoted scalar
    return bind(ldexp_p, x, e)


def _matvec_ufunc(x1, x2):
    return tnp.sum(x1 * tnp.expand_dims(x2, -2), axis=-1)


@implements_ufunc(np.matvec)
def matvec(x1, x2):
    """``matvec(x1, x2)``: matrix-vector product over the last axes (broadcast stacks).

    >>> matvec(np.eye(2), np.array([1.0, 2.0]))
    array([1., 2.])
    """
    return _matvec_ufunc(x1, x2)


@implements_ufunc(np.vecmat)
def vecmat(x1, x2):
    """``vecmat(x1, x2)``: ``conj(x1) @ x2`` over the last axes (broadcast stacks).

    >>> vecmat(np.array([1.0, 2.0]), np.eye(2))
    array([1., 2.])
    """
    return tnp.sum(tnp.expand_dims(tnp.conj(x1), -1) * x2, axis=-2)


# -- comparisons and type tests: plain booleans -------------------------------------------
isclose_p = builders.nondifferentiable(
    "isclose", lambda a, b, *, rtol, atol, equal_nan: np.isclose(a, b, rtol, atol, equal_nan),
    batch=batch_elementwise)


@implements(np.isclose)
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False)``: a plain boolean array."""
    return bind(isclose_p, a, b, rtol=float(rtol), atol=float(atol),
                equal_nan=builtins.bool(equal_nan))


@implements(np.allclose)
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False)``: a Python bool.

    >>> allclose(np.array([1.0]), np.array([1.0 + 1e-9]))
    True
    """
    return _as_bool(tnp.all(isclose(a, b, rtol, atol, equal_nan)))


@implements(np.array_equal)
def array_equal(a1, a2, equal_nan=False):
    """``array_equal(a1, a2, equal_nan=False)``: same shape and elements (a Python bool)."""
    if shape(a1) != shape(a2):
        return False
    same = tnp.equal(a1, a2)
    if equal_nan:
        same = tnp.logical_or(same, tnp.logical_and(tnp.isnan(a1), tnp.isnan(a2)))
    return _as_bool(tnp.all(same))


@implements(np.array_equiv)
def array_equiv(a1, a2):
    """``array_equiv(a1, a2)``: broadcastable and equal elementwise (a Python bool)."""
    try:
        np.broadcast_shapes(shape(a1), shape(a2))
    except ValueError:
        return False
    return _as_bool(tnp.all(tnp.equal(a1, a2)))


@implements(np.isneginf)
def isneginf(x, out=None):
    """``isneginf(x)``: a plain boolean array."""
    return tnp.logical_and(tnp.isinf(x), tnp.signbit(x))


@implements(np.isposinf)
def isposinf(x, out=None):
    """``isposinf(x)``: a plain boolean array."""
    return tnp.logical_and(tnp.isinf(x), tnp.logical_not(tnp.signbit(x)))


@implements(np.isreal)
def isreal(x):
    """``isreal(x)``: imaginary part zero (a plain boolean array)."""
    return tnp.equal(tnp.imag(x), 0)


@implements(np.iscomplex)
def iscomplex(x):
    """``iscomplex(x)``: imaginary part nonzero (a plain boolean array)."""
    return tnp.not_equal(tnp.imag(x), 0)


@implements(np.iscomplexobj)
def iscomplexobj(x):
    """``iscomplexobj(x)``: whether the dtype is complex."""
    return dtype(x).kind == "c"


@implements(np.isrealobj)
def isrealobj(x):
    """``isrealobj(x)``: whether the dtype is not complex."""
    return dtype(x).kind != "c"


# -- statistics ---------------------------------------------------------------------------
@implements(np.ptp)
def ptp(a, axis=None, out=None, keepdims=False):
    """``ptp(a, axis=None, keepdims=False)``: ``max - min`` (ties share as in max/min).

    >>> ptp(np.array([1.0, 4.0, 2.0]))
    np.float64(3.0)
    """
    if out is not None:
        raise TypeError("ptp: out= is not supported on traced values")
    return (tnp.max(a, axis=axis, keepdims=keepdims)
            - tnp.min(a, axis=axis, keepdims=keepdims))


@implements(np.average)
def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """``average(a, axis=None, weights=None, returned=False, keepdims=False)``:
    ``sum(a * w) / sum(w)``, differentiable in ``a`` and ``weights``.

    >>> average(np.array([1.0, 3.0]), weights=np.array([3.0, 1.0]))
    np.float64(1.5)
    """
    a = tnp.asarray(a)
    nd = ndim(a)
    axes = None if axis is None else normalize_axes(axis, nd, "average")
    if weights is None:
        avg = tnp.mean(a, axis=axes, keepdims=keepdims)
        scl = np.asarray(max(np.prod(shape(a)), 0) / max(np.prod(shape(avg)), 1),
                         dtype(avg))
    else:
        w = tnp.asarray(weights)
        rdt = np.result_type(dtype(a), dtype(w), *(["f8"] if dtype(a).kind in "iub" else []))
        if shape(w) != shape(a):
            if axes is None:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            if shape(w) != tuple(shape(a)[k] for k in axes):
                raise ValueError("Shape of weights must be consistent with shape of a "
                                 "along specified axis.")
            w = tnp.reshape(w, tuple(shape(a)[k] if k in axes else 1 for k in range(nd)))
        w = tnp.astype(w, rdt)
        scl = tnp.sum(tnp.broadcast_to(w, shape(a)), axis=axes, keepdims=keepdims)
        zero = tnp.any(tnp.equal(scl, 0.0))
        if not isinstance(zero, Tracer) and zero:
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        avg = tnp.sum(a * w, axis=axes, keepdims=keepdims) / scl
    if returned:
        if shape(scl) != shape(avg):
            scl = tnp.broadcast_to(scl, shape(avg)) + tnp.zeros_like(avg)
        return avg, scl
    return avg


@implements(np.cov)
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    """``cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None)``:
    the covariance matrix of the rows (variables) of ``m``, differentiable in ``m``, ``y``
    and ``aweights``.

    >>> cov(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    m = tnp.asarray(m)
    if ndim(m) > 2 or (y is not None and ndim(y) > 2):
        raise ValueError("m has more than 2 dimensions")
    if dtype is None:
        dtype = np.result_type(_dt(m), *([_dt(y)] if y is not None else []), np.float64)
    x = tnp.atleast_2d(tnp.astype(m, dtype))
    if not rowvar and ndim(m) != 1:
        x = tnp.transpose(x)
    if shape(x)[0] == 0:
        return np.array([]).reshape(0, 0)
    if y is not None:
        y2 = tnp.atleast_2d(tnp.astype(tnp.asarray(y), dtype))
        if not rowvar and shape(y2)[0] != 1:
            y2 = tnp.transpose(y2)
        x = tnp.concatenate([x, y2], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    w = None
    if fweights is not None:
        w = np.asarray(fweights, dtype=float)
        if not np.all(fweights == np.around(fweights)):
            raise TypeError("fweights must be integer")
        if np.any(w < 0):
            raise ValueError("fweights cannot be negative")
    if aweights is not None:
        aw = tnp.astype(tnp.asarray(aweights), np.result_type(_dt(aweights), float))
        w = aw if w is None else w * aw
    n = shape(x)[1]
    if w is not None and shape(w) != (n,):
        raise RuntimeError("incompatible numbers of samples and weights")
    avg, w_sum = average(x, axis=1, weights=w, returned=True)
    w_sum = w_sum[0]
    if w is None:
        fact = n - ddof
    elif ddof == 0:
        fact = w_sum
    elif aweights is None:
        fact = w_sum - ddof
    else:
        fact = w_sum - ddof * tnp.sum(w * aw) / w_sum
    if not isinstance(fact, Tracer) and fact <= 0:
        fact = 0.0
    x = x - tnp.expand_dims(avg, 1)
    xt = tnp.transpose(x if w is None else x * w)
    c = tnp.matmul(x, tnp.conj(xt)) * (1 / fact if not isinstance(fact, float) or fact
                                        else np.inf)
    return tnp.squeeze(c)


def _dt(x):
    return dtype(x) if hasattr(x, "dtype") else np.asarray(x).dtype


@implements(np.corrcoef)
def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """``corrcoef(x, y=None, rowvar=True)``: ``cov / sqrt(outer(diag, diag))``.

    >>> corrcoef(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.5]]))[0, 1].round(3)
    np.float64(-0.982)
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if ndim(c) == 0:
        return c / c
    std = tnp.sqrt(tnp.real(tnp.diagonal(c)))
    return c / tnp.expand_dims(std, 1) / tnp.expand_dims(std, 0)


@implements(np.trapezoid)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """``trapezoid(y, x=None, dx=1.0, axis=-1)``: the trapezoidal rule, differentiable in
    ``y``, ``x`` and ``dx``.

    >>> trapezoid(np.array([1.0, 2.0, 3.0]))
    np.float64(4.0)
    """
    y = tnp.asarray(y)
    nd = ndim(y)
    axis = normalize_axis(axis, nd, "trapezoid")
    if x is None:
        d = dx
    else:
        x = tnp.asarray(x)
        if ndim(x) == 1:
            d = tnp.diff(x)
            d = tnp.reshape(d, tuple(shape(d)[0] if k == axis else 1 for k in range(nd)))
        else:
            d = tnp.diff(x, axis=axis)
    lo = (slice(None),) * axis + (slice(None, -1),)
    hi = (slice(None),) * axis + (slice(1, None),)
    return tnp.sum(d * (tnp.getitem(y, hi) + tnp.getitem(y, lo)) / 2.0, axis=axis)


# -- selection ----------------------------------------------------------------------------
@implements(np.select)
def select(condlist, choicelist, default=0):
    """``select(condlist, choicelist, default=0)``: the choice of the first true condition;
    the cotangent goes to that choice.

    >>> select([np.array([True, False])], [np.array([1.0, 2.0])], 5.0)
    array([1., 5.])
    """
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(choicelist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    rdt = np.result_type(*[c if type(c) in (int, float, complex) else _dt(c)
                           for c in list(choicelist) + [default]])
    out = tnp.astype(tnp.asarray(default), rdt)
    for cond, choice in reversed(list(zip(condlist, choicelist, strict=True))):
        if _dt(cond) != np.bool_:
            raise TypeError("invalid entry in condlist: should be boolean ndarray")
        out = tnp.where(cond, choice, out)
    shp = np.broadcast_shapes(*[shape(c) for c in condlist], *[shape(c) for c in choicelist],
                              shape(default))
    return out if shape(out) == shp else tnp.broadcast_to(out, shp) + np.zeros(shp, rdt)


@implements(np.choose)
def choose(a, choices, out=None, mode="raise"):
    """``choose(a, choices, mode="raise")``: ``choices[a]`` elementwise (``mode``: raise,
    wrap or clip); the cotangent goes to the chosen entries.

    >>> choose(np.array([1, 0]), [np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    array([3., 2.])
    """
    if out is not None:
        raise TypeError("choose: out= is not supported on traced values")
    choices = list(choices)
    n = len(choices)
    if mode == "wrap":
        a = tnp.remainder(a, n)
    elif mode == "clip":
        a = tnp.clip(a, 0, n - 1)
    elif not isinstance(a, Tracer) and (np.any(np.asarray(a) < 0) or np.any(np.asarray(a) >= n)):
        raise ValueError("invalid entry in choice array")
    res = choices[-1]
    for k in range(n - 2, -1, -1):
        res = tnp.where(tnp.equal(a, k), choices[k], res)
    shp = np.broadcast_shapes(shape(a), *[shape(c) for c in choices])
    return res if shape(res) == shp else tnp.broadcast_to(res, shp) + np.zeros(shp, dtype(res))


@implements(np.compress)
def compress(condition, a, axis=None, out=None):
    """``compress(condition, a, axis=None)``: the slices where ``condition`` holds.

    >>> compress([True, False, True], np.array([1.0, 2.0, 3.0]))
    array([1., 3.])
    """
    if out is not None:
        raise TypeError("compress: out= is not supported on traced values")
    cond = _concrete(tnp.not_equal(condition, 0), "compress")
    if cond.ndim != 1:
        raise ValueError("condition must be a 1-d array")
    if axis is None:
        a, axis = tnp.ravel(a), 0
    idx = np.nonzero(cond)[0]
    if idx.size and idx[-1] >= shape(a)[axis]:
        raise IndexError(f"index {idx[-1]} is out of bounds for axis {axis} with size "
                         f"{shape(a)[axis]}")
    return tnp.take(a, idx, axis=axis)


@implements(np.extract)
def extract(condition, arr):
    """``extract(condition, arr)``: the elements of ``arr`` where ``condition`` is nonzero.

    >>> extract(np.array([1, 0, 1]), np.array([1.0, 2.0, 3.0]))
    array([1., 3.])
    """
    idx = _concrete(tnp.nonzero(tnp.ravel(condition))[0], "extract")
    return tnp.take(tnp.ravel(arr), idx)


@implements(np.resize)
def resize(a, new_shape):
    """``resize(a, new_shape)``: the flattened ``a`` repeated cyclically to ``new_shape``.

    >>> resize(np.array([1.0, 2.0]), 3)
    array([1., 2., 1.])
    """
    new_shape = (operator.index(new_shape),) if np.ndim(new_shape) == 0 else \
        tuple(operator.index(s) for s in new_shape)
    if builtins.any(s < 0 for s in new_shape):
        raise ValueError("all elements of `new_shape` must be non-negative")
    a = tnp.ravel(a)
    size, new_size = shape(a)[0], int(np.prod(new_shape))
    if size == 0 or new_size == 0:
        return np.zeros(new_shape, dtype(a))
    return tnp.reshape(tnp.take(a, np.arange(new_size) % size), new_shape)


@implements(np.rollaxis)
def rollaxis(a, axis, start=0):
    """``rollaxis(a, axis, start=0)``: move ``axis`` to before position ``start``."""
    n = ndim(a)
    axis = normalize_axis(axis, n, "rollaxis")
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise np.exceptions.AxisError(f"'start' arg requires {-n} <= start < {n + 1}, "
                                      f"but {start} was passed in")
    if axis < start:
        start -= 1
    if axis == start:
        return a
    axes = [k for k in range(n) if k != axis]
    axes.insert(start, axis)
    return tnp.transpose(a, axes)


@implements(np.row_stack)
def row_stack(tup, *, dtype=None, casting="same_kind"):
    """``row_stack(tup)``: NumPy's deprecated alias of `vstack`."""
    return tnp.vstack(tup, dtype=dtype, casting=casting)


@implements(np.asanyarray)
def asanyarray(a, dtype=None, order=None, *, like=None, device=None, copy=None):
    """``asanyarray(a, dtype=None)``: `asarray` (traced values have no subclasses)."""
    return tnp.asarray(a, dtype=dtype)


@implements(np.real_if_close)
def real_if_close(a, tol=100):
    """``real_if_close(a, tol=100)``: the real part when every imaginary part is below
    ``tol`` machine epsilons (decided on primal values; per batch under vmap it raises).
    """
    a = tnp.asarray(a)
    if dtype(a).kind != "c":
        return a
    if tol > 1:
        tol = np.finfo(dtype(a)).eps * tol
    if tnp.all(tnp.less(tnp.absolute(tnp.imag(a)), tol)):
        a = tnp.real(a)
    return a


unwrap_correction_p = builders.nondifferentiable(
    "unwrap_correction",
    lambda p, *, discont, axis, period: np.unwrap(p, discont, axis[0], period=period) - p,
    batch=lambda prim: lambda vals, bdims, *, axis, **kw: (
        bind(prim, move_bdim(vals[0], bdims[0], 0), axis=(axis[0] + 1,), **kw), 0))


@implements(np.unwrap)
def unwrap(p, discont=None, axis=-1, *, period=2 * np.pi):
    """``unwrap(p, discont=None, axis=-1, period=2 pi)``: ``p`` plus multiples of
    ``period`` (found on primal values), so its derivative is the identity.

    >>> unwrap(np.array([0.0, 6.0]))
    array([ 0.        , -0.28318531])
    """
    p = tnp.asarray(p)
    axis = normalize_axis(axis, ndim(p), "unwrap")
    return p + bind(unwrap_correction_p, p, discont=discont, axis=(axis,), period=period)


@implements(np.sort_complex)
def sort_complex(a):
    """``sort_complex(a)``: sorted by real part, then imaginary part, as complex.

    >>> sort_complex(np.array([2.0, 1.0]))
    array([1.+0.j, 2.+0.j])
    """
    b = tnp.sort(a)
    if dtype(b).kind == "c":
        return b
    return tnp.astype(b, "F" if dtype(b).char in "bhBH" else
                      "G" if dtype(b).char == "g" else "D")


@implements(np.trim_zeros)
def trim_zeros(filt, trim="fb", axis=None):
    """``trim_zeros(filt, trim="fb", axis=None)``: ``filt`` without its leading/trailing
    zeros (bounds found on primal values, then sliced).

    >>> trim_zeros(np.array([0.0, 1.0, 2.0, 0.0]))
    array([1., 2.])
    """
    trim = trim.lower()
    if trim not in ("fb", "bf", "f", "b"):
        raise ValueError(f"unexpected character(s) in `trim`: {trim!r}")
    nz = _concrete(tnp.argwhere(filt), "trim_zeros")
    n = ndim(filt)
    if nz.size == 0:
        start = stop = np.zeros(n, np.intp)
    else:
        start, stop = nz.min(axis=0), nz.max(axis=0) + 1
    start = [int(s) if "f" in trim else None for s in start]
    stop = [int(s) if "b" in trim else None for s in stop]
    if axis is None:
        key = tuple(slice(*b) for b in zip(start, stop, strict=True))
    else:
        axis = normalize_axis(axis, n, "trim_zeros")
        key = (slice(None),) * axis + (slice(start[axis], stop[axis]),)
    return tnp.getitem(filt, key)


argpartition_p = builders.nondifferentiable(
    "argpartition",
    lambda x, *, kth, axis, kind: np.argpartition(x, kth, axis=axis[0], kind=kind),
    batch=lambda prim: lambda vals, bdims, *, axis, **kw: (
        bind(prim, move_bdim(vals[0], bdims[0], 0), axis=(axis[0] + 1,), **kw), 0))


@implements(np.argpartition)
def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """``argpartition(a, kth, axis=-1)``: the partitioning permutation (plain integers)."""
    if order is not None:
        raise NotImplementedError("argpartition: order= is not supported")
    if axis is None:
        a, axis = tnp.ravel(a), 0
    kth = tuple(int(k) for k in np.atleast_1d(kth))
    return bind(argpartition_p, a, kth=kth, axis=(normalize_axis(axis, ndim(a),
                                                                 "argpartition"),), kind=kind)


@implements(np.partition)
def partition(a, kth, axis=-1, kind="introselect", order=None):
    """``partition(a, kth, axis=-1)``: ``a`` gathered through `argpartition`'s permutation,
    so the derivative follows the entries (as for sort).

    >>> partition(np.array([3.0, 1.0, 2.0]), 1)[1]
    np.float64(2.0)
    """
    if axis is None:
        a, axis = tnp.ravel(a), 0
    return tnp.take_along_axis(a, argpartition(a, kth, axis, kind, order), axis=axis)


# -- polynomials --------------------------------------------------------------------------
def _poly1d_check(*ps):
    for p in ps:
        if isinstance(p, np.poly1d):
            raise NotImplementedError("poly1d objects are not supported on traced values")


@implements(np.poly)
def poly(seq_of_zeros):
    """``poly(seq_of_zeros)``: coefficients of the monic polynomial with these roots (or
    the characteristic polynomial of a square matrix), differentiable in the roots.

    >>> poly(np.array([1.0, 2.0]))
    array([ 1., -3.,  2.])
    """
    z = tnp.atleast_1d(seq_of_zeros)
    sh = shape(z)
    if len(sh) == 2 and sh[0] == sh[1] and sh[0] != 0:
        z = eigvals(z)
    elif len(sh) != 1:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    if sh[0] == 0:
        return 1.0
    a = np.ones((1,), dtype(z))
    for k in range(shape(z)[0]):
        zero = np.zeros((1,), dtype(z))
        a = tnp.concatenate([a, zero]) - z[k] * tnp.concatenate([zero, a])
    if dtype(a).kind == "c":
        r = tnp.sort(tnp.astype(z, complex))
        pairs = tnp.all(tnp.equal(r, tnp.sort(tnp.conj(r))))
        if not isinstance(pairs, Tracer) and pairs:
            a = tnp.real(a)
    return a


def _padded_sum(a1, a2, sign):
    a1, a2 = tnp.atleast_1d(a1), tnp.atleast_1d(a2)
    d = shape(a2)[0] - shape(a1)[0]
    if d > 0:
        a1 = tnp.concatenate([np.zeros(d, dtype(a1)), a1])
    elif d < 0:
        a2 = tnp.concatenate([np.zeros(-d, dtype(a2)), a2])
    return a1 + a2 if sign > 0 else a1 - a2


@implements(np.polyadd)
def polyadd(a1, a2):
    """``polyadd(a1, a2)``: sum of two polynomials (highest power first).

    >>> polyadd(np.array([1.0, 2.0]), np.array([1.0]))
    array([1., 3.])
    """
    _poly1d_check(a1, a2)
    return _padded_sum(a1, a2, 1)


@implements(np.polysub)
def polysub(a1, a2):
    """``polysub(a1, a2)``: difference of two polynomials (highest power first)."""
    _poly1d_check(a1, a2)
    return _padded_sum(a1, a2, -1)


@implements(np.polymul)
def polymul(a1, a2):
    """``polymul(a1, a2)``: product of two polynomials, ``convolve(a1, a2)``.

    >>> polymul(np.array([1.0, 1.0]), np.array([1.0, -1.0]))
    array([ 1.,  0., -1.])
    """
    _poly1d_check(a1, a2)
    return tnp.convolve(tnp.atleast_1d(a1), tnp.atleast_1d(a2))


@implements(np.polyder)
def polyder(p, m=1):
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
        n = shape(p)[0] - 1
        p = p[:-1] * np.arange(n, 0, -1)
    return p


@implements(np.polyint)
def polyint(p, m=1, k=None):
    """``polyint(p, m=1, k=None)``: the ``m``-th antiderivative, integration constants ``k``.

    >>> polyint(np.array([2.0, 1.0]))
    array([1., 1., 0.])
    """
    _poly1d_check(p)
    m = operator.index(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    k = np.zeros(m, float) if k is None else tnp.atleast_1d(k)
    if shape(k)[0] == 1 and m > 1:
        k = k[0] * np.ones(m, float)
    if shape(k)[0] < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = tnp.asarray(p)
    for j in range(m):
        p = tnp.concatenate([p / np.arange(shape(p)[0], 0, -1),
                             tnp.reshape(tnp.asarray(k[j]), (1,))])
    return p


@implements(np.polydiv)
def polydiv(u, v):
    """``polydiv(u, v)``: ``(quotient, remainder)`` by long division, differentiable in
    ``u`` and ``v``; leading remainder terms that are ~0 are trimmed on primal values.

    >>> polydiv(np.array([1.0, 0.0, -1.0]), np.array([1.0, 1.0]))
    (array([ 1., -1.]), array([0.]))
    """
    _poly1d_check(u, v)
    u, v = tnp.atleast_1d(u) + 0.0, tnp.atleast_1d(v) + 0.0
    m, n = shape(u)[0] - 1, shape(v)[0] - 1
    scale = 1.0 / v[0]
    r = [u[i] for i in range(m + 1)]
    q = []
    for k in range(m - n + 1):
        d = scale * r[k]
        q.append(d)
        for i in range(n + 1):
            r[k + i] = r[k + i] - d * v[i]
    q = tnp.stack(q) if q else np.zeros(1, np.result_type(dtype(u), dtype(v)))
    r = tnp.stack(r)
    while shape(r)[0] > 1 and _as_bool(allclose(r[0], 0, rtol=1e-14)):
        r = r[1:]
    return q, r


@implements(np.polyfit)
def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """``polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False)``: least-squares
    coefficients through ``tnp.linalg.lstsq`` (pinv), differentiable in ``x``, ``y``, ``w``.

    >>> polyfit(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]), 1).round(6)
    array([2., 1.])
    """
    order = int(deg) + 1
    x, y = tnp.asarray(x) + 0.0, tnp.asarray(y) + 0.0
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if ndim(x) != 1 or shape(x)[0] == 0:
        raise TypeError("expected non-empty 1D vector for x")
    if ndim(y) < 1 or ndim(y) > 2:
        raise TypeError("expected 1D or 2D array for y")
    if shape(x)[0] != shape(y)[0]:
        raise TypeError("expected x and y to have same length")
    if rcond is None:
        rcond = shape(x)[0] * np.finfo(dtype(x)).eps
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
        if cov == "unscaled":
            fac = 1
        else:
            if shape(x)[0] <= order:
                raise ValueError("the number of data points must exceed order to scale the "
                                 "covariance matrix")
            fac = resids / (shape(x)[0] - order)
        return c, (vbase * fac if ndim(y) == 1 else tnp.expand_dims(vbase, 2) * fac)
    return c


@implements(np.roots)
def roots(p):
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
    trailing = shape(p)[0] - int(nz[-1]) - 1
    p = p[int(nz[0]):int(nz[-1]) + 1]
    if dtype(p).kind not in "fc":
        p = tnp.astype(p, float)
    n = shape(p)[0]
    if n > 1:
        first = tnp.expand_dims(-p[1:] / p[0], 0)
        rest = np.eye(n - 2, n - 1, dtype=dtype(p))
        r = eigvals(tnp.concatenate([first, rest]))
    else:
        r = np.array([], dtype(p))
    return tnp.concatenate([r, np.zeros(trailing, dtype(r))]) if trailing else r


# -- counting, binning, sets --------------------------------------------------------------
@implements(np.bincount)
def bincount(x, weights=None, minlength=0):
    """``bincount(x, weights=None, minlength=0)``: counts of each integer in ``x``; with
    ``weights`` the weighted sums, linear (differentiable) in the weights.

    >>> bincount(np.array([0, 2, 2]), weights=np.array([1.0, 2.0, 3.0]))
    array([1., 0., 5.])
    """
    if dtype(x).kind not in "iub":
        raise TypeError(f"bincount: cannot cast array data from {dtype(x)} to int64 "
                        "according to the rule 'safe'")
    x = _concrete(x, "bincount with traced integers")
    if x.ndim != 1:
        raise ValueError("object too deep for desired array")
    if x.size and x.min() < 0:
        raise ValueError("'list' argument must have no negative elements")
    n = builtins.max(int(x.max()) + 1 if x.size else 0, operator.index(minlength))
    onehot = (x[:, None] == np.arange(n)).astype(np.float64)
    if weights is None:
        return np.bincount(x, minlength=minlength)
    if shape(weights) != x.shape:
        raise ValueError("The weights and list don't have the same length.")
    return tnp.astype(weights, np.float64) @ onehot


digitize_p = builders.nondifferentiable(
    "digitize", lambda x, bins, *, right: np.digitize(x, bins, right))
digitize_p.def_batch(lambda vals, bdims, **kw: (
    (bind(digitize_p, *vals, **kw), bdims[0]) if bdims[1] is None
    else _loop_batch(digitize_p)(vals, bdims, **kw)))


@implements(np.digitize)
def digitize(x, bins, right=False):
    """``digitize(x, bins, right=False)``: bin indices (plain integers)."""
    return bind(digitize_p, x, bins, right=builtins.bool(right))


def _histogram_index_impl(*args, ndim):
    # flat index of each sample's bin (edges inclusive at the last edge), -1 outside
    cols, edges = args[:ndim], args[ndim:]
    nbins = [len(e) - 1 for e in edges]
    flat = np.zeros(np.shape(cols[0]), np.intp)
    inside = np.ones(np.shape(cols[0]), bool)
    for c, e, nb in zip(cols, edges, nbins, strict=True):
        k = np.searchsorted(e, c, side="right") - 1
        k[c == e[-1]] = nb - 1
        inside &= (k >= 0) & (k < nb)
        flat = flat * nb + np.clip(k, 0, builtins.max(nb - 1, 0))
    return np.where(inside, flat, -1)


histogram_index_p = builders.nondifferentiable("histogram_index", _histogram_index_impl)
histogram_index_p.def_batch(_loop_batch(histogram_index_p))


def _edges(col, bins, rng, name):
    if isinstance(bins, str):
        raise NotImplementedError(f"{name}: string bin rules are not supported on traced "
                                  "values; pass the number of bins or the edges")
    if np.ndim(bins) == 1:
        return tnp.asarray(bins)
    nb = operator.index(bins)
    if nb < 1:
        raise ValueError("`bins` must be positive, when an integer")
    if rng is not None:
        first, last = float(rng[0]), float(rng[1])
        if first > last:
            raise ValueError("max must be larger than min in range parameter.")
        if first == last:
            first, last = first - 0.5, last + 0.5
    elif shape(col)[0] == 0:
        first, last = 0.0, 1.0
    else:
        first, last = tnp.min(col), tnp.max(col)
        same = tnp.equal(first, last)
        first, last = tnp.where(same, first - 0.5, first), tnp.where(same, last + 0.5, last)
    return tnp.linspace(first, last, nb + 1)


def _histogram(cols, edges, density, weights, float_counts):
    nbins = tuple(shape(e)[0] - 1 for e in edges)
    idx = bind(histogram_index_p, *cols, *edges, ndim=len(cols))
    onehot = tnp.equal(tnp.expand_dims(idx, -1), np.arange(int(np.prod(nbins))))
    if weights is None:
        hist = tnp.sum(onehot, axis=0)
        if float_counts or density:
            hist = tnp.astype(hist, np.float64)
    else:
        w = tnp.ravel(weights)
        if float_counts:  # histogramdd counts through bincount, in float64
            w = tnp.astype(w, np.float64)
        hist = w @ tnp.astype(onehot, dtype(w))
    hist = tnp.reshape(hist, nbins)
    if density:
        total = tnp.sum(hist)
        for k, e in enumerate(edges):
            width = tnp.astype(tnp.diff(e), np.result_type(dtype(e), float))
            hist = hist / tnp.reshape(width, tuple(-1 if j == k else 1
                                                   for j in range(len(edges))))
        hist = hist / total
    return hist


@implements(np.histogram)
def histogram(a, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """``histogram(a, bins=10, range=None, density=None, weights=None)``: ``(hist,
    bin_edges)``; counts carry no derivative, weighted counts are linear in ``weights``,
    densities and computed edges are differentiable.

    >>> histogram(np.array([0.0, 1.0, 1.0]), bins=2)[0]
    array([1, 2])
    """
    a = tnp.ravel(a)
    if weights is not None and shape(weights) != shape(a) and \
            int(np.prod(shape(weights))) != shape(a)[0]:
        raise ValueError("weights should have the same shape as a.")
    edges = _edges(a, bins, range, "histogram")
    return _histogram([a], [edges], density, weights, False), edges


@implements(np.histogramdd)
def histogramdd(sample, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """``histogramdd(sample, bins=10, range=None, density=None, weights=None)``: ``(hist,
    edges)`` of ``(N, D)`` samples (or a sequence of D arrays); as `histogram`.

    >>> histogramdd(np.array([[0.0, 0.0], [1.0, 1.0]]), bins=2)[0]
    array([[1., 0.],
           [0., 1.]])
    """
    if isinstance(sample, (list, tuple)):
        cols = [tnp.ravel(c) for c in sample]
    else:
        sample = tnp.asarray(sample)
        if ndim(sample) == 1:
            cols = [sample]
        else:
            cols = [sample[:, k] for k in builtins.range(shape(sample)[1])]
    d = len(cols)
    bins = [bins] * d if np.ndim(bins) == 0 else list(bins)
    if len(bins) != d:
        raise ValueError("The dimension of bins must be equal to the dimension of the sample x.")
    rng = [None] * d if range is None else list(range)
    edges = [_edges(c, b, r, "histogramdd") for c, b, r in zip(cols, bins, rng, strict=True)]
    return _histogram(cols, edges, density, weights, True), edges


@implements(np.histogram2d)
def histogram2d(x, y, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """``histogram2d(x, y, bins=10, range=None, density=None, weights=None)``: ``(hist,
    xedges, yedges)``; as `histogramdd` of ``[x, y]``."""
    if np.ndim(bins) == 1 and len(bins) != 2 or np.ndim(bins) == 2:
        bins = [bins, bins]
    hist, edges = histogramdd([x, y], bins, range, density, weights)
    return hist, edges[0], edges[1]


def _intersect_impl(a1, a2, *, assume_unique):
    return list(np.intersect1d(a1, a2, assume_unique=assume_unique, return_indices=True)[1:])


def _ragged_batch(vals, bdims, **params):
    raise ValueError("set operations inside vmap: the number of values differs between "
                     "examples, so the batched result would be ragged")


intersect_p = Primitive("intersect1d_indices", _intersect_impl, differentiable=False,
                        multiple_results=True)
intersect_p.def_batch(_ragged_batch)


@implements(np.intersect1d)
def intersect1d(ar1, ar2, assume_unique=False, return_indices=False):
    """``intersect1d(ar1, ar2, assume_unique=False, return_indices=False)``: the sorted
    common values, gathered from their first occurrence in ``ar1``.

    >>> intersect1d(np.array([3.0, 1.0, 2.0]), np.array([2.0, 3.0]))
    array([2., 3.])
    """
    a1, a2 = tnp.ravel(ar1), tnp.ravel(ar2)
    i1, i2 = bind(intersect_p, a1, a2, assume_unique=builtins.bool(assume_unique))
    values = tnp.take(a1, i1)
    return (values, i1, i2) if return_indices else values


@implements(np.union1d)
def union1d(ar1, ar2):
    """``union1d(ar1, ar2)``: the sorted unique values of both, from their first occurrence
    (in ``ar1`` before ``ar2``)."""
    return tnp.unique(tnp.concatenate([tnp.ravel(ar1), tnp.ravel(ar2)]))


@implements(np.setxor1d)
def setxor1d(ar1, ar2, assume_unique=False):
    """``setxor1d(ar1, ar2, assume_unique=False)``: sorted values in exactly one input."""
    if not assume_unique:
        ar1, ar2 = tnp.unique(ar1), tnp.unique(ar2)
    vals, counts = tnp.unique(tnp.concatenate([tnp.ravel(ar1), tnp.ravel(ar2)]),
                              return_counts=True)
    return tnp.take(vals, np.nonzero(_concrete(counts, "setxor1d") == 1)[0])


# -- windows ------------------------------------------------------------------------------
def _window(name):
    fn_np = getattr(np, name)

    def fn(M):
        return fn_np(_window_length(M, name))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{name}(M)``: NumPy's window of integer length ``M`` (a constant)."
    return implements(fn_np)(fn)


def _window_length(M, name):
    if isinstance(M, Tracer):
        raise TypeError(f"{name}: the window length M must be a concrete integer, not a "
                        "traced value")
    return M


bartlett, blackman, hamming, hanning = (_window(n) for n in
                                        ("bartlett", "blackman", "hamming", "hanning"))


@implements(np.kaiser)
def kaiser(M, beta):
    """``kaiser(M, beta)``: the Kaiser window, differentiable in ``beta``.

    >>> kaiser(3, 0.0)
    array([1., 1., 1.])
    """
    M = _window_length(M, "kaiser")
    if M < 1:
        return np.array([], np.result_type(0.0, M, dtype(beta)))
    if M == 1:
        return np.ones(1, np.result_type(0.0, M, dtype(beta)))
    n = np.arange(0, M)
    alpha = (M - 1) / 2.0
    return tnp.i0(beta * np.sqrt(1 - ((n - alpha) / alpha) ** 2.0)) / tnp.i0(beta)


# -- linalg: cross, eig, eigvals ------------------------------------------------------------
@implements(np.linalg.cross)
def linalg_cross(x1, x2, /, *, axis=-1):
    """``linalg.cross(x1, x2, axis=-1)``: cross product of 3-vectors."""
    if shape(x1)[axis] != 3 or shape(x2)[axis] != 3:
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors, but "
                         f"they are {shape(x1)[axis]} and {shape(x2)[axis]} dimensional "
                         "instead.")
    return tnp.cross(x1, x2, axis=axis)


EigResult = namedtuple("EigResult", ["eigenvalues", "eigenvectors"])


def _eig_impl(x):
    w, v = np.linalg.eig(x)
    c = np.result_type(x.dtype, np.complex64)
    return [w.astype(c), v.astype(c)]


def _eig_parts(w, v):
    # (V^-1, F) with F_ij = 1 / (w_j - w_i), 0 on the diagonal and for (near-)equal pairs
    n = shape(w)[-1]
    d = tnp.expand_dims(w, -2) - tnp.expand_dims(w, -1)
    scale = tnp.max(tnp.absolute(w), axis=-1, keepdims=True, initial=0.0)
    small = tnp.less_equal(tnp.absolute(d), n * np.finfo(dtype(w)).eps
                           * tnp.expand_dims(scale, -1))
    return tnp.linalg.inv(v), tnp.where(small, 0.0, 1 / tnp.where(small, 1.0, d))


def _eig_jvp(t, ans, x):
    # dw = diag(V^-1 dA V); dV = V (F o V^-1 dA V), minus V Re(diag(V^H dV)) (unit columns)
    w, v = ans
    vinv, f = _eig_parts(w, v)
    p = vinv @ t @ v
    du = v @ (f * p)
    keep = tnp.real(tnp.sum(tnp.conj(v) * du, axis=-2))
    return [tnp.sum(p * np.eye(shape(w)[-1]), axis=-1), du - v * tnp.expand_dims(keep, -2)]


def _eig_vjp(ct, ans, x):
    # the transpose of _eig_jvp under the pairing Re(sum(a * b))
    w, v = ans
    ct_w, ct_v = ct
    vinv, f = _eig_parts(w, v)
    c = tnp.real(tnp.sum(ct_v * v, axis=-2))
    ct_du = ct_v - tnp.conj(v) * tnp.expand_dims(c, -2)
    ct_p = f * (tnp.swapaxes(v, -1, -2) @ ct_du) + tnp.expand_dims(ct_w, -1) * np.eye(
        shape(w)[-1])
    return tnp.swapaxes(vinv, -1, -2) @ ct_p @ tnp.swapaxes(v, -1, -2)


eig_p = Primitive("linalg_eig", _eig_impl, multiple_results=True)
eig_p.def_vjp(_eig_vjp)
eig_p.def_jvp(_eig_jvp)
eig_p.def_batch(lambda vals, bdims: (bind(eig_p, move_bdim(vals[0], bdims[0], 0)), [0, 0]))


def _eig(a):
    if ndim(a) < 2 or shape(a)[-1] != shape(a)[-2]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    w, v = bind(eig_p, tnp.asarray(a))
    if dtype(a).kind != "c":
        real = tnp.all(tnp.equal(tnp.imag(w), 0))
        if not isinstance(real, Tracer) and real:  # NumPy: real results when all are real
            w, v = tnp.real(w), tnp.real(v)
    return w, v


@implements(np.linalg.eig)
def eig(a):
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
def eigvals(a):
    """``linalg.eigvals(a)``: the eigenvalues of `eig`.

    >>> eigvals(np.diag([2.0, 1.0]))
    array([2., 1.])
    """
    return _eig(a)[0]
