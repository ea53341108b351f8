"""In-place updates of traced arrays and tnp.at (putmask and place too): through the harness
and against NumPy."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand, tol

import tangents as tg
import tangents.numpy as tnp


def _inplace(key, value_of):
    """f(x): a copy of x with copy[key] = value_of(x), then a nonlinear read-out."""
    def f(x):
        y = x.copy()
        y[key] = value_of(x)
        return y * y
    return f


KEYS = [
    (0, lambda x: tnp.sin(x[1])),
    (slice(1, None), lambda x: x[:-1] * 2.0),
    ((Ellipsis, -1), lambda x: tnp.exp(x[..., 0])),
    (np.array([0, 2]), lambda x: x[1] * 3.0),
    (np.array([2, 0, 2]), lambda x: tnp.cos(x[0:3])),  # repeated target: last write wins
    (np.array([True, False, True, False]), lambda x: 1.5),
    ((slice(None), None), lambda x: x[:, None] + 1.0),
]
SHAPES = {0: (4,), 1: (4,), 2: (2, 3), 3: (4,), 4: (4,), 5: (4,), 6: (4,)}
CASES = []
for k, (key, val) in enumerate(KEYS):
    x = rand(SHAPES[k], seed=k)
    CASES.append(Case(f"setitem[{k}]", _inplace(key, val), (x,), np_fun=_inplace(
        key, lambda x, val=val: np.asarray(val(x)))))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_setitem_rule(case):
    check_case(case)


AUGMENTED = [
    ("iadd_slice", lambda x: _aug(x, slice(0, 2), "add")),
    ("isub_fancy", lambda x: _aug(x, np.array([1, 3]), "sub")),
    ("imul_all", lambda x: _aug(x, Ellipsis, "mul")),
]


def _aug(x, key, op):
    y = x.copy()
    v = np.sin(x[key]) if key is not Ellipsis else np.cos(x)
    if op == "add":
        y[key] += v
    elif op == "sub":
        y[key] -= v
    else:
        y *= v
    return y


@pytest.mark.parametrize("name,fun", AUGMENTED, ids=[a[0] for a in AUGMENTED])
def test_augmented_assignment(name, fun):
    check_case(Case(name, fun, (rand((4,)),), np_fun=fun))


def test_repeated_index_assignment_matches_numpy():
    x = rand((4,))
    idx = np.array([1, 1, 3, 1])
    vals = np.array([10.0, 20.0, 30.0, 40.0])
    ref = x.copy()
    ref[idx] = vals
    np.testing.assert_array_equal(tnp.at(x)[idx].set(vals), ref)
    # the gradient goes only to the write that lands
    g = tg.grad(lambda v: tnp.sum(tnp.at(x)[idx].set(v) * np.arange(4.0)))(vals)
    np.testing.assert_array_equal(g, [0.0, 0.0, 3.0, 1.0])


def test_at_add_accumulates_repeated_indices_and_multiply():
    x = rand((5,))
    idx = [0, 0, 4]
    ref = x.copy()
    np.add.at(ref, idx, 1.5)
    np.testing.assert_allclose(tnp.at(x)[idx].add(1.5), ref)
    check_case(Case("at.add", lambda x, v: tnp.at(x)[idx].add(v) ** 2,
                    (x, rand((3,), seed=2))))
    check_case(Case("at.multiply", lambda x, v: tnp.at(x)[1:3].multiply(v) ** 2,
                    (x, rand((2,), seed=3))))
    check_case(Case("at.set", lambda x, v: tnp.at(x)[::2].set(v) ** 2,
                    (x, rand((3,), seed=4))))
    assert (tnp.at(x)[1].get() == x[1]).all()
    np.testing.assert_array_equal(x, rand((5,)))  # functional: x is unchanged


def test_buffers_from_traced_arrays_receive_traced_values():
    def f(x):
        for make in (np.zeros_like, np.ones_like):
            buf = make(x)
            buf[1:] = np.tanh(x[:-1])
            x = x + buf
        empty = np.empty_like(x)
        empty[:] = np.sin(x)
        x = x * empty
        full = np.full_like(x, 2.0)
        full[0] = x[0] ** 2
        return np.sum(full * x)
    tg.check_grads(f, (rand((5,)),), order=2)
    g = tg.vmap(tg.grad(f))(rand((3, 5)))
    np.testing.assert_allclose(g[1], tg.grad(f)(rand((3, 5))[1]))


def test_copy_is_independent_of_its_source():
    def f(x):
        y = x.copy()
        z = tnp.array(x)  # np.array itself cannot dispatch: NumPy calls __array__
        y[0] = 0.0
        z[1] = 0.0
        return np.sum(x) + 2 * np.sum(y) + 4 * np.sum(z)
    np.testing.assert_allclose(tg.grad(f)(rand((3,))), [5.0, 3.0, 7.0])


def test_inplace_update_of_an_input_keeps_its_gradient():
    def f(x):
        x += 1.0
        x *= x
        return np.sum(x)
    x = rand((3,))
    np.testing.assert_allclose(tg.grad(f)(x), 2 * (x + 1))
    np.testing.assert_allclose(tg.jvp(f, (x,), (np.ones(3),))[1], np.sum(2 * (x + 1)))
    out, f_jvp = tg.linearize(f, x)
    np.testing.assert_allclose(f_jvp(np.ones(3)), np.sum(2 * (x + 1)))


def test_seed_style_batched_jacobian_with_diagonal_overwrite():
    """Build a batched softmax-like Jacobian by broadcasting, overwrite its diagonal with
    J[:, iy, ix] = s * (1 - s), then contract it with einsum."""
    def loss(z, w):
        s = 1 / (1 + np.exp(-z))                       # (B, n)
        n = s.shape[1]
        J = -s[:, :, None] * s[:, None, :]             # traced (B, n, n)
        iy, ix = np.diag_indices(n)
        J[:, iy, ix] = s * (1 - s)
        return np.einsum("bij,bj,i->", J, z, w)

    z, w = rand((4, 3)), rand((3,), seed=1)

    def reference(z):
        s = 1 / (1 + np.exp(-z))
        J = -s[:, :, None] * s[:, None, :]
        J[:, np.arange(3), np.arange(3)] = s * (1 - s)
        return np.einsum("bij,bj,i->", J, z, w)
    np.testing.assert_allclose(loss(z, w), reference(z))
    tg.check_grads(loss, (z, w), order=2)


def test_fill_diagonal_copyto_put():
    def f(x):
        A = np.zeros_like(x[:, None] * x[None, :])
        np.fill_diagonal(A, x ** 2)
        B = np.ones_like(A)
        np.copyto(B, A * 3.0, where=np.eye(3, dtype=bool))
        np.put(B, [1, 5], np.sin(x[:2]))
        return np.sum(B @ x)

    def reference(x):
        A = np.zeros((3, 3))
        np.fill_diagonal(A, x ** 2)
        B = np.ones_like(A)
        np.copyto(B, A * 3.0, where=np.eye(3, dtype=bool))
        np.put(B, [1, 5], np.sin(x[:2]))
        return np.sum(B @ x)
    x = rand((3,))
    np.testing.assert_allclose(f(x), reference(x))
    tg.check_grads(f, (x,), order=2)


def test_writing_traced_values_into_plain_arrays_raises_clearly():
    def f(x):
        buf = np.zeros((3, 3))
        np.fill_diagonal(buf, x)
        return np.sum(buf)
    with pytest.raises(tg.TracerConversionError, match="zeros_like"):
        tg.grad(f)(rand((3,)))

    def g(x):
        buf = np.zeros(3)
        buf[1:] = x[:2]
        return np.sum(buf)
    with pytest.raises(tg.TracerConversionError):
        tg.grad(g)(rand((3,)))


# -- writes through a boolean mask that varies per example under vmap: where(mask, v, x) ----
def _mask_full(x):  # full-shape mask, traced scalar value
    y = x.copy()
    y[x > 0.3] = np.sum(np.sin(x))
    return y * y


def _mask_rows(x):  # mask over the leading axis, one value per trailing position
    y = x * 1.0
    y[x[:, 0] > 0.0] = np.cos(x[0])
    return np.tanh(y)


def _mask_ellipsis(x):  # mask over the last axis after an Ellipsis
    y = x.copy()
    y[..., x[0] < 0.5] = 2.0 * x[1, 0]
    return y * x


def _mask_slice(x):  # x[:, mask] = v with v of shape (rows, 1)
    y = x.copy()
    y[:, x[1] > -0.5] = np.exp(x[:, :1])
    return y ** 2


def _mask_scalar(x):  # 0-d: relu written as a masked write
    y = np.copy(x)  # a 0-d array even for a NumPy scalar
    y[y < 0] = 0.0
    return y * y + x


def _mask_at(x):  # functional add and multiply through a traced mask
    m = x[:, 0] > 0.0
    y = tnp.at(x)[m].add(np.sin(x[0]))
    return tnp.at(y)[m, ...].multiply(x[-1]) ** 2


def _mask_augmented(x):  # x[mask] op= v: where(mask, x op v, x)
    y = x * 1.0
    y[x > 0.0] *= 0.1
    y[x[:, 0] < 0.0] += np.sin(x[0])
    y[..., x[0] > 0.0] -= 2.0 * x[1, 1]
    y[x < 0.0] /= x[0, 0] ** 2 + 1.0
    y[:, x[2] > 0.0] **= 2.0
    return y * x


MASKED = [("full", _mask_full, (2, 3), 0.3), ("augmented", _mask_augmented, (3, 3), 0.0),
          ("rows", _mask_rows, (3, 4), 0.0),
          ("ellipsis", _mask_ellipsis, (2, 3), 0.5), ("slice", _mask_slice, (2, 3), -0.5),
          ("scalar", _mask_scalar, (), 0.0), ("at", _mask_at, (3, 3), 0.0)]


def _away_from(threshold, shape, seed=0):
    x = rand(shape, seed=seed)
    return np.where(np.abs(x - threshold) < 0.1, x + 0.25, x)  # no entry near the threshold


@pytest.mark.parametrize("name,fun,shape,thr", MASKED, ids=[m[0] for m in MASKED])
def test_masked_write_under_vmap(name, fun, shape, thr):
    x = _away_from(thr, shape, seed=3)
    check_case(Case(f"masked-{name}", fun, (x,), np_fun=fun))
    batch = np.stack([_away_from(thr, shape, seed=s) for s in (3, 5, 6)])
    loss = lambda x: np.sum(fun(x) * np.cos(x))
    want_g = np.stack([tg.grad(loss)(b) for b in batch])
    want_h = np.stack([tg.hessian(loss)(b) for b in batch])
    for axis in range(len(shape) + 1):
        xb = np.moveaxis(batch, 0, axis)
        np.testing.assert_allclose(tg.vmap(tg.grad(loss), in_axes=axis)(xb), want_g,
                                   **tol("roundoff"))
        np.testing.assert_allclose(tg.vmap(tg.hessian(loss), in_axes=axis)(xb), want_h,
                                   **tol("roundoff"))
        jv = tg.vmap(lambda x: tg.jvp(fun, (x,), (np.ones_like(x),))[1], in_axes=axis)(xb)
        np.testing.assert_allclose(jv, np.stack([tg.jvp(fun, (b,), (np.ones_like(b),))[1]
                                                 for b in batch]), **tol("roundoff"))


def test_masked_write_with_data_dependent_values_raises_clearly():
    def per_entry(x):
        y = x.copy()
        y[x > 0] = np.arange(3.0)  # needs exactly 3 selected entries in every example
        return y

    def mixed(x):
        y = x.copy()
        y[0, x[0] > 0] = 1.0
        return y
    x = np.array([[1.0, -1.0, 2.0, 3.0], [-1.0, 1.0, 1.0, 1.0]])
    np.testing.assert_array_equal(per_entry(x[0]), [0.0, -1.0, 1.0, 2.0])  # NumPy's answer
    with pytest.raises(ValueError, match="data-dependent"):
        tg.vmap(per_entry)(x)
    with pytest.raises(NotImplementedError, match="np.where"):
        tg.vmap(mixed)(np.stack([x, x]))
    with pytest.raises(IndexError, match="did not match"):
        tg.vmap(lambda x: tnp.at(x)[x[0] > 0].set(0.0))(np.ones((2, 3, 4)))


def test_reading_through_a_traced_mask_raises_clearly():
    # x[mask] exists under vmap only on the way to x[mask] op= v; any other use says so
    x = np.array([[1.0, -1.0, 2.0], [-1.0, 1.0, 1.0]])
    uses = [lambda x: x[x > 0], lambda x: np.sum(x[x > 0]), lambda x: x[x > 0] * 2.0,
            lambda x: tnp.mean(x[x > 0]), lambda x: -x[x > 0]]
    for use in uses:
        with pytest.raises(NotImplementedError, match="boolean mask traced by vmap"):
            tg.vmap(use)(x)

    def chained(x):
        y = x * 1.0
        s = y[y > 0]
        s += 1.0
        s *= 2.0  # a second update of the detached selection
        return y
    with pytest.raises(NotImplementedError, match="boolean mask traced by vmap"):
        tg.vmap(chained)(x)

    def two_masks(x):
        y = x * 2.0
        y[x > 0] = x[x > 0]  # two mask objects: their equality is per-example data
        return y
    with pytest.raises(NotImplementedError, match="boolean mask traced by vmap"):
        tg.vmap(two_masks)(x)


def test_copy_between_arrays_through_one_traced_mask():
    def f(x):
        y, z = np.sin(x), x * 2.0
        m = x > 0
        z[m] = y[m]
        k = m[0]
        z[:, k] -= 0.5
        z[:, k] = y[:, k]
        return z
    x = np.array([[[1.0, -1.0], [2.0, 0.5]], [[-1.0, 1.5], [0.5, -0.3]]])
    np.testing.assert_allclose(tg.vmap(f)(x), np.stack([f(b) for b in x]), **tol("exact"))


def test_masked_augmented_assignment_matches_numpy_per_example():
    x = np.array([[1.0, -1.0, 2.0], [-1.0, 1.5, 0.5], [0.3, -0.2, -0.7]])
    np.testing.assert_allclose(tg.vmap(_mask_augmented)(np.stack([x, -x, x + 0.5])),
                               np.stack([_mask_augmented(b) for b in (x, -x, x + 0.5)]),
                               **tol("exact"))


# -- putmask and place -----------------------------------------------------------------------
def _inplace(np_mod, op, mask_of, values_of):
    """A copy of x written with np.putmask / np.place, then a nonlinear read-out."""
    def f(x):
        y = x.copy()
        getattr(np_mod, op)(y, mask_of(x), values_of(x))
        return y * y
    return f


PUTMASK_CASES = [
    Case("putmask", _inplace(tnp, "putmask", lambda x: x > 0, lambda x: tnp.sin(x[:2]) * 3),
         (rand((5,)),), np_fun=_inplace(np, "putmask", lambda x: x > 0,
                                       lambda x: np.sin(x[:2]) * 3)),
    Case("putmask-2d", _inplace(tnp, "putmask", lambda x: np.array([[1, 0, 1], [0, 1, 1]]),
                                lambda x: x[::-1]),
         (rand((2, 3)),), np_fun=_inplace(np, "putmask", lambda x: np.array(
             [[1, 0, 1], [0, 1, 1]]), lambda x: x[::-1])),
    Case("place", _inplace(tnp, "place", lambda x: x < 0.5, lambda x: tnp.exp(x[:2])),
         (rand((2, 3)),), np_fun=_inplace(np, "place", lambda x: x < 0.5,
                                         lambda x: np.exp(x[:2]))),
    Case("place-scalar", _inplace(tnp, "place", lambda x: np.array([1, 0, 1, 1]),
                                  lambda x: x[0] * 2),
         (rand((4,)),), np_fun=_inplace(np, "place", lambda x: np.array([1, 0, 1, 1]),
                                        lambda x: x[0] * 2)),
]


@pytest.mark.parametrize("case", PUTMASK_CASES, ids=case_id)
def test_putmask_and_place_rule(case):
    check_case(case)


def test_putmask_and_place_errors_match_numpy():
    x = rand((4,))
    with pytest.raises(tg.TracerConversionError, match="np.putmask"):
        tg.grad(lambda x: (np.putmask(np.zeros(4), x > 0, x), 0.0)[1])(x)
    for mod in (np, tnp):
        with pytest.raises(ValueError, match="Cannot insert from an empty array"):
            mod.place(x.copy(), x > -9, [])
        with pytest.raises(ValueError, match="mask and data must be the same size"):
            mod.putmask(x.copy(), x[:3] > 0, 1.0)
    with pytest.raises(ValueError, match="Cannot insert from an empty array"):
        tg.vmap(lambda x: (tnp.place(x, x > -9, []), x)[1])(x[None])
    with pytest.raises(TypeError, match="must be numpy.ndarray"):
        tg.grad(lambda x: (tnp.place([0.0, 1.0], [True, False], x[:1]), 0.0)[1])(x)


@pytest.mark.parametrize("name, write", [
    ("copyto", lambda m, a: m.copyto(a, np.arange(6.0).reshape(2, 3), where=a > -1)),
    ("put", lambda m, a: m.put(a, [0, 4], [7.0, 8.0])),
    ("fill_diagonal", lambda m, a: m.fill_diagonal(a, 5.0, wrap=True)),
    ("putmask", lambda m, a: m.putmask(a, a == 0, [1.0, 2.0])),
])
def test_in_place_writes_into_plain_arrays_are_numpys(name, write):
    got, want = np.zeros((2, 3)), np.zeros((2, 3))
    assert write(tnp, got) is None and write(np, want) is None
    np.testing.assert_array_equal(got, want)
