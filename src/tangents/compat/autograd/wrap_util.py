"""``autograd.wrap_util.unary_to_nary``: lift ``op(fun, x)`` to ``op(fun, argnum=0)(*args)``."""
from ._transforms import _nary as unary_to_nary

__all__ = ["unary_to_nary"]
