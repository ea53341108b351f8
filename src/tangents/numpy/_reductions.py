"""Reductions and scans along axes (axis int/tuple/None/negative, keepdims): sum, prod,
max/min, mean/var/std, cumsum/cumprod, and the non-differentiable argmax, any, all, ..."""
from __future__ import annotations

__all__ = ['sum', 'prod', 'mean', 'var', 'std', 'max', 'min', 'amax', 'amin', 'cumsum',
           'cumprod', 'argmax', 'argmin', 'any', 'all', 'count_nonzero']

import builtins
from typing import Any

import numpy as np

from ..core import (
    Primitive,
    batch_axis_op,
    bind,
    builders,
    expand_reduced,
    primal_value,
    sparsity,
    sum_p,
)
from ..core import keepdims_shape as _keepdims_shape
from ..core import reduced_shape as _reduced_shape
from ..core import reduction_blocks as _blocks
from ..typing import Array, ArrayLike, Axis, DTypeLike, NDArray
from ._complex import imag
from ._creation import cast, real
from ._dispatch import (
    dtype_of,
    implements,
    is_traced,
    normalize_axes,
    normalize_axis,
    reduce_axes,
    shape_of,
)
from ._elementwise import equal, logical_and, maximum, minimum, not_equal, sqrt
from ._elementwise import where as _where
from ._shape import broadcast_to, ravel, reshape, transpose


def _size(xshape: Any, axis: Any) -> Any:
    return int(np.prod([xshape[i] for i in axis]))


def _kept(ans: Any, xshape: Any, axis: Any, keepdims: Any) -> Any:
    """A reduced value with its reduced axes kept (length one), to broadcast against x."""
    return ans if keepdims else reshape(ans, _keepdims_shape(xshape, axis))


def _no_out(name: Any, out: Any) -> Any:
    if out is not None:
        raise TypeError(f"{name}: out= writes into a buffer; use the returned value instead")


def _in_dtype(ans: Any, dtype_: Any) -> Any:
    """``ans`` in the ``dtype=`` asked for: NumPy's add/multiply reductions and scans widen
    small integers to the default integer even when the input was cast to ``dtype_``; the
    cast back is exact (integer arithmetic is modular)."""
    return ans if dtype_ is None or dtype_of(ans) == np.dtype(dtype_) else cast(ans, dtype_)


def _masked(a: Any, where_: Any, fill: Any, name: Any) -> Any:
    """``a`` with the entries outside ``where_`` replaced by the reduction's identity."""
    if where_ is None or where_ is True:
        return a
    if fill is None:
        raise ValueError(f"{name}: reduction with where= needs an initial= value")
    return _where(where_, a, fill)


# -- fast paths for reducing a C-contiguous float array over leading or middle axes --------
# NumPy reduces such an axis one row of the trailing block at a time, with an inner loop as
# short as that block (8 elements for axis 1 of (256, 1000, 8): ~4 ms for 2M elements).
# Viewed as (A, n, B) with the reduced axes in the middle, a sum is ones(n) @ x, one BLAS
# matrix-vector product per A (5-8x faster, and no less accurate: NumPy too adds the rows
# one after another there), and a max or min a tree of elementwise halvings (3x faster
# when B is short).
def _halving_reduce(combine: Any, x: Any, axis: Any, keepdims: Any) -> Any:
    blocks = _blocks(x, axis)
    if blocks is None or blocks[2] > 16 or blocks[1] < 64:
        return None
    a, n, b = blocks
    x3 = x.reshape(a, n, b)
    h = n // 2
    y = combine(x3[:, :h], x3[:, h:2 * h])
    if n % 2:
        combine(y[:, :1], x3[:, 2 * h:], out=y[:, :1])
    n = h
    while n > 1:  # fold the upper half of y onto its lower half, in place
        h = n // 2
        combine(y[:, :h], y[:, h:2 * h], out=y[:, :h])
        if n % 2:
            combine(y[:, :1], y[:, 2 * h:n], out=y[:, :1])
        n = h
    return y[:, 0].reshape(_reduced_shape(x.shape, axis, keepdims))


# -- sum (sum_p is the core's) ---------------------------------------------------------


@implements(np.sum)
def sum(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,  # noqa: A001
        out: NDArray[Any] | None = None, keepdims: bool = False, initial: ArrayLike | None = None,
        where: ArrayLike | None = None) -> Array:
    """``sum(a, axis=None, dtype=None, keepdims=False, initial=None, where=None)``.

    >>> sum(np.ones((2, 3)), axis=-1)
    array([3., 3.])
    """
    _no_out("sum", out)
    if dtype is not None:
        a = cast(a, dtype)
    a = _masked(a, where, 0, "sum")
    ans = bind(sum_p, a, axis=reduce_axes(axis, len(shape_of(a)), "sum"), keepdims=bool(keepdims))
    return _in_dtype(ans if initial is None else ans + initial, dtype)


_sum = sum


@implements(np.mean)
def mean(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
         out: NDArray[Any] | None = None, keepdims: bool = False, *, where: ArrayLike | None = None
         ) -> Array:
    """``mean(a, axis=None, dtype=None, keepdims=False, where=None)``: ``sum / count``.

    >>> mean(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=0)
    array([2. , 3.5])
    """
    _no_out("mean", out)
    axes = normalize_axes(axis, len(shape_of(a)), "mean")
    if where is not None and where is not True:
        count = _sum(broadcast_to(where, shape_of(a)), axes, keepdims=keepdims)
        s = sum(a, axes, dtype=dtype, keepdims=keepdims, where=where)
        return s / cast(count, dtype_of(s))
    n = _size(shape_of(a), axes)
    s = sum(a, axes, dtype=dtype, keepdims=keepdims)
    return s / n if n else s * np.nan


_mean = mean


# -- prod --------------------------------------------------------------------------------
def _prod_others(ans: Any, x: Any, axis: Any, keepdims: Any) -> Any:
    # d prod / d x_i = product of the other entries of the slice, exact with zeros: ans / x_i
    # away from zeros; at a zero, prod of the non-zeros times the other zero entries (1 for
    # one zero, the other zero's value for two: exact to every order; more zeros: to order 2)
    xshape = shape_of(x)
    m = equal(x, 0)
    z = _sum(m, axis, keepdims=True)
    safe_x = _where(m, 1.0, x)
    p_safe = bind(prod_p, safe_x, axis=axis, keepdims=True)
    other_zero = _where(equal(z, 2), _sum(_where(m, x, 0.0), axis, keepdims=True) - x, 0.0)
    at_zero = p_safe * _where(equal(z, 1), 1.0, other_zero)
    return _where(m, at_zero, _kept(ans, xshape, axis, keepdims) / safe_x)


prod_p = Primitive("prod", lambda x, *, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims))
prod_p.def_vjp(lambda ct, ans, x, *, axis, keepdims: expand_reduced(ct, shape_of(x), axis, keepdims)
               * _prod_others(ans, x, axis, keepdims))
prod_p.def_jvp(lambda t, ans, x, *, axis, keepdims: bind(
    sum_p, t * _prod_others(ans, x, axis, keepdims), axis=axis, keepdims=keepdims))
prod_p.def_batch(batch_axis_op(prod_p))
prod_p.def_sparsity(sparsity.reduction(nonlinear=True))


@implements(np.prod)
def prod(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
         out: NDArray[Any] | None = None, keepdims: bool = False, initial: ArrayLike | None = None,
         where: ArrayLike | None = None) -> Array:
    """``prod(a, axis=None, dtype=None, keepdims=False, initial=None, where=None)``.

    The derivative is exact where a slice holds zeros (the product of the other entries,
    never ``ans / x``).

    >>> prod(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=-1)
    array([ 2., 12.])
    """
    _no_out("prod", out)
    if dtype is not None:
        a = cast(a, dtype)
    a = _masked(a, where, 1, "prod")
    axes = reduce_axes(axis, len(shape_of(a)), "prod")
    if _many_zeros(a):
        ans = _prod_by_halves(a, axes, bool(keepdims))
    else:
        ans = bind(prod_p, a, axis=axes, keepdims=bool(keepdims))
    return _in_dtype(ans if initial is None else ans * initial, dtype)


# prod_p's and cumprod_p's rules are exact to every order with up to two zeros in a slice,
# to second order beyond.  With three or more zeros among a traced array's values, prod and
# cumprod are built from elementwise products instead, whose derivatives (the product
# rule's) are exact to every order whatever the zeros.
def _many_zeros(a: Any) -> Any:
    """Whether the values under tracer ``a`` hold three or more zeros."""
    v = primal_value(a)
    return v is not a and type(v) is np.ndarray and np.count_nonzero(v == 0) >= 3


def _prod_by_halves(a: Any, axes: Any, keepdims: Any) -> Any:
    """``prod(a, axes)`` as a tree of products of halves (log2 n levels of multiply)."""
    from ._indexing import getitem
    from ._joining import concatenate
    nd, src = len(shape_of(a)), shape_of(a)
    rest = [i for i in range(nd) if i not in axes]
    x = transpose(a, rest + list(axes)) if rest + list(axes) != list(range(nd)) else a
    n = _size(src, axes)
    x = reshape(x, tuple(src[i] for i in rest) + (n,))
    while n > 1:
        h = n // 2
        y = getitem(x, (Ellipsis, slice(0, h))) * getitem(x, (Ellipsis, slice(h, 2 * h)))
        if n % 2:
            y = concatenate([y, getitem(x, (Ellipsis, slice(2 * h, n)))], axis=-1)
        x, n = y, h + n % 2
    out = getitem(x, (Ellipsis, 0))
    return reshape(out, _keepdims_shape(src, axes)) if keepdims else out


def _cumprod_by_doubling(a: Any, axis: Any) -> Any:
    """``cumprod(a, axis)`` by doubling (Hillis-Steele): ``y_k *= y_(k-s)`` for s = 1, 2, 4..."""
    from ._indexing import getitem
    from ._joining import concatenate
    (k,) = axis
    n = shape_of(a)[k]
    lead = (slice(None),) * k
    y, s = a, 1
    while s < n:
        head = getitem(y, lead + (slice(0, s),))
        tail = getitem(y, lead + (slice(s, n),)) * getitem(y, lead + (slice(0, n - s),))
        y, s = concatenate([head, tail], axis=k), 2 * s
    return y


# -- max / min ---------------------------------------------------------------------------
def _extremum_rules(prim: Any) -> Any:
    # ties share equally: each of the k entries equal to the result gets 1/k (as maximum's 1/2)
    def mask_count(ans: Any, x: Any, axis: Any, keepdims: Any) -> Any:
        mask = equal(x, _kept(ans, shape_of(x), axis, keepdims))
        # counted in x's float type: a boolean reduction gets no fast path
        return mask, _sum(cast(mask, dtype_of(x)), axis, keepdims=True)

    # the division by the count happens on the reduced shape, before the full-size where
    def vjp(ct: Any, ans: Any, x: Any, *, axis: Any, keepdims: Any) -> Any:
        mask, count = mask_count(ans, x, axis, keepdims)
        return _where(mask, expand_reduced(ct, shape_of(x), axis, keepdims) / count, 0.0)

    def jvp(t: Any, ans: Any, x: Any, *, axis: Any, keepdims: Any) -> Any:
        mask, count = mask_count(ans, x, axis, keepdims)
        out = _sum(_where(mask, t, 0.0), axis, keepdims=True) / count
        return out if keepdims else reshape(out, shape_of(ans))

    prim.def_vjp(vjp)
    prim.def_jvp(jvp)
    prim.def_batch(batch_axis_op(prim))
    return prim


def _extremum_impl(combine: Any, reduce: Any) -> Any:
    def impl(x: Any, *, axis: Any, keepdims: Any) -> Any:
        if type(x) is not np.ndarray:  # NumPy scalars, lazy arrays (Dask): their own max
            return reduce(x, axis=axis, keepdims=keepdims)
        out = _halving_reduce(combine, x, axis, keepdims)
        # the ufunc's own reduce: np.max's Python wrapper costs more than a small max
        return combine.reduce(x, axis=axis, keepdims=keepdims) if out is None else out
    return impl


amax_p = _extremum_rules(Primitive("amax", _extremum_impl(np.maximum, np.max)))
amin_p = _extremum_rules(Primitive("amin", _extremum_impl(np.minimum, np.min)))
for _p in (amax_p, amin_p):  # piecewise linear
    _p.def_sparsity(sparsity.reduction(nonlinear=False))
del _p


def _extremum(prim: Any, combine: Any, name: Any, a: Any, axis: Any, out: Any, keepdims: Any,
              initial: Any, where_: Any) -> Any:
    _no_out(name, out)
    axes = reduce_axes(axis, len(shape_of(a)), name)
    if initial is not None and _size(shape_of(a), axes) == 0:
        return np.full(_reduced_shape(shape_of(a), axes, keepdims), initial, dtype_of(a))
    a = _masked(a, where_, initial, name)
    ans = bind(prim, a, axis=axes, keepdims=bool(keepdims))
    return ans if initial is None else combine(ans, initial)


@implements(np.max)
def max(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None,  # noqa: A001
        keepdims: bool = False, initial: ArrayLike | None = None,
        where: ArrayLike | None = None) -> Array:
    """``max(a, axis=None, keepdims=False, initial=None, where=None)``.

    Ties share the derivative equally: each of k entries equal to the maximum gets 1/k, which
    agrees with ``maximum`` (1/2 to each of two equal arguments).

    >>> max(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=1)
    array([5., 3.])
    """
    return _extremum(amax_p, maximum, "max", a, axis, out, keepdims, initial, where)


@implements(np.amax)
def amax(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None, keepdims: bool = False,
         initial: ArrayLike | None = None, where: ArrayLike | None = None) -> Array:
    """``amax``: the same function as `max` (ties share the derivative equally).

    >>> amax(np.array([1.0, 4.0, 4.0]))
    np.float64(4.0)
    """
    return max(a, axis, out, keepdims, initial, where)


@implements(np.min)
def min(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None,  # noqa: A001
        keepdims: bool = False, initial: ArrayLike | None = None,
        where: ArrayLike | None = None) -> Array:
    """``min(a, axis=None, keepdims=False, initial=None, where=None)``.

    Ties share the derivative equally: each of k entries equal to the minimum gets 1/k, which
    agrees with ``minimum``.

    >>> min(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=0)
    array([1., 2.])
    """
    return _extremum(amin_p, minimum, "min", a, axis, out, keepdims, initial, where)


@implements(np.amin)
def amin(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None, keepdims: bool = False,
         initial: ArrayLike | None = None, where: ArrayLike | None = None) -> Array:
    """``amin``: the same function as `min` (ties share the derivative equally).

    >>> amin(np.array([1.0, 4.0, 1.0]))
    np.float64(1.0)
    """
    return min(a, axis, out, keepdims, initial, where)


# -- var / std (composites of mean and sum) ----------------------------------------------
def variance_args(name: str, out: NDArray[Any] | None, where: ArrayLike | None, ddof: float,
                  correction: float | None) -> float:
    """Validate var/std-style keywords; returns the effective ``ddof``."""
    _no_out(name, out)
    if where is not None and where is not True:
        raise NotImplementedError(f"{name}: where= is not supported")
    if correction is not None:
        if ddof != 0:
            raise ValueError(f"{name}: ddof and correction can't be provided simultaneously")
        ddof = correction
    return ddof


@implements(np.var)
def var(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
        out: NDArray[Any] | None = None, ddof: float = 0, keepdims: bool = False, *,
        where: ArrayLike | None = None, mean: ArrayLike | None = None,
        correction: float | None = None) -> Array:
    """``var(a, axis=None, dtype=None, ddof=0, keepdims=False, mean=None, correction=None)``:
    ``sum((a - mean(a))**2) / (n - ddof)``.

    >>> var(np.array([1.0, 2.0, 3.0, 4.0]), ddof=1)
    np.float64(1.6666666666666667)
    """
    ddof = variance_args("var", out, where, ddof, correction)
    complex_in = dtype_of(a).kind == "c"
    if complex_in and not is_traced(a):
        return np.var(a, axis, dtype, ddof=ddof, keepdims=keepdims,  # type: ignore[arg-type, misc]
                      mean=mean)  # type: ignore[arg-type]  # NumPy checks
    axes = normalize_axes(axis, len(shape_of(a)), "var")
    n = _size(shape_of(a), axes)
    x: Any = a if dtype is None else cast(a, dtype)
    d = x - (_mean(x, axes, keepdims=True) if mean is None else mean)
    if complex_in:  # |d|**2 = re(d)**2 + im(d)**2: a real result, as NumPy's
        d2 = real(d) * real(d) + imag(d) * imag(d)
    else:
        d2 = d * d
    return _sum(d2, axes, keepdims=keepdims) / builtins.max(n - ddof, 0)


@implements(np.std)
def std(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
        out: NDArray[Any] | None = None, ddof: float = 0, keepdims: bool = False, *,
        where: ArrayLike | None = None, mean: ArrayLike | None = None,
        correction: float | None = None) -> Array:
    """``std``: ``sqrt(var(...))`` with `var`'s arguments.  Its derivative is 0 (not nan)
    where the standard deviation is 0, e.g. for a constant slice.

    >>> std(np.array([[1.0, 3.0], [2.0, 2.0]]), axis=1)
    array([1., 0.])
    """
    v = var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean, correction=correction)
    zero = equal(v, 0)
    ans = _where(zero, 0.0, sqrt(_where(zero, 1.0, v)))
    return ans[()] if isinstance(v, np.generic) else ans  # a scalar where NumPy gives one


# -- cumsum / cumprod (axis is a one-element tuple so that batch_axis_op applies) -----------
def _cumsum_impl(x: Any, *, axis: Any, reverse: Any) -> Any:
    (k,) = axis
    if reverse:
        return np.flip(np.cumsum(np.flip(x, k), axis=k), k)
    return np.cumsum(x, axis=k)


# cumsum is linear; its transpose is the reversed cumulative sum, and vice versa
cumsum_p = builders.linear(
    "cumsum", _cumsum_impl,
    lambda ct, x, *, axis, reverse: bind(cumsum_p, ct, axis=axis,  # type: ignore[has-type]
                                         reverse=not reverse),
    batch_axis_op)
cumsum_p.def_sparsity(sparsity.cumulative(nonlinear=False))


def _revcumsum(x: Any, axis: Any) -> Any:
    return bind(cumsum_p, x, axis=axis, reverse=True)


def _cumprod_parts(x: Any, axis: Any) -> Any:
    m = equal(x, 0)
    cz = bind(cumsum_p, m, axis=axis, reverse=False)  # zeros seen so far along the lane
    first, second = equal(cz, 1), equal(cz, 2)
    safe_x = _where(m, 1.0, x)
    z1 = _sum(_where(logical_and(m, first), x, 0.0), axis, keepdims=True)
    z2 = _sum(_where(logical_and(m, second), x, 0.0), axis, keepdims=True)
    return m, first, second, safe_x, z1, z2


# d ans_n / d x_k (k <= n) = prod_{j <= n, j != k} x_j: ans_n / x_k away from zeros; at the
# first zero, cps_n (the cumprod of the non-zeros) times the second zero's value once n has
# passed it; at the second zero, cps_n times the first zero's value.  Exact to every order
# with at most two zeros per lane (to order 2 with more).
def _cumprod_vjp(ct: Any, ans: Any, x: Any, *, axis: Any) -> Any:
    m, first, second, safe_x, z1, z2 = _cumprod_parts(x, axis)
    c = ct * bind(cumprod_p, safe_x, axis=axis)
    r1 = _revcumsum(_where(first, c, 0.0), axis)
    r2 = _revcumsum(_where(second, c, 0.0), axis)
    at_zero = _where(first, r1 + z2 * r2, _where(second, z1 * r2, 0.0))
    return _where(m, at_zero, _revcumsum(ct * ans, axis) / safe_x)


def _cumprod_jvp(t: Any, ans: Any, x: Any, *, axis: Any) -> Any:
    m, first, second, safe_x, z1, z2 = _cumprod_parts(x, axis)
    t1 = _sum(_where(logical_and(m, first), t, 0.0), axis, keepdims=True)
    t2 = _sum(_where(logical_and(m, second), t, 0.0), axis, keepdims=True)
    at_zero = _where(first, t1, _where(second, z2 * t1 + z1 * t2, 0.0))
    away = ans * bind(cumsum_p, _where(m, 0.0, t) / safe_x, axis=axis, reverse=False)
    return away + bind(cumprod_p, safe_x, axis=axis) * at_zero


cumprod_p = Primitive("cumprod", lambda x, *, axis: np.cumprod(x, axis=axis[0]))
cumprod_p.def_vjp(_cumprod_vjp)
cumprod_p.def_jvp(_cumprod_jvp)
cumprod_p.def_batch(batch_axis_op(cumprod_p))
cumprod_p.def_sparsity(sparsity.cumulative(nonlinear=True))


def _scan_input(a: Any, axis: Any, dtype_: Any, name: Any) -> Any:
    if dtype_ is not None:
        a = cast(a, dtype_)
    if axis is None or len(shape_of(a)) == 0:  # NumPy scans a 0-d array as a 1-d one
        return ravel(a), (normalize_axis(0 if axis is None else axis, 1, name),)
    return a, (normalize_axis(axis, len(shape_of(a)), name),)


@implements(np.cumsum)
def cumsum(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
           out: NDArray[Any] | None = None) -> Array:
    """``cumsum(a, axis=None, dtype=None)``: cumulative sum (of the flattened array for
    ``axis=None``).

    >>> cumsum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=-1)
    array([[1., 3.],
           [3., 7.]])
    """
    _no_out("cumsum", out)
    a, axes = _scan_input(a, axis, dtype, "cumsum")
    return _in_dtype(bind(cumsum_p, a, axis=axes, reverse=False), dtype)


@implements(np.cumprod)
def cumprod(a: ArrayLike, axis: Axis = None, dtype: DTypeLike | None = None,
            out: NDArray[Any] | None = None) -> Array:
    """``cumprod(a, axis=None, dtype=None)``: cumulative product; its derivative is exact
    where the array holds zeros.

    >>> cumprod(np.array([2.0, 0.0, 3.0]))
    array([2., 0., 0.])
    """
    _no_out("cumprod", out)
    a, axes = _scan_input(a, axis, dtype, "cumprod")
    if _many_zeros(a):
        return _in_dtype(_cumprod_by_doubling(a, axes), dtype)
    return _in_dtype(bind(cumprod_p, a, axis=axes), dtype)


# -- non-differentiable: integer and boolean results computed on primal values --------------
def _arg_impl(fn: Any) -> Any:
    return lambda x, *, axis, keepdims: fn(x, axis=axis[0], keepdims=keepdims)


argmax_p = builders.nondifferentiable("argmax", _arg_impl(np.argmax), batch=batch_axis_op)
argmin_p = builders.nondifferentiable("argmin", _arg_impl(np.argmin), batch=batch_axis_op)
any_p = builders.nondifferentiable(
    "any", lambda x, *, axis, keepdims: np.any(x, axis=axis, keepdims=keepdims),
    batch=batch_axis_op)
all_p = builders.nondifferentiable(
    "all", lambda x, *, axis, keepdims: np.all(x, axis=axis, keepdims=keepdims),
    batch=batch_axis_op)


def _arg(prim: Any, name: Any, a: Any, axis: Any, out: Any, keepdims: Any) -> Any:
    _no_out(name, out)
    nd = len(shape_of(a))
    if axis is None:
        ans = bind(prim, ravel(a), axis=(0,), keepdims=False)
        return reshape(ans, (1,) * nd) if keepdims else ans
    return bind(prim, a, axis=(normalize_axis(axis, nd, name),), keepdims=bool(keepdims))


@implements(np.argmax)
def argmax(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None, *,
           keepdims: bool = False) -> Array:
    """``argmax(a, axis=None, keepdims=False)``: index of the (first) maximum; a plain
    integer array.

    >>> argmax(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=1)
    array([1, 0])
    """
    return _arg(argmax_p, "argmax", a, axis, out, keepdims)


@implements(np.argmin)
def argmin(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None, *,
           keepdims: bool = False) -> Array:
    """``argmin(a, axis=None, keepdims=False)``: index of the (first) minimum; a plain
    integer array.

    >>> argmin(np.array([[1.0, 5.0], [3.0, 2.0]]), axis=0)
    array([0, 1])
    """
    return _arg(argmin_p, "argmin", a, axis, out, keepdims)


def _logical(prim: Any, name: Any, a: Any, axis: Any, out: Any, keepdims: Any, where_: Any) -> Any:
    _no_out(name, out)
    if where_ is not None and where_ is not True:
        a = _where(where_, not_equal(a, 0), name == "all")  # outside where_: the identity
    return bind(prim, a, axis=reduce_axes(axis, len(shape_of(a)), name), keepdims=bool(keepdims))


@implements(np.any)
def any(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None,  # noqa: A001
        keepdims: bool = False, *, where: ArrayLike | None = None) -> Array:
    """``any(a, axis=None, keepdims=False, where=None)``: a plain boolean array.

    >>> any(np.array([[0.0, 1.0], [0.0, 0.0]]), axis=1)
    array([ True, False])
    """
    return _logical(any_p, "any", a, axis, out, keepdims, where)


@implements(np.all)
def all(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None,  # noqa: A001
        keepdims: bool = False, *, where: ArrayLike | None = None) -> Array:
    """``all(a, axis=None, keepdims=False, where=None)``: a plain boolean array.

    >>> all(np.array([[1.0, 1.0], [0.0, 1.0]]), axis=1)
    array([ True, False])
    """
    return _logical(all_p, "all", a, axis, out, keepdims, where)


@implements(np.count_nonzero)
def count_nonzero(a: ArrayLike, axis: Axis = None, *, keepdims: bool = False) -> Array | int:
    """``count_nonzero(a, axis=None, keepdims=False)``: a plain integer array.

    >>> count_nonzero(np.array([[0.0, 1.0], [2.0, 3.0]]), axis=0)
    array([1, 2])
    """
    return _sum(not_equal(a, 0), axis, keepdims=keepdims)
