"""Joining and splitting family: concatenate/stack/split and the names built on them (row_stack
and np.dsplit too)."""
import warnings

import numpy as np
import pytest
from harness import Case, case_id, check_case, rand

import tangents as tg
import tangents.numpy as tnp


def _case(name, fn, np_fn, *shapes, **kw):
    args = tuple(rand(s, seed=k) for k, s in enumerate(shapes))
    return Case(name, fn, args, np_fun=np_fn, **kw)


def _joined(name, axis="default", **kw):
    """Case maker for ``name(list_of_arrays, axis=...)`` (axis left out by default)."""
    extra = {} if axis == "default" else {"axis": axis}
    fn = lambda *xs: getattr(tnp, name)([x * 1.0 for x in xs], **extra)
    np_fn = lambda *xs: getattr(np, name)(list(xs), **extra)
    label = name + ("" if axis == "default" else str(axis))
    return lambda *shapes: _case(label, fn, np_fn, *shapes, **kw)


CASES = [
    _joined("concatenate", 0)((3,), (2,)),
    _joined("concatenate", 0)((3,), (0,), (1,)),
    _joined("concatenate", -1)((2, 3), (2, 1)),
    _joined("concatenate", 1)((2, 0, 4), (2, 3, 4), (2, 1, 4)),
    _joined("concatenate", -3)((1, 2, 3), (2, 2, 3)),
    _joined("concatenate", None)((2, 3), (4,), ()),
    _joined("concatenate", 0)((0, 3), (0, 3)),
    _joined("concatenate", 0)((4, 2)),
    _joined("stack", 0)((), ()),
    _joined("stack", -1)((3,), (3,), (3,)),
    _joined("stack", 1)((2, 3), (2, 3)),
    _joined("stack", 0)((0, 2), (0, 2)),
    _joined("hstack")((), (2,)),
    _joined("hstack")((2, 1), (2, 3)),
    _joined("vstack")((3,), (2, 3)),
    _joined("vstack")((), ()),
    _joined("dstack")((2,), (2,)),
    _joined("dstack")((2, 3), (2, 3, 2)),
    _joined("column_stack")((3,), (3, 2)),
    _joined("column_stack")((), ()),
    _case("append", lambda x, y: tnp.append(x, y), np.append, (2, 3), (4,)),
    _case("append_axis", lambda x, y: tnp.append(x, y, axis=-2),
          lambda x, y: np.append(x, y, axis=-2), (2, 3), (1, 3)),
    _case("np_concatenate_dispatch", lambda x, y: np.concatenate([x, y * 2.0], axis=1),
          None, (2, 1), (2, 2)),
    _case("np_stack_dispatch", lambda x: np.stack([x, x ** 2], axis=-1), None, (2, 3)),
    _case("concatenate_order3", lambda x, y: tnp.concatenate([x ** 2, x * y]), None,
          (3,), (3,), order=3, vmap=False),
]

SPLITS = [  # (shape, indices_or_sections, axis)
    ((6,), 3, 0), ((5,), 2, 0), ((5,), 7, 0), ((2, 6), [1, 4], -1), ((4, 3), [1, 1, 3], 0),
    ((5,), [-2], 0), ((5,), [3, 1], 0), ((5,), [], 0), ((0, 3), 2, 0), ((2, 0), 3, 1),
    ((3, 2, 4), [2], -2), ((4,), [1, 9], 0),
]
for s, ios, ax in SPLITS:
    CASES.append(_case("array_split", lambda x, _i=ios, _a=ax: tnp.array_split(x, _i, _a),
                       lambda x, _i=ios, _a=ax: np.array_split(x, _i, _a), s))
    if isinstance(ios, list) or s[ax] % ios == 0:
        CASES.append(_case("split", lambda x, _i=ios, _a=ax: tnp.split(x, _i, axis=_a),
                           lambda x, _i=ios, _a=ax: np.split(x, _i, axis=_a), s))
CASES += [
    _case("split_product", lambda x: tnp.split(x, 3)[0] * tnp.split(x, 3)[2], None, (6,)),
    _case("np_split_dispatch", lambda x: np.split(x, [1], axis=1)[1] * 2.0, None, (2, 3)),
    _case("hsplit", lambda x: tnp.hsplit(x, 2), lambda x: np.hsplit(x, 2), (3, 4)),
    _case("hsplit1d", lambda x: tnp.hsplit(x, [1]), lambda x: np.hsplit(x, [1]), (4,)),
    _case("vsplit", lambda x: tnp.vsplit(x, [1]), lambda x: np.vsplit(x, [1]), (3, 2)),
    _case("dsplit", lambda x: tnp.dsplit(x, 2), lambda x: np.dsplit(x, 2), (1, 2, 4)),
    _case("unstack", lambda x: tnp.unstack(x), lambda x: np.unstack(x), (3, 2)),
    _case("unstack", lambda x: tnp.unstack(x, axis=-1), lambda x: np.unstack(x, axis=-1),
          (2, 3)),
]
for name in ["atleast_1d", "atleast_2d", "atleast_3d"]:
    for s in [(), (3,), (2, 3), (2, 3, 1), (0,)]:
        CASES.append(_case(name, lambda x, _n=name: getattr(tnp, _n)(x * 1.0),
                           getattr(np, name), s))
    CASES.append(_case(f"{name}_many", lambda x, y, _n=name: getattr(tnp, _n)(x, y * 2.0),
                       lambda x, y, _n=name: getattr(np, _n)(x, y * 2.0), (), (2,)))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_joining_rule(case):
    check_case(case)


def test_split_cotangent_is_one_concatenation():
    x = rand((5, 2))
    out, pull = tg.vjp(lambda x: tnp.array_split(x, 3), x)
    (g,) = pull([np.full(np.shape(o), k + 1.0) for k, o in enumerate(out)])
    np.testing.assert_array_equal(g[:, 0], [1, 1, 2, 2, 3])
    # unused pieces get zero cotangents
    g = tg.grad(lambda x: tnp.sum(tnp.split(x, [1, 3])[1]))(x)
    np.testing.assert_array_equal(g[:, 1], [0, 1, 1, 0, 0])


def test_overlapping_split_points_add_cotangents():
    x = rand((5,))
    g = tg.grad(lambda x: tnp.sum(tnp.concatenate(tnp.array_split(x, [3, 1]))))(x)
    np.testing.assert_array_equal(g, [1, 2, 2, 1, 1])


def test_asarray_of_traced_list_stacks():
    x = rand((3,))
    f = lambda x: tnp.asarray([x[0] * x[1], x[2], 2.0])
    np.testing.assert_allclose(f(x), [x[0] * x[1], x[2], 2.0])
    tg.check_grads(f, (x,), order=2)


def test_concatenate_with_batched_and_unbatched_parts():
    x, c = rand((3, 2)), rand((2,), seed=1)
    got = tg.vmap(lambda r: tnp.concatenate([r, c, r * 2.0]))(x)
    np.testing.assert_allclose(got, np.concatenate([x, np.broadcast_to(c, (3, 2)), 2 * x], 1))
    got = tg.vmap(lambda r: tnp.stack([c, r]), in_axes=1)(x.T)
    np.testing.assert_allclose(got, np.stack([np.stack([c, r]) for r in x]))


def test_joining_errors():
    with pytest.raises(ValueError, match="does not match"):
        tg.grad(lambda x: tnp.sum(tnp.concatenate([x, x[:, :1]], axis=0)))(rand((2, 3)))
    with pytest.raises(ValueError, match="zero-dimensional"):
        tnp.concatenate([np.float64(1.0), np.float64(2.0)])
    with pytest.raises(ValueError, match="same shape"):
        tnp.stack([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match="equal division"):
        tnp.split(np.zeros(5), 2)
    with pytest.raises(np.exceptions.AxisError):
        tnp.concatenate([np.zeros(2)], axis=1)
    with pytest.raises(ValueError, match="at least one"):
        tnp.concatenate([])


# -- dsplit through np (a row the coverage table cannot probe), row_stack -----------------
MORE_CASES = [
    Case("dsplit", lambda x: np.dsplit(x, [1, 3]), (rand((2, 1, 4)),)),
]
if hasattr(np, "row_stack"):  # removed in NumPy 2.5
    MORE_CASES.append(Case("row_stack", lambda x, y: tnp.row_stack([x, y]),
                           (rand((3,)), rand((2, 3), seed=1))))


@pytest.mark.parametrize("case", MORE_CASES, ids=case_id)
def test_dsplit_and_row_stack_rule(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        check_case(case)
