"""``autograd.test_util``: ``check_grads`` with autograd's signature, on ``tg.check_grads``
(finite differences entry by entry, forward and reverse mode, and their transpose identity),
and the helpers autograd's tests use (``combo_check``, ``scalar_close``, ...)."""
from itertools import product

import numpy as _onp

from ... import check_grads as _tg_check_grads
from ... import jvp as _jvp
from ... import numpy as _tnp
from ... import tree as _tree
from ... import vjp as _vjp
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


def _real_params(f, x):
    """``f`` of a pytree ``x`` as a function of real arrays only: each complex leaf is two
    real parameters (its real and imaginary parts) and each complex output two real outputs,
    so finite differences in float64 see the whole complex derivative (autograd's complex
    vector space is R^2 too)."""
    leaves, treedef = _tree.flatten(x)
    leaves = [_onp.asarray(leaf) for leaf in leaves]
    cplx = [leaf.dtype.kind == "c" for leaf in leaves]
    params = []
    for leaf, c in zip(leaves, cplx):
        params.extend([leaf.real.copy(), leaf.imag.copy()] if c else [leaf])

    def g(*ps):
        it = iter(ps)
        ins = [next(it) + 1j * next(it) if c else next(it) for c in cplx]
        outs = []
        for o in _tree.leaves(f(_tree.unflatten(treedef, ins))):
            outs.extend([_tnp.real(o), _tnp.imag(o)] if _onp.iscomplexobj(o) else [o])
        return outs

    return g, tuple(params)


def _check(f, x, modes, order, name):
    g, params = _real_params(f, x)
    try:
        _tg_check_grads(g, params, order=1, modes=modes)
    except AssertionError as e:
        kind = "JVP" if "forward-mode" in str(e) else "VJP"
        raise AssertionError(f"Derivative ({kind}) check of {name} failed with arg {x}:\n"
                             f"{e}") from None
    if order > 1:
        rng = _onp.random.default_rng(0)
        if "fwd" in modes:
            v = _tree.map(lambda leaf: _random_like(leaf, rng), x)
            _check(lambda xv: _jvp(f, (xv[0],), (xv[1],))[1], (x, v), modes, order - 1,
                   f"jvp_{name}")
        if "rev" in modes:
            ans, pull = _vjp(f, x)
            w = _tree.map(lambda leaf: _random_like(leaf, rng), ans)
            _check(lambda xw: _vjp(f, xw[0])[1](xw[1])[0], (x, w), modes, order - 1,
                   f"vjp_{name}")


def _random_like(leaf, rng):
    leaf = _onp.asarray(leaf)
    if leaf.dtype.kind == "c":
        return (rng.standard_normal(leaf.shape) + 1j * rng.standard_normal(leaf.shape)
                ).astype(leaf.dtype)
    if leaf.dtype.kind == "f":
        return rng.standard_normal(leaf.shape).astype(leaf.dtype)
    return _onp.zeros(leaf.shape)


@_nary
def check_grads(f, x, modes=None, order=2):
    """``check_grads(f, argnum=0, modes=['fwd', 'rev'], order=2)(*args)``: raise
    ``AssertionError`` when a derivative of ``f`` with respect to ``args[argnum]`` disagrees
    with central finite differences entry by entry (``tg.check_grads``, complex values as
    pairs of reals), or forward mode with reverse mode, at every order up to ``order``.

    >>> import tangents.compat.autograd.numpy as np
    >>> check_grads(np.sin)(np.array([0.5, 1.0 + 0.5j]))
    """
    modes = ("fwd", "rev") if modes is None else tuple(modes)
    bad = [m for m in modes if m not in ("fwd", "rev")]
    if bad:
        raise ValueError(f"check_grads: modes must be 'fwd' and/or 'rev', got {bad}")
    _check(f, x, modes, order, getattr(f, "__name__", "[unknown name]"))


def check_vjp(f, x):
    """Check the reverse-mode derivative of ``f`` at ``x`` (first order).

    >>> check_vjp(lambda x: x ** 2, 3.0)
    """
    _check(f, x, ("rev",), 1, getattr(f, "__name__", "[unknown name]"))


def check_jvp(f, x):
    """Check the forward-mode derivative of ``f`` at ``x`` (first order).

    >>> check_jvp(lambda x: x ** 2, 3.0)
    """
    _check(f, x, ("fwd",), 1, getattr(f, "__name__", "[unknown name]"))


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
