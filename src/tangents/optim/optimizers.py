"""Gradient-based optimizers over pytrees, optax style.

An optimizer is a pair ``(init, update)``: ``state = opt.init(params)``;
``updates, state = opt.update(grads, state, params)``; ``params = apply_updates(params,
updates)``.  Learning rates are floats or callables of the step count (see `schedules`).
Transformations compose with `chain`, e.g. ``chain(clip_by_global_norm(1.0), adam(1e-3))``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import numpy as np

from .. import tree
from ._lazy import eager_grads

__all__ = ["GradientTransformation", "sgd", "adam", "adamw", "rmsprop", "apply_updates",
           "clip_by_global_norm", "global_norm", "chain"]


Params = Any  # a pytree of arrays (gradients and updates have its structure)
LearningRate = float | Callable[[int], float]  # a constant or a schedule of the step count


class UpdateFn(Protocol):
    """``update(grads, state, params=None) -> (updates, new_state)``."""

    def __call__(self, grads: Params, state: Any, params: Params | None = None
                 ) -> tuple[Params, Any]: ...


class GradientTransformation(NamedTuple):
    init: Callable[[Params], Any]
    update: UpdateFn


class SgdState(NamedTuple):
    count: Any
    momentum: Any


class AdamState(NamedTuple):
    count: Any
    mu: Any
    nu: Any


class RmspropState(NamedTuple):
    count: Any
    nu: Any
    momentum: Any


def _lr(lr: LearningRate, count: int) -> float:
    return lr(count) if callable(lr) else lr


def _zeros(params: Params) -> Params:
    return tree.map(np.zeros_like, params)


def _cast(u: Any, p: Any) -> Any:
    dt = getattr(p, "dtype", None)
    return u.astype(dt) if dt is not None and getattr(u, "dtype", dt) != dt else u


def apply_updates(params: Params, updates: Params) -> Params:
    """``apply_updates(params, updates)``: ``params + updates`` leaf by leaf, keeping each
    parameter's dtype.

    >>> apply_updates({"w": np.ones(2)}, {"w": np.full(2, 0.5)})
    {'w': array([1.5, 1.5])}
    """
    return tree.map(lambda p, u: _cast(p + u, p), params, updates)


def sgd(lr: LearningRate, momentum: float = 0.0, nesterov: bool = False
        ) -> GradientTransformation:
    """``sgd(lr, momentum=0.0, nesterov=False)``: ``v = momentum v + g``; the update is
    ``-lr v`` (``-lr (g + momentum v)`` with Nesterov).

    >>> opt = sgd(0.1)
    >>> opt.update({"w": np.ones(2)}, opt.init({"w": np.zeros(2)}))[0]
    {'w': array([-0.1, -0.1])}
    """
    def init(params: Params) -> Any:
        return SgdState(0, _zeros(params) if momentum else None)

    def update(grads: Params, state: Any, params: Params | None = None
               ) -> tuple[Params, Any]:
        grads = eager_grads(grads, params, state)  # Dask gradients: computed once per step
        lr_t = _lr(lr, state.count)
        if not momentum:
            return tree.map(lambda g: _cast(-lr_t * g, g), grads), SgdState(state.count + 1, None)
        v = tree.map(lambda m, g: momentum * m + g, state.momentum, grads)
        step = tree.map(lambda m, g: g + momentum * m, v, grads) if nesterov else v
        return (tree.map(lambda s, g: _cast(-lr_t * s, g), step, grads),
                SgdState(state.count + 1, v))

    return GradientTransformation(init, update)


def _adam_moments(grads: Params, state: AdamState, b1: float, b2: float
                  ) -> tuple[Params, Params, int, float, float]:
    mu = tree.map(lambda m, g: b1 * m + (1 - b1) * g, state.mu, grads)
    nu = tree.map(lambda v, g: b2 * v + (1 - b2) * (g * g), state.nu, grads)
    t = state.count + 1
    return mu, nu, t, 1 - b1 ** t, 1 - b2 ** t


def adam(lr: LearningRate = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
         ) -> GradientTransformation:
    """``adam(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8)`` (Kingma & Ba): bias-corrected moments,
    update ``-lr m_hat / (sqrt(v_hat) + eps)``.

    >>> opt = adam(0.1)
    >>> opt.update({"w": np.array([2.0])}, opt.init({"w": np.zeros(1)}))[0]["w"].round(6)
    array([-0.1])
    """
    def init(params: Params) -> Any:
        return AdamState(0, _zeros(params), _zeros(params))

    def update(grads: Params, state: Any, params: Params | None = None
               ) -> tuple[Params, Any]:
        grads = eager_grads(grads, params, state)  # Dask gradients: computed once per step
        lr_t = _lr(lr, state.count)
        mu, nu, t, c1, c2 = _adam_moments(grads, state, b1, b2)
        updates = tree.map(lambda m, v, g: _cast(-lr_t * (m / c1) / (np.sqrt(v / c2) + eps), g),
                           mu, nu, grads)
        return updates, AdamState(t, mu, nu)

    return GradientTransformation(init, update)


def adamw(lr: LearningRate = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 1e-2) -> GradientTransformation:
    """``adamw(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, weight_decay=1e-2)``: Adam with decoupled
    weight decay (Loshchilov & Hutter): ``-lr (m_hat / (sqrt(v_hat) + eps) + wd * params)``.

    >>> opt = adamw(0.1, weight_decay=0.5)
    >>> p = {"w": np.ones(1)}
    >>> opt.update({"w": np.zeros(1)}, opt.init(p), p)[0]
    {'w': array([-0.05])}
    """
    def init(params: Params) -> Any:
        return AdamState(0, _zeros(params), _zeros(params))

    def update(grads: Params, state: Any, params: Params | None = None
               ) -> tuple[Params, Any]:
        grads = eager_grads(grads, params, state)  # Dask gradients: computed once per step
        if params is None:
            raise ValueError("adamw.update needs params (for the weight decay)")
        lr_t = _lr(lr, state.count)
        mu, nu, t, c1, c2 = _adam_moments(grads, state, b1, b2)
        updates = tree.map(
            lambda m, v, p, g: _cast(-lr_t * ((m / c1) / (np.sqrt(v / c2) + eps)
                                              + weight_decay * p), g),
            mu, nu, params, grads)
        return updates, AdamState(t, mu, nu)

    return GradientTransformation(init, update)


def rmsprop(lr: LearningRate = 1e-2, decay: float = 0.9, eps: float = 1e-8,
            momentum: float = 0.0) -> GradientTransformation:
    """``rmsprop(lr=1e-2, decay=0.9, eps=1e-8, momentum=0.0)``: ``v = decay v + (1 - decay)
    g^2``; step ``g / (sqrt(v) + eps)``, with momentum ``m = momentum m + step``; update
    ``-lr m``.

    >>> opt = rmsprop(0.1, decay=0.0)
    >>> opt.update({"w": np.array([3.0])}, opt.init({"w": np.zeros(1)}))[0]["w"].round(6)
    array([-0.1])
    """
    def init(params: Params) -> Any:
        return RmspropState(0, _zeros(params), _zeros(params) if momentum else None)

    def update(grads: Params, state: Any, params: Params | None = None
               ) -> tuple[Params, Any]:
        grads = eager_grads(grads, params, state)  # Dask gradients: computed once per step
        lr_t = _lr(lr, state.count)
        nu = tree.map(lambda v, g: decay * v + (1 - decay) * (g * g), state.nu, grads)
        step = tree.map(lambda v, g: g / (np.sqrt(v) + eps), nu, grads)
        mom = None
        if momentum:
            step = mom = tree.map(lambda m, s: momentum * m + s, state.momentum, step)
        updates = tree.map(lambda s, g: _cast(-lr_t * s, g), step, grads)
        return updates, RmspropState(state.count + 1, nu, mom)

    return GradientTransformation(init, update)


def global_norm(tree_: Params) -> np.floating[Any]:
    """``sqrt(sum of squares)`` over every leaf of a pytree."""
    return np.sqrt(sum(np.sum(np.square(np.asarray(g, np.float64))) for g in tree.leaves(tree_)))


def clip_by_global_norm(max_norm: float) -> GradientTransformation:
    """A transformation scaling the gradients by ``min(1, max_norm / global_norm(grads))``.

    >>> clip = clip_by_global_norm(1.0)
    >>> clip.update({"w": np.array([3.0, 4.0])}, clip.init(None))[0]
    {'w': array([0.6, 0.8])}
    """
    def update(grads: Params, state: Any, params: Params | None = None
               ) -> tuple[Params, Any]:
        grads = eager_grads(grads, params, state)  # Dask gradients: computed once per step
        norm = global_norm(grads)
        scale = 1.0 if norm <= max_norm else max_norm / norm
        return tree.map(lambda g: _cast(g * scale, g), grads), state

    return GradientTransformation(lambda params: (), update)


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """``chain(*transforms)``: apply the transformations in order (each sees the previous
    one's output as its gradients).

    >>> opt = chain(clip_by_global_norm(1.0), sgd(1.0))
    >>> opt.update({"w": np.array([3.0, 4.0])}, opt.init({"w": np.zeros(2)}))[0]
    {'w': array([-0.6, -0.8])}
    """
    def init(params: Params) -> Any:
        return tuple(t.init(params) for t in transforms)

    def update(grads: Params, state: Any, params: Params | None = None
               ) -> tuple[Params, Any]:
        grads = eager_grads(grads, params, state)  # Dask gradients: computed once per step
        new_state = []
        for t, s in zip(transforms, state):
            grads, s = t.update(grads, s, params)
            new_state.append(s)
        return grads, tuple(new_state)

    return GradientTransformation(init, update)
