"""Small matrix products inside elementwise work (a PINN's layers, an MLP's gradient) give
eager's values through tg.jit under both executors; the fused one computes them row by row in
its kernels (tangents/jit/contract.py), summing in another order than BLAS."""
import numpy as np
import pytest
from harness import rand, tol

import tangents as tg
import tangents.numpy as tnp


def mlp(params, x):
    """1 -> 50 -> 50 -> 1 tanh, W6's network."""
    w1, b1, w2, b2, w3, b3 = params
    return tnp.tanh(tnp.tanh(x @ w1 + b1) @ w2 + b2) @ w3 + b3


def pinn_params(dtype):
    width = 50
    return (rand((1, width), seed=1, dtype=dtype), rand((width,), seed=2, dtype=dtype) / 10,
            rand((width, width), seed=3, dtype=dtype) / width ** 0.5,
            rand((width,), seed=4, dtype=dtype) / 10,
            rand((width, 1), seed=5, dtype=dtype) / width ** 0.5,
            rand((1,), seed=6, dtype=dtype) / 10)


def pinn(params):
    """du/dx and d2u/dx2 at every point, as W6 computes them."""
    du = tg.elementwise_grad(lambda x: mlp(params, x))
    return lambda x: (du(x), tg.elementwise_grad(du)(x))


def loss_grad(w1, w2, w3, x):
    """An MLP loss's gradient: its VJP multiplies by transposed weights (ct @ w.T) and
    transposed activations (h.T @ ct, a product over the batch)."""
    def loss(w1, w2, w3):
        h = tnp.tanh(tnp.tanh(x @ w1) @ w2)
        return tnp.sum((h @ w3) ** 2)
    return tg.grad(loss, argnums=(0, 1, 2))(w1, w2, w3)


def shared_weights(a, w):
    """Three products with one right operand, their left ones made before any of them."""
    return tnp.cos(a @ w) + (a * a) @ w * tnp.sin((a - 1) @ w)


def mlp_args(dtype):
    return (rand((3, 16), seed=1, dtype=dtype), rand((16, 16), seed=2, dtype=dtype) / 4,
            rand((16, 2), seed=3, dtype=dtype), rand((40, 3), seed=4, dtype=dtype))


# (name, function, arguments(dtype)); each keeps a product between elementwise operations
CASES = [
    ("pinn", lambda x: pinn(pinn_params(x.dtype))(x),
     lambda dt: (np.linspace(-2, 2, 1500, dtype=dt).reshape(-1, 1),)),
    ("mlp gradient", loss_grad, mlp_args),
    ("few columns", lambda x, w: tnp.exp((x * 2 + 1) @ w) - 1,
     lambda dt: (rand((20, 12), dtype=dt) / 4, rand((12, 3), seed=1, dtype=dt) / 4)),
    ("short inner axis", lambda x, w: tnp.cos((x + 1) @ w),
     lambda dt: (rand((20, 3), dtype=dt), rand((3, 2), seed=1, dtype=dt))),
    ("transposed operands", lambda x, w: tnp.sin((x * 2).T @ w.T) * 3,
     lambda dt: (rand((20, 9), dtype=dt), rand((5, 20), seed=1, dtype=dt))),
    ("weights made inside", lambda x, w: tnp.cos((x * 2) @ (w * 3)),
     lambda dt: (rand((20, 12), dtype=dt), rand((12, 10), seed=1, dtype=dt) / 8)),
    ("shared weights", lambda x, w: shared_weights(x * 2, w),
     lambda dt: (rand((20, 12), dtype=dt), rand((12, 10), seed=1, dtype=dt) / 4)),
    ("long inner axis", lambda x, w: tnp.sin((x - 1) @ w),
     lambda dt: (rand((20, 80), dtype=dt), rand((80, 10), seed=1, dtype=dt) / 8)),
    ("rows reduced too", lambda x, w: ((x * x) @ w + tnp.sum(x, axis=0)[:8],
                                       tnp.sum(x * 3, axis=0)),
     lambda dt: (rand((30, 12), dtype=dt), rand((12, 8), seed=1, dtype=dt))),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_small_products_give_eagers_values(case, dtype):
    """float64: eager's values to roundoff.  float32: these sums cancel (W6's second
    derivative most), and eager float32 is itself up to 1e-3 relative off its float64 value
    on the smallest entries, so each value must be within eager float32's largest error (on
    the same inputs, against float64 eager) of float64 eager, to float32 roundoff."""
    _, fun, make = case
    assert_jit_gives_eagers_values(fun, make(dtype), dtype)


def assert_jit_gives_eagers_values(fun, args, dtype):
    """tg.jit(fun)'s later calls against eager: float64 to roundoff; float32 within eager
    float32's own largest error (against float64 eager) of float64 eager, to roundoff."""
    jitted = tg.jit(fun)
    jitted(*args)  # the first call traces fun, which computes eagerly
    got, want = jitted(*args), fun(*args)
    ref = fun(*(a.astype(np.float64) for a in args))
    got, want, ref = (r if isinstance(r, tuple | list) else (r,) for r in (got, want, ref))
    for a, b, r in zip(got, want, ref, strict=True):
        assert type(a) is type(b) and a.dtype == b.dtype == dtype and a.shape == b.shape
        if dtype == np.float64:
            np.testing.assert_allclose(a, b, **tol("roundoff"))
            continue
        t = tol("roundoff", np.float32)
        bound = np.max(np.abs(b - r)) + t["atol"] + t["rtol"] * np.abs(r)
        assert np.all(np.abs(a - r) <= bound), np.max(np.abs(a - r) - bound)


def fused_run(fun, *args):
    """``fun``'s fused run, checked against eager, and how many matmuls it leaves to NumPy."""
    from tangents.jit.fused import compile_fused
    from tangents.numpy import _contractions
    run = compile_fused(tg.jit(fun).lower(*args).program)
    got, want = run(*args), fun(*args)
    for a, b in zip(got, want if isinstance(want, tuple) else (want,), strict=True):
        np.testing.assert_allclose(a, b, **tol("roundoff"))
    blas = sum(f is _contractions._matmul_impl for f in run.__globals__.values())
    return run, blas
