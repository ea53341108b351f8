"""autograd's ``core`` entry points: the one-argument ``make_vjp``/``make_jvp``."""
from ... import jvp as _jvp
from ._transforms import _unary_vjp

__all__ = ["make_vjp", "make_jvp"]


def make_vjp(fun, x):
    """``make_vjp(fun, x) -> (vjp, fun(x))`` for a function of one argument.

    >>> vjp, ans = make_vjp(lambda x: 3 * x, 1.0)
    >>> float(vjp(1.0))
    3.0
    """
    return _unary_vjp(fun, x)


def make_jvp(fun, x):
    """``make_jvp(fun, x) -> jvp`` with ``jvp(v) -> (fun(x), J v)``.

    >>> float(make_jvp(lambda x: 3 * x, 1.0)(1.0)[1])
    3.0
    """
    return lambda v: _jvp(fun, (x,), (v,))
