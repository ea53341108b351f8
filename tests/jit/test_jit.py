"""tg.jit: values equal eager's, one trace per signature, guards on values read while
tracing, composition with the transforms, threads, errors and the program's text."""
import threading
import warnings

import numpy as np
import pytest
from harness import approx, rand, tol

import tangents as tg
import tangents.numpy as tnp

X = np.array([0.3, -0.7, 1.2, 0.5])


def f(x):
    return np.sin(x) * x ** 2


def d1(x):  # d f / dx, elementwise
    return np.cos(x) * x ** 2 + 2 * x * np.sin(x)


def d2(x):
    return -np.sin(x) * x ** 2 + 4 * x * np.cos(x) + 2 * np.sin(x)


def loss(x):
    return np.sum(f(x))


# one row per family of operations: (name, function, arguments)
VALUES = [
    ("elementwise", lambda x, y: np.exp(x) * np.tanh(y) - x / (1 + y ** 2),
     (rand((3, 4)), rand((3, 4), seed=1))),
    ("broadcast", lambda x, y: x[:, None] * y + 2.0, (rand((3,)), rand((4,), seed=1))),
    ("reductions", lambda x, y: (np.max(x, axis=1), np.mean(y), np.std(x, axis=0)),
     (rand((3, 4)), rand((2, 2), seed=1))),
    ("matmul", lambda x, y: np.tanh(x @ y).T.reshape(-1), (rand((3, 4)), rand((4, 2), seed=1))),
    ("indexing", lambda x, y: x[:, ::2] + y[np.array([0, 2, 2])][:, :2],
     (rand((3, 4)), rand((3, 2), seed=1))),
    ("pytree", lambda p, y: {"a": p["w"] @ y, "b": (p["b"] * 2, None)},
     ({"w": rand((2, 3)), "b": rand((2,))}, rand((3,), seed=1))),
    ("softmax", lambda x, y: tg.nn.softmax(x, axis=1) @ y, (rand((3, 4)), rand((4,), seed=1))),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,fun,args", VALUES, ids=[r[0] for r in VALUES])
def test_values_equal_eager(name, fun, args, dtype):
    args = tg.tree.map(lambda a: a.astype(dtype), args)
    jitted = tg.jit(fun)
    for _ in range(2):  # the traced call and the executed program
        got, want = jitted(*args), fun(*args)
        assert tg.tree.structure(got) == tg.tree.structure(want)
        for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
            assert np.result_type(g) == np.result_type(w)
            np.testing.assert_allclose(g, w, **tol("roundoff", dtype))


def counted(fun):
    """``fun`` with a Python side effect that counts its traces (side effects run while
    tracing only)."""
    calls = []

    def wrapped(*args, **kwargs):
        calls.append(1)
        return fun(*args, **kwargs)
    return wrapped, calls


def test_one_trace_per_signature():
    fun, traces = counted(loss)
    jitted = tg.jit(fun)
    for k in range(4):
        np.testing.assert_allclose(jitted(X + k), loss(X + k), **tol("roundoff"))
    assert len(traces) == 1


def test_new_shape_dtype_or_static_value_traces_again():
    fun, traces = counted(lambda x, n, scale=1.0: np.sum(x ** n) * scale)
    jitted = tg.jit(fun, static_argnums=1, static_argnames="scale")
    calls = [(X, 2), (X, 2), (X[:3], 2), (X.astype(np.float32), 2), (X, 3), (X, 3)]
    for x, n in calls:
        np.testing.assert_allclose(jitted(x, n), np.sum(x ** n), **tol("roundoff", x.dtype))
    assert len(traces) == 4
    jitted(X, 2, scale=2.0)
    assert len(traces) == 5
    np.testing.assert_allclose(jitted(X, 2, scale=2.0), 2 * np.sum(X ** 2), **tol("roundoff"))
    assert len(traces) == 5


# calls whose arguments are all NumPy arrays or scalars take a shorter path (no tree.flatten);
# a keyword argument sends the same call down the general one
FAST_ROWS = [r for r in VALUES if all(isinstance(a, np.ndarray) for a in r[2])]


@pytest.mark.parametrize("name,fun,args", FAST_ROWS, ids=[r[0] for r in FAST_ROWS])
def test_arrays_only_calls_equal_the_general_path(name, fun, args):
    x, y = args
    fast, general = tg.jit(fun), tg.jit(fun)
    for _ in range(2):  # the trace, then the cached program
        got, want = fast(x, y), general(x, y=y)
        assert tg.tree.structure(got) == tg.tree.structure(want)
        for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
            assert type(g) is type(w) and np.result_type(g) == np.result_type(w)
            np.testing.assert_array_equal(g, w)


def test_arrays_only_calls_trace_again_for_new_shapes_dtypes_and_scalar_types():
    fun, traces = counted(lambda x, y: np.sum(x * 2.0) + y)
    jitted = tg.jit(fun)
    calls = [(X, np.float64(1.0)), (X + 1, np.float64(2.0)), (X[:3], np.float64(1.0)),
             (X.astype(np.float32), np.float64(1.0)), (X, np.float32(1.0)),
             (X, np.array(1.0)), (X.astype(">f8"), np.float64(1.0)), (X, np.float64(3.0))]
    seen = []
    for x, y in calls:
        np.testing.assert_allclose(jitted(x, y), np.sum(x * 2.0) + y,
                                   **tol("roundoff", np.result_type(x, y)))
        seen.append(len(traces))
    assert seen == [1, 1, 2, 3, 4, 5, 6, 6]


def test_dicts_of_arrays_skip_the_signature_walk_after_the_first_call(monkeypatch):
    """W1's step takes (params dict, X, Y): tree.flatten and the general key cost ~8 us a
    call; later calls of the same dict keys, shapes and dtypes find them by _dict_key."""
    def raw(p, x):
        return p["b"] - 2.0 * p["a"] * x, np.sum(p["c"])
    fun, traces = counted(raw)
    jitted = tg.jit(fun)
    p = {"b": rand((4,)), "a": rand((4,), seed=1), "c": rand((2, 2), seed=2)}
    want = raw(p, X)
    jitted(p, X)
    from tangents.jit.api import Jitted

    def refused(*args, **kwargs):
        raise AssertionError("the general signature path ran")
    with monkeypatch.context() as m:
        m.setattr(Jitted, "_signature", refused)
        for _ in range(2):
            for g, w in zip(jitted(p, X), want):
                np.testing.assert_array_equal(g, w)
    q = {"a": p["a"], "c": p["c"], "b": p["b"]}  # other insertion order: the same trace
    for g, w in zip(jitted(q, X), want):
        np.testing.assert_array_equal(g, w)
    for g, w in zip(jitted(q, X), want):  # ... then its own fast key
        np.testing.assert_array_equal(g, w)
    assert len(traces) == 1
    for other in ({**p, "a": rand((3, 4))},  # a new shape, a new dtype, another key,
                  {**p, "a": p["a"].astype(np.float32)},  # a non-array value: traced again
                  {**p, "d": X}, {**p, "a": 1.5}):
        for g, w in zip(jitted(other, X), raw(other, X)):
            np.testing.assert_allclose(g, w, **tol("roundoff", np.float32))
    assert len(traces) == 1 + 4
    np.testing.assert_allclose(tg.grad(lambda a: jitted({**p, "a": a}, X)[0].sum())(p["a"]),
                               -2.0 * X, **tol("roundoff"))


def test_plain_calls_lower_and_transforms_share_one_trace():
    fun, traces = counted(loss)
    jitted = tg.jit(fun)
    jitted(X)
    assert "sin(v0)" in jitted.lower(X).as_text()
    np.testing.assert_allclose(tg.grad(jitted)(X), d1(X), **tol("roundoff"))
    assert len(traces) == 1


def branchy(x):
    if np.sum(x) > 0:
        return np.sin(x)
    if float(np.max(x)) > -0.5:
        return np.cos(x) * 2.0
    return -x


@pytest.mark.parametrize("order", [(1, -0.1, -2), (-2, 1, -0.1), (-0.1, -2, 1)])
def test_branches_in_any_order(order):
    fun, traces = counted(branchy)
    jitted = tg.jit(fun)
    xs = [np.full(3, v) for v in order]
    for x in xs + xs[::-1] + xs:
        np.testing.assert_allclose(jitted(x), branchy(x), **tol("roundoff"))
    assert len(traces) == 3  # one per path, each cached


def halvings(x):
    while np.linalg.norm(x) > 1.0:
        x = x / 2
    return x


def test_data_dependent_while_loop():
    jitted = tg.jit(halvings)
    for scale in (0.5, 30.0, 3.0, 30.0, 0.5, 300.0):
        np.testing.assert_allclose(jitted(X * scale), halvings(X * scale), **tol("roundoff"))


def test_item_and_int_reads_are_guarded():
    def fun(x):
        k = int(np.argmax(x))
        return x * x[k].item()
    jitted = tg.jit(fun)
    for x in (X, X[::-1], X, -X):
        np.testing.assert_allclose(jitted(x), fun(x), **tol("roundoff"))


def test_data_dependent_shapes_are_guarded():
    def fun(x):
        i = np.nonzero(x > 0)[0]
        return np.sum(x[i]) * len(i) + np.unique(np.round(x)).size
    jitted = tg.jit(fun)
    for shift in (0.0, 0.6, 0.0, -0.6, 3.0):
        np.testing.assert_allclose(jitted(X + shift), fun(X + shift), **tol("roundoff"))


def test_a_read_that_changes_every_call_falls_back_to_eager_with_one_warning():
    def fun(x):
        return x * float(x[0])  # the line the warning names
    line = fun.__code__.co_firstlineno + 1
    jitted = tg.jit(fun)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(12):
            np.testing.assert_allclose(jitted(X + k), fun(X + k), **tol("roundoff"))
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages
    assert f"test_jit.py:{line}" in messages[0] and "eagerly" in messages[0]


def test_jit_of_grad_stages_the_whole_gradient():
    g = tg.jit(tg.grad(loss))
    for x in (X, 2 * X):
        np.testing.assert_allclose(g(x), d1(x), **tol("roundoff"))
    text = g.lower(X).as_text()
    assert "cos(" in text and "sin(" in text  # the backward pass's operations are staged


def test_jit_of_value_and_grad_and_vjp():
    def mlp(p, x):
        return np.sum(np.tanh(x @ p["w"] + p["b"]) ** 2)
    p = {"w": rand((3, 2)), "b": rand((2,), seed=1)}
    x = rand((4, 3), seed=2)
    got = tg.jit(tg.value_and_grad(mlp))(p, x)
    want = tg.value_and_grad(mlp)(p, x)
    for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        np.testing.assert_allclose(g, w, **tol("roundoff"))
    tg.check_grads(lambda w: mlp({"w": w, "b": p["b"]}, x), (p["w"],), order=1)

    def softmax_vjp(x, ct):
        s, back = tg.vjp(lambda v: tg.nn.softmax(v, axis=1), x)
        return s, back(ct)[0]
    x, ct = rand((3, 4)), rand((3, 4), seed=1)
    for g, w in zip(tg.jit(softmax_vjp)(x, ct), softmax_vjp(x, ct)):
        np.testing.assert_allclose(g, w, **tol("roundoff"))


def test_transforms_of_jit():
    jitted = tg.jit(loss)
    np.testing.assert_allclose(tg.grad(jitted)(X), d1(X), **tol("roundoff"))
    np.testing.assert_allclose(tg.hessian(jitted)(X), np.diag(d2(X)), **tol("roundoff"))
    batch = np.stack([X, 2 * X, -X])
    np.testing.assert_allclose(tg.vmap(jitted)(batch), [loss(b) for b in batch],
                               **tol("roundoff"))
    np.testing.assert_allclose(tg.jit(jitted)(X), loss(X), **tol("roundoff"))
    np.testing.assert_allclose(tg.jit(tg.grad(jitted))(X), d1(X), **tol("roundoff"))
    tg.check_grads(jitted, (X,), order=2)


def test_a_closure_over_an_outer_tracer_runs_eagerly():
    def outer(y):
        return tg.jit(lambda x: np.sum(x * y))(X)
    np.testing.assert_allclose(tg.grad(outer)(1.5), np.sum(X), **tol("roundoff"))


def test_custom_rules_and_checkpoint_inside_jit_of_grad():
    @tg.custom_vjp
    def clipped(x):
        return x

    clipped.defvjp(lambda x: (x, None), lambda res, ct: (np.clip(ct, -1.0, 1.0),))

    def fun(x):
        return np.sum(clipped(3.0 * x)) + np.sum(tg.checkpoint(f)(x))
    g = tg.jit(tg.grad(fun))
    np.testing.assert_allclose(g(X), 3.0 + d1(X), **tol("roundoff"))  # ct 1 clipped to 1
    np.testing.assert_allclose(g(X), tg.grad(fun)(X), **tol("roundoff"))


@pytest.mark.parametrize("n", [3, 5000])  # 5000: the NaN check screens by a dot product
def test_zero_times_inf_in_derivatives_matches_eager(n):
    def fun(x):
        return np.sum(np.where(x > 0, np.sqrt(x), 0.0))
    z = np.resize([0.0, 1.0, 4.0], n)
    g = tg.jit(tg.grad(fun))
    with np.errstate(all="ignore"):
        for _ in range(2):
            got = g(z)
            want = tg.grad(fun)(z)
    np.testing.assert_allclose(got, want, **tol("roundoff"))
    assert not np.isnan(got).any()


def _nan_cases():
    """(name, array) over dtypes and layouts, with and without NaN, inf and overflow."""
    base = rand((96, 64))
    for dt in (np.float64, np.float32, np.complex128):
        for name, make in [("C", lambda a: a), ("F", np.asfortranarray),
                           ("strided", lambda a: a[:, ::2])]:
            a = make(base.astype(dt))
            yield f"{dt.__name__}-{name}-finite", a
            big = a.copy()
            big.flat[::7] = 1e300 if dt is not np.float32 else 1e30  # squares overflow
            yield f"{dt.__name__}-{name}-overflow", big
            for where in (0, a.size // 2, a.size - 1):
                for bad in (np.nan, np.inf, -np.inf):
                    b = a.copy()
                    b.flat[where] = bad
                    yield f"{dt.__name__}-{name}-{bad}@{where}", b
    c = base.astype(np.complex128)
    c.flat[5] = complex(0.0, np.nan)
    yield "complex-nan-imaginary", c


@pytest.mark.parametrize("name, x", list(_nan_cases()), ids=[n for n, _ in _nan_cases()])
def test_the_nan_check_finds_nans_and_only_nans(name, x):
    from tangents.jit.api import _has_nan
    assert _has_nan([x]) == bool(np.isnan(x).any())
    assert _has_nan([np.float64(1.0), x]) == bool(np.isnan(x).any())


def test_the_nan_check_of_a_large_output_makes_no_boolean_array():
    """W1's 270k gradient numbers were checked by isnan, a pass writing a boolean array and
    one counting it; a dot product reads them once and allocates nothing."""
    import tracemalloc

    from tangents.jit.api import _has_nan
    x = rand((1 << 20,))
    _has_nan([x])
    tracemalloc.start()
    try:
        assert not _has_nan([x])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < x.size // 16, peak


def test_the_nan_check_of_a_real_output_wakes_no_blas_threads(monkeypatch):
    """W2's two 16 MB outputs were screened by dot products, whose OpenBLAS threads took
    3-8 ms to wake on a busy machine, more than the whole jitted step; a max reads them once
    on the calling thread."""
    from tangents.jit import api

    def no_blas(*args, **kwargs):
        raise AssertionError("the NaN check called BLAS")
    monkeypatch.setattr(api.np, "dot", no_blas)
    for dtype in (np.float64, np.float32):
        x = rand((1 << 14,), dtype=dtype)
        assert not api._has_nan([x])
        x[-1] = np.nan
        assert api._has_nan([x])


def test_in_place_updates_of_arguments_are_written_back():
    def fun(x):
        x[0] = 5.0
        x *= 2.0
        return np.sum(x)
    for _ in range(2):
        a, b = X.copy(), X.copy()
        assert tg.jit(fun)(a) == approx(fun(b), "roundoff")
        np.testing.assert_array_equal(a, b)


def test_results_share_no_memory_with_arguments_where_eager_did_not():
    jitted = tg.jit(lambda x: (x * 1.0, x + 0.0))
    x = X.copy()
    for _ in range(2):
        a, b = jitted(x)
        a[0] = b[1] = 99.0
        np.testing.assert_array_equal(x, X)


def test_threads_share_one_jitted_function():
    jitted = tg.jit(tg.grad(lambda x: np.sum(np.sin(x) * x) if np.sum(x) > 0
                            else np.sum(x ** 3)))
    inputs = [X * k for k in (1, -1, 2, -3)] + [np.ones(k) for k in (2, 3)]
    errors = []

    def work(seed):
        try:
            for j in range(30):
                x = inputs[(seed + j) % len(inputs)]
                want = (np.cos(x) * x + np.sin(x)) if np.sum(x) > 0 else 3 * x ** 2
                np.testing.assert_allclose(jitted(x), want, **tol("roundoff"))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=work, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_a_numpy_function_without_a_rule_raises_at_trace_time_naming_it():
    jitted = tg.jit(lambda x: np.lib.stride_tricks.sliding_window_view(x, 2))
    with pytest.raises(tg.NoDerivativeRuleError, match="sliding_window_view"):
        jitted(X)


def test_unhashable_static_values_are_refused_clearly():
    jitted = tg.jit(lambda x, opts: x * len(opts))
    with pytest.raises(TypeError, match="not hashable.*set"):
        jitted(X, {1, 2})
    np.testing.assert_allclose(jitted(X, (1, 2)), 2 * X, **tol("roundoff"))


def test_lower_prints_the_program():
    text = tg.jit(branchy).lower(np.ones(3)).as_text()
    lines = text.splitlines()
    assert lines[0] == "program(v0: f64[3])"
    assert any(line.strip().startswith("guard bool(") and "test_jit.py:" in line
               for line in lines)
    assert "sin(v0)" in text and lines[-1].strip().startswith("return ")


def test_executor_choice_from_the_environment(monkeypatch):
    monkeypatch.setenv("TANGENTS_JIT_EXECUTOR", "cuda")  # fused: tests/jit/test_fused.py
    with pytest.raises(ValueError, match="'numpy' or 'fused'"):
        tg.jit(loss)
    monkeypatch.setenv("TANGENTS_JIT_EXECUTOR", "numpy")
    np.testing.assert_allclose(tg.jit(loss)(X), loss(X), **tol("roundoff"))


def test_the_numpy_namespace_inside_jit():
    fun = tg.jit(lambda x: tnp.sum(tnp.tanh(x)) / x.shape[0])
    np.testing.assert_allclose(fun(X), np.mean(np.tanh(X)), **tol("roundoff"))
