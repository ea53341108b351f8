"""Learning-rate schedules: plain callables of the step count (0 for the first update).

>>> sched = exponential_decay(0.1, decay_rate=0.5, decay_steps=10)
>>> float(sched(10))
0.05
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

__all__ = ["constant", "exponential_decay", "cosine_decay", "linear_warmup", "piecewise_constant",
           "warmup_cosine_decay"]

Schedule = Callable[[int], float]  # the learning rate at a step count


def constant(value: float) -> Schedule:
    """``constant(value)``: ``value`` at every step."""
    return lambda step: value


def exponential_decay(init_value: float, decay_rate: float, decay_steps: int,
                      staircase: bool = False) -> Schedule:
    """``init_value * decay_rate ** (step / decay_steps)`` (floored with ``staircase``)."""
    def schedule(step: int) -> float:
        p = step / decay_steps
        return init_value * decay_rate ** (math.floor(p) if staircase else p)
    return schedule


def cosine_decay(init_value: float, decay_steps: int, alpha: float = 0.0) -> Schedule:
    """Cosine from ``init_value`` down to ``alpha * init_value`` over ``decay_steps``, then flat.

    >>> cosine_decay(1.0, 10)(5)
    0.5
    """
    def schedule(step: int) -> float:
        p = min(step, decay_steps) / decay_steps
        return init_value * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * p)) + alpha)
    return schedule


def linear_warmup(peak_value: float, warmup_steps: int, init_value: float = 0.0) -> Schedule:
    """Linear from ``init_value`` to ``peak_value`` over ``warmup_steps``, then flat."""
    def schedule(step: int) -> float:
        p = min(step, warmup_steps) / warmup_steps if warmup_steps else 1.0
        return init_value + (peak_value - init_value) * p
    return schedule


def warmup_cosine_decay(peak_value: float, warmup_steps: int, decay_steps: int,
                        end_value: float = 0.0) -> Schedule:
    """Linear warmup to ``peak_value``, then cosine decay to ``end_value`` at ``decay_steps``."""
    warm = linear_warmup(peak_value, warmup_steps)
    span = max(decay_steps - warmup_steps, 1)

    def schedule(step: int) -> float:
        if step < warmup_steps:
            return warm(step)
        p = min(step - warmup_steps, span) / span
        return end_value + (peak_value - end_value) * 0.5 * (1 + math.cos(math.pi * p))
    return schedule


def piecewise_constant(boundaries: Sequence[int], values: Sequence[float]) -> Schedule:
    """``values[i]`` for ``boundaries[i-1] <= step < boundaries[i]``
    (``len(values) == len(boundaries) + 1``).

    >>> piecewise_constant([10], [1.0, 0.1])(10)
    0.1
    """
    if len(values) != len(boundaries) + 1:
        raise ValueError("piecewise_constant: need len(values) == len(boundaries) + 1")

    def schedule(step: int) -> float:
        for b, v in zip(boundaries, values):
            if step < b:
                return v
        return values[-1]
    return schedule
