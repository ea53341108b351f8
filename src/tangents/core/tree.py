"""Pytrees: nested tuples, lists, dicts (sorted keys), OrderedDicts (insertion order),
defaultdicts (sorted keys, same factory), namedtuples, dataclasses (fields in order; a field
with ``metadata={"static": True}`` is part of the structure, not a leaf), classes added with
`register`, and None; arrays are leaves.

Part of the core (the transforms flatten their arguments); `tangents.tree` re-exports it
with `ravel`, which needs the NumPy layer."""
from __future__ import annotations

import collections
import dataclasses
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

import numpy as np

__all__ = ["flatten", "unflatten", "map", "leaves", "structure", "register", "children",
           "broadcast_prefix", "TreeDef"]

_map = map

# A pytree (see the module docstring); the leaves are arbitrary objects, so to the type
# checker a tree is Any with a name that says what is meant.
PyTree = Any


class TreeDef:
    """The structure of a pytree: a node kind, its keys, and its children's structures."""

    __slots__ = ("kind", "meta", "children", "num_leaves", "_hash")
    kind: Any
    meta: Any
    children: tuple[TreeDef, ...]
    num_leaves: int
    _hash: int | None

    def __init__(self, kind: Any, meta: Any, children: tuple[TreeDef, ...]) -> None:
        self.kind = kind          # "leaf", "none", tuple, list, a dict class or a node class
        self.meta = meta          # dict keys; (factory, keys) for defaultdicts; a node's aux
        self.children = children
        n = 1 if kind == "leaf" else 0
        for c in children:
            n += c.num_leaves
        self.num_leaves = n
        self._hash = None  # computed on first use (a node's aux may be unhashable)

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, TreeDef) and self.kind == other.kind
                                 and self.meta == other.meta
                                 and self.children == other.children)

    def __hash__(self) -> int:
        # a TreeDef never changes, so its hash is computed once (jit hashes one per call)
        h = self._hash
        if h is None:
            h = self._hash = hash((self.kind, self.meta, self.children))
        return h

    def __repr__(self) -> str:
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        if self.kind in _DICTS:
            keys = self.meta[1] if self.kind is collections.defaultdict else self.meta
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(keys, self.children))
            return "{" + inner + "}" if self.kind is dict else f"{self.kind.__name__}({{{inner}}})"
        inner = ", ".join(_map(repr, self.children))
        if self.kind is list:
            return f"[{inner}]"
        node = _NODES.get(self.kind)
        if isinstance(node, _Dataclass):
            inner = ", ".join([f"{n}={c!r}" for n, c in zip(node.names, self.children)]
                              + [f"{n}={v!r}" for n, v in zip(node.static, self.meta)])
        elif isinstance(node, _Registered):
            inner = ", ".join([repr(self.meta)] + [repr(c) for c in self.children])
        return f"({inner})" if self.kind is tuple else f"{self.kind.__name__}({inner})"


_DICTS = (dict, collections.OrderedDict, collections.defaultdict)
_LEAF = TreeDef("leaf", None, ())
_NONE = TreeDef("none", None, ())

# leaf types that can be told apart by type alone (the common case, kept off the slow path)
_PLAIN_LEAVES = frozenset([np.ndarray, float, int, complex, bool, np.float64, np.float32])


# -- node classes: namedtuples, dataclasses, registered classes ------------------------------
class _Registered:
    __slots__ = ("flatten", "unflatten")

    def __init__(self, flatten: Callable[[Any], tuple[Sequence[Any], Hashable]],
                 unflatten: Callable[[Any, list[Any]], Any]) -> None:
        self.flatten = flatten
        self.unflatten = unflatten


class _Dataclass:
    """A dataclass's fields: ``names`` are its children, ``static`` its structure (meta)."""

    __slots__ = ("cls", "names", "static")

    def __init__(self, cls: type) -> None:
        fields = dataclasses.fields(cls)
        self.cls = cls
        self.names = tuple(f.name for f in fields if not f.metadata.get("static", False))
        self.static = tuple(f.name for f in fields if f.metadata.get("static", False))

    def flatten(self, x: Any) -> tuple[list[Any], tuple[Any, ...]]:
        aux = tuple([getattr(x, n) for n in self.static])
        if aux:
            try:
                hash(aux)
            except TypeError:
                bad = [n for n, v in zip(self.static, aux) if not _hashable(v)]
                raise TypeError(f"tree.flatten: static field {bad[0]!r} of {self.cls.__name__} "
                                f"holds an unhashable {type(getattr(x, bad[0])).__name__}; a "
                                "static value is part of the tree structure and must be "
                                "hashable (use a tuple, or drop metadata={'static': True} to "
                                "make it a leaf)") from None
        return [getattr(x, n) for n in self.names], aux

    def unflatten(self, aux: tuple[Any, ...], children: Sequence[Any]) -> Any:
        # Rebuild without __init__/__post_init__: the children may be tracers or placeholders
        # that user validation would reject, init=False fields must be set too, and
        # object.__setattr__ also gets past a frozen dataclass's __setattr__.
        obj: Any = object.__new__(self.cls)
        for n, v in zip(self.names, children):
            object.__setattr__(obj, n, v)
        for n, v in zip(self.static, aux):
            object.__setattr__(obj, n, v)
        return obj


def _hashable(v: object) -> bool:
    try:
        hash(v)
    except TypeError:
        return False
    return True


_NAMEDTUPLE = "namedtuple"
_LEAF_TYPE = "leaf"
# type -> how to take it apart: _NAMEDTUPLE, a _Dataclass, a _Registered, or _LEAF_TYPE
# (filled on first sight, so each further instance costs one dict lookup)
_NODES: dict[type, Any] = {}


def _classify(t: type) -> Any:
    node: Any
    if issubclass(t, tuple) and hasattr(t, "_fields"):
        node = _NAMEDTUPLE
    elif dataclasses.is_dataclass(t):
        node = _Dataclass(t)
    else:
        node = _LEAF_TYPE
    _NODES[t] = node
    return node


def register(cls: type, flatten: Callable[[Any], tuple[Sequence[Any], Hashable]],
             unflatten: Callable[[Any, list[Any]], Any]) -> None:
    """Make instances of ``cls`` pytree nodes.

    ``flatten(obj) -> (children, aux)``: ``children`` a sequence of subtrees, ``aux`` hashable
    data that is part of the structure (compared with ``==``); ``unflatten(aux, children) ->
    obj`` rebuilds it. Dataclasses and namedtuples need no registration.

    >>> class Pair:
    ...     def __init__(self, a, b):
    ...         self.a, self.b = a, b
    >>> register(Pair, lambda p: ((p.a, p.b), None), lambda aux, ch: Pair(*ch))
    >>> flatten(Pair(1.0, (2.0, 3.0)))
    ([1.0, 2.0, 3.0], Pair(None, *, (*, *)))
    """
    if not isinstance(cls, type):
        raise TypeError(f"tree.register: cls must be a class, got {type(cls).__name__}")
    if cls in _DICTS or cls in (tuple, list, type(None)) or cls in _PLAIN_LEAVES:
        raise TypeError(f"tree.register: {cls.__name__} is built in (a container or a leaf) "
                        "and cannot be registered; register a subclass of it instead")
    if not (callable(flatten) and callable(unflatten)):
        raise TypeError("tree.register: flatten and unflatten must be callables "
                        "(flatten(obj) -> (children, aux), unflatten(aux, children) -> obj)")
    _NODES[cls] = _Registered(flatten, unflatten)


def _node_parts(node: _Dataclass | _Registered, x: Any, t: type) -> tuple[Any, Any]:
    """``(children, aux)`` of ``x`` (of type ``t``), a dataclass or registered node."""
    res = node.flatten(x)
    if type(res) is not tuple or len(res) != 2:
        raise TypeError(f"tree.flatten: the flatten function registered for {t.__name__} "
                        "must return a pair (children, aux), got "
                        f"{type(res).__name__}")
    return res


# -- flatten / unflatten -------------------------------------------------------------------
def _flatten(x: PyTree, out: list[Any]) -> TreeDef:
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
    node = _NODES.get(t) or _classify(t)
    if node is _LEAF_TYPE:
        out.append(x)
        return _LEAF
    if node is _NAMEDTUPLE:
        return TreeDef(t, None, tuple([_flatten(c, out) for c in x]))
    children, aux = _node_parts(node, x, t)
    return TreeDef(t, aux, tuple([_flatten(c, out) for c in children]))


def flatten(tree: PyTree) -> tuple[list[Any], TreeDef]:
    """``flatten(tree) -> (leaves, treedef)``.

    >>> flatten({"b": 2.0, "a": (1.0, None)})
    ([1.0, 2.0], {'a': (*, None), 'b': *})
    """
    leaves_: list[Any] = []
    treedef = _flatten(tree, leaves_)
    return leaves_, treedef


def _build(treedef: TreeDef, it: Iterator[Any]) -> PyTree:
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
    node = _NODES[kind]
    if node is _NAMEDTUPLE:
        return kind(*children)
    return node.unflatten(treedef.meta, children)


def unflatten(treedef: TreeDef, leaves_: Sequence[Any]) -> PyTree:
    """Inverse of `flatten`: ``unflatten(treedef, leaves) -> tree``."""
    if type(leaves_) is not list:
        leaves_ = list(leaves_)
    if len(leaves_) != treedef.num_leaves:
        raise ValueError(f"tree structure {treedef} has {treedef.num_leaves} leaves, "
                         f"got {len(leaves_)}")
    return _build(treedef, iter(leaves_))


def leaves(tree: PyTree) -> list[Any]:
    """The leaves of ``tree`` in flatten order.

    >>> leaves({"b": 2.0, "a": (1.0, None)})
    [1.0, 2.0]
    """
    return flatten(tree)[0]


def structure(tree: PyTree) -> TreeDef:
    """The structure of ``tree`` (its `TreeDef`), without the leaves.

    >>> structure({"b": 2.0, "a": (1.0, None)})
    {'a': (*, None), 'b': *}
    """
    return flatten(tree)[1]


def map(fun: Callable[..., Any], tree: PyTree, *rest: PyTree) -> PyTree:
    """``map(fun, tree, *rest)``: apply ``fun`` leaf by leaf over trees of one structure.

    >>> map(lambda a, b: a + b, {"w": 1.0}, {"w": 2.0})
    {'w': 3.0}
    """
    flat, treedef = flatten(tree)
    others: list[list[Any]] = []
    for r in rest:
        rf, rd = flatten(r)
        if rd != treedef:
            raise ValueError(f"tree.map: structures differ: {treedef} vs {rd}")
        others.append(rf)
    return unflatten(treedef, [fun(*xs) for xs in zip(flat, *others)])


# -- prefixes ------------------------------------------------------------------------------
def _level(x: Any) -> tuple[Any, Any, Sequence[Any], list[Any]] | None:
    """One level of ``x``: ``(kind, meta, keys, children)``, or None for a leaf."""
    t = type(x)
    if x is None:
        return "none", None, (), []
    if t in _DICTS:
        keys: Sequence[Any] = list(x) if t is collections.OrderedDict else sorted(x)
        return dict, None, keys, [x[k] for k in keys]
    if t is tuple or t is list:
        return list, None, range(len(x)), list(x)
    node = _NODES.get(t) or _classify(t)
    if node is _LEAF_TYPE:
        return None
    if node is _NAMEDTUPLE:  # a namedtuple matches any sequence of its length
        return list, None, x._fields, list(x)
    children, aux = _node_parts(node, x, t)
    keys = node.names if isinstance(node, _Dataclass) else range(len(children))
    return t, aux, keys, list(children)


def _key_path(kind: Any, k: Any) -> str:
    return f".{k}" if isinstance(k, str) and kind is not dict else f"[{k!r}]"


def children(x: PyTree) -> list[tuple[str, PyTree]] | None:
    """``children(x) -> [(path, child), ...]``: ``x`` one level down in flatten order, each
    child with its path as written after ``x``; None when ``x`` is a leaf.

    >>> children({"b": 1.0, "a": (2.0, None)})
    [("['a']", (2.0, None)), ("['b']", 1.0)]
    """
    lv = _level(x)
    if lv is None:
        return None
    kind, _, keys, parts = lv
    return [(_key_path(kind, k), c) for k, c in zip(keys, parts)]


def _prefix_into(p: Any, x: Any, path: str, types: tuple[type, ...], out: list[Any]) -> None:
    lp = None if p is None else _level(p)
    if lp is None:
        if not isinstance(p, types):
            names = " or ".join("None" if t is type(None) else t.__name__ for t in types)
            raise ValueError(f"{path} is {p!r}; its entries must be {names}")
        out.extend([p] * structure(x).num_leaves)
        return
    lx = _level(x)
    if lx is None:
        raise ValueError(f"{path} is a {type(p).__name__} where the value is a leaf "
                         f"(a {type(x).__name__})")
    (kp, mp, keys_p, cp), (kx, mx, keys_x, cx) = lp, lx
    if kp != kx or mp != mx:
        raise ValueError(f"{path} is a {type(p).__name__} where the value is a "
                         f"{type(x).__name__}" + (f" with other static fields ({mp!r} vs {mx!r})"
                                                  if kp == kx else ""))
    if kp is dict:
        if set(keys_p) != set(keys_x):
            raise ValueError(f"{path} has keys {sorted(keys_p, key=repr)} where the value has "
                             f"{sorted(keys_x, key=repr)}")
        cp = [p[k] for k in keys_x]
    elif len(cp) != len(cx):
        raise ValueError(f"{path} has {len(cp)} entries where the value has {len(cx)}")
    for k, a, b in zip(keys_x, cp, cx):
        _prefix_into(a, b, path + _key_path(kp, k), types, out)


def broadcast_prefix(prefix: PyTree, tree: PyTree, what: str = "prefix",
                     types: tuple[type, ...] = (object,),
                     op: str = "tree.broadcast_prefix") -> list[Any]:
    """One entry of ``prefix`` per leaf of ``tree``, in flatten order.

    ``prefix`` has the structure of ``tree`` down to some depth; each of its leaves (None
    counts as a leaf here) stands for the whole subtree of ``tree`` at its place. Tuples,
    lists and namedtuples match any sequence of their length, dicts any dict with their keys;
    dataclasses and registered nodes match their own class with equal static data. Entries
    must be instances of ``types``; ``op`` and ``what`` name the caller and the prefix in
    errors.

    >>> broadcast_prefix({"w": 0, "b": None}, {"w": (1.0, 2.0), "b": 3.0})
    [None, 0, 0]
    """
    out: list[Any] = []
    try:
        _prefix_into(prefix, tree, what, types, out)
    except ValueError as e:
        raise ValueError(f"{op}: {what}={prefix!r} is not a prefix of the value's structure "
                         f"{structure(tree)}: {e}") from None
    return out
