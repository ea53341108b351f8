"""Losses, computed from logits through stable primitives (never ``log(softmax(x))``).

Every loss takes ``reduction="mean" | "sum" | "none"``; "none" returns the per-example
losses.
"""
from __future__ import annotations

from typing import Any, Literal

import numpy as np

from .. import numpy as tnp
from ..numpy._dispatch import dtype_of, normalize_axis, shape_of
from ..typing import Array, ArrayLike, Axis, Numeric
from .functions import log_softmax, relu, softplus

__all__ = ["cross_entropy", "binary_cross_entropy_with_logits", "mse", "huber", "max_margin"]

Reduction = Literal["mean", "sum", "none"]


def _reduce(loss: Any, reduction: str, op: str, axis: Axis = None) -> Array:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return tnp.sum(loss, axis=axis)
    if reduction == "mean":
        return tnp.mean(loss, axis=axis)
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _float_dtype(x: ArrayLike) -> np.dtype[Any]:
    dt = np.dtype(dtype_of(x))
    return dt if dt.kind == "f" else np.dtype(np.float64)


def cross_entropy(logits: ArrayLike, labels: ArrayLike, axis: int = -1, *,
                  reduction: Reduction = "mean", label_smoothing: float = 0.0,
                  weight: ArrayLike | None = None) -> Array:
    """``cross_entropy(logits, labels, axis=-1, reduction="mean", label_smoothing=0.0,
    weight=None)``: ``-sum(target * log_softmax(logits, axis), axis)``.

    ``labels`` are integer class indices (the shape of ``logits`` without ``axis``) or
    probabilities (the shape of ``logits``).  ``label_smoothing`` mixes the target with the
    uniform distribution; ``weight`` (one per class) scales each class's term, and with
    integer labels the "mean" is then divided by the total weight of the targets (as PyTorch).

    >>> cross_entropy(np.array([[0.0, 0.0]]), np.array([1]))
    np.float64(0.6931471805599453)
    """
    xshape = shape_of(logits)
    ax = normalize_axis(axis, len(xshape), "cross_entropy")
    ncls = xshape[ax]
    dt = _float_dtype(logits)
    logp = log_softmax(logits, axis=ax)
    labels_arr = labels if hasattr(labels, "dtype") else np.asarray(labels)
    integer = np.dtype(labels_arr.dtype).kind in "iub"
    if integer:
        want = xshape[:ax] + xshape[ax + 1:]
        if shape_of(labels_arr) != want:
            raise ValueError(f"cross_entropy: integer labels must have shape {want} (the logits' "
                             f"shape without axis {axis}), got {shape_of(labels_arr)}")
        # one-hot with tangents.numpy ops, so labels batched by vmap work too
        onehot = tnp.equal(tnp.expand_dims(labels_arr, -1), np.arange(ncls))
        target = tnp.moveaxis(onehot, -1, ax).astype(dt)
    else:
        if shape_of(labels_arr) != xshape:
            raise ValueError(f"cross_entropy: probability targets must have the logits' shape "
                             f"{xshape}, got {shape_of(labels_arr)}")
        target = labels_arr
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / ncls
    total = None
    if weight is not None:
        wshape = [1] * len(xshape)
        wshape[ax] = ncls
        w = np.reshape(np.asarray(weight, dt), wshape)
        if integer:
            total = tnp.sum(target * w)
        target = target * w
    loss = -tnp.sum(target * logp, axis=ax)
    if total is not None and reduction == "mean":
        return tnp.sum(loss) / total
    return _reduce(loss, reduction, "cross_entropy")


def binary_cross_entropy_with_logits(logits: Numeric, targets: Numeric, *,
                                     reduction: Reduction = "mean",
                                     pos_weight: Numeric | None = None) -> Array:
    """``binary_cross_entropy_with_logits(logits, targets, reduction="mean", pos_weight=None)``:
    ``-(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))`` as ``(1 - y) x + softplus(-x)``
    (``pos_weight`` scales the positive term).

    >>> binary_cross_entropy_with_logits(np.array([0.0]), np.array([1.0]))
    np.float64(0.6931471805599453)
    """
    if pos_weight is None:
        loss = (1.0 - targets) * logits + softplus(-logits)
    else:
        loss = (1.0 - targets) * logits + (1.0 + (pos_weight - 1.0) * targets) * softplus(-logits)
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def mse(pred: Numeric, target: Numeric, *, reduction: Reduction = "mean",
        axis: Axis = None) -> Array:
    """``mse(pred, target, reduction="mean", axis=None)``: squared error, averaged (or summed)
    over ``axis`` (all axes by default).

    >>> mse(np.array([1.0, 3.0]), np.array([0.0, 0.0]))
    np.float64(5.0)
    """
    r = pred - target
    return _reduce(r * r, reduction, "mse", axis)


def huber(pred: Numeric, target: Numeric, delta: float = 1.0, *, reduction: Reduction = "mean",
          axis: Axis = None) -> Array:
    """``huber(pred, target, delta=1.0, reduction="mean")``: ``r^2 / 2`` for ``|r| <= delta``,
    ``delta (|r| - delta / 2)`` beyond.

    >>> huber(np.array([0.5, 3.0]), np.zeros(2), reduction="none")
    array([0.125, 2.5  ])
    """
    r = pred - target
    a = tnp.abs(r)
    loss = tnp.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))
    return _reduce(loss, reduction, "huber", axis)


def max_margin(pos_scores: Numeric, neg_scores: Numeric, margin: float = 1.0, *,
               reduction: Reduction = "mean") -> Array:
    """``max_margin(pos_scores, neg_scores, margin=1.0, reduction="mean")``: the hinge
    ``sum_j max(0, margin - pos[i] + neg[i, j])`` per example ``i``, for positive scores of
    shape (B, 1) (or (B,)) and negative scores of shape (B, N).  Zero hinge gives zero
    derivative (relu's kink convention).

    >>> max_margin(np.array([[2.0]]), np.array([[0.5, 1.5]]))
    np.float64(0.5)
    """
    pshape = shape_of(pos_scores)
    if len(pshape) == 1:
        pos_scores = tnp.reshape(pos_scores, (pshape[0], 1))
    if len(shape_of(neg_scores)) != 2 or shape_of(pos_scores)[1] != 1:
        raise ValueError(f"max_margin: expected pos_scores (B, 1) and neg_scores (B, N), got "
                         f"{pshape} and {shape_of(neg_scores)}")
    loss = tnp.sum(relu(margin - pos_scores + neg_scores), axis=1)
    return _reduce(loss, reduction, "max_margin")
