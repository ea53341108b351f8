"""Large outputs of a fused program reuse the previous call's memory only when nothing else
holds it (tangents/jit/outputs.py): a result kept by name, through a view or in a list is
never written over; a dropped one is."""
import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
import tangents.numpy as tnp
from tangents.jit import outputs
from tangents.jit.fused import compile_fused

pytest.importorskip("numba")


pytestmark = pytest.mark.executor("fused")  # this file tests that executor alone


def fun(x):
    return tnp.exp(x) * 2.0


X = rand((400, 400), seed=1)  # 1.28 MB: over outputs.MIN_BYTES


def test_large_outputs_come_from_outputs_small_ones_do_not():
    assert "_out.take(" in compile_fused(tg.jit(fun).lower(X).program).source
    small = rand((10, 10), seed=2)
    assert "_out.take(" not in compile_fused(tg.jit(fun).lower(small).program).source


def test_a_dropped_result_gives_its_memory_to_the_next_call():
    run = compile_fused(tg.jit(fun).lower(X).program)
    first = run(X)[0].__array_interface__["data"][0]
    again = run(X + 1.0)[0]
    assert again.__array_interface__["data"][0] == first
    np.testing.assert_allclose(again, fun(X + 1.0), **tol("roundoff"))  # vecmath's exp


@pytest.mark.parametrize("hold", ["name", "view", "list"])
def test_a_held_result_is_never_written_over(hold):
    run = compile_fused(tg.jit(fun).lower(X).program)
    out = run(X)[0]
    kept = {"name": out, "view": out[1:], "list": [out]}[hold]
    del out
    want = np.array(kept if hold != "list" else kept[0])
    later = run(X - 3.0)[0]
    np.testing.assert_array_equal(kept if hold != "list" else kept[0], want)
    np.testing.assert_allclose(later, fun(X - 3.0), **tol("roundoff"))


def test_a_result_passed_back_in_is_not_its_own_output():
    run = compile_fused(tg.jit(fun).lower(X).program)
    y = run(X)[0]
    z = run(y)[0]
    assert not np.shares_memory(y, z)
    np.testing.assert_allclose(z, fun(y), **tol("roundoff"))


def test_take_hands_one_array_to_one_caller():
    store = outputs.Outputs()
    a = store.take(0, (3,), np.float64)
    b = store.take(0, (3,), np.float64)  # `a` is held: a new one
    assert a is not b
    del a
    c = store.take(0, (3,), np.float64)  # `b` is held by this test, `a` was dropped: new
    assert c is not b
