"""tangents.tree: flatten / unflatten / map / ravel over tuples, lists, dicts, namedtuples,
dataclasses, registered classes and None, and ravel's use inside transforms."""
import collections
import dataclasses

import numpy as np
import pytest
from harness import approx, tol

import tangents as tg
from tangents import tree

Point = collections.namedtuple("Point", "x y")


@dataclasses.dataclass
class DC:
    a: object
    b: object = None
    tag: str = dataclasses.field(default="t", metadata={"static": True})


@dataclasses.dataclass(frozen=True, slots=True)
class FrozenSlots:
    x: object
    y: object = dataclasses.field(default=0.0, init=False)   # a field __init__ does not take


@dataclasses.dataclass(frozen=True)
class Checked:
    """Its __post_init__ rejects what unflatten may put in (tracers, placeholders)."""
    x: object

    def __post_init__(self):
        if not isinstance(self.x, float):
            raise TypeError("Checked.x must be a float")


class Interval:
    def __init__(self, lo, hi, closed):
        self.lo, self.hi, self.closed = lo, hi, closed


tree.register(Interval, lambda i: ([i.lo, i.hi], i.closed),
              lambda closed, ch: Interval(ch[0], ch[1], closed))

TREES = [
    1.0,
    np.ones(3),
    None,
    (),
    [],
    {},
    (1.0, [2.0, None], {"b": 3.0, "a": (4.0,)}),
    {"w": np.ones((2, 2)), "b": np.zeros(2), "nested": [Point(1.0, np.arange(2.0)), None]},
    [Point(x=(1.0, 2.0), y={"k": 3.0})],
    collections.OrderedDict([("z", 1.0), ("a", (2.0, None))]),
    collections.defaultdict(list, {"b": 1.0, "a": np.ones(2)}),
    DC(np.ones(2), (1.0, None)),
    [DC(DC(1.0, tag="inner"), {"k": Point(2.0, 3.0)}, tag="outer")],
    FrozenSlots(np.ones(3)),
    Checked(1.0),
    {"i": Interval(1.0, (2.0, DC(3.0)), closed=True)},
]


@pytest.mark.parametrize("t", TREES, ids=range(len(TREES)))
def test_flatten_unflatten_roundtrip(t):
    leaves, treedef = tree.flatten(t)
    assert treedef.num_leaves == len(leaves)
    rebuilt = tree.unflatten(treedef, leaves)
    assert tree.structure(rebuilt) == treedef
    assert type(rebuilt) is type(t)
    for a, b in zip(tree.leaves(rebuilt), leaves):
        assert a is b


def test_flatten_order_and_kinds():
    t = {"b": (2.0, None), "a": [1.0, Point(3.0, 4.0)]}
    leaves, treedef = tree.flatten(t)
    assert leaves == [1.0, 3.0, 4.0, 2.0]                      # dict keys sorted
    rebuilt = tree.unflatten(treedef, [10, 30, 40, 20])
    assert rebuilt == {"a": [10, Point(30, 40)], "b": (20, None)}
    assert isinstance(rebuilt["a"][1], Point) and isinstance(rebuilt["a"], list)
    assert tree.leaves(None) == [] and tree.leaves(np.ones(2))[0].shape == (2,)


def test_structures_compare_by_kind_and_keys():
    assert tree.structure((1.0, 2.0)) == tree.structure((5, 6))
    assert tree.structure((1.0, 2.0)) != tree.structure([1.0, 2.0])
    assert tree.structure({"a": 1}) != tree.structure({"b": 1})
    assert tree.structure(Point(1, 2)) != tree.structure((1, 2))
    assert tree.structure(None) != tree.structure(1.0)
    assert hash(tree.structure({"a": (1, None)})) == hash(tree.structure({"a": (2, None)}))
    assert repr(tree.structure({"b": 2.0, "a": (1.0, None)})) == "{'a': (*, None), 'b': *}"


def test_unflatten_wrong_number_of_leaves():
    treedef = tree.structure((1.0, 2.0))
    with pytest.raises(ValueError, match="2 leaves"):
        tree.unflatten(treedef, [1.0])


def test_map_single_and_several_trees():
    t = {"a": 1.0, "b": (2.0, None), "c": [Point(3.0, 4.0)]}
    out = tree.map(lambda v: v * 2, t)
    assert out == {"a": 2.0, "b": (4.0, None), "c": [Point(6.0, 8.0)]}
    out = tree.map(lambda u, v: u + v, t, out)
    assert out == {"a": 3.0, "b": (6.0, None), "c": [Point(9.0, 12.0)]}
    with pytest.raises(ValueError, match="structures differ"):
        tree.map(lambda u, v: u + v, {"a": 1.0}, {"b": 1.0})
    with pytest.raises(ValueError, match="structures differ"):
        tree.map(lambda u, v: u + v, (1.0, 2.0), [1.0, 2.0])


def test_map_inside_grad():
    params = {"w": np.array([1.0, 2.0]), "b": 0.5}
    g = tg.grad(lambda p: sum(tree.leaves(tree.map(lambda v: np.sum(v ** 2), p))))(params)
    np.testing.assert_allclose(g["w"], [2.0, 4.0])
    assert g["b"] == pytest.approx(1.0)


def test_ravel_roundtrip():
    t = {"w": np.arange(4.0).reshape(2, 2), "b": np.array([5.0, 6.0]), "s": 7.0, "n": None}
    vec, unravel = tree.ravel(t)
    assert vec.shape == (7,) and vec.dtype == np.float64
    np.testing.assert_array_equal(vec, [5.0, 6.0, 7.0, 0.0, 1.0, 2.0, 3.0])  # keys sorted
    back = unravel(vec)
    assert back["n"] is None and back["w"].shape == (2, 2) and np.shape(back["s"]) == ()
    np.testing.assert_array_equal(back["w"], t["w"])
    np.testing.assert_array_equal(back["b"], t["b"])
    with pytest.raises(ValueError, match=r"\(7,\)"):
        unravel(np.zeros(6))


def test_ravel_mixed_dtypes_restores_each_dtype():
    t = (np.ones(2, np.float32), np.zeros(3))
    vec, unravel = tree.ravel(t)
    assert vec.dtype == np.float64
    a, b = unravel(vec)
    assert a.dtype == np.float32 and b.dtype == np.float64
    vec32, unravel32 = tree.ravel((np.ones(2, np.float32),))
    assert vec32.dtype == np.float32


def test_ravel_of_empty_tree():
    vec, unravel = tree.ravel({})
    assert vec.shape == (0,)
    assert unravel(vec) == {}


def test_ravel_is_differentiable():
    t = {"w": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([0.1, 0.2])}

    def loss(p):
        vec, _ = tree.ravel(p)
        return np.sum(np.sin(vec) * vec)
    g = tg.grad(loss)(t)
    for k in t:
        np.testing.assert_allclose(g[k], np.cos(t[k]) * t[k] + np.sin(t[k]), **tol("roundoff"))

    def flat_loss(vec, unravel):
        p = unravel(vec)
        return np.sum(p["w"] ** 2) + np.sum(p["b"] ** 3)
    vec, unravel = tree.ravel(t)
    g = tg.grad(flat_loss)(vec, unravel)
    want, _ = tree.ravel({"w": 2 * t["w"], "b": 3 * t["b"] ** 2})
    np.testing.assert_allclose(g, want, **tol("roundoff"))
    tg.check_grads(lambda v: unravel(v), (vec,), order=2)


def test_ordered_dict_keeps_insertion_order_and_defaultdict_its_factory():
    od = collections.OrderedDict([("z", 1.0), ("a", 2.0)])
    leaves, treedef = tree.flatten(od)
    assert leaves == [1.0, 2.0]                                 # insertion order, not sorted
    assert treedef != tree.structure({"z": 1.0, "a": 2.0})       # a dict is another kind
    assert treedef != tree.structure(collections.OrderedDict([("a", 2.0), ("z", 1.0)]))
    dd = tree.unflatten(tree.structure(collections.defaultdict(list, {"k": 0.0})), [5.0])
    assert type(dd) is collections.defaultdict and dd.default_factory is list
    assert dd["k"] == 5.0 and dd["missing"] == []
    assert tree.structure(collections.defaultdict(list, {"k": 0.0})) != tree.structure(
        collections.defaultdict(dict, {"k": 0.0}))


def test_grad_over_ordered_dict_params():
    params = collections.OrderedDict([("w", np.array([1.0, 2.0])), ("b", np.array(0.5))])
    g = tg.grad(lambda p: np.sum(p["w"] ** 2) + 3 * p["b"])(params)
    assert type(g) is collections.OrderedDict and list(g) == ["w", "b"]
    np.testing.assert_allclose(g["w"], 2 * params["w"])
    np.testing.assert_allclose(g["b"], 3.0)


def test_dataclass_fields_in_order_and_static_fields_in_the_structure():
    leaves, treedef = tree.flatten(DC(b=2.0, a=np.ones(2), tag="x"))
    assert leaves[0].shape == (2,) and leaves[1] == 2.0              # field order, not sorted
    assert repr(treedef) == "DC(a=*, b=*, tag='x')"
    assert treedef != tree.structure(DC(1.0, 2.0, tag="y"))          # static values differ
    assert treedef == tree.structure(DC(5.0, 6.0, tag="x"))
    assert hash(treedef) == hash(tree.structure(DC(5.0, 6.0, tag="x")))
    assert treedef != tree.structure(Point(1.0, 2.0))
    back = tree.unflatten(treedef, [10.0, 20.0])
    assert back == DC(10.0, 20.0, tag="x")
    out = tree.map(lambda v: v * 2, DC(1.0, (2.0, None), tag="s"))
    assert out == DC(2.0, (4.0, None), tag="s")


def test_frozen_slots_and_init_false_dataclasses_unflatten_without_init():
    # unflatten sets the fields with object.__setattr__ on object.__new__(cls): no __init__ or
    # __post_init__ runs (they may reject tracers or placeholders), init=False fields are set,
    # and frozen/slots classes are handled alike
    f = FrozenSlots(np.ones(3))
    leaves, treedef = tree.flatten(f)
    assert len(leaves) == 2 and leaves[1] == 0.0
    g = tree.unflatten(treedef, ["a", "b"])
    assert type(g) is FrozenSlots and (g.x, g.y) == ("a", "b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.x = 1.0
    c = tree.unflatten(tree.structure(Checked(1.0)), [np.ones(2)])
    assert isinstance(c, Checked) and c.x.shape == (2,)
    got = tg.grad(lambda c: np.sum(c.x ** 2))(Checked(1.5))
    assert isinstance(got, Checked) and got.x == approx(3.0, "roundoff")


def test_unhashable_static_value_is_a_clear_error():
    with pytest.raises(TypeError, match=r"static field 'tag' of DC holds an unhashable list"):
        tree.flatten(DC(1.0, tag=["a"]))


def test_registered_class_roundtrip_repr_and_errors():
    leaves, treedef = tree.flatten(Interval(1.0, (2.0, None), closed=False))
    assert leaves == [1.0, 2.0] and repr(treedef) == "Interval(False, *, (*, None))"
    assert treedef != tree.structure(Interval(1.0, (2.0, None), closed=True))
    back = tree.unflatten(treedef, [3.0, 4.0])
    assert (back.lo, back.hi, back.closed) == (3.0, (4.0, None), False)
    with pytest.raises(TypeError, match=r"dict is built in"):
        tree.register(dict, lambda d: (list(d.values()), None), lambda a, c: c)
    with pytest.raises(TypeError, match=r"must be a class"):
        tree.register(Interval(1, 2, 3), lambda i: ((), None), lambda a, c: None)
    with pytest.raises(TypeError, match=r"callables"):
        tree.register(Interval, None, None)

    class Bad:
        pass
    tree.register(Bad, lambda b: [1.0], lambda a, c: Bad())
    with pytest.raises(TypeError, match=r"registered for Bad must return a pair"):
        tree.flatten([Bad()])


def test_broadcast_prefix_over_node_kinds():
    from tangents.core.tree import broadcast_prefix
    t = {"d": DC(np.ones(2), (1.0, 2.0)), "p": Point(3.0, [4.0])}
    assert broadcast_prefix(0, t) == [0] * 5
    assert broadcast_prefix({"d": DC(1, None), "p": (2, 3)}, t) == [1, None, None, 2, 3]
    assert broadcast_prefix({"d": None, "p": Point(x=2, y=[3])}, t) == [None] * 3 + [2, 3]
    with pytest.raises(ValueError, match=r"a\['d'\] is a DC where the value is a DC with other"):
        broadcast_prefix({"d": DC(1, None, tag="u"), "p": 0}, t, "a")
    with pytest.raises(ValueError, match=r"a\['p'\] has 3 entries where the value has 2"):
        broadcast_prefix({"d": 0, "p": (0, 0, 0)}, t, "a")
    with pytest.raises(ValueError, match=r"a has keys \['d'\] where the value has \['d', 'p'\]"):
        broadcast_prefix({"d": 0}, t, "a")
    with pytest.raises(ValueError, match=r"a\['d'\]\.b\[0\] is a tuple where the value is a leaf"):
        broadcast_prefix({"d": DC(0, ((0,), 0)), "p": 0}, t, "a")


def test_ravel_of_dataclass_and_registered_trees():
    t = DC(np.arange(3.0), Interval(np.ones((2, 2)), 5.0, closed=True), tag="r")
    vec, unravel = tree.ravel(t)
    np.testing.assert_array_equal(vec, [0.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 5.0])
    back = unravel(vec * 2)
    assert isinstance(back, DC) and back.tag == "r" and back.b.closed is True
    np.testing.assert_array_equal(back.b.lo, 2 * np.ones((2, 2)))


def test_children_one_level_with_paths():
    assert tree.children(np.ones(2)) is None and tree.children(None) == []
    assert tree.children(DC(1.0, (2.0,), tag="s")) == [(".a", 1.0), (".b", (2.0,))]
    assert tree.children(Point(1.0, 2.0)) == [(".x", 1.0), (".y", 2.0)]
    assert tree.children([3.0, {"k": 4.0}]) == [("[0]", 3.0), ("[1]", {"k": 4.0})]
    od = collections.OrderedDict([("z", 1.0), ("a", 2.0)])
    assert [p for p, _ in tree.children(od)] == ["['z']", "['a']"]    # flatten order
    assert tree.children(Interval(1.0, 2.0, True)) == [("[0]", 1.0), ("[1]", 2.0)]
