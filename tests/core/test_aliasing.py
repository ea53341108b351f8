"""In-place updates through NumPy views: traced code must compute what NumPy computes.

Each function below is ordinary NumPy code that writes through a view (or through an array
that has views).  Its value on plain arrays is the reference; traced, the value must agree,
and the derivatives must agree with finite differences, forward with reverse mode, and
vmap with stacking."""
import numpy as np
import pytest
from harness import tol

import tangents as tg


def write_through_row(x):
    y = x.copy()
    v = y[0]
    v += 1.0
    return np.sum(y ** 2)


def base_update_seen_by_view(x):
    y = x * 1.0
    v = y[1:]
    y += 1.0
    return np.sum(v ** 2)


def transpose_and_reshape_views(x):
    y = x * 1.0
    t = y.T
    t[0] *= 3.0
    r = y.reshape(-1)
    r[-1] = 0.0
    return np.sum(y ** 2) + np.sum(t ** 3)


def reshape_of_transpose_copies(x):
    y = x * 1.0
    r = y.T.reshape(-1)  # not C-contiguous: NumPy copies, so y keeps its values
    r[0] = 100.0
    return np.sum(y ** 2) + np.sum(r)


def view_of_view(x):
    y = x * 1.0
    s = y[:, ::2][::-1]
    s *= 2.0
    inner = s[:, 1]
    y[...] = np.sin(y)  # the base changes: both views see it
    return np.sum(y ** 2) + np.sum(s * 1.5) + np.sum(inner ** 3)


def scalar_index_copies_but_ellipsis_views(x):
    y = x * 1.0
    s = y[0, 0]  # a NumPy scalar: a copy
    s += 5.0
    e = y[1, 1, ...]  # a 0-d view
    e *= 4.0
    return np.sum(y ** 2) + s


def advanced_index_copies(x):
    y = x * 1.0
    c = y[[0, 1]]
    c += 1.0
    m = y[np.array([[True, False, True], [False, True, False]])]
    m *= 0.0
    return np.sum(y ** 2) + np.sum(c ** 2)


def flatten_copies_ravel_views(x):
    y = x * 1.0
    f = y.flatten()
    f[0] = -7.0
    r = np.ravel(y)
    r[1] = 9.0
    return np.sum(y ** 2) + np.sum(f)


def axis_views(x):
    y = x * 1.0
    w = np.swapaxes(y, 0, 1)
    w[1] += y[:, 0]
    z = np.expand_dims(y, 0)
    z *= 2.0
    q = np.moveaxis(y[None], 0, -1)
    q[..., 0] -= 1.0
    return np.sum(np.squeeze(q) ** 3) + np.sum(y)


FUNS = [write_through_row, base_update_seen_by_view, transpose_and_reshape_views,
        reshape_of_transpose_copies, view_of_view, scalar_index_copies_but_ellipsis_views,
        advanced_index_copies, flatten_copies_ravel_views, axis_views]


@pytest.mark.parametrize("fun", FUNS, ids=lambda f: f.__name__)
def test_views_follow_numpy(fun):
    x = np.arange(6.0).reshape(2, 3) / 3.0 + 0.5
    value, g = tg.value_and_grad(fun)(x)
    np.testing.assert_allclose(value, fun(x), **tol("exact"))
    tg.check_grads(fun, (x,), order=2)
    xs = np.stack([x, x + 0.25, -x])
    np.testing.assert_allclose(tg.vmap(fun)(xs), [fun(xi) for xi in xs], **tol("exact"))
    np.testing.assert_allclose(tg.vmap(tg.grad(fun))(xs),
                               np.stack([tg.grad(fun)(xi) for xi in xs]), **tol("roundoff"))


def test_view_written_under_an_inner_transform_of_a_nested_derivative():
    def f(x):
        y = np.outer(x, x)
        d = y[np.arange(3), np.arange(3)]  # advanced: a copy
        row = y[1]
        row *= d
        return np.sum(np.tanh(y))
    x = np.array([0.3, -0.7, 1.1])
    np.testing.assert_allclose(tg.grad(f)(x), tg.jacfwd(f)(x), **tol("roundoff"))
    tg.check_grads(f, (x,), order=3)


def test_in_place_update_cannot_change_the_shape():
    def f(x):
        y = x * 1.0
        y += np.ones((2,) + x.shape)
        return np.sum(y)
    with pytest.raises(ValueError, match=r"in-place update cannot change an array's shape"):
        tg.grad(f)(np.ones(3))


def test_in_place_update_keeps_the_dtype():
    def f(x):
        y = x * np.float32(2)
        y += np.linspace(0.0, 1.0, 3)  # float64 into float32, as NumPy: stays float32
        return y
    x = np.ones(3, np.float32)
    out, pull = tg.vjp(f, x)
    assert out.dtype == np.float32 and f(x).dtype == np.float32
    np.testing.assert_allclose(out, f(x))
    assert pull(np.ones(3, np.float32))[0].dtype == np.float32

    def g(x):
        y = x * 1.0
        y += 1j * x
        return np.sum(y)
    with pytest.raises(TypeError, match="same_kind"):
        tg.grad(g)(np.ones(3))


def test_jacobians_through_writes_into_views():
    def f(x):
        y = np.concatenate([x, x ** 2])
        v = y[::2]
        v *= np.sin(x[:3])
        w = y.reshape(2, 3).T
        w[1] -= x[0]
        return y

    x = np.array([0.3, -0.8, 1.1])
    eps = 1e-6
    numeric = np.stack([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(3)], 1)
    np.testing.assert_allclose(tg.jacrev(f)(x), numeric, **tol("fd"))
    np.testing.assert_allclose(tg.jacfwd(f)(x), numeric, **tol("fd"))
    np.testing.assert_allclose(tg.hessian(lambda x: np.sum(f(x) ** 3))(x),
                               tg.jacrev(tg.jacrev(lambda x: np.sum(f(x) ** 3)))(x),
                                         **tol("composed"))


def test_in_place_array_methods_follow_numpy():
    # sort, partition, fill, put update the array itself; view() is a view; the other
    # methods return new values, as NumPy's
    def f(x):
        y = x * 1.0
        y.sort()
        z = y.view()
        z *= 2.0
        w = x.copy()
        w.partition(2)
        q = x * 1.0
        q.put([0, 1], [5.0, 6.0])
        r = x * 1.0
        r.fill(3.0)
        c = x.compress([True, False, True, False, True])
        k = np.sort(x).searchsorted(0.5)
        return (np.sum(y ** 2) + w[2] + np.sum(q ** 2) + np.sum(r * x) + np.sum(c ** 3)
                + x[k] + x.nbytes / x.itemsize)

    x = np.array([0.3, -1.0, 2.0, 0.7, 1.5])
    np.testing.assert_allclose(tg.value_and_grad(f)(x)[0], f(x), **tol("exact"))
    tg.check_grads(f, (x,), order=2)
    xs = np.stack([x, x + 1.0, -x])
    np.testing.assert_allclose(tg.vmap(f)(xs), [f(b) for b in xs], **tol("exact"))
    with pytest.raises(TypeError, match="astype"):
        tg.grad(lambda x: np.sum(x.view(np.int64)))(x)
    with pytest.raises(ValueError, match="np.resize"):
        tg.grad(lambda x: x.resize((6,)))(x)


# -- random programs of views and in-place updates, against NumPy itself ----------------------
_VIEWS = [lambda a: a[1] if a.ndim >= 2 else None, lambda a: a[1:] if a.ndim else None,
          lambda a: a[::2] if a.ndim else None, lambda a: a[::-1] if a.ndim else None,
          lambda a: a.T if a.ndim >= 2 else None, lambda a: a.ravel(),
          lambda a: a.reshape(-1, 1) if a.ndim == 1 else a.reshape(-1), lambda a: a[None],
          lambda a: a[...], lambda a: a.view(), lambda a: a.copy(),
          lambda a: a[[0]] if a.ndim and len(a) else None]
_UPDATES = [lambda a, s: a.__iadd__(s), lambda a, s: a.__imul__(1.5),
            lambda a, s: a.__setitem__(Ellipsis, s * 0.5),
            lambda a, s: a.__setitem__(0, s) if a.ndim and len(a) else None,
            lambda a, s: a.__setitem__(Ellipsis, np.sin(a))]


def _random_program(seed):
    rng = np.random.default_rng(seed)
    steps = [(rng.random() < 0.5, int(rng.integers(12)), float(rng.random()))
             for _ in range(rng.integers(2, 8))]

    def f(x):
        arrays, s = [x * 1.0], x[0, 0] * 0.3
        for is_view, i, pick in steps:
            src = arrays[int(pick * len(arrays))]
            if is_view:
                v = _VIEWS[i](src)
                if v is not None:
                    arrays.append(v)
            else:
                _UPDATES[i % len(_UPDATES)](src, s)
        return sum(np.sum(np.sin(a) * (j + 1)) for j, a in enumerate(arrays))
    return f


@pytest.mark.parametrize("seed", range(0, 120, 3))
def test_random_view_and_update_programs_match_numpy(seed):
    f = _random_program(seed)
    x = np.arange(6.0).reshape(2, 3) / 5 + 0.1
    np.testing.assert_allclose(tg.value_and_grad(f)(x)[0], f(x.copy()), **tol("roundoff"))
    tg.check_grads(f, (x,), order=1)
    xs = np.stack([x, x + 0.2])
    np.testing.assert_allclose(tg.vmap(f)(xs), [f(xs[0].copy()), f(xs[1].copy())],
                               **tol("roundoff"))
