"""vmap over a Dask batch axis maps chunk by chunk, elementwise_grad checks a probe, and
the Jacobians' bases over Dask values are lazy: all build graphs and compute nothing, and
equal NumPy's results on the same data."""
import pickle

import cloudpickle
import numpy as np
import pytest
from harness import tol

import tangents as tg

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

RNG = np.random.default_rng(3)
N, D = 300, 4
XN = RNG.standard_normal((N, D))
YN = (XN[:, 0] > 0).astype(float)
W = 0.3 * RNG.standard_normal(D)


def _lazy(a, rows=75):
    return da.from_array(a, chunks=(rows,) + a.shape[1:])


def _loss(w, x, y):
    return (tg.nn.sigmoid(x @ w) - y) ** 2


def _assert_equal(got, want):
    got = dask.compute(got, scheduler="sync")[0]
    assert tg.tree.structure(got) == tg.tree.structure(want)
    for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, **tol("composed"))


def _two_outputs(w, x, y):
    return {"g": tg.grad(_loss)(w, x, y), "loss": _loss(w, x, y)}


VMAPS = {
    "grad-per-row": (lambda X, Y: tg.vmap(tg.grad(_loss), in_axes=(None, 0, 0))(W, X, Y)),
    "tree-out-axes": (lambda X, Y: tg.vmap(_two_outputs, in_axes=(None, 0, 0),
                                           out_axes={"g": 1, "loss": 0})(W, X, Y)),
    # a NumPy leaf mapped next to a Dask one, and the Dask data unmapped in an inner call
    "numpy-leaf-mapped-too": (lambda X, Y: tg.vmap(tg.grad(_loss), in_axes=(None, 0, 0))(
        W, X, YN)),
    "columns-unmapped-dask": (lambda X, Y: tg.vmap(lambda c, x: np.sum(x * c),
                                                   in_axes=(0, None))(np.arange(3.0), X)),
    "inside-grad": (lambda X, Y: tg.grad(lambda w: np.sum(tg.vmap(
        _loss, in_axes=(None, 0, 0))(w, X, Y)))(W)),
    # columns of a Dask array chunked along them, out to axis 1
    "mapped-axis-1": (lambda X, Y: tg.vmap(tg.grad(lambda c: np.sum(np.sin(c) * c)),
                                           in_axes=1, out_axes=1)(
        X.T.rechunk((D, 50)) if isinstance(X, da.Array) else X.T)),
}


@pytest.mark.parametrize("name", VMAPS)
def test_vmap_over_dask_rows_is_lazy_and_equals_numpy(name, no_compute):
    X, Y = _lazy(XN), _lazy(YN)
    with no_compute():
        got = VMAPS[name](X, Y)
    assert all(isinstance(g, da.Array) for g in tg.tree.leaves(got))
    _assert_equal(got, VMAPS[name](XN, YN))


def test_vmap_maps_chunk_by_chunk(no_compute):
    X, Y = _lazy(XN, rows=60), _lazy(YN, rows=60)
    with no_compute():
        g = tg.vmap(tg.grad(_loss), in_axes=(None, 0, 0))(W, X, Y)
    assert g.chunks[0] == X.chunks[0]
    # the data's own tasks, one task per chunk and a few per output chunk: no O(rows) array
    # beyond the data (cloudpickle: the tasks hold the test's functions, as on a cluster)
    size = len(cloudpickle.dumps(dict(g.__dask_graph__())))
    data = len(cloudpickle.dumps((dict(X.__dask_graph__()), dict(Y.__dask_graph__()))))
    assert size < data + 64 * 1024, (size, data)


def test_vmap_size_mismatch_raises_without_computing(no_compute):
    with no_compute(), pytest.raises(ValueError, match="different sizes"):
        tg.vmap(_loss, in_axes=(None, 0, 0))(W, _lazy(XN), _lazy(YN[:-1]))


def test_elementwise_grad_of_dask_is_lazy_and_equals_numpy(no_compute):
    def f(x):
        return np.tanh(x) * x + np.exp(-x ** 2)

    X = _lazy(XN)
    with no_compute():
        got = tg.elementwise_grad(f)(X)
    assert isinstance(got, da.Array) and got.chunks == X.chunks
    _assert_equal(got, tg.elementwise_grad(f)(XN))


def test_elementwise_grad_checks_a_probe_of_dask_data(no_compute):
    with no_compute(), pytest.raises(ValueError, match="not elementwise"):
        tg.elementwise_grad(lambda x: x - np.mean(x, axis=0))(_lazy(XN))


def test_elementwise_grad_warns_when_the_probe_cannot_run(no_compute):
    Y = _lazy(YN)
    with no_compute(), pytest.warns(UserWarning, match="check of a lazy input"):
        got = tg.elementwise_grad(lambda z: np.sin(z) * Y)(_lazy(XN[:, 0]))
    _assert_equal(got, np.cos(XN[:, 0]) * YN)


JACOBIANS = {
    "jacrev-dask-output": lambda X: tg.jacrev(lambda w: np.tanh(X @ w))(W),
    "jacfwd-dask-output": lambda X: tg.jacfwd(lambda w: np.tanh(X @ w))(W),
    "jacrev-dask-input": lambda X: tg.jacrev(lambda x: np.sum(x[:5] ** 3, axis=1))(X),
    "jacfwd-dask-input": lambda X: tg.jacfwd(lambda x: np.sum(x[:5] ** 3, axis=1))(X),
    "hessian-dask-input": lambda X: tg.hessian(lambda x: np.sum(np.sin(x[:40])))(X[:50]),
}


@pytest.mark.parametrize("name", JACOBIANS)
def test_jacobians_over_dask_are_lazy_and_equal_numpy(name, no_compute):
    X = _lazy(XN)
    with no_compute():
        got = JACOBIANS[name](X)
    assert isinstance(got, da.Array)
    _assert_equal(got, JACOBIANS[name](XN))


def test_jacrev_of_a_million_element_dask_output_has_no_identity_on_the_driver(no_compute):
    rows = 10**6
    X = da.random.RandomState(0).standard_normal((rows, D), chunks=(rows // 4, D))
    with no_compute():
        jac = tg.jacrev(lambda w: X @ w)(W)
    assert jac.shape == (rows, D)
    size = len(pickle.dumps(dict(jac.__dask_graph__())))
    assert size < 2**20, f"{size} bytes of graph: a basis of the output's size is in it"
