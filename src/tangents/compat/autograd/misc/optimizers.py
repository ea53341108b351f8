"""``autograd.misc.optimizers``: ``sgd``, ``rmsprop`` and ``adam`` with autograd's calling
convention ``opt(grad, x0, callback=None, num_iters=..., ...)``, where ``grad(x, i)`` is
the gradient at iteration ``i`` and ``callback(x, i, g)`` runs before each step.  ``x0``
may be any pytree; the optimizers work on its flattened vector."""
import functools

import numpy as _onp

from .flatten import flatten

__all__ = ["sgd", "rmsprop", "adam"]


def _on_flat(optimizer):
    @functools.wraps(optimizer)
    def run(grad, x0, callback=None, *args, **kwargs):
        x, unflatten = flatten(x0)

        def flat_grad(v, i):
            return flatten(grad(unflatten(v), i))[0]

        flat_callback = None if callback is None else (
            lambda v, i, g: callback(unflatten(v), i, unflatten(g)))
        return unflatten(optimizer(flat_grad, x, flat_callback, *args, **kwargs))

    return run


@_on_flat
def sgd(grad, x, callback=None, num_iters=200, step_size=0.1, mass=0.9):
    """Gradient descent with momentum ``mass``.

    >>> abs(float(sgd(lambda x, i: 2 * x, 1.0, num_iters=200))) < 1e-3
    True
    """
    velocity = _onp.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        velocity = mass * velocity - (1.0 - mass) * g
        x = x + step_size * velocity
    return x


@_on_flat
def rmsprop(grad, x, callback=None, num_iters=100, step_size=0.1, gamma=0.9, eps=1e-8):
    """Steps scaled by a running root-mean-square of the gradients.

    >>> abs(float(rmsprop(lambda x, i: 2 * x, 1.0, num_iters=100, step_size=0.01))) < 0.5
    True
    """
    avg_sq_grad = _onp.ones(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        avg_sq_grad = avg_sq_grad * gamma + g ** 2 * (1 - gamma)
        x = x - step_size * g / (_onp.sqrt(avg_sq_grad) + eps)
    return x


@_on_flat
def adam(grad, x, callback=None, num_iters=100, step_size=0.001, b1=0.9, b2=0.999, eps=1e-8):
    """Adam (Kingma and Ba, 2015) with bias-corrected moment estimates.

    >>> abs(float(adam(lambda x, i: 2 * x, 1.0, num_iters=500, step_size=0.1))) < 0.1
    True
    """
    m = _onp.zeros(len(x))
    v = _onp.zeros(len(x))
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * g ** 2 + b2 * v
        mhat = m / (1 - b1 ** (i + 1))
        vhat = v / (1 - b2 ** (i + 1))
        x = x - step_size * mhat / (_onp.sqrt(vhat) + eps)
    return x
