"""scipy.signal's local filters and the analytic signal, differentiable: ``wiener`` (from
`correlate`'s local means and variances), ``order_filter`` (`tangents.scipy.ndimage`'s
rank filter with zero padding) and ``hilbert`` (tangents.numpy.fft).  Re-exported by
`tangents.scipy.signal`; ``scipy.signal.<name>`` on a traced argument routes here
(tangents.scipy._registry).
"""
from __future__ import annotations

import math

import numpy as np

from .. import numpy as tnp
from ..numpy._dispatch import dtype_of, is_traced, normalize_axis, shape_of
from ._signal_more import _plain

__all__ = ["wiener", "order_filter", "hilbert"]

COVERAGE = {
    "wiener": "im, noise; mysize",
    "order_filter": "a (the sample each window picks); domain, rank",
    "hilbert": "x; N, axis",
}


def wiener(im, mysize=None, noise=None):
    """``scipy.signal.wiener``: each sample pulled toward its local mean by
    ``1 - noise / local variance`` over a ``mysize`` window (zero padded), or the local mean
    where the variance is below ``noise`` (default: the mean local variance); differentiable
    in ``im`` and ``noise``.

    >>> wiener(np.array([1.0, 4.0, 2.0, 8.0, 3.0]), 3, 1.0).round(3)
    array([1.231, 2.929, 2.429, 7.468, 3.061])
    """
    if not is_traced(im, noise):
        return _plain("wiener")(im, mysize, noise)
    from .signal import correlate
    nd = len(shape_of(im))
    mysize = [3] * nd if mysize is None else mysize
    mysize = [int(s) for s in np.broadcast_to(mysize, (nd,))] if np.ndim(mysize) == 0 \
        else [int(s) for s in mysize]
    if len(mysize) != nd:
        raise ValueError(f"wiener: mysize must be a scalar or have one entry per axis of im "
                         f"({nd}), got {mysize}")
    size = float(math.prod(mysize))
    ones = np.ones(mysize)
    local_mean = correlate(im, ones, "same") / size
    local_var = correlate(im ** 2, ones, "same") / size - local_mean ** 2
    if noise is None:
        noise = tnp.mean(local_var)
    low = local_var < noise
    # where the local mean is taken the shrunk branch is unused: its divisor is kept off 0 so
    # that its derivatives (times where's zero cotangent) stay finite at every order
    shrunk = (im - local_mean) * (1 - noise / tnp.where(low, 1.0, local_var)) + local_mean
    return tnp.where(low, local_mean, shrunk)


def order_filter(a, domain, rank):
    """``scipy.signal.order_filter``: entry ``rank`` of each sorted window of the samples
    where ``domain`` is nonzero (odd sizes, zero padded); differentiable in ``a`` (in the
    sample picked).

    >>> order_filter(np.array([3.0, 1.0, 2.0, 5.0]), np.ones(3), 1)
    array([1., 2., 2., 2.])
    """
    if not is_traced(a):
        return _plain("order_filter")(a, domain, rank)
    domain = np.asarray(domain)
    if any(s % 2 != 1 for s in domain.shape):
        raise ValueError(f"order_filter: each dimension of domain should have an odd number "
                         f"of elements, got shape {domain.shape}")
    if dtype_of(a).kind not in "f":
        raise ValueError(f"order_filter: dtype={dtype_of(a)} is not supported; use float32 "
                         "or float64")
    from .ndimage import rank_filter
    return rank_filter(a, rank, footprint=domain, mode="constant")


def hilbert(x, N=None, axis=-1):
    """``scipy.signal.hilbert``: the analytic signal ``x + i H(x)``, the FFT with negative
    frequencies zeroed and positive ones doubled, over ``N`` points along ``axis``;
    differentiable in ``x``.

    >>> hilbert(np.array([1.0, 2.0, 0.0, -1.0])).round(3)
    array([ 1.-1.5j,  2.+0.5j,  0.+1.5j, -1.-0.5j])
    """
    if not is_traced(x):
        return _plain("hilbert")(x, N, axis)
    if dtype_of(x).kind == "c":
        raise ValueError(f"hilbert: x must be real, got dtype {dtype_of(x)}")
    nd = len(shape_of(x))
    axis = normalize_axis(axis, nd, "hilbert")
    n = shape_of(x)[axis] if N is None else int(N)
    if n <= 0:
        raise ValueError(f"hilbert: N must be positive, got {N}")
    h = np.zeros(n)  # the analytic signal's spectrum: 1 at 0 (and n/2), 2 between, 0 above
    h[0] = 1
    h[1:(n + 1) // 2] = 2
    if n % 2 == 0:
        h[n // 2] = 1
    h = h.reshape([n if a == axis else 1 for a in range(nd)])
    spectrum = tnp.fft.fft(x, n, axis=axis)
    return tnp.fft.ifft(spectrum * h.astype(np.finfo(dtype_of(x)).dtype), axis=axis)
