"""Array types other than NumPy's flow through the transforms unchanged: Dask arrays stay
lazy (nothing is computed inside a transform) and their derivatives equal NumPy's."""
import numpy as np
import pytest
from harness import tol

import tangents as tg
import tangents.numpy as tnp

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

RNG = np.random.default_rng(0)
XN = RNG.standard_normal((64, 5))
YN = np.eye(3)[RNG.integers(0, 3, 64)]
LABELS = RNG.integers(0, 3, 64)
W0 = RNG.standard_normal((5, 3))


def _lazy(x):
    return da.from_array(x, chunks=(16,) + x.shape[1:])


def _softmax_regression(w, X, Y):
    z = X @ w["W"] + w["b"]
    return -np.mean(np.sum(Y * tg.nn.log_softmax(z, axis=1), axis=1))


def _logistic(w, X, y):
    p = tg.nn.sigmoid(X @ w)
    return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))


# (name, function, arguments with NumPy data); data arguments are made lazy in the test
CASES = [
    ("softmax-regression", _softmax_regression,
     ({"W": W0, "b": np.zeros(3)}, XN, YN)),
    ("logistic", _logistic, (np.full(5, 0.1), XN, (XN[:, 0] > 0).astype(float))),
    ("cross-entropy", lambda W, X: tg.nn.cross_entropy(X @ W, LABELS), (W0, XN)),
    ("logsumexp", lambda w, X: np.sum(tg.nn.logsumexp(X * w, axis=1)), (np.ones(5), XN)),
    ("slice-and-reduce", lambda w, X: np.sum(X[:10] @ w) + np.var(X @ w), (np.ones(5), XN)),
    ("max-and-where", lambda w, X: np.sum(np.max(np.where(X > 0, X, 0.1 * X) * w, axis=0)),
     (np.ones(5), XN)),
    ("data-derivative", lambda X: np.sum(np.sin(X) * X) + tnp.sum(tnp.tanh(X) ** 2), (XN,)),
]


def _refuse_to_compute(*args, **kwargs):
    raise AssertionError("a Dask graph was computed inside a transform")


def _make_lazy(args):
    return tuple(_lazy(a) if isinstance(a, np.ndarray) and a.shape[:1] == (64,) else a
                 for a in args)


@pytest.mark.parametrize("name, fun, args", CASES, ids=[c[0] for c in CASES])
def test_dask_inputs_stay_lazy_and_differentiate_like_numpy(name, fun, args):
    lazy_args = _make_lazy(args)
    with dask.config.set(scheduler=_refuse_to_compute):
        value, grads = tg.value_and_grad(fun)(*lazy_args)
    assert isinstance(value, da.Array)
    assert all(isinstance(g, da.Array) for g in tg.tree.leaves(grads))
    value_np, grads_np = tg.value_and_grad(fun)(*args)
    value, grads = dask.compute(value, grads, scheduler="sync")
    np.testing.assert_allclose(value, value_np, **tol("roundoff"))
    for g, g_np in zip(tg.tree.leaves(grads), tg.tree.leaves(grads_np)):
        assert g.shape == g_np.shape and g.dtype == g_np.dtype
        np.testing.assert_allclose(g, g_np, **tol("composed"))


def test_dask_gradient_matches_finite_differences():
    w = np.full(5, 0.1)
    y = (XN[:, 0] > 0).astype(float)
    g = tg.grad(_logistic)(w, _lazy(XN), _lazy(y)).compute(scheduler="sync")
    eps = 1e-6
    fd = [(_logistic(w + eps * e, XN, y) - _logistic(w - eps * e, XN, y)) / (2 * eps)
          for e in np.eye(5)]
    np.testing.assert_allclose(g, fd, **tol("fd"))


def test_dask_hessian_vector_product_stays_lazy():
    w, y = np.full(5, 0.1), (XN[:, 0] > 0).astype(float)
    v = np.arange(5.0)
    with dask.config.set(scheduler=_refuse_to_compute):
        hv = tg.hvp(lambda w: _logistic(w, _lazy(XN), _lazy(y)), (w,), (v,))
    assert isinstance(hv, da.Array)
    ref = tg.hessian(_logistic)(w, XN, y) @ v
    np.testing.assert_allclose(hv.compute(scheduler="sync"), ref, **tol("composed"))
