"""autograd's differential operators, each one written for one argument on tangents'
transforms and lifted to ``argnum`` (an int or a tuple of ints) by ``_nary``."""
import functools
import inspect
import warnings
from collections import OrderedDict

import numpy as _onp

from ... import checkpoint as _tg_checkpoint
from ... import jacrev as _jacrev
from ... import jvp as _jvp
from ... import numpy as _tnp
from ... import tree as _tree
from ... import vjp as _vjp


def _nary(unary_op):
    """``op(fun, x, ...)`` -> ``op(fun, argnum=0, ...)(*args, **kwargs)``: the returned
    function differentiates ``fun`` with respect to ``args[argnum]`` (a tuple of arguments
    when ``argnum`` is a tuple), the other arguments held fixed."""
    @functools.wraps(unary_op)
    def nary_op(fun, argnum=0, *op_args, **op_kwargs):
        if not isinstance(argnum, (int, tuple, list)):
            raise TypeError(f"autograd.{unary_op.__name__}: argnum must be an int or a tuple "
                            f"of ints, got {argnum!r}")

        @functools.wraps(fun)
        def nary_f(*args, **kwargs):
            nums = (argnum,) if isinstance(argnum, int) else tuple(argnum)
            for i in nums:
                if not -len(args) <= i < len(args):
                    raise TypeError(f"autograd.{unary_op.__name__}: argnum {i} but "
                                    f"{getattr(fun, '__name__', 'fun')} got {len(args)} "
                                    "positional arguments")

            def unary_f(x):
                new = list(args)
                for i, xi in zip(nums, (x,) if isinstance(argnum, int) else x):
                    new[i] = xi
                return fun(*new, **kwargs)

            unary_f.__name__ = getattr(fun, "__name__", "[unknown name]")
            x = args[argnum] if isinstance(argnum, int) else tuple(args[i] for i in nums)
            return unary_op(unary_f, x, *op_args, **op_kwargs)

        nary_f.__name__ = f"{unary_op.__name__}_of_{getattr(fun, '__name__', 'fun')}"
        return nary_f

    return nary_op


def _ones_like(x):
    return _tree.map(lambda leaf: _onp.ones(_onp.shape(leaf), _onp.result_type(leaf)), x)


def _zeros_like(x):
    return _tree.map(lambda leaf: _onp.zeros(_onp.shape(leaf), _onp.result_type(leaf)), x)


def _like_input(x, g):
    """A 0-d array cotangent of a Python or NumPy scalar input as a NumPy scalar (autograd
    gives scalars for scalars)."""
    def one(xi, gi):
        if _onp.ndim(xi) == 0 and not isinstance(xi, _onp.ndarray) and \
                isinstance(gi, _onp.ndarray) and gi.ndim == 0:
            return gi[()]
        return gi
    try:
        return _tree.map(one, x, g)
    except ValueError:  # structures differ (a custom leaf type): leave it as it is
        return g


def _unary_vjp(fun, x):
    """``(vjp, ans)`` where ``vjp(g)`` is the cotangent of ``x`` alone (not a tuple)."""
    ans, pull = _vjp(fun, x)
    return (lambda g: _like_input(x, pull(g)[0])), ans


def _scalar_output(ans, op):
    leaves = _tree.leaves(ans)
    if len(leaves) != 1 or _onp.size(leaves[0]) != 1:
        raise TypeError(f"autograd.{op} only applies to real scalar-output functions (got "
                        f"shape {_onp.shape(leaves[0]) if len(leaves) == 1 else 'a pytree'}). "
                        "Try jacobian, elementwise_grad or holomorphic_grad.")
    if _onp.iscomplexobj(leaves[0]):
        raise TypeError(f"autograd.{op} only applies to real scalar-output functions; got a "
                        "complex output. Take np.real of it or use holomorphic_grad.")


make_vjp = _nary(_unary_vjp)
make_vjp.__doc__ = """``make_vjp(fun, argnum=0)(*args) -> (vjp, ans)``.

>>> import tangents.compat.autograd.numpy as np
>>> vjp, ans = make_vjp(np.sin)(0.0)
>>> float(vjp(2.0))
2.0
"""


@_nary
def make_jvp(fun, x):
    """``make_jvp(fun, argnum=0)(*args) -> jvp`` with ``jvp(v) -> (ans, J v)``.

    >>> import tangents.compat.autograd.numpy as np
    >>> float(make_jvp(np.exp)(0.0)(3.0)[1])
    3.0
    """
    return lambda v: _jvp(fun, (x,), (v,))


@_nary
def grad(fun, x):
    """Gradient of a real scalar-valued ``fun`` (an output of size 1) with respect to
    argument ``argnum``, structured like that argument.

    >>> import tangents.compat.autograd.numpy as np
    >>> float(grad(lambda x: np.sin(x) * 2)(0.0))
    2.0
    """
    vjp, ans = _unary_vjp(fun, x)
    _scalar_output(ans, "grad")
    return vjp(_ones_like(ans))


@_nary
def value_and_grad(fun, x):
    """``(value, gradient)`` of a real scalar-valued ``fun`` (for scipy.optimize's ``jac=True``).

    >>> value_and_grad(lambda x: x ** 2)(3.0)
    (np.float64(9.0), np.float64(6.0))
    """
    vjp, ans = _unary_vjp(fun, x)
    _scalar_output(ans, "value_and_grad")
    return ans, vjp(_ones_like(ans))


@_nary
def grad_and_aux(fun, x):
    """``(gradient of out, aux)`` for ``fun`` returning ``(out, aux)``.

    >>> grad_and_aux(lambda x: (x ** 2, "aux"))(3.0)
    (np.float64(6.0), 'aux')
    """
    ans, pull, aux = _vjp(lambda x: tuple(fun(x)), x, has_aux=True)
    _scalar_output(ans, "grad_and_aux")
    return _like_input(x, pull(_ones_like(ans))[0]), aux


@_nary
def elementwise_grad(fun, x):
    """Sum of the Jacobian's rows in one reverse pass: the derivative of each output element
    with respect to its own input element when ``fun`` is elementwise.

    >>> import tangents.compat.autograd.numpy as np
    >>> elementwise_grad(np.square)(np.array([1.0, 2.0]))
    array([2., 4.])
    """
    vjp, ans = _unary_vjp(fun, x)
    if any(_onp.iscomplexobj(leaf) for leaf in _tree.leaves(ans)):
        raise TypeError("autograd.elementwise_grad only applies to real-output functions")
    return vjp(_ones_like(ans))


@_nary
def deriv(fun, x):
    """Forward-mode derivative along a vector of ones (``df/dx`` for a scalar ``x``).

    >>> import tangents.compat.autograd.numpy as np
    >>> float(deriv(np.sin)(0.0))
    1.0
    """
    return _jvp(fun, (x,), (_ones_like(x),))[1]


@_nary
def jacobian(fun, x):
    """Jacobian of shape ``out.shape + in.shape`` (one batched reverse pass).

    >>> import tangents.compat.autograd.numpy as np
    >>> jacobian(lambda x: 2 * x)(np.ones(2))
    array([[2., 0.],
           [0., 2.]])
    """
    return _jacrev(fun)(x)


@_nary
def hessian(fun, x):
    """Exact Hessian, ``jacobian(jacobian(fun))`` (reverse over reverse, as autograd).

    >>> hessian(lambda x: x ** 3)(1.0)
    array(6.)
    """
    return _jacrev(_jacrev(fun))(x)


@_nary
def holomorphic_grad(fun, x):
    """Complex derivative ``f'(z)`` of a holomorphic ``fun`` (the gradient of its real part).

    >>> holomorphic_grad(lambda z: z ** 2)(1.0 + 1.0j)
    np.complex128(2+2j)
    """
    if not any(_onp.iscomplexobj(leaf) for leaf in _tree.leaves(x)):
        warnings.warn("Input to holomorphic_grad is not complex", stacklevel=3)
    return grad(lambda z: _tnp.real(fun(z)))(x)


@_nary
def make_hvp(fun, x):
    """``make_hvp(fun, argnum=0)(*args) -> (hvp, gradient)``: ``hvp(v)`` is the Hessian times
    ``v``, reusing one forward pass.

    >>> import tangents.compat.autograd.numpy as np
    >>> hvp, g = make_hvp(lambda x: np.sum(x ** 3))(np.ones(2))
    >>> hvp(np.array([1.0, 0.0]))
    array([6., 0.])
    """
    return _unary_vjp(grad(fun), x)


def hessian_tensor_product(fun, argnum=0):
    """``hessian_tensor_product(fun, argnum)(*args, tensor)``: the Hessian contracted with
    ``tensor`` over all of its axes.

    >>> import tangents.compat.autograd.numpy as np
    >>> hessian_tensor_product(lambda x: np.sum(x ** 3))(np.ones(2), np.array([1.0, 0.0]))
    array([6., 0.])
    """
    fun_grad = grad(fun, argnum)

    def vector_dot_grad(*args, **kwargs):
        args, vector = args[:-1], args[-1]
        return _tnp.tensordot(fun_grad(*args, **kwargs), vector, _onp.ndim(vector))

    return grad(vector_dot_grad, argnum)


hessian_vector_product = hessian_tensor_product


def tensor_jacobian_product(fun, argnum=0):
    """``tensor_jacobian_product(fun, argnum)(*args, tensor)``: ``tensor`` contracted with the
    Jacobian's output axes (a vector-Jacobian product for a vector).

    >>> import tangents.compat.autograd.numpy as np
    >>> tensor_jacobian_product(lambda x: 2 * x)(np.ones(2), np.array([1.0, 3.0]))
    array([2., 6.])
    """
    def vector_dot_fun(*args, **kwargs):
        args, vector = args[:-1], args[-1]
        return _tnp.tensordot(vector, fun(*args, **kwargs), axes=_onp.ndim(vector))

    return jacobian(vector_dot_fun, argnum)


vector_jacobian_product = tensor_jacobian_product


@_nary
def make_jvp_reversemode(fun, x):
    """``jvp`` from two reverse passes (the VJP of the VJP is linear in its cotangent).

    >>> import tangents.compat.autograd.numpy as np
    >>> float(make_jvp_reversemode(np.sin)(0.0)(2.0))
    2.0
    """
    vjp, ans = _unary_vjp(fun, x)
    return _unary_vjp(vjp, _zeros_like(ans))[0]


def make_ggnvp(f, g=lambda x: 0.5 * _tnp.sum(x ** 2, axis=-1), f_argnum=0):
    """Generalized Gauss-Newton-vector products ``J^T H_g J v`` of ``g(f(x))``.

    >>> import tangents.compat.autograd.numpy as np
    >>> make_ggnvp(lambda x: 2 * x)(np.ones(2))(np.array([1.0, 0.0]))
    array([4., 0.])
    """
    @_nary
    def _make_ggnvp(f, x):
        f_vjp, f_x = _unary_vjp(f, x)
        g_hvp, grad_g_x = _unary_vjp(grad(g), f_x)
        f_jvp = _unary_vjp(f_vjp, _zeros_like(grad_g_x))[0]
        return lambda v: f_vjp(g_hvp(f_jvp(v)))

    return _make_ggnvp(f, f_argnum)


def grad_named(fun, argname):
    """Gradient with respect to the argument named ``argname``.

    >>> float(grad_named(lambda a, b: a * b, "b")(2.0, 3.0))
    2.0
    """
    return grad(fun, list(inspect.signature(fun).parameters).index(argname))


def multigrad_dict(fun):
    """Gradients with respect to every argument at once, as an ``OrderedDict`` by name.

    >>> dict(multigrad_dict(lambda a, b: a * b)(2.0, 3.0))
    {'a': np.float64(3.0), 'b': np.float64(2.0)}
    """
    sig = inspect.signature(fun)
    params = sig.parameters

    def gradfun(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        names = list(bound.arguments)

        def call(values):
            pos, kw = [], {}
            for name in names:
                kind = params[name].kind
                if kind is inspect.Parameter.VAR_POSITIONAL:
                    pos.extend(values[name])
                elif kind is inspect.Parameter.VAR_KEYWORD:
                    kw.update(values[name])
                elif kind is inspect.Parameter.KEYWORD_ONLY:
                    kw[name] = values[name]
                else:
                    pos.append(values[name])
            return fun(*pos, **kw)

        grads = grad(call)(dict(bound.arguments))
        return OrderedDict((name, grads[name]) for name in names)

    return gradfun


def checkpoint(fun):
    """``fun`` whose intermediates are recomputed in the backward pass, not stored.

    >>> import tangents.compat.autograd.numpy as np
    >>> float(grad(checkpoint(np.sin))(0.0))
    1.0
    """
    return _tg_checkpoint(fun)
