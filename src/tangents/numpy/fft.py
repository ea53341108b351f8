"""Discrete Fourier transforms (``numpy.fft``): every transform is linear and is built from
three primitives (``fft``: complex-to-complex over axes, ``rfft``/``irfft``: real-input and
real-output along one axis) plus a crop-or-zero-pad primitive for ``n``/``s``.

Complex derivatives.  A VJP in tangents is the plain transpose of the JVP, for complex values
as for real ones (no conjugation; JAX's convention).  For a real loss ``L`` of ``z = a + ib``
the cotangent of ``z`` is therefore ``dL/da - i dL/db``, with ``dL = Re(sum(ct * dz))``;
holomorphic rules keep their real form ``ct * f'(z)``, and a real input receives the real
part of what reaches it (the interpreters' cast).  ``grad`` with respect to a complex input
is the conjugate of the steepest-ascent direction.  Under this convention every DFT matrix
is symmetric, so each complex transform (with its ``norm``) is its own transpose.
"""
from __future__ import annotations

__all__ = ['fft', 'ifft', 'rfft', 'irfft', 'hfft', 'ihfft', 'fft2', 'ifft2', 'rfft2',
           'irfft2', 'fftn', 'ifftn', 'rfftn', 'irfftn', 'fftshift', 'ifftshift', 'fftfreq',
           'rfftfreq']

import operator
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from ..core import Primitive, bind, sparsity
from ..typing import Array, ArrayLike, DTypeLike, NDArray
from ._complex import conj as _conj
from ._creation import cast, check_device
from ._dispatch import dtype_of, implements, is_traced, normalize_axis, shape_of

Norm = Literal["backward", "ortho", "forward"]
_DUAL: dict[str, Norm] = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def _norm(norm: Any) -> Any:
    norm = "backward" if norm is None else norm
    if norm not in _DUAL:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or '
                         '"forward".')
    return norm


def _batch_axes(prim: Any, key: Any) -> Any:
    """Batching rule for a one-argument primitive with an axis (int or tuple) param: the
    batch axis stays where it is and the transformed axes step over it."""
    def rule(vals: Any, bdims: Any, **params: Any) -> Any:
        b = bdims[0]
        ax = params[key]
        params[key] = (tuple(a + (a >= b) for a in ax) if isinstance(ax, tuple)
                       else ax + (ax >= b))
        return bind(prim, vals[0], **params), b
    return rule


# -- crop or zero-pad at the end of each axis (n= and s=) ---------------------------------


def _resize_impl(x: Any, *, shape: Any) -> Any:
    x = np.asarray(x)
    out = np.zeros(shape, x.dtype)
    common = tuple(slice(0, min(a, b)) for a, b in zip(x.shape, shape, strict=True))
    out[common] = x[common]
    return out


resize_p = Primitive("fft_resize", _resize_impl)
resize_p.def_vjp(lambda ct, ans, x, *, shape: _resize(ct, shape_of(x)))
resize_p.def_jvp(lambda t, ans, x, *, shape: bind(resize_p, t, shape=shape))


def _resize_batch(vals: Any, bdims: Any, *, shape: Any) -> Any:
    x, b = vals[0], bdims[0]
    return bind(resize_p, x, shape=shape[:b] + (x.shape[b],) + shape[b:]), b


resize_p.def_batch(_resize_batch)
resize_p.def_sparsity(sparsity.movement())  # the zeros it pads with depend on nothing


def _resize(x: Any, new_shape: Any) -> Any:
    new_shape = tuple(new_shape)
    return x if tuple(shape_of(x)) == new_shape else bind(resize_p, x, shape=new_shape)


# -- complex-to-complex over axes: the DFT matrices are symmetric, so each is its own
#    transpose (module docstring) --------------------------------------------------------
fft_p = Primitive("fft", lambda x, *, axes, inverse, norm:
                  (np.fft.ifftn if inverse else np.fft.fftn)(x, axes=axes, norm=norm))
fft_p.def_vjp(lambda ct, ans, x, **params: bind(fft_p, ct, **params))
fft_p.def_jvp(lambda t, ans, x, **params: bind(fft_p, t, **params))
fft_p.def_batch(_batch_axes(fft_p, "axes"))
fft_p.def_sparsity(sparsity.lanes("axes"))  # dense along its axes, by nature


# -- real-input and real-output transforms along one axis ---------------------------------
def _hermitian_weights(n: Any, axis: Any, nd: Any, dt: Any) -> Any:
    """How many bins of the full length-``n`` spectrum each half-spectrum bin stands for:
    1 for bin 0 (and n/2 when n is even), 2 for bins k and n - k."""
    m = n // 2 + 1
    w = np.full(m, 2.0, np.finfo(dt).dtype)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w.reshape((m,) + (1,) * (nd - axis - 1))


# rfft = crop(fft(x)) on real x, so ct_x = Re(fft(pad(ct))) = n * irfft(conj(ct) / w): the
# transpose is irfft with the opposite norm, given the bins it doubles at half weight.
rfft_p = Primitive("rfft", lambda x, *, axis, norm: np.fft.rfft(x, axis=axis, norm=norm))
rfft_p.def_vjp(lambda ct, ans, x, *, axis, norm: bind(
    irfft_p,  # type: ignore[has-type]
    _conj(ct) / _hermitian_weights(shape_of(x)[axis], axis, len(shape_of(x)), dtype_of(ans)),
    axis=axis, n=shape_of(x)[axis], norm=_DUAL[norm]))
rfft_p.def_jvp(lambda t, ans, x, *, axis, norm: bind(rfft_p, t, axis=axis, norm=norm))
rfft_p.def_batch(_batch_axes(rfft_p, "axis"))
rfft_p.def_sparsity(sparsity.lanes("axis"))

# irfft(d) = Re(sum_k w_k d_k e^{2 pi i k j / n}) / n, so ct_d = w * conj(rfft(ct)) with the
# opposite norm.
irfft_p = Primitive("irfft", lambda x, *, axis, n, norm:
                    np.fft.irfft(x, n, axis=axis, norm=norm))
irfft_p.def_vjp(lambda ct, ans, x, *, axis, n, norm: _conj(
    bind(rfft_p, ct, axis=axis, norm=_DUAL[norm])) * _hermitian_weights(
        n, axis, len(shape_of(x)), dtype_of(ct)))
irfft_p.def_jvp(lambda t, ans, x, *, axis, n, norm: bind(irfft_p, t, axis=axis, n=n, norm=norm))
irfft_p.def_batch(_batch_axes(irfft_p, "axis"))
irfft_p.def_sparsity(sparsity.lanes("axis"))


# -- argument handling (NumPy's _cook_nd_args) --------------------------------------------
def _no_out(out: Any, op: Any) -> Any:
    if out is not None:
        raise TypeError(f"{op}: out= is not supported; use the returned value")


def _cook(a: Any, s: Any, axes: Any, op: Any, invreal: bool = False) -> Any:
    """``(s, axes)`` as lists, axes non-negative, ``s`` filled in as NumPy does."""
    xs = shape_of(a)
    nd = len(xs)
    if axes is not None:
        axes = [normalize_axis(ax, nd, op) for ax in
                ((axes,) if isinstance(axes, (int, np.integer)) else axes)]
    if s is None:
        shapeless = True
        s = [xs[ax] for ax in axes] if axes is not None else list(xs)
    else:
        shapeless = False
        s = [s] if isinstance(s, (int, np.integer)) else list(s)
    if axes is None:
        if not shapeless:
            warnings.warn("`axes` should not be `None` if `s` is not `None` (Deprecated in "
                          "NumPy 2.0); pass the axes explicitly.", DeprecationWarning,
                          stacklevel=4)
        if len(s) > nd:
            raise ValueError(f"{op}: s has {len(s)} entries for an array of dimension {nd}")
        axes = list(range(nd - len(s), nd))
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if invreal and (shapeless or s[-1] is None):
        s[-1] = (xs[axes[-1]] - 1) * 2
    s = [xs[ax] if n is None or n == -1 else operator.index(n)
         for n, ax in zip(s, axes, strict=True)]
    for n in s:
        if n < 1:
            raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    return s, axes


def _resized(xs: Any, s: Any, axes: Any) -> Any:
    new = list(xs)
    for n, ax in zip(s, axes, strict=True):
        new[ax] = n
    return tuple(new)


def _repeated(axes: Any) -> Any:
    return len(set(axes)) < len(axes)


def _c2c(a: Any, s: Any, axes: Any, norm: Any, inverse: Any, out: Any, op: Any) -> Any:
    _no_out(out, op)
    norm = _norm(norm)
    s, axes = _cook(a, s, axes, op)
    if _repeated(axes):  # NumPy transforms a repeated axis again, last axis first
        for n, ax in reversed(list(zip(s, axes, strict=True))):
            a = _c2c(a, [n], [ax], norm, inverse, None, op)
        return a
    a = _resize(a, _resized(shape_of(a), s, axes))
    if not axes:
        return a
    return bind(fft_p, a, axes=tuple(sorted(axes)), inverse=inverse, norm=norm)


def _r2c(a: Any, s: Any, axes: Any, norm: Any, out: Any, op: Any) -> Any:
    _no_out(out, op)
    norm = _norm(norm)
    if dtype_of(a).kind == "c":
        raise TypeError(f"{op}: the input must be real; for complex input use fft/fftn")
    s, axes = _cook(a, s, axes, op)
    if _repeated(axes):
        a = _r2c(a, s[-1:], axes[-1:], norm, None, op)
        for n, ax in reversed(list(zip(s[:-1], axes[:-1], strict=True))):
            a = _c2c(a, [n], [ax], norm, False, None, op)
        return a
    a = bind(rfft_p, _resize(a, _resized(shape_of(a), s, axes)), axis=axes[-1], norm=norm)
    return _c2c(a, None, axes[:-1], norm, False, None, op)


def _c2r(a: Any, s: Any, axes: Any, norm: Any, out: Any, op: Any) -> Any:
    _no_out(out, op)
    norm = _norm(norm)
    s, axes = _cook(a, s, axes, op, invreal=True)
    if _repeated(axes):
        for n, ax in zip(s[:-1], axes[:-1], strict=True):
            a = _c2c(a, [n], [ax], norm, True, None, op)
        return _c2r(a, s[-1:], axes[-1:], norm, None, op)
    n = s[-1]
    a = _resize(a, _resized(shape_of(a), s[:-1] + [n // 2 + 1], axes))
    a = _c2c(a, None, axes[:-1], norm, True, None, op)
    return bind(irfft_p, a, axis=axes[-1], n=n, norm=norm)


def _one(n: Any) -> Any:
    return None if n is None else [n]


# -- public functions ---------------------------------------------------------------------
@implements(np.fft.fft)
def fft(a: ArrayLike, n: int | None = None, axis: int = -1, norm: Norm | None = None,
        out: NDArray[Any] | None = None) -> Array:
    """``fft(a, n=None, axis=-1, norm=None)``: the one-dimensional DFT.

    >>> fft(np.array([1.0, 0.0, 0.0, 0.0]))
    array([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    return _c2c(a, _one(n), [axis], norm, False, out, "fft")


@implements(np.fft.ifft)
def ifft(a: ArrayLike, n: int | None = None, axis: int = -1,
         norm: Norm | None = None,
         out: NDArray[Any] | None = None) -> Array:
    """``ifft(a, n=None, axis=-1, norm=None)``: the one-dimensional inverse DFT.

    >>> ifft(np.ones(4)).real
    array([1., 0., 0., 0.])
    """
    return _c2c(a, _one(n), [axis], norm, True, out, "ifft")


@implements(np.fft.rfft)
def rfft(a: ArrayLike, n: int | None = None, axis: int = -1,
         norm: Norm | None = None,
         out: NDArray[Any] | None = None) -> Array:
    """``rfft(a, n=None, axis=-1, norm=None)``: the DFT of real input, bins 0..n//2.

    >>> rfft(np.ones(4))
    array([4.+0.j, 0.+0.j, 0.+0.j])
    """
    return _r2c(a, _one(n), [axis], norm, out, "rfft")


@implements(np.fft.irfft)
def irfft(a: ArrayLike, n: int | None = None, axis: int = -1,
          norm: Norm | None = None,
          out: NDArray[Any] | None = None) -> Array:
    """``irfft(a, n=None, axis=-1, norm=None)``: the inverse of `rfft` (real output of
    length ``n``, by default ``2 * (m - 1)``).

    >>> irfft(np.array([4.0, 0.0, 0.0]))
    array([1., 1., 1., 1.])
    """
    return _c2r(a, _one(n), [axis], norm, out, "irfft")


@implements(np.fft.hfft)
def hfft(a: ArrayLike, n: int | None = None, axis: int = -1,
         norm: Norm | None = None,
         out: NDArray[Any] | None = None) -> Array:
    """``hfft(a, n=None, axis=-1, norm=None)``: the DFT of a Hermitian-symmetric signal given
    by its first half (real output): ``irfft(conj(a), n)`` with the opposite norm.

    >>> hfft(np.array([1.0, 0.0, 0.0]))
    array([1., 1., 1., 1.])
    """
    _no_out(out, "hfft")
    if n is None:
        n = (shape_of(a)[normalize_axis(axis, len(shape_of(a)), "hfft")] - 1) * 2
    return irfft(_conj(a), n, axis, _DUAL[_norm(norm)])


@implements(np.fft.ihfft)
def ihfft(a: ArrayLike, n: int | None = None, axis: int = -1,
          norm: Norm | None = None,
          out: NDArray[Any] | None = None) -> Array:
    """``ihfft(a, n=None, axis=-1, norm=None)``: the inverse of `hfft`:
    ``conj(rfft(a, n))`` with the opposite norm.

    >>> ihfft(np.ones(4))
    array([1.-0.j, 0.-0.j, 0.-0.j])
    """
    _no_out(out, "ihfft")
    return _conj(rfft(a, n, axis, _DUAL[_norm(norm)]))


@implements(np.fft.fft2)
def fft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
         norm: Norm | None = None,
         out: NDArray[Any] | None = None) -> Array:
    """``fft2(a, s=None, axes=(-2, -1), norm=None)``: the two-dimensional DFT.

    >>> fft2(np.ones((2, 2))).real
    array([[4., 0.],
           [0., 0.]])
    """
    return _c2c(a, s, axes, norm, False, out, "fft2")


@implements(np.fft.ifft2)
def ifft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: Norm | None = None,
          out: NDArray[Any] | None = None) -> Array:
    """``ifft2(a, s=None, axes=(-2, -1), norm=None)``: the two-dimensional inverse DFT."""
    return _c2c(a, s, axes, norm, True, out, "ifft2")


@implements(np.fft.fftn)
def fftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: Norm | None = None,
         out: NDArray[Any] | None = None) -> Array:
    """``fftn(a, s=None, axes=None, norm=None)``: the DFT over ``axes`` (all by default).

    >>> fftn(np.ones((2, 2, 2)))[0, 0, 0]
    np.complex128(8+0j)
    """
    return _c2c(a, s, axes, norm, False, out, "fftn")


@implements(np.fft.ifftn)
def ifftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: Norm | None = None,
          out: NDArray[Any] | None = None) -> Array:
    """``ifftn(a, s=None, axes=None, norm=None)``: the inverse DFT over ``axes``."""
    return _c2c(a, s, axes, norm, True, out, "ifftn")


@implements(np.fft.rfft2)
def rfft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
          norm: Norm | None = None,
          out: NDArray[Any] | None = None) -> Array:
    """``rfft2(a, s=None, axes=(-2, -1), norm=None)``: `rfftn` over two axes."""
    return _r2c(a, s, axes, norm, out, "rfft2")


@implements(np.fft.irfft2)
def irfft2(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] = (-2, -1),
           norm: Norm | None = None,
           out: NDArray[Any] | None = None) -> Array:
    """``irfft2(a, s=None, axes=(-2, -1), norm=None)``: `irfftn` over two axes."""
    return _c2r(a, s, axes, norm, out, "irfft2")


@implements(np.fft.rfftn)
def rfftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: Norm | None = None,
          out: NDArray[Any] | None = None) -> Array:
    """``rfftn(a, s=None, axes=None, norm=None)``: `rfft` along the last of ``axes``, then
    `fft` along the others.

    >>> rfftn(np.ones((2, 4))).shape
    (2, 3)
    """
    return _r2c(a, s, axes, norm, out, "rfftn")


@implements(np.fft.irfftn)
def irfftn(a: ArrayLike, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: Norm | None = None,
           out: NDArray[Any] | None = None) -> Array:
    """``irfftn(a, s=None, axes=None, norm=None)``: the inverse of `rfftn`."""
    return _c2r(a, s, axes, norm, out, "irfftn")


# -- fftshift / ifftshift: a cyclic roll, whose transpose rolls back ----------------------
roll_p = Primitive("fft_roll", lambda x, *, shifts, axes: np.roll(x, shifts, axes))
roll_p.def_vjp(lambda ct, ans, x, *, shifts, axes: bind(
    roll_p, ct, shifts=tuple(-k for k in shifts), axes=axes))
roll_p.def_jvp(lambda t, ans, x, *, shifts, axes: bind(roll_p, t, shifts=shifts, axes=axes))
roll_p.def_batch(_batch_axes(roll_p, "axes"))
roll_p.def_sparsity(sparsity.movement())


def _roll_half(x: Any, axes: Any, sign: Any, op: Any) -> Any:
    xs = shape_of(x)
    nd = len(xs)
    if axes is None:
        axes = range(nd)
    elif isinstance(axes, (int, np.integer)):
        axes = (axes,)
    shifts: dict[int, int] = {}
    for ax in axes:
        ax = normalize_axis(ax, nd, op)
        shifts[ax] = shifts.get(ax, 0) + sign * (xs[ax] // 2)
    keep = sorted((ax, k % xs[ax]) for ax, k in shifts.items() if xs[ax] and k % xs[ax])
    if not keep:
        return x if is_traced(x) else np.asarray(x)
    return bind(roll_p, x, shifts=tuple(k for _, k in keep), axes=tuple(ax for ax, _ in keep))


@implements(np.fft.fftshift)
def fftshift(x: ArrayLike, axes: int | Sequence[int] | None = None) -> Array:
    """``fftshift(x, axes=None)``: move the zero-frequency bin to the centre.

    >>> fftshift(np.arange(5.0))
    array([3., 4., 0., 1., 2.])
    """
    return _roll_half(x, axes, 1, "fftshift")


@implements(np.fft.ifftshift)
def ifftshift(x: ArrayLike, axes: int | Sequence[int] | None = None) -> Array:
    """``ifftshift(x, axes=None)``: the inverse of `fftshift`.

    >>> ifftshift(np.array([3.0, 4.0, 0.0, 1.0, 2.0]))
    array([0., 1., 2., 3., 4.])
    """
    return _roll_half(x, axes, -1, "ifftshift")


def _freq(np_fn: Any, name: Any, n: Any, d: Any, device: Any, dtype_: Any) -> Any:
    check_device(device, name)
    ans = np_fn(n, d)  # d may be traced: the frequencies are (integers) / (n d)
    if dtype_ is None:
        return ans
    dt = np.dtype(dtype_)
    if dt.kind != "f":
        raise ValueError(f"{name}: dtype must be a real floating dtype, got {dt}")
    return cast(ans, dt)  # computed in float64, then rounded once


def fftfreq(n: int, d: ArrayLike = 1.0, device: Any = None, *, dtype: DTypeLike | None = None
            ) -> Array:
    """``fftfreq(n, d=1.0, device=None, *, dtype=None)``: the sample frequencies of `fft`,
    ``[0, 1, ..., -1] / (n d)``, in ``dtype`` (the standard's keyword; default float64).

    >>> fftfreq(4, d=0.5, dtype=np.float32)
    array([ 0. ,  0.5, -1. , -0.5], dtype=float32)
    """
    return _freq(np.fft.fftfreq, "fftfreq", n, d, device, dtype)


def rfftfreq(n: int, d: ArrayLike = 1.0, device: Any = None, *, dtype: DTypeLike | None = None
             ) -> Array:
    """``rfftfreq(n, d=1.0, device=None, *, dtype=None)``: the sample frequencies of `rfft`,
    ``[0, 1, ..., n // 2] / (n d)``, in ``dtype`` (default float64).

    >>> rfftfreq(4)
    array([0.  , 0.25, 0.5 ])
    """
    return _freq(np.fft.rfftfreq, "rfftfreq", n, d, device, dtype)
