"""The trace base: a fourth interpreter is one subclass of `Trace` (as tg.jit's staging one
will be), composes with the built-in ones, and receives custom rules through its own
methods."""
import collections

import numpy as np
import pytest
from tests.harness import tol

import tangents as tg
from tangents.core import tree
from tangents.core.primitive import bind, new_level
from tangents.core.trace import ConcreteTracer, LeakedTracerError, Trace
from tangents.core.tracer import Tracer


class CountTracer(ConcreteTracer):
    __slots__ = ()
    value = Tracer._s0

    def __init__(self, trace, value):
        self._trace = trace
        self.value = value
        self._s1 = None


class CountTrace(Trace):
    """Evaluates every operation and counts it by name; touches no other interpreter."""

    __slots__ = ("counts",)
    tracer_type = CountTracer

    def __init__(self, level):
        super().__init__(level)
        self.counts = collections.Counter()

    def apply(self, prim, vals, aux, scalars, nested, params):
        self.counts[prim.name] += 1
        ans = bind(prim, *vals, **params) if nested else prim.impl(*vals, **params)
        if prim.multiple_results:
            return [CountTracer(self, a) for a in ans]
        return CountTracer(self, ans)

    def process_custom_vjp(self, custom, flat, in_tree):
        self.counts["custom:" + custom.__name__] += 1
        vals, _ = self.unpack(flat)
        out_flat, out_tree = tree.flatten(custom.fun(*tree.unflatten(in_tree, vals)))
        return [CountTracer(self, o) for o in out_flat], out_tree

    process_custom_jvp = process_custom_vjp


def counted(fun, x):
    trace = CountTrace(new_level())
    try:
        out = fun(CountTracer(trace, x))
    finally:
        trace.alive = False
    return out.value, trace.counts


def f(x):
    return np.sum(np.sin(x) * 2.0)


def test_a_fourth_interpreter_sees_every_operation():
    x = np.linspace(-1.0, 1.0, 5)
    value, counts = counted(f, x)
    np.testing.assert_allclose(value, f(x), **tol("roundoff"))
    assert counts["sin"] == 1 and counts["multiply"] == 1 and counts["sum"] == 1


def test_a_fourth_interpreter_composes_with_reverse_mode():
    # inside grad, the counting trace passes each operation on to the reverse trace
    x = np.linspace(-1.0, 1.0, 5)
    g = tg.grad(lambda v: counted(f, v)[0])(x)
    np.testing.assert_allclose(g, tg.grad(f)(x), **tol("roundoff"))
    np.testing.assert_allclose(g, 2.0 * np.cos(x), **tol("roundoff"))


def test_custom_rules_go_through_the_trace():
    @tg.custom_vjp
    def double(x):
        return 2.0 * x

    double.defvjp(lambda x: (2.0 * x, None), lambda res, ct: (2.0 * ct,))
    x = np.ones(3)
    value, counts = counted(lambda v: np.sum(double(v)), x)
    assert counts["custom:double"] == 1
    np.testing.assert_allclose(value, 6.0, **tol("roundoff"))


def test_every_interpreter_refuses_a_leaked_tracer_alike():
    leaked = []
    for run in (lambda h: tg.grad(h)(1.0), lambda h: tg.jvp(h, (1.0,), (1.0,)),
                lambda h: tg.vmap(h)(np.ones(2)), lambda h: counted(h, 1.0)):
        run(lambda v: leaked.append(v) or v * 1.0)
    for t in leaked:
        with pytest.raises(LeakedTracerError, match="already returned"):
            np.sin(t)


def test_concrete_tracer_base_gives_array_attributes():
    # the staging, sparsity and counting tracers share these through ConcreteTracer
    from tangents.jit.staging import StagingTracer
    from tangents.sparse.interpreter import SparsityTracer
    for cls in (CountTracer, StagingTracer, SparsityTracer):
        assert issubclass(cls, ConcreteTracer)
    seen = []
    counted(lambda v: seen.append((v.shape, v.dtype, v.ndim, v.size, len(v))) or v,
            np.zeros((2, 3), np.float32))
    assert seen == [((2, 3), np.dtype(np.float32), 2, 6, 2)]
