"""Indexing family: getitem (basic and advanced), take, and the index-valued functions."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand

import tangents as tg
import tangents.numpy as tnp

M3 = np.array([[True, False, True, True], [False, False, True, False], [True] * 4])
M45 = np.arange(20).reshape(4, 5) % 3 == 0
INDEXES = {  # shape -> indices, each applied as x[idx]
    (): [(), None, ..., (None, ...), True, False],
    (5,): [2, -1, slice(1, 4), slice(None, None, -1), slice(-2, None, -2), [0, 0, 3],
           np.array([[1, 1], [4, 0]]), np.array([True, False, True, True, False]),
           (None, slice(1, None)), (..., 2), [], slice(5, None), np.array([-1, -1, 2])],
    (3, 4, 5): [1, (-1, slice(None, None, 2)), (slice(None), [0, 0, 3]),
                ([0, 2], slice(None), [1, 1]), (slice(None), [0, 1], [2, 2]),
                (..., [0, 0]), ([0, 1], ..., [1, 2]), M3, (slice(None), M45),
                (1, slice(None), [0, 0]), (None, [1, 2], None), (slice(None), None, [0, 1],
                slice(1, 3)), (np.array([[0], [2]]), np.array([[1, 3]])),
                (slice(None), True, [0, 1]), (..., None), (slice(None, None, -1), ..., 0),
                (1, [3, 0], slice(None, None, -2)),
                (np.array([True, False, True]), ..., slice(1, 3))],
    (3, 4): [([0, 1], ..., [1, 2]), (Ellipsis, [2, 2, 0]), ([[0, 2]], slice(None)),
             (slice(None), np.array([], dtype=int))],
    (0, 3): [(slice(None), 1), [], (slice(None), [0, 0]), np.zeros((0, 3), bool),
             (..., slice(None, None, -1)), (None, ..., 2)],
}



def _key_name(key):
    def one(e):
        if isinstance(e, slice):
            return ":".join("" if v is None else str(v) for v in (e.start, e.stop, e.step))
        if isinstance(e, np.ndarray):
            return f"{e.dtype.name[0]}{list(e.shape)}"
        return {None: "None", Ellipsis: "..."}.get(e, str(e)) if not isinstance(e, list) else (
            str(e).replace(" ", ""))
    return ",".join(one(e) for e in (key if isinstance(key, tuple) else (key,)))


CASES = [Case(f"getitem[{_key_name(k)}]", lambda x, _k=k: x[_k], (rand(s),),
              np_fun=lambda x, _k=k: np.asarray(x)[_k])
         for s, keys in INDEXES.items() for k in keys]
CASES += [
    Case("getitem_product", lambda x: x[0] * x[1:2] * x[[2, 2]], (rand((4,)),)),
    Case("take_flat", lambda x: tnp.take(x, [5, 0, 5]), (rand((2, 3)),),
         np_fun=lambda x: np.take(x, [5, 0, 5])),
    Case("take_axis", lambda x: tnp.take(x, [[2, 0]], axis=-1), (rand((2, 3)),),
         np_fun=lambda x: np.take(x, [[2, 0]], axis=-1)),
    Case("take_scalar", lambda x: tnp.take(x, 1, axis=0), (rand((2, 3)),),
         np_fun=lambda x: np.take(x, 1, axis=0)),
    Case("take_wrap", lambda x: tnp.take(x, [-4, 3, 7], axis=1, mode="wrap"), (rand((2, 3)),),
         np_fun=lambda x: np.take(x, [-4, 3, 7], axis=1, mode="wrap")),
    Case("take_clip", lambda x: tnp.take(x, [-4, 1, 7], mode="clip"), (rand((2, 3)),),
         np_fun=lambda x: np.take(x, [-4, 1, 7], mode="clip")),
    Case("np_take_dispatch", lambda x: np.take(x, [1, 1], axis=0), (rand((3, 2)),)),
    Case("getitem_order3", lambda x: x[[0, 0, 1]] ** 3, (rand((3,)),), order=3, vmap=False),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_indexing_rule(case):
    check_case(case)


@pytest.mark.parametrize("shape_, key", [(s, k) for s, ks in INDEXES.items() for k in ks])
def test_traced_value_equals_numpy(shape_, key):
    x = rand(shape_)
    out, t = tg.jvp(lambda x: x[key], (x,), (np.ones_like(x),))
    np.testing.assert_array_equal(out, x[key])
    assert np.shape(t) == np.shape(x[key])


@pytest.mark.parametrize("shape_, key", [(s, k) for s, ks in INDEXES.items() for k in ks])
def test_batched_cotangents_scatter_in_place(shape_, key):
    # jacrev batches the scatter-add (cotangents), jacfwd the gather (tangents)
    x = rand(shape_)
    f = lambda x: x[key] ** 2
    np.testing.assert_allclose(tg.jacrev(f)(x), tg.jacfwd(f)(x))
    basis = np.eye(x.size).reshape((x.size,) + x.shape)
    want = np.zeros(np.shape(f(x)) + x.shape) if x.size == 0 else np.stack(
        [(2 * x * b)[key] for b in basis], axis=-1).reshape(np.shape(f(x)) + x.shape)
    np.testing.assert_allclose(tg.jacrev(f)(x), want)


def test_repeated_indices_add_their_cotangents():
    x = rand((4,))
    g = tg.grad(lambda x: tnp.sum(x[[0, 0, 3, 0]]))(x)
    np.testing.assert_array_equal(g, [3.0, 0.0, 0.0, 1.0])
    w = rand((2, 3), seed=2)
    g = tg.grad(lambda x: tnp.sum(x[np.array([[1, 1, 2], [1, 2, 2]])] * w))(x)
    np.testing.assert_allclose(g, [0.0, w[0, 0] + w[0, 1] + w[1, 0],
                                   w[0, 2] + w[1, 1] + w[1, 2], 0.0])


def _loop(fun, *args, in_axes):
    size = next(np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)
    return np.stack([fun(*[a if ax is None else np.take(a, b, axis=ax)
                           for a, ax in zip(args, in_axes)]) for b in range(size)])


INDEX_VMAPS = [  # (fun(x, i), x shape, i values stacked along axis 0); tnp.getitem, not x[i],
    # because a plain ndarray x does not dispatch x[tracer] (NumPy has no hook for it)
    (lambda x, i: tnp.getitem(x, i), (5, 2), np.array([0, 4, -1])),
    (lambda x, i: tnp.getitem(x, i), (5,), np.array([[0, 0], [4, 2], [1, 1]])),
    (lambda x, i: tnp.getitem(x, (slice(None), i)), (2, 5, 3),
     np.array([[0, 3], [4, 4], [1, 2]])),
    (lambda x, i: tnp.getitem(x, (1, slice(None), i)), (2, 4, 5),
     np.array([[0, 3], [4, 4], [1, 2]])),
    (lambda x, i: tnp.getitem(x, (i, ..., [0, 1])), (5, 3, 2),
     np.array([[0, 3], [4, 4], [1, 2]])),
    (lambda x, i: tnp.getitem(x, (None, i, slice(1, None))), (5, 3), np.array([2, 0, 0])),
    (lambda x, i: tnp.take(x, i, axis=-1), (2, 5), np.array([[1], [0], [4]])),
]


@pytest.mark.parametrize("k", range(len(INDEX_VMAPS)))
def test_vmap_over_integer_index_arrays(k):
    fun, xshape, idx = INDEX_VMAPS[k]
    x = rand(xshape)
    xs = rand((3,) + xshape, seed=4)
    for i_ax in range(idx.ndim):
        ib = np.moveaxis(idx, 0, i_ax)
        np.testing.assert_allclose(tg.vmap(fun, in_axes=(None, i_ax))(x, ib),
                                   _loop(fun, x, ib, in_axes=(None, i_ax)))
        for x_ax in range(len(xshape) + 1):
            xb = np.moveaxis(xs, 0, x_ax)
            np.testing.assert_allclose(tg.vmap(fun, in_axes=(x_ax, i_ax))(xb, ib),
                                       _loop(fun, xb, ib, in_axes=(x_ax, i_ax)))
    # derivatives through the batched gather and of the batched scatter-add
    w = rand(np.shape(tg.vmap(fun, in_axes=(None, 0))(x, idx)), seed=5)
    loss = lambda x: tnp.sum(tg.vmap(fun, in_axes=(None, 0))(x, idx) ** 2 * w)
    tg.check_grads(loss, (x,), order=2)
    per = tg.vmap(tg.grad(lambda x, i: tnp.sum(fun(x, i) ** 2)), in_axes=(0, 0))(xs, idx)
    want = np.stack([tg.grad(lambda x: tnp.sum(fun(x, i) ** 2))(a) for a, i in zip(xs, idx)])
    np.testing.assert_allclose(per, want)
    shared = tg.vmap(tg.grad(lambda x, i: tnp.sum(fun(x, i) ** 2)), in_axes=(None, 0))(x, idx)
    want = np.stack([tg.grad(lambda x: tnp.sum(fun(x, i) ** 2))(x) for i in idx])
    np.testing.assert_allclose(shared, want)


def test_vmap_of_hessian_with_traced_index():
    x = rand((4,))
    idx = np.array([0, 3, 3])
    f = lambda x, i: tnp.sum(x[i] ** 3 * x)
    got = tg.vmap(tg.hessian(f), in_axes=(None, 0))(x, idx)
    want = np.stack([tg.hessian(lambda x: f(x, i))(x) for i in idx])
    np.testing.assert_allclose(got, want)


def test_index_errors():
    x = rand((2, 3))
    with pytest.raises(IndexError, match="too many indices"):
        tg.grad(lambda x: tnp.sum(x[0, 1, 2]))(x)
    with pytest.raises(IndexError, match="integer"):
        tg.grad(lambda x: tnp.sum(x[np.array([0.5])]))(x)
    with pytest.raises(IndexError, match="boolean index did not match"):
        tg.grad(lambda x: tnp.sum(x[np.array([True, False, True])]))(x)
    with pytest.raises(IndexError, match="single ellipsis"):
        tg.grad(lambda x: tnp.sum(x[..., ...]))(x)
    with pytest.raises(IndexError):
        tg.grad(lambda x: tnp.sum(x[[0, 5]]))(x)
    with pytest.raises(NotImplementedError, match="boolean mask traced by vmap"):
        tg.vmap(lambda x: x[x > 0])(x)


NONZERO_INPUTS = [np.array([0.0, 3.0, 0.0, 1.0]), np.array([[0.0, 1.0], [2.0, 0.0]]),
                  np.zeros((0, 3)), np.zeros((2, 3)), np.array([5.0])]


@pytest.mark.parametrize("x", NONZERO_INPUTS, ids=lambda x: str(x.shape))
def test_index_valued_functions(x):
    for name in ["nonzero", "argwhere", "flatnonzero"]:
        want = getattr(np, name)(x)
        np.testing.assert_array_equal(getattr(tnp, name)(x), want)
        inside = {}

        def f(y, name=name):
            inside["out"] = getattr(np, name)(y)
            return tnp.sum(y * 2.0)
        tg.grad(f)(x)
        for a, b in zip(tg.tree.leaves(inside["out"]), tg.tree.leaves(want)):
            assert type(a) is np.ndarray
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(tnp.where(x)[0], np.where(x)[0])


def test_nonzero_under_vmap_loops_over_examples():
    xs = np.array([[0.0, 1.0, 2.0], [3.0, 0.0, 1.0]])
    got = tg.vmap(lambda x: tnp.nonzero(x)[0], in_axes=1)(xs.T)
    np.testing.assert_array_equal(got, [np.nonzero(x)[0] for x in xs])
    np.testing.assert_array_equal(tg.vmap(np.argwhere)(xs), [np.argwhere(x) for x in xs])
    with pytest.raises(ValueError, match="ragged"):
        tg.vmap(tnp.flatnonzero)(np.array([[0.0, 1.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="0d"):
        tnp.nonzero(np.float64(1.0))
