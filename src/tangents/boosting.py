"""Gradient-boosting objectives from a per-sample loss: the exact per-sample gradient and
Hessian (diagonal) that XGBoost, LightGBM and their scikit-learn wrappers ask a custom
objective for, computed by tangents' transforms.

Neither library is imported here: the objective only calls ``get_label``/``get_weight`` on
the data object it is handed, so NumPy stays the only dependency.  The derivative pass over
a block of rows is staged once per block shape by `tangents.jit` and reused in every round:
fused numba kernels when numba is installed, else one NumPy call per step of the program.
"""
from __future__ import annotations

import numpy as np

from .core import elementwise_grad, grad, jvp, vmap
from .jit import jit

__all__ = ["objective", "Objective"]

# Rows per block: the blocks' arrays stay in the L2 cache, which makes the NumPy executor's
# calls (and eager's) several times faster on large data than full-length arrays, costs the
# fused kernels nothing measurable, and bounds the constants each jitted program holds (the
# tangent seeds: rows * K * K numbers). bench/bench_boosting.py measures both.
_SCALAR_ROWS = 65536
_VECTOR_ELEMENTS = 262144  # rows * K * K: the tangents of the K directions, batched
_PROBE_ROWS = 64          # rows of the one-off check that a scalar loss is elementwise


def objective(loss):
    """``objective(loss)``: a boosting objective from ``loss(pred, label)``, the loss of one
    sample, written with ``np`` / ``tnp``.

    ``pred`` is a scalar (regression, binary classification) or a K-vector (multi-class,
    multi-output); ``label`` is that sample's label. The result has ``.xgboost(preds,
    dtrain)`` for ``xgb.train(obj=...)``, ``.lightgbm(preds, dataset)`` for ``lgb.train``
    (``params["objective"] = obj.lightgbm``), and ``obj(y_true, y_pred, sample_weight=None)``
    for ``XGBRegressor(objective=obj)``, ``XGBClassifier``, ``LGBMRegressor`` and
    ``LGBMClassifier``. Each returns ``(grad, hess)`` shaped like the predictions, ``(n,)``
    or ``(n, K)``: the exact first derivative and the exact diagonal of the Hessian of each
    sample's loss, times the sample weights when there are any.

    A scalar loss is applied to all ``n`` samples at once (so write it with array operations:
    ``np.where`` rather than ``if``); that it is elementwise is checked once per shape on a
    few rows. A K-vector loss is vmapped over the samples. The derivative pass is compiled
    by `tangents.jit` once per block shape and reused by later calls (boosting rounds).

    >>> import numpy as np
    >>> obj = objective(lambda pred, label: (pred - label) ** 2 / 2)
    >>> obj(np.array([1.0, 2.0]), np.array([1.5, 0.0]))
    (array([ 0.5, -2. ]), array([1., 1.]))
    """
    return Objective(loss)


class Objective:
    """A per-sample ``loss(pred, label)`` as a custom objective; see `objective`."""

    def __init__(self, loss):
        if not callable(loss):
            raise TypeError(f"objective: loss must be a function loss(pred, label), got "
                            f"{type(loss).__name__}")
        self.loss = loss
        self._elementwise = set()  # (shape, dtypes) at which the scalar loss passed the probe
        # the block passes, staged once per (shape, dtype) of the block's inputs
        self._scalar_pass = jit(self._scalar_block)
        self._vector_pass = jit(self._vector_block)

    def __getstate__(self):
        # compiled programs (numba dispatchers, a lock) neither pickle nor deep-copy; a copy
        # (scikit-learn's clone, a pickled model) compiles its own on first use
        return {"loss": self.loss}

    def __setstate__(self, state):
        self.__init__(state["loss"])

    def __repr__(self):
        return f"objective({getattr(self.loss, '__name__', self.loss)!r})"

    # -- the three calling conventions -----------------------------------------------------
    def xgboost(self, preds, dtrain):
        """``xgb.train(params, dtrain, obj=objective(loss).xgboost)``: ``(grad, hess)`` from
        the margins ``preds`` and ``dtrain``'s labels and weights (an empty weight array
        means none)."""
        return self.grad_hess(preds, dtrain.get_label(), dtrain.get_weight())

    def lightgbm(self, preds, dataset):
        """``lgb.train({"objective": objective(loss).lightgbm, ...}, dataset)``: ``(grad,
        hess)`` from the raw scores ``preds`` and the dataset's labels and weights."""
        return self.grad_hess(preds, dataset.get_label(), dataset.get_weight())

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The scikit-learn wrappers' convention, ``(y_true, y_pred, sample_weight)``."""
        return self.grad_hess(y_pred, y_true, sample_weight)

    # -- the derivatives -------------------------------------------------------------------
    def grad_hess(self, pred, label, weight=None):
        """``(grad, hess)`` of ``loss`` at each sample: ``pred`` of shape ``(n,)`` or ``(n,
        K)``, ``label`` with ``n`` rows, ``weight`` of shape ``(n,)`` or None (or empty).
        Computed in float64."""
        pred, label, weight = self._inputs(pred, label, weight)
        if pred.ndim == 1:
            self._check_elementwise(pred, label)
            g, h = _blocked(self._scalar_pass, pred, label, _SCALAR_ROWS)
            w = weight
        else:
            k = pred.shape[1]
            rows = max(1, _VECTOR_ELEMENTS // (k * k))
            g, h = _blocked(self._vector_pass, pred, label, rows)
            w = None if weight is None else weight[:, None]
        if w is not None:
            g *= w
            h *= w
        return g, h

    def _inputs(self, pred, label, weight):
        pred = np.asarray(pred)
        label = np.asarray(label)
        if pred.dtype.kind not in "biuf" or pred.ndim not in (1, 2):
            raise ValueError(f"objective: predictions must be a real array of shape (n,) or "
                             f"(n, K), got shape {pred.shape} and dtype {pred.dtype}")
        pred = pred.astype(np.float64, copy=False)
        n = pred.shape[0]
        if label.ndim == 0 or label.shape[0] != n:
            raise ValueError(f"objective: {n} predictions (shape {pred.shape}) but labels of "
                             f"shape {label.shape}; pass one label (row) per sample")
        if label.dtype.kind == "f":
            label = label.astype(np.float64, copy=False)
        if weight is not None:
            weight = np.asarray(weight, dtype=np.float64)
            if weight.size == 0:  # xgboost's DMatrix without weights
                weight = None
            elif weight.shape != (n,):
                raise ValueError(f"objective: {n} predictions but sample weights of shape "
                                 f"{weight.shape}; pass one weight per sample, shape ({n},)")
        return pred, label, weight

    def _check_elementwise(self, pred, label):
        """Once per shape: on a few rows, loss(pred, label) of arrays must be the loss of each
        sample, i.e. output i depends on pred[i] alone (elementwise_grad checks J v ==
        diag(J) * v for a random v)."""
        signature = (pred.shape, label.shape, label.dtype.str)
        if signature in self._elementwise:
            return
        m = min(len(pred), _PROBE_ROWS)
        p, y = pred[:m], label[:m]
        shape = np.shape(self.loss(p, y))
        if shape != p.shape:
            reason = f"on {m} samples it returned shape {shape}"
        else:
            try:
                elementwise_grad(lambda q: self.loss(q, y), check=True)(p)
                reason = None
            except ValueError:
                reason = "the loss of one sample depends on the predictions of others"
        if reason is not None:
            raise ValueError(
                f"objective: with predictions of shape {pred.shape}, loss(pred, label) is "
                f"called with the arrays of all samples and must return each sample's loss, "
                f"shape ({len(pred)},), but {reason}. Write it with elementwise array "
                "operations (no sum or mean over pred; np.where instead of if), or pass "
                "predictions of shape (n, K) for a loss of K-vectors")
        self._elementwise.add(signature)

    def _scalar_block(self, p, y):
        # grad and hess in one pass: the JVP of the elementwise derivative along ones
        return jvp(elementwise_grad(lambda q: self.loss(q, y), check=False), (p,),
                   (np.ones_like(p),))

    def _vector_block(self, p, y):
        n, k = p.shape

        def total(q):
            losses = vmap(self.loss)(q, y)
            if losses.shape != (n,):
                raise ValueError(
                    f"objective: with predictions of shape {p.shape}, loss(pred, label) gets "
                    f"one sample's K-vector and must return a scalar, but returned shape "
                    f"{losses.shape[1:]}")
            return losses.sum()

        g_fn = grad(total)

        # column k of the Hessian-vector product with e_k (at every sample at once) is
        # H_kk: K forward-over-reverse passes, batched over the K directions by vmap. The
        # directions are one contiguous array: NumPy's loops over a broadcast one (a zero
        # stride between rows) run K elements at a time (75x slower at K = 10)
        def along(t):
            return jvp(g_fn, (p,), (t,))

        dirs = np.ascontiguousarray(np.broadcast_to(np.eye(k)[:, None, :], (k, n, k)))
        g, hv = vmap(along, out_axes=(None, 0))(dirs)  # hv[j, i, k] = H_i[k, j]
        return g, np.einsum("kik->ik", hv)


def _blocked(block, pred, label, rows):
    """``block(pred, label)`` on ``rows`` rows at a time, written into two arrays shaped
    like ``pred``."""
    n = pred.shape[0]
    if n <= rows:
        g, h = block(pred, label)
        return np.array(g, np.float64), np.array(h, np.float64)
    g = np.empty(pred.shape, np.float64)
    h = np.empty(pred.shape, np.float64)
    for start in range(0, n, rows):
        s = slice(start, start + rows)
        g[s], h[s] = block(pred[s], label[s])
    return g, h
