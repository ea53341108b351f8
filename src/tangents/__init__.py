"""tangents: exact derivatives of ordinary NumPy code, with composable transforms.

>>> import numpy as np, tangents as tg
>>> tg.grad(lambda x: np.sum(np.tanh(x) ** 2))(np.zeros(3))
array([0., 0., 0.])
"""
from . import numpy  # noqa: F401  (registers the NumPy rules)
from . import _backends  # noqa: F401  (fills the core's backend hooks)
from . import tree
from .core import checkpoint
from .core import custom_jvp, custom_vjp, stop_gradient
from .core import elementwise_grad, hessian, hvp, jacfwd, jacobian, jacrev
from .core import LeakedTracerError
from .core import NoDerivativeRuleError, TracerConversionError
from .core import grad, jvp, linearize, value_and_grad, vjp, vmap
from .checking import check_grads
from .jit import jit
from . import nn, optim  # noqa: E402,F401

__version__ = "0.1.0"

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "linearize", "vmap", "jacrev", "jacfwd",
           "jacobian", "hessian", "hvp", "elementwise_grad", "custom_vjp", "custom_jvp",
           "checkpoint", "stop_gradient", "check_grads", "jit", "tree", "numpy",
           "NoDerivativeRuleError", "TracerConversionError", "LeakedTracerError"]
