"""The traced-value base class: NumPy's dispatch protocols and array methods.

Every tracer answers NumPy's ``__array_ufunc__`` / ``__array_function__`` protocols by
looking the NumPy function up in two tables that the NumPy layer fills
(``ufunc_handlers``, ``function_handlers``), so ``np.exp(x)``, ``x @ w`` and
``x.sum(axis=1)`` on a tracer all land on the same differentiable function.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .aliasing import after_inplace

__all__ = ["Tracer", "TracerConversionError", "NoDerivativeRuleError",
           "ufunc_handlers", "ufunc_method_handlers", "function_handlers", "check_subclass",
           "FOREIGN_ARRAYS", "backend", "primal_value", "ufunc_prims"]

ufunc_handlers: dict = {}
# ufunc -> the primitive whose binding is the whole of its handler (the NumPy layer's
# elementwise rows): the operators and ``__array_ufunc__`` hand such an operation to the
# trace themselves when a tracer meets only constants (see `_traced_alone`)
ufunc_prims: dict = {}
ufunc_method_handlers: dict = {}  # (ufunc, "reduce" | "accumulate" | "outer") -> handler
function_handlers: dict = {}


class _Backend:
    """Hooks the layer above fills in, so that the core knows no library but NumPy.

    * ``namespace``: the Array API namespace of traced values (``__array_namespace__``);
    * ``conversion_checks``: callables ``check(tracer)`` run when NumPy converts a tracer
      to an array; one may raise a precise error for a caller it recognises (SciPy,
      np.vectorize, numpy.ma, ...);
    * ``foreign_ufunc(ufunc) -> (handler or None, owner)``: a ufunc that is not NumPy's
      (SciPy's), its handler registered on demand and the module it comes from;
    * ``keep_input(x) -> bool``: whether a transform takes an array-like input as it is
      (a lazy array library's arrays) instead of converting it with ``np.asarray``;
    * ``lazy_add_at(ct, index, shape)``: the transpose of ``x[index]`` for a cotangent of such
      a library (zeros of ``shape`` with ``ct`` added at ``index``), built by that library,
      or None when neither ``ct`` nor an entry of ``index`` is one of its arrays;
    * ``lazy_getitem(x, index)``: ``x[index]`` built by that library when an entry of
      ``index`` is one of its integer arrays, or None when none is;
    * ``lazy_vmap(batched, args, axes, out_axes)``: the result of ``batched`` (a vmapped
      function) mapped chunk by chunk over the lazy arrays of ``args`` mapped along
      ``axes`` (one per leaf), or None when no mapped leaf is such an array;
    * ``lazy_basis(x, shape, start, stop)``: rows ``start:stop`` of the identity over
      ``shape`` (the shape of a leaf whose plain value is ``x``), built lazily by ``x``'s
      library, or None when ``x`` is not one of its arrays;
    * ``foreign_namespace(x)``: the Array API namespace of ``x`` when it is an array of
      another library that transforms compute on as NumPy and give back in its own type
      (array-api-strict, ...), else None.
    """

    def __init__(self):
        self.namespace = None
        self.conversion_checks = []
        self.foreign_ufunc = lambda ufunc: (None, "numpy")
        self.keep_input = lambda x: False
        self.lazy_add_at = lambda ct, index, shape: None
        self.lazy_getitem = lambda x, index: None
        self.lazy_vmap = lambda batched, args, axes, out_axes: None
        self.lazy_basis = lambda x, shape, start, stop: None
        self.foreign_namespace = lambda x: None


backend = _Backend()


def primal_value(x):
    """The plain value under ``x``'s tracers (``x`` itself if it is not traced), for
    decisions that do not change the math (skipping work, a static result shape).  Under
    vmap it holds the batch axis too.

    >>> primal_value(np.ones(2))
    array([1., 1.])
    """
    while isinstance(x, Tracer):
        x = x._s0
    return x


class TracerConversionError(TypeError):
    """A traced value was turned into a concrete array or Python number."""


class NoDerivativeRuleError(TypeError):
    """A NumPy function without a derivative rule was applied to a traced value."""


def _conversion_error(what, tracer=None):
    if tracer is not None and not getattr(tracer._trace, "alive", True):
        return TracerConversionError(
            f"{what} of a traced value that leaked out of a tangents transform which has "
            "already returned (kept in a global, a list or a closure while the transform "
            "ran): it has no value of its own any more. Return the values you need from the "
            "function (has_aux=True returns extra outputs next to the differentiated one).")
    return TracerConversionError(
        f"{what} of a traced value inside a tangents transform would drop its derivative. "
        "Keep the computation in NumPy operations on the traced value (use tangents.numpy or "
        "np.* functions, not np.asarray/float/item); to build an array from traced values use "
        "tnp.array([...]) / np.stack / np.concatenate (NumPy's own np.array([t1, t2]) and "
        "np.mean([t1, t2]) on a list cannot be intercepted) or a buffer made with "
        "np.zeros_like(x); to index a plain "
        "array with a traced index use tnp.take(table, i, axis=0); to use the value as a "
        "constant on purpose, wrap it in tg.stop_gradient(x) and read it outside the transform.")


FOREIGN_ARRAYS = (np.ma.MaskedArray, np.matrix)  # refused by `check_subclass`


def check_subclass(x, op, where="an argument"):
    """Raise TypeError for the ndarray subclasses whose NumPy meaning tangents would
    silently lose: masked arrays (their mask) and np.matrix (its ``*`` is a matrix product).
    ``x`` is an ndarray subclass instance (or its type); ``op`` names the operation."""
    cls = x if isinstance(x, type) else type(x)
    if issubclass(cls, np.ma.MaskedArray):
        raise TypeError(
            f"{op}: {where} is a numpy.ma masked array; tangents does not follow masks (the "
            "masked entries would be computed with and get derivatives). Pass x.filled(value) "
            "instead, or pass the data and the mask separately (x.data, np.ma.getmaskarray(x)) "
            "and select with np.where(mask, fill, data)")
    if issubclass(cls, np.matrix):
        raise TypeError(f"{op}: {where} is an np.matrix, whose * is a matrix product; "
                        "convert it with np.asarray(x) first")


# Operand types that neither are nor hold a tracer (np.float64 is a float subclass, so it
# is listed on its own; subclasses of ndarray are left to `bind`, which checks them).
# When a tracer meets only such constants its trace is the innermost one, as `bind` would
# find, so the operators and ``__array_ufunc__`` hand a `ufunc_prims` operation straight to
# it: `bind`'s search is one Python call too many on the hot path of every op.
_CONSTANTS = frozenset((np.ndarray, float, int, bool, complex, np.float64, np.float32))


def _ufunc(name):
    uf = getattr(np, name)

    def method(self, other):
        if type(other) in _CONSTANTS:
            prim = ufunc_prims.get(uf)
            if prim is not None:
                return self._trace.process(prim, (self, other), {})
        return ufunc_handlers[uf](self, other)

    def rmethod(self, other):
        if type(other) in _CONSTANTS:
            prim = ufunc_prims.get(uf)
            if prim is not None:
                return self._trace.process(prim, (other, self), {})
        return ufunc_handlers[uf](other, self)

    return method, rmethod


class Tracer:
    """Base class of every traced value; each subclass belongs to one kind of trace."""

    # One slot layout for every kind of tracer (subclasses alias _s0.._s2 under their own
    # names), so that an in-place update can turn a tracer into the updated value's tracer,
    # whatever its kind, by reassigning ``__class__`` (see `_become`).
    # _view_of / _views: the NumPy views this array is one of / has (see core.aliasing)
    __slots__ = ("_trace", "_s0", "_s1", "_s2", "_view_of", "_views", "__weakref__")
    _trace: Any  # its core.trace.Trace (not imported here: that module imports this one)
    _s0: Any  # a subclass names them with `trace.slot` (typed for its own use)
    _s1: Any
    _s2: Any
    if TYPE_CHECKING:  # every subclass defines them, from the value it holds
        @property
        def shape(self) -> tuple[int, ...]: ...

        @property
        def dtype(self) -> np.dtype[Any]: ...
    __array_priority__ = 1000
    _batched = False  # whether its value carries a vmap batch axis (BatchTracer)

    def _become(self, new):
        """Make this object stand for ``new`` (a tracer): NumPy's in-place semantics, where
        every reference to the array, and every view of it, sees the update."""
        if not isinstance(new, Tracer):
            raise TypeError("an in-place update of a traced array produced an untraced value")
        if new.shape != self.shape:
            raise ValueError(f"an in-place update cannot change an array's shape: the result "
                             f"has shape {new.shape}, the array {self.shape}. Write "
                             "x = x + y instead of x += y to get the broadcast result.")
        if new.dtype != self.dtype:  # the array keeps its dtype, as in NumPy
            if not np.can_cast(new.dtype, self.dtype, "same_kind"):
                raise TypeError(f"cannot cast the in-place result from {new.dtype} to the "
                                f"array's {self.dtype} (same_kind casting); write "
                                "x = x + y for a new array of the wider type")
            new = function_handlers["astype"](new, self.dtype)
        self._assign(new)
        after_inplace(self)
        return self

    def _assign(self, new):
        self.__class__ = new.__class__
        self._trace = new._trace
        for name in ("_s0", "_s1", "_s2"):
            try:
                setattr(self, name, getattr(new, name))
            except AttributeError:
                pass

    # -- NumPy dispatch ---------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if not kwargs and method == "__call__":  # the common case: x * y, np.exp(x)
            prim = ufunc_prims.get(ufunc)
            if prim is not None:  # np.exp(x), or self with one constant (see _CONSTANTS)
                if len(inputs) == 1:
                    return self._trace.process(prim, inputs, {})
                if len(inputs) == 2:
                    other = inputs[1] if inputs[0] is self else inputs[0]
                    if type(other) in _CONSTANTS:
                        return self._trace.process(prim, inputs, {})
            handler = ufunc_handlers.get(ufunc)
            if handler is not None:
                return handler(*inputs)
        if method != "__call__":
            handler = ufunc_method_handlers.get((ufunc, method))
            if handler is not None:
                return handler(*inputs, **kwargs)
        handler = ufunc_handlers.get(ufunc) if method == "__call__" else None
        owner = "numpy"
        if getattr(np, ufunc.__name__, None) is not ufunc:  # another library's ufunc
            found, owner = backend.foreign_ufunc(ufunc)
            handler = found if method == "__call__" else None
        if handler is None:
            detail = f"{owner}.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
            raise NoDerivativeRuleError(
                f"tangents has no derivative rule for {detail} on traced values. "
                "Write it with supported operations, or give it a rule with tg.custom_vjp.")
        if kwargs.get("out") is not None:
            raise TypeError(f"numpy.{ufunc.__name__}(..., out=...) writes into a buffer; inside "
                            "a tangents transform use the returned value instead of out=.")
        kwargs.pop("out", None)
        dtype = kwargs.pop("dtype", None)
        if kwargs:
            raise TypeError(f"numpy.{ufunc.__name__} on traced values does not support the "
                            f"keyword(s) {sorted(kwargs)}")
        ans = handler(*inputs)
        return ans if dtype is None else ans.astype(dtype)

    def __array_function__(self, func, types, args, kwargs):
        for t in types:
            if t is not np.ndarray and issubclass(t, np.ndarray):
                check_subclass(t, f"numpy.{func.__name__}")
        handler = function_handlers.get(func)
        if handler is None:
            mod = getattr(func, "__module__", "numpy") or "numpy"
            raise NoDerivativeRuleError(
                f"tangents has no derivative rule for {mod}.{func.__name__} on traced values. "
                "Write it with supported operations, or give it a rule with tg.custom_vjp.")
        return handler(*args, **kwargs)

    def __array_namespace__(self, *, api_version=None):
        if backend.namespace is None:
            raise TypeError("no Array API namespace is registered for traced values")
        return backend.namespace

    @property
    def device(self):
        return "cpu"

    def to_device(self, device, /, *, stream=None):
        if device != "cpu":
            raise ValueError(f"traced values live on the 'cpu' device, got {device!r}")
        return self

    def __array__(self, dtype=None, copy=None):
        for check in backend.conversion_checks:  # a precise error for a known caller
            check(self)
        raise _conversion_error("np.asarray (or writing into a plain ndarray)", self)

    def __float__(self):
        raise _conversion_error("float() (or writing it into an element of a plain ndarray, "
                                "out[i, j] = y)", self)

    def __int__(self):
        raise _conversion_error("int()", self)

    def __complex__(self):
        raise _conversion_error("complex()", self)

    def __index__(self):
        raise _conversion_error("using as an index")

    def item(self, *args):
        raise _conversion_error(".item()", self)

    def __format__(self, spec):
        # f"{loss:.4f}" while debugging: the value under the tracers, formatted (a string
        # carries no derivative, so nothing is dropped); under vmap, the tracer's repr
        if not spec:
            return repr(self)
        value = self
        while isinstance(value, Tracer) and not value._batched:
            value = value._s0
        return repr(self) if isinstance(value, Tracer) else format(value, spec)

    def tolist(self):
        raise _conversion_error(".tolist()", self)

    # -- array attributes -------------------------------------------------------------
    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    @property
    def T(self):
        return function_handlers[np.transpose](self)

    @property
    def mT(self):
        return function_handlers[np.swapaxes](self, -1, -2)

    @property
    def real(self):
        return function_handlers[np.real](self)

    @property
    def imag(self):
        return function_handlers[np.imag](self)

    def __getitem__(self, idx):
        return function_handlers["getitem"](self, idx)

    def __setitem__(self, idx, value):
        self._become(function_handlers["setitem"](self, idx, value))

    @staticmethod  # a class-body helper, called below and deleted
    def _inplace(name: str) -> Callable[[Tracer, Any], Tracer]:
        uf = getattr(np, name)

        def method(self, other):
            return self._become(ufunc_handlers[uf](self, other))

        return method

    __iadd__ = _inplace("add")
    __isub__ = _inplace("subtract")
    __imul__ = _inplace("multiply")
    __itruediv__ = _inplace("true_divide")
    __ipow__ = _inplace("power")
    __imatmul__ = _inplace("matmul")
    __ifloordiv__ = _inplace("floor_divide")
    __imod__ = _inplace("remainder")
    del _inplace

    # -- operators (same handlers as the ufuncs, without NumPy's dispatch round trip) -----
    __add__, __radd__ = _ufunc("add")
    __sub__, __rsub__ = _ufunc("subtract")
    __mul__, __rmul__ = _ufunc("multiply")
    __truediv__, __rtruediv__ = _ufunc("true_divide")
    __floordiv__, __rfloordiv__ = _ufunc("floor_divide")
    __mod__, __rmod__ = _ufunc("remainder")
    __pow__, __rpow__ = _ufunc("power")
    __matmul__, __rmatmul__ = _ufunc("matmul")
    __lt__, _ = _ufunc("less")
    __le__, _ = _ufunc("less_equal")
    __gt__, _ = _ufunc("greater")
    __ge__, _ = _ufunc("greater_equal")
    __and__, __rand__ = _ufunc("logical_and")
    __or__, __ror__ = _ufunc("logical_or")
    __xor__, __rxor__ = _ufunc("logical_xor")
    del _

    def __eq__(self, other):
        return ufunc_handlers[np.equal](self, other)

    def __ne__(self, other):
        return ufunc_handlers[np.not_equal](self, other)

    __hash__ = object.__hash__

    def __neg__(self):
        return ufunc_handlers[np.negative](self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ufunc_handlers[np.absolute](self)

    def __invert__(self):
        return ufunc_handlers[np.logical_not](self)

    def __divmod__(self, other):
        return self // other, self % other

    # -- methods mirroring ndarray's --------------------------------------------------
    @staticmethod  # a class-body helper, called below and deleted
    def _call(name: str) -> Callable[..., Any]:
        fn = getattr(np, name)

        def method(self, *args, **kwargs):
            handler = function_handlers.get(fn)
            if handler is None:
                raise NoDerivativeRuleError(
                    f"tangents has no derivative rule for ndarray.{name} on traced values. "
                    "Write it with supported operations, or give it a rule with tg.custom_vjp.")
            return handler(self, *args, **kwargs)

        method.__name__ = name
        return method

    sum = _call("sum")
    mean = _call("mean")
    prod = _call("prod")
    max = _call("max")
    min = _call("min")
    var = _call("var")
    std = _call("std")
    cumsum = _call("cumsum")
    cumprod = _call("cumprod")
    dot = _call("dot")
    clip = _call("clip")
    ravel = _call("ravel")
    squeeze = _call("squeeze")
    swapaxes = _call("swapaxes")
    trace = _call("trace")
    diagonal = _call("diagonal")
    take = _call("take")
    repeat = _call("repeat")
    conj = _call("conj")
    conjugate = _call("conjugate")
    round = _call("round")
    argmax = _call("argmax")
    argmin = _call("argmin")
    argsort = _call("argsort")
    nonzero = _call("nonzero")
    any = _call("any")
    all = _call("all")
    argpartition = _call("argpartition")
    choose = _call("choose")
    searchsorted = _call("searchsorted")
    del _call

    def compress(self, condition, axis=None):  # np.compress takes the condition first
        return function_handlers[np.compress](condition, self, axis=axis)

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self.size * self.dtype.itemsize

    # -- in-place methods: the array itself is updated, as with NumPy ---------------------
    def sort(self, axis=-1, kind=None, order=None):
        self._become(function_handlers[np.sort](self, axis=axis, kind=kind, order=order))

    def partition(self, kth, axis=-1, kind="introselect", order=None):
        self._become(function_handlers[np.partition](self, kth, axis=axis, kind=kind,
                                                     order=order))

    def fill(self, value):
        self[...] = value

    def put(self, indices, values, mode="raise"):
        function_handlers[np.put](self, indices, values, mode=mode)

    def view(self, dtype=None, type=None):  # noqa: A002 - NumPy's parameter names
        if dtype is not None or type is not None:
            raise TypeError("ndarray.view(dtype) reinterprets the bytes of a traced array, which "
                            "has no derivative; use x.astype(dtype) to convert values")
        return self[...]  # a view: writes through it reach this array

    def resize(self, *args, **kwargs):
        raise ValueError("ndarray.resize changes a traced array's shape in place, which "
                         "tangents does not support; use np.resize(x, shape), which returns "
                         "a new array")

    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = shape[0]
        return function_handlers[np.reshape](self, shape, order=order)

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], int)):
            axes = axes[0]
        return function_handlers[np.transpose](self, axes or None)

    def astype(self, dtype, copy=True):
        return function_handlers["astype"](self, dtype)

    def copy(self):
        return function_handlers[np.copy](self)

    def flatten(self):  # a copy, unlike ravel's view
        return function_handlers[np.copy](function_handlers[np.ravel](self))
