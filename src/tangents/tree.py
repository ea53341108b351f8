"""Pytrees: nested tuples, lists, dicts (sorted keys), OrderedDicts (insertion order),
defaultdicts (sorted keys, same factory), namedtuples, dataclasses (a field with
``metadata={"static": True}`` is structure, not a leaf), classes added with `register`,
and None; arrays are leaves.

The structure functions live in the core (`tangents.core.tree`); `ravel` is here, written
with the NumPy layer (its pieces are views of the vector, as NumPy's would be)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import numpy as tnp
from .core.tree import (
    PyTree,
    TreeDef,
    children,
    flatten,
    leaves,
    map,
    register,
    structure,
    unflatten,
)
from .typing import Array

__all__ = ["flatten", "unflatten", "map", "leaves", "structure", "register", "children",
           "ravel", "TreeDef"]


def ravel(tree: PyTree) -> tuple[Array, Callable[[Array], PyTree]]:
    """``ravel(tree) -> (flat_vector, unravel)``: concatenate all leaves into one 1-d array.

    >>> v, unravel = ravel({"w": np.ones((2, 2)), "b": np.zeros(2)})
    >>> v.shape, unravel(v)["w"].shape
    ((6,), (2, 2))
    """
    flat, treedef = flatten(tree)
    shapes = [np.shape(x) for x in flat]
    sizes = [int(np.prod(s)) for s in shapes]
    dtypes = [getattr(x, "dtype", np.result_type(x)) for x in flat]
    dtype = np.result_type(*dtypes) if dtypes else np.float64
    vec = (tnp.concatenate([tnp.ravel(x) for x in flat]).astype(dtype) if flat
           else np.zeros(0, dtype))
    offsets = np.cumsum([0] + sizes)

    def unravel(v: Array) -> PyTree:
        if np.shape(v) != (offsets[-1],):
            raise ValueError(f"unravel expects a vector of shape ({offsets[-1]},), "
                             f"got {np.shape(v)}")
        parts = [tnp.reshape(v[offsets[i]:offsets[i + 1]], s).astype(dt)
                 for i, (s, dt) in enumerate(zip(shapes, dtypes))]
        return unflatten(treedef, parts)

    return vec, unravel
