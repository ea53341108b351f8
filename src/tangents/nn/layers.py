"""Layers as pure functions over parameter pytrees, and weight initializers.

A layer holds only hyperparameters.  ``layer.init(rng, input_shape) -> params`` draws its
parameters (a dict of arrays, or ``{}``) from a ``numpy.random.Generator``;
``layer.apply(params, x, *, rng=None, train=False)`` is a plain function of them, so
``tg.grad(lambda p: loss(model.apply(p, x), y))(params)`` differentiates a whole model.
``input_shape`` includes the leading batch axis (any value, e.g. ``None`` or ``-1``).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.random import Generator

from .. import numpy as tnp
from ..typing import Array, DTypeLike, NDArray
from . import functions as F
from .conv import IntOrPair, PaddingLike, _dilated, _padding, _pair, conv2d
from .pooling import avg_pool2d, max_pool2d

__all__ = ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal",
           "Layer", "Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Dropout",
           "LayerNorm", "Embedding", "Activation", "ReLU", "Tanh", "Sigmoid", "GELU",
           "Softmax", "Sequential"]

Params = Any  # a pytree of arrays: a dict for one layer, a list of them for Sequential
InputShape = Sequence[Any]  # the leading batch entry may be None or -1
Initializer = Callable[[Generator, tuple[int, ...], DTypeLike], NDArray[Any]]


# -- initializers: (rng, shape, fan_in, fan_out, dtype) -> array --------------------------------
def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) < 2:
        return shape[0] if shape else 1, shape[0] if shape else 1
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


def glorot_uniform(rng: Generator, shape: tuple[int, ...], dtype: DTypeLike = np.float32
                   ) -> NDArray[Any]:
    """Uniform on ``[-a, a]``, ``a = sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio)."""
    fan_in, fan_out = _fans(shape)
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, shape).astype(dtype)


def glorot_normal(rng: Generator, shape: tuple[int, ...], dtype: DTypeLike = np.float32
                  ) -> NDArray[Any]:
    """Normal with variance ``2 / (fan_in + fan_out)``."""
    fan_in, fan_out = _fans(shape)
    return (rng.standard_normal(shape) * math.sqrt(2.0 / (fan_in + fan_out))).astype(dtype)


def he_uniform(rng: Generator, shape: tuple[int, ...], dtype: DTypeLike = np.float32
               ) -> NDArray[Any]:
    """Uniform on ``[-a, a]``, ``a = sqrt(6 / fan_in)`` (He et al., for relu)."""
    a = math.sqrt(6.0 / _fans(shape)[0])
    return rng.uniform(-a, a, shape).astype(dtype)


def he_normal(rng: Generator, shape: tuple[int, ...], dtype: DTypeLike = np.float32
              ) -> NDArray[Any]:
    """Normal with variance ``2 / fan_in``."""
    return (rng.standard_normal(shape) * math.sqrt(2.0 / _fans(shape)[0])).astype(dtype)


def lecun_normal(rng: Generator, shape: tuple[int, ...], dtype: DTypeLike = np.float32
                 ) -> NDArray[Any]:
    """Normal with variance ``1 / fan_in``."""
    return (rng.standard_normal(shape) * math.sqrt(1.0 / _fans(shape)[0])).astype(dtype)


# -- layers -----------------------------------------------------------------------------------
class Layer:
    """Base class: no parameters, shape unchanged."""

    def init(self, rng: Generator, input_shape: InputShape) -> Params:
        return {}

    def output_shape(self, input_shape: InputShape) -> tuple[Any, ...]:
        return tuple(input_shape)

    def apply(self, params: Params, x: Array, *, rng: Generator | None = None,
                  train: bool = False) -> Array:
        raise NotImplementedError

    def __call__(self, params: Params, x: Array, **kwargs: Any) -> Array:
        return self.apply(params, x, **kwargs)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Dense(Layer):
    """``x @ w + b``: ``Dense(units, use_bias=True, w_init=glorot_uniform, dtype=float32)``."""

    def __init__(self, units: int, use_bias: bool = True, w_init: Initializer = glorot_uniform,
                 dtype: DTypeLike = np.float32) -> None:
        self.units, self.use_bias, self.w_init, self.dtype = int(units), use_bias, w_init, dtype

    def init(self, rng: Generator, input_shape: InputShape) -> Params:
        params = {"w": self.w_init(rng, (input_shape[-1], self.units), self.dtype)}
        if self.use_bias:
            params["b"] = np.zeros(self.units, self.dtype)
        return params

    def output_shape(self, input_shape: InputShape) -> tuple[Any, ...]:
        return tuple(input_shape[:-1]) + (self.units,)

    def apply(self, params: Params, x: Array, *, rng: Generator | None = None,
                  train: bool = False) -> Array:
        y = x @ params["w"]
        return y + params["b"] if self.use_bias else y


class Conv2D(Layer):
    """``Conv2D(filters, kernel_size, stride=1, padding="VALID", dilation=1, groups=1,
    use_bias=True)`` on NHWC inputs (`conv2d`)."""

    def __init__(self, filters: int, kernel_size: IntOrPair, stride: IntOrPair = 1,
                 padding: PaddingLike = "VALID", dilation: IntOrPair = 1, groups: int = 1,
                 use_bias: bool = True, w_init: Initializer = he_normal,
                 dtype: DTypeLike = np.float32) -> None:
        self.filters, self.kernel_size = int(filters), _pair(kernel_size, "kernel_size")
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.use_bias, self.w_init, self.dtype = use_bias, w_init, dtype

    def init(self, rng: Generator, input_shape: InputShape) -> Params:
        shape = self.kernel_size + (input_shape[-1] // self.groups, self.filters)
        params = {"w": self.w_init(rng, shape, self.dtype)}
        if self.use_bias:
            params["b"] = np.zeros(self.filters, self.dtype)
        return params

    def output_shape(self, input_shape: InputShape) -> tuple[Any, ...]:
        strides, dil = _pair(self.stride, "stride"), _pair(self.dilation, "dilation")
        pad = _padding(self.padding, input_shape[1:3], self.kernel_size, strides, dil)
        hw = [(n + lo + hi - _dilated(k, d)) // s + 1 for n, (lo, hi), k, s, d
              in zip(input_shape[1:3], pad, self.kernel_size, strides, dil)]
        return (input_shape[0], *hw, self.filters)

    def apply(self, params: Params, x: Array, *, rng: Generator | None = None,
                  train: bool = False) -> Array:
        y = conv2d(x, params["w"], self.stride, self.padding, self.dilation, self.groups)
        return y + params["b"] if self.use_bias else y


class _Pool(Layer):
    def __init__(self, window: IntOrPair = 2, stride: IntOrPair | None = None,
                 padding: PaddingLike = "VALID") -> None:
        self.window, self.stride, self.padding = window, stride, padding

    def output_shape(self, input_shape: InputShape) -> tuple[Any, ...]:
        window = _pair(self.window, "window")
        strides = window if self.stride is None else _pair(self.stride, "stride")
        pad = _padding(self.padding, input_shape[1:3], window, strides, (1, 1))
        hw = [(n + lo + hi - k) // s + 1 for n, (lo, hi), k, s
              in zip(input_shape[1:3], pad, window, strides)]
        return (input_shape[0], *hw, input_shape[3])


class MaxPool2D(_Pool):
    """``MaxPool2D(window=2, stride=None, padding="VALID")`` (`max_pool2d`)."""

    def apply(self, params: Params, x: Array, *, rng: Generator | None = None,
                  train: bool = False) -> Array:
        return max_pool2d(x, self.window, self.stride, self.padding)


class AvgPool2D(_Pool):
    """``AvgPool2D(window=2, stride=None, padding="VALID")`` (`avg_pool2d`)."""

    def apply(self, params: Params, x: Array, *, rng: Generator | None = None,
                  train: bool = False) -> Array:
        return avg_pool2d(x, self.window, self.stride, self.padding)


class Flatten(Layer):
    """All axes after the batch axis into one."""

    def output_shape(self, input_shape: InputShape) -> tuple[Any, ...]:
        return (input_shape[0], int(np.prod(input_shape[1:])))

    def apply(self, params: Params, x: Array, *, rng: Generator | None = None,
                  train: bool = False) -> Array:
        return tnp.reshape(x, (x.shape[0], -1))


class Dropout(Layer):
    """``Dropout(rate)``: in training, zero each element with probability ``rate`` (drawn
    from the explicit ``rng``) and scale the rest by ``1 / (1 - rate)``; identity otherwise."""

    def __init__(self, rate: float) -> None:
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout rate must be in [0, 1), got {rate}")
        self.rate = rate

    def apply(self, params: Params, x: Array, *, rng: Generator | None = None,
                  train: bool = False) -> Array:
        if not train or self.rate == 0.0:
            return x
        if rng is None:
            raise ValueError("Dropout in training needs an explicit rng (numpy.random.Generator)")
        keep = rng.random(x.shape) >= self.rate
        return x * (keep / (1.0 - self.rate)).astype(x.dtype)


class LayerNorm(Layer):
    """``LayerNorm(eps=1e-5)``: normalise the last axis, then scale and shift (learned)."""

    def __init__(self, eps: float = 1e-5, dtype: DTypeLike = np.float32) -> None:
        self.eps, self.dtype = eps, dtype

    def init(self, rng: Generator, input_shape: InputShape) -> Params:
        d = input_shape[-1]
        return {"scale": np.ones(d, self.dtype), "bias": np.zeros(d, self.dtype)}

    def apply(self, params: Params, x: Array, *, rng: Generator | None = None,
                  train: bool = False) -> Array:
        mu = tnp.mean(x, axis=-1, keepdims=True)
        xc = x - mu
        var = tnp.mean(xc * xc, axis=-1, keepdims=True)
        return xc / tnp.sqrt(var + self.eps) * params["scale"] + params["bias"]


class Embedding(Layer):
    """``Embedding(num_embeddings, features)``: integer ids to rows of a learned table."""

    def __init__(self, num_embeddings: int, features: int, dtype: DTypeLike = np.float32
                 ) -> None:
        self.num_embeddings, self.features, self.dtype = num_embeddings, features, dtype

    def init(self, rng: Generator, input_shape: InputShape) -> Params:
        table = rng.standard_normal((self.num_embeddings, self.features)) / math.sqrt(
            self.features)
        return {"table": table.astype(self.dtype)}

    def output_shape(self, input_shape: InputShape) -> tuple[Any, ...]:
        return tuple(input_shape) + (self.features,)

    def apply(self, params: Params, x: Array, *, rng: Generator | None = None,
                  train: bool = False) -> Array:
        return params["table"][np.asarray(x)]


class Activation(Layer):
    """``Activation(fn)``: an elementwise (or last-axis) function as a layer."""

    def __init__(self, fn: Callable[[Array], Array]) -> None:
        self.fn = fn

    def apply(self, params: Params, x: Array, *, rng: Generator | None = None,
                  train: bool = False) -> Array:
        return self.fn(x)


def ReLU() -> Activation:  # noqa: N802 - layer constructors are capitalised
    return Activation(F.relu)


def Tanh() -> Activation:  # noqa: N802
    return Activation(F.tanh)


def Sigmoid() -> Activation:  # noqa: N802
    return Activation(F.sigmoid)


def GELU(approximate: bool = False) -> Activation:  # noqa: N802
    return Activation(lambda x: F.gelu(x, approximate))


def Softmax(axis: int | tuple[int, ...] = -1) -> Activation:  # noqa: N802
    return Activation(lambda x: F.softmax(x, axis))


class Sequential(Layer):
    """``Sequential(*layers)``: the layers applied in order; its params are a list with one
    entry per layer, and ``rng`` (for dropout) is passed to each.

    >>> import numpy as np
    >>> model = Sequential(Dense(4), ReLU(), Dense(2))
    >>> params = model.init(np.random.default_rng(0), (None, 3))
    >>> model.apply(params, np.ones((5, 3), np.float32)).shape
    (5, 2)
    """

    def __init__(self, *layers: Layer) -> None:
        self.layers = layers

    def init(self, rng: Generator, input_shape: InputShape) -> Params:
        params = []
        shape = tuple(input_shape)
        for layer in self.layers:
            params.append(layer.init(rng, shape))
            shape = layer.output_shape(shape)
        return params

    def output_shape(self, input_shape: InputShape) -> tuple[Any, ...]:
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.output_shape(shape)
        return shape

    def apply(self, params: Params, x: Array, *, rng: Generator | None = None,
                  train: bool = False) -> Array:
        for layer, p in zip(self.layers, params):
            x = layer.apply(p, x, rng=rng, train=train)
        return x
