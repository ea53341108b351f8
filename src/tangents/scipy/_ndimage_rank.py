"""scipy.ndimage's rank filters, differentiable in the input: ``median_filter``,
``minimum_filter``, ``maximum_filter``, ``rank_filter`` and ``percentile_filter``.  Each
window (the footprint's samples of the input extended by ``mode``, by
`tangents.scipy._ndimage_support`) is stacked on a new last axis, ``argpartition`` finds the
entry of the wanted rank, and the filter gathers it, so its derivative is that sample's (the
rule of `tangents.scipy.signal.medfilt`).
Re-exported by `tangents.scipy.ndimage`.
"""
from __future__ import annotations

import numpy as np

from .. import numpy as tnp
from ..numpy._dispatch import dtype_of, is_traced, shape_of
from ._ndimage_support import (
    _axes,
    _empty,
    _float,
    _mode,
    _nd_weights,
    _no_output,
    _plain,
    _sequence,
    _windows,
)

__all__ = ["median_filter", "minimum_filter", "maximum_filter", "rank_filter",
           "percentile_filter"]


def _footprint(op, x, size, footprint, origin, axes):
    """The footprint over all of x's axes (bool) and the origins, as SciPy expands them."""
    nd = len(shape_of(x))
    n_axes = len(_axes(op, axes, nd))
    if footprint is None:
        if size is None:
            raise ValueError(f"{op}: give the window as size= or footprint=")
        footprint = np.ones([int(s) for s in _sequence(op, "size", size, n_axes)], bool)
    footprint = np.asarray(footprint, bool)
    if not footprint.any():
        raise ValueError(f"{op}: the footprint selects no sample; give at least one True")
    return _nd_weights(op, x, footprint, axes, origin)


def _rank(op, x, rank, size, footprint, mode, cval, origin, axes):
    """Entry ``rank`` (a callable of the window's sample count) of each sorted window."""
    if dtype_of(x).kind == "c":
        raise TypeError(f"{op}: complex input has no order; filter its real and imaginary "
                        f"parts (got dtype {dtype_of(x)})")
    x = _float(x)
    fp, origins = _footprint(op, x, size, footprint, origin, axes)
    n = int(fp.sum())
    k = rank(n)
    if k < 0:
        k += n
    if not 0 <= k < n:
        raise ValueError(f"{op}: rank {rank(n)} is outside the footprint's {n} samples")
    if _empty(x):
        return x
    nd = len(shape_of(x))
    filtered = _axes(op, axes, nd)
    modes = ["constant"] * nd
    for a, m in zip(filtered, _sequence(op, "mode", mode, len(filtered))):
        modes[a] = _mode(op, m)
    window = _windows(op, x, fp.shape, origins, modes, cval)
    samples = tnp.stack([window(offset) for offset in zip(*np.nonzero(fp))], axis=-1)
    # which sample is entry k (an integer, no derivative), then a gather of it: 4x faster
    # than differentiating a sort of every window
    pick = tnp.argpartition(samples, k, axis=-1)[..., k:k + 1]
    return tnp.take_along_axis(samples, pick, axis=-1)[..., 0]


def rank_filter(input, rank, size=None, footprint=None, output=None, mode='reflect', cval=0.0,
                origin=0, *, axes=None):
    """``scipy.ndimage.rank_filter``: entry ``rank`` of each sorted window (negative counts
    from the largest); differentiable in ``input`` (in the sample picked).

    >>> rank_filter(np.array([3.0, 1.0, 2.0, 5.0]), 1, size=3)
    array([3., 2., 2., 5.])
    """
    if not is_traced(input):
        return _plain("rank_filter")(input, rank, size, footprint, output, mode, cval, origin,
                                     axes=axes)
    _no_output("rank_filter", output)
    return _rank("rank_filter", input, lambda n: int(rank), size, footprint, mode, cval,
                 origin, axes)


def median_filter(input, size=None, footprint=None, output=None, mode='reflect', cval=0.0,
                  origin=0, *, axes=None):
    """``scipy.ndimage.median_filter``: entry ``n // 2`` of each sorted window of ``n``
    samples (the upper median when ``n`` is even); differentiable in ``input``.

    >>> median_filter(np.array([3.0, 1.0, 2.0, 5.0]), size=3)
    array([3., 2., 2., 5.])
    """
    if not is_traced(input):
        return _plain("median_filter")(input, size, footprint, output, mode, cval, origin,
                                       axes=axes)
    _no_output("median_filter", output)
    return _rank("median_filter", input, lambda n: n // 2, size, footprint, mode, cval,
                 origin, axes)


def _percentile_rank(op, percentile):
    p = float(percentile)
    p = p + 100.0 if p < 0 else p
    if not 0 <= p <= 100:
        raise ValueError(f"{op}: percentile must be in [-100, 100], got {percentile}")
    return lambda n: n - 1 if p == 100.0 else int(n * p / 100.0)


def percentile_filter(input, percentile, size=None, footprint=None, output=None,
                      mode='reflect', cval=0.0, origin=0, *, axes=None):
    """``scipy.ndimage.percentile_filter``: entry ``int(n * percentile / 100)`` of each
    sorted window of ``n`` samples; differentiable in ``input``.

    >>> percentile_filter(np.array([3.0, 1.0, 2.0, 5.0]), 90, size=3)
    array([3., 3., 5., 5.])
    """
    if not is_traced(input):
        return _plain("percentile_filter")(input, percentile, size, footprint, output, mode,
                                           cval, origin, axes=axes)
    op = "percentile_filter"
    _no_output(op, output)
    return _rank(op, input, _percentile_rank(op, percentile), size, footprint, mode, cval,
                 origin, axes)


def minimum_filter(input, size=None, footprint=None, output=None, mode='reflect', cval=0.0,
                   origin=0, *, axes=None):
    """``scipy.ndimage.minimum_filter``: the least sample of each window; differentiable in
    ``input`` (in the sample picked).

    >>> minimum_filter(np.array([3.0, 1.0, 2.0, 5.0]), size=3)
    array([1., 1., 1., 2.])
    """
    if not is_traced(input):
        return _plain("minimum_filter")(input, size, footprint, output, mode, cval, origin,
                                        axes=axes)
    _no_output("minimum_filter", output)
    return _rank("minimum_filter", input, lambda n: 0, size, footprint, mode, cval, origin,
                 axes)


def maximum_filter(input, size=None, footprint=None, output=None, mode='reflect', cval=0.0,
                   origin=0, *, axes=None):
    """``scipy.ndimage.maximum_filter``: the greatest sample of each window; differentiable
    in ``input`` (in the sample picked).

    >>> maximum_filter(np.array([3.0, 1.0, 2.0, 5.0]), size=3)
    array([3., 3., 5., 5.])
    """
    if not is_traced(input):
        return _plain("maximum_filter")(input, size, footprint, output, mode, cval, origin,
                                        axes=axes)
    _no_output("maximum_filter", output)
    return _rank("maximum_filter", input, lambda n: -1, size, footprint, mode, cval, origin,
                 axes)
