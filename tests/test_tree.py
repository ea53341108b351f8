"""tangents.tree: flatten / unflatten / map / ravel over tuples, lists, dicts, namedtuples and
None, and ravel's use inside transforms."""
import collections

import numpy as np
import pytest
from harness import tol

import tangents as tg
from tangents import tree

Point = collections.namedtuple("Point", "x y")

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
