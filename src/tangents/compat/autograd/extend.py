"""autograd's extension API (``primitive``, ``defvjp``, ``defjvp`` and their ``_argnum``
forms) on tangents' ``custom_vjp``/``custom_jvp``.

A primitive called with traced arguments becomes, for that call, a ``custom_vjp`` (when it
has VJPs) around a ``custom_jvp`` (when it has JVPs) over its traced positional arguments;
the others are held fixed.  Its forward pass calls the primitive again on the values one
level down, so the undecorated function only ever sees untraced values (as in autograd),
and the rules, written in ``autograd.numpy``, are differentiated by outer transforms.  A
primitive with no rule for a mode is differentiated through its body in that mode.
"""
import functools
from itertools import count

import numpy as _onp

from ... import custom_jvp as _custom_jvp
from ... import custom_vjp as _custom_vjp
from ... import tree as _tree
from ._boxes import Tracer as Box
from ._boxes import getval, has_box, isbox

__all__ = ["primitive", "notrace_primitive", "defvjp", "defvjp_argnum", "defvjp_argnums",
           "defjvp", "defjvp_argnum", "defjvp_argnums", "def_linear", "Box", "isbox",
           "getval"]


class primitive:
    """``@primitive``: a function autograd treats as one operation, with rules given by
    ``defvjp``/``defjvp``.

    >>> import tangents.compat.autograd as autograd
    >>> @primitive
    ... def cube(x): return x ** 3
    >>> defvjp(cube, lambda ans, x: lambda g: g * 3 * x ** 2)
    >>> float(autograd.grad(cube)(2.0))
    12.0
    """

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.vjp_argnums = None  # (argnums, ans, args, kwargs) -> (g -> cotangents)
        self.jvp_argnums = None  # (argnums, tangents, ans, args, kwargs) -> tangent out

    def __call__(self, *args, **kwargs):
        dyn = [i for i, a in enumerate(args) if has_box(a)]
        if not dyn:
            return self.fun(*args, **kwargs)
        return _call_traced(self, args, kwargs, dyn)

    def __repr__(self):
        return f"<autograd primitive {self.__name__}>"


def _call_traced(prim, args, kwargs, dyn):
    def full(xs):
        new = list(args)
        for i, x in zip(dyn, xs):
            new[i] = x
        return new

    def body(*xs):
        return prim.fun(*full(xs), **kwargs)

    f = body
    if prim.jvp_argnums is not None:
        f = _custom_jvp(body)

        def jvp_rule(primals, tangents):
            new = full(primals)
            ans = prim(*new, **kwargs)  # one level down
            return ans, prim.jvp_argnums(dyn, tuple(tangents), ans, tuple(new), kwargs)

        f.defjvp(jvp_rule)
    if prim.vjp_argnums is not None:
        g = _custom_vjp(f)

        def fwd(*xs):
            new = full(xs)
            ans = prim(*new, **kwargs)
            return ans, (ans, new)

        def bwd(res, ct):
            ans, new = res
            return tuple(prim.vjp_argnums(dyn, ans, tuple(new), kwargs)(ct))

        g.defvjp(fwd, bwd)
        f = g
    return f(*[args[i] for i in dyn])


def _check_primitive(fun, op):
    if not isinstance(fun, primitive):
        raise TypeError(f"autograd.extend.{op}: {getattr(fun, '__name__', fun)!r} is not a "
                        "primitive; decorate it with @autograd.extend.primitive first")


def _name(fun):
    return getattr(fun, "__name__", repr(fun))


def defvjp_argnums(fun, vjpmaker):
    """``vjpmaker(argnums, ans, args, kwargs) -> (g -> one cotangent per argnum)``."""
    _check_primitive(fun, "defvjp_argnums")
    fun.vjp_argnums = vjpmaker


def defvjp_argnum(fun, vjpmaker):
    """``vjpmaker(argnum, ans, args, kwargs) -> (g -> cotangent of args[argnum])``."""
    _check_primitive(fun, "defvjp_argnum")

    def vjp_argnums(argnums, ans, args, kwargs):
        vjps = [vjpmaker(i, ans, args, kwargs) for i in argnums]
        return lambda g: [vjp(g) for vjp in vjps]

    fun.vjp_argnums = vjp_argnums


def defvjp(fun, *vjpmakers, argnums=None):
    """``defvjp(f, lambda ans, *args, **kwargs: lambda g: ..., ...)``: one VJP maker per
    positional argument (``argnums`` says which); ``None`` means a zero derivative.

    >>> @primitive
    ... def twice(x): return 2 * x
    >>> defvjp(twice, lambda ans, x: lambda g: 2 * g)
    """
    _check_primitive(fun, "defvjp")
    makers = dict(zip(count() if argnums is None else argnums, vjpmakers))
    for i, m in makers.items():
        if m is not None and not callable(m):
            raise TypeError(f"defvjp: the VJP for argument {i} of {_name(fun)} must be a "
                            f"function (ans, *args) -> (g -> cotangent) or None, got {m!r}")

    def vjp_argnums(argnums, ans, args, kwargs):
        vjps = []
        for i in argnums:
            if i not in makers:
                raise NotImplementedError(f"VJP of {_name(fun)} wrt argnum {i} not defined; "
                                          "give it with defvjp (None for a zero derivative)")
            m = makers[i]
            vjps.append(None if m is None else m(ans, *args, **kwargs))
        return lambda g: [None if vjp is None else vjp(g) for vjp in vjps]

    fun.vjp_argnums = vjp_argnums


def _sum_tangents(parts, ans):
    parts = [p for p in parts if p is not None]
    if not parts:
        return _tree.map(lambda a: _onp.zeros(_onp.shape(a), _onp.result_type(a)), ans)
    return functools.reduce(lambda a, b: _tree.map(lambda x, y: x + y, a, b), parts)


def defjvp_argnums(fun, jvpmaker):
    """``jvpmaker(argnums, tangents, ans, args, kwargs) -> tangent of the output``."""
    _check_primitive(fun, "defjvp_argnums")
    fun.jvp_argnums = jvpmaker


def defjvp_argnum(fun, jvpmaker):
    """``jvpmaker(argnum, g, ans, args, kwargs) -> that argument's part of the tangent``."""
    _check_primitive(fun, "defjvp_argnum")

    def jvp_argnums(argnums, gs, ans, args, kwargs):
        return _sum_tangents([jvpmaker(i, g, ans, args, kwargs) for i, g in zip(argnums, gs)],
                             ans)

    fun.jvp_argnums = jvp_argnums


def defjvp(fun, *jvpfuns, argnums=None):
    """``defjvp(f, lambda g, ans, *args, **kwargs: ..., ...)``: one JVP per positional
    argument; ``None`` means a zero derivative and ``"same"`` a tangent passed through.

    >>> @primitive
    ... def twice(x): return 2 * x
    >>> defjvp(twice, lambda g, ans, x: 2 * g)
    """
    _check_primitive(fun, "defjvp")
    rules = dict(zip(count() if argnums is None else argnums, jvpfuns))
    for i, r in rules.items():
        if r is not None and r != "same" and not callable(r):
            raise TypeError(f"defjvp: the JVP for argument {i} of {_name(fun)} must be a "
                            f"function (g, ans, *args) -> tangent, None or 'same', got {r!r}")

    def jvp_argnums(argnums, gs, ans, args, kwargs):
        parts = []
        for i, g in zip(argnums, gs):
            if i not in rules:
                raise NotImplementedError(f"JVP of {_name(fun)} wrt argnum {i} not defined; "
                                          "give it with defjvp (None for a zero derivative)")
            r = rules[i]
            parts.append(None if r is None else g if r == "same" else r(g, ans, *args, **kwargs))
        return _sum_tangents(parts, ans)

    fun.jvp_argnums = jvp_argnums


def def_linear(fun):
    """Declare ``fun`` linear in each positional argument: its JVP is ``fun`` of the tangent."""
    def jvp(argnum, g, ans, args, kwargs):
        new = list(args)
        new[argnum] = g
        return fun(*new, **kwargs)

    defjvp_argnum(fun, jvp)


def notrace_primitive(fun):
    """``fun`` called on the untraced values of its arguments (a function whose result
    carries no derivative, such as a shape query).

    >>> notrace_primitive(lambda x: x > 0)(1.0)
    True
    """
    @functools.wraps(fun)
    def wrapped(*args, **kwargs):
        args, kwargs = _tree.map(getval, (args, kwargs))
        return fun(*args, **kwargs)

    return wrapped
