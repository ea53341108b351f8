"""Errors name the operation and say what to do instead."""
import re

import numpy as np
import pytest
from harness import TOL

import tangents as tg
from tangents.core.tracer import function_handlers, ufunc_handlers

X = np.array([0.3, -0.7, 1.2])

TRANSFORMS = {  # name -> a call of the transform on a function of one argument
    "grad": lambda fun, x: tg.grad(lambda a: np.sum(fun(a)))(x),
    "jvp": lambda fun, x: tg.jvp(fun, (x,), (x,)),
    "vjp": lambda fun, x: tg.vjp(fun, x),
    "linearize": lambda fun, x: tg.linearize(fun, x),
    "vmap": lambda fun, x: tg.vmap(fun)(x),
}


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_matrix_argument_names_asarray(name):
    m = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(TypeError, match=r"matrix.*np\.asarray"):
        TRANSFORMS[name](lambda a: a * 2.0, m)


def test_grad_of_non_scalar_output_suggests_alternatives():
    with pytest.raises(TypeError) as e:
        tg.grad(lambda x: x * 2.0)(X)
    msg = str(e.value)
    assert "scalar" in msg and "(3,)" in msg
    for fix in ("jacrev", "vjp", "elementwise_grad"):
        assert fix in msg
    with pytest.raises(TypeError, match="jacrev"):
        tg.grad(lambda x: (np.sum(x), np.sum(x)))(X)


def test_grad_of_complex_output():
    with pytest.raises(TypeError, match="real"):
        tg.grad(lambda x: x * 1j)(1.0)


@pytest.mark.parametrize("arg", [3, np.arange(3), np.array(True), [1, 2], np.int32(2)],
                         ids=["int", "int-array", "bool", "int-list", "int32"])
def test_integer_or_bool_argument_suggests_astype(arg):
    with pytest.raises(TypeError, match=r"astype\(float\)"):
        tg.grad(lambda x: np.sum(x * 2.0))(arg)
    with pytest.raises(TypeError, match=r"astype\(float\)"):
        tg.jvp(lambda x: x * 2.0, (arg,), (arg,))
    with pytest.raises(TypeError, match=r"astype\(float\)"):
        tg.vjp(lambda x: x * 2.0, arg)


def test_integer_argument_not_differentiated_is_fine():
    assert tg.grad(lambda x, n: x ** n)(2.0, 3) == pytest.approx(12.0)


@pytest.mark.parametrize("arg", [np.array([1.0, None], dtype=object), np.array(["a", "b"]),
                                 np.array([b"a"]), "text", object()],
                         ids=["object", "str", "bytes", "python-str", "object()"])
def test_object_and_string_arguments_raise_type_error(arg):
    with pytest.raises(TypeError, match="grad"):
        tg.grad(lambda x: x)(arg)


def test_argnums_out_of_range_is_value_error():
    with pytest.raises(ValueError, match=r"argnums=2.*2 positional"):
        tg.grad(lambda a, b: a * b, argnums=2)(1.0, 2.0)
    with pytest.raises(ValueError, match="argnums"):
        tg.value_and_grad(lambda a: a, argnums=-2)(1.0)
    with pytest.raises(ValueError, match="argnums"):
        tg.jacrev(lambda a: a, argnums=1)(X)
    with pytest.raises(ValueError, match="argnums"):
        tg.jacfwd(lambda a: a, argnums=(0, 1))(X)


def _first_unregistered(table, candidates):
    for c in candidates:
        if c not in table:
            return c
    pytest.fail(f"every candidate {candidates} now has a rule; pick another unsupported one")


def test_numpy_function_without_rule_names_it_and_custom_vjp():
    fn = _first_unregistered(function_handlers, [np.polyfit, np.unwrap, np.i0, np.piecewise,
                                                 np.shares_memory])
    args = {np.polyfit: lambda x: (x, x, 1), np.unwrap: lambda x: (x,), np.i0: lambda x: (x,),
            np.piecewise: lambda x: (x, [x > 0], [1.0]),
            np.shares_memory: lambda x: (x, x)}[fn]
    for call in TRANSFORMS.values():
        with pytest.raises(tg.NoDerivativeRuleError) as e:
            call(lambda a: fn(*args(a)), X)
        msg = str(e.value)
        assert f"numpy.{fn.__name__}" in msg and "tg.custom_vjp" in msg


def test_ufunc_without_rule_names_it(monkeypatch):
    monkeypatch.delitem(ufunc_handlers, np.spacing, raising=False)  # as if it had no rule
    with pytest.raises(tg.NoDerivativeRuleError, match=r"numpy\.spacing.*custom_vjp"):
        tg.grad(lambda a: np.sum(np.spacing(a)))(X)
    with pytest.raises(tg.NoDerivativeRuleError, match=r"numpy\.hypot\.accumulate"):
        tg.grad(lambda a: np.sum(np.hypot.accumulate(a)))(X)


def test_array_method_without_rule_names_it(monkeypatch):
    monkeypatch.delitem(function_handlers, np.clip, raising=False)
    with pytest.raises(tg.NoDerivativeRuleError, match=r"ndarray\.clip.*custom_vjp"):
        tg.grad(lambda a: np.sum(a.clip(0.0, 1.0)))(X)


def test_no_derivative_rule_error_is_a_type_error():
    assert issubclass(tg.NoDerivativeRuleError, TypeError)
    assert issubclass(tg.TracerConversionError, TypeError)


CONVERSIONS = {
    "np.asarray": lambda x: np.asarray(x),
    "np.array": lambda x: np.array(x),
    "float": lambda x: float(np.sum(x)),
    "int": lambda x: int(np.sum(x)),
    ".item": lambda x: np.sum(x).item(),
    ".tolist": lambda x: x.tolist(),
    "slice write": lambda x: _write_slice(x),
    "row write": lambda x: _write_row(x),
}


def _write_slice(x):
    buf = np.zeros(3)
    buf[:] = x
    return buf


def _write_row(x):
    buf = np.zeros((2, 3))
    buf[0] = x
    return buf


@pytest.mark.parametrize("name", sorted(CONVERSIONS))
@pytest.mark.parametrize("transform", ["grad", "jvp", "vmap"])
def test_tracer_conversion_error_explains_fix(name, transform):
    conv = CONVERSIONS[name]
    fun = lambda x: np.sum(x * conv(x))
    with pytest.raises(tg.TracerConversionError) as e:
        if transform == "grad":
            tg.grad(fun)(X)
        elif transform == "jvp":
            tg.jvp(fun, (X,), (X,))
        else:
            tg.vmap(fun)(np.stack([X, X]))
    msg = str(e.value)
    assert "derivative" in msg and "stop_gradient" in msg and "np.stack" in msg


def test_writing_a_traced_scalar_into_an_ndarray_element():
    # NumPy's element assignment replaces the error with "setting an array element with a
    # sequence" (any object with __getitem__ counts as a sequence there); our explanation
    # stays attached as its cause, shown first in the traceback.
    def fun(x):
        buf = np.zeros(3)
        buf[0] = x
        return np.sum(buf)
    with pytest.raises((tg.TracerConversionError, ValueError)) as e:
        tg.grad(fun)(1.0)
    err = e.value
    if not isinstance(err, tg.TracerConversionError):
        assert isinstance(err.__cause__, tg.TracerConversionError)
        assert "stop_gradient" in str(err.__cause__)


def test_setitem_on_tracer_is_not_silent():
    # either differentiated correctly (in-place support) or a clear error; never a wrong value
    def fun(x):
        y = x * 1.0
        y[0] = 5.0
        return np.sum(y * x)
    try:
        g = tg.grad(fun)(X)
    except TypeError as e:
        assert "np.where" in str(e) or "at(" in str(e)
    else:
        np.testing.assert_allclose(g, [5.0, 2 * X[1], 2 * X[2]])


def test_vmap_errors():
    with pytest.raises(ValueError, match="different sizes"):
        tg.vmap(lambda a, b: a + b)(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="axis_size"):
        tg.vmap(lambda a: a, in_axes=None)(np.ones(2))
    with pytest.raises(ValueError, match="out of range"):
        tg.vmap(lambda a: a, in_axes=2)(np.ones((2, 3)))
    with pytest.raises(ValueError, match="in_axes"):
        tg.vmap(lambda a, b: a, in_axes=(0, 0, 0))(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="out_axes=None"):
        tg.vmap(lambda a: a, out_axes=None)(np.ones(2))
    with pytest.raises(TypeError, match="np.where"):
        tg.vmap(lambda a: a if a > 0 else -a)(np.ones(2))


def test_custom_rule_errors():
    with pytest.raises(TypeError, match="defvjp"):
        tg.custom_vjp(lambda x: x)(1.0)
    with pytest.raises(TypeError, match="defjvp"):
        tg.custom_jvp(lambda x: x)(1.0)

    @tg.custom_vjp
    def bad(x):
        return x
    bad.defvjp(lambda x: (x, None), lambda res, ct: ct)
    with pytest.raises(TypeError, match="bad.*one cotangent per argument"):
        tg.grad(bad)(1.0)


def test_np_vectorize_on_traced_values_points_to_tnp_vectorize():
    with pytest.raises(tg.TracerConversionError, match="tangents.numpy.vectorize"):
        tg.grad(lambda x: np.sum(np.vectorize(lambda a: a * 2.0)(x)))(np.ones(3))


def test_scipy_ufunc_without_rule_is_named_as_scipy():
    sp = pytest.importorskip("scipy.special")
    with pytest.raises(tg.NoDerivativeRuleError, match="scipy.special.struve"):
        tg.grad(lambda x: np.sum(sp.struve(1, x)))(np.ones(2))


def test_scipy_ufunc_dispatches_without_importing_tangents_scipy_first():
    sp = pytest.importorskip("scipy.special")
    g = tg.grad(lambda x: np.sum(sp.erf(x)))(np.zeros(2))
    np.testing.assert_allclose(g, 2 / np.sqrt(np.pi))


def test_vmap_maps_keyword_arguments_along_axis_0():
    out = tg.vmap(lambda x, *, scale: x * scale)(np.ones((3, 2)), scale=np.arange(3.0))
    np.testing.assert_allclose(out, np.arange(3.0)[:, None] * np.ones((3, 2)))


def test_leaked_tracer_error_is_public():
    leaked = []
    tg.grad(lambda x: leaked.append(x) or np.sum(x))(np.ones(2))
    with pytest.raises(tg.LeakedTracerError):
        np.sin(leaked[0])


def test_list_input_that_the_function_treats_as_an_array_says_so():
    # a list is a pytree of scalars; x ** 2 on it fails, and the error says why
    f = lambda x: np.sum(x ** 2)  # noqa: E731
    for x in ([1.0, 2.0], [[1.0, 2.0], [3.0]]):
        with pytest.raises(TypeError, match=r"grad: argument 0 of .*<lambda> is a Python list "
                           r"of \d numbers.*pytree.*np\.asarray"):
            tg.grad(f)(x)
    with pytest.raises(tg.TracerConversionError, match=r"argument 1 of .*\bg is a Python list"):
        def g(a, b):
            return np.sum(np.asarray(b) * a)
        tg.grad(g, argnums=(0, 1))(1.0, [1.0, 2.0])
    np.testing.assert_allclose(tg.grad(f)(np.asarray([1.0, 2.0])), [2.0, 4.0])
    # a list the function does use as a pytree differentiates leaf by leaf
    assert tg.grad(lambda p: p[0] * p[1])([2.0, 3.0]) == [3.0, 2.0]


def test_matmul_shape_mismatch_names_both_shapes():
    for product in (lambda x: x @ np.ones((2, 5)), lambda x: np.dot(x, np.ones(4)),
                    lambda x: np.matmul(x, np.ones((4, 1)))):
        with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \((2, 5|4,|4, 1)\)"):
            tg.grad(lambda x: np.sum(product(x)))(np.ones((2, 3)))


def test_format_spec_prints_the_value_under_the_tracer():
    lines = []

    def f(x):
        loss = np.sum(x ** 2)
        lines.append(f"{loss:.3f} {x[0]:5.1f}")
        return loss
    tg.grad(f)(np.array([1.0, 2.0]))
    tg.hessian(f)(np.array([1.0, 2.0]))
    assert lines == ["5.000   1.0", "5.000   1.0"]
    tg.vmap(f)(np.ones((2, 2)))  # batched: the repr, no error
    assert "BatchTracer" in lines[-1]


def test_scipy_function_converting_a_tracer_is_named_with_the_fix():
    scipy_special = pytest.importorskip("scipy.special")
    with pytest.raises(tg.TracerConversionError,
                       match=r"scipy\.special\.diric converted .* tangents\.scipy"):
        tg.grad(lambda x: np.sum(scipy_special.diric(x, 3)))(X)  # logsumexp routes now


# -- errors name the transform called, the user's function and argument ------------------
def loss(a, b):
    return np.sum(a * b)


@pytest.mark.parametrize("transform, pattern", [
    (lambda: tg.grad(loss, argnums=1)(np.ones(2), np.ones(2, int)),
     r"^grad: argument 1 \(argnums=1\) of loss has dtype int64.*astype\(float\)"),
    (lambda: tg.hessian(loss, argnums=1)(np.ones(2), np.ones(2, int)),
     r"^hessian: argument 1 \(argnums=1\) of loss has dtype int64"),
    (lambda: tg.jacfwd(loss)(np.ones(2, int), np.ones(2)),
     r"^jacfwd: argument 0 \(argnums=0\) of loss has dtype int64"),
    (lambda: tg.elementwise_grad(np.sin)(np.ones(2, int)),
     r"^elementwise_grad: argument 0 \(argnums=0\) of sin has dtype int64"),
    (lambda: tg.vjp(loss, np.ones(2), {"w": [np.ones(2), np.ones(2, int)]}),
     r"^vjp: argument 1 of loss, at \['w'\]\[1\] has dtype int64"),
    (lambda: tg.jvp(loss, (np.ones(2), np.ones(2, int)), (np.ones(2), np.ones(2))),
     r"^jvp: argument 1 of loss has dtype int64"),
])
def test_errors_name_the_transform_function_and_argument(transform, pattern):
    with pytest.raises(TypeError, match=pattern):
        transform()


def test_generator_function_is_a_clear_type_error():
    def gen(x):
        yield x * 2.0
    for call in (lambda: tg.grad(gen)(1.0), lambda: tg.jvp(gen, (1.0,), (1.0,)),
                 lambda: tg.vmap(gen)(np.ones(2))):
        with pytest.raises(TypeError, match=r"gen returned a generator"):
            call()


def test_asarray_of_a_leaked_tracer_says_it_leaked_out_of_a_finished_transform():
    leaked = []
    tg.grad(lambda x: leaked.append(x) or np.sum(x))(np.ones(2))
    for convert in (np.asarray, float):
        with pytest.raises(tg.TracerConversionError, match="leaked out of a tangents "
                           "transform which has already returned"):
            convert(leaked[0])


def test_scipy_conversion_advice_is_accurate_when_scipy_array_api_is_set(monkeypatch):
    pytest.importorskip("scipy.ndimage")
    import scipy.ndimage  # sobel converts (median_filter, medfilt, detrend route to ours)
    for value, pattern in (("1", r"SCIPY_ARRAY_API=1 is set"),
                           ("0", r"set the environment variable SCIPY_ARRAY_API=1")):
        monkeypatch.setenv("SCIPY_ARRAY_API", value)
        try:
            tg.grad(lambda x: np.sum(scipy.ndimage.sobel(x)))(np.ones(3))
        except tg.TracerConversionError as err:
            assert re.search(pattern, str(err)), str(err)
        else:  # this SciPy computes it with tangents.numpy: nothing to advise
            assert value == "1"


def test_writing_a_traced_value_into_an_element_of_a_plain_array():
    def f(x):
        out = np.zeros((2, 2))
        out[0, 0] = np.sum(x)
        return np.sum(out)
    # NumPy replaces any error of float() by its own ValueError for objects that support
    # indexing; the transforms raise the conversion error it hid, which says what to do
    for transform in (lambda: tg.grad(f)(np.ones(2)),
                      lambda: tg.jvp(f, (np.ones(2),), (np.ones(2),)),
                      lambda: tg.linearize(f, np.ones(2))):
        with pytest.raises(tg.TracerConversionError) as info:
            transform()
        assert "out[i, j] = y" in str(info.value) and "np.zeros_like(x)" in str(info.value)


def test_zeros_like_with_shape_gives_a_traced_buffer():
    def f(x):
        buf = np.zeros_like(x, shape=(2, 3))
        buf[0, 1] = np.sum(x)
        buf[1] = x * 2.0
        full = np.full_like(x, 0.5, shape=(3,))
        full[1:] = x[:2] ** 2
        return np.sum(buf ** 2) + np.sum(np.sin(full))
    x = np.array([0.3, -0.7, 1.2])
    tg.check_grads(f, (x,), order=2)
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(np.stack([x, 2 * x]))[1], tg.grad(f)(2 * x),
                               rtol=TOL[np.float64][0])
