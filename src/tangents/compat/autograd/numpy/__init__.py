"""``autograd.numpy``: tangents' differentiable NumPy namespace (every name of NumPy's main
namespace), with ``random``, ``linalg`` and ``fft`` as submodules, and autograd's
``make_diagonal``."""
import numpy as _onp

from ....numpy import *  # noqa: F401,F403
from .... import numpy as _tnp
import importlib as _importlib

# our submodules, not tangents.numpy's attributes of these names that the * import brought
fft, linalg, random = (_importlib.import_module(f"{__name__}.{_m}")
                       for _m in ("fft", "linalg", "random"))

__version__ = _onp.__version__


def make_diagonal(D, offset=0, axis1=0, axis2=1):
    """A new array with ``D``'s last axis on the diagonal of axes ``axis1``, ``axis2``
    (autograd's complement of ``np.diagonal``; ``offset`` 0 only, as in autograd).

    >>> make_diagonal(_onp.array([1.0, 2.0]), axis1=-1, axis2=-2)
    array([[1., 0.],
           [0., 2.]])
    """
    if offset != 0:
        raise NotImplementedError(f"make_diagonal: offset={offset} is not supported (0 only); "
                                  "pad the result with np.pad instead")
    n = _onp.shape(D)[-1]
    out = _tnp.asarray(D)[..., None] * _onp.eye(n, dtype=_onp.result_type(D))
    nd = _onp.ndim(out)
    a1, a2 = sorted((axis1 % nd, axis2 % nd))
    return _tnp.moveaxis(out, (nd - 2, nd - 1), (a1, a2))


def __getattr__(name):
    value = getattr(_tnp, name)
    if type(value) is type(_onp) and value.__name__.startswith("tangents.numpy."):
        raise AttributeError(f"autograd.numpy has no attribute {name!r}")
    return value


def __dir__():
    return sorted(set(dir(_tnp)) | {"fft", "linalg", "random"})
