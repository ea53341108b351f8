"""``tg.jit``: a function traced once per input signature into a program and run by an executor.

The cache maps a signature (argument structure; each array's type, shape and dtype; the
static values) to the variants traced for it, each with the outcomes of its guards.  A call
runs the variant used last; a guard that sees another outcome sends it to the variant that
took that path, or traces a new one.
"""
from __future__ import annotations

import functools
import operator
import threading
import warnings
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, Generic, ParamSpec, TypeVar

import numpy as np

from ..core import Tracer, tree
from . import background, fperrors, reuse
from .call import ProgramHandle, concrete, eval_program, jit_call_p
from .executor import GuardMiss, compile_program, executor_forced, executor_name
from .ir import Program, Var
from .simplify import simplify
from .staging import Unstageable, outcome_key, stage

__all__ = ["jit", "Jitted", "Lowered"]

# a signature falls back to eager once it has traced this many variants, more than half
# of its calls having needed a new one
_RETRACE_LIMIT = 5
_MAX_VARIANTS = 64
_MAX_SIGNATURES = 64

P = ParamSpec("P")
R = TypeVar("R")

# a call's signature (a hashable tuple), the leaves it passes as the program's inputs, and
# the function of those leaves that calls ``fun`` with the rest of the arguments put back
_Key = Hashable
_Build = Callable[..., Any]


def jit(fun: Callable[P, R], static_argnums: int | Sequence[int] = (),
        static_argnames: str | Iterable[str] = ()) -> Jitted[P, R]:
    """``fun`` traced once per input signature into a program of primitives, simplified,
    and run by an executor: fused numba kernels when numba is installed, else NumPy calls.

    The signature is the arguments' pytree structure, each array's type, shape and dtype,
    and the values of static arguments (``static_argnums``/``static_argnames``, and every
    leaf that is not an array: Python numbers, strings, None), which must be hashable.
    Tracing runs ``fun`` on the real values, so Python control flow on values works: each
    place where a traced value becomes a Python value (``if``/``while`` on a comparison,
    ``float``, ``int``, ``.item()``, ``np.asarray``) and each data-dependent shape (a
    boolean mask, ``np.nonzero``, ``np.unique``) becomes a guard checked on every call; a
    call that sees another outcome is traced again down its own path, and that variant is
    cached too.  A signature whose guards miss on most calls (a Python value that changes
    every call) falls back to eager with one warning naming the guard's file:line.

    Results are eager's.  Python side effects (printing, appending to a list) happen while
    tracing only, not on calls that run a cached program; closed-over arrays are captured
    as constants when traced; in-place updates of array arguments are written back.  A
    call whose arguments are traced by an outer transform (``grad(jit(f))``,
    ``vmap(jit(f))``, ``hessian(jit(f))``, ``jit`` of ``jit``) is traced on their primal
    values and becomes one ``jit_call`` operation whose derivatives and batching are
    compiled programs too (see `tangents.jit.call`); a program with guards instead runs
    equation by equation under the transform, its guards checked on the primal values.
    Under ``vmap`` the program is traced on the first example; if it has guards (there is
    no single value to check them on) ``fun`` runs under ``vmap`` as it is, as it does when
    ``fun`` writes into its arguments.  ``custom_vjp``, ``custom_jvp`` and ``checkpoint``
    stay calls in the program, so a transform of it applies their rules.
    Other array types (ndarray subclasses, Dask) run eagerly.  When a transform inside
    ``fun`` gives a NaN, the call is computed again eagerly, so that the exact zeros of
    ``0 * inf`` in derivatives match eager's.  ``TANGENTS_JIT_EXECUTOR=numpy|fused`` forces
    an executor (docs/jit.md).  When the fused executor is chosen automatically, the first
    call of a new program returns without waiting for its kernels, which compile on a
    background thread, and the next call waits for them (``TANGENTS_JIT_COMPILE=
    background|sync``; `Jitted.wait_compiled` waits for them too).

    Examples
    --------
    >>> import numpy as np, tangents as tg
    >>> f = tg.jit(tg.grad(lambda x: np.sum(np.sin(x))))
    >>> bool(np.allclose(f(np.zeros(3)), np.ones(3)))
    True
    """
    return Jitted(fun, static_argnums, static_argnames)


class Lowered:
    """A traced program (``program``, simplified) and its text (``as_text()``); ``raw`` is
    the program as traced, before simplification."""

    def __init__(self, program: Program, raw: Program) -> None:
        self.program = program
        self.raw = raw

    def as_text(self) -> str:
        return self.program.as_text()


class _Variant:
    __slots__ = ("run", "keys", "kinds", "sites", "out_tree", "unpack", "program", "raw",
                 "check_nan", "handle", "pending")
    run: Callable[..., list[Any]]
    keys: tuple[Hashable, ...]
    kinds: list[str]
    sites: list[str]
    out_tree: tree.TreeDef
    unpack: Callable[[list[Any]], Any]
    program: Program
    raw: Program
    check_nan: bool
    handle: ProgramHandle | None
    pending: background.Job | None  # its fused compile, until a later call has waited for it


class _Entry:
    __slots__ = ("variants", "last", "calls", "traces", "eager")

    def __init__(self) -> None:
        self.variants: list[_Variant] = []
        self.last: _Variant | None = None
        self.calls = self.traces = 0
        self.eager = False

    def find(self, prefix: tuple[Hashable, ...]) -> _Variant | None:
        n = len(prefix)
        for v in self.variants:
            if v.keys[:n] == prefix:
                return v
        return None


class Jitted(Generic[P, R]):
    """The function `jit` returns; ``lower(*args)`` gives the program a call would run."""

    def __init__(self, fun: Callable[P, R], static_argnums: int | Sequence[int] = (),
                 static_argnames: str | Iterable[str] = ()) -> None:
        if not callable(fun):
            raise TypeError(f"jit: expected a function, got {type(fun).__name__}")
        functools.update_wrapper(self, fun)
        self.fun = fun
        nums = (static_argnums,) if isinstance(static_argnums, int) else static_argnums
        if not all(isinstance(i, int) for i in nums):
            raise TypeError(f"jit: static_argnums must be ints, got {static_argnums!r}")
        self.static_argnums = tuple(nums)
        names = (static_argnames,) if isinstance(static_argnames, str) else static_argnames
        self.static_argnames = frozenset(names)
        self._cache: dict[_Key, _Entry] = {}
        self._lock = threading.RLock()
        self._warned = False
        self._jobs: list[background.Job] = []
        # calls of arrays and dicts of arrays: _dict_key -> (the signature's key, each
        # argument's dict keys in flatten order, build), so tree.flatten runs once per key
        self._dicts: dict[_Key, tuple[_Key, tuple[Any, ...], _Build]] = {}
        executor_name()
        background.compile_mode(executor_forced())

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if not kwargs and not self.static_argnums:  # the common call, inlined from _call
            key = _array_key(args)
            if key is not None:
                return self._call_plain(key, args, self.fun)[0]
            hit = self._dicts.get(_dict_key(args)) if self._dicts else None
            if hit is not None:
                return self._call_plain(hit[0], _dict_leaves(args, hit[1]), hit[2])[0]
        return self._call(args, kwargs)[0]

    def lower(self, *args: P.args, **kwargs: P.kwargs) -> Lowered:
        """The program for these arguments (traced now if it is not cached; ``fun`` runs)."""
        _, variant = self._call(args, kwargs)
        if variant is None:
            raise TypeError(f"jit({_name(self.fun)}).lower: these arguments are not staged "
                            "(traced by an outer transform, an array type other than "
                            "NumPy's, or a signature that fell back to eager)")
        return Lowered(variant.program, variant.raw)

    def wait_compiled(self, timeout: float | None = None) -> bool:
        """Wait until the fused kernels compiling on the background thread are in place (the
        ones of every program traced so far, this function's and others'); True when they
        are, False when ``timeout`` seconds passed first.  Raises RuntimeError when this
        function's compile failed (its calls keep running on the NumPy executor).  Returns
        True at once with ``TANGENTS_JIT_COMPILE=sync`` or the NumPy executor.

        Examples
        --------
        >>> import numpy as np, tangents as tg
        >>> f = tg.jit(lambda x: np.tanh(x) * 2)
        >>> _ = f(np.ones(4))  # NumPy executor; the fused kernels compile meanwhile
        >>> f.wait_compiled()
        True
        """
        done = background.wait_compiled(timeout)
        with self._lock:
            self._jobs = [j for j in self._jobs if not j.done.is_set() or j.error is not None]
            failed = [j for j in self._jobs if j.error is not None]
        if failed:
            background.wait_compiled(0, failed)  # raises the first error
        return done

    # -- the signature ------------------------------------------------------------------
    def _signature(self, args: tuple[Any, ...], kwargs: dict[str, Any]
                   ) -> tuple[_Key, list[Any], _Build, bool] | None:
        """``(key, dynamic leaves, build)`` or None when the call runs eagerly."""
        n = len(args)
        static: set[int] = set()
        for i in self.static_argnums:
            if not -n <= i < n:
                raise ValueError(f"jit({_name(self.fun)}): static_argnums={self.static_argnums}"
                                 f" but it was called with {n} positional argument(s)")
            static.add(i % n)
        dyn_args = tuple(a for i, a in enumerate(args) if i not in static)
        dyn_kw = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        static_vals: tuple[tuple[int | str, Any], ...] = tuple(
            (i, args[i]) for i in sorted(static))
        static_vals += tuple(sorted((k, v) for k, v in kwargs.items()
                                    if k in self.static_argnames))
        leaves, in_tree = tree.flatten((dyn_args, dyn_kw))
        parts: list[Any] = []
        dyn: list[Any] = []
        where: list[int] = []
        traced = False
        for j, x in enumerate(leaves):
            t = type(x)
            if t is np.ndarray:
                parts.append((x.shape, x.dtype))
            elif isinstance(x, np.generic):
                parts.append(t)
            elif isinstance(x, Tracer):  # an outer transform's value: keyed by its own
                value = concrete(x)[0]
                parts.append((np.shape(value), np.result_type(value)) if isinstance(
                    value, np.ndarray) else type(value))
                traced = True
            elif isinstance(x, np.ndarray) or hasattr(x, "__array_function__"):
                return None  # another array type: eager
            else:
                parts.append((t, x))
                continue
            dyn.append(x)
            where.append(j)
        if not kwargs and not static and len(dyn) == n and all(
                c.kind == "leaf" for c in in_tree.children[0].children):
            key: _Key = tuple(parts)  # _array_key's form, so traced and plain calls share entries
        else:
            key = (in_tree, tuple(parts), static_vals)
        try:
            hash(key)
        except TypeError:
            if traced:  # vmap hands a static Python number in as an array: eager, as before
                return None
            raise TypeError(
                f"jit({_name(self.fun)}): a static argument or non-array leaf is not hashable "
                f"({_unhashable(parts, static_vals)}); pass arrays as arrays, make it hashable "
                "(a tuple instead of a list), or close over it") from None
        fun = self.fun

        def build(*values: Any) -> Any:
            full = list(leaves)
            for j, v in zip(where, values):
                full[j] = v
            d_args, d_kw = tree.unflatten(in_tree, full)
            it = iter(d_args)
            call = [args[i] if i in static else next(it) for i in range(n)]
            return fun(*call, **d_kw, **{k: v for k, v in kwargs.items()
                                         if k in self.static_argnames})

        return key, dyn, build, traced

    # -- calls --------------------------------------------------------------------------
    def _call(self, args: tuple[Any, ...], kwargs: dict[str, Any]
              ) -> tuple[Any, _Variant | None]:
        if not kwargs and not self.static_argnums:
            key = _array_key(args)
            if key is not None:  # arrays only: the arguments are the program's inputs
                return self._call_plain(key, args, self.fun)
        sig = self._signature(args, kwargs)
        if sig is None:
            return self.fun(*args, **kwargs), None
        key, dyn, build, traced = sig
        if traced:
            return self._call_traced(key, dyn, build), None
        if not kwargs and not self.static_argnums:
            self._remember_dicts(args, key)
        return self._call_plain(key, dyn, build)

    def _remember_dicts(self, args: tuple[Any, ...], key: _Key) -> None:
        """Let later calls of the same arrays and dicts of arrays skip `_signature`."""
        fast = _dict_key(args)
        if fast is None or fast in self._dicts:
            return
        in_tree = tree.structure((args, {}))
        orders = tuple(None if c.kind == "leaf" else c.meta for c in in_tree.children[0].children)
        fun = self.fun

        def build(*values: Any) -> Any:
            d_args, d_kw = tree.unflatten(in_tree, list(values))
            return fun(*d_args, **d_kw)
        if len(self._dicts) >= _MAX_SIGNATURES:
            self._dicts.clear()
        self._dicts[fast] = (key, orders, build)

    def _call_plain(self, key: _Key, dyn: Sequence[Any], build: _Build
                    ) -> tuple[Any, _Variant | None]:
        """``(result, variant)`` of a call on plain values (variant None: ran eagerly)."""
        entry = self._cache.get(key)
        if entry is None:
            entry = self._new_entry(key)
        entry.calls += 1
        if entry.eager:
            return build(*dyn), None
        seen = len(entry.variants)
        variant = entry.last
        missed: tuple[_Variant, int] | None = None
        while variant is not None:
            if variant.pending is not None:
                _await_fused(variant)
            try:
                outs, again = _run_checked(variant.run, dyn, variant.check_nan)
            except GuardMiss as miss:
                missed = (variant, miss.index)
                kind = variant.kinds[miss.index]
                prefix = variant.keys[:miss.index] + (outcome_key(kind, miss.outcome),)
                variant = entry.find(prefix)
                continue
            entry.last = variant
            if again:  # a NaN to compute as eager does, or a floating-point error to report
                return build(*dyn), variant
            return variant.unpack(outs), variant
        with self._lock:
            if len(entry.variants) != seen or entry.eager:  # another thread traced meanwhile
                entry.calls -= 1
                return self._call_plain(key, dyn, build)
            return self._trace(entry, build, dyn, missed)

    def _call_traced(self, key: _Key, dyn: Sequence[Any], build: _Build) -> Any:
        """A call on an outer transform's values: one `jit_call_p` of the program staged on
        their primal values, or (a program with guards) its equations bound one by one."""
        values, exact = zip(*[concrete(x) for x in dyn])
        entry = self._cache.get(key) or self._new_entry(key)
        variant = entry.last
        if not entry.eager and exact and all(exact) and (variant is None or variant.keys):
            copies = [v.copy() if type(v) is np.ndarray else v for v in values]
            variant = self._call_plain(key, copies, build)[1]  # the variant these values take
        elif not entry.eager and variant is None:  # under vmap: staged on the first example
            variant = self._trace(entry, build, [v.copy() for v in values], None)[1]
        if entry.eager or variant is None or variant.program.writebacks or (
                variant.keys and not all(exact)):
            return build(*dyn)  # fun itself under the transform
        if variant.handle is not None:
            outs = variant.handle.outputs(jit_call_p(*dyn, program=variant.handle))
        else:
            outs = eval_program(variant.program, *dyn)
        if variant.check_nan and _has_nan([concrete(o)[0] for o in outs]):
            return build(*dyn)
        return tree.unflatten(variant.out_tree, outs)

    def _new_entry(self, key: _Key) -> _Entry:
        with self._lock:
            if len(self._cache) >= _MAX_SIGNATURES:
                if not self._warned:
                    self._warned = True
                    warnings.warn(
                        f"tg.jit({_name(self.fun)}) has been called with more than "
                        f"{_MAX_SIGNATURES} signatures (shapes, dtypes or static values such "
                        "as Python numbers that change between calls); the oldest are "
                        "dropped. Pass changing numbers as NumPy arrays.", stacklevel=4)
                del self._cache[next(iter(self._cache))]
            return self._cache.setdefault(key, _Entry())

    def _trace(self, entry: _Entry, build: _Build, dyn: Sequence[Any],
               missed: tuple[_Variant, int] | None) -> tuple[Any, _Variant | None]:
        with self._lock:  # one cache fill at a time
            try:
                program, values, out_tree, inside = stage(build, list(dyn))
            except Unstageable:  # a closure holds an outer transform's value
                entry.eager = True
                return build(*dyn), None
            later = executor_name() == "fused" and \
                background.compile_mode(executor_forced()) == "background"
            fingerprint = reuse.fingerprint(program, (executor_name(), later))
            same = reuse.lookup(fingerprint)
            variant = _Variant()
            variant.raw = program
            if same is not None and (same.pending is None or same.pending.done.is_set()):
                variant.program = simplified = same.program  # compiled before: its run
                variant.run = same.run
                later = False
            else:
                variant.program = simplified = simplify(program)
                alias_ok = {v for v in program.outvars if type(v) is Var}
                variant.run = compile_program(simplified, alias_ok, "numpy" if later else None)
                reuse.store(fingerprint, variant)
            guards = simplified.guards
            variant.keys = tuple(outcome_key(g.kind, g.outcome) for g in guards)
            variant.kinds = [g.kind for g in guards]
            variant.sites = [g.site for g in guards]
            variant.out_tree = out_tree
            variant.unpack = _unpacker(out_tree)
            variant.check_nan = inside
            variant.handle = None if guards or program.writebacks else ProgramHandle(
                f"jit({_name(self.fun)})", simplified, variant.run)
            variant.pending = None
            if later:  # this call's values come from tracing; later calls wait for the fused
                variant.pending = background.submit(
                    _name(self.fun), functools.partial(compile_program, simplified, alias_ok,
                                                       "fused", defer=True),
                    functools.partial(_install, variant))
                self._jobs.append(variant.pending)
            entry.variants.append(variant)
            entry.last = variant
            entry.traces += 1
            if missed is not None and (entry.traces >= _RETRACE_LIMIT and
                                       2 * entry.traces > entry.calls or
                                       len(entry.variants) >= _MAX_VARIANTS):
                entry.eager = True
                self._fall_back(entry, missed)
        if inside and _has_nan(values):
            return build(*dyn), variant
        return tree.unflatten(out_tree, values), variant

    def _fall_back(self, entry: _Entry, missed: tuple[_Variant, int]) -> None:
        old, index = missed
        site, kind = old.sites[index], old.kinds[index]
        warnings.warn(
            f"tg.jit({_name(self.fun)}): the {kind} read of a traced value at {site} came out "
            f"differently on {entry.traces - 1} of {entry.calls} calls, so each needed a new "
            f"trace; {_name(self.fun)} runs eagerly for this signature from now on. Pass that "
            "value as a static argument, or compute with it in NumPy (np.where) instead of "
            "Python control flow.", stacklevel=5)


def _install(variant: _Variant, run: Callable[..., list[Any]]) -> None:
    """Put the fused ``run`` in place of the NumPy one: one attribute store each, so a call
    on another thread runs one or the other whole."""
    variant.run = run
    if variant.handle is not None:
        variant.handle.run = run


def _await_fused(variant: _Variant) -> None:
    """Wait for ``variant``'s fused compile (on the NumPy executor if it failed).  A call
    that ran the NumPy program meanwhile took 100-300 ms instead of 3 (W1, 2 loaded cores):
    the compile thread takes a core from OpenBLAS's two threads and the GIL from the
    caller, and the calls slowed the compile 2-4x (docs/jit.md, first calls)."""
    job = variant.pending
    if job is not None:
        job.done.wait()
        variant.pending = None


def _dict_key(args: Sequence[Any]) -> _Key | None:
    """For arguments that are NumPy arrays and dicts of them: each array's (shape, dtype),
    each dict's (key, shape, dtype) in its own order; else None.  Equal keys flatten alike."""
    key: list[Any] = []
    for x in args:
        t = type(x)
        if t is np.ndarray:
            key.append((x.shape, x.dtype))
        elif t is dict:
            part: list[Any] = [dict]
            for k, v in x.items():
                if type(v) is not np.ndarray:
                    return None
                part.append((k, v.shape, v.dtype))
            key.append(tuple(part))
        else:
            return None
    return tuple(key)


def _dict_leaves(args: Sequence[Any], orders: tuple[Any, ...]) -> list[Any]:
    """The leaves tree.flatten gives for arguments of a `_dict_key` (dict keys in ``orders``)."""
    out: list[Any] = []
    for x, keys in zip(args, orders):
        if keys is None:
            out.append(x)
        else:
            out += [x[k] for k in keys]
    return out


def _array_key(args: Sequence[Any]) -> _Key | None:
    """The signature of a call whose arguments are all NumPy arrays and scalars (each
    array's shape and dtype, each scalar's type), or None for any other argument; it
    needs no tree.flatten, as the arguments are the program's inputs in order."""
    key: list[Any] = []
    for x in args:
        if type(x) is np.ndarray:
            key.append((x.shape, x.dtype))
        elif isinstance(x, np.generic):
            key.append(type(x))
        else:
            return None
    return tuple(key)


def _unpacker(out_tree: tree.TreeDef) -> Callable[[list[Any]], Any]:
    """``outs -> result`` for a program's list of outputs: ``tree.unflatten(out_tree, outs)``,
    without its walk for the common shapes (one array; a flat tuple of arrays)."""
    if out_tree == _ONE:
        return operator.itemgetter(0)
    if out_tree.kind is tuple and all(c == _ONE for c in out_tree.children):
        return tuple
    return functools.partial(tree.unflatten, out_tree)


_ONE = tree.structure(0.0)


def _run_checked(run: Callable[..., list[Any]], dyn: Sequence[Any], check_nan: bool
                 ) -> tuple[list[Any], bool]:
    """``run(*dyn)``'s outputs, and whether the call must be computed again eagerly: with
    ``check_nan``, when an output holds a NaN (outputs that fused kernels tested as they
    wrote them, ``run.screened``, by the kernels' flags, without reading them again: 1 ms
    of W2's 4; the others by `_has_nan`); and when the fused kernels raised a floating-point
    flag that NumPy would report (jit/fperrors.py), so that the report is eager's."""
    screened = getattr(run, "screened", None) if check_nan else None
    nan: list[np.ndarray] = []
    fp: list[np.ndarray] = []
    flags = {}
    if screened:
        flags["_nan"] = nan
    if getattr(run, "fp_flagged", False):
        flags["_fp"] = fp
    outs = run(*dyn, **flags) if flags else run(*dyn)
    if check_nan:
        rest = [o for i, o in enumerate(outs) if i not in screened] if screened else outs
        if any(f.any() for f in nan) or _has_nan(rest):
            return outs, True
    if fp:
        bits = fperrors.raised(fp)
        return outs, bool(bits) and fperrors.reported(bits, dyn, _has_nan)
    return outs, False


def _has_nan(values: Iterable[Any]) -> bool:
    for x in values:
        if isinstance(x, (np.ndarray, np.generic)):
            if x.dtype.kind in "fc" and _holds_nan(x):
                return True
        elif type(x) is float and x != x:
            return True
    return False


# a contiguous complex array of at least this many elements is screened by x . x first
_SCREEN_MIN = 1 << 12


def _holds_nan(x: Any) -> bool:
    """Whether float or complex array ``x`` holds a NaN.  A real one's max is NaN exactly when
    an entry is: one read, no boolean temporary (2-3x faster than ``isnan`` on W1's 270k
    gradient numbers), and no BLAS threads to wake (``x . x`` took 3-8 ms per 16 MB output of
    W2 when OpenBLAS's threads woke on busy CPUs).  A large contiguous complex one is
    screened by ``x . x``, a sum of real squares that is NaN only when an entry is (an inf
    or an overflow makes it inf); a NaN screen (also inf - inf) is checked exactly."""
    if x.dtype.kind == "f":
        m = x.max() if x.size else 0.0
        return bool(m != m)
    if x.size >= _SCREEN_MIN and (x.flags.c_contiguous or x.flags.f_contiguous):
        v = x.ravel(order="K")  # a view of a contiguous array
        with np.errstate(all="ignore"):  # an overflow or inf - inf only sends it on
            s = np.dot(v, v)
        if s == s:
            return False
    return bool(np.count_nonzero(np.isnan(x)))


def _name(fun: object) -> str:
    return getattr(fun, "__qualname__", None) or type(fun).__name__


def _unhashable(parts: Sequence[Any], static_vals: Sequence[Any]) -> str:
    for p in list(parts) + list(static_vals):
        try:
            hash(p)
        except TypeError:
            return f"{type(p[1]).__name__} {p[1]!r}"[:80]
    return "?"
