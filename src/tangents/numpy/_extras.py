"""The rest of NumPy's namespace: small elementwise functions (fabs, divmod, modf, frexp,
ldexp, spacing, gcd, ...), comparisons and type tests (isclose, array_equal, ...), and
assorted reshaping helpers (resize, rollaxis, unwrap, trim_zeros, ...).  Statistics,
selection and non-symmetric eig live in _statistics.py, _selection.py and linalg/_eig.py;
polynomials and counting/sets in _polynomials.py and _counting.py.

Integer and boolean results are computed on primal values (a few primitives marked
non-differentiable, batched example by example where NumPy has no batched call).
"""
from __future__ import annotations

__all__ = ['resize', 'rollaxis', 'fabs', 'divmod', 'modf', 'frexp', 'ldexp',
           'spacing', 'fix', 'real_if_close', 'asanyarray', 'unwrap', 'sort_complex',
           'trim_zeros', 'matvec', 'vecmat', 'allclose', 'isclose', 'array_equal',
           'array_equiv', 'isneginf', 'isposinf', 'isreal', 'iscomplex', 'iscomplexobj',
           'isrealobj', 'gcd', 'lcm', 'bitwise_count']

import builtins
import operator

import numpy as np

from .. import numpy as tnp  # the package namespace; read only at call time
from ..core import Tracer, batch_elementwise, batch_unary, bind, builders, move_bdim
from ._dispatch import (
    dtype,
    implements,
    implements_ufunc,
    is_traced,
    ndim,
    normalize_axis,
    numpy_function,
    numpy_on_plain,
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


def _dt(x):
    return dtype(x) if hasattr(x, "dtype") else np.asarray(x).dtype


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
if hasattr(np, "bitwise_count"):  # NumPy 2.0+
    bitwise_count = _nondiff_ufunc("bitwise_count", np.bitwise_count, 1)
else:
    __all__.remove("bitwise_count")
spacing = _nondiff_ufunc("spacing", np.spacing, 1)  # piecewise constant: zero derivative
implements_ufunc(np.degrees)(tnp.rad2deg)
implements_ufunc(np.radians)(tnp.deg2rad)


@implements_ufunc(np.fabs)
def fabs(x):
    """``fabs(x)``: absolute value of real ``x`` (derivative ``sign(x)``, 0 at 0).

    >>> fabs(np.array([-1.5]))
    array([1.5])
    """
    if not is_traced(x):
        return np.fabs(x)  # plain arrays: NumPy's own (ints become float16/32/64 as NumPy's)
    if dtype(x).kind == "c":
        raise TypeError(f"fabs: complex input ({dtype(x)}) is not supported, as in NumPy; "
                        "use tnp.abs for the modulus")
    out_dtype = np.fabs(np.zeros((), dtype(x))).dtype  # NumPy's loop: float for int/bool
    return tnp.absolute(x if dtype(x) == out_dtype else tnp.astype(x, out_dtype))


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
@numpy_on_plain(np.modf)
def modf(x):
    """``modf(x)``: ``(fractional, integral)`` parts; the fractional part has derivative 1.

    >>> modf(np.array([-1.5]))
    (array([-0.5]), array([-1.]))
    """
    x = tnp.asarray(x)  # a list of traced values
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


@numpy_on_plain(numpy_function("matvec"))
def matvec(x1, x2):
    """``matvec(x1, x2)``: matrix-vector product over the last axes (broadcast stacks).

    >>> matvec(np.eye(2), np.array([1.0, 2.0]))
    array([1., 2.])
    """
    return _matvec_ufunc(x1, x2)


@numpy_on_plain(numpy_function("vecmat"))
def vecmat(x1, x2):
    """``vecmat(x1, x2)``: ``conj(x1) @ x2`` over the last axes (broadcast stacks).

    >>> vecmat(np.array([1.0, 2.0]), np.eye(2))
    array([1., 2.])
    """
    return tnp.sum(tnp.expand_dims(tnp.conj(x1), -1) * x2, axis=-2)


for _name, _fn in (("matvec", matvec), ("vecmat", vecmat)):
    if hasattr(np, _name):  # NumPy's ufuncs since 2.2
        implements_ufunc(getattr(np, _name))(_fn)


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


def _into(out, ans, name):
    """``ans`` (a plain boolean array) written into ``out`` when given, as NumPy's ``out=``."""
    if out is None:
        return ans
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name}: out must be a NumPy array (of shape {np.shape(ans)}), "
                        f"got {type(out).__name__}")
    np.copyto(out, ans, casting="same_kind")
    return out


@implements(np.isneginf)
@numpy_on_plain(np.isneginf)
def isneginf(x, out=None):
    """``isneginf(x, out=None)``: a plain boolean array (written into ``out`` if given).

    >>> isneginf(np.array([-np.inf, 0.0]))
    array([ True, False])
    """
    return _into(out, tnp.logical_and(tnp.isinf(x), tnp.signbit(x)), "isneginf")


@implements(np.isposinf)
@numpy_on_plain(np.isposinf)
def isposinf(x, out=None):
    """``isposinf(x, out=None)``: a plain boolean array (written into ``out`` if given).

    >>> isposinf(np.array([np.inf, 0.0]))
    array([ True, False])
    """
    return _into(out, tnp.logical_and(tnp.isinf(x), tnp.logical_not(tnp.signbit(x))),
                 "isposinf")


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



# -- reshaping and assorted ---------------------------------------------------------------
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


if hasattr(np, "row_stack"):  # removed in NumPy 2.5
    @implements(np.row_stack)
    def row_stack(tup, *, dtype=None, casting="same_kind"):
        """``row_stack(tup)``: NumPy's deprecated alias of `vstack`."""
        return tnp.vstack(tup, dtype=dtype, casting=casting)

    __all__.append("row_stack")


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
@numpy_on_plain(np.unwrap)
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
@numpy_on_plain(np.trim_zeros)
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

