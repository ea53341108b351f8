"""scipy.fft's real trigonometric transforms, differentiable: ``dct``, ``idct``, ``dst``,
``idst`` (types 1-4, every ``norm``, ``orthogonalize``, ``n``, ``axis``) and their n-d forms
``dctn``, ``idctn``, ``dstn``, ``idstn``.  Forward values come from SciPy.  scipy.fft's
Fourier transforms (``fft`` ... ``irfftn``) are `tangents.numpy.fft`'s with SciPy's
signatures: SciPy computes them with tangents.numpy itself under ``SCIPY_ARRAY_API=1``, and
without it routes them here.

One linear primitive, ``trig_p``: SciPy's transform along one axis.  Each forward transform
is ``L = diag(d_out) U diag(d_in)``, with ``U`` the orthonormal transform of its kind and type
(``norm='ortho'``, ``orthogonalize=True``), whose transpose is its inverse (SciPy's ``idct``/
``idst`` of that type with ``norm='ortho'``): ``L^T ct = d_in * U^-1 (d_out * ct)``, and an
inverse transform ``K = L^-1`` has ``K^T = diag(1 / d_out) U diag(1 / d_in)``.  The diagonals
follow SciPy's definitions: ``norm`` scales by ``1``, ``1/sqrt(N)`` or ``1/N`` (``N`` the
logical size ``2(n - 1)`` for DCT-I, ``2(n + 1)`` for DST-I, ``2n`` otherwise) and
``orthogonalize`` scales the end samples that make ``U`` orthogonal.

Importing this module makes ``scipy.fft.<name>`` for these names hand calls with a traced
argument here (tangents.scipy._registry); plain calls reach SciPy unchanged.
"""
from __future__ import annotations

import math

import numpy as np

try:
    import scipy.fft as _sf
except ImportError as e:  # pragma: no cover - SciPy is optional
    raise ImportError("tangents.scipy.fft needs SciPy: pip install tangents[scipy]") from e

from .. import numpy as tnp
from ..core import bind, builders, sparsity
from ..numpy._dispatch import dtype_of, is_traced, normalize_axis, shape_of
from . import _registry

_FOURIER_1D = ('fft', 'ifft', 'rfft', 'irfft', 'hfft', 'ihfft')
_FOURIER_ND = ('fft2', 'ifft2', 'rfft2', 'irfft2', 'fftn', 'ifftn', 'rfftn', 'irfftn')
__all__ = ['dct', 'idct', 'dst', 'idst', 'dctn', 'idctn', 'dstn', 'idstn', *_FOURIER_1D,
           *_FOURIER_ND, 'COVERAGE']
COVERAGE = {n: "x; types 1-4, norm, orthogonalize, n/s, axis/axes" for n in __all__[:8]}
COVERAGE.update({n: "x; n/s, axis/axes, norm (tangents.numpy.fft)"
                 for n in _FOURIER_1D + _FOURIER_ND})


# end samples that orthogonalize scales: (inputs times sqrt 2, outputs over sqrt 2)
_ENDS = {("dct", 1): ([0, -1], [0, -1]), ("dct", 2): ([], [0]), ("dct", 3): ([0], []),
         ("dst", 2): ([], [-1]), ("dst", 3): ([-1], [])}


def _diagonals(kind, type, n, norm, orthogonalize):
    """``(d_in, d_out)`` with SciPy's forward transform ``= diag(d_out) U diag(d_in)``."""
    size = 2 * (n - 1) if (kind, type) == ("dct", 1) else 2 * (n + 1) if type == 1 else 2 * n
    ortho = norm == "ortho" if orthogonalize is None else bool(orthogonalize)
    scale = {"backward": math.sqrt(size), "ortho": 1.0, "forward": 1 / math.sqrt(size)}[norm]
    d_in, d_out = np.ones(n), np.full(n, scale)
    if not ortho:  # U has them scaled: undo
        ins, outs = _ENDS.get((kind, type), ([], []))
        d_in[ins] /= math.sqrt(2)
        d_out[outs] *= math.sqrt(2)
    return d_in, d_out


def _along(d, axis, ndim, dtype):
    """``d`` shaped to broadcast along ``axis``, in the real dtype of ``dtype``."""
    shape = [1] * ndim
    shape[axis] = d.shape[0]
    return d.reshape(shape).astype(np.finfo(dtype).dtype)


def _trig_impl(x, *, kind, type, norm, orthogonalize, axis, inverse):
    return _plain(("i" if inverse else "") + kind)(x, type=type, axis=axis, norm=norm,
                                                   orthogonalize=orthogonalize)


def _trig_transpose(ct, x, *, kind, type, norm, orthogonalize, axis, inverse):
    d_in, d_out = _diagonals(kind, type, shape_of(x)[axis], norm, orthogonalize)
    nd, dt = len(shape_of(x)), dtype_of(ct)
    d_in, d_out = _along(d_in, axis, nd, dt), _along(d_out, axis, nd, dt)
    ortho = dict(kind=kind, type=type, norm="ortho", orthogonalize=True, axis=axis)
    if inverse:  # K^T = diag(1 / d_out) U diag(1 / d_in)
        return bind(trig_p, ct / d_in, inverse=False, **ortho) / d_out
    return bind(trig_p, ct * d_out, inverse=True, **ortho) * d_in  # U^T = U^-1


def _trig_batch(prim):
    def rule(vals, bdims, *, axis, **params):
        b = bdims[0]
        return bind(prim, vals[0], axis=axis + (axis >= b), **params), b
    return rule


trig_p = builders.linear("scipy.fft.trig", _trig_impl, _trig_transpose, _trig_batch)
trig_p.def_sparsity(sparsity.lanes("axis"))  # dense along its axis (isolated exact zeros aside)


def _norm(norm):
    norm = "backward" if norm is None else norm
    if norm not in ("backward", "ortho", "forward"):
        raise ValueError(f'Invalid norm value {norm!r}; should be "backward", "ortho" or '
                         '"forward"')
    return norm


def _one_axis(kind, inverse, x, type, n, axis, norm, orthogonalize):
    """The transform of traced ``x`` along one axis, cropped or zero-padded to ``n``."""
    if type not in (1, 2, 3, 4):
        raise ValueError(f"{'i' * inverse}{kind}: type must be 1, 2, 3 or 4, got {type!r}")
    if dtype_of(x).kind in "biu":
        x = tnp.astype(x, np.float64)  # SciPy's promotion of integer input
    nd = len(shape_of(x))
    axis = normalize_axis(axis, nd, ("i" if inverse else "") + kind)
    m = shape_of(x)[axis]
    if n is not None and n < m:
        x = tnp.take(x, np.arange(n), axis=axis)
    elif n is not None and n > m:
        x = tnp.pad(x, [(0, n - m) if k == axis else (0, 0) for k in range(nd)])
    return bind(trig_p, x, kind=kind, type=type, norm=_norm(norm), orthogonalize=orthogonalize,
                axis=axis, inverse=inverse)


def _plain(name):
    fn = getattr(_sf, name)
    return getattr(fn, "_tangents_original", fn)


def _1d(kind, inverse, x, type, n, axis, norm, overwrite_x, workers, orthogonalize):
    if not is_traced(x):
        return _plain(("i" if inverse else "") + kind)(
            x, type, n, axis, norm, overwrite_x, workers, orthogonalize=orthogonalize)
    return _one_axis(kind, inverse, x, type, n, axis, norm, orthogonalize)


def _nd(kind, inverse, x, type, s, axes, norm, overwrite_x, workers, orthogonalize):
    name = ("i" if inverse else "") + kind + "n"
    if not is_traced(x):
        return _plain(name)(x, type, s, axes, norm, overwrite_x, workers,
                            orthogonalize=orthogonalize)
    nd = len(shape_of(x))
    if axes is None:
        axes = range(nd) if s is None else range(nd - len(s), nd)
    axes = [axes] if isinstance(axes, int) else list(axes)
    sizes = [None] * len(axes) if s is None else [s] if isinstance(s, int) else list(s)
    if len(sizes) != len(axes):
        raise ValueError(f"{name}: s and axes must have the same length, got s={s}, "
                         f"axes={axes}")
    for axis, n in zip(axes, sizes):  # separable: one axis at a time
        x = _one_axis(kind, inverse, x, type, n, axis, norm, orthogonalize)
    return x


def dct(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None,
        orthogonalize=None):
    """``scipy.fft.dct``: the discrete cosine transform of ``x`` along ``axis``,
    differentiable in ``x``.

    >>> dct(np.array([1.0, 2.0, 3.0]), norm="ortho").round(4)
    array([ 3.4641, -1.4142,  0.    ])
    """
    return _1d("dct", False, x, type, n, axis, norm, overwrite_x, workers, orthogonalize)


def idct(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None,
         orthogonalize=None):
    """``scipy.fft.idct``: the inverse of `dct` (same type and norm), differentiable in ``x``.

    >>> idct(np.array([1.0, 2.0, 3.0]), norm="ortho").round(4)
    array([ 3.2163, -1.8721,  0.3879])
    """
    return _1d("dct", True, x, type, n, axis, norm, overwrite_x, workers, orthogonalize)


def dst(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None,
        orthogonalize=None):
    """``scipy.fft.dst``: the discrete sine transform of ``x`` along ``axis``,
    differentiable in ``x``.

    >>> dst(np.array([1.0, 2.0, 3.0]), norm="ortho").round(4)
    array([ 3.266 , -1.4142,  1.1547])
    """
    return _1d("dst", False, x, type, n, axis, norm, overwrite_x, workers, orthogonalize)


def idst(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None,
         orthogonalize=None):
    """``scipy.fft.idst``: the inverse of `dst` (same type and norm), differentiable in ``x``.

    >>> idst(np.array([1.0, 2.0, 3.0]), norm="ortho").round(4)
    array([ 3.5545, -0.9156,  0.7261])
    """
    return _1d("dst", True, x, type, n, axis, norm, overwrite_x, workers, orthogonalize)


def dctn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, *,
         orthogonalize=None):
    """``scipy.fft.dctn``: `dct` along each of ``axes`` (all by default), differentiable in
    ``x``.

    >>> dctn(np.array([[1.0, 2.0], [3.0, 4.0]])).round(4)
    array([[ 40.    ,  -5.6569],
           [-11.3137,   0.    ]])
    """
    return _nd("dct", False, x, type, s, axes, norm, overwrite_x, workers, orthogonalize)


def idctn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, *,
          orthogonalize=None):
    """``scipy.fft.idctn``: `idct` along each of ``axes``, differentiable in ``x``.

    >>> idctn(np.array([[1.0, 2.0], [3.0, 4.0]])).round(4)
    array([[ 1.0044, -0.3491],
           [-0.5259,  0.1206]])
    """
    return _nd("dct", True, x, type, s, axes, norm, overwrite_x, workers, orthogonalize)


def dstn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, *,
         orthogonalize=None):
    """``scipy.fft.dstn``: `dst` along each of ``axes``, differentiable in ``x``.

    >>> dstn(np.array([[1.0, 2.0], [3.0, 4.0]])).round(4)
    array([[ 20.    ,  -5.6569],
           [-11.3137,   0.    ]])
    """
    return _nd("dst", False, x, type, s, axes, norm, overwrite_x, workers, orthogonalize)


def idstn(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, *,
          orthogonalize=None):
    """``scipy.fft.idstn``: `idst` along each of ``axes``, differentiable in ``x``.

    >>> idstn(np.array([[1.0, 2.0], [3.0, 4.0]])).round(4)
    array([[ 0.8169, -0.0366],
           [-0.2134, -0.0669]])
    """
    return _nd("dst", True, x, type, s, axes, norm, overwrite_x, workers, orthogonalize)


def _fourier(name, nd):
    """SciPy's ``name`` with SciPy's signature: tangents.numpy.fft's on traced values."""
    ours = getattr(tnp.fft, name)

    def call(x, shape, axes, norm, overwrite_x, workers, plan):
        if not is_traced(x):
            return _plain(name)(x, shape, axes, norm, overwrite_x, workers, plan=plan)
        if plan is not None:
            raise NotImplementedError(f"{name}: a precomputed plan is for plain arrays; drop "
                                      "plan= inside transforms")
        if shape is not None and axes is None and not isinstance(shape, int):
            axes = tuple(range(-len(shape), 0))  # SciPy's: the last len(s) axes
        return ours(x, shape, axes, norm)

    if nd:
        default = (-2, -1) if name.endswith("2") else None

        def fn(x, s=None, axes=default, norm=None, overwrite_x=False, workers=None, *,
               plan=None):
            return call(x, s, axes, norm, overwrite_x, workers, plan)
    else:
        def fn(x, n=None, axis=-1, norm=None, overwrite_x=False, workers=None, *, plan=None):
            return call(x, n, axis, norm, overwrite_x, workers, plan)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``scipy.fft.{name}``: `tangents.numpy.fft.{name}` on traced values "
                  "(differentiable in ``x``), SciPy's own on plain ones.\n\n"
                  f"    >>> bool(np.allclose({name}(np.eye(4)), np.fft.{name}(np.eye(4))))\n"
                  "    True\n")
    return fn


fft, ifft, rfft, irfft, hfft, ihfft = (_fourier(n, False) for n in _FOURIER_1D)
fft2, ifft2, rfft2, irfft2, fftn, ifftn, rfftn, irfftn = (_fourier(n, True) for n in _FOURIER_ND)

# -- scipy.fft.<name>(traced, ...) reaches the functions above ----------------------------
_registry.install("scipy.fft")
