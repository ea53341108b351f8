"""What every transform does around its interpreter: fix the arguments it does not
differentiate (`split_args`), flatten and check the ones it does (`Lift`), call the function
on their tracers and close the trace (`Lift.run`), split off ``has_aux`` (`split_aux`); and
around the function a transform returns, another Array API library's arrays read as NumPy
and its results given back in their type (`keep_array_type`).

A transform is then its own part only: which trace it opens, how it boxes the leaves and what
it reads from the outputs (see transforms.py)."""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from . import tree as tree_util
from .trace import Trace
from .tracer import Tracer, TracerConversionError, backend, check_subclass

__all__ = ["Argnums", "Lift", "split_args", "split_aux", "normalize_argnums", "as_input",
           "fun_name", "unwrap_out", "keep_array_type"]

# argnums: one argument's position or several (a tuple or list of them)
Argnums = int | Sequence[int]
# transforms whose error messages name arguments by position only (no "argnums=")
_NO_ARGNUMS = frozenset(("vjp", "jvp", "linearize", "vmap"))


# -- argument checking -------------------------------------------------------------------
def as_input(x: Any, op: str, where: str | Callable[[], str], need_float: bool) -> Any:
    """Validate one leaf of a transform's input and return it as an array (or tracer);
    ``where`` names the leaf in errors (a callable: built only when an error needs it)."""
    if type(x) is np.ndarray and x.dtype.kind in "fc":
        return x
    if isinstance(x, Tracer):
        dt = x.dtype
    else:
        if isinstance(x, np.ndarray):
            check_subclass(x, op, _text(where))
        if not isinstance(x, (np.ndarray, np.generic, float, int, complex, bool)):
            if backend.keep_input(x):
                pass  # a lazy array library's arrays (Dask) are kept as they are
            elif hasattr(x, "__array__") or isinstance(x, (list, tuple)):
                x = np.asarray(x)
            else:
                raise TypeError(f"{op}: {_text(where)} has type {type(x).__name__}, which is "
                                "not an array; pass NumPy arrays, Python numbers or pytrees "
                                "of them")
        else:
            x = np.asarray(x)
        dt = x.dtype
    if dt.kind in "OSUVMm":
        raise TypeError(f"{op}: {_text(where)} has dtype {dt}, which cannot be differentiated; "
                        "pass a numeric array (for ragged data, pad it to a rectangular array)")
    if need_float and dt.kind not in "fc":
        raise TypeError(f"{op}: {_text(where)} has dtype {dt}; derivatives need floating-point "
                        f"inputs. Convert it with x.astype(float) (or np.float32).")
    return x


def _text(where: str | Callable[[], str]) -> str:
    return where if isinstance(where, str) else where()


def fun_name(fun: Callable[..., Any]) -> str:
    # ufuncs have no __qualname__ before NumPy 2.2
    return (getattr(fun, "__qualname__", None) or getattr(fun, "__name__", None)
            or type(fun).__name__)


def _paths(tree: Any) -> list[str]:
    """The pytree path of each leaf of ``tree``, in flatten order ("" for a leaf)."""
    if isinstance(tree, (tuple, list)) and not hasattr(tree, "_fields"):
        return [f"[{i}]{p}" for i, c in enumerate(tree) for p in _paths(c)]
    if hasattr(tree, "_fields"):
        return [f".{k}{p}" for k, c in zip(tree._fields, tree) for p in _paths(c)]
    if type(tree) is dict:
        return [f"[{k!r}]{p}" for k in sorted(tree) for p in _paths(tree[k])]
    if tree is None:
        return []
    n = len(tree_util.leaves(tree))
    return [""] if n == 1 else [f" (leaf {k})" for k in range(n)]


def _leaf_names(fun: Callable[..., Any], trees: Sequence[Any], positions: Sequence[int],
                argnums: bool = False) -> list[str]:
    """For error messages: each leaf of the arguments ``trees`` (at ``positions``) named as
    the user wrote it, e.g. "argument 1 (argnums=1) of loss, at ['w']"."""
    names = []
    for tree, p in zip(trees, positions):
        arg = f"argument {p}" + (f" (argnums={p})" if argnums else "")
        paths = _paths(tree)
        if len(paths) != len(tree_util.leaves(tree)):  # a registered node: number them
            paths = [f" (leaf {k})" for k in range(len(tree_util.leaves(tree)))]
        names += [f"{arg} of {fun_name(fun)}" + (f", at {q}" if q else "") for q in paths]
    return names


def normalize_argnums(argnums: Argnums, nargs: int, op: str) -> tuple[bool, tuple[int, ...]]:
    """``(single, nums)``: whether ``argnums`` names one argument, and the positions it
    names (non-negative), checked against the call's ``nargs`` positional arguments."""
    if type(argnums) is int and 0 <= argnums < nargs:
        return True, (argnums,)
    single = isinstance(argnums, (int, np.integer))
    try:
        nums = (argnums,) if isinstance(argnums, (int, np.integer)) else tuple(argnums)
    except TypeError:
        raise TypeError(f"{op}: argnums must be an int or a tuple of ints, "
                        f"got {argnums!r}") from None
    if not nums:
        raise ValueError(f"{op}: argnums is empty")
    out = []
    for a in nums:
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"{op}: argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -nargs <= a < nargs:
            raise ValueError(f"{op}: argnums={argnums!r} but the function was called with "
                             f"{nargs} positional argument(s)")
        out.append(int(a) % nargs)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: argnums={argnums!r} names the same argument twice")
    return single, tuple(out)


def split_args(fun: Callable[..., Any], argnums: Argnums, args: Sequence[Any],
               kwargs: dict[str, Any], op: str
               ) -> tuple[bool, tuple[int, ...], tuple[Any, ...], Callable[..., Any]]:
    """``(single, nums, dyn, f)`` for a call ``fun(*args, **kwargs)`` differentiated at
    ``argnums``: the arguments ``dyn`` at positions ``nums``, and ``f``, which is ``fun``
    as a function of those only (the others fixed)."""
    single, nums = normalize_argnums(argnums, len(args), op)

    def f(*dyn: Any) -> Any:
        full = list(args)
        for i, v in zip(nums, dyn):
            full[i] = v
        return fun(*full, **kwargs)
    return single, nums, tuple(args[i] for i in nums), f


# -- the call ----------------------------------------------------------------------------
def unwrap_out(x: Any, trace: Trace) -> Any:
    """The primal of an output leaf (a tracer of ``trace``) or the leaf itself."""
    if isinstance(x, Tracer) and x._trace is trace:
        return x._s0  # its primal, whatever the trace's kind
    return x


def split_aux(out: Any, op: str, trace: Trace) -> tuple[Any, Any]:
    """``(out, aux)`` of a ``has_aux=True`` function's result, ``aux`` unboxed from ``trace``."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"{op} with has_aux=True needs the function to return a pair "
                        f"(output, aux), got {type(out).__name__}")
    out, aux = out
    return out, tree_util.map(lambda a: unwrap_out(a, trace), aux)


class Lift:
    """One call of a transform ``op``: the leaves of the arguments ``primals`` it traces,
    flattened (`flat`, `in_tree`) and, with ``check``, validated (`check`); `run`
    calls the function on their tracers.

    ``user`` is the user's function and ``positions`` the argument numbers of ``primals``:
    they name leaves in errors, where the function traced is a partial of ``user``.

    >>> lift = Lift("grad", np.sin, (np.ones(2),))
    >>> lift.name(0)
    'argument 0 (argnums=0) of sin'
    """

    __slots__ = ("op", "user", "primals", "positions", "flat", "in_tree", "_names")

    def __init__(self, op: str, user: Callable[..., Any], primals: Sequence[Any],
                 positions: Sequence[int] | None = None, check: bool = True) -> None:
        self.op, self.user, self.primals = op, user, primals
        self.positions = range(len(primals)) if positions is None else positions
        self._names: list[str] | None = None
        self.flat: list[Any]
        self.flat, self.in_tree = tree_util.flatten(primals)
        if check:
            self.check()

    def check(self) -> None:
        """Validate the leaves as inputs to differentiate (float arrays or tracers)."""
        flat = self.flat
        for i, x in enumerate(flat):
            if type(x) is not np.ndarray or x.dtype.kind not in "fc":
                flat[i] = as_input(x, self.op, functools.partial(self.name, i), True)

    def name(self, i: int, prefix: str = "") -> str:
        """Leaf ``i`` as the user wrote it, after ``prefix`` (the names are built on the
        first error that needs one)."""
        if self._names is None:
            self._names = _leaf_names(self.user, self.primals, self.positions,
                                      argnums=self.op not in _NO_ARGNUMS)
        return prefix + self._names[i]

    def run(self, fun: Callable[..., Any], trace: Trace, ins: Sequence[Any],
            has_aux: bool = False) -> tuple[Any, Any]:
        """``(out, aux)`` of ``fun`` on ``ins`` (the leaves boxed by ``trace``, in
        `in_tree`); the trace is closed after, so a tracer that escapes is caught on use."""
        try:
            out = fun(*tree_util.unflatten(self.in_tree, ins))
        except TypeError as err:
            _list_input_error(err, self.primals, self.op, self.user, self.positions)
            raise
        except ValueError as err:
            _unhide_conversion(err)
            raise
        finally:
            trace.alive = False
        if inspect.isgenerator(out):
            raise TypeError(f"{self.op}: {fun_name(self.user)} returned a generator (it is a "
                            "generator function); differentiate a function that returns "
                            "arrays, e.g. collect the values with np.stack(list(...)) inside it")
        return split_aux(out, self.op, trace) if has_aux else (out, None)


# -- arrays of other Array API libraries -------------------------------------------------
F = TypeVar("F", bound=Callable[..., Any])
# argument types that hold no other library's array: a call with only these (and tracers,
# functions) is passed straight on, the common case
_PLAIN_ARGS = frozenset((np.ndarray, float, int, complex, bool, str, type(None)))


def keep_array_type(op: str) -> Callable[[F], F]:
    """Decorator of the function a transform ``op`` returns: arrays of another Array API
    library among its arguments (any pytree leaf that `backend.foreign_namespace` knows)
    are computed on as NumPy arrays, and every array of the result (values, derivatives,
    aux, and the results of returned functions such as ``vjp_fn``) is given back in that
    namespace, on the first such input's device (dtype and shape kept, 0-d stays 0-d).

    One call takes one array library, as in the Array API: its arrays mixed with NumPy (or
    Dask) arrays, or with another library's, raise ``TypeError`` naming both. Python and
    NumPy scalars mix freely; a returned function also takes NumPy arrays.

    >>> keep_array_type("grad")(np.negative)(np.ones(2))  # NumPy in: passed straight on
    array([-1., -1.])
    """
    def decorate(call: F) -> F:
        @functools.wraps(call)
        def keeping(*args: Any, **kwargs: Any) -> Any:
            for a in args:
                if type(a) not in _PLAIN_ARGS and _may_hold_foreign(a):
                    return _foreign_call(call, args, kwargs, op, None)
            for a in kwargs.values():
                if _may_hold_foreign(a):
                    return _foreign_call(call, args, kwargs, op, None)
            return call(*args, **kwargs)
        return keeping  # type: ignore[return-value]
    return decorate


def _may_hold_foreign(a: Any) -> bool:
    """Whether argument ``a`` may hold another library's array: False for plain values,
    tracers, functions and dicts, lists and tuples of them (a quick look for the common
    call, before `_foreign_call` flattens the arguments)."""
    t = type(a)
    if t in _PLAIN_ARGS:
        return False
    if t is dict:
        a = a.values()
    elif t is not list and t is not tuple:
        return not isinstance(a, Tracer) and not callable(a)
    for v in a:
        if type(v) not in _PLAIN_ARGS and _may_hold_foreign(v):
            return True
    return False


def _foreign_call(call: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any],
                  op: str, fixed: tuple[Any, Any] | None) -> Any:
    """`keep_array_type`'s search: ``call`` on its arguments with other libraries' arrays
    read as NumPy, the result given back.  ``fixed`` is the (namespace, device) of the call
    that returned ``call`` (a ``vjp_fn``), whose results go back there whatever it takes."""
    target, plain = fixed, None
    trees = list(args) + list(kwargs.values())
    for n, tree in enumerate(trees):
        leaves, treedef = tree_util.flatten(tree)
        found = False
        for j, x in enumerate(leaves):
            if type(x) is np.ndarray or backend.keep_input(x):
                plain = plain or type(x).__module__.split(".")[0]
                continue
            ns = backend.foreign_namespace(x)
            if ns is None:
                continue
            if target is None:
                target = (ns, getattr(x, "device", None))
            elif ns is not target[0]:
                raise _mixed_error(op, _ns_name(target[0]), _ns_name(ns))
            leaves[j], found = _to_numpy(x, op, ns), True
        if found:  # an argument without foreign arrays is passed as it is (same object)
            trees[n] = tree_util.unflatten(treedef, leaves)
    if target is None:
        return call(*args, **kwargs)
    if plain is not None and fixed is None:
        raise _mixed_error(op, _ns_name(target[0]), plain)
    out = call(*trees[:len(args)], **dict(zip(kwargs, trees[len(args):])))
    return tree_util.map(functools.partial(_give_back, target=target, op=op), out)


def _give_back(y: Any, target: tuple[Any, Any], op: str) -> Any:
    """An output leaf in the inputs' namespace ``target`` (namespace, device); a returned
    function (vjp_fn, linearize's jvp_fn) gives its results back there too."""
    if isinstance(y, (np.ndarray, np.generic)):
        ns, device = target
        return ns.asarray(y) if device is None else ns.asarray(y, device=device)
    if callable(y) and not isinstance(y, type):
        @functools.wraps(y)
        def keeping(*args: Any, **kwargs: Any) -> Any:
            return _foreign_call(y, args, kwargs, op, target)
        return keeping
    return y  # a tracer of an outer transform, a Python number, other aux data


def _to_numpy(x: Any, op: str, ns: Any) -> Any:
    """``x``, an array of namespace ``ns``, as a NumPy array (without a copy where DLPack
    can share its memory)."""
    try:
        return np.from_dlpack(x)
    except (TypeError, ValueError, RuntimeError, BufferError, AttributeError):
        pass
    try:
        return np.asarray(x)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(
            f"{op}: an input array of {_ns_name(ns)} (shape {tuple(x.shape)}, dtype {x.dtype}, "
            f"device {getattr(x, 'device', '?')}) cannot be read as a NumPy array ({err}); "
            "tangents computes with NumPy in host memory: copy it there first (e.g. "
            "x.to_device('cpu') where the library names its host device so)") from err


def _ns_name(ns: Any) -> str:
    return getattr(ns, "__name__", None) or type(ns).__name__


def _mixed_error(op: str, ours: str, other: str) -> TypeError:
    return TypeError(
        f"{op}: the arguments mix arrays of {ours} and {other}; as in the Array API, one "
        f"call takes one array library (the results come back in its namespace). Convert "
        f"them to one, e.g. {ours}.asarray(y) for each {other} array y (Python and NumPy "
        "scalars may stay)")


def _unhide_conversion(err: ValueError) -> None:
    """Raise the tracer-conversion error that NumPy replaced with its own ValueError
    (``out[i, j] = y`` into a plain array calls ``float(y)``, and NumPy reports "setting an
    array element with a sequence"), at the user's line."""
    cause = err.__cause__
    if isinstance(cause, TracerConversionError):
        raise cause.with_traceback(err.__traceback__) from None


def _list_input_error(err: TypeError, primals: Sequence[Any], op: str, fun: Callable[..., Any],
                      positions: Sequence[int]) -> None:
    """A list of numbers is a pytree of scalars, not an array: when the function then fails
    on it (``x ** 2`` on a list), raise an error that says so."""
    for p, tree in zip(positions, primals):
        if isinstance(tree, (list, tuple)) and tree:
            leaves = tree_util.leaves(tree)
            if leaves and all(isinstance(v, (int, float, complex, np.number)) for v in leaves):
                msg = (f"{op}: argument {p} of {fun_name(fun)} is a Python "
                       f"{type(tree).__name__} of {len(leaves)} numbers, which tangents (as "
                       f"JAX) treats as a pytree of {len(leaves)} separate scalars, not as an "
                       f"array, and the function failed on it ({err}). If it expects an "
                       "array, pass np.asarray(x) (a ragged list cannot be one: pad it to a "
                       "rectangular array first).")
                raise (TracerConversionError(msg) if isinstance(err, TracerConversionError)
                       else TypeError(msg)) from err
