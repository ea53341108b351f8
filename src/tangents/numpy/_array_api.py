"""The Array API standard's names that NumPy's main namespace lacks or spells differently,
so that ``tangents.numpy`` is itself an Array API namespace (the one traced values name in
``__array_namespace__``): aliases, thin compositions of the differentiable functions, the
dtype and device helpers, and ``__array_namespace_info__``; NumPy's own names of the
shifts (left_shift, right_shift) sit next to the standard's.

Libraries written against the standard (SciPy with ``SCIPY_ARRAY_API=1``, array-api-extra)
then run on traced values through this namespace and are differentiated as written.
"""
from __future__ import annotations

__all__ = ['__array_api_version__', '__array_namespace_info__', 'acos', 'acosh', 'asin',
           'asinh', 'atan', 'atan2', 'atanh', 'pow', 'bitwise_invert', 'bitwise_left_shift',
           'bitwise_right_shift', 'copysign', 'nextafter', 'concat', 'permute_dims',
           'matrix_transpose', 'vecdot', 'isdtype', 'can_cast', 'finfo', 'iinfo', 'unique_all',
           'unique_counts', 'unique_inverse', 'unique_values', 'isin',
           'cumulative_sum', 'cumulative_prod', 'broadcast_arrays', 'broadcast_shapes',
           'from_dlpack', 'zeros', 'ones', 'empty', 'full', 'eye', 'bool', 'uint16',
           'uint32', 'uint64', 'special', 'left_shift', 'right_shift']

import builtins
import importlib
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import numpy as np

from ..core import Tracer, batch_elementwise, bind, builders, move_bdim
from ..typing import Array, ArrayLike, DTypeLike, Shape
from . import _creation
from . import linalg as _linalg
from ._complex import conj
from ._dispatch import (
    dtype_of,
    implements,
    implements_ufunc,
    normalize_axis,
    numpy_function,
    numpy_on_plain,
    shape_of,
)
from ._elementwise import (
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    equal,
    invert,
    power,
    signbit,
    where,
)
from ._joining import concatenate, stack
from ._reductions import cumprod, cumsum
from ._reductions import sum as _sum
from ._shape import broadcast_to, ravel, transpose
from ._sorting import unique

__array_api_version__ = "2024.12"
_check_device = _creation.check_device

bool = np.bool_  # noqa: A001 - the standard's name for the boolean dtype (np.bool in NumPy 2)
uint16, uint32, uint64 = np.uint16, np.uint32, np.uint64
broadcast_shapes = np.broadcast_shapes
from_dlpack = np.from_dlpack

# -- the standard's spellings of NumPy's ufuncs ------------------------------------------
acos, acosh, asin, asinh = arccos, arccosh, arcsin, arcsinh
atan, atan2, atanh = arctan, arctan2, arctanh
pow = power  # noqa: A001 - the standard's name
bitwise_invert = invert


def _shift(name: str, ufunc: np.ufunc) -> Callable[[ArrayLike, ArrayLike], Array]:
    prim = builders.nondifferentiable(name, ufunc, batch=batch_elementwise)

    def fn(x1: ArrayLike, x2: ArrayLike, /) -> Array:
        return bind(prim, x1, x2)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{name}(x1, x2)``: NumPy's ``{ufunc.__name__}`` (integer result)."
    implements_ufunc(ufunc)(fn)
    return fn


bitwise_left_shift = _shift("bitwise_left_shift", np.left_shift)
bitwise_right_shift = _shift("bitwise_right_shift", np.right_shift)
left_shift, right_shift = bitwise_left_shift, bitwise_right_shift  # NumPy's names

# d copysign(x, y) / dx = +-1 (+1 where the signs already agree); 0 in y away from y = 0
copysign_p = builders.elementwise(
    "copysign", np.copysign,
    lambda ans, x, y: where(equal(signbit(x), signbit(y)), 1.0, -1.0), lambda ans, x, y: 0.0)


@implements_ufunc(np.copysign)
def copysign(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """``copysign(x1, x2)``: the magnitude of ``x1`` with the sign of ``x2``.

    >>> copysign(np.array([1.0, -2.0]), -1.0)
    array([-1., -2.])
    """
    return bind(copysign_p, x1, x2)


# nextafter(x, y) moves x by one ulp: derivative 1 in x (as for x itself), 0 in y
nextafter_p = builders.elementwise("nextafter", np.nextafter, lambda ans, x, y: 1.0,
                                   lambda ans, x, y: 0.0)


@implements_ufunc(np.nextafter)
def nextafter(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """``nextafter(x1, x2)``: the next representable value after ``x1`` towards ``x2``.

    >>> nextafter(np.array([1.0]), 2.0) - 1
    array([2.22044605e-16])
    """
    return bind(nextafter_p, x1, x2)


# -- manipulation and linear algebra -----------------------------------------------------
# NumPy 2's aliases, for NumPy 1.x too (np.concat is np.concatenate, np.permute_dims is
# np.transpose, so these are the functions NumPy's dispatch reaches)
concat, permute_dims = concatenate, transpose


@implements(numpy_function("matrix_transpose"))
def matrix_transpose(x: ArrayLike, /) -> Array:
    """``matrix_transpose(x)``: swap the last two axes.

    >>> matrix_transpose(np.zeros((5, 2, 3))).shape
    (5, 3, 2)
    """
    if len(shape_of(x)) < 2:
        raise ValueError("matrix_transpose: x must have at least two dimensions")
    return _linalg.matrix_transpose(x)


@implements_ufunc(numpy_function("vecdot"))
def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1) -> Array:
    """``vecdot(x1, x2, axis=-1)``: ``sum(conj(x1) * x2, axis)`` after broadcasting, in the
    promoted dtype of ``x1`` and ``x2`` (as for every binary operation: uint8 stays uint8).

    >>> vecdot(np.array([1.0, 2.0]), np.array([[3.0, 4.0]]))
    array([11.])
    """
    x1, x2 = _creation.asarray(x1), _creation.asarray(x2)  # lists of traced values too
    n1, n2 = len(shape_of(x1)), len(shape_of(x2))
    if not -min(n1, n2) <= axis < max(n1, n2) or min(n1, n2) == 0:
        raise ValueError(f"vecdot: axis {axis} is out of range for arrays of shapes "
                         f"{shape_of(x1)} and {shape_of(x2)} (it must name a dimension of both)")
    nd = max(n1, n2)
    axis = normalize_axis(axis, nd, "vecdot")
    if axis - nd < -min(n1, n2) or shape_of(x1)[axis - nd] != shape_of(x2)[axis - nd]:
        raise ValueError(f"vecdot: x1 {shape_of(x1)} and x2 {shape_of(x2)} must have the same "
                         f"length along axis {axis - nd}")
    if dtype_of(x1).kind == "c":
        x1 = conj(x1)
    # dtype= keeps small integers (a plain sum widens them to the default integer)
    return _sum(x1 * x2, axis=axis, dtype=np.result_type(dtype_of(x1), dtype_of(x2)))


@implements(np.broadcast_arrays)
@numpy_on_plain(np.broadcast_arrays)
def broadcast_arrays(*arrays: ArrayLike, subok: builtins.bool = False) -> tuple[Array, ...]:
    """``broadcast_arrays(*arrays)``: the arrays broadcast to their common shape (a tuple).

    >>> [a.shape for a in broadcast_arrays(np.zeros(3), np.zeros((2, 1)))]
    [(2, 3), (2, 3)]
    """
    common = np.broadcast_shapes(*(shape_of(a) for a in arrays))
    return tuple(broadcast_to(a, common) for a in arrays)


def _scan(op: Callable[..., Any], name: str, initial: int, x: Any, axis: Any, dtype_: Any,
          include_initial: builtins.bool) -> Any:
    nd = len(shape_of(x))
    if axis is None:
        if nd > 1:
            raise ValueError(f"{name}: axis must be given for arrays of more than one "
                             "dimension")
        axis = 0
    if nd == 0:  # NumPy scans a 0-d array as a 1-d one
        x, nd = ravel(x), 1
    axis = normalize_axis(axis, nd, name)
    ans = op(x, axis=axis, dtype=dtype_)
    if include_initial:
        first = list(shape_of(ans))
        first[axis] = 1
        ans = concatenate([np.full(first, initial, dtype_of(ans)), ans], axis=axis)
    return ans


@implements(numpy_function("cumulative_sum"))
def cumulative_sum(x: ArrayLike, /, *, axis: int | None = None, dtype: DTypeLike | None = None,
                   include_initial: builtins.bool = False) -> Array:
    """``cumulative_sum(x, axis=None, dtype=None, include_initial=False)``: `cumsum`,
    optionally starting with a 0.

    >>> cumulative_sum(np.array([1.0, 2.0, 3.0]), include_initial=True)
    array([0., 1., 3., 6.])
    """
    return _scan(cumsum, "cumulative_sum", 0, x, axis, dtype, include_initial)


@implements(numpy_function("cumulative_prod"))
def cumulative_prod(x: ArrayLike, /, *, axis: int | None = None, dtype: DTypeLike | None = None,
                    include_initial: builtins.bool = False) -> Array:
    """``cumulative_prod(x, axis=None, dtype=None, include_initial=False)``: `cumprod`,
    optionally starting with a 1.

    >>> cumulative_prod(np.array([1.0, 2.0, 3.0]))
    array([1., 2., 6.])
    """
    return _scan(cumprod, "cumulative_prod", 1, x, axis, dtype, include_initial)


# -- sets: the values are a differentiable gather; indices and counts carry no derivative -
class _UniqueAll(NamedTuple):
    values: object
    indices: object
    inverse_indices: object
    counts: object


class _UniqueCounts(NamedTuple):
    values: object
    counts: object


class _UniqueInverse(NamedTuple):
    values: object
    inverse_indices: object


def _result_class(name: str, own: type) -> Any:
    """NumPy's result class of ``np.<name>`` (a named tuple), or ``own`` before NumPy 2."""
    fn = getattr(np, name, None)
    return own if fn is None else type(fn(np.zeros(1)))


UniqueAllResult = _result_class("unique_all", _UniqueAll)
UniqueCountsResult = _result_class("unique_counts", _UniqueCounts)
UniqueInverseResult = _result_class("unique_inverse", _UniqueInverse)


@implements(numpy_function("unique_all"))
@numpy_on_plain(numpy_function("unique_all"))
def unique_all(x: ArrayLike, /) -> tuple[Array, Array, Array, Array]:
    """``unique_all(x)``: (values, indices, inverse_indices, counts); NaNs are distinct.

    >>> unique_all(np.array([2.0, 1.0, 2.0])).counts
    array([1, 2])
    """
    values, index, inverse, counts = unique(x, True, True, True, equal_nan=False)
    return UniqueAllResult(values, index, np.reshape(inverse, shape_of(x)), counts)


@implements(numpy_function("unique_counts"))
@numpy_on_plain(numpy_function("unique_counts"))
def unique_counts(x: ArrayLike, /) -> tuple[Array, Array]:
    """``unique_counts(x)``: (values, counts); NaNs are distinct.

    >>> unique_counts(np.array([2.0, 1.0, 2.0])).values
    array([1., 2.])
    """
    values, counts = unique(x, return_counts=True, equal_nan=False)
    return UniqueCountsResult(values, counts)


@implements(numpy_function("unique_inverse"))
@numpy_on_plain(numpy_function("unique_inverse"))
def unique_inverse(x: ArrayLike, /) -> tuple[Array, Array]:
    """``unique_inverse(x)``: (values, inverse_indices shaped like ``x``).

    >>> unique_inverse(np.array([2.0, 1.0, 2.0])).inverse_indices
    array([1, 0, 1])
    """
    values, inverse = unique(x, return_inverse=True, equal_nan=False)
    return UniqueInverseResult(values, np.reshape(inverse, shape_of(x)))


@implements(numpy_function("unique_values"))
@numpy_on_plain(numpy_function("unique_values"))
def unique_values(x: ArrayLike, /) -> Array:
    """``unique_values(x)``: the sorted distinct values; NaNs are distinct.

    >>> unique_values(np.array([2.0, 1.0, 2.0]))
    array([1., 2.])
    """
    return unique(x, equal_nan=False)


def _isin_impl(x1: Any, x2: Any, *, invert: builtins.bool) -> Any:
    return np.isin(x1, x2, invert=invert)


def _isin_batch(vals: Any, bdims: Any, *, invert: builtins.bool) -> tuple[Any, int | None]:
    x1, x2 = vals
    b1, b2 = bdims
    if b2 is None:
        return bind(isin_p, x1, x2, invert=invert), b1
    # a set per example: one call per example
    x2 = move_bdim(x2, b2, 0)
    if b1 is not None:
        x1 = move_bdim(x1, b1, 0)
    rows = [bind(isin_p, x1 if b1 is None else x1[i], x2[i], invert=invert)
            for i in range(shape_of(x2)[0])]
    return stack(rows), 0


isin_p = builders.nondifferentiable("isin", _isin_impl)
isin_p.def_batch(_isin_batch)


@implements(np.isin)
def isin(element: ArrayLike, test_elements: ArrayLike, assume_unique: builtins.bool = False,
         invert: builtins.bool = False, *, kind: str | None = None) -> Array:
    """``isin(x1, x2, invert=False)``: whether each element of ``x1`` is in ``x2``.

    >>> isin(np.array([1.0, 2.0, 3.0]), np.array([3.0, 1.0]))
    array([ True, False,  True])
    """
    return bind(isin_p, element, test_elements, invert=builtins.bool(invert))


# -- dtypes -----------------------------------------------------------------------------
def _dtype_or_type(x: Any) -> Any:
    """The dtype of an array (traced or not), or ``x`` itself (a dtype or scalar type)."""
    return x.dtype if isinstance(x, (Tracer, np.ndarray, np.generic)) else x


def isdtype(dtype: DTypeLike, kind: DTypeLike | str | tuple[DTypeLike | str, ...]
            ) -> builtins.bool:
    """``isdtype(dtype, kind)``: whether ``dtype`` is of ``kind`` (a dtype, a kind name such
    as ``"real floating"``, or a tuple of them).

    >>> isdtype(np.float32, ("integral", "real floating"))
    True
    """
    return np.isdtype(np.dtype(dtype), kind)


def can_cast(from_: DTypeLike | ArrayLike, to: DTypeLike, /) -> builtins.bool:
    """``can_cast(from_, to)``: whether ``from_`` (a dtype or an array) casts safely.

    >>> can_cast(np.zeros(2, np.float32), np.float64)
    True
    """
    return np.can_cast(np.dtype(_dtype_or_type(from_)), to)


def finfo(type: DTypeLike | ArrayLike, /) -> np.finfo[Any]:  # noqa: A002 - the standard's
    """``finfo(type)``: NumPy's ``np.finfo`` of a floating dtype, or of an array's dtype
    (a traced array's too).

    >>> finfo(np.float32).bits, finfo(np.float32).eps
    (32, np.float32(1.1920929e-07))
    """
    return np.finfo(_dtype_or_type(type))


def iinfo(type: DTypeLike | ArrayLike, /) -> np.iinfo[Any]:  # noqa: A002 - the standard's
    """``iinfo(type)``: machine limits of an integer dtype (or of an array's dtype).

    >>> iinfo(np.int8).max
    127
    """
    return np.iinfo(_dtype_or_type(type))


# -- creation from shapes (constants: plain arrays) ---------------------------------------
# NumPy's signatures (positional dtype, order, like), which accept every call the standard
# allows: tangents.numpy stays a drop-in for NumPy
def zeros(shape: Shape, dtype: DTypeLike | None = None, order: Literal["C", "F"] = "C", *,
          device: Any = None, like: Any = None) -> Array:
    """``zeros(shape, dtype=None, order="C", *, device=None)``: a constant array of zeros.

    >>> zeros(2, np.float32)
    array([0., 0.], dtype=float32)
    """
    _check_device(device, "zeros")
    return np.zeros(shape, dtype, order)  # type: ignore[arg-type, misc]  # NumPy checks


def ones(shape: Shape, dtype: DTypeLike | None = None, order: Literal["C", "F"] = "C", *,
         device: Any = None, like: Any = None) -> Array:
    """``ones(shape, dtype=None, order="C", *, device=None)``: a constant array of ones.

    >>> ones(2)
    array([1., 1.])
    """
    _check_device(device, "ones")
    return np.ones(shape, dtype, order)  # type: ignore[arg-type, misc]  # NumPy checks


def empty(shape: Shape, dtype: DTypeLike | None = None, order: Literal["C", "F"] = "C", *,
          device: Any = None, like: Any = None) -> Array:
    """``empty(shape, dtype=None, order="C", *, device=None)``: like NumPy's, but filled
    with zeros.

    >>> empty(2)
    array([0., 0.])
    """
    _check_device(device, "empty")
    return np.zeros(shape, dtype, order)  # type: ignore[arg-type, misc]  # NumPy checks


def full(shape: Shape, fill_value: ArrayLike, dtype: DTypeLike | None = None,
         order: Literal["C", "F"] = "C", *, device: Any = None, like: Any = None) -> Array:
    """``full(shape, fill_value, dtype=None, order="C", *, device=None)``; a traced
    ``fill_value`` is broadcast (differentiable).

    >>> full(2, 3.0)
    array([3., 3.])
    """
    _check_device(device, "full")
    if isinstance(fill_value, Tracer):
        out = broadcast_to(fill_value, (shape,) if isinstance(shape, int) else tuple(shape))
        return out if dtype is None else _creation.cast(out, dtype)
    return np.full(shape, fill_value, dtype, order)  # type: ignore[arg-type, misc]  # NumPy checks


def eye(N: int, M: int | None = None, k: int = 0, dtype: DTypeLike | None = float,  # noqa: N803
        order: Literal["C", "F"] = "C", *, device: Any = None, like: Any = None) -> Array:
    """``eye(N, M=None, k=0, dtype=float, order="C", *, device=None)``: ones on diagonal
    ``k`` (NumPy's names; the standard's ``n_rows``/``n_cols`` are the same positions).

    >>> eye(2)
    array([[1., 0.],
           [0., 1.]])
    """
    _check_device(device, "eye")
    return np.eye(N, M, k=k, dtype=float if dtype is None else dtype,  # type: ignore[arg-type]
                  order=order)  # (NumPy checks dtype and order)


# -- inspection --------------------------------------------------------------------------
class _Info:
    """What ``__array_namespace_info__()`` returns: tangents.numpy's capabilities, its one
    device ("cpu") and its dtypes (NumPy's)."""

    __module__ = "tangents.numpy"

    def capabilities(self) -> dict[str, Any]:
        return {"boolean indexing": True, "data-dependent shapes": True,
                "max dimensions": 64}

    def default_device(self) -> str:
        return "cpu"

    def devices(self) -> list[str]:
        return ["cpu"]

    def default_dtypes(self, *, device: Any = None) -> dict[str, np.dtype[Any]]:
        _check_device(device, "default_dtypes")
        return {"real floating": np.dtype(np.float64), "complex floating":
                np.dtype(np.complex128), "integral": np.dtype(np.int64),
                "indexing": np.dtype(np.intp)}

    def dtypes(self, *, device: Any = None, kind: Any = None) -> dict[str, np.dtype[Any]]:
        _check_device(device, "dtypes")
        names = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                 "uint64", "float32", "float64", "complex64", "complex128"]
        return {n: np.dtype(n) for n in names
                if kind is None or np.isdtype(np.dtype(n), kind)}


def __array_namespace_info__() -> _Info:
    """The namespace's inspection object (capabilities, devices, default and all dtypes).

    >>> __array_namespace_info__().default_dtypes()["real floating"]
    dtype('float64')
    """
    return _Info()


# -- xp.special: SciPy's array-API dispatch looks here for elementwise special functions -
class _LazySpecial:
    """``tangents.scipy.special``, imported on first use (SciPy is optional)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(importlib.import_module("tangents.scipy.special"), name)

    def __repr__(self) -> str:
        return "<tangents.scipy.special (imported on first use)>"


special = _LazySpecial()
