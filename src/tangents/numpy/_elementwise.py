"""Elementwise functions (NumPy ufuncs): each row declares the partial derivatives only;
the builder derives the JVP, VJP and batching rule.  Kinks follow docs/conventions.md.
NumPy's other elementwise names are here too: fabs (`absolute` in NumPy's float result
type), gcd, lcm, bitwise_count and bitwise_not (no derivative)."""
from __future__ import annotations

__all__ = ['add', 'subtract', 'negative', 'positive', 'multiply', 'true_divide', 'divide',
           'power', 'float_power', 'reciprocal', 'square', 'sqrt', 'cbrt', 'exp', 'exp2',
           'expm1', 'log', 'log2', 'log10', 'log1p', 'logaddexp', 'logaddexp2', 'sin', 'cos',
           'tan', 'arcsin', 'arccos', 'arctan', 'sinh', 'cosh', 'tanh', 'arcsinh', 'arccosh',
           'arctanh', 'arctan2', 'deg2rad', 'rad2deg', 'radians', 'degrees', 'hypot',
           'absolute', 'abs', 'maximum', 'minimum', 'fmax', 'fmin', 'remainder', 'mod', 'fmod',
           'floor_divide', 'sign', 'floor', 'ceil', 'trunc', 'rint', 'heaviside', 'signbit',
           'isnan', 'isinf', 'isfinite', 'equal', 'not_equal', 'less', 'less_equal', 'greater',
           'greater_equal', 'logical_and', 'logical_or', 'logical_xor', 'logical_not',
           'bitwise_and', 'bitwise_or', 'bitwise_xor', 'invert', 'where', 'safe_where', 'clip',
           'fabs', 'gcd', 'lcm', 'bitwise_count', 'bitwise_not']

import functools
import sys
from collections.abc import Callable
from typing import Any, Literal, cast, overload

import numpy as np

from ..core import Primitive, Tracer, batch_elementwise, batch_unary, bind, builders, sparsity
from ..typing import Array, ArrayLike
from ._dispatch import contains_tracer, dtype_of, implements, implements_ufunc, is_traced

Unary = Callable[[ArrayLike], Array]  # a differentiable or plain-valued ufunc of one array
Binary = Callable[[ArrayLike, ArrayLike], Array]  # ... of two
# (ans, x[, y]) -> a partial derivative, or the index of the argument that is one
Partial = Callable[..., Any] | int

_LN2 = np.log(2.0)
_LN10 = np.log(10.0)


# Plain arguments skip bind (which would only find no tracer and call the ufunc): rules
# at first order call these functions on plain arrays, once per node of every backward pass.
_PLAIN = frozenset((np.ndarray, float, int))


def _traced(prim: Primitive) -> Callable[..., Any]:
    """The ufunc handler of ``prim``: called by NumPy's dispatch (and the tracer's
    operators) only when an argument is traced, so it binds directly (a C-level partial,
    one Python call fewer per operation than the public function)."""
    return functools.partial(bind, prim)


def _unary(name: str, ufunc: np.ufunc, partial: Partial, doc: str | None = None
           ) -> tuple[Unary, Primitive]:
    prim = builders.elementwise(name, ufunc, partial)

    def fn(x: ArrayLike) -> Array:
        if type(x) is np.ndarray:
            return ufunc(x)
        if isinstance(x, Tracer):  # bind's search, for one argument: the tracer's own trace
            return x._trace.process(prim, (x,), {})
        return bind(prim, x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc or f"``{name}(x)``: NumPy's ``{ufunc.__name__}``, differentiable."
    implements_ufunc(ufunc)(_traced(prim))
    return fn, prim


def _binary(name: str, ufunc: np.ufunc, partial_x: Partial, partial_y: Partial,
            doc: str | None = None) -> tuple[Binary, Primitive]:
    prim = builders.elementwise(name, ufunc, partial_x, partial_y)

    def fn(x: ArrayLike, y: ArrayLike) -> Array:
        if type(x) in _PLAIN and type(y) in _PLAIN:
            return ufunc(x, y)
        return bind(prim, x, y)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc or f"``{name}(x, y)``: NumPy's ``{ufunc.__name__}`` with broadcasting."
    implements_ufunc(ufunc)(_traced(prim))
    return fn, prim


@overload
def _nondiff(name: str, ufunc: np.ufunc, nargs: Literal[1]) -> Unary: ...
@overload
def _nondiff(name: str, ufunc: np.ufunc, nargs: Literal[2]) -> Binary: ...
def _nondiff(name: str, ufunc: np.ufunc, nargs: int) -> Unary | Binary:
    prim = builders.nondifferentiable(
        name, ufunc, batch=batch_unary if nargs == 1 else batch_elementwise)
    if nargs == 1:
        def fn(x: ArrayLike, /) -> Array:
            return bind(prim, x)
    else:
        def fn(x1: ArrayLike, x2: ArrayLike, /) -> Array:  # type: ignore[misc]  # by nargs
            return bind(prim, x1, x2)

    # the ufunc's positional signature; Python's own arity error then names the op too
    # ("equal() takes 2 positional arguments but 3 were given")
    names: dict[str, Any] = {"co_name": name,
                             **({"co_qualname": name} if sys.version_info >= (3, 11) else {})}
    fn.__code__ = fn.__code__.replace(**names)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{name}``: NumPy's ``{ufunc.__name__}``; its result carries no derivative."
    implements_ufunc(ufunc)(fn)
    return fn


# -- arithmetic --------------------------------------------------------------------------
from ..core import add_p  # noqa: E402  (declared in the core, which needs it)


def add(x: ArrayLike, y: ArrayLike) -> Array:
    """``add(x, y)``: ``x + y`` with broadcasting."""
    if type(x) in _PLAIN and type(y) in _PLAIN:
        return np.add(x, y)
    return bind(add_p, x, y)


def _subtract_jvp(primals: Any, tangents: Any, ans: Any) -> Any:
    tx, ty = tangents
    if ty is None:
        return tx
    return bind(negative_p, ty) if tx is None else bind(subtract_p, tx, ty)


subtract_p = Primitive("subtract", np.subtract)
subtract_p.def_vjp(lambda ct, ans, x, y: ct, lambda ct, ans, x, y: -ct)
subtract_p.def_jvp(joint=_subtract_jvp)  # one subtraction, not an addition of a negation
subtract_p.def_batch(batch_elementwise(subtract_p))
subtract_p.def_sparsity(sparsity.union("linear"))


def subtract(x: ArrayLike, y: ArrayLike) -> Array:
    """``subtract(x, y)``: ``x - y`` with broadcasting."""
    if type(x) in _PLAIN and type(y) in _PLAIN:
        return np.subtract(x, y)
    return bind(subtract_p, x, y)


negative_p = builders.linear("negative", np.negative, lambda ct, x: -ct, batch_unary)
negative_p.def_sparsity(sparsity.union("linear"))


def negative(x: ArrayLike) -> Array:
    """``negative(x)``: ``-x``."""
    return np.negative(x) if type(x) is np.ndarray else bind(negative_p, x)


for _ufunc, _prim in ((np.add, add_p), (np.subtract, subtract_p), (np.negative, negative_p)):
    implements_ufunc(_ufunc)(_traced(_prim))
del _ufunc, _prim


@implements_ufunc(np.positive)
def positive(x: ArrayLike) -> Array:
    """``positive(x)``: ``+x`` (the value itself); booleans raise, as in NumPy."""
    if not is_traced(x):
        return np.positive(x)  # NumPy's copy, a scalar for 0-d input
    if dtype_of(x).kind == "b":
        raise TypeError("positive: boolean input has no unary +, as in NumPy; use "
                        "x.astype(int) or x itself")
    return cast(Array, x)  # traced


multiply, multiply_p = _binary("multiply", np.multiply, 1, 0)  # d(x y)/dx = y, d/dy = x
for _p in (subtract_p, multiply_p):  # rules: ct, -ct, ct * y: Python scalars are fine
    _p.scalar_safe_rules = True
del _p
multiply_p.def_sparsity(sparsity.union("bilinear"))
true_divide, divide_p = _binary("divide", np.true_divide,
                                lambda ans, x, y: 1 / y, lambda ans, x, y: -ans / y)
divide = true_divide
divide_p.def_sparsity(sparsity.union("second"))  # d2(x / y)/dx2 = 0


def _power_dx(ans: Any, x: Any, y: Any) -> Any:
    # d x**y / dx = y x**(y-1); 0 (not 0 * inf) at y == 0 == x.  Only that point is masked,
    # so at y == 0 its own derivative in y stays x**(y-1) (a symmetric Hessian)
    if not is_traced(y) and np.all(np.not_equal(y, 0)):  # a constant exponent: no mask;
        return y if np.all(np.equal(y, 1)) else y * power(x, y - 1)  # x**0 == 1, nan too
    at = equal(y, 0) & equal(x, 0)
    return where(at, 0.0, y * power(x, where(at, 1.0, y) - 1))


def _power_dy(ans: Any, x: Any, y: Any) -> Any:
    # d x**y / dy = log(x) x**y; 0 at x == 0 (the limit for y > 0), nan for x < 0
    safe_x = where(equal(x, 0), 1.0, x)
    return where(equal(x, 0), 0.0, log(safe_x) * ans)


power, power_p = _binary("power", np.power, _power_dx, _power_dy)
float_power, float_power_p = _binary("float_power", np.float_power, _power_dx, _power_dy)
reciprocal, reciprocal_p = _unary("reciprocal", np.reciprocal, lambda ans, x: -ans * ans)
square, square_p = _unary("square", np.square, lambda ans, x: 2 * x)
sqrt, sqrt_p = _unary("sqrt", np.sqrt, lambda ans, x: 0.5 / ans)
cbrt, cbrt_p = _unary("cbrt", np.cbrt, lambda ans, x: 1 / (3 * ans * ans))

# -- exponentials and logarithms ---------------------------------------------------------
exp, exp_p = _unary("exp", np.exp, lambda ans, x: ans)
exp2, exp2_p = _unary("exp2", np.exp2, lambda ans, x: ans * _LN2)
expm1, expm1_p = _unary("expm1", np.expm1, lambda ans, x: ans + 1)
log, log_p = _unary("log", np.log, lambda ans, x: 1 / x)
log2, log2_p = _unary("log2", np.log2, lambda ans, x: 1 / (x * _LN2))
log10, log10_p = _unary("log10", np.log10, lambda ans, x: 1 / (x * _LN10))
log1p, log1p_p = _unary("log1p", np.log1p, lambda ans, x: 1 / (1 + x))


def _sigmoid_impl(x: Any) -> Any:
    dt = getattr(x, "dtype", None)
    half = dt.type(0.5) if dt is not None and dt.kind in "fc" else 0.5
    out = np.multiply(x, half)  # (1 + tanh(x / 2)) / 2: no overflow for any x
    if type(out) is not np.ndarray:  # a NumPy scalar, or a lazy array (Dask)
        return half * (np.tanh(out) + 1)
    np.tanh(out, out=out)
    out += 1
    out *= half
    return out


sigmoid_p = builders.elementwise("sigmoid", _sigmoid_impl, lambda ans, x: ans * (1 - ans))


def _logaddexp_partial(ans: Any, x: Any, y: Any) -> Any:
    # d logaddexp(x, y) / dx = exp(x - ans) = sigmoid(x - y).  On plain arrays the first form
    # is cheaper; on traced ones the second, whose derivative needs no tangent of ans (under
    # forward-over-reverse that tangent is an extra pass over the whole batch of tangents).
    if not isinstance(ans, Tracer) and not isinstance(x, Tracer):
        return exp(x - ans)
    return bind(sigmoid_p, x - y)


logaddexp, logaddexp_p = _binary("logaddexp", np.logaddexp, _logaddexp_partial,
                                 lambda ans, x, y: _logaddexp_partial(ans, y, x))
logaddexp2, logaddexp2_p = _binary("logaddexp2", np.logaddexp2,
                                   lambda ans, x, y: exp2(x - ans), lambda ans, x, y: exp2(y - ans))

# -- trigonometric and hyperbolic --------------------------------------------------------
cos: Unary  # (its declared type, for the rules above its definition)
cosh: Unary
sin, sin_p = _unary("sin", np.sin, lambda ans, x: cos(x))
cos, cos_p = _unary("cos", np.cos, lambda ans, x: -sin(x))
tan, tan_p = _unary("tan", np.tan, lambda ans, x: 1 + ans * ans)
arcsin, arcsin_p = _unary("arcsin", np.arcsin, lambda ans, x: 1 / sqrt(1 - x * x))
arccos, arccos_p = _unary("arccos", np.arccos, lambda ans, x: -1 / sqrt(1 - x * x))
arctan, arctan_p = _unary("arctan", np.arctan, lambda ans, x: 1 / (1 + x * x))
sinh, sinh_p = _unary("sinh", np.sinh, lambda ans, x: cosh(x))
cosh, cosh_p = _unary("cosh", np.cosh, lambda ans, x: sinh(x))
tanh, tanh_p = _unary("tanh", np.tanh, lambda ans, x: 1 - ans * ans)
arcsinh, arcsinh_p = _unary("arcsinh", np.arcsinh, lambda ans, x: 1 / sqrt(x * x + 1))
arccosh, arccosh_p = _unary("arccosh", np.arccosh, lambda ans, x: 1 / sqrt(x * x - 1))
arctanh, arctanh_p = _unary("arctanh", np.arctanh, lambda ans, x: 1 / (1 - x * x))
arctan2, arctan2_p = _binary("arctan2", np.arctan2,
                             lambda ans, y, x: x / (x * x + y * y),
                             lambda ans, y, x: -y / (x * x + y * y))
deg2rad, deg2rad_p = _unary("deg2rad", np.deg2rad, lambda ans, x: np.pi / 180)
rad2deg, rad2deg_p = _unary("rad2deg", np.rad2deg, lambda ans, x: 180 / np.pi)
radians, degrees = deg2rad, rad2deg
deg2rad_p.def_sparsity(sparsity.union("linear"))
rad2deg_p.def_sparsity(sparsity.union("linear"))


def _safe_ratio(num: Any, den: Any) -> Any:
    # num / den, 0 where den == 0 (the hypot/norm convention at the origin)
    zero = equal(den, 0)
    return where(zero, 0.0, num / where(zero, 1.0, den))


hypot, hypot_p = _binary("hypot", np.hypot,
                         lambda ans, x, y: _safe_ratio(x, ans),
                         lambda ans, x, y: _safe_ratio(y, ans))

# -- kinks: ties share equally, 0 at the kink of abs/sign (docs/conventions.md) -----------
def _abs_partial(ans: Any, x: Any) -> Any:
    # d|x| = sign(x) for real x (0 at 0); for complex z, conj(z) / |z| under tangents'
    # (JAX's) convention that a VJP is the plain transpose of the JVP; 0 at z == 0
    if dtype_of(x).kind != "c":
        return sign(x)
    from ._complex import conj
    zero = equal(ans, 0)
    return where(zero, 0.0, conj(x) / where(zero, 1.0, ans))


absolute, absolute_p = _unary("absolute", np.absolute, _abs_partial)
abs = absolute  # noqa: A001 - NumPy's name
absolute_p.def_sparsity(lambda op: sparsity.union(  # |x| is piecewise linear, |z| is not
    "nonlinear" if dtype_of(op.vals[0]).kind == "c" else "linear")(op))


def _max_share(x: Any, y: Any) -> Any:
    # share of the cotangent that maximum(x, y) sends to x: 1, 1/2 on ties, 0
    return greater(x, y) + 0.5 * equal(x, y)


maximum, maximum_p = _binary("maximum", np.maximum,
                             lambda ans, x, y: _max_share(x, y),
                             lambda ans, x, y: _max_share(y, x))
minimum, minimum_p = _binary("minimum", np.minimum,
                             lambda ans, x, y: _max_share(y, x),
                             lambda ans, x, y: _max_share(x, y))
# fmax/fmin ignore NaN: the cotangent goes to the non-NaN argument
fmax, fmax_p = _binary("fmax", np.fmax,
                       lambda ans, x, y: _max_share(x, y) + isnan(y),
                       lambda ans, x, y: _max_share(y, x) + isnan(x))
fmin, fmin_p = _binary("fmin", np.fmin,
                       lambda ans, x, y: _max_share(y, x) + isnan(y),
                       lambda ans, x, y: _max_share(x, y) + isnan(x))
for _p in (maximum_p, minimum_p, fmax_p, fmin_p):  # piecewise linear
    _p.def_sparsity(sparsity.union("linear"))
del _p

# x mod y = x - floor(x / y) * y: derivative 1 in x and -floor(x / y) in y, away from jumps
remainder, remainder_p = _binary("remainder", np.remainder,
                                 lambda ans, x, y: 1.0, lambda ans, x, y: -floor_divide(x, y))
mod = remainder
fmod, fmod_p = _binary("fmod", np.fmod,
                       lambda ans, x, y: 1.0, lambda ans, x, y: -trunc(true_divide(x, y)))

# -- zero derivative and non-numeric results ---------------------------------------------
floor_divide: Binary = _nondiff("floor_divide", np.floor_divide, 2)
sign = _nondiff("sign", np.sign, 1)
floor = _nondiff("floor", np.floor, 1)
ceil = _nondiff("ceil", np.ceil, 1)
trunc: Unary = _nondiff("trunc", np.trunc, 1)
rint = _nondiff("rint", np.rint, 1)
heaviside = _nondiff("heaviside", np.heaviside, 2)
signbit = _nondiff("signbit", np.signbit, 1)
isnan: Unary = _nondiff("isnan", np.isnan, 1)
isinf = _nondiff("isinf", np.isinf, 1)
isfinite = _nondiff("isfinite", np.isfinite, 1)
equal = _nondiff("equal", np.equal, 2)
not_equal = _nondiff("not_equal", np.not_equal, 2)
less = _nondiff("less", np.less, 2)
less_equal = _nondiff("less_equal", np.less_equal, 2)
greater = _nondiff("greater", np.greater, 2)
greater_equal = _nondiff("greater_equal", np.greater_equal, 2)
logical_and = _nondiff("logical_and", np.logical_and, 2)
logical_or = _nondiff("logical_or", np.logical_or, 2)
logical_xor = _nondiff("logical_xor", np.logical_xor, 2)
logical_not = _nondiff("logical_not", np.logical_not, 1)
bitwise_and = _nondiff("bitwise_and", np.bitwise_and, 2)
bitwise_or = _nondiff("bitwise_or", np.bitwise_or, 2)
bitwise_xor = _nondiff("bitwise_xor", np.bitwise_xor, 2)
invert = _nondiff("invert", np.invert, 1)


# -- where -------------------------------------------------------------------------------
where_p = Primitive("where", np.where)
where_p.def_vjp(None,
                lambda ct, ans, c, x, y: where(c, ct, 0.0),
                lambda ct, ans, c, x, y: where(c, 0.0, ct))
where_p.def_jvp(None,
                lambda t, ans, c, x, y: where(c, t, 0.0),
                lambda t, ans, c, x, y: where(c, 0.0, t))
where_p.def_batch(batch_elementwise(where_p))
where_p.def_sparsity(sparsity.union("linear"))


@overload
def where(condition: ArrayLike, x: None = None, y: None = None) -> tuple[Array, ...]: ...
@overload
def where(condition: ArrayLike, x: ArrayLike, y: ArrayLike) -> Array: ...
@implements(np.where)
def where(condition: ArrayLike, x: ArrayLike | None = None, y: ArrayLike | None = None
          ) -> Array | tuple[Array, ...]:
    """``where(condition, x, y)``: elements of ``x`` where ``condition`` holds, else ``y``.

    The branch not taken gets a zero cotangent (forward mode drops its tangent), and a zero
    times an inf/nan partial derivative is 0 in elementwise rules, so a branch that is inf/nan
    where it is not taken leaves no trace in any mode (docs/conventions.md).

    >>> where(np.array([True, False]), 1.0, np.zeros(2))
    array([1., 0.])
    """
    if x is None and y is None:
        from ._indexing import nonzero
        return nonzero(condition)
    if x is None or y is None:
        raise ValueError("where: either both or neither of x and y should be given")
    return bind(where_p, condition, x, y)


def safe_where(condition: ArrayLike, x: ArrayLike, true_fn: Callable[[Array], ArrayLike],
               false_fn: Callable[[Array], ArrayLike], *, true_at: ArrayLike = 1.0,
               false_at: ArrayLike = 1.0) -> Array:
    """``where(condition, true_fn(x), false_fn(x))`` whose derivatives are never poisoned by
    the branch not taken.

    ``where`` gives the untaken branch a zero cotangent, and elementwise rules keep it zero
    even against an inf derivative, but a non-elementwise rule in that branch (``a @ b`` with
    an inf ``b``) can still turn it into nan.  The double-where pattern, which this function
    packages, rules that out: each branch is evaluated only where it is taken, and at a safe
    point (``true_at``, ``false_at``, where that branch is finite) elsewhere.

    >>> safe_where(np.array([2.0, 0.0]) > 0, np.array([2.0, 0.0]), log, lambda x: x * 0)
    array([0.69314718, 0.        ])
    """
    x_true = where(condition, x, true_at)
    x_false = where(condition, false_at, x)
    return where(condition, true_fn(x_true), false_fn(x_false))


@implements(np.clip)
def clip(a: ArrayLike, a_min: ArrayLike | None = None, a_max: ArrayLike | None = None,  # noqa: A002
         out: None = None, *, min: ArrayLike | None = None, max: ArrayLike | None = None,
         **kwargs: Any) -> Array:
    """``clip(a, a_min=None, a_max=None, *, min=None, max=None)``:
    ``minimum(maximum(a, a_min), a_max)``; the standard's ``min``/``max`` keywords name the
    same bounds.  At a bound the cotangent is shared equally between ``a`` and the bound (as
    for maximum/minimum); with neither bound, the values of ``a`` unchanged (as NumPy 2).

    >>> clip(np.array([-2.0, 0.5, 3.0]), min=0.0, max=1.0)
    array([0. , 0.5, 1. ])
    """
    if out is not None or kwargs:
        raise TypeError("clip: out= and ufunc keywords are not supported on traced values")
    for pos, kw, bound in (("a_min", "min", min), ("a_max", "max", max)):
        if bound is not None and (a_min if pos == "a_min" else a_max) is not None:
            raise TypeError(f"clip: {pos} and {kw} name the same bound; give one of them")
    a_min = min if a_min is None else a_min
    a_max = max if a_max is None else a_max
    if a_min is None and a_max is None:
        if type(a) in (list, tuple) and contains_tracer(a):
            from ._creation import asarray
            a = asarray(a)
        if isinstance(a, Tracer):
            from ._creation import copy
            return copy(a)  # a new traced value, as NumPy returns a new array
        return np.clip(a)
    if a_min is not None:
        a = maximum(a, a_min)
    if a_max is not None:
        a = minimum(a, a_max)
    return cast(Array, a)  # a bound was applied


# -- NumPy's other elementwise names ---------------------------------------------------
gcd = _nondiff("gcd", np.gcd, 2)
lcm = _nondiff("lcm", np.lcm, 2)
if hasattr(np, "bitwise_count"):  # NumPy 2.0+
    bitwise_count = _nondiff("bitwise_count", np.bitwise_count, 1)
else:
    __all__.remove("bitwise_count")
bitwise_not = invert
implements_ufunc(np.degrees)(rad2deg)
implements_ufunc(np.radians)(deg2rad)


@implements_ufunc(np.fabs)
def fabs(x: ArrayLike) -> Array:
    """``fabs(x)``: absolute value of real ``x`` (derivative ``sign(x)``, 0 at 0).

    >>> fabs(np.array([-1.5]))
    array([1.5])
    """
    if not is_traced(x):
        return np.fabs(x)  # plain arrays: NumPy's own (ints become float16/32/64 as NumPy's)
    if dtype_of(x).kind == "c":
        raise TypeError(f"fabs: complex input ({dtype_of(x)}) is not supported, as in NumPy; "
                        "use tnp.abs for the modulus")
    out_dtype = np.fabs(np.zeros((), dtype_of(x))).dtype  # NumPy's loop: float for int/bool
    from ._creation import astype
    return absolute(x if dtype_of(x) == out_dtype else astype(x, out_dtype))
