"""Learning-rate schedules: plain callables of the step count (0 for the first update).

>>> sched = exponential_decay(0.1, decay_rate=0.5, decay_steps=10)
>>> float(sched(10))
0.05
"""
from __future__ import annotations

import math

__all__ = ["constant", "exponential_decay", "cosine_decay", "linear_warmup", "piecewise_constant",
           "warmup_cosine_decay"]


def constant(value):
    """``constant(value)``: ``value`` at every step."""
    return lambda step: value


def exponential_decay(init_value, decay_rate, decay_steps, staircase=False):
    """``init_value * decay_rate ** (step / decay_steps)`` (floored with ``staircase``)."""
    def schedule(step):
        p = step / decay_steps
        return init_value * decay_rate ** (math.floor(p) if staircase else p)
    return schedule


def cosine_decay(init_value, decay_steps, alpha=0.0):
    """Cosine from ``init_value`` down to ``alpha * init_value`` over ``decay_steps``, then flat.

    >>> cosine_decay(1.0, 10)(5)
    0.5
    """
    def schedule(step):
        p = min(step, decay_steps) / decay_steps
        return init_value * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * p)) + alpha)
    return schedule


def linear_warmup(peak_value, warmup_steps, init_value=0.0):
    """Linear from ``init_value`` to ``peak_value`` over ``warmup_steps``, then flat."""
    def schedule(step):
        p = min(step, warmup_steps) / warmup_steps if warmup_steps else 1.0
        return init_value + (peak_value - init_value) * p
    return schedule


def warmup_cosine_decay(peak_value, warmup_steps, decay_steps, end_value=0.0):
    """Linear warmup to ``peak_value``, then cosine decay to ``end_value`` at ``decay_steps``."""
    warm = linear_warmup(peak_value, warmup_steps)
    span = max(decay_steps - warmup_steps, 1)

    def schedule(step):
        if step < warmup_steps:
            return warm(step)
        p = min(step - warmup_steps, span) / span
        return end_value + (peak_value - end_value) * 0.5 * (1 + math.cos(math.pi * p))
    return schedule


def piecewise_constant(boundaries, values):
    """``values[i]`` for ``boundaries[i-1] <= step < boundaries[i]``
    (``len(values) == len(boundaries) + 1``).

    >>> piecewise_constant([10], [1.0, 0.1])(10)
    0.1
    """
    if len(values) != len(boundaries) + 1:
        raise ValueError("piecewise_constant: need len(values) == len(boundaries) + 1")

    def schedule(step):
        for b, v in zip(boundaries, values):
            if step < b:
                return v
        return values[-1]
    return schedule
