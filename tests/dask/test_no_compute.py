"""Every transform over Dask data builds a graph and computes nothing (a scheduler that
raises is active), its derivatives are Dask arrays, equal to NumPy's on the same data, and
the graph grows with the number of chunks, not of rows."""
import pickle

import numpy as np
import pytest
from harness import tol

import tangents as tg

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
pytest.importorskip("distributed")

RNG = np.random.default_rng(0)
N, D = 400, 5
XN = RNG.standard_normal((N, D))
YN = (XN[:, 0] + 0.3 * RNG.standard_normal(N) > 0).astype(float)
LABELS = RNG.integers(0, 3, N)


def _logistic(w, X, y, labels):
    p = tg.nn.sigmoid(X @ w)
    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))


def _mlp(p, X, y, labels):
    # indexing both ways: data-sized Dask cotangents into out[:, 0] and h[:, 1], and
    # parameter-sized ones into W2[1, 1] (basic) and W1[[0, 2, 2]] (advanced, repeated)
    h = np.tanh(X @ p["W1"] + p["b1"])
    out = h @ p["W2"]
    pred = out[:, 0] + h[:, 1] * p["W2"][1, 1] + X[:, :3] @ p["W1"][[0, 2, 2]][:, 1]
    return np.mean((pred - y) ** 2)


def _cross_entropy(p, X, y, labels):
    return tg.nn.cross_entropy(X @ p["W"] + p["b"], labels)


def _masks(w, X, y, labels):
    # the masks of maximum, abs and where's rules are made from Dask values
    z = X @ w
    return np.mean(np.maximum(z, 0.0) + 0.1 * np.abs(z) + np.where(y > 0, z ** 2, -z))


CASES = {
    "logistic": (_logistic, 0.1 * RNG.standard_normal(D)),
    "masks": (_masks, 0.2 * RNG.standard_normal(D)),
    "mlp-indexing": (_mlp, {"W1": 0.5 * RNG.standard_normal((D, 2)), "b1": np.zeros(2),
                            "W2": 0.5 * RNG.standard_normal((2, 2))}),
    "cross-entropy-int-labels": (_cross_entropy, {"W": 0.3 * RNG.standard_normal((D, 3)),
                                                  "b": np.zeros(3)}),
}


def _tangent(params):
    return tg.tree.map(lambda a: np.linspace(-1.0, 1.0, a.size).reshape(a.shape), params)


TRANSFORMS = {
    "grad": lambda f, p: tg.grad(f)(p),
    "value_and_grad": lambda f, p: tg.value_and_grad(f)(p),
    "vjp": lambda f, p: (lambda out, pull: (out, pull(1.0)))(*tg.vjp(f, p)),
    "jvp": lambda f, p: tg.jvp(f, (p,), (_tangent(p),)),
    "linearize": lambda f, p: tg.linearize(f, p)[1](_tangent(p)),
    "hvp": lambda f, p: tg.hvp(f, (p,), (_tangent(p),)),
    "hessian": lambda f, p: tg.hessian(_on_bias(f, p))(p["b1"] if "b1" in p else p["b"])
    if isinstance(p, dict) else tg.hessian(f)(p),
}


def _on_bias(f, params):
    """``f`` as a function of its parameters' bias alone (a small Hessian: Dask graphs of
    full MLP Hessians take seconds to schedule)."""
    key = "b1" if "b1" in params else "b"
    return lambda b: f({**params, key: b})


def _lazy_data():
    return (da.from_array(XN, chunks=(100, D)), da.from_array(YN, chunks=100),
            da.from_array(LABELS, chunks=100))


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("case", CASES)
def test_transforms_over_dask_compute_nothing_and_equal_numpy(case, transform, no_compute):
    fun, params = CASES[case]
    apply = TRANSFORMS[transform]
    X, y, labels = _lazy_data()
    with no_compute():
        got = apply(lambda p: fun(p, X, y, labels), params)
    leaves = tg.tree.leaves(got)
    assert all(isinstance(g, da.Array) for g in leaves), [type(g) for g in leaves]
    want = apply(lambda p: fun(p, XN, YN, LABELS), params)
    got = dask.compute(got, scheduler="sync")[0]
    assert tg.tree.structure(got) == tg.tree.structure(want)
    for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, **tol("composed"))


# basic (ints, steps, None, Ellipsis) and advanced (repeated entries accumulate) indices
INDICES = {"[:, 0]": np.s_[:, 0], "[5:50:3]": np.s_[5:50:3], "[2]": np.s_[2],
           "[..., None, 1]": np.s_[..., None, 1], "[::-1, 1:]": np.s_[::-1, 1:],
           "[None, 7:, None]": np.s_[None, 7:, None],
           "[[1, 1, 4]]": np.s_[[1, 1, 4]], "[:, [2, 0, 2]]": np.s_[:, [2, 0, 2]],
           "[mask]": np.s_[XN[:, 0] > 1]}


@pytest.mark.parametrize("index", INDICES.values(), ids=INDICES.keys())
def test_index_transpose_of_a_dask_cotangent_stays_lazy(index, no_compute):
    def f(x):
        return np.sum(np.sin(x[index]) * np.cos(x[index]) ** 2)

    X = da.from_array(XN, chunks=(100, D))
    with no_compute():
        g = tg.grad(f)(X)
    assert isinstance(g, da.Array)
    np.testing.assert_allclose(g.compute(scheduler="sync"), tg.grad(f)(XN), **tol("composed"))


def _logistic_grad_graph(rows, chunks):
    rs = da.random.RandomState(0)
    X = rs.standard_normal((rows, D), chunks=(rows // chunks, D))
    y = (X[:, 0] > 0).astype(float)
    g = tg.grad(_logistic)(np.zeros(D), X, y, None)
    return dict(g.__dask_graph__())


def test_gradient_graph_does_not_grow_with_rows(no_compute):
    with no_compute():
        small = _logistic_grad_graph(10**4, 4)
        large = _logistic_grad_graph(10**6, 4)
    size_small, size_large = len(pickle.dumps(small)), len(pickle.dumps(large))
    assert size_large <= 1.5 * size_small and size_large < 2**20, (size_small, size_large)
    assert len(large) == len(small)


def test_gradient_reductions_are_trees(no_compute):
    from dask.core import get_dependencies

    with no_compute():
        graph = _logistic_grad_graph(64 * 100, 64)
    fan_in = max(len(get_dependencies(graph, k)) for k in graph)
    assert fan_in <= 8, f"a task of the gradient reads {fan_in} others (64 chunks)"


ROWS = 20_000  # an O(rows) NumPy array in a graph would pickle to >= 156 KiB


def _random_data():
    rs = da.random.RandomState(2)
    return rs.standard_normal((ROWS, D), chunks=(ROWS // 4, D))


@tg.custom_jvp
def _times(x, y):
    return x * y


_times.defjvp(lambda primals, tangents: (_times(*primals),
                                         tangents[0] * primals[1] + primals[0] * tangents[1]))


@tg.custom_vjp
def _scaled(x, s):
    return x * s


_scaled.defvjp(lambda x, s: (x * s, (x, s)), lambda res, ct: (ct * res[1], np.sum(ct * res[0])))


# zeros and buffers the interpreters make for a Dask value: a linearized output that does
# not depend on the input, np.zeros_like of a traced Dask value, the absent tangent of a
# custom_jvp argument, forward mode through a custom_vjp function
ZEROS = {
    "linearize-constant-output": lambda X, w: tg.linearize(lambda w: (X @ w, X * 2.0), w)[1](w),
    "zeros_like-buffer": lambda X, w: tg.grad(
        lambda w: np.sum((np.zeros_like(X @ w) + 1.0) * np.sin(X @ w)))(w),
    "custom_jvp-absent-tangent": lambda X, w: tg.jvp(
        lambda w: np.sum(_times(X @ w, X[:, 0])), (w,), (w,))[1],
    "custom_vjp-forward": lambda X, w: tg.jvp(
        lambda w: np.sum(_scaled(X @ w, 2.0)), (w,), (w,))[1],
    "custom_vjp-reverse": lambda X, w: tg.grad(lambda w: np.sum(_scaled(X @ w, w[0])))(w),
}


@pytest.mark.parametrize("name", ZEROS)
def test_zeros_made_for_dask_values_are_dask(name, no_compute):
    X, w = _random_data(), np.linspace(-1.0, 1.0, D)
    with no_compute():
        out = ZEROS[name](X, w)
    for leaf in tg.tree.leaves(out):
        assert isinstance(leaf, da.Array), type(leaf)
        size = len(pickle.dumps(dict(leaf.__dask_graph__())))
        assert size < 64 * 1024, f"{size} bytes: an O(rows) NumPy array is in the graph"
    want = ZEROS[name](X.compute(scheduler="sync"), w)
    got = dask.compute(out, scheduler="sync")[0]
    for g, w_ in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        np.testing.assert_allclose(g, w_, **tol("composed"))


def test_cotangents_of_reductions_keep_the_data_chunks(no_compute):
    # the cotangent of mean(X @ w) broadcast back to the rows: chunked like them, not one
    # chunk of all rows that Dask then splits (80 MB moved between workers at 10M rows)
    with no_compute():
        graph = _logistic_grad_graph(64 * 100, 64)
    names = {(k[0] if isinstance(k, tuple) else k).rsplit("-", 1)[0] for k in graph}
    assert not {n for n in names if n.startswith(("rechunk", "broadcast_to"))}, sorted(names)
