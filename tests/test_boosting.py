"""tangents.boosting: per-sample gradients and Hessian diagonals of boosting losses against
closed forms and finite differences, and real XGBoost / LightGBM models trained with them
against the same models trained with hand-written objectives."""
import copy
import pickle

import numpy as np
import pytest
from harness import TOL, tol

import tangents as tg
import tangents.boosting as boosting
import tangents.nn as tnn

RTOL, ATOL = TOL[np.float64]
DELTA, GAMMA, RHO, TAU, SMOOTH = 1.5, 2.0, 1.4, 0.3, 0.2
K = 3


# -- losses of one sample, written with np as a user would ----------------------------------
def pseudo_huber(pred, label):
    return DELTA ** 2 * (np.sqrt(1 + ((pred - label) / DELTA) ** 2) - 1)


def focal(pred, label):  # binary focal loss on the logit
    p = 1 / (1 + np.exp(-pred))
    return -(label * (1 - p) ** GAMMA * np.log(p) + (1 - label) * p ** GAMMA * np.log(1 - p))


def tweedie(pred, label):  # negative log-likelihood up to constants, log link
    return (-label * np.exp((1 - RHO) * pred) / (1 - RHO)
            + np.exp((2 - RHO) * pred) / (2 - RHO))


def smooth_quantile(pred, label):  # pinball loss smoothed by softplus
    r = label - pred
    return TAU * r + SMOOTH * np.logaddexp(0, -r / SMOOTH)


def softmax_ce(pred, label):
    return tnn.logsumexp(pred) - np.sum(np.where(np.arange(pred.shape[-1]) == label, pred, 0))


def coupled(pred, label):  # a K-vector loss with a dense Hessian
    return np.log(1 + np.sum(np.exp(pred) * (1 + label))) + np.prod(np.tanh(pred)) ** 2


# -- closed forms (the reference where one is simple) ----------------------------------------
def pseudo_huber_gh(p, y):
    s = 1 + ((p - y) / DELTA) ** 2
    return (p - y) / np.sqrt(s), s ** -1.5


def tweedie_gh(p, y):
    a, b = np.exp((1 - RHO) * p), np.exp((2 - RHO) * p)
    return -y * a + b, -y * (1 - RHO) * a + (2 - RHO) * b


def smooth_quantile_gh(p, y):
    s = 1 / (1 + np.exp((y - p) / SMOOTH))  # sigmoid(-r / SMOOTH)
    return s - TAU, s * (1 - s) / SMOOTH


def softmax_ce_gh(p, y):
    e = np.exp(p - p.max(axis=1, keepdims=True))
    q = e / e.sum(axis=1, keepdims=True)
    onehot = np.arange(p.shape[1]) == y[:, None]
    return q - onehot, q * (1 - q)


def squared_gh(p, y):
    return p - y, np.ones_like(p)


def rng(seed=0):
    return np.random.default_rng(seed)


def scalar_data(name, n=40, seed=0):
    r = rng(seed)
    pred = r.uniform(-2, 2, n)
    label = {"focal": r.integers(0, 2, n).astype(float),
             "tweedie": r.exponential(1.0, n) * (r.uniform(size=n) < 0.7)}.get(
        name, r.uniform(-2, 2, n))
    return pred, label


def vector_data(n=30, seed=0):
    r = rng(seed)
    return r.uniform(-2, 2, (n, K)), r.integers(0, K, n).astype(float)


SCALAR = {"pseudo_huber": (pseudo_huber, pseudo_huber_gh), "focal": (focal, None),
          "tweedie": (tweedie, tweedie_gh), "smooth_quantile": (smooth_quantile,
                                                                 smooth_quantile_gh)}
VECTOR = {"softmax_ce": (softmax_ce, softmax_ce_gh), "coupled": (coupled, None)}


def fd_scalar(loss, pred, label, eps=1e-5):
    """Central differences of the loss of each sample: first and second derivative."""
    lp, l0, lm = loss(pred + eps, label), loss(pred, label), loss(pred - eps, label)
    return (lp - lm) / (2 * eps), (lp - 2 * l0 + lm) / eps ** 2


def fd_vector(loss, pred, label, eps=1e-5):
    """Central differences along each e_k, sample by sample, with plain NumPy."""
    g, h = np.empty_like(pred), np.empty_like(pred)
    for i in range(len(pred)):
        for k in range(pred.shape[1]):
            e = np.eye(pred.shape[1])[k] * eps
            lp, l0, lm = (float(loss(pred[i] + e, label[i])), float(loss(pred[i], label[i])),
                          float(loss(pred[i] - e, label[i])))
            g[i, k], h[i, k] = (lp - lm) / (2 * eps), (lp - 2 * l0 + lm) / eps ** 2
    return g, h


# second differences lose half the digits: their tolerance is the float32 row of TOL
FD_RTOL, FD_ATOL = TOL[np.float32]


@pytest.mark.parametrize("name", SCALAR)
def test_scalar_losses_against_closed_forms_and_finite_differences(name):
    loss, closed = SCALAR[name]
    pred, label = scalar_data(name)
    g, h = boosting.objective(loss).grad_hess(pred, label)
    assert g.shape == h.shape == pred.shape and g.dtype == h.dtype == np.float64
    if closed is not None:
        g0, h0 = closed(pred, label)
        np.testing.assert_allclose(g, g0, RTOL, ATOL)
        np.testing.assert_allclose(h, h0, RTOL, ATOL)
    gf, hf = fd_scalar(loss, pred, label)
    np.testing.assert_allclose(g, gf, FD_RTOL, FD_ATOL)
    np.testing.assert_allclose(h, hf, FD_RTOL, FD_ATOL)
    # the reverse-mode route, per sample, agrees to rounding
    per = tg.vmap(tg.grad(loss))(pred, label)
    np.testing.assert_allclose(g, per, RTOL, ATOL)


@pytest.mark.parametrize("name", VECTOR)
def test_vector_losses_against_closed_forms_and_finite_differences(name):
    loss, closed = VECTOR[name]
    pred, label = vector_data()
    g, h = boosting.objective(loss).grad_hess(pred, label)
    assert g.shape == h.shape == pred.shape
    if closed is not None:
        g0, h0 = closed(pred, label)
        np.testing.assert_allclose(g, g0, RTOL, ATOL)
        np.testing.assert_allclose(h, h0, RTOL, ATOL)
    gf, hf = fd_vector(loss, pred, label)
    np.testing.assert_allclose(g, gf, FD_RTOL, FD_ATOL)
    np.testing.assert_allclose(h, hf, FD_RTOL, FD_ATOL)
    # the diagonal of the full per-sample Hessian (jacfwd over jacrev)
    full = tg.vmap(tg.hessian(loss))(pred, label)
    np.testing.assert_allclose(h, np.diagonal(full, axis1=1, axis2=2), RTOL, ATOL)


def test_blocks_give_the_same_numbers(monkeypatch):
    # sizes that do not divide into the blocks, so the last block is short
    pred, label = scalar_data("pseudo_huber", n=103)
    vpred, vlabel = vector_data(n=53)
    whole = boosting.objective(pseudo_huber).grad_hess(pred, label)
    vwhole = boosting.objective(softmax_ce).grad_hess(vpred, vlabel)
    monkeypatch.setattr(boosting, "_SCALAR_ROWS", 10)
    monkeypatch.setattr(boosting, "_VECTOR_ELEMENTS", 7 * K * K)
    for a, b in zip(boosting.objective(pseudo_huber).grad_hess(pred, label), whole):
        np.testing.assert_allclose(a, b, RTOL, ATOL)
    for a, b in zip(boosting.objective(softmax_ce).grad_hess(vpred, vlabel), vwhole):
        np.testing.assert_allclose(a, b, RTOL, ATOL)
    np.testing.assert_allclose(whole[0], pseudo_huber_gh(pred, label)[0], RTOL, ATOL)


@pytest.fixture(params=["numpy", "fused"])
def executor(request, monkeypatch):
    """TANGENTS_JIT_EXECUTOR for the programs the objectives compile in this test."""
    if request.param == "fused":
        pytest.importorskip("numba")
    monkeypatch.setenv("TANGENTS_JIT_EXECUTOR", request.param)
    return request.param


def eager_objective(loss):
    """The objective with its block passes run eagerly (not staged), the reference."""
    obj = boosting.objective(loss)
    obj._scalar_pass, obj._vector_pass = obj._scalar_block, obj._vector_block
    return obj


@pytest.mark.parametrize("name", list(SCALAR) + list(VECTOR))
def test_compiled_passes_give_eager_numbers(name, executor, monkeypatch):
    # blocks of 10 rows (7 for vectors) and a short last one: two programs each
    monkeypatch.setattr(boosting, "_SCALAR_ROWS", 10)
    monkeypatch.setattr(boosting, "_VECTOR_ELEMENTS", 7 * K * K)
    loss = (SCALAR if name in SCALAR else VECTOR)[name][0]
    pred, label = scalar_data(name, n=43) if name in SCALAR else vector_data(n=23)
    obj = boosting.objective(loss)
    for _ in range(2):  # staged on the first call, run from the cache on the second
        for a, b in zip(obj.grad_hess(pred, label), eager_objective(loss).grad_hess(
                pred, label)):
            np.testing.assert_allclose(a, b, **tol("roundoff"))


def test_a_loss_with_nan_rows_gives_eager_nans(executor):
    def loss(pred, label):  # nan (and a nan derivative) where pred < label
        return np.sqrt(pred - label) * pred
    pred, label = scalar_data("pseudo_huber", n=30)
    with np.errstate(invalid="ignore", divide="ignore"):
        got = boosting.objective(loss).grad_hess(pred, label)
        want = eager_objective(loss).grad_hess(pred, label)
    assert np.isnan(want[1]).any() and not np.isnan(want[1]).all()
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, **tol("roundoff"))  # nan where eager has nan


def test_each_block_shape_is_staged_once_and_reused_across_rounds(monkeypatch):
    # later rounds run the compiled programs: the loss's Python code runs no more
    monkeypatch.setattr(boosting, "_SCALAR_ROWS", 10)
    monkeypatch.setattr(boosting, "_VECTOR_ELEMENTS", 7 * K * K)
    for loss, (pred, label) in ((pseudo_huber, scalar_data("pseudo_huber", n=43)),
                                (softmax_ce, vector_data(n=23))):
        calls = []

        def counted(p, y, loss=loss):
            calls.append(np.shape(p))
            return loss(p, y)
        obj = boosting.objective(counted)
        first = obj.grad_hess(pred, label)
        assert calls
        calls.clear()
        for _ in range(3):
            again = obj.grad_hess(pred, label)
            assert calls == []
            for a, b in zip(again, first):
                np.testing.assert_array_equal(a, b)
        # one program for the full blocks, one for the short last block
        assert len(obj._scalar_pass._cache) + len(obj._vector_pass._cache) == 2


def test_objectives_copy_and_pickle_after_compiling():
    obj = boosting.objective(pseudo_huber)
    pred, label = scalar_data("pseudo_huber")
    want = obj.grad_hess(pred, label)
    for other in (copy.deepcopy(obj), pickle.loads(pickle.dumps(obj))):
        assert other.loss is pseudo_huber
        for a, b in zip(other.grad_hess(pred, label), want):
            np.testing.assert_array_equal(a, b)


def test_sample_weights_scale_each_sample():
    pred, label = scalar_data("tweedie")
    w = rng(1).uniform(0.1, 3, len(pred))
    obj = boosting.objective(tweedie)
    g0, h0 = tweedie_gh(pred, label)
    for g, h in (obj.grad_hess(pred, label, w), obj(label, pred, sample_weight=w)):
        np.testing.assert_allclose(g, w * g0, RTOL, ATOL)
        np.testing.assert_allclose(h, w * h0, RTOL, ATOL)
    vpred, vlabel = vector_data()
    vw = w[:len(vpred)]
    g, h = boosting.objective(softmax_ce)(vlabel, vpred, vw)
    g0, h0 = softmax_ce_gh(vpred, vlabel)
    np.testing.assert_allclose(g, vw[:, None] * g0, RTOL, ATOL)
    np.testing.assert_allclose(h, vw[:, None] * h0, RTOL, ATOL)
    # an empty weight array (xgboost's DMatrix without weights) means no weights
    np.testing.assert_allclose(obj.grad_hess(pred, label, np.empty(0))[0], tweedie_gh(
        pred, label)[0], RTOL, ATOL)


def test_float32_predictions_and_integer_labels():
    pred, label = vector_data()
    g, h = boosting.objective(softmax_ce).grad_hess(pred.astype(np.float32),
                                                    label.astype(np.int64))
    g0, h0 = softmax_ce_gh(pred.astype(np.float32).astype(np.float64), label)
    np.testing.assert_allclose(g, g0, RTOL, ATOL)
    np.testing.assert_allclose(h, h0, RTOL, ATOL)


def test_a_scalar_loss_as_a_vector_of_one():
    pred, label = scalar_data("smooth_quantile")
    # the same loss written for 1-vectors, through the vmapped route
    g1, h1 = boosting.objective(lambda p, y: np.sum(smooth_quantile(p, y))).grad_hess(
        pred[:, None], label)
    g, h = boosting.objective(smooth_quantile).grad_hess(pred, label)
    np.testing.assert_allclose(g1[:, 0], g, RTOL, ATOL)
    np.testing.assert_allclose(h1[:, 0], h, RTOL, ATOL)


def test_elementwise_check_runs_once_per_shape():
    calls = []

    def loss(pred, label):
        calls.append(np.shape(pred))
        return pseudo_huber(pred, label)

    obj = boosting.objective(loss)
    pred, label = scalar_data("pseudo_huber", n=200)
    obj.grad_hess(pred, label)
    first = len(calls)
    calls.clear()
    obj.grad_hess(pred + 1, label)
    assert len(calls) < first
    assert all(s == (200,) for s in calls)  # no probe: only the pass over the data
    calls.clear()
    obj.grad_hess(pred[:100], label[:100])  # a new shape is probed again
    assert any(s == (boosting._PROBE_ROWS,) for s in calls)


@pytest.mark.parametrize("loss, match", [
    (lambda p, y: (p - np.mean(p)) ** 2, "depends on the predictions of others"),
    (lambda p, y: np.mean((p - y) ** 2), r"returned shape \(\)"),
])
def test_a_scalar_loss_that_is_not_per_sample_is_refused(loss, match):
    pred, label = scalar_data("pseudo_huber")
    with pytest.raises(ValueError, match=r"objective: .*shape \(40,\).*" + match):
        boosting.objective(loss).grad_hess(pred, label)


def test_bad_shapes_are_refused_with_the_fix():
    pred, label = scalar_data("pseudo_huber")
    obj = boosting.objective(pseudo_huber)
    with pytest.raises(ValueError, match=r"objective: 40 predictions .* labels of shape \(39,\)"):
        obj.grad_hess(pred, label[:-1])
    with pytest.raises(ValueError, match=r"sample weights of shape \(3,\).*shape \(40,\)"):
        obj.grad_hess(pred, label, np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(n, K\), got shape \(2, 2, 10\)"):
        obj.grad_hess(pred.reshape(2, 2, 10), label)
    vpred, vlabel = vector_data()
    with pytest.raises(ValueError, match=r"must return a scalar, but returned shape \(3,\)"):
        boosting.objective(lambda p, y: p * y).grad_hess(vpred, vlabel)
    with pytest.raises(TypeError, match="objective: loss must be a function"):
        boosting.objective("reg:squarederror")


# -- real models ----------------------------------------------------------------------------
ROUNDS = 8


def hand_scalar(p, y):  # the pseudo-Huber objective written out by hand
    return pseudo_huber_gh(np.asarray(p, np.float64), np.asarray(y, np.float64))


def hand_softmax(p, y):
    return softmax_ce_gh(np.asarray(p, np.float64), np.asarray(y, np.float64))


def weighted(fn):
    def obj(y_true, y_pred, sample_weight=None):
        g, h = fn(y_pred, y_true)
        if sample_weight is None:
            return g, h
        w = sample_weight if g.ndim == 1 else sample_weight[:, None]
        return g * w, h * w
    return obj


def regression(n=300, seed=0):
    r = rng(seed)
    X = r.normal(size=(n, 4))
    y = X[:, 0] * 2 + np.sin(X[:, 1]) + r.standard_t(2, n)  # heavy tails: Huber's case
    return X, y, r.uniform(0.2, 2.0, n)


def classification(n=300, seed=0):
    r = rng(seed)
    X = r.normal(size=(n, 4))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] + 0.3 * r.normal(size=n) > 0.5)
    return X, y.astype(float), r.uniform(0.2, 2.0, n)


def assert_same_model(a, b):
    np.testing.assert_allclose(a, b, RTOL, ATOL)


def test_xgboost_train():
    xgb = pytest.importorskip("xgboost")
    X, y, w = regression()
    for weight in (None, w):
        d = xgb.DMatrix(X, label=y, weight=weight)
        params = {"nthread": 1, "max_depth": 3, "base_score": 0.0}
        ours = xgb.train(params, d, ROUNDS, obj=boosting.objective(pseudo_huber).xgboost)
        hand = xgb.train(params, d, ROUNDS, obj=lambda p, dm: _xgb_hand(hand_scalar, p, dm))
        assert_same_model(ours.predict(d), hand.predict(d))
    X, y, w = classification()
    d = xgb.DMatrix(X, label=y, weight=w)
    params = {"nthread": 1, "max_depth": 3, "num_class": K, "base_score": 0.0}
    ours = xgb.train(params, d, ROUNDS, obj=boosting.objective(softmax_ce).xgboost)
    hand = xgb.train(params, d, ROUNDS, obj=lambda p, dm: _xgb_hand(hand_softmax, p, dm))
    assert_same_model(ours.predict(d, output_margin=True), hand.predict(d, output_margin=True))
    assert np.mean(ours.predict(d, output_margin=True).argmax(1) == y) > 0.7  # it learns


def _xgb_hand(fn, preds, dmatrix):
    w = dmatrix.get_weight()
    return weighted(fn)(dmatrix.get_label(), preds, w if w.size else None)


def test_xgboost_sklearn_wrappers():
    xgb = pytest.importorskip("xgboost")
    X, y, w = regression()
    kw = {"n_estimators": ROUNDS, "max_depth": 3, "n_jobs": 1, "base_score": 0.0}
    ours = xgb.XGBRegressor(objective=boosting.objective(pseudo_huber), **kw)
    hand = xgb.XGBRegressor(objective=weighted(hand_scalar), **kw)
    assert_same_model(ours.fit(X, y, sample_weight=w).predict(X),
                      hand.fit(X, y, sample_weight=w).predict(X))
    X, y, w = classification()
    ours = xgb.XGBClassifier(objective=boosting.objective(softmax_ce), **kw)
    hand = xgb.XGBClassifier(objective=weighted(hand_softmax), **kw)
    assert_same_model(ours.fit(X, y, sample_weight=w).predict_proba(X),
                      hand.fit(X, y, sample_weight=w).predict_proba(X))


def test_lightgbm_train():
    lgb = pytest.importorskip("lightgbm")
    base = {"verbose": -1, "num_threads": 1, "num_leaves": 8, "deterministic": True}
    X, y, w = regression()
    for weight in (None, w):
        d = lgb.Dataset(X, label=y, weight=weight, free_raw_data=False)
        ours = lgb.train({**base, "objective": boosting.objective(pseudo_huber).lightgbm},
                         d, ROUNDS)
        hand = lgb.train({**base, "objective": lambda p, ds: _lgb_hand(hand_scalar, p, ds)},
                         d, ROUNDS)
        assert_same_model(ours.predict(X), hand.predict(X))
    X, y, w = classification()
    d = lgb.Dataset(X, label=y, weight=w, free_raw_data=False)
    params = {**base, "num_class": K}
    ours = lgb.train({**params, "objective": boosting.objective(softmax_ce).lightgbm}, d, ROUNDS)
    hand = lgb.train({**params, "objective": lambda p, ds: _lgb_hand(hand_softmax, p, ds)},
                     d, ROUNDS)
    assert_same_model(ours.predict(X, raw_score=True), hand.predict(X, raw_score=True))
    assert np.mean(ours.predict(X, raw_score=True).argmax(1) == y) > 0.7


def _lgb_hand(fn, preds, dataset):
    return weighted(fn)(dataset.get_label(), preds, dataset.get_weight())


def test_lightgbm_sklearn_wrappers():
    lgb = pytest.importorskip("lightgbm")
    kw = {"n_estimators": ROUNDS, "num_leaves": 8, "n_jobs": 1, "verbose": -1}
    X, y, w = regression()
    ours = lgb.LGBMRegressor(objective=boosting.objective(pseudo_huber), **kw)
    hand = lgb.LGBMRegressor(objective=weighted(hand_scalar), **kw)
    assert_same_model(ours.fit(X, y, sample_weight=w).predict(X),
                      hand.fit(X, y, sample_weight=w).predict(X))
    X, y, w = classification()
    ours = lgb.LGBMClassifier(objective=boosting.objective(softmax_ce), **kw)
    hand = lgb.LGBMClassifier(objective=weighted(hand_softmax), **kw)
    assert_same_model(ours.fit(X, y, sample_weight=w).predict(X, raw_score=True),
                      hand.fit(X, y, sample_weight=w).predict(X, raw_score=True))


# -- how the libraries' built-in objectives relate (the facts docs/boosting.md states) -------
def scaled_hess(obj, factor):
    def fn(preds, data):
        g, h = obj(preds, data)
        return g, factor * h
    return fn


def test_xgboost_builtin_pseudo_huber_and_tweedie_are_the_exact_derivatives():
    xgb = pytest.importorskip("xgboost")
    X, y, _ = regression()
    d = xgb.DMatrix(X, label=y)
    base = {"nthread": 1, "max_depth": 3}
    builtin = xgb.train({**base, "objective": "reg:pseudohubererror", "huber_slope": DELTA,
                         "base_score": 0.0}, d, ROUNDS)
    ours = xgb.train({**base, "base_score": 0.0}, d, ROUNDS,
                     obj=boosting.objective(pseudo_huber).xgboost)
    # both models are float32: compare at float32's tolerance
    np.testing.assert_allclose(ours.predict(d, output_margin=True),
                               builtin.predict(d, output_margin=True), *TOL[np.float32])
    d = xgb.DMatrix(X, label=np.exp(X[:, 0]) * rng(2).exponential(1.0, len(X)))
    builtin = xgb.train({**base, "objective": "reg:tweedie", "tweedie_variance_power": RHO,
                         "base_score": 1.0}, d, ROUNDS)  # margin 0 under the log link
    ours = xgb.train({**base, "base_score": 0.0}, d, ROUNDS,
                     obj=boosting.objective(tweedie).xgboost)
    np.testing.assert_allclose(ours.predict(d, output_margin=True),
                               builtin.predict(d, output_margin=True), *TOL[np.float32])


def test_builtin_softmax_objectives_scale_the_exact_hessian():
    # XGBoost's multi:softprob uses 2 p (1 - p), LightGBM's multiclass K / (K - 1) p (1 - p);
    # the exact diagonal is p (1 - p)
    xgb = pytest.importorskip("xgboost")
    lgb = pytest.importorskip("lightgbm")
    X, y, _ = classification()
    obj = boosting.objective(softmax_ce)
    d = xgb.DMatrix(X, label=y)
    base = {"nthread": 1, "max_depth": 3, "num_class": K, "base_score": 0.0}
    builtin = xgb.train({**base, "objective": "multi:softprob"}, d, ROUNDS)
    exact = xgb.train(base, d, ROUNDS, obj=obj.xgboost)
    doubled = xgb.train(base, d, ROUNDS, obj=scaled_hess(obj.xgboost, 2.0))
    np.testing.assert_allclose(doubled.predict(d, output_margin=True),
                               builtin.predict(d, output_margin=True), *TOL[np.float32])
    assert not np.allclose(exact.predict(d, output_margin=True),
                           builtin.predict(d, output_margin=True), *TOL[np.float32])
    ds = lgb.Dataset(X, label=y, free_raw_data=False)
    base = {"verbose": -1, "num_threads": 1, "num_leaves": 8, "num_class": K,
            "boost_from_average": False}
    builtin = lgb.train({**base, "objective": "multiclass"}, ds, ROUNDS)
    scaled = lgb.train({**base, "objective": scaled_hess(obj.lightgbm, K / (K - 1))}, ds, ROUNDS)
    np.testing.assert_allclose(scaled.predict(X, raw_score=True),
                               builtin.predict(X, raw_score=True), *TOL[np.float32])
