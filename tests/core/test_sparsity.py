"""Sparsity rules sit beside each primitive's other rules (issue #16): the families declare
them with the core's builders (core/sparsity.py, NumPy only) when they declare their
primitives, so they are set without tangents.sparse, and a user's primitive gets one the
same way."""
import subprocess
import sys

import numpy as np
import pytest
from harness import rand

import tangents  # noqa: F401  (registers every family)
from tangents.core import Primitive, batch_elementwise, registry, sparsity

# the precise rules tangents.sparse used to set by name when it was imported
PRECISE = [
    "add", "subtract", "negative", "real", "imag", "conj", "astype", "copy", "deg2rad",
    "rad2deg", "where", "zero_where", "maximum", "minimum", "fmax", "fmin", "relu",
    "multiply", "absolute", "divide", "reshape", "transpose", "broadcast_to", "getitem",
    "diagonal", "split", "concatenate", "embed_diagonal", "add_at", "sum", "amax", "amin",
    "prod", "logsumexp", "linalg_vector_norm", "softmax", "log_softmax", "cumsum", "cummax",
    "cummin", "cumprod", "matmul", "einsum",
]


def test_rules_are_set_without_importing_tangents_sparse():
    # a fresh interpreter: this process may have imported tangents.sparse already
    code = (
        "import sys, tangents\n"
        "from tangents.core import registry\n"
        "assert 'tangents.sparse' not in sys.modules, 'import tangents loaded tangents.sparse'\n"
        f"missing = [n for n in {PRECISE!r} if registry[n].sparsity is None]\n"
        "assert not missing, f'no sparsity rule: {missing}'\n"
        # stop_gradient had a rule too, never called: its result carries no derivative
        "assert not registry['stop_gradient'].differentiable\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_elementwise_builder_sets_the_nonlinear_union():
    assert registry["exp"].sparsity is sparsity.elementwise
    assert registry["multiply"].sparsity is not sparsity.elementwise  # bilinear: its own


def test_union_names_a_bad_kind():
    with pytest.raises(ValueError, match="sparsity.union.*'quadratic'.*'linear'"):
        sparsity.union("quadratic")


def test_groups_of_a_reduction():
    grp, count = sparsity.groups((2, 3), 1)
    np.testing.assert_array_equal(grp, [0, 0, 0, 1, 1, 1])
    assert count == 2
    grp, count = sparsity.groups((2, 3), (-2,))
    np.testing.assert_array_equal(grp, [0, 1, 2, 0, 1, 2])
    assert sparsity.groups((2, 3), None)[1] == 1


@pytest.fixture
def shifted_add():
    """``x[::-1] + y`` as one primitive of the test's own (removed afterwards)."""
    prim = Primitive("test_sparsity.reversed_add", lambda x, y: x[::-1] + y)
    prim.def_vjp(lambda ct, ans, x, y: ct[::-1], lambda ct, ans, x, y: ct)
    prim.def_jvp(lambda t, ans, x, y: t[::-1], lambda t, ans, x, y: t)
    prim.def_batch(batch_elementwise(prim))
    yield prim
    registry.pop(prim.name)


def test_def_sparsity_is_the_slot_the_interpreter_reads(shifted_add):
    ts = pytest.importorskip("tangents.sparse")
    x = rand((5,), seed=2)
    fun = lambda v: shifted_add(v, 2.0 * v)  # noqa: E731
    brute = np.abs(tangents.jacfwd(fun)(x)) > 0  # the dense Jacobian: an independent reference
    # no rule: the dense default, a superset of the nonzeros
    dense = ts.jacobian_sparsity(fun, x).toarray()
    assert dense.all() and (brute <= dense).all()

    def rule(op):  # answer element k reads element n-1-k of x and element k of y
        n = np.size(op.ans)
        return op.union(op.gather(op.pats[0], np.arange(n)[::-1]), op.broadcast(1))

    assert shifted_add.def_sparsity(rule) is shifted_add
    assert shifted_add.sparsity is rule
    np.testing.assert_array_equal(ts.jacobian_sparsity(fun, x).toarray(), brute)
