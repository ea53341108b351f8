"""Order statistics: median, quantile, percentile and their NaN-ignoring forms, for every
method of NumPy's ``quantile`` and its ``weights=`` (with ``method="inverted_cdf"``).

Each slice is sorted (`sort`, whose derivative follows the stable sorting permutation and
averages over runs of tied values), the method picks one or two order statistics at a
virtual index and interpolates; so the cotangent goes to the selected order statistic(s),
with the interpolation weights, and k tied values share it equally.  Indices, weights and
the virtual index are piecewise constant: ``weights`` get a zero derivative.
"""
from __future__ import annotations

__all__ = ['median', 'percentile', 'quantile', 'nanmedian', 'nanpercentile', 'nanquantile']

from typing import Any

import numpy as np

from ..core import Tracer
from ..typing import Array, ArrayLike, Axis, NDArray
from ._creation import asarray, cast
from ._dispatch import (
    dtype_of,
    implements,
    normalize_axes,
    normalize_axis,
    numpy_on_plain,
    shape_of,
)
from ._elementwise import (
    ceil,
    clip,
    equal,
    floor,
    isnan,
    less,
    logical_and,
    logical_not,
    logical_or,
    maximum,
    minimum,
    remainder,
    rint,
)
from ._elementwise import where as _where
from ._indexing import getitem
from ._reductions import any as _any
from ._reductions import cumsum
from ._reductions import sum as _sum
from ._shape import broadcast_to, moveaxis, reshape, transpose
from ._sorting import _no_out, _scalar, argsort, sort, take_along_axis

# continuous methods: (alpha, beta) of Hyndman & Fan's virtual index n q + alpha + q (1 -
# alpha - beta) - 1, interpolated between its neighbours
_CONTINUOUS = {"linear": (1.0, 1.0), "weibull": (0.0, 0.0), "hazen": (0.5, 0.5),
               "interpolated_inverted_cdf": (0.0, 1.0), "median_unbiased": (1 / 3, 1 / 3),
               "normal_unbiased": (3 / 8, 3 / 8)}
# methods that select one order statistic (the result keeps the array's dtype)
_ROUNDED = {"lower": floor, "higher": ceil, "nearest": rint}
_SELECTING = ("inverted_cdf", "closest_observation", *_ROUNDED)
# methods whose virtual index is an integer for an integer q (NumPy keeps integer dtypes)
_INTEGRAL_AT_INTEGER_Q = ("weibull", "interpolated_inverted_cdf", "averaged_inverted_cdf")
_METHODS = ("inverted_cdf", "averaged_inverted_cdf", "closest_observation", *_CONTINUOUS,
            "lower", "higher", "midpoint", "nearest")


def _gather_last(s: Any, idx: Any) -> Any:
    """``out[..., r] = s[r, idx[..., r]]`` for ``s`` of shape ``rest + (n,)`` and ``idx`` of
    shape ``qshape + rest``."""
    rest = shape_of(s)[:-1]
    key = tuple(np.arange(r).reshape((r,) + (1,) * (len(rest) - 1 - d))
                for d, r in enumerate(rest))
    return getitem(s, key + (idx,))


def _lerp(a: Any, b: Any, t: Any, rdt: Any) -> Any:
    # NumPy's _lerp: a + (b - a) t, computed from b's side where t >= 0.5 (t and 1 - t
    # rounded to the result's dtype after they are formed, as a Python float q is)
    d = b - a
    return _where(t >= 0.5, b - d * cast(1 - t, rdt), a + d * cast(t, rdt))


def _index(i: Any, top: Any) -> Any:
    return cast(clip(i, 0, maximum(top, 0)), np.intp)


def _quantile_sorted(s: Any, q: Any, count: Any, method: Any, rdt: Any) -> Any:
    """Quantiles ``q`` of each slice of ``s`` (sorted along its last axis, NaNs last) whose
    first ``count`` entries are valid; the result has shape ``q.shape + s.shape[:-1]``."""
    rest = shape_of(s)[:-1]
    qb = reshape(q, shape_of(q) + (1,) * len(rest))
    if not isinstance(count, int) and dtype_of(q).kind == "f":
        count = cast(count, dtype_of(q))  # virtual indices in q's precision, as NumPy's
    top = count - 1
    if method in _ROUNDED:
        return _gather_last(s, _index(_ROUNDED[method](qb * top), top))
    if method in ("inverted_cdf", "closest_observation"):
        # the order statistic just above the virtual index, or at it when it is an integer
        # (closest_observation: only an odd one, H&F's "nearest even order statistic")
        v = count * qb - 1 - (0.5 if method == "closest_observation" else 0.0)
        prev = floor(v)
        at = equal(v, prev)
        if method == "closest_observation":
            at = logical_and(at, equal(remainder(prev, 2), 1))
        return _gather_last(s, _index(_where(at, prev, prev + 1), top))
    if method == "midpoint":
        v = 0.5 * (floor(qb * top) + ceil(qb * top))
    elif method == "averaged_inverted_cdf":
        v = count * qb - 1
    elif method in _CONTINUOUS:
        alpha, beta = _CONTINUOUS[method]
        v = qb * top if method == "linear" else (
            count * qb + (alpha + qb * (1 - alpha - beta)) - 1)
    else:
        raise ValueError(f"{method!r} is not a valid method. Use one of: {list(_METHODS)}")
    frac = v - floor(v)
    if method == "midpoint":
        gamma = _where(equal(frac, 0), 0.0, 0.5)
    elif method == "averaged_inverted_cdf":
        gamma = _where(equal(frac, 0), 0.5, 1.0)
    else:
        gamma = clip(frac, 0, 1)
    # below 0 or at/above the top, both neighbours are the end value
    lo = _gather_last(s, _index(floor(v), top))
    hi = _gather_last(s, _index(floor(v) + 1, top))
    return _lerp(lo, hi, gamma, rdt)


def _slices(a: Any, axes: Any) -> Any:
    """``a`` with the axes ``axes`` merged into one trailing axis."""
    nd = len(shape_of(a))
    kept = [d for d in range(nd) if d not in axes]
    x = moveaxis(a, axes, tuple(range(len(kept), nd))) if axes else a
    n = int(np.prod([shape_of(a)[d] for d in axes]))
    return reshape(x, tuple(shape_of(a)[d] for d in kept) + (n,))


def _concrete_true(x: Any) -> Any:
    """Whether ``x`` is known to be true now (False under vmap, where it is per example)."""
    return not isinstance(x, Tracer) and bool(x)


def _weights(weights: Any, a: Any, axis: Any, name: Any) -> Any:
    """NumPy's checks of ``weights``, and ``weights`` broadcast to ``a``'s shape."""
    w = asarray(weights)
    if shape_of(w) != shape_of(a):
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        user = tuple(normalize_axis(ax, len(shape_of(a)), name)
                     for ax in (axis if isinstance(axis, (tuple, list)) else (axis,)))
        if shape_of(w) != tuple(shape_of(a)[ax] for ax in user):
            raise ValueError("Shape of weights must be consistent with shape of a along "
                             "specified axis.")
        w = transpose(w, tuple(np.argsort(user)))
        w = reshape(w, tuple(s if d in user else 1 for d, s in enumerate(shape_of(a))))
    if _concrete_true(_any(less(w, 0))):
        raise ValueError("Weights must be non-negative.")
    return broadcast_to(w, shape_of(a))


def _weighted(x: Any, s: Any, w: Any, q: Any, count: Any, ignore_nan: Any) -> Any:
    """``method="inverted_cdf"`` with weights: the first sorted value whose cumulative weight
    reaches ``q`` of the total (NumPy's searchsorted on the normalized cdf)."""
    ws = take_along_axis(w, argsort(x, axis=-1, kind="stable"), -1)
    bad = _any(less(ws, 0), axis=-1)  # NumPy raises; under vmap the example gives NaN
    if ignore_nan:
        ws = _where(isnan(s), 0.0, ws)  # NaN entries are absent
    c = cumsum(cast(ws, np.float64), axis=-1)
    cdf = c / getitem(c, (Ellipsis, slice(-1, None)))
    invalid = isnan(getitem(cdf, (Ellipsis, -1)))  # weights NaN, inf or all zero
    if ignore_nan:
        invalid = logical_and(invalid, count > 0)  # an all-NaN slice is NaN, not an error
    if _concrete_true(_any(invalid)):
        raise ValueError("Weights included NaN, inf or were all zero.")
    if dtype_of(q).kind == "f":
        cdf = cast(cdf, dtype_of(q))
    # leading zero weights: a zero cdf must not stop the search at q == 0
    cdf = _where(equal(cdf, 0), -1.0, cdf)
    qb = reshape(q, shape_of(q) + (1,) * len(shape_of(s)))
    idx = _sum(less(cdf, qb), axis=-1)  # searchsorted(cdf, q, "left") on a sorted cdf
    idx = minimum(idx, maximum(count - 1, 0))
    return _where(logical_or(bad, invalid), np.nan, _gather_last(s, idx))


def _quantile(a: Any, q: Any, axis: Any, method: Any, keepdims: Any, ignore_nan: Any, name: Any,
              weights: Any = None, percent: bool = False) -> Any:
    a = asarray(a)
    if dtype_of(a).kind == "c":
        raise TypeError("a must be an array of real numbers")
    weak = type(q) in (int, float)  # NumPy promotes a Python q weakly
    if isinstance(q, Tracer):
        q = q / 100 if percent else q
        rdt = np.result_type(dtype_of(a), dtype_of(q))
    else:
        q = np.true_divide(q, 100) if percent else np.asarray(q)
        rdt = np.result_type(dtype_of(a), 0.0 if weak else q)
        if not (np.all(q >= 0) and np.all(q <= 1)):
            raise ValueError("Percentiles must be in the range [0, 100]" if percent else
                             "Quantiles must be in the range [0, 1]")
    if len(shape_of(q)) > 2:
        raise ValueError("q must be a scalar or 1d")
    if weights is not None:
        if method != "inverted_cdf":
            raise ValueError(f"Only method 'inverted_cdf' supports weights. Got: {method}.")
        weights = _weights(weights, a, axis, name)
    elif method not in _METHODS:
        raise ValueError(f"{method!r} is not a valid method. Use one of: {list(_METHODS)}")
    integral_q = dtype_of(q).kind in "iub"  # then some virtual indices stay integers
    if method in _SELECTING or (method == "linear" and integral_q):
        rdt = dtype_of(a)  # a selection keeps the array's dtype
    elif method in _INTEGRAL_AT_INTEGER_Q and integral_q and not weak:
        rdt = np.result_type(dtype_of(a), dtype_of(q))  # interpolated with an integer gamma
    else:
        rdt = rdt if rdt.kind in "fc" else np.result_type(rdt, np.float64)
    if dtype_of(a).kind != "f" and rdt.kind == "f":
        a = cast(a, rdt)  # a float array is interpolated in its own dtype, as NumPy's
    axes = normalize_axes(axis, len(shape_of(a)), name)
    x = _slices(a, axes)
    n = shape_of(x)[-1]
    if n == 0:
        raise IndexError(f"{name}: cannot take a quantile over an empty axis")
    s = sort(x, axis=-1)
    nan_aware = dtype_of(a).kind == "f"
    count = _sum(logical_not(isnan(x)), axis=-1) if ignore_nan and nan_aware else n
    if weights is not None:
        out = _weighted(x, s, _slices(weights, axes), q, count, ignore_nan and nan_aware)
    else:
        out = _quantile_sorted(s, q, count, method, rdt)
    if nan_aware:
        empty = equal(count, 0) if ignore_nan else isnan(getitem(s, (Ellipsis, -1)))
        out = _where(empty, np.nan, out)
    out = cast(out, rdt)
    if keepdims:
        out = reshape(out, shape_of(q) + tuple(1 if d in axes else k
                                            for d, k in enumerate(shape_of(a))))
    return _scalar(out)


def _median(a: Any, axis: Any, keepdims: Any, ignore_nan: Any, name: Any) -> Any:
    """The mean of the middle order statistic(s), ``(lo + hi) / 2`` as NumPy computes it
    (``lo`` and ``hi`` are one entry for an odd count)."""
    a = asarray(a)
    adt = dtype_of(a)  # complex values are ordered lexicographically, as NumPy's sort
    rdt = adt if adt.kind in "fc" else np.dtype(np.float64)
    axes = normalize_axes(axis, len(shape_of(a)), name)
    x = _slices(a, axes)
    n = shape_of(x)[-1]
    if n == 0:
        raise IndexError(f"{name}: cannot take a median over an empty axis")
    s = sort(x, axis=-1)
    nan_aware = adt.kind in "fc"
    count = _sum(logical_not(isnan(x)), axis=-1) if ignore_nan and nan_aware else n

    def pick(k: Any) -> Any:  # the k-th order statistic of each slice (k per slice for NaN counts)
        if isinstance(k, int):
            return getitem(s, (Ellipsis, k))
        return _gather_last(s, cast(maximum(k, 0), np.intp))

    lo, hi = pick((count - 1) // 2), pick(count // 2)
    acc = np.float32 if adt == np.float16 else rdt  # NumPy's mean sums float16 in float32
    out = cast((cast(lo, acc) + cast(hi, acc)) / 2, rdt)
    if nan_aware:
        out = _where(equal(count, 0) if ignore_nan else isnan(getitem(s, (Ellipsis, -1))),
                     np.nan, out)
    if keepdims:
        out = reshape(out, tuple(1 if d in axes else k for d, k in enumerate(shape_of(a))))
    return _scalar(out)


def _method(method: Any, interpolation: Any) -> Any:
    return method if interpolation is None else interpolation


@implements(np.quantile)
@numpy_on_plain(np.quantile)
def quantile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None,
             overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
             weights: ArrayLike | None = None, interpolation: str | None = None) -> Array:
    """``quantile(a, q, axis=None, method="linear", keepdims=False, weights=None)``:
    NumPy's quantile with all its methods (inverted_cdf, averaged_inverted_cdf,
    closest_observation, interpolated_inverted_cdf, hazen, weibull, linear, median_unbiased,
    normal_unbiased, lower, higher, midpoint, nearest); ``weights`` only with
    ``method="inverted_cdf"``, as NumPy.  ``q`` may be traced.

    The cotangent goes to the selected order statistic(s) with the interpolation weights;
    tied values share it equally.  A slice holding NaN gives NaN and a zero derivative.
    Where NumPy raises for bad weights, an example inside vmap gives NaN.

    >>> quantile(np.array([1.0, 2.0, 4.0, 8.0]), 0.5)
    np.float64(3.0)
    >>> quantile(np.array([1.0, 2.0, 4.0]), 0.5, method="inverted_cdf",
    ...          weights=np.array([1.0, 0.0, 3.0]))
    array(4.)
    """
    _no_out("quantile", out)
    return _quantile(a, q, axis, _method(method, interpolation), keepdims, False, "quantile",
                     weights)


@implements(np.percentile)
@numpy_on_plain(np.percentile)
def percentile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None,
               overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
               weights: ArrayLike | None = None, interpolation: str | None = None) -> Array:
    """``percentile(a, q, ...)``: `quantile` at ``q / 100``.

    >>> percentile(np.array([1.0, 2.0, 3.0]), 50)
    np.float64(2.0)
    """
    _no_out("percentile", out)
    return _quantile(a, q, axis, _method(method, interpolation), keepdims, False,
                     "percentile", weights, percent=True)


@implements(np.median)
@numpy_on_plain(np.median)
def median(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None,
           overwrite_input: bool = False, keepdims: bool = False) -> Array:
    """``median(a, axis=None, keepdims=False)``: `quantile` at 0.5; for an even count the
    cotangent is split 1/2 : 1/2 between the two middle order statistics (tied values share
    equally).

    >>> median(np.array([3.0, 1.0, 2.0, 10.0]))
    np.float64(2.5)
    """
    _no_out("median", out)
    return _median(a, axis, keepdims, False, "median")


@implements(np.nanquantile)
@numpy_on_plain(np.nanquantile)
def nanquantile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None,
                overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
                weights: ArrayLike | None = None, interpolation: str | None = None) -> Array:
    """``nanquantile``: `quantile` ignoring NaNs (NaN entries get a zero derivative; an
    all-NaN slice gives NaN).

    >>> nanquantile(np.array([1.0, np.nan, 3.0]), 0.5)
    np.float64(2.0)
    """
    _no_out("nanquantile", out)
    return _quantile(a, q, axis, _method(method, interpolation), keepdims, True, "nanquantile",
                     weights)


@implements(np.nanpercentile)
@numpy_on_plain(np.nanpercentile)
def nanpercentile(a: ArrayLike, q: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None,
                  overwrite_input: bool = False, method: str = "linear", keepdims: bool = False, *,
                  weights: ArrayLike | None = None, interpolation: str | None = None) -> Array:
    """``nanpercentile``: `nanquantile` at ``q / 100``.

    >>> nanpercentile(np.array([1.0, np.nan, 3.0]), 100)
    np.float64(3.0)
    """
    _no_out("nanpercentile", out)
    return _quantile(a, q, axis, _method(method, interpolation), keepdims, True,
                     "nanpercentile", weights, percent=True)


@implements(np.nanmedian)
@numpy_on_plain(np.nanmedian)
def nanmedian(a: ArrayLike, axis: Axis = None, out: NDArray[Any] | None = None,
              overwrite_input: bool = False, keepdims: bool = False) -> Array:
    """``nanmedian``: `median` ignoring NaNs (zero derivative at NaN entries).

    >>> nanmedian(np.array([1.0, np.nan, 3.0, 4.0]))
    np.float64(3.0)
    """
    _no_out("nanmedian", out)
    return _median(a, axis, keepdims, True, "nanmedian")
