"""Counting, binning and sets: bincount, digitize, histograms (differentiable in their
weights) and histogram_bin_edges (in the data's range), intersect1d/union1d/setxor1d/
setdiff1d (values from the first occurrence), in1d where NumPy still has it, windows."""
from __future__ import annotations

__all__ = ['bincount', 'digitize', 'histogram', 'histogram2d', 'histogramdd', 'intersect1d',
           'union1d', 'setxor1d', 'kaiser', 'bartlett', 'blackman', 'hamming', 'hanning',
           'histogram_bin_edges', 'setdiff1d']

import builtins
import operator
import typing
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import numpy as tnp  # the package namespace; read only at call time
from ..core import Primitive, Tracer, batch_by_loop, bind, builders
from ..typing import Array, ArrayLike, NDArray
from ._dispatch import (
    _concrete,
    _stand_in,
    dtype_of,
    implements,
    is_traced,
    ndim,
    numpy_on_plain,
    shape_of,
)
from ._logic import _check


# -- counting, binning, sets --------------------------------------------------------------
@implements(np.bincount)
@numpy_on_plain(np.bincount)
def bincount(x: ArrayLike, weights: ArrayLike | None = None, minlength: int = 0) -> Array:
    """``bincount(x, weights=None, minlength=0)``: counts of each integer in ``x``; with
    ``weights`` the weighted sums, linear (differentiable) in the weights.

    >>> bincount(np.array([0, 2, 2]), weights=np.array([1.0, 2.0, 3.0]))
    array([1., 0., 5.])
    """
    if dtype_of(x).kind not in "iub":
        raise TypeError(f"bincount: cannot cast array data from {dtype_of(x)} to int64 "
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
    if shape_of(weights) != x.shape:
        raise ValueError("The weights and list don't have the same length.")
    return tnp.astype(weights, np.float64) @ onehot


digitize_p = builders.nondifferentiable(
    "digitize", lambda x, bins, *, right: np.digitize(x, bins, right))
digitize_p.def_batch(lambda vals, bdims, **kw: (
    (bind(digitize_p, *vals, **kw), bdims[0]) if bdims[1] is None
    else batch_by_loop(digitize_p)(vals, bdims, **kw)))


@implements(np.digitize)
def digitize(x: ArrayLike, bins: ArrayLike, right: bool = False) -> Array:
    """``digitize(x, bins, right=False)``: bin indices (plain integers)."""
    return bind(digitize_p, x, bins, right=builtins.bool(right))


def _histogram_index_impl(*args: Any, ndim: Any) -> Any:
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
histogram_index_p.def_batch(batch_by_loop(histogram_index_p))


def _edges(col: Any, bins: Any, rng: Any, name: Any) -> Any:
    if isinstance(bins, str):
        raise NotImplementedError(f"{name}: string bin rules are not supported on traced "
                                  "values; pass the number of bins or the edges")
    if np.ndim(bins) == 1:
        return tnp.asarray(bins)
    nb = operator.index(bins)
    if nb < 1:
        raise ValueError("`bins` must be positive, when an integer")
    first: Any
    last: Any
    if rng is not None:
        first, last = float(rng[0]), float(rng[1])
        if first > last:
            raise ValueError("max must be larger than min in range parameter.")
        if first == last:
            first, last = first - 0.5, last + 0.5
    elif shape_of(col)[0] == 0:
        first, last = 0.0, 1.0
    else:
        first, last = tnp.min(col), tnp.max(col)
        same = tnp.equal(first, last)
        first, last = tnp.where(same, first - 0.5, first), tnp.where(same, last + 0.5, last)
    return tnp.linspace(first, last, nb + 1)


def _histogram(cols: Any, edges: Any, density: Any, weights: Any, float_counts: Any) -> Any:
    nbins = tuple(shape_of(e)[0] - 1 for e in edges)
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
        hist = w @ tnp.astype(onehot, dtype_of(w))
    hist = tnp.reshape(hist, nbins)
    if density:
        total = tnp.sum(hist)
        for k, e in enumerate(edges):
            width = tnp.astype(tnp.diff(e), np.result_type(dtype_of(e), float))
            hist = hist / tnp.reshape(width, tuple(-1 if j == k else 1
                                                   for j in range(len(edges))))
        hist = hist / total
    return hist


@implements(np.histogram)
@numpy_on_plain(np.histogram)
def histogram(a: ArrayLike, bins: int | str | ArrayLike = 10,
              range: tuple[float, float] | None = None,  # noqa: A002
              density: bool | None = None, weights: ArrayLike | None = None
              ) -> tuple[Array, Array]:
    """``histogram(a, bins=10, range=None, density=None, weights=None)``: ``(hist,
    bin_edges)``; counts carry no derivative, weighted counts are linear in ``weights``,
    densities and computed edges are differentiable.

    >>> histogram(np.array([0.0, 1.0, 1.0]), bins=2)[0]
    array([1, 2])
    """
    a = tnp.ravel(a)
    if weights is not None and shape_of(weights) != shape_of(a) and \
            int(np.prod(shape_of(weights))) != shape_of(a)[0]:
        raise ValueError("weights should have the same shape as a.")
    edges = _edges(a, bins, range, "histogram")
    return _histogram([a], [edges], density, weights, False), edges


@implements(np.histogramdd)
@numpy_on_plain(np.histogramdd)
def histogramdd(sample: ArrayLike | Sequence[ArrayLike],
                bins: int | ArrayLike | Sequence[int | ArrayLike] = 10,
                range: Sequence[tuple[float, float] | None] | None = None,  # noqa: A002
                density: bool | None = None, weights: ArrayLike | None = None
                ) -> tuple[Array, list[Array]]:
    """``histogramdd(sample, bins=10, range=None, density=None, weights=None)``: ``(hist,
    edges)`` of ``(N, D)`` samples (or a sequence of D arrays); as `histogram`.

    >>> histogramdd(np.array([[0.0, 0.0], [1.0, 1.0]]), bins=2)[0]
    array([[1., 0.],
           [0., 1.]])
    """
    cols: list[Any]
    if isinstance(sample, (list, tuple)):
        cols = [tnp.ravel(c) for c in sample]
    else:
        sample = tnp.asarray(typing.cast(ArrayLike, sample))  # not a list or tuple
        if ndim(sample) == 1:
            cols = [sample]
        else:
            cols = [sample[:, k] for k in builtins.range(shape_of(sample)[1])]
    d = len(cols)
    bins_in: Any = bins
    per_dim = [bins_in] * d if np.ndim(bins_in) == 0 else list(bins_in)
    if len(per_dim) != d:
        raise ValueError("The dimension of bins must be equal to the dimension of the sample x.")
    rng = [None] * d if range is None else list(range)
    edges = [_edges(c, b, r, "histogramdd") for c, b, r in zip(cols, per_dim, rng, strict=True)]
    return _histogram(cols, edges, density, weights, True), edges


@implements(np.histogram2d)
@numpy_on_plain(np.histogram2d)
def histogram2d(x: ArrayLike, y: ArrayLike, bins: int | ArrayLike | Sequence[int | ArrayLike] = 10,
                range: Sequence[tuple[float, float] | None] | None = None,  # noqa: A002
                density: bool | None = None, weights: ArrayLike | None = None
                ) -> tuple[Array, Array, Array]:
    """``histogram2d(x, y, bins=10, range=None, density=None, weights=None)``: ``(hist,
    xedges, yedges)``; as `histogramdd` of ``[x, y]``."""
    bins_in: Any = bins
    if np.ndim(bins_in) == 1 and len(bins_in) != 2 or np.ndim(bins_in) == 2:
        bins_in = [bins_in, bins_in]
    hist, edges = histogramdd([x, y], bins_in, range, density, weights)
    return hist, edges[0], edges[1]


def _intersect_impl(a1: Any, a2: Any, *, assume_unique: Any) -> Any:
    return list(np.intersect1d(a1, a2, assume_unique=assume_unique, return_indices=True)[1:])


def _ragged_batch(vals: Any, bdims: Any, **params: Any) -> Any:
    raise ValueError("set operations inside vmap: the number of values differs between "
                     "examples, so the batched result would be ragged")


intersect_p = Primitive("intersect1d_indices", _intersect_impl, differentiable=False,
                        multiple_results=True)
intersect_p.def_batch(_ragged_batch)


@implements(np.intersect1d)
@numpy_on_plain(np.intersect1d)
def intersect1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False,
                return_indices: bool = False) -> Array | tuple[Array, Array, Array]:
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
@numpy_on_plain(np.union1d)
def union1d(ar1: ArrayLike, ar2: ArrayLike) -> Array:
    """``union1d(ar1, ar2)``: the sorted unique values of both, from their first occurrence
    (in ``ar1`` before ``ar2``)."""
    return tnp.unique(tnp.concatenate([tnp.ravel(ar1), tnp.ravel(ar2)]))


@implements(np.setxor1d)
def setxor1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False) -> Array:
    """``setxor1d(ar1, ar2, assume_unique=False)``: sorted values in exactly one input."""
    if not assume_unique:
        ar1, ar2 = tnp.unique(ar1), tnp.unique(ar2)
    vals, counts = tnp.unique(tnp.concatenate([tnp.ravel(ar1), tnp.ravel(ar2)]),
                              return_counts=True)
    return tnp.take(vals, np.nonzero(_concrete(counts, "setxor1d") == 1)[0])


# -- windows ------------------------------------------------------------------------------
def _window(name: str) -> Callable[[int], NDArray[Any]]:
    fn_np = getattr(np, name)

    def fn(M: int) -> NDArray[Any]:
        return fn_np(_window_length(M, name))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{name}(M)``: NumPy's window of integer length ``M`` (a constant)."
    return implements(fn_np)(fn)


def _window_length(M: Any, name: str) -> int:
    if isinstance(M, Tracer):
        raise TypeError(f"{name}: the window length M must be a concrete integer, not a "
                        "traced value")
    return M


bartlett, blackman, hamming, hanning = (_window(n) for n in
                                        ("bartlett", "blackman", "hamming", "hanning"))


@implements(np.kaiser)
@numpy_on_plain(np.kaiser)
def kaiser(M: int, beta: ArrayLike) -> Array:
    """``kaiser(M, beta)``: the Kaiser window, differentiable in ``beta``.

    >>> kaiser(3, 0.0)
    array([1., 1., 1.])
    """
    M = _window_length(M, "kaiser")
    if M < 1:
        return np.array([], np.result_type(0.0, M, dtype_of(beta)))
    if M == 1:
        return np.ones(1, np.result_type(0.0, M, dtype_of(beta)))
    n = np.arange(0, M)
    alpha = (M - 1) / 2.0
    return tnp.i0(beta * np.sqrt(1 - ((n - alpha) / alpha) ** 2.0)) / tnp.i0(beta)


# -- histogram_bin_edges -------------------------------------------------------------------
def _bin_count_impl(a: Any, *rng: Any, bins: Any) -> Any:
    return np.intp(len(np.histogram_bin_edges(a, bins, rng or None)) - 1)


def _bin_count_batch(vals: Any, bdims: Any, **params: Any) -> Any:
    out, _ = batch_by_loop(bin_count_p)(vals, bdims, **params)
    if isinstance(out, Tracer) or not (out == np.ravel(out)[0]).all():
        raise ValueError("histogram_bin_edges inside vmap: the bin rule gives a different "
                         "number of bins in each example, so the batched result would be "
                         "ragged; pass the number of bins")
    return np.ravel(out)[0], None


bin_count_p = builders.nondifferentiable("histogram_bin_count", _bin_count_impl)
bin_count_p.def_batch(_bin_count_batch)


def _decreasing(b: Any) -> Any:
    return np.any(b[..., :-1] > b[..., 1:])


def _not_finite_range(lo: Any, hi: Any) -> Any:
    return not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)))


@implements(np.histogram_bin_edges)
def histogram_bin_edges(a: ArrayLike, bins: int | str | ArrayLike = 10,
                        range: tuple[float, float] | None = None,  # noqa: A002
                        weights: ArrayLike | None = None) -> Array:
    """``histogram_bin_edges(a, bins=10, range=None, weights=None)``: the edges
    `histogram` uses.  Computed edges are differentiable in ``a`` (through its minimum and
    maximum) or in a traced ``range``; edges given as ``bins`` pass through.  A string
    ``bins`` rule chooses the number of bins on the values (a constant).

    >>> histogram_bin_edges(np.array([0.0, 1.0, 3.0]), bins=3)
    array([0., 1., 2., 3.])
    """
    rng = () if range is None else tuple(range)
    if not is_traced(a, bins, *rng):
        return np.histogram_bin_edges(a, bins, range, _stand_in(weights))
    a = tnp.ravel(tnp.asarray(a))
    if weights is not None and shape_of(weights) != shape_of(a):
        raise ValueError("weights should have the same shape as a.")
    if isinstance(bins, str):
        if weights is not None:
            raise TypeError("Automated estimation of the number of bins is not supported "
                            "for weighted data")
    elif ndim(bins) == 1:
        _check(_decreasing, lambda *_: "`bins` must increase monotonically, when an array",
               bins)
        return tnp.asarray(bins)
    elif ndim(bins) > 1:
        raise ValueError("`bins` must be 1d, when an array")
    first: Any
    last: Any
    if rng:
        first, last = rng
        _check(lambda lo, hi: np.any(lo > hi),
               lambda *_: "max must be larger than min in range parameter.", first, last)
        _check(_not_finite_range, lambda lo, hi: f"supplied range of [{lo}, {hi}] is not "
               "finite", first, last)
    elif shape_of(a)[0] == 0:
        first, last = 0, 1
    else:
        first, last = tnp.amin(a), tnp.amax(a)
        _check(_not_finite_range, lambda lo, hi: f"autodetected range of [{lo}, {hi}] is "
               "not finite", first, last)
    if isinstance(bins, str):
        count = bind(bin_count_p, a, *rng, bins=bins)
    else:
        try:
            count = operator.index(bins)  # type: ignore[arg-type]  # or raises below
        except TypeError:
            raise TypeError("`bins` must be an integer, a string, or an array") from None
        if count < 1:
            raise ValueError("`bins` must be positive, when an integer")
    same = tnp.equal(first, last)
    first, last = tnp.where(same, first - 0.5, first), tnp.where(same, last + 0.5, last)
    bin_type = np.result_type(*[dtype_of(v) if isinstance(v, Tracer) else v  # type: ignore[arg-type]
                                for v in (*rng, dtype_of(a))])
    if np.issubdtype(bin_type, np.integer):
        bin_type = np.result_type(bin_type, float)
    return tnp.linspace(first, last, int(count) + 1, endpoint=True, dtype=bin_type)


# -- setdiff1d, and in1d where NumPy still has it (deprecated there) ------------------------
@implements(np.setdiff1d)
def setdiff1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False) -> Array:
    """``setdiff1d(ar1, ar2, assume_unique=False)``: the sorted unique values of ``ar1``
    not in ``ar2`` (``ar1`` raveled, in its order, with ``assume_unique``), gathered from
    their first occurrence in ``ar1``.  Not available inside vmap (the length varies).

    >>> setdiff1d(np.array([3.0, 1.0, 2.0, 1.0]), np.array([2.0]))
    array([1., 3.])
    """
    a1 = tnp.ravel(tnp.asarray(ar1)) if assume_unique else tnp.unique(ar1)
    keep = _concrete(tnp.isin(a1, ar2, invert=True), "setdiff1d")
    return tnp.take(a1, np.flatnonzero(keep))


if hasattr(np, "in1d"):
    @implements(np.in1d)
    def in1d(ar1: ArrayLike, ar2: ArrayLike, assume_unique: bool = False, invert: bool = False,
             *, kind: str | None = None) -> Array:
        """``in1d(ar1, ar2)``: `isin` of the raveled ``ar1`` (deprecated by NumPy)."""
        return tnp.isin(tnp.ravel(tnp.asarray(ar1)), ar2, assume_unique, invert, kind=kind)

    __all__.append("in1d")
