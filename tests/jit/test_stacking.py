"""Small arrays on the NumPy executor (tangents.jit.stacking): independent calls of one unary
ufunc run as one call on stacked rows, product and sum chains as one reduction, with the
program's own values; nothing dependent, mismatched, large or escaping is stacked."""
import random
import re
import threading

import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
from tangents.jit import stacking

pytestmark = pytest.mark.executor("numpy")  # this file tests that executor alone


_CALL = re.compile(r"\b_(?:f|u|c)\d+\(|\b_copyto\(")


def run_jitted(fun, *args):
    """``fun`` jitted and run twice (the second call runs the program), its values checked
    against eager's; returns (program, generated source, NumPy calls in it)."""
    jitted = tg.jit(fun)
    jitted(*args)
    got = jitted(*args)
    want = fun(*args)
    for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        assert g.dtype == w.dtype
        np.testing.assert_allclose(g, w, **tol("roundoff", w.dtype))
    source = next(iter(jitted._cache.values())).last.run.source
    return jitted.lower(*args).program, source, len(_CALL.findall(source))


def chain(x, n=30):
    """W5's chain (bench/workloads/w5_overhead.py): sin, * 1.001, + 0.1, cycling."""
    for i in range(n):
        x = np.sin(x) if i % 3 == 0 else x * 1.001 if i % 3 == 1 else x + 0.1
    return x


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_backward_cosines_are_one_call_and_the_product_one_reduction(dtype):
    x = rand((8,)).astype(dtype)
    program, source, calls = run_jitted(tg.grad(lambda x: np.sum(chain(x))), x)
    # eagerly one NumPy call per equation: 10 cos and 19 products become one call each
    assert len(re.findall(r"\b_u\d+\(", source)) == 1
    assert len(re.findall(r"\b_c\d+\(", source)) == 1
    assert calls <= len(program.eqns) - 25


def test_a_sum_chain_adds_in_the_programs_order():
    """1e16 + (a number just below 1) rounds to 1e16, so these terms added first to last
    give 0, and added in another order (NumPy's pairwise sum of a contiguous array) about
    16: the reduction must add them in the chain's order."""
    terms = [1e16] + [1.0 - k * 2.0 ** -40 for k in range(1, 17)] + [-1e16]
    assert sum(terms) != np.add.reduce(np.array(terms))  # the order shows in the value

    def fun(x):
        s = x * terms[0]
        for t in terms[1:]:
            s = s + x * t
        return s
    x = np.ones(8)
    _, source, _ = run_jitted(fun, x)
    assert "_c0(" in source
    np.testing.assert_array_equal(tg.jit(fun)(x), fun(x))


def test_chains_of_constants_inputs_and_values_read_elsewhere():
    def fun(x, y):
        s, c = np.sin(x), np.cos(y)
        p = 2.0 * s * x * c * np.float64(0.5) * y * s * np.exp(x)  # s twice, inputs, numbers
        return p, s + c  # s and c are also read after the chain
    x, y = rand((3, 4), seed=1), rand((3, 4), seed=2)
    program, source, calls = run_jitted(fun, x, y)
    assert "_c0(" in source and calls < len(program.eqns)


def test_batched_operands_and_results_with_other_uses():
    def fun(x):
        xs = [x * k for k in (2.0, 3.0, 4.0, 5.0)]
        cs = [np.cos(v) for v in xs]
        return sum(v * c for v, c in zip(xs, cs)) + cs[1] * xs[3]  # read again after
    x = rand((5,))
    program, source, calls = run_jitted(fun, x)
    assert len(re.findall(r"\b_u\d+\(", source)) == 1 and calls < len(program.eqns)
    # the operands' producers write into their rows: no copies
    assert "_copyto" not in source


@pytest.mark.parametrize("fun, args", [
    (lambda x: np.cos(np.cos(np.cos(np.cos(x)))), (rand((8,)),)),             # dependent
    (lambda x, y: (np.cos(x) + 1) * np.cos(y)[:8], (rand((8,)), rand((9,)))),  # shapes
    (lambda x, y: np.cos(x) * np.cos(y), (rand((8,)), rand((8,)).astype(np.float32))),
    (lambda x: np.sin(x) * np.cos(x) * np.tan(x) * np.exp(x), (rand((8,)),)),  # ufuncs
    (lambda x, y: np.round(x, 2) - np.round(y, 3), (rand((8,)), rand((8,)))),  # params
])
def test_calls_that_are_not_batched(fun, args):
    _, source, _ = run_jitted(fun, *args)
    assert "_u0(" not in source


@pytest.mark.parametrize("n", [stacking.SMALL + 1, 1])
def test_large_arrays_and_one_element_arrays_are_not_stacked(n):
    _, source, _ = run_jitted(
        lambda x: np.cos(x * 2) * np.cos(x * 3) * np.cos(x * 4) * np.cos(x * 5), rand((n,)))
    assert "_u0(" not in source and "_c0(" not in source


def test_a_chain_value_read_elsewhere_ends_the_chain():
    def fun(x):
        b = x * np.sin(x) * np.cos(x)
        return b * np.tan(x) * np.exp(x), b + 1.0  # two chains of two products
    _, source, _ = run_jitted(fun, rand((8,)))
    assert "_c0(" not in source


def test_results_never_live_in_rows():
    """Results of the batched call or the chain that the caller keeps are never rows of a
    buffer a later call writes into."""
    def fun(x):
        cs = [np.cos(x * k) for k in (1.0, 2.0, 3.0, 4.0)]
        return cs[0], cs[1], cs[0] * cs[1] * cs[2] * cs[3] * 2.0
    jitted = tg.jit(fun)
    jitted(rand((6,)))
    first = jitted(rand((6,)))
    kept = [a.copy() for a in first]
    jitted(rand((6,), seed=3))
    for a, b in zip(first, kept):
        np.testing.assert_array_equal(a, b)


def test_threads_calling_at_once_each_get_their_rows():
    fun = tg.grad(lambda x: np.sum(chain(x)))
    jitted = tg.jit(fun)
    xs = [rand((8,), seed=k) for k in range(8)]
    jitted(xs[0])
    results = [None] * len(xs)

    def work(k):
        for _ in range(50):
            results[k] = jitted(xs[k])
    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for x, got in zip(xs, results):
        np.testing.assert_allclose(got, fun(x), **tol("roundoff"))


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_python_numbers_of_small_calls_are_arrays_of_the_loops_dtype(dtype):
    """A Python number is passed as an array made once, of the dtype NumPy's loop converts
    it to (float32 stays float32; an int array times a float is float64)."""
    x = (rand((4,)) * 10).astype(dtype)
    fun = lambda x: (x * 1.001 + 3, x / 7, np.maximum(x, 2.5))  # noqa: E731
    _, source, _ = run_jitted(fun, x)
    for got, want in zip(tg.jit(fun)(x), fun(x)):
        np.testing.assert_array_equal(got, want)
    assert isinstance(stacking.small_operand(
        tg.jit(fun).lower(x).program.eqns[0], 1), np.ndarray)


def random_program(seed):
    """A function of (x, y) doing 5-60 random small steps (unary ufuncs, products and sums of
    earlier values or numbers, reversed views, a product by a constant array, a broadcast
    sum) and returning 1-4 of its values: many independent unary calls, chains and copies."""
    r = random.Random(seed)
    unary = [np.sin, np.cos, np.tanh, np.negative]
    steps, n = [], 2
    for _ in range(r.randint(5, 60)):
        kind = r.choice(["unary"] * 4 + ["multiply", "add", "subtract"] * 2 + ["other"])
        other = r.randrange(n) if r.random() < 0.6 else r.choice([0.5, 1.001, -0.3])
        steps.append((kind, r.randrange(n), max(0, n - 1 - r.randrange(3)), other,
                      r.choice(unary), r.randrange(3)))
        n += 1
    outs = sorted({r.randrange(n) for _ in range(r.randint(1, 4))})
    scale = np.linspace(0.5, 1.5, 6)

    def fun(x, y):
        vals = [x, y]
        for kind, a, last, other, u, k in steps:
            if kind == "unary":
                v = u(vals[a])
            elif kind == "other":
                v = (vals[a][::-1], vals[a] * scale, vals[a] + np.sum(vals[a]) * 0.01)[k]
            else:
                b = vals[other] if type(other) is int else other
                v = getattr(np, kind)(vals[last], b)
            vals.append(np.tanh(v) if kind == "multiply" else v)  # bounded
        return [vals[i] for i in outs]
    return fun


@pytest.mark.parametrize("seed", range(40))
def test_random_programs_give_eagers_values_and_keep_earlier_results(seed):
    fun = random_program(seed)
    rng = np.random.default_rng(seed)
    (x0, y0), (x1, y1) = rng.standard_normal((2, 2, 6))
    for f in (fun, tg.grad(lambda x, y: sum(np.sum(o) for o in fun(x, y)), argnums=(0, 1))):
        jitted = tg.jit(f)
        jitted(x0, y0)
        first = jitted(x0, y0)
        kept = [a.copy() for a in tg.tree.leaves(first)]
        for got, want in zip(tg.tree.leaves(jitted(x1, y1)), tg.tree.leaves(f(x1, y1))):
            np.testing.assert_allclose(got, want, **tol("roundoff"))
        for a, b in zip(tg.tree.leaves(first), kept):
            np.testing.assert_array_equal(a, b)
