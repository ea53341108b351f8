"""What the core's backend hooks (`tangents.core.tracer.backend`) learn from the layers
above it: the Array API namespace of traced values, SciPy's ufuncs (registered on first
use), Dask's lazy arrays, and precise errors for libraries known to convert a traced value
to a plain array (np.vectorize, np.r_, numpy.ma, xarray, SciPy) found by looking at the
caller's stack frames."""
from __future__ import annotations

import importlib
import itertools
import os
import sys

import numpy as np

from . import numpy as tnp
from .core import Tracer, TracerConversionError, backend, check_subclass
from .core import tree as tree_util

__all__ = []


def _foreign_ufunc(ufunc):
    """SciPy's ufuncs get their handlers when tangents.scipy.special is first imported."""
    from .core import ufunc_handlers
    if ufunc not in ufunc_handlers:
        import tangents.scipy.special  # noqa: F401  (registers SciPy's ufuncs)
    return ufunc_handlers.get(ufunc), "scipy.special"


def _keep_input(x):
    return type(x).__module__.startswith("dask")  # Dask arrays are kept lazy


def _numpy_add_at(ct, index, shape):
    out = np.zeros(shape, ct.dtype)
    np.add.at(out, index, ct)
    return out


def _dask_add_at(ct, index, shape):
    """Zeros of ``shape`` with the Dask cotangent ``ct`` added at ``index``, lazily: a basic
    index writes ``ct`` into Dask zeros that keep its chunks along the axes it takes whole;
    an advanced one (repeated entries accumulate) is one np.add.at task over ``ct``'s
    chunks, meant for cotangents of parameter size; an index holding a Dask integer array
    is scattered chunk by chunk (`_dask_scatter`)."""
    if any(_keep_input(e) for e in index):
        return _dask_scatter(ct, index, shape)
    if not _keep_input(ct):
        return None
    import dask
    import dask.array as da

    if any(isinstance(e, (np.ndarray, bool)) for e in index):
        task = dask.delayed(_numpy_add_at, pure=True)(ct, index, shape)
        return da.from_delayed(task, shape, ct.dtype)
    index = _expand_ellipsis(index, len(shape))
    if None in index:  # a None entry gave ct an axis of length one that the zeros lack
        ct_axes = [e for e in index if not isinstance(e, int)]  # an int takes no ct axis
        ct = ct.reshape(tuple(n for e, n in zip(ct_axes, ct.shape) if e is not None))
        index = tuple(e for e in index if e is not None)
    # an axis taken whole (a full slice) keeps ct's chunks; Dask picks the others
    ct_chunks, chunks = iter(ct.chunks), []
    for e in index:
        if isinstance(e, slice):
            along = next(ct_chunks)
            chunks.append(along if e == slice(None) else "auto")
        else:
            chunks.append("auto")
    out = da.zeros(shape, dtype=ct.dtype, chunks=chunks)
    out[index] = ct
    return out


def _dask_vmap(batched, args, axes, out_axes):
    """``batched`` (a vmapped function) over the chunks of the Dask arrays of ``args``
    mapped along ``axes``: one task per chunk of the first such array along its mapped
    axis, the outputs concatenated lazily.  Shapes and dtypes of the outputs come from a
    probe of one row of ones (never from the data); None when no mapped leaf is Dask or a
    leaf is traced (then vmap batches the Dask arrays whole)."""
    leaves, treedef = tree_util.flatten(args)
    lazy = [i for i, (x, ax) in enumerate(zip(leaves, axes)) if ax is not None
            and _keep_input(x)]
    if not lazy or any(isinstance(x, Tracer) for x in leaves):
        return None
    first = leaves[lazy[0]]
    bounds = np.cumsum((0,) + first.chunks[axes[lazy[0]] % first.ndim])
    for x, ax in zip(leaves, axes):
        if ax is not None and (not -np.ndim(x) <= ax < np.ndim(x)
                               or np.shape(x)[ax] != bounds[-1]):
            return None  # vmap's own checks say what is wrong
    import dask

    def rows(start, stop, ones=False):
        out = []
        for x, ax in zip(leaves, axes):
            if ax is None:
                out.append(x)
                continue
            if ones and _keep_input(x):  # a stand-in row with the shape and dtype of x's
                shape = list(x.shape)
                shape[ax] = stop - start
                x = np.ones(shape, x.dtype)
            out.append(x[(slice(None),) * (ax % x.ndim) + (slice(start, stop),)])
        return tree_util.unflatten(treedef, out)

    with np.errstate(all="ignore"):
        probe = batched(*rows(0, 1, ones=True))
    probe_flat, out_tree = tree_util.flatten(probe)
    oaxes = tree_util.broadcast_prefix(out_axes, probe, "out_axes",
                                       (int, np.integer, type(None)), "vmap")
    tasks = [dask.delayed(_call_flat, pure=True)(batched, rows(a, b))
             for a, b in zip(bounds[:-1], bounds[1:])]
    res = [_dask_concat(p, ax, tasks, i, bounds) for i, (p, ax) in
           enumerate(zip(probe_flat, oaxes))]
    return tree_util.unflatten(out_tree, res)


def _call_flat(fun, args):
    return tree_util.leaves(fun(*args))


def _dask_concat(probe, ax, tasks, i, bounds):
    """Output leaf ``i`` of every chunk's task, concatenated along its mapped axis ``ax``
    (the first chunk's for an unmapped output); ``probe`` gives its shape and dtype."""
    import dask.array as da
    shape = list(np.shape(probe))
    if ax is None:
        return da.from_delayed(tasks[0][i], tuple(shape), np.result_type(probe))
    ax %= len(shape)
    parts = []
    for task, n in zip(tasks, np.diff(bounds)):
        shape[ax] = int(n)
        parts.append(da.from_delayed(task[i], tuple(shape), np.result_type(probe)))
    return da.concatenate(parts, axis=ax)


def _dask_basis(x, shape, start, stop):
    """Rows ``start:stop`` of the identity over ``shape`` as a Dask array, ``(rows,) +
    shape``, chunked like ``x`` when it has that shape: never an identity on the driver."""
    if not _keep_input(x):
        return None
    import dask.array as da
    n, rows = int(np.prod(shape)), stop - start
    block = max(int(np.prod(b)) for b in itertools.product(*x.chunks)) if x.size else 1
    # eye(rows, n, k=start)[r, j] = 1 where j == start + r
    out = da.eye(rows, chunks=max(block, 1), M=n, k=start, dtype=x.dtype)
    out = out.reshape((rows,) + tuple(shape))
    if tuple(x.shape) == tuple(shape):
        out = out.rechunk((out.chunks[0],) + x.chunks)
    return out


def _expand_ellipsis(index, ndim):
    """A basic index with its Ellipsis written out as full slices, and full slices for
    the trailing axes it leaves out."""
    taken = sum(1 for e in index if e is not None and e is not Ellipsis)
    out = []
    for e in index:
        out.extend([slice(None)] * (ndim - taken) if e is Ellipsis else [e])
    if not any(e is Ellipsis for e in index):  # `in` would compare arrays
        out.extend([slice(None)] * (ndim - taken))
    return tuple(out)


# Each check runs in Tracer.__array__: frame 0 is the check, 1 __array__, 2 the Python code
# whose np.asarray (or np.array, or assignment into an ndarray) converts the tracer.
def _np_vectorize_check(tracer):
    frame = sys._getframe(2)
    for _ in range(6):
        if frame is None:
            return
        if frame.f_code.co_name in ("_vectorize_call", "_get_ufunc_and_otypes",
                                    "_vectorize_call_with_signature"):
            raise TracerConversionError(
                "np.vectorize cannot be intercepted on traced values (it loops in Python over "
                "plain arrays); use tangents.numpy.vectorize(pyfunc, signature=...), which "
                "runs the function once through vmap and is differentiable")
        frame = frame.f_back


def _converter_check(tracer):
    """What to use instead, where a known library's code converts a tracer to an array."""
    frame = sys._getframe(2)
    module = frame.f_globals.get("__name__", "")
    if "index_tricks" in module and frame.f_code.co_name == "__getitem__":
        raise TracerConversionError(
            "np.r_ / np.c_ turn each piece into an array with np.array, which traced values "
            "cannot answer; use tangents.numpy.r_ / tangents.numpy.c_ (the same index "
            "expressions, differentiable)")
    if module.startswith("xarray."):
        raise TracerConversionError(
            "xarray converted its traced data to a plain array (.values, .to_numpy(), "
            "float(da), ...), which would drop its derivative; use the traced array "
            "da.data instead (float(da.sum().data) outside the transform)")


def _numpy_ma_check(tracer):
    frame = sys._getframe(2)
    for _ in range(4):
        if frame is None:
            return
        if frame.f_globals.get("__name__", "").startswith("numpy.ma"):
            check_subclass(np.ma.MaskedArray, "a numpy.ma operation on a traced value",
                           "one of its operands")
        frame = frame.f_back


def _scipy_check(tracer):
    """SciPy converting a tracer: name the SciPy function the user called (the outermost
    SciPy frame) and say what to use instead."""
    frame, found = sys._getframe(2), None
    for _ in range(12):
        if frame is None:
            break
        module = frame.f_globals.get("__name__", "")
        if module.startswith("scipy."):
            public = module.split("._")[0]  # scipy.special._logsumexp -> scipy.special
            found = f"{public}.{frame.f_code.co_name}"
        elif found is not None:
            break
        frame = frame.f_back
    if found is not None:
        raise TracerConversionError(
            f"{found} converted a traced value to a plain array, which would drop its "
            f"derivative. {_scipy_version_advice(found)}" + _scipy_array_api_advice())


def _scipy_version_advice(found):
    """Name tangents' version of the SciPy function ``found`` only where there is one."""
    module, _, name = found.rpartition(".")
    try:
        ours = importlib.import_module(f"tangents.{module}")
    except ImportError:
        ours = None
    if ours is not None and name in getattr(ours, "__all__", ()):
        return f"Use tangents.{found}"
    return (f"tangents.scipy has no version of {found}: write it with tangents.numpy "
            "operations")


def _scipy_array_api_advice():
    """The end of the SciPy conversion message: whether SCIPY_ARRAY_API=1 can help."""
    if os.environ.get("SCIPY_ARRAY_API") != "1":
        return (", or set the environment variable SCIPY_ARRAY_API=1 before SciPy is "
                "imported, so that SciPy's array-API functions compute with tangents.numpy.")
    conf = sys.modules.get("scipy._lib._array_api")  # SciPy reads the variable on import
    if conf is not None and getattr(conf, "SCIPY_ARRAY_API", "1") in ("", "0", False, None):
        return ("; SCIPY_ARRAY_API=1 is set but SciPy was imported before it was, so its "
                "array-API support is off: set it before the first import of SciPy.")
    return ("; SCIPY_ARRAY_API=1 is set and active, so this SciPy function has no array-API "
            "support for these arguments in the installed SciPy.")


backend.namespace = tnp
backend.foreign_ufunc = _foreign_ufunc
backend.keep_input = _keep_input
backend.lazy_add_at = _dask_add_at
backend.lazy_vmap = _dask_vmap
backend.lazy_basis = _dask_basis
backend.conversion_checks[:] = [_np_vectorize_check, _converter_check, _numpy_ma_check,
                                _scipy_check]


# -- arrays of other Array API libraries (array-api-strict, ...): computed on as NumPy by
# the transforms (core/lifting.keep_array_type) and given back in their own namespace
def _foreign_namespace(x):
    """The Array API namespace of ``x`` when it is an array of a library other than NumPy,
    Dask (kept lazy, above) and tangents itself; None otherwise."""
    if isinstance(x, (np.ndarray, np.generic, Tracer)) or _keep_input(x):
        return None
    if getattr(type(x), "__array_namespace__", None) is None:
        return None
    return x.__array_namespace__()


backend.foreign_namespace = _foreign_namespace

# SciPy functions that convert their inputs route traced calls to tangents' versions
# (tangents.scipy._registry; SciPy is imported by the user, never here)
from .scipy import _registry as _scipy_routes  # noqa: E402

_scipy_routes.watch()


# -- Dask integer arrays as indices (E[labels], logp[np.arange(N), labels], np.take and
# np.take_along_axis with Dask labels): gathered by Dask's own indexing and scattered back
# chunk by chunk, never computed inside a transform
def _dask_getitem(x, index):
    """``x[index]`` as a Dask array when an entry of ``index`` is a Dask integer array;
    None otherwise.  The advanced entries are merged into one flat index over the axes they
    take (row-major), which Dask takes along one axis of ``x`` with those axes merged."""
    if not any(_keep_input(e) for e in index):
        return None
    import dask.array as da
    plan = _IndexPlan(index, np.shape(x))
    if plan.aligned and _keep_input(x):
        return _aligned(_aligned_take, x, plan, x.chunks[0], len(plan.adv))
    y = da.asarray(x).reshape(plan.merged_shape)[plan.basic]
    out = y[(slice(None),) * plan.pos + (plan.flat,)]
    return out.reshape(plan.out_shape(out.shape))


def _dask_scatter(ct, index, shape):
    """Zeros of ``shape`` with ``ct`` added at ``index`` (an index holding a Dask integer
    array), lazily: each chunk of ``ct`` (with its chunk of the flat index) is added with
    np.add.at into each chunk of the merged axis, and the chunks' parts are summed as a
    tree, so the graph grows with the chunks and repeated indices accumulate."""
    import dask.array as da
    plan = _IndexPlan(index, shape)
    if plan.aligned:  # each chunk of rows of ct scatters into the same rows of the result
        ct = da.asarray(ct)
        return _aligned(_aligned_add_at, ct, plan, ct.chunks[0], len(plan.adv_shape),
                        taken=tuple(shape[1:len(plan.adv)]))
    length = plan.merged_shape[plan.axis]
    # ct as (flat entries, the sliced axes): its advanced dims merged and moved first
    ct = da.asarray(ct).reshape(plan.ct_shape(np.shape(ct)))
    ct = da.moveaxis(ct, plan.pos, 0)
    flat = plan.flat.rechunk((ct.chunks[0],)).reshape((-1,) + (1,) * (ct.ndim - 1))
    rest = ct.chunks[1:]
    # rows of the merged axis per part: Dask's "auto" size for a block of (rows,) + rest
    rows = da.core.normalize_chunks(("auto",) + tuple(max(c) for c in rest),
                                    (length,) + tuple(max(c) for c in rest), dtype=ct.dtype)
    bounds = np.cumsum((0,) + rows[0])
    parts = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        part = da.map_blocks(_scatter_block, ct, flat, int(start), int(stop), new_axis=1,
                             chunks=((1,) * len(ct.chunks[0]), (int(stop - start),)) + rest,
                             dtype=ct.dtype)
        parts.append(part.sum(axis=0, split_every=8))
    out = da.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]
    out = da.moveaxis(out, 0, plan.pos)  # back to the merged layout of x's axes
    if plan.basic != (slice(None),) * len(plan.merged_shape):  # x[2:5, labels]: embed
        out = _dask_add_at(out, plan.basic, plan.merged_shape)
    return out.reshape(shape)


def _scatter_block(ct, flat, start, stop):
    """One chunk of ``ct`` added at its flat indices into rows ``start:stop`` of zeros."""
    flat = flat.reshape(-1)
    keep = (flat >= start) & (flat < stop)
    out = np.zeros((1, stop - start) + ct.shape[1:], ct.dtype)
    np.add.at(out[0], flat[keep] - start, ct[keep])
    return out


def _bounded(i, n, what):
    """Index chunk ``i`` for an axis of length ``n``, negatives wrapped; out of range raises
    when the graph computes (as NumPy would), never a wrapped or dropped entry."""
    i = np.asarray(i)
    bad = (i < -n) | (i >= n)
    if bad.any():
        raise IndexError(f"{what}: index {int(i[bad][0])} of a Dask index array is out of "
                         f"bounds for an axis of size {n}")
    return np.where(i < 0, i + n, i).astype(np.intp)


class _IndexPlan:
    """An index holding a Dask integer array, as Dask can take it: its advanced entries
    (arrays and ints, adjacent) become one flat index ``flat`` (1-D, bounds-checked) into
    ``merged_shape`` (``shape`` with the axes they take merged into axis ``axis``), taken
    at position ``pos`` of ``merged[basic]`` (its slices, Nones dropped)."""

    def __init__(self, index, shape):
        import dask.array as da
        if any(isinstance(e, bool) for e in index):
            raise NotImplementedError(
                "x[index]: a boolean scalar next to a Dask integer index array is not "
                "supported lazily; index with the Dask array alone")
        index = _expand_ellipsis(index, len(shape))
        adv = [j for j, e in enumerate(index) if e is not None and not isinstance(e, slice)]
        if adv != list(range(adv[0], adv[-1] + 1)):
            raise NotImplementedError(
                "x[index] with a Dask integer index array: the index arrays (and integers) "
                "are separated by a slice or None, which Dask cannot take lazily; put them "
                "next to each other (np.moveaxis first), or use one 1-D label array per "
                "indexing call or np.take_along_axis")
        axis = sum(e is not None for e in index[:adv[0]])
        taken = tuple(shape[axis:axis + len(adv)])
        self.merged_shape = (tuple(shape[:axis]) + (int(np.prod(taken)),)
                             + tuple(shape[axis + len(adv):]))
        arrays = da.broadcast_arrays(*[_dask_index(index[j], n) for j, n in zip(adv, taken)])
        self.adv_shape = arrays[0].shape
        first = index[adv[0]]
        # logp[np.arange(N), labels], take_along_axis: output row r reads row r of x only
        self.aligned = (adv[0] == 0 and None not in index[adv[-1] + 1:]
                        and isinstance(first, np.ndarray) and first.ndim == len(self.adv_shape)
                        and first.shape == (taken[0],) + (1,) * (first.ndim - 1)
                        and self.adv_shape[0] == taken[0]
                        and all(e == slice(None) for e in index[adv[-1] + 1:])
                        and np.array_equal(first.ravel() % taken[0], np.arange(taken[0])))
        self.rest = arrays[1:]
        strides = np.cumprod((1,) + taken[:0:-1])[::-1]  # row-major strides of ``taken``
        flat = arrays[0] * int(strides[0])
        for i, s in zip(arrays[1:], strides[1:]):
            flat = flat + i * int(s)
        self.flat = flat.reshape(-1)
        pre = tuple(e for e in index[:adv[0]] if isinstance(e, slice))
        post = tuple(e for e in index[adv[-1] + 1:] if e is not None)
        self.index, self.adv, self.axis, self.pos = index, adv, axis, len(pre)
        self.basic = pre + (slice(None),) + post

    def out_shape(self, taken_shape):
        """NumPy's shape of ``x[index]`` from the shape of ``merged[basic]`` taken at
        ``flat``: Nones back as axes of one, the flat axis unravelled in place."""
        lens = iter(taken_shape[:self.pos] + taken_shape[self.pos + 1:])
        out = []
        for j, e in enumerate(self.index):
            if j == self.adv[0]:
                out.extend(self.adv_shape)
            elif e is None:
                out.append(1)
            elif isinstance(e, slice):
                out.append(next(lens))
        return tuple(out)

    def ct_shape(self, ct_shape):
        """The inverse of `out_shape`: a cotangent's shape as ``merged[basic]`` taken."""
        dims, out = iter(ct_shape), []
        for j, e in enumerate(self.index):
            if j == self.adv[0]:
                out.append(int(np.prod([next(dims) for _ in self.adv_shape])))
            elif e is None:
                next(dims)
            elif isinstance(e, slice):
                out.append(next(dims))
        return tuple(out)


def _dask_index(e, n):
    """One advanced entry as a bounds-checked Dask integer array for an axis of length n."""
    import dask.array as da
    what = "indexing with a Dask integer array"
    if _keep_input(e):
        return e.map_blocks(_bounded, n, what, dtype=np.intp)
    e = _bounded(e, n, what)
    if e.ndim and e.size == max(e.shape) and np.array_equal(e.ravel(), np.arange(e.size)):
        # np.arange(N) (take_along_axis's too): made by Dask, not N integers in the graph
        return da.arange(e.size, chunks="auto").reshape(e.shape)
    return da.from_array(e, chunks=-1)


backend.lazy_getitem = _dask_getitem


def _aligned(fun, x, plan, rows, lead, taken=None):
    """``fun`` on each chunk of ``rows`` of ``x`` (its first ``lead`` axes: x's indexed
    axes for a gather, the index's for a scatter) with the same rows of the other index
    arrays: the row index is the identity, so no chunk reads another's rows."""
    import dask.array as da
    nb, k = len(plan.adv_shape), len(plan.adv)
    x = x.rechunk({i: -1 for i in range(1, lead)})
    b_ind = ("r",) + tuple(f"b{i}" for i in range(1, nb))
    t_ind = ("r",) + tuple(f"t{i}" for i in range(1, k))
    post = tuple(f"p{i}" for i in range(x.ndim - lead))
    args = []
    for a in plan.rest:
        args += [a.rechunk((rows,) + (-1,) * (nb - 1)), b_ind]
    if taken is None:  # gather: x's rows and indexed axes in, the index's axes out
        return da.blockwise(fun, b_ind + post, x, t_ind + post, *args, nb=nb,
                            dtype=x.dtype, concatenate=True)
    new_axes = {f"t{i}": n for i, n in enumerate(taken, 1)}
    return da.blockwise(fun, t_ind + post, x, b_ind + post, *args, nb=nb, taken=taken,
                        new_axes=new_axes, dtype=x.dtype, concatenate=True)


def _aligned_take(x, *rest, nb):
    local = np.arange(x.shape[0]).reshape((-1,) + (1,) * (nb - 1))
    return x[(local,) + rest]


def _aligned_add_at(ct, *rest, nb, taken):
    local = np.arange(ct.shape[0]).reshape((-1,) + (1,) * (nb - 1))
    out = np.zeros((ct.shape[0],) + taken + ct.shape[nb:], ct.dtype)
    np.add.at(out, (local,) + rest, ct)  # repeated labels in a row accumulate
    return out
