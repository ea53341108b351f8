"""The rest of NumPy's namespace, composed from the families: statistics (average, cov,
corrcoef, ptp, trapezoid), selection (select, choose, compress, extract, partition), small
elementwise functions (fabs, divmod, modf, frexp, ldexp, spacing), comparisons (isclose,
array_equal, ...), and non-symmetric eig/eigvals.  Polynomials and counting/sets live in
polynomials.py and counting.py.

Integer and boolean results are computed on primal values (a few primitives marked
non-differentiable, batched example by example where NumPy has no batched call).
"""
from __future__ import annotations

__all__ = ['average', 'cov', 'corrcoef', 'trapezoid', 'ptp', 'select', 'choose', 'compress',
           'extract', 'resize', 'rollaxis', 'row_stack', 'fabs', 'divmod', 'modf', 'frexp',
           'ldexp', 'spacing', 'fix', 'real_if_close', 'asanyarray', 'unwrap', 'sort_complex',
           'trim_zeros', 'partition', 'argpartition', 'matvec', 'vecmat', 'allclose',
           'isclose', 'array_equal', 'array_equiv', 'isneginf', 'isposinf', 'isreal',
           'iscomplex', 'iscomplexobj', 'isrealobj', 'gcd', 'lcm', 'bitwise_count']

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
