"""tangents.nn: stable activations, losses, convolutions and pure-function layers.

>>> import numpy as np, tangents as tg
>>> tg.grad(lambda z: tg.nn.cross_entropy(z, np.array([0])))(np.zeros((1, 2)))
array([[-0.5,  0.5]])
"""
from . import conv, functions, layers, losses, pooling  # noqa: F401
from .conv import *  # noqa: F401,F403
from .functions import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403

__all__ = (conv.__all__ + pooling.__all__ + functions.__all__ + layers.__all__
           + losses.__all__)
