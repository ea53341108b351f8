"""Array creation (geomspace and logspace with traced endpoints too), conversion (asarray, and
the conversions that pass a traced value through: asanyarray, ascontiguousarray,
asfortranarray, asarray_chkfinite, require, real_if_close) and dtypes (casting, result_type,
common_type)."""
from __future__ import annotations

__all__ = ['astype', 'real', 'zeros_like', 'ones_like', 'empty_like', 'full_like', 'copy',
           'ndim', 'size', 'result_type', 'asarray', 'array', 'identity', 'tri',
           'common_type', 'asanyarray', 'ascontiguousarray', 'asfortranarray',
           'asarray_chkfinite', 'require', 'real_if_close', 'geomspace', 'logspace']

import math
import operator
import typing
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import numpy as tnp  # the package namespace; read only at call time
from ..core import (
    Primitive,
    Tracer,
    astype_p,
    batch_unary,
    bind,
    function_handlers,
    real_p,
    sparsity,
)
from ..typing import Array, ArrayLike, DTypeLike, Order, Shape
from ._dispatch import (
    _stand_in,
    contains_tracer,
    dtype_of,
    implements,
    is_traced,
    numpy_function,
    shape_of,
)
from ._elementwise import absolute, log10, power, sign
from ._logic import _check
from ._shape import broadcast_to, expand_dims, moveaxis, reshape

# astype_p and real_p are the core's (its interpreters cast derivatives with them)


def cast(x: ArrayLike, dtype: DTypeLike) -> Array:
    """``x`` in ``dtype``: ``x`` itself when it has that dtype already (the layer's own
    cast; the public `astype` copies by default)."""
    dt = np.dtype(dtype)
    if dtype_of(x) == dt:
        return typing.cast(Array, x)  # x unchanged
    return bind(astype_p, x, dtype=dt)


function_handlers["astype"] = cast


@implements(numpy_function("astype"))
def astype(x: ArrayLike, dtype: DTypeLike, /, *, copy: bool = True, device: Any = None) -> Array:
    """``astype(x, dtype, /, *, copy=True, device=None)``: cast; derivatives flow back in
    the input's dtype.  ``copy=False`` returns ``x`` itself when it has ``dtype`` already.

    >>> astype(np.array([1.5]), np.float32)
    array([1.5], dtype=float32)
    """
    check_device(device, "astype")
    ans = cast(x, dtype)
    if not copy or ans is not x:
        return ans
    return bind(copy_p, x) if isinstance(x, Tracer) else np.copy(x)


@implements(np.real)
def real(val: ArrayLike) -> Array:
    """``real(val)``: the real part (the value itself for real input; a list as an array)."""
    if type(val) in (list, tuple):
        val = asarray(val)
    if dtype_of(val).kind != "c":
        return typing.cast(Array, val)  # val unchanged
    return bind(real_p, val)


def _buffer(a: Any, fill: Any, dtype: Any, shape: Any = None) -> Any:
    """A traced constant shaped like the traced ``a`` (or ``shape``): a buffer that can
    receive traced values in place (``buf[i] = y``) with derivatives flowing through."""
    buf = a._full_like(fill)
    if shape is not None and tuple(np.atleast_1d(shape)) != buf.shape:
        # a traced scalar of the same kind, broadcast to ``shape`` and copied (writable)
        buf = np.copy(np.broadcast_to(np.sum(a._full_like(0)) + fill, shape))
    return buf if dtype is None else cast(buf, dtype)


def check_device(device: Any, op: str) -> None:
    """tangents.numpy arrays live on NumPy's one device, "cpu": any other is an error."""
    if device not in (None, "cpu"):
        raise ValueError(f"{op}: tangents.numpy arrays live on the 'cpu' device, got "
                         f"{device!r}")


def _traced_buffer(a: Any, dtype: Any, shape: Any) -> bool:
    return isinstance(a, Tracer) and (dtype is None or np.dtype(dtype).kind in "fc")


@implements(np.zeros_like)
def zeros_like(a: ArrayLike, dtype: DTypeLike | None = None, order: Order = "K", subok: bool = True,
               shape: Shape | None = None, *, device: Any = None) -> Array:
    """``zeros_like(a)``: zeros; for a traced ``a``, a traced buffer that accepts in-place
    writes of traced values.  ``device`` may only be None or "cpu".

    >>> zeros_like(np.ones((2, 1)), device="cpu")
    array([[0.],
           [0.]])
    """
    check_device(device, "zeros_like")
    if _traced_buffer(a, dtype, shape):
        return _buffer(a, 0, dtype, shape)
    return np.zeros(shape_of(a) if shape is None else shape,
                    dtype_of(a) if dtype is None else dtype)


@implements(np.ones_like)
def ones_like(a: ArrayLike, dtype: DTypeLike | None = None, order: Order = "K", subok: bool = True,
              shape: Shape | None = None, *, device: Any = None) -> Array:
    """``ones_like(a)``: ones; a traced buffer for a traced ``a`` (see `zeros_like`)."""
    check_device(device, "ones_like")
    if _traced_buffer(a, dtype, shape):
        return _buffer(a, 1, dtype, shape)
    return np.ones(shape_of(a) if shape is None else shape,
                   dtype_of(a) if dtype is None else dtype)


@implements(np.empty_like)
def empty_like(a: ArrayLike, dtype: DTypeLike | None = None, order: Order = "K", subok: bool = True,
               shape: Shape | None = None, *, device: Any = None) -> Array:
    """``empty_like(a)``: like NumPy's, but filled with zeros."""
    check_device(device, "empty_like")
    return zeros_like(a, dtype, shape=shape)


@implements(np.full_like)
def full_like(a: ArrayLike, fill_value: ArrayLike, dtype: DTypeLike | None = None,
              order: Order = "K", subok: bool = True, shape: Shape | None = None, *,
              device: Any = None) -> Array:
    """``full_like(a, fill_value)``; a traced ``fill_value`` is broadcast (differentiable),
    and a traced ``a`` gives a traced buffer (see `zeros_like`)."""
    check_device(device, "full_like")
    from ._shape import broadcast_to
    shp = shape_of(a) if shape is None else shape
    dt = dtype_of(a) if dtype is None else np.dtype(dtype)
    if isinstance(fill_value, Tracer):
        return broadcast_to(cast(fill_value, dt), shp)
    if _traced_buffer(a, dtype, shape):
        return _buffer(a, fill_value, dtype, shape)
    return np.full(shp, fill_value, dt)


# copy: a new traced value (so that an in-place update of the copy leaves the original)
copy_p = Primitive("copy", lambda x: x)
copy_p.def_vjp(lambda ct, ans, x: ct)
copy_p.def_jvp(lambda t, ans, x: t)
copy_p.def_batch(batch_unary(copy_p))
copy_p.def_sparsity(sparsity.union("linear"))


@implements(np.copy)
def copy(a: ArrayLike, order: Order = "K", subok: bool = False) -> Array:
    """``copy(a)``: a new array; for a traced ``a``, a new traced value."""
    if type(a) in (list, tuple):
        a = asarray(a)
    return bind(copy_p, a) if isinstance(a, Tracer) else np.copy(a)


@implements(np.shape)
def shape_(a: ArrayLike) -> tuple[int, ...]:
    return shape_of(a)


@implements(np.ndim)
def ndim(a: ArrayLike) -> int:
    return len(shape_of(a))


@implements(np.size)
def size(a: ArrayLike, axis: int | tuple[int, ...] | None = None) -> int:
    s = shape_of(a)
    if axis is None:
        return int(np.prod(s))
    axes = np.lib.array_utils.normalize_axis_tuple(axis, len(s))  # NumPy's AxisError
    return math.prod(s[k] for k in axes)


@implements(np.result_type)
def result_type(*arrays_and_dtypes: ArrayLike | DTypeLike) -> np.dtype[Any]:
    return np.result_type(*[dtype_of(a) if isinstance(a, Tracer) else a for a in arrays_and_dtypes])


def _check_array_input(obj: Any, op: str) -> None:
    if isinstance(obj, np.matrix):
        raise TypeError(f"{op}: np.matrix is not supported (its * is a matrix product); "
                        "convert it with np.asarray(x)")


@implements(np.asarray)
def asarray(a: ArrayLike, dtype: DTypeLike | None = None, order: Order | None = None, *,
            device: Any = None, copy: bool | None = None, like: Any = None) -> Array:
    """``asarray(a, dtype=None, order=None, *, device=None, copy=None)``: traced values pass
    through (cast if ``dtype`` is given); lists mixing traced values are stacked
    differentiably.  ``copy=True`` gives a new traced value, so that an in-place update of
    the result (``xpx.at(x, i).set(v, copy=True)``) leaves ``a`` as it was.

    >>> asarray([1.0, 2.0], dtype=np.float32)
    array([1., 2.], dtype=float32)
    """
    check_device(device, "asarray")
    _check_array_input(a, "asarray")
    if isinstance(a, Tracer):
        ans = a if dtype is None else cast(a, dtype)
        return bind(copy_p, ans) if copy and ans is a else ans
    if copy is False:
        return np.asarray(a, dtype=dtype, copy=False)
    if type(a) in (list, tuple) and contains_tracer(a):
        out = _from_sequence(a)
        return out if dtype is None else cast(out, dtype)
    try:
        ans = np.asarray(a, dtype=dtype, order=order)
    except ValueError as e:
        if "inhomogeneous" in str(e) or "sequence" in str(e):
            raise ValueError(f"asarray: the nested sequence is ragged (rows of different "
                             f"lengths), so it is not an array; pad it to a rectangular shape. "
                             f"NumPy said: {e}") from None
        raise
    return np.array(ans, copy=True) if copy and isinstance(ans, np.ndarray) else ans


def _from_sequence(seq: Any) -> Any:
    """A (nested) list or tuple holding traced values as the array NumPy would build from
    it: same shape and dtype, its items stacked differentiably."""
    from ._joining import stack
    shape_of(seq)  # a ragged sequence is an error here, naming asarray
    return stack([asarray(x) for x in seq])


# bind() hands every list or tuple argument of a primitive to this (primitives compute on
# arrays), so that all of tangents.numpy takes [t1, 2.0] wherever NumPy takes an array-like
function_handlers["sequence"] = asarray


@implements(np.array)
def array(object: ArrayLike, dtype: DTypeLike | None = None, *, copy: bool = True,
          order: Order = "K", subok: bool = False, ndmin: int = 0, like: Any = None) -> Array:
    """``array(object, dtype=None)``: like `asarray`, always a new array for plain input."""
    out = asarray(object, dtype)
    if ndmin and len(shape_of(out)) < ndmin:
        from ._shape import reshape
        out = reshape(out, (1,) * (ndmin - len(shape_of(out))) + shape_of(out))
    if copy and out is object:
        return bind(copy_p, out) if isinstance(out, Tracer) else np.copy(out)
    return np.array(out, copy=True) if isinstance(out, np.ndarray) and copy else out


# -- constants from integer sizes ------------------------------------------------------------
@implements(np.identity)
def identity(n: int, dtype: DTypeLike | None = None, *, like: Any = None) -> Array:
    """``identity(n, dtype=None)``: the ``n`` x ``n`` identity matrix (a constant).

    >>> identity(2)
    array([[1., 0.],
           [0., 1.]])
    """
    return np.identity(n, dtype)


@implements(np.tri)
def tri(N: int, M: int | None = None, k: int = 0,  # noqa: N803 - NumPy's names
        dtype: DTypeLike = float, *, like: Any = None) -> Array:
    """``tri(N, M=None, k=0, dtype=float)``: ones at and below diagonal ``k`` (a constant).

    >>> tri(2, 3, 1, int)
    array([[1, 1, 0],
           [1, 1, 1]])
    """
    return np.tri(N, M, k, dtype)


def _float(x: Any) -> Array:
    return x if dtype_of(x).kind in "fc" else cast(x, np.float64)


@implements(np.common_type)
def common_type(*arrays: ArrayLike) -> type:
    """``common_type(*arrays)``: the inexact scalar type common to the arrays' dtypes.

    >>> common_type(np.ones(2, np.float32), np.ones(2))
    <class 'numpy.float64'>
    """
    return np.common_type(*[_stand_in(a) for a in arrays])


# -- conversions: a traced value passes through --------------------------------------------
@implements(np.asanyarray)
def asanyarray(a: ArrayLike, dtype: DTypeLike | None = None, order: Order | None = None, *,
               like: Any = None, device: Any = None, copy: bool | None = None) -> Array:
    """``asanyarray(a, dtype=None)``: `asarray` (traced values have no subclasses)."""
    return asarray(a, dtype=dtype)


def _pass_through(np_fn: Any, name: str) -> Callable[..., Array]:
    def fn(a: ArrayLike, dtype: DTypeLike | None = None, *, like: Any = None) -> Array:
        out = asarray(a, dtype)
        if not isinstance(out, Tracer):
            return np_fn(out, dtype=dtype)
        return reshape(out, (1,)) if ndim(out) == 0 else out

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``{name}(a, dtype=None)``: NumPy's {name}; a traced ``a`` passes through "
                  "(cast to ``dtype``, at least 1-d), as the memory layout is NumPy's to "
                  "choose.")
    return implements(np_fn)(fn)


ascontiguousarray = _pass_through(np.ascontiguousarray, "ascontiguousarray")
asfortranarray = _pass_through(np.asfortranarray, "asfortranarray")


def _not_all_finite(a: Any) -> bool:
    return not np.all(np.isfinite(a))


@implements(np.asarray_chkfinite)
def asarray_chkfinite(a: ArrayLike, dtype: DTypeLike | None = None, order: Order | None = None
                      ) -> Array:
    """``asarray_chkfinite(a, dtype=None)``: `asarray`, raising ValueError when ``a`` holds
    an inf or NaN (under vmap: in any example).

    >>> asarray_chkfinite([1.0, 2.0])
    array([1., 2.])
    """
    a = asarray(a, dtype)
    if not isinstance(a, Tracer):
        return np.asarray_chkfinite(a, dtype, order)
    if dtype_of(a).kind in "fc":
        _check(_not_all_finite, lambda *_: "array must not contain infs or NaNs", a)
    return a


@implements(np.require)
def require(a: ArrayLike, dtype: DTypeLike | None = None, requirements: Any = None, *,
            like: Any = None) -> Array:
    """``require(a, dtype=None, requirements=None)``: NumPy's require; a traced ``a`` passes
    through (cast to ``dtype``; a new traced value when ``requirements`` asks that it own
    its data).

    >>> require([1.0, 2.0], np.float32).dtype
    dtype('float32')
    """
    out = asarray(a, dtype)
    if not isinstance(out, Tracer):
        return np.require(a, dtype, requirements)
    reqs = {requirements} if isinstance(requirements, str) else set(requirements or ())
    return copy(out) if reqs & {"O", "OWNDATA"} else out


@implements(np.real_if_close)
def real_if_close(a: ArrayLike, tol: float = 100) -> Array:
    """``real_if_close(a, tol=100)``: the real part when every imaginary part is below
    ``tol`` machine epsilons (decided on primal values; per batch under vmap it raises).
    """
    a = tnp.asarray(a)
    if dtype_of(a).kind != "c":
        return a
    if tol > 1:
        tol = np.finfo(dtype_of(a)).eps * tol
    if tnp.all(tnp.less(tnp.absolute(tnp.imag(a)), tol)):
        a = tnp.real(a)
    return a


# -- geomspace, logspace -------------------------------------------------------------------
def _broadcast_pair(start: Any, stop: Any) -> tuple[Any, Any]:
    """The endpoints broadcast against each other (linspace wants them alike)."""
    common = np.broadcast_shapes(shape_of(start), shape_of(stop))
    return broadcast_to(start, common), broadcast_to(stop, common)


def _ndmin(a: Any, nd: int) -> Any:
    s = shape_of(a)
    if len(s) >= nd:
        return a
    return reshape(a, (1,) * (nd - len(s)) + s) if isinstance(a, Tracer) \
        else np.array(a, ndmin=nd)


@implements(np.logspace)
def logspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             base: ArrayLike = 10.0, dtype: DTypeLike | None = None, axis: int = 0) -> Array:
    """``logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0)``:
    ``base ** linspace(start, stop)``, differentiable in ``start``, ``stop`` and ``base``.

    >>> logspace(0.0, 2.0, 3)
    array([  1.,  10., 100.])
    """
    if not is_traced(start, stop, base):
        return np.logspace(start, stop, num, endpoint, base, dtype,  # type: ignore[arg-type, misc]
                           axis)  # (NumPy's stubs take numbers only; NumPy checks)
    start, stop, base = (asarray(v) if type(v) in (list, tuple) else v
                         for v in (start, stop, base))
    if not isinstance(base, (float, int)) and ndim(base):
        # a non-scalar base broadcasts with the endpoints and gets the sample axis
        nd = len(np.broadcast_shapes(shape_of(start), shape_of(stop), shape_of(base)))
        start, stop, base = (_ndmin(a, nd) for a in (start, stop, base))
        base = expand_dims(base, axis)
    start, stop = _broadcast_pair(start, stop)
    out = power(base, tnp.linspace(start, stop, num=num, endpoint=endpoint, axis=axis))
    return out if dtype is None else cast(out, dtype)


def _contains_zero(start: Any, stop: Any) -> np.bool_:
    return np.any(start == 0) or np.any(stop == 0)


@implements(np.geomspace)
def geomspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
              dtype: DTypeLike | None = None, axis: int = 0) -> Array:
    """``geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0)``: a geometric
    sequence, differentiable in ``start`` and ``stop`` (negative and complex ones too, as
    NumPy: the sequence is computed for ``start`` rotated onto the positive reals).

    >>> geomspace(1.0, 100.0, 3)
    array([  1.,  10., 100.])
    """
    if not is_traced(start, stop):
        return np.geomspace(start, stop, num, endpoint, dtype,  # type: ignore[arg-type, misc]
                            axis)
    start, stop = (asarray(v) if type(v) in (list, tuple) else v for v in (start, stop))
    num = operator.index(num)
    _check(_contains_zero, lambda *_: "Geometric sequence cannot include zero", start, stop)
    dt = np.result_type(*[dtype_of(v) if isinstance(v, Tracer) else np.asarray(v)
                          for v in (start, stop)], float(num), np.zeros((), dtype))
    start, stop = cast(asarray(start), dt), cast(asarray(stop), dt)
    # the rotation start / |start| is constant for real start (its sign), smooth for complex
    rot = start / absolute(start) if dt.kind == "c" else sign(start)
    start, stop = start / rot, stop / rot
    result = logspace(log10(start), log10(stop), num=num, endpoint=endpoint, base=10.0,
                      dtype=dt)
    if num > 0:  # the endpoints exactly, not 10 ** log10(x)
        result = tnp.at(result)[0].set(start)
        if num > 1 and endpoint:
            result = tnp.at(result)[-1].set(stop)
    result = result * rot
    if axis != 0:
        result = moveaxis(result, 0, axis)
    return cast(result, dt if dtype is None else np.dtype(dtype))
