"""autograd's public API on tangents: ``import tangents.compat.autograd as autograd`` and
``import tangents.compat.autograd.numpy as np`` run autograd code unchanged
(docs/autograd_migration.md says what differs).

>>> import tangents.compat.autograd as autograd
>>> import tangents.compat.autograd.numpy as np
>>> float(autograd.grad(lambda x: np.tanh(x))(0.0))
1.0
"""
from .builtins import dict, isinstance, list, tuple, type
from ._transforms import (checkpoint, deriv, elementwise_grad, grad, grad_and_aux, grad_named,
                          hessian, hessian_tensor_product, hessian_vector_product,
                          holomorphic_grad, jacobian, make_ggnvp, make_hvp, make_jvp,
                          make_jvp_reversemode, make_vjp, multigrad_dict,
                          tensor_jacobian_product, value_and_grad, vector_jacobian_product)
from .extend import primitive

__all__ = ["grad", "elementwise_grad", "value_and_grad", "grad_and_aux", "grad_named",
           "jacobian", "hessian", "make_vjp", "make_jvp", "make_jvp_reversemode", "make_hvp",
           "make_ggnvp", "hessian_tensor_product", "hessian_vector_product",
           "tensor_jacobian_product", "vector_jacobian_product", "holomorphic_grad", "deriv",
           "multigrad_dict", "checkpoint", "primitive", "dict", "isinstance", "list", "tuple",
           "type"]
