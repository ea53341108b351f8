"""``autograd.misc.flatten``: a pytree as one vector, differentiably (``tg.tree.ravel``)."""
from .... import tree as _tree

__all__ = ["flatten", "flatten_func"]


def flatten(value):
    """``flatten(value) -> (vector, unflatten)`` for nested tuples, lists and dicts of arrays.

    >>> import numpy as np
    >>> v, unflatten = flatten({"a": np.ones(2), "b": (np.zeros((1, 2)),)})
    >>> v, unflatten(v)["b"][0].shape
    (array([1., 1., 0., 0.]), (1, 2))
    """
    return _tree.ravel(value)


def flatten_func(func, example):
    """``(flat_func, unflatten, flat_example)``: ``func`` taking the flattened vector.

    >>> import numpy as np
    >>> f, unflatten, x = flatten_func(lambda d: d["w"].sum(), {"w": np.ones(3)})
    >>> float(f(x))
    3.0
    """
    flat_example, unflatten = _tree.ravel(example)

    def flat_func(flat, *args, **kwargs):
        return func(unflatten(flat), *args, **kwargs)

    return flat_func, unflatten, flat_example
