"""Reverse mode's hot path (issue #11): `VJPTrace.process` records the common operation in
one call, and everything it does not cover (outer traces' values, ndarray subclasses,
residual-keeping forwards, several results, integer results, Python scalars) still gives the
shared path's values and derivatives."""
import threading

import numpy as np
import pytest
from harness import Case, case_id, check_case, rand, tol

import tangents as tg
import tangents.numpy as tnp
from tangents.core import Primitive, bind, builders
from tangents.core.reverse import VJPTrace

C = rand((3,), seed=3)  # a constant array operand


_fma_p = builders.elementwise("test_reverse.fma", lambda x, y, z: x * y + z,
                              lambda ans, x, y, z: y, lambda ans, x, y, z: x,
                              lambda ans, x, y, z: np.ones_like(ans))


def _fma(x, y, z):
    return bind(_fma_p, x, y, z)


def _chain(x, sin):
    for i in range(9):
        x = sin(x) if i % 3 == 0 else (x * 1.001 if i % 3 == 1 else 0.1 + x)
    return x


def _mixed(x):
    # integer and bool results (no tape node), a constant array, Python scalars either side
    y = np.where(x > 0, x * C, 2.0 - x) + (x >= 0).astype(x.dtype)
    return np.cos(y) / (1.5 + np.abs(x)) - C


def _constants(x):
    y = (x + 2.0) * 3 - C[:, None] + (1.5 - x / 2.0) * (2.0 / x) + (True + x) / C
    return y + (C - x) * np.float64(2.5) + [1.0, 2.0, 3.0] * x - x * False


def _unary_ufuncs(x):
    y = np.exp(np.sin(x)) * np.floor(2.0 * x) + np.where(np.isnan(x), 0.0, np.negative(x))
    return np.sqrt(y * y + 1.0, dtype=x.dtype) + np.add.reduce(np.cos(x)) * x


def _pieces(x):
    # a multiple-result node (split) with one output unused: zeros for it in the backward
    a, _, c = tnp.split(x, 3)
    return tnp.sin(a) * c


CASES = [
    Case("np-style chain", lambda x: _chain(x, np.sin), (rand((3,), seed=1),),
         np_fun=lambda x: _chain(x, np.sin)),
    Case("tnp chain", lambda x: _chain(x, tnp.sin), (rand((3,), seed=1),),
         np_fun=lambda x: _chain(x, np.sin)),
    Case("mixed constants", _mixed, (rand((3,), seed=2),), np_fun=_mixed),
    Case("split, one output unused", _pieces, (rand((6,), seed=4),)),
    # multiply's rules multiply by the other argument itself (builders' int partials):
    # both traced, the same tracer twice, broadcasting either way, a Python scalar
    Case("products", lambda x, y: x * y + x * x + 2.0 * (x[:, None] * y) * y[:, None],
         (rand((3,), seed=7), rand((3,), seed=8)),
         np_fun=lambda x, y: x * y + x * x + 2.0 * (x[:, None] * y) * y[:, None]),
    # VJPTracer's own operators with a constant, each side: Python floats, ints and bools
    # (rule_args: NumPy scalars of the answer's dtype), arrays, broadcasting, and constants
    # they leave to Tracer's operators (a NumPy scalar, a list)
    Case("operators with constants", _constants, (rand((3,), 0.5, 2.0, seed=13),),
         np_fun=_constants),
    # VJPTracer's own __array_ufunc__ for one argument: differentiable, nondifferentiable
    # (floor) and bool (isnan) results, and calls it leaves to Tracer's (a keyword, a method)
    Case("NumPy unary ufuncs", _unary_ufuncs, (rand((3,), 0.5, 2.0, seed=14),),
         np_fun=_unary_ufuncs),
    # three arguments (the loop of process and backward), traced in every position or not,
    # and a product rule for three arguments (a primitive the builder makes)
    Case("three arguments", lambda x, y: _fma(x, y, x) + _fma(C, x * y, 2.0) + _fma(y, 3.0, C),
         (rand((3,), seed=10), rand((3,), seed=11)),
         np_fun=lambda x, y: x * y + x + C * x * y + 2.0 + y * 3.0 + C),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_hot_path_derivatives(case):
    check_case(case)  # value, forward and reverse to order 2 (nested traces), float32, vmap


@pytest.mark.parametrize("sin", [np.sin, tnp.sin], ids=["np", "tnp"])
def test_common_operation_is_one_call(sin, monkeypatch):
    calls = []
    shared = VJPTrace.apply

    def counted(self, *args):
        calls.append(args[0].name)
        return shared(self, *args)

    monkeypatch.setattr(VJPTrace, "apply", counted)
    x = rand((3,), seed=5)
    g = tg.grad(lambda x: np.sum(_chain(x, sin)))(x)
    assert calls == []  # every operation, the final sum too, took the one-call path
    ref = np.ones(3)
    y = x
    for i in range(9):  # d/dx of the chain: the product of each op's derivative
        if i % 3 == 0:
            ref, y = ref * np.cos(y), np.sin(y)
        elif i % 3 == 1:
            ref, y = ref * 1.001, y * 1.001
        else:
            y = 0.1 + y
    np.testing.assert_allclose(g, ref, **tol("roundoff"))


def _residual_primitive():
    """``exp`` whose reverse-mode forward keeps a residual (the answer twice over)."""
    name = "test_reverse.exp_with_residual"
    prim = Primitive(name, np.exp)
    seen = []

    def forward(needed, x):
        seen.append(needed)
        ans = np.exp(x)
        return ans, ans.copy()

    prim.def_vjp_forward(forward)
    prim.def_vjp(lambda ct, kept, x: ct * (kept[1] if kept[1] is not None else kept[0]))
    prim.def_jvp(lambda t, ans, x: t * ans)
    return prim, seen


def test_residual_keeping_forward_is_not_bypassed():
    prim, seen = _residual_primitive()
    try:
        assert prim.keeps_residual
        x = rand((3,), seed=6)
        g = tg.grad(lambda x: np.sum(bind(prim, x * 2.0)))(x)
        assert seen == [[True]]  # its own forward ran, told the argument is differentiated
        np.testing.assert_allclose(g, 2.0 * np.exp(2.0 * x), **tol("roundoff"))
    finally:
        from tangents.core.primitive import registry
        registry.pop(prim.name)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_ndarray_subclass_constant_is_refused_by_name():
    with pytest.raises(TypeError, match="np.matrix"):
        tg.grad(lambda x: np.sum(x * np.matrix([[1.0, 2.0, 3.0]])))(np.ones(3))


def test_dead_trace_is_refused():
    kept = []
    tg.grad(lambda x: kept.append(x) or np.sum(x))(np.ones(3))
    with pytest.raises(tg.LeakedTracerError):
        kept[0] * 2.0


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_product_with_an_infinite_factor_stays_masked():
    # the branch a where does not take multiplies by inf: 0 * inf is 0 in every mode, through
    # multiply's argument-itself rules as through the product rule (docs/conventions.md)
    def f(x):
        return np.sum(np.where(x > 0, x, x * np.inf))

    x = rand((4,), 0.5, 2.0, seed=9)
    np.testing.assert_array_equal(tg.grad(f)(x), np.ones(4))
    _, t = tg.jvp(f, (x,), (np.ones(4),))
    assert t == 4.0


def test_masking_is_counted_and_per_thread():
    # a product rule reads the thread-local flag only while some thread masks (the count)
    from tangents.core import masked as masked_module
    from tangents.numpy._elementwise import multiply_p
    rule = multiply_p.vjps[0]  # ct * y
    t, x, y = np.zeros(2), np.ones(2), np.array([np.inf, 1.0])
    with np.errstate(invalid="ignore"):
        assert np.isnan(rule(t, None, x, y)[0])  # the fast product: 0 * inf is nan
        with pytest.raises(KeyError), masked_module.masking():
            assert masked_module.threads == 1 and masked_module.masked.on
            np.testing.assert_array_equal(rule(t, None, x, y), [0.0, 0.0])
            other = []

            def in_another_thread():
                with np.errstate(invalid="ignore"):  # NumPy's error state is per thread
                    other.append(rule(t, None, x, y))

            thread = threading.Thread(target=in_another_thread)
            thread.start()
            thread.join()
            assert np.isnan(other[0][0])  # another thread does not mask
            raise KeyError  # the count is restored however the block ends
    assert masked_module.threads == 0 and not masked_module.masked.on


def test_large_temporary_partial_is_written_into():
    # builders' in-place product: a fresh partial of >= 256 KiB that nothing else holds
    # takes the product (its reference count is read in a helper, whose argument counts too);
    # one held elsewhere is never written into
    held, ids = [], []

    def partial(ans, x):
        p = np.cos(x)
        ids.append(id(p))
        if held:
            held.append(p)
        return p

    prim = builders.elementwise("test_reverse.sin_fresh_partial", np.sin, partial)
    try:
        x = rand((40_000,), seed=12)
        f = tg.grad(lambda x: np.sum(bind(prim, x) * 2.0))
        g = f(x)
        np.testing.assert_allclose(g, 2.0 * np.cos(x), **tol("exact"))
        assert ids == [id(g)]  # the cotangent is the partial's own buffer
        held.append(None)
        g = f(x)
        np.testing.assert_allclose(g, 2.0 * np.cos(x), **tol("exact"))
        assert g is not held[-1]
        np.testing.assert_array_equal(held[-1], np.cos(x))  # left as it was
    finally:
        from tangents.core.primitive import registry
        registry.pop(prim.name)
