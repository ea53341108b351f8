"""The staging trace: which primitives get a shape guard (checked against the registry and
against NumPy's functions whose result length depends on values), and guards' sites."""
import numpy as np
import pytest
from harness import tol

import tangents as tg
from tangents.core import registry
from tangents.jit.staging import SHAPE_FROM_VALUES

# registry names that suggest a value-dependent result shape, and why each one that is
# not in SHAPE_FROM_VALUES has its shape fixed by its inputs' shapes and params
CANDIDATE_WORDS = ("unique", "nonzero", "argwhere", "where", "intersect", "setdiff", "union",
                   "compress", "extract", "mask", "getitem", "histogram", "arange", "trim",
                   "count", "len", "select", "bin")
STATIC_SHAPE = {
    "where": "three-argument where: the broadcast shape of its operands",
    "zero_where": "elementwise",
    "nan_product_mask": "elementwise",
    "bitwise_count": "elementwise",
    "histogram_index": "one bin index per input element",
    "histogram_bin_count": "a scalar: the number of bins is read with int(), a value guard",
    "arange_len": "a scalar: arange's length is read with int(), a value guard",
}


def test_every_candidate_primitive_is_guarded_or_reviewed():
    names = {n for n in registry if any(w in n for w in CANDIDATE_WORDS)}
    unreviewed = names - SHAPE_FROM_VALUES - set(STATIC_SHAPE)
    assert not unreviewed, f"add to SHAPE_FROM_VALUES or STATIC_SHAPE: {sorted(unreviewed)}"
    assert SHAPE_FROM_VALUES <= set(registry)
    assert not SHAPE_FROM_VALUES & set(STATIC_SHAPE)


A = np.array([0.3, -0.7, 1.2, 0.0, 2.5])
B = np.array([-1.0, 2.0, -3.0, 0.0, 0.0])

# NumPy functions whose result length depends on the values: each gives other lengths on
# A and B, so a program traced on one must not be reused for the other unchecked
VARIABLE_LENGTH = [
    ("nonzero", lambda x: x[np.nonzero(x > 0)]),
    ("flatnonzero", lambda x: np.flatnonzero(x)),
    ("argwhere", lambda x: np.argwhere(x < 0.5)),
    ("unique", lambda x: np.unique(np.abs(x))),
    ("intersect1d", lambda x: np.intersect1d(x, np.array([0.0, 2.5, 1.2]))),
    ("union1d", lambda x: np.union1d(x, np.array([0.0, 7.0]))),
    ("arange", lambda x: np.arange(np.max(x) * 3)),
]
# The NumPy layer refuses these on every traced value (its message speaks of vmap, where
# the result would be ragged); under jit they need the layer to tell a batched tracer from
# a staged one (reported as remaining work of issue #12).
_REFUSED = pytest.mark.xfail(strict=True, raises=(ValueError, NotImplementedError),
                             reason="the NumPy layer refuses value-dependent shapes of any "
                                    "tracer, not only vmap's")
VARIABLE_LENGTH += [
    pytest.param("boolean mask", lambda x: x[x > 0], marks=_REFUSED),
    ("setdiff1d", lambda x: np.setdiff1d(x, np.array([0.0, 2.0]))),
    ("trim_zeros", lambda x: np.trim_zeros(np.round(x))),
    pytest.param("histogram", lambda x: np.histogram(x, bins="auto")[0], marks=_REFUSED),
]


@pytest.mark.parametrize("name,fun", VARIABLE_LENGTH)
def test_value_dependent_lengths_trace_again(name, fun):
    def with_length(x):  # len() reads the shape as a Python number
        out = fun(x)
        return out, np.arange(len(out))
    jitted = tg.jit(with_length)
    assert np.shape(fun(A)) != np.shape(fun(B))
    for x in (A, B, A, B):
        for got, want in zip(jitted(x), with_length(x)):
            assert np.shape(got) == np.shape(want)
            np.testing.assert_allclose(got, want, **tol("exact"))


def test_guards_name_the_users_line():
    def fun(x):
        return x if np.sum(x) > 0 else -x
    line = fun.__code__.co_firstlineno + 1
    program = tg.jit(fun).lower(A).program
    (guard,) = program.guards
    assert guard.site.endswith(f"test_staging.py:{line}") and guard.outcome is True


def test_basic_indexing_needs_no_shape_guard():
    """Ints, slices, None and Ellipsis give a result whose shape follows from the operand's,
    which the signature fixes: no guard to check on each call.  An index array from values
    (np.nonzero) still gets one."""
    def basic(x):
        return x[1:] * x[:-1] + x[..., None][2:4, 0].sum() + x[-1]
    jitted = tg.jit(basic)
    assert jitted.lower(A).program.guards == []
    for x in (A, B):
        np.testing.assert_allclose(jitted(x), basic(x), **tol("exact"))
    kinds = [g.kind for g in tg.jit(lambda x: x[np.nonzero(x > 0)]).lower(A).program.guards]
    assert "shape" in kinds, kinds
