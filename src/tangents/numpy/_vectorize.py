"""apply_along_axis, apply_over_axes and vectorize, run through vmap: one vectorised call
per function, differentiable, instead of NumPy's Python loop."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from ..core import vmap
from ..typing import Array, ArrayLike, DTypeLike
from ._dispatch import implements, normalize_axis, shape_of
from ._shape import broadcast_to, moveaxis, reshape

__all__ = ["apply_along_axis", "apply_over_axes", "vectorize"]


def _map_leading(fun: Callable[[Any], Any], x: Any, nlead: int) -> Any:
    """Apply ``fun`` to every slice ``x[i0, ..., i_{nlead-1}]`` with one vmap."""
    lead = shape_of(x)[:nlead]
    n = int(np.prod(lead))
    flat = reshape(x, (n,) + shape_of(x)[nlead:])
    out = vmap(fun)(flat) if n else None
    if out is None:
        raise ValueError("apply_along_axis: cannot apply a function over an empty set of slices")
    return reshape(out, lead + shape_of(out)[1:])


@implements(np.apply_along_axis)
def apply_along_axis(func1d: Callable[..., Any], axis: int, arr: ArrayLike, *args: Any,
                     **kwargs: Any) -> Array:
    """``apply_along_axis(func1d, axis, arr, *args, **kwargs)``: NumPy's semantics (the
    result's axes replace ``axis``), computed by one vmapped call of ``func1d``.

    >>> apply_along_axis(lambda r: r.sum(), 1, np.ones((2, 3)))
    array([3., 3.])
    """
    arr = arr if hasattr(arr, "shape") else np.asarray(arr)
    nd = len(shape_of(arr))
    axis = normalize_axis(axis, nd, "apply_along_axis")
    moved = moveaxis(arr, axis, -1)
    out = _map_leading(lambda row: func1d(row, *args, **kwargs), moved, nd - 1)
    res_nd = len(shape_of(out)) - (nd - 1)
    # NumPy puts the function's result axes where ``axis`` was
    return moveaxis(out, tuple(range(nd - 1, nd - 1 + res_nd)),
                    tuple(range(axis, axis + res_nd))) if res_nd else out


@implements(np.apply_over_axes)
def apply_over_axes(func: Callable[[Array, int], Array], a: ArrayLike,
                    axes: int | Sequence[int]) -> Array:
    """``apply_over_axes(func, a, axes)``: ``func(a, axis)`` for each axis in turn, keeping
    the reduced axis as length one (NumPy's semantics)."""
    val: Any = a
    nd = len(shape_of(a))
    for ax in np.atleast_1d(axes):
        ax = normalize_axis(int(ax), nd, "apply_over_axes")
        res = func(val, ax)
        if len(shape_of(res)) == len(shape_of(val)):
            val = res
        elif len(shape_of(res)) == len(shape_of(val)) - 1:
            val = reshape(res, shape_of(res)[:ax] + (1,) + shape_of(res)[ax:])
        else:
            raise ValueError("apply_over_axes: function is not returning an array of the "
                             "correct shape")
    return val


_DIM = r"\w+"
_CORE = rf"\((?:{_DIM}(?:,{_DIM})*)?\)"
_SIGNATURE = re.compile(rf"^{_CORE}(?:,{_CORE})*->{_CORE}(?:,{_CORE})*$")


def _parse_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    sig = signature.replace(" ", "")
    if not _SIGNATURE.match(sig):
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")
    ins, outs = sig.split("->")
    parse = lambda s: [tuple(d for d in g.split(",") if d)  # noqa: E731
                       for g in re.findall(r"\((.*?)\)", s)]
    return parse(ins), parse(outs)


class vectorize:
    """``vectorize(pyfunc, otypes=None, excluded=None, signature=None)``: NumPy's vectorize,
    computed by vmap (one vectorised call, differentiable) instead of a Python loop.

    >>> vectorize(lambda a, b: a * b + 1)(np.arange(3.0), 2.0)
    array([1., 3., 5.])
    >>> vectorize(lambda u, v: u @ v, signature="(n),(n)->()")(np.ones((4, 3)), np.ones(3))
    array([3., 3., 3., 3.])
    """

    def __init__(self, pyfunc: Callable[..., Any], otypes: str | Sequence[DTypeLike] | None = None,
                 doc: str | None = None, excluded: Iterable[int] | None = None,
                 cache: bool = False, signature: str | None = None) -> None:
        self.pyfunc = pyfunc
        self.otypes = otypes
        self.excluded = set(excluded or ())
        self.signature = signature
        self.__doc__ = doc or getattr(pyfunc, "__doc__", None)
        self._core = _parse_signature(signature) if signature else None

    def __call__(self, *args: Any, **kwargs: Any) -> Array | tuple[Array, ...]:
        positions = [i for i in range(len(args)) if i not in self.excluded]
        fixed = dict(kwargs)
        arrays = [args[i] if hasattr(args[i], "shape") else np.asarray(args[i])
                  for i in positions]
        in_core = self._core[0] if self._core else [()] * len(arrays)
        if len(in_core) != len(arrays):
            raise TypeError(f"vectorize: signature {self.signature!r} expects {len(in_core)} "
                            f"array arguments, got {len(arrays)}")
        loop_shapes = []
        for a, core in zip(arrays, in_core):
            s = shape_of(a)
            if len(s) < len(core):
                raise ValueError(f"vectorize: an input of shape {s} has fewer dimensions than "
                                 f"its core dimensions {core}")
            loop_shapes.append(s[:len(s) - len(core)])
        loop = np.broadcast_shapes(*loop_shapes)
        n = int(np.prod(loop))
        if n == 0 and not self.otypes and not self.signature:
            raise ValueError(f"vectorize: cannot call it on inputs of size 0 (loop shape {loop}) "
                             "unless otypes is set, as in NumPy: the output dtype comes from "
                             "calling pyfunc on the first element; pass otypes=[...]")
        flat = [reshape(broadcast_to(a, loop + shape_of(a)[len(ls):]), (n,) + shape_of(a)[len(ls):])
                for a, ls in zip(arrays, loop_shapes)]

        def call(*xs: Any) -> Any:
            full = list(args)
            for i, x in zip(positions, xs):
                full[i] = x
            return self.pyfunc(*full, **fixed)

        out = vmap(call)(*flat) if n else vmap(call, axis_size=0)(*flat)
        out = _unflatten(out, loop)
        if self.otypes:
            from ._creation import cast
            outs = out if isinstance(out, tuple) else (out,)
            outs = tuple(cast(o, np.dtype(t)) for o, t in zip(outs, self.otypes))
            out = outs if isinstance(out, tuple) else outs[0]
        return out


def _unflatten(out: Any, loop: tuple[int, ...]) -> Any:
    if isinstance(out, (tuple, list)):
        return tuple(_unflatten(o, loop) for o in out)
    return reshape(out, loop + shape_of(out)[1:])
