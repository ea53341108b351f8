"""Type aliases of tangents' public signatures.

``ArrayLike`` is what a function accepts: anything NumPy accepts (arrays, Python scalars,
nested sequences) and traced values, which NumPy's protocol already admits through
``Tracer.__array__``.  ``Array`` is what a function returns: a NumPy array outside a
transform and a `Tracer` inside one.  ``Numeric`` is an array, a traced value or a real scalar:
what a function that applies Python's operators to its argument accepts (a list does not
support them).  ``Shape``, ``Axis`` and ``Order`` are NumPy's shape, axis and memory-order
arguments (``DTypeLike`` is NumPy's; a ``dtype=None`` parameter is ``DTypeLike | None``).

>>> import numpy as np
>>> from tangents.typing import Array, ArrayLike
>>> def double(x: ArrayLike) -> Array:
...     return np.multiply(x, 2)
>>> double([1.0, 2.0])
array([2., 4.])
"""
from __future__ import annotations

from typing import Any, Literal

from numpy.typing import ArrayLike, DTypeLike, NDArray

from .core import Tracer

__all__ = ["Array", "ArrayLike", "Numeric", "DTypeLike", "Shape", "Axis", "Order", "Tracer"]

Array = NDArray[Any] | Tracer
Numeric = Array | float
Shape = int | tuple[int, ...]
Axis = int | tuple[int, ...] | None
Order = Literal["K", "A", "C", "F"]
