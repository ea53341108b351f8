"""Joining and splitting: concatenate and split are each other's transposes; stack, hstack,
vstack, dstack, column_stack, append, array_split, the atleast_* family and the rest are
composed from them and reshapes.

`split_p` exists next to `concatenate_p` (rather than one getitem per piece) so that the
cotangent of k pieces is one concatenation, not k zero-padded full-size arrays.
"""
from __future__ import annotations

__all__ = ['concatenate', 'stack', 'hstack', 'vstack', 'dstack', 'column_stack', 'append',
           'split', 'array_split', 'hsplit', 'vsplit', 'dsplit', 'unstack',
           'atleast_1d', 'atleast_2d', 'atleast_3d']

import operator
from collections.abc import Callable, Sequence
from typing import Any, overload

import numpy as np

from ..core import Tracer, bind, concatenate_p, split_bounds, split_p
from ..typing import Array, ArrayLike, DTypeLike
from ._creation import asarray, cast
from ._dispatch import implements, normalize_axis, numpy_function, numpy_on_plain, shape_of
from ._indexing import getitem
from ._shape import expand_dims, reshape


# -- concatenate and split (concatenate_p and split_p are the core's) ----------------------
def _as_arrays(arrays: Any, op: str) -> list[Any]:
    if isinstance(arrays, (np.ndarray, Tracer)):
        return [getitem(arrays, i) for i in range(shape_of(arrays)[0])]
    arrays = [asarray(a) for a in arrays]
    if not arrays:
        raise ValueError(f"{op}: need at least one array to concatenate")
    return arrays


@implements(np.concatenate)
@numpy_on_plain(np.concatenate)
def concatenate(arrays: Sequence[ArrayLike] | Array, axis: int | None = 0, out: None = None, *,
                dtype: DTypeLike | None = None, casting: str = "same_kind") -> Array:
    """``concatenate(arrays, axis=0, dtype=None)``; ``axis=None`` joins the flattened arrays.

    >>> concatenate([np.zeros(2), np.ones(1)])
    array([0., 0., 1.])
    """
    if out is not None:
        raise TypeError("concatenate: out= is not supported on traced values")
    arrays = _as_arrays(arrays, "concatenate")
    if axis is None:
        arrays, axis = [reshape(a, (-1,)) for a in arrays], 0
    nd = len(shape_of(arrays[0]))
    if nd == 0:
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis(axis, nd, "concatenate")
    first = shape_of(arrays[0])
    for k, a in enumerate(arrays[1:], 1):
        s = shape_of(a)
        if len(s) != nd or s[:axis] + s[axis + 1:] != first[:axis] + first[axis + 1:]:
            raise ValueError(f"concatenate: array {k} has shape {s}, which does not match the "
                             f"shape {first} of array 0 outside axis {axis}")
    ans = bind(concatenate_p, *arrays, axis=axis)
    return ans if dtype is None else cast(ans, dtype)


@implements(np.stack)
def stack(arrays: Sequence[ArrayLike] | Array, axis: int = 0, out: None = None, *,
          dtype: DTypeLike | None = None, casting: str = "same_kind") -> Array:
    """``stack(arrays, axis=0)``: join equally shaped arrays along a new axis.

    >>> stack([np.zeros(2), np.ones(2)], axis=1)
    array([[0., 1.],
           [0., 1.]])
    """
    arrays = _as_arrays(arrays, "stack")
    first = shape_of(arrays[0])
    for k, a in enumerate(arrays[1:], 1):
        if shape_of(a) != first:
            raise ValueError(f"stack: all input arrays must have the same shape; array {k} has "
                             f"shape {shape_of(a)}, array 0 has {first}")
    axis = normalize_axis(axis, len(first) + 1, "stack")
    return concatenate([expand_dims(a, axis) for a in arrays], axis, out, dtype=dtype)


@implements(np.hstack)
def hstack(tup: Sequence[ArrayLike], *, dtype: DTypeLike | None = None,
           casting: str = "same_kind") -> Array:
    """``hstack(tup)``: join along axis 1 (axis 0 for 1-d arrays).

    >>> hstack([np.zeros(2), np.ones(1)])
    array([0., 0., 1.])
    """
    arrays = _as_list(atleast_1d(*_as_arrays(tup, "hstack")))
    return concatenate(arrays, 0 if len(shape_of(arrays[0])) == 1 else 1, dtype=dtype)


@implements(np.vstack)
def vstack(tup: Sequence[ArrayLike], *, dtype: DTypeLike | None = None,
           casting: str = "same_kind") -> Array:
    """``vstack(tup)``: join along axis 0, 1-d arrays as rows.

    >>> vstack([np.zeros(2), np.ones(2)]).shape
    (2, 2)
    """
    return concatenate(_as_list(atleast_2d(*_as_arrays(tup, "vstack"))), 0, dtype=dtype)


@implements(np.dstack)
def dstack(tup: Sequence[ArrayLike]) -> Array:
    """``dstack(tup)``: join along axis 2 (the depth).

    >>> dstack([np.zeros(2), np.ones(2)]).shape
    (1, 2, 2)
    """
    return concatenate(_as_list(atleast_3d(*_as_arrays(tup, "dstack"))), 2)


@implements(np.column_stack)
def column_stack(tup: Sequence[ArrayLike]) -> Array:
    """``column_stack(tup)``: 1-d arrays as columns of a 2-d array, 2-d arrays as they are.

    >>> column_stack([np.zeros(2), np.ones(2)])
    array([[0., 1.],
           [0., 1.]])
    """
    arrays = []
    for a in _as_arrays(tup, "column_stack"):
        s = shape_of(a)
        arrays.append(reshape(a, (-1, 1) if len(s) == 1 else (1, 1)) if len(s) < 2 else a)
    return concatenate(arrays, 1)


@implements(np.append)
def append(arr: ArrayLike, values: ArrayLike, axis: int | None = None) -> Array:
    """``append(arr, values, axis=None)``: ``concatenate`` of the two (flattened if None).

    >>> append(np.zeros(2), [1.0])
    array([0., 0., 1.])
    """
    arr, values = asarray(arr), asarray(values)
    if axis is None:
        return concatenate([reshape(arr, (-1,)), reshape(values, (-1,))], 0)
    return concatenate([arr, values], axis)


# -- splitting ---------------------------------------------------------------------------
@implements(np.array_split)
def array_split(ary: ArrayLike, indices_or_sections: int | Sequence[int], axis: int = 0
                ) -> list[Array]:
    """``array_split(ary, indices_or_sections, axis=0)``: pieces along ``axis``; an int gives
    that many pieces of sizes differing by at most one, a list the split points.

    >>> [p.shape for p in array_split(np.zeros(5), 2)]
    [(3,), (2,)]
    """
    ary = asarray(ary)
    axis = normalize_axis(axis, len(shape_of(ary)), "array_split")
    n = shape_of(ary)[axis]
    ios: Any = indices_or_sections  # an int or split points: told apart by operator.index
    try:
        sections = operator.index(ios)
    except TypeError:
        points = [0] + [operator.index(i) for i in ios] + [n]
    else:
        if sections <= 0:
            raise ValueError("array_split: number sections must be larger than 0")
        each, extra = divmod(n, sections)
        points = np.cumsum([0] + [each + 1] * extra + [each] * (sections - extra)).tolist()
    slices = [slice(a, b) for a, b in zip(points[:-1], points[1:])]
    ends = [s.indices(n)[:2] for s in slices]
    bounds = tuple((a, max(a, b)) for a, b in ends)
    if all(b[1] == c[0] for b, c in zip(bounds[:-1], bounds[1:])) and bounds[0][0] == 0 \
            and bounds[-1][1] == n:
        return list(bind(split_p, ary, axis=axis, bounds=bounds))
    lead = (slice(None),) * axis
    return [getitem(ary, lead + (s,)) for s in slices]  # overlapping or unordered points


@implements(np.split)
@numpy_on_plain(np.split)
def split(ary: ArrayLike, indices_or_sections: int | Sequence[int], axis: int = 0
          ) -> list[Array]:
    """``split(ary, indices_or_sections, axis=0)``: like `array_split`, but an int must divide
    the axis evenly.

    >>> [p.tolist() for p in split(np.arange(4.0), 2)]
    [[0.0, 1.0], [2.0, 3.0]]
    """
    try:
        sections = operator.index(indices_or_sections)  # type: ignore[arg-type]  # or points
    except TypeError:
        pass
    else:
        n = shape_of(ary)[normalize_axis(axis, len(shape_of(ary)), "split")]
        if sections <= 0 or n % sections:
            raise ValueError("array split does not result in an equal division")
    return array_split(ary, indices_or_sections, axis)


@implements(np.hsplit)
@numpy_on_plain(np.hsplit)
def hsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list[Array]:
    """``hsplit(ary, indices_or_sections)``: `split` along axis 1 (axis 0 for 1-d)."""
    if len(shape_of(ary)) == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return split(ary, indices_or_sections, 1 if len(shape_of(ary)) > 1 else 0)


@implements(np.vsplit)
def vsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list[Array]:
    """``vsplit(ary, indices_or_sections)``: `split` along axis 0 (at least 2-d)."""
    if len(shape_of(ary)) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, 0)


@implements(np.dsplit)
def dsplit(ary: ArrayLike, indices_or_sections: int | Sequence[int]) -> list[Array]:
    """``dsplit(ary, indices_or_sections)``: `split` along axis 2 (at least 3-d)."""
    if len(shape_of(ary)) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, 2)


@implements(numpy_function("unstack"))
@numpy_on_plain(numpy_function("unstack"))
def unstack(x: ArrayLike, /, *, axis: int = 0) -> tuple[Array, ...]:
    """``unstack(x, axis=0)``: the slices along ``axis``, as a tuple.

    >>> [p.tolist() for p in unstack(np.arange(4.0).reshape(2, 2))]
    [[0.0, 1.0], [2.0, 3.0]]
    """
    nd = len(shape_of(x))
    if nd == 0:
        raise ValueError("Input array must be at least 1-d.")
    axis = normalize_axis(axis, nd, "unstack")
    s = shape_of(x)
    parts = bind(split_p, x, axis=axis, bounds=split_bounds([1] * s[axis]))
    return tuple(reshape(p, s[:axis] + s[axis + 1:]) for p in parts)


# -- atleast_nd ----------------------------------------------------------------------------
def _as_list(res: Any) -> list[Any]:
    return list(res) if isinstance(res, tuple) else [res]


def _atleast(arys: Sequence[Any], new_shape: Callable[[tuple[int, ...]], tuple[int, ...]]
             ) -> Any:
    out = []
    for a in arys:
        a = asarray(a)
        s = shape_of(a)
        out.append(reshape(a, new_shape(s)) if new_shape(s) != s else a)
    return out[0] if len(out) == 1 else tuple(out)


@overload
def atleast_1d(ary: ArrayLike, /) -> Array: ...
@overload
def atleast_1d(ary1: ArrayLike, ary2: ArrayLike, /, *arys: ArrayLike) -> tuple[Array, ...]: ...
@implements(np.atleast_1d)
def atleast_1d(*arys: ArrayLike) -> Array | tuple[Array, ...]:
    """``atleast_1d(*arys)``: 0-d arrays become shape (1,); a tuple for several arguments.

    >>> atleast_1d(1.0)
    array([1.])
    """
    return _atleast(arys, lambda s: s or (1,))


@overload
def atleast_2d(ary: ArrayLike, /) -> Array: ...
@overload
def atleast_2d(ary1: ArrayLike, ary2: ArrayLike, /, *arys: ArrayLike) -> tuple[Array, ...]: ...
@implements(np.atleast_2d)
def atleast_2d(*arys: ArrayLike) -> Array | tuple[Array, ...]:
    """``atleast_2d(*arys)``: shape (n,) becomes (1, n), 0-d becomes (1, 1).

    >>> atleast_2d(np.zeros(3)).shape
    (1, 3)
    """
    return _atleast(arys, lambda s: (1,) * (2 - len(s)) + s if len(s) < 2 else s)


@overload
def atleast_3d(ary: ArrayLike, /) -> Array: ...
@overload
def atleast_3d(ary1: ArrayLike, ary2: ArrayLike, /, *arys: ArrayLike) -> tuple[Array, ...]: ...
@implements(np.atleast_3d)
def atleast_3d(*arys: ArrayLike) -> Array | tuple[Array, ...]:
    """``atleast_3d(*arys)``: shape (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1).

    >>> atleast_3d(np.zeros((2, 3))).shape
    (2, 3, 1)
    """
    def new_shape(s: tuple[int, ...]) -> tuple[int, ...]:
        return {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}.get(len(s), s)
    return _atleast(arys, new_shape)


if hasattr(np, "row_stack"):  # removed in NumPy 2.5
    @implements(np.row_stack)
    def row_stack(tup: Sequence[ArrayLike], *, dtype: DTypeLike | None = None,
                  casting: str = "same_kind") -> Array:
        """``row_stack(tup)``: NumPy's deprecated alias of `vstack`."""
        return vstack(tup, dtype=dtype, casting=casting)

    __all__.append("row_stack")
