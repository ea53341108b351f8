"""tg.optim over Dask data: one compute per evaluation (value and gradient together),
parameters that stay NumPy, optimizer states that stay NumPy (no graph growing from step
to step), data persisted once on request; the results equal NumPy's."""
import numpy as np
import pytest
from harness import tol

import tangents as tg

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
pytest.importorskip("scipy")

RNG = np.random.default_rng(5)
N, D = 400, 3
XN = RNG.standard_normal((N, D))
YN = (XN @ np.array([1.0, -2.0, 0.5]) + 0.5 * RNG.standard_normal(N) > 0).astype(float)


def _loss(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z) + 1e-3 * np.sum(w ** 2)


class _Counting:
    """A synchronous scheduler that counts the computes it is asked for."""

    def __init__(self):
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return dask.get(*args, **kwargs)


def _lazy():
    return da.from_array(XN, chunks=(100, D)), da.from_array(YN, chunks=100)


@pytest.mark.parametrize("method", ["L-BFGS-B", "BFGS", "Nelder-Mead"])
def test_minimize_computes_once_per_evaluation_and_equals_numpy(method):
    X, y = _lazy()
    counting = _Counting()
    opts = {"maxiter": 40}
    with dask.config.set(scheduler=counting):
        res = tg.optim.minimize(_loss, np.zeros(D), args=(X, y), method=method, options=opts)
    assert counting.calls == res.nfev, (counting.calls, res.nfev)
    assert type(res.x) is np.ndarray
    ref = tg.optim.minimize(_loss, np.zeros(D), args=(XN, YN), method=method, options=opts)
    np.testing.assert_allclose(res.x, ref.x, **tol("stopped"))
    np.testing.assert_allclose(res.fun, ref.fun, **tol("composed"))


def test_minimize_persists_the_args_once():
    X, y = _lazy()
    X, y = X * 1.0, y + 0.0  # graphs with work in them, so persisting changes the graph
    counting = _Counting()
    with dask.config.set(scheduler=counting):
        res = tg.optim.minimize(_loss, np.zeros(D), args=(X, y), method="L-BFGS-B",
                                persist=True)
    assert counting.calls == res.nfev + 1  # the persist, then one per evaluation
    ref = tg.optim.minimize(_loss, np.zeros(D), args=(XN, YN), method="L-BFGS-B")
    np.testing.assert_allclose(res.x, ref.x, **tol("stopped"))


def test_newton_over_dask_equals_numpy():
    X, y = _lazy()
    res = tg.optim.newton(_loss, np.zeros(D), args=(X, y))
    ref = tg.optim.newton(_loss, np.zeros(D), args=(XN, YN))
    assert res.success and type(res.x) is np.ndarray
    np.testing.assert_allclose(res.x, ref.x, **tol("converged"))


OPTIMIZERS = {
    "sgd-momentum": lambda: tg.optim.sgd(0.5, momentum=0.9),
    "adam": lambda: tg.optim.adam(0.1),
    "adamw": lambda: tg.optim.adamw(0.1),
    "rmsprop": lambda: tg.optim.rmsprop(0.05, momentum=0.5),
    "clip-then-adam": lambda: tg.optim.chain(tg.optim.clip_by_global_norm(0.1),
                                             tg.optim.adam(0.1)),
}


def _train(opt, X, y, steps=6):
    params = {"w": np.zeros(D)}
    state = opt.init(params)
    for _ in range(steps):
        grads = tg.grad(lambda p: _loss(p["w"], X, y))(params)
        updates, state = opt.update(grads, state, params)
        params = tg.optim.apply_updates(params, updates)
    return params, state


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_steps_over_dask_stay_numpy_and_compute_once(name):
    X, y = _lazy()
    counting = _Counting()
    with dask.config.set(scheduler=counting):
        params, state = _train(OPTIMIZERS[name](), X, y)
    assert counting.calls == 6  # one per step: the gradients, once
    leaves = tg.tree.leaves((params, state))
    assert not any(isinstance(x, da.Array) for x in leaves), [type(x) for x in leaves]
    ref_params, _ = _train(OPTIMIZERS[name](), XN, YN)
    np.testing.assert_allclose(params["w"], ref_params["w"], **tol("composed"))
