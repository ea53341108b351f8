"""The rest of NumPy's main namespace that computes with arrays: piecewise, geomspace and
logspace with traced endpoints, setdiff1d, putmask/place (in-place writes into traced
arrays), histogram_bin_edges, conversions that pass traced values through
(ascontiguousarray, asfortranarray, asarray_chkfinite, require), index helpers that read
only a traced array's shape (tril_indices_from, ...), and NumPy's other spellings of
ufuncs (bitwise_not, left_shift, right_shift).

NumPy's remaining names (dtypes, errstate, printing, I/O, ...) are re-exported as they are
by the package's ``__init__``.
"""
from __future__ import annotations

__all__ = ['piecewise', 'geomspace', 'logspace', 'setdiff1d', 'putmask', 'place',
           'histogram_bin_edges', 'ascontiguousarray', 'asfortranarray', 'asarray_chkfinite',
           'require', 'diag_indices_from', 'tril_indices_from', 'triu_indices_from',
           'einsum_path', 'common_type', 'bitwise_not', 'left_shift', 'right_shift']

import operator

import numpy as np

from ..core import Tracer, batch_by_loop, bind, builders, move_bdim, stop_gradient
from ._array_api import bitwise_left_shift, bitwise_right_shift, isin
from ._creation import asarray, cast, copy, zeros_like
from ._dispatch import dtype as dtype_of
from ._dispatch import implements, is_traced, ndim, shape
from ._elementwise import (
    absolute,
    equal,
    invert,
    log10,
    logical_not,
    logical_or,
    not_equal,
    power,
    sign,
    where,
)
from ._extras import _concrete
from ._indexing import getitem, take
from ._interpolation import linspace
from ._reductions import amax, amin, argmax, cumsum
from ._shape import broadcast_to, expand_dims, moveaxis, ravel, reshape
from ._sorting import unique
from ._updates import _require_traced_target, at

# NumPy's other names of ufuncs tangents already handles
bitwise_not = invert
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift


# -- checks on values that may be traced ---------------------------------------------------
def _check_impl(*xs, test, message):
    if test(*xs):
        raise ValueError(message(*xs))
    return np.False_


def _check_batch(vals, bdims, **params):
    # a batched value fails the check when any of its examples does
    vals = [v if b is None else move_bdim(v, b, 0) for v, b in zip(vals, bdims)]
    return bind(check_p, *vals, **params), None


check_p = builders.nondifferentiable("namespace_check", _check_impl)
check_p.def_batch(_check_batch)


def _check(test, message, *xs):
    """Raise ``ValueError(message(*xs))`` when ``test(*xs)`` holds on the (primal) values;
    under vmap, when it holds for any example."""
    bind(check_p, *xs, test=test, message=message)


def _array_like(c):
    """Whether NumPy's piecewise reads ``c`` as an array (a traced 0-d value is a scalar)."""
    return isinstance(c, (list, np.ndarray)) or (isinstance(c, Tracer) and ndim(c) > 0)


def _bool(c):
    """A condition as a boolean array, nonzero meaning True (as ``asarray(c, bool)``)."""
    if isinstance(c, Tracer):
        return c if dtype_of(c) == np.bool_ else not_equal(c, 0)
    return np.asarray(c, dtype=bool)


# -- piecewise -----------------------------------------------------------------------------
@implements(np.piecewise)
def piecewise(x, condlist, funclist, *args, **kw):
    """``piecewise(x, condlist, funclist, *args, **kw)``: NumPy's piecewise, differentiable
    in ``x`` and in any traced value the functions (or scalar entries of ``funclist``) use.

    Each function is called on ``x[cond]`` (a 1-d array of the selected entries, skipped
    when there are none) and later conditions overwrite earlier ones, as in NumPy.  Entries
    no condition selects are 0.  Under vmap, a condition that varies per example selects a
    different number of entries in each: the function is then called once on all of ``x``'s
    entries (flattened), with each entry the condition does not select replaced by the
    first one it does select, and its results are kept where the condition holds.  That is
    NumPy's result for functions that act entry by entry; a function returning one value
    for all the entries (a reduction) raises there.

    >>> piecewise(np.array([-1.0, 2.0]), [np.array([True, False])], [lambda v: -v, np.sqrt])
    array([1.        , 1.41421356])
    """
    x = asarray(x)
    n2 = len(funclist)
    # as NumPy: a condlist whose first entry is not an array is one condition
    if np.isscalar(condlist) or (not _array_like(condlist[0]) and ndim(x) != 0):
        condlist = [condlist]
    conds = [_bool(c) for c in condlist]
    shapes = {shape(c) for c in conds}
    if len(shapes) > 1:
        raise ValueError(f"piecewise: the conditions have different shapes {sorted(shapes)}; "
                         "NumPy stacks them into one boolean array")
    n = len(conds)
    if n == n2 - 1:  # the "otherwise" condition: none of the others
        other = conds[0]
        for c in conds[1:]:
            other = logical_or(other, c)
        conds.append(logical_not(other))
    elif n != n2:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    y = zeros_like(x)
    for cond, func in zip(conds, funclist):
        if isinstance(cond, Tracer):
            y = _piecewise_varying(x, y, cond, func, args, kw)
        elif not callable(func):
            y = _write(y, cond, func)
        else:
            vals = getitem(x, cond)
            if int(np.prod(shape(vals))) > 0:
                y = _write(y, cond, func(vals, *args, **kw))
    return y


def _write(y, cond, v):
    """``y[cond] = v``; a plain ``y`` receiving a traced ``v`` becomes a new traced array."""
    if isinstance(v, Tracer) and not isinstance(y, Tracer):
        return at(y)[cond].set(v)
    y[cond] = v
    return y


def _piecewise_varying(x, y, cond, func, args, kw):
    """One piece under vmap with a condition that varies per example (see `piecewise`)."""
    if not callable(func):
        return at(y)[cond].set(func)
    if shape(cond) != shape(x):
        raise NotImplementedError(
            f"piecewise inside vmap: a condition that varies per example must have x's shape "
            f"{shape(x)}, got {shape(cond)}; broadcast it to x.shape")
    xf, cf = ravel(x), ravel(cond)
    if shape(xf)[0] == 0:
        return y
    # entries the condition does not select see its first selected value, so the function
    # is only evaluated where it is meant to be (the results there are discarded)
    fill = stop_gradient(take(xf, argmax(cf)))
    out = func(where(cf, xf, fill), *args, **kw)
    if ndim(out) != 0:
        _check_entrywise(func, xf, cf, fill, out, args, kw)
    if ndim(out) == 0:
        if isinstance(out, Tracer):
            raise NotImplementedError(
                "piecewise inside vmap: the condition selects a different number of entries "
                "in each example, so each function is called on all of x's entries at once; "
                f"{getattr(func, '__name__', func)!r} returned one value for all of them, "
                "which NumPy computes from the selected entries only. Return one value per "
                "entry (np.full_like(v, value) when it does not depend on them).")
    elif shape(out) != shape(xf):
        raise ValueError(f"piecewise: the function returned shape {shape(out)} for "
                         f"{shape(xf)[0]} entries")
    else:
        out = reshape(out, shape(x))
    if not isinstance(out, Tracer):
        out = np.asarray(out, dtype_of(y))
    return where(cond, cast(out, dtype_of(y)), y)


def _check_entrywise(func, xf, cf, fill, out, args, kw):
    """Raise when ``func``'s results at the selected entries change with what the
    unselected entries hold: the function mixes entries, so calling it on all of them is
    not NumPy's call on ``x[cond]`` and the result would be silently wrong."""
    with np.errstate(all="ignore"):  # the other filling may leave the function's domain
        other = func(where(cf, xf, fill * 2.0 + 1.0), *args, **kw)
    other = reshape(other, shape(out)) if ndim(other) else other
    _check(_mixes_entries, _mixing_message(func), ravel(out), ravel(other), cf)


def _mixes_entries(out, other, cond):
    same = (out == other) | (np.isnan(out) & np.isnan(other))
    return bool(np.any(cond & ~same))


def _mixing_message(func):
    name = getattr(func, "__name__", func)
    return lambda *_: (
        f"piecewise inside vmap: the condition selects a different number of entries in each "
        f"example, so {name!r} is called on all of x's entries at once, and its results at the "
        "selected entries depend on the others (it mixes entries, e.g. v - v.mean()); NumPy "
        "calls it on x[cond] alone. Apply it outside vmap, or write the piece with np.where.")


# -- geomspace, logspace -------------------------------------------------------------------
def _broadcast_pair(start, stop):
    """The endpoints broadcast against each other (linspace wants them alike)."""
    common = np.broadcast_shapes(shape(start), shape(stop))
    return broadcast_to(start, common), broadcast_to(stop, common)


def _ndmin(a, nd):
    s = shape(a)
    if len(s) >= nd:
        return a
    return reshape(a, (1,) * (nd - len(s)) + s) if isinstance(a, Tracer) \
        else np.array(a, ndmin=nd)


@implements(np.logspace)
def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """``logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0)``:
    ``base ** linspace(start, stop)``, differentiable in ``start``, ``stop`` and ``base``.

    >>> logspace(0.0, 2.0, 3)
    array([  1.,  10., 100.])
    """
    if not is_traced(start, stop, base):
        return np.logspace(start, stop, num, endpoint, base, dtype, axis)
    start, stop, base = (asarray(v) if type(v) in (list, tuple) else v
                         for v in (start, stop, base))
    if not isinstance(base, (float, int)) and ndim(base):
        # a non-scalar base broadcasts with the endpoints and gets the sample axis
        nd = len(np.broadcast_shapes(shape(start), shape(stop), shape(base)))
        start, stop, base = (_ndmin(a, nd) for a in (start, stop, base))
        base = expand_dims(base, axis)
    start, stop = _broadcast_pair(start, stop)
    out = power(base, linspace(start, stop, num=num, endpoint=endpoint, axis=axis))
    return out if dtype is None else cast(out, dtype)


def _contains_zero(start, stop):
    return np.any(start == 0) or np.any(stop == 0)


@implements(np.geomspace)
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0)``: a geometric
    sequence, differentiable in ``start`` and ``stop`` (negative and complex ones too, as
    NumPy: the sequence is computed for ``start`` rotated onto the positive reals).

    >>> geomspace(1.0, 100.0, 3)
    array([  1.,  10., 100.])
    """
    if not is_traced(start, stop):
        return np.geomspace(start, stop, num, endpoint, dtype, axis)
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
        result = at(result)[0].set(start)
        if num > 1 and endpoint:
            result = at(result)[-1].set(stop)
    result = result * rot
    if axis != 0:
        result = moveaxis(result, 0, axis)
    return cast(result, dt if dtype is None else np.dtype(dtype))


# -- sets ----------------------------------------------------------------------------------
@implements(np.setdiff1d)
def setdiff1d(ar1, ar2, assume_unique=False):
    """``setdiff1d(ar1, ar2, assume_unique=False)``: the sorted unique values of ``ar1``
    not in ``ar2`` (``ar1`` raveled, in its order, with ``assume_unique``), gathered from
    their first occurrence in ``ar1``.  Not available inside vmap (the length varies).

    >>> setdiff1d(np.array([3.0, 1.0, 2.0, 1.0]), np.array([2.0]))
    array([1., 3.])
    """
    a1 = ravel(asarray(ar1)) if assume_unique else unique(ar1)
    keep = _concrete(isin(a1, ar2, invert=True), "setdiff1d")
    return take(a1, np.flatnonzero(keep))


# -- in-place writes into traced arrays ----------------------------------------------------
def _flat_mask(a, mask, op):
    if int(np.prod(shape(mask))) != int(np.prod(shape(a))):
        raise ValueError(f"{op}: mask and data must be the same size")
    return reshape(_bool(mask), shape(a))


@implements(np.putmask)
def putmask(a, mask, values):
    """``putmask(a, mask, values)``: in place, ``a.flat[n] = values.flat[n % values.size]``
    where ``mask.flat[n]``; ``a`` must be traced when ``values`` is.

    >>> a = np.zeros(3); putmask(a, a == 0, np.array([1.0, 2.0])); a
    array([1., 2., 1.])
    """
    if not is_traced(a, mask, values):
        return np.putmask(a, mask, values)
    _require_traced_target(a, "np.putmask")
    m = _flat_mask(a, mask, "putmask")
    n, k = int(np.prod(shape(a))), int(np.prod(shape(values)))
    if k == 0:
        return None
    vals = take(ravel(values), np.arange(n) % k)
    a[...] = where(m, reshape(cast(vals, dtype_of(a)), shape(a)), a)
    return None


def _empty_with_selection(mask):
    return np.any(mask)


@implements(np.place)
def place(arr, mask, vals):
    """``place(arr, mask, vals)``: in place, the entries where ``mask`` holds receive
    ``vals`` in order (repeated when it is shorter); ``arr`` must be traced when ``vals``
    is.

    >>> a = np.zeros(3); place(a, a == 0, np.array([1.0, 2.0])); a
    array([1., 2., 1.])
    """
    if not is_traced(arr, mask, vals):
        return np.place(arr, mask, vals)
    if not isinstance(arr, (np.ndarray, Tracer)):
        raise TypeError(f"place() argument 1 must be numpy.ndarray, not "
                        f"{type(arr).__name__}")
    _require_traced_target(arr, "np.place")
    m = _flat_mask(arr, mask, "place")
    k = int(np.prod(shape(vals)))
    if k == 0:
        _check(_empty_with_selection, lambda *_: "Cannot insert from an empty array!", m)
        return None
    # the i-th selected entry (in flat order) receives vals[i % k]
    order = cumsum(cast(ravel(m), np.intp)) - 1
    picked = take(ravel(vals), order % k)
    arr[...] = where(m, reshape(cast(picked, dtype_of(arr)), shape(arr)), arr)
    return None


# -- histogram_bin_edges -------------------------------------------------------------------
def _bin_count_impl(a, *rng, bins):
    return np.intp(len(np.histogram_bin_edges(a, bins, rng or None)) - 1)


def _bin_count_batch(vals, bdims, **params):
    out, _ = batch_by_loop(bin_count_p)(vals, bdims, **params)
    if isinstance(out, Tracer) or not (out == np.ravel(out)[0]).all():
        raise ValueError("histogram_bin_edges inside vmap: the bin rule gives a different "
                         "number of bins in each example, so the batched result would be "
                         "ragged; pass the number of bins")
    return np.ravel(out)[0], None


bin_count_p = builders.nondifferentiable("histogram_bin_count", _bin_count_impl)
bin_count_p.def_batch(_bin_count_batch)


def _stand_in(a):
    """A plain array with ``a``'s shape and dtype (no memory): for NumPy functions that read
    only those of a traced value."""
    return np.broadcast_to(np.zeros((), dtype_of(a)), shape(a)) if isinstance(a, Tracer) else a


def _decreasing(b):
    return np.any(b[..., :-1] > b[..., 1:])


def _not_finite_range(lo, hi):
    return not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)))


@implements(np.histogram_bin_edges)
def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
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
    a = ravel(asarray(a))
    if weights is not None and shape(weights) != shape(a):
        raise ValueError("weights should have the same shape as a.")
    if isinstance(bins, str):
        if weights is not None:
            raise TypeError("Automated estimation of the number of bins is not supported "
                            "for weighted data")
    elif ndim(bins) == 1:
        _check(_decreasing, lambda *_: "`bins` must increase monotonically, when an array",
               bins)
        return asarray(bins)
    elif ndim(bins) > 1:
        raise ValueError("`bins` must be 1d, when an array")
    if rng:
        first, last = rng
        _check(lambda lo, hi: np.any(lo > hi),
               lambda *_: "max must be larger than min in range parameter.", first, last)
        _check(_not_finite_range, lambda lo, hi: f"supplied range of [{lo}, {hi}] is not "
               "finite", first, last)
    elif shape(a)[0] == 0:
        first, last = 0, 1
    else:
        first, last = amin(a), amax(a)
        _check(_not_finite_range, lambda lo, hi: f"autodetected range of [{lo}, {hi}] is "
               "not finite", first, last)
    if isinstance(bins, str):
        count = bind(bin_count_p, a, *rng, bins=bins)
    else:
        try:
            count = operator.index(bins)
        except TypeError:
            raise TypeError("`bins` must be an integer, a string, or an array") from None
        if count < 1:
            raise ValueError("`bins` must be positive, when an integer")
    same = equal(first, last)
    first, last = where(same, first - 0.5, first), where(same, last + 0.5, last)
    bin_type = np.result_type(*[dtype_of(v) if isinstance(v, Tracer) else v
                                for v in (*rng, dtype_of(a))])
    if np.issubdtype(bin_type, np.integer):
        bin_type = np.result_type(bin_type, float)
    return linspace(first, last, int(count) + 1, endpoint=True, dtype=bin_type)


# -- conversions: a traced value passes through --------------------------------------------
def _pass_through(np_fn, name):
    def fn(a, dtype=None, *, like=None):
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


def _not_all_finite(a):
    return not np.all(np.isfinite(a))


@implements(np.asarray_chkfinite)
def asarray_chkfinite(a, dtype=None, order=None):
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
def require(a, dtype=None, requirements=None, *, like=None):
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


# -- helpers that read only shapes and dtypes ----------------------------------------------
def _from_shape(np_fn, name):
    def fn(arr, *args, **kwargs):
        return np_fn(_stand_in(arr), *args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``{name}(arr, ...)``: NumPy's {name}; it reads only ``arr``'s shape, so "
                  "a traced ``arr`` works (the indices are plain integer arrays).")
    return implements(np_fn)(fn)


diag_indices_from = _from_shape(np.diag_indices_from, "diag_indices_from")
tril_indices_from = _from_shape(np.tril_indices_from, "tril_indices_from")
triu_indices_from = _from_shape(np.triu_indices_from, "triu_indices_from")


@implements(np.einsum_path)
def einsum_path(subscripts, *operands, optimize="greedy", einsum_call=False):
    """``einsum_path(subscripts, *operands, optimize="greedy")``: NumPy's contraction order
    for `einsum` (read from the operands' shapes, so traced operands work).

    >>> einsum_path("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4)))[0]
    ['einsum_path', (0, 1)]
    """
    return np.einsum_path(subscripts, *[_stand_in(o) for o in operands], optimize=optimize,
                          einsum_call=einsum_call)


@implements(np.common_type)
def common_type(*arrays):
    """``common_type(*arrays)``: the inexact scalar type common to the arrays' dtypes.

    >>> common_type(np.ones(2, np.float32), np.ones(2))
    <class 'numpy.float64'>
    """
    return np.common_type(*[_stand_in(a) for a in arrays])


# -- names NumPy still has in some supported versions (deprecated there) -------------------
if hasattr(np, "in1d"):
    @implements(np.in1d)
    def in1d(ar1, ar2, assume_unique=False, invert=False, *, kind=None):
        """``in1d(ar1, ar2)``: `isin` of the raveled ``ar1`` (deprecated by NumPy)."""
        return isin(ravel(asarray(ar1)), ar2, assume_unique, invert, kind=kind)

    __all__.append("in1d")

if hasattr(np, "trapz"):
    from ._statistics import trapezoid as _trapezoid

    @implements(np.trapz)
    def trapz(y, x=None, dx=1.0, axis=-1):
        """``trapz``: `trapezoid` (deprecated by NumPy)."""
        return _trapezoid(y, x, dx, axis)

    __all__.append("trapz")
