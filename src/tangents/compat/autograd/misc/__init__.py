"""``autograd.misc``: ``flatten`` and the optimizers."""
from .flatten import flatten

__all__ = ["flatten"]
