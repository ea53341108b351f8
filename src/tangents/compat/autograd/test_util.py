"""``autograd.test_util``: ``check_grads`` with autograd's signature, on ``tg.check_grads``
(finite differences entry by entry, forward and reverse mode, and their transpose identity),
and the helpers autograd's tests use (``combo_check``, ``scalar_close``, ...)."""
from itertools import product

import numpy as _onp

from ... import check_grads as _tg_check_grads
from ... import tree as _tree
from ._transforms import _nary

TOL = 1e-6
RTOL = 1e-6
__all__ = ["check_grads", "check_vjp", "check_jvp", "check_equivalent", "combo_check",
           "scalar_close"]


def scalar_close(a, b):
    """``|a - b|`` within ``TOL`` absolutely or ``RTOL`` relatively.

    >>> scalar_close(1.0, 1.0 + 1e-9)
    True
    """
    return abs(a - b) < TOL or abs(a - b) / abs(a + b) < RTOL


@_nary
def check_grads(f, x, modes=None, order=2):
    """``check_grads(f, argnum=0, modes=['fwd', 'rev'], order=2)(*args)``: raise
    ``AssertionError`` when a derivative of ``f`` with respect to ``args[argnum]`` disagrees
    with central finite differences, to ``order`` (each order in each mode).

    >>> import tangents.compat.autograd.numpy as np
    >>> check_grads(np.sin)(np.array([0.5, 1.0]))
    """
    modes = ("fwd", "rev") if modes is None else tuple(modes)
    bad = [m for m in modes if m not in ("fwd", "rev")]
    if bad:
        raise ValueError(f"check_grads: modes must be 'fwd' and/or 'rev', got {bad}")
    _tg_check_grads(f, (x,), order=order, modes=modes)


def check_vjp(f, x):
    """Check the reverse-mode derivative of ``f`` at ``x`` (first order).

    >>> check_vjp(lambda x: x ** 2, 3.0)
    """
    _tg_check_grads(f, (x,), order=1, modes=("rev",))


def check_jvp(f, x):
    """Check the forward-mode derivative of ``f`` at ``x`` (first order).

    >>> check_jvp(lambda x: x ** 2, 3.0)
    """
    _tg_check_grads(f, (x,), order=1, modes=("fwd",))


def check_equivalent(x, y):
    """Assert that two pytrees have one structure, shapes and (close) values.

    >>> check_equivalent((1.0, [2.0]), (1.0, [2.0 + 1e-12]))
    """
    xl, xt = _tree.flatten(x)
    yl, yt = _tree.flatten(y)
    assert xt == yt, f"Structure mismatch:\nx: {xt}\ny: {yt}"
    for a, b in zip(xl, yl):
        assert _onp.shape(a) == _onp.shape(b), f"Shape mismatch:\nx: {a}\ny: {b}"
        assert _onp.allclose(a, b, rtol=RTOL, atol=TOL), f"Value mismatch:\nx: {x}\ny: {y}"


def combo_check(fun, *args, **kwargs):
    """``combo_check(fun, argnum, modes=..., order=...)(*arg_lists, **kwarg_lists)``:
    ``check_grads`` over every combination of the listed arguments and keyword values.

    >>> import tangents.compat.autograd.numpy as np
    >>> combo_check(np.sum, [0])([np.ones((2, 3))], axis=[0, 1, None])
    """
    def run(*arg_lists, **kwarg_lists):
        keyed = [[(k, v) for v in vs] for k, vs in kwarg_lists.items()]
        for call_args in product(*arg_lists):
            for call_kwargs in product(*keyed):
                check_grads(fun, *args, **kwargs)(*call_args, **dict(call_kwargs))

    return run
