"""Index expressions that build arrays: ``r_`` and ``c_`` on traced values.

NumPy's ``np.r_`` turns each piece into an array with ``np.array``, which traced values
cannot answer (``np.array`` is not dispatched); these take the same index expressions and
join the pieces with the differentiable `concatenate`.  Without traced pieces they are
NumPy's own.
"""
from __future__ import annotations

__all__ = ["r_", "c_"]

import sys
from typing import Any

import numpy as np

from ..typing import Array
from ._creation import array, cast
from ._dispatch import contains_tracer, dtype_of, ndim
from ._joining import concatenate
from ._shape import transpose


def _directive(item: str, axis: int, ndmin: int, trans1d: int) -> tuple[int, ...]:
    """``"0,2"``-style first entries: axis, minimum rank and where 1-d pieces go."""
    if item in ("r", "c"):
        raise TypeError(f"r_[{item!r}, ...] builds an np.matrix, which tangents does not "
                        "differentiate; leave the directive out to get an ndarray")
    try:
        parts = [int(p) for p in item.split(",")]
    except ValueError:
        raise ValueError(f"r_: unknown special directive {item!r}") from None
    if len(parts) > 3:
        raise ValueError(f"r_: unknown special directive {item!r}")
    return tuple(parts + [axis, ndmin, trans1d][len(parts):])


def _piece(item: Any, ndmin: int, trans1d: int) -> Any:
    """One entry of the index expression as an array of at least ``ndmin`` dimensions."""
    if isinstance(item, slice):  # a:b:c is arange, a:b:nj is linspace with n points
        start = 0 if item.start is None else item.start
        step: Any = 1 if item.step is None else item.step
        new: Any
        if isinstance(step, (complex, np.complexfloating)):
            new = np.linspace(start, item.stop, num=int(abs(complex(step))))
        else:
            new = np.arange(start, item.stop, step)
        new = np.array(new, ndmin=ndmin)
        return new.swapaxes(-1, trans1d) if ndmin > 1 and trans1d != -1 else new
    nd = ndim(item)
    new = array(item, copy=False, ndmin=ndmin)
    if trans1d != -1 and nd < ndmin:  # the piece's own axes go to position trans1d
        k1, k2 = trans1d + (ndmin - nd + 1 if trans1d < 0 else 0), ndmin - nd
        axes = list(range(ndmin))
        new = transpose(new, axes[:k1] + axes[k2:] + axes[k1:k2])
    return new


class AxisConcatenator:
    """``r_[...]`` / ``c_[...]``: pieces (arrays, traced values, scalars, ``a:b:c`` slices)
    joined along ``axis`` after being raised to ``ndmin`` dimensions; a first entry
    ``"axis,ndmin,trans1d"`` overrides the three.  ``r_`` joins along the first axis, ``c_``
    stacks 1-d pieces as columns.

    >>> r_[np.array([1.0, 2.0]), 0.0, 4:6]
    array([1., 2., 0., 4., 5.])
    >>> c_[np.array([1.0, 2.0]), np.array([3.0, 4.0])]
    array([[1., 3.],
           [2., 4.]])
    """

    __slots__ = ("axis", "ndmin", "trans1d", "numpy")

    def __init__(self, numpy: Any, axis: int = 0, ndmin: int = 1, trans1d: int = -1) -> None:
        self.numpy, self.axis, self.ndmin, self.trans1d = numpy, axis, ndmin, trans1d

    def __getitem__(self, key: Any) -> Array:
        key = key if isinstance(key, tuple) else (key,)
        if not contains_tracer(key):
            if len(key) == 1 and isinstance(key[0], str):  # the np.bmat string form
                frame = sys._getframe(1)
                return np.bmat(key[0], frame.f_globals, frame.f_locals)
            return self.numpy[key]
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        if isinstance(key[0], str):
            axis, ndmin, trans1d = _directive(key[0], axis, ndmin, trans1d)
            key = key[1:]
        pieces, kinds = [], []
        for item in key:
            if isinstance(item, str):
                raise ValueError("r_: special directives must be the first entry")
            pieces.append(_piece(item, ndmin, trans1d))
            # Python and NumPy scalars promote weakly, as in NumPy's r_ (x32, 0.0 stays float32)
            kinds.append(item if type(item) in np.ScalarType else dtype_of(pieces[-1]))
        dt = np.result_type(*kinds)
        return concatenate([cast(p, dt) for p in pieces], axis=axis)

    def __len__(self) -> int:
        return 0


r_ = AxisConcatenator(np.r_)
c_ = AxisConcatenator(np.c_, axis=-1, ndmin=2, trans1d=0)
