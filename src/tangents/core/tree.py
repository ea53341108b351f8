"""Pytrees: nested tuples, lists, dicts (sorted keys), OrderedDicts (insertion order),
defaultdicts (sorted keys, same factory), namedtuples and None; arrays are leaves.

Part of the core (the transforms flatten their arguments); `tangents.tree` re-exports it
with `ravel`, which needs the NumPy layer."""
from __future__ import annotations

import collections

import numpy as np

__all__ = ["flatten", "unflatten", "map", "leaves", "structure", "TreeDef"]

_map = map


class TreeDef:
    """The structure of a pytree: a node kind, its keys, and its children's structures."""

    __slots__ = ("kind", "meta", "children", "num_leaves")

    def __init__(self, kind, meta, children):
        self.kind = kind          # "leaf", "none", tuple, list, a dict class or a namedtuple class
        self.meta = meta          # the keys for dicts; (factory, keys) for defaultdicts
        self.children = children
        n = 1 if kind == "leaf" else 0
        for c in children:
            n += c.num_leaves
        self.num_leaves = n

    def __eq__(self, other):
        return (isinstance(other, TreeDef) and self.kind == other.kind
                and self.meta == other.meta and self.children == other.children)

    def __hash__(self):
        return hash((str(self.kind), self.meta, self.children))

    def __repr__(self):
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        if self.kind in _DICTS:
            keys = self.meta[1] if self.kind is collections.defaultdict else self.meta
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(keys, self.children))
            return "{" + inner + "}" if self.kind is dict else f"{self.kind.__name__}({{{inner}}})"
        inner = ", ".join(_map(repr, self.children))
        return f"[{inner}]" if self.kind is list else f"({inner})"


_DICTS = (dict, collections.OrderedDict, collections.defaultdict)
_LEAF = TreeDef("leaf", None, ())
_NONE = TreeDef("none", None, ())


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


# leaf types that can be told apart by type alone (the common case, kept off the slow path)
_PLAIN_LEAVES = frozenset([np.ndarray, float, int, complex, bool, np.float64, np.float32])


def _flatten(x, out):
    t = type(x)
    if t in _PLAIN_LEAVES:
        out.append(x)
        return _LEAF
    if t is dict:
        keys = tuple(sorted(x))
        return TreeDef(dict, keys, tuple([_flatten(x[k], out) for k in keys]))
    if t is tuple or t is list:
        return TreeDef(t, None, tuple([_flatten(c, out) for c in x]))
    if x is None:
        return _NONE
    if t is collections.OrderedDict:
        keys = tuple(x)
        return TreeDef(t, keys, tuple([_flatten(x[k], out) for k in keys]))
    if t is collections.defaultdict:
        keys = tuple(sorted(x))
        return TreeDef(t, (x.default_factory, keys), tuple([_flatten(x[k], out) for k in keys]))
    if _is_namedtuple(x):
        return TreeDef(t, None, tuple([_flatten(c, out) for c in x]))
    out.append(x)
    return _LEAF


def flatten(tree):
    """``flatten(tree) -> (leaves, treedef)``.

    >>> flatten({"b": 2.0, "a": (1.0, None)})
    ([1.0, 2.0], {'a': (*, None), 'b': *})
    """
    leaves_ = []
    treedef = _flatten(tree, leaves_)
    return leaves_, treedef


def _build(treedef, it):
    kind = treedef.kind
    if kind == "leaf":
        return next(it)
    if kind == "none":
        return None
    children = [next(it) if c is _LEAF else _build(c, it) for c in treedef.children]
    if kind is dict or kind is collections.OrderedDict:
        return kind(zip(treedef.meta, children))
    if kind is collections.defaultdict:
        factory, keys = treedef.meta
        return kind(factory, zip(keys, children))
    if kind is tuple or kind is list:
        return kind(children)
    return kind(*children)


def unflatten(treedef, leaves_):
    """Inverse of `flatten`: ``unflatten(treedef, leaves) -> tree``."""
    if type(leaves_) is not list:
        leaves_ = list(leaves_)
    if len(leaves_) != treedef.num_leaves:
        raise ValueError(f"tree structure {treedef} has {treedef.num_leaves} leaves, "
                         f"got {len(leaves_)}")
    return _build(treedef, iter(leaves_))


def leaves(tree):
    return flatten(tree)[0]


def structure(tree):
    return flatten(tree)[1]


def map(fun, tree, *rest):
    """``map(fun, tree, *rest)``: apply ``fun`` leaf by leaf over trees of one structure.

    >>> map(lambda a, b: a + b, {"w": 1.0}, {"w": 2.0})
    {'w': 3.0}
    """
    flat, treedef = flatten(tree)
    others = []
    for r in rest:
        rf, rd = flatten(r)
        if rd != treedef:
            raise ValueError(f"tree.map: structures differ: {treedef} vs {rd}")
        others.append(rf)
    return unflatten(treedef, [fun(*xs) for xs in zip(flat, *others)])
