"""The core's public seam: what the NumPy layer, nn, scipy and optim may use.

Declaring a primitive: `Primitive`, `bind`, the rule builders (`builders.elementwise`,
`builders.linear`, `builders.nondifferentiable`), the sparsity rule builders (`sparsity.union`,
`sparsity.movement`, ...) and the batching helpers a rule may use
(`move_bdim`, `batch_elementwise`, `batch_unary`, `batch_axis_op`, `batch_matrices`,
`batch_by_loop`).  Dispatch of NumPy's functions on traced values: `Tracer` and the
handler tables.  The primitives the interpreters themselves bind (`add_p`, `sum_p`, ...)
are declared here and re-exported by the NumPy layer.  See docs/architecture.md.
"""
from . import builders, sparsity
from .aliasing import is_view, layout, record_view, reshaped_layout
from .checkpoint import checkpoint
from .custom import custom_jvp, custom_vjp, stop_gradient
from .jacobians import elementwise_grad, hessian, hvp, jacfwd, jacobian, jacrev
from .shapes import contains_tracer, dtype_of, shape_of
from .primitive import Primitive, bind, new_level, registry
from .prims import (
    add_p,
    astype_p,
    batch_axis_op,
    batch_by_loop,
    batch_elementwise,
    batch_matrices,
    batch_unary,
    broadcast_to_p,
    concatenate_p,
    expand_reduced,
    keepdims_shape,
    move_bdim,
    real_p,
    split_bounds,
    reduced_shape,
    reduction_blocks,
    reshape_p,
    split_p,
    sum_p,
    transpose_p,
    unbroadcast,
)
from .trace import ConcreteTracer, LeakedTracerError, Trace
from . import tree
from .tracer import (
    NoDerivativeRuleError,
    Tracer,
    TracerConversionError,
    backend,
    check_subclass,
    function_handlers,
    primal_value,
    ufunc_handlers,
    ufunc_method_handlers,
    ufunc_prims,
)
from .transforms import grad, jvp, linearize, value_and_grad, vjp, vmap

__all__ = [
    "builders", "sparsity", "Primitive", "bind", "new_level", "registry",
    "move_bdim", "batch_elementwise", "batch_unary", "batch_axis_op", "batch_matrices",
    "batch_by_loop",
    "add_p", "sum_p", "reshape_p", "transpose_p", "broadcast_to_p", "astype_p", "real_p",
    "concatenate_p", "split_p", "split_bounds", "unbroadcast", "expand_reduced", "keepdims_shape",
    "reduced_shape", "reduction_blocks",
    "Tracer", "TracerConversionError", "NoDerivativeRuleError", "LeakedTracerError", "Trace",
    "ConcreteTracer",
    "function_handlers", "ufunc_handlers", "ufunc_method_handlers", "ufunc_prims",
    "check_subclass",
    "primal_value", "backend", "shape_of", "dtype_of", "contains_tracer",
    "record_view", "is_view", "layout", "reshaped_layout",
    "grad", "value_and_grad", "vjp", "jvp", "linearize", "vmap", "jacrev", "jacfwd",
    "jacobian", "hessian", "hvp", "elementwise_grad", "custom_vjp", "custom_jvp",
    "checkpoint", "stop_gradient",
]
