"""End to end on a real dask.distributed LocalCluster (2 worker processes): the data is
made on the workers, the transforms build graphs without computing, and the gradients the
workers compute equal NumPy's on the same rows."""
import numpy as np
import pytest
from harness import tol

import tangents as tg

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
pytest.importorskip("distributed")

ROWS, D, CHUNKS = 400_000, 6, 8


def _logistic(w, X, y):
    p = tg.nn.sigmoid(X @ w)
    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))


def _mlp(p, X, y):
    h = np.tanh(X @ p["W1"])
    pred = (h @ p["W2"])[:, 0] + X[:, 1] * p["W2"][0, 1]
    return np.mean((pred - y) ** 2)


@pytest.fixture(scope="module")
def data(cluster_client):
    rs = da.random.RandomState(1)
    X = rs.standard_normal((ROWS, D), chunks=(ROWS // CHUNKS, D))
    y = (X[:, 0] - X[:, 2] + rs.standard_normal(ROWS, chunks=ROWS // CHUNKS) > 0).astype(float)
    X, y = cluster_client.persist([X, y])
    return X, y, *cluster_client.compute([X, y], sync=True)


@pytest.mark.parametrize("fun, params", [
    (_logistic, np.linspace(-0.5, 0.5, D)),
    (_mlp, {"W1": np.linspace(-1, 1, D * 4).reshape(D, 4), "W2": np.ones((4, 2)) / 4}),
], ids=["logistic", "mlp-indexing"])
def test_gradient_on_workers_equals_numpy(fun, params, data, no_compute):
    X, y, XN, YN = data
    with no_compute():
        value, grads = tg.value_and_grad(fun)(params, X, y)
    value, grads = dask.compute(value, grads)  # on the cluster: the Client is the default
    value_np, grads_np = tg.value_and_grad(fun)(params, XN, YN)
    np.testing.assert_allclose(value, value_np, **tol("composed"))
    for g, g_np in zip(tg.tree.leaves(grads), tg.tree.leaves(grads_np)):
        np.testing.assert_allclose(g, g_np, **tol("composed"))


def test_hvp_on_workers_equals_numpy(data, no_compute):
    X, y, XN, YN = data
    w, v = np.linspace(-0.5, 0.5, D), np.arange(D, dtype=float)
    with no_compute():
        hv = tg.hvp(lambda w: _logistic(w, X, y), (w,), (v,))
    ref = tg.hvp(lambda w: _logistic(w, XN, YN), (w,), (v,))
    np.testing.assert_allclose(hv.compute(), ref, **tol("composed"))


def test_vmap_grad_and_elementwise_grad_on_workers_equal_numpy(data, no_compute):
    # the per-chunk tasks carry transformed functions: they must pickle to worker processes
    X, y, XN, YN = data
    w = np.linspace(-0.5, 0.5, D)
    per_row = tg.vmap(tg.grad(_logistic), in_axes=(None, 0, 0))
    with no_compute():
        rows = per_row(w, X, y)
        slopes = tg.elementwise_grad(tg.nn.softplus)(X)
    rows, slopes = dask.compute(rows, slopes)
    sub = slice(0, ROWS, 997)  # a subsample of the rows, against NumPy
    np.testing.assert_allclose(rows[sub], per_row(w, XN[sub], YN[sub]),
                               **tol("composed"))
    np.testing.assert_allclose(slopes[sub], tg.elementwise_grad(tg.nn.softplus)(XN[sub]),
                               **tol("composed"))


def test_minimize_on_workers_equals_numpy(data):
    pytest.importorskip("scipy")
    X, y, XN, YN = data
    sub = slice(0, 40_000)
    res = tg.optim.minimize(_logistic, np.zeros(D), args=(X[sub], y[sub]), method="L-BFGS-B",
                            persist=True)
    ref = tg.optim.minimize(_logistic, np.zeros(D), args=(XN[sub], YN[sub]), method="L-BFGS-B")
    np.testing.assert_allclose(res.x, ref.x, **tol("stopped"))
