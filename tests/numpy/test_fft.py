"""FFT family: every transform and norm mode through the shared harness.

Transforms have complex results, so each row checks a real-valued wrapper of the result that
mixes its real and imaginary parts (``Re(z c) + |z|^2 / 4 + Im(z)^2 / 10``, nonlinear so that
second order is exercised); complex inputs are built as ``re + 1j * im`` from two real
arguments."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand, tol

import tangents as tg
import tangents.numpy as tnp

NORMS = ["backward", "ortho", "forward"]


def _weights(shp, dt, seed=5):
    rng = np.random.default_rng(seed)
    c = rng.standard_normal(shp) + 1j * rng.standard_normal(shp)
    return c.astype(dt) if dt.kind == "c" else c.real.astype(dt)


def _loss(z):
    """A real-valued function of a (complex or real) transform result."""
    c = _weights(np.shape(z), np.dtype(z.dtype))
    if z.dtype.kind == "c":
        return tnp.real(z * c) + 0.25 * tnp.real(z * np.conj(z)) + 0.1 * z.imag ** 2
    return z * c + 0.25 * z * z


def _real_in(fn, npf, kw):
    return (lambda x: _loss(fn(x, **kw))), (lambda x: _loss(npf(x, **kw)))


def _complex_in(fn, npf, kw):
    return (lambda re, im: _loss(fn(re + 1j * im, **kw)),
            lambda re, im: _loss(npf(re + 1j * im, **kw)))


# (shape, keyword arguments) per family; n/s pad and crop, axes negative and out of order
ONE_D = [((5,), {}), ((6,), {"n": 8}), ((6,), {"n": 4}), ((2, 3, 4), {"axis": 0}),
         ((2, 3, 4), {"axis": -2, "n": 5})]
C2R_ONE_D = [((4,), {}), ((4,), {"n": 7}), ((5,), {"n": 6}), ((3, 4), {"axis": 0}),
             ((2, 3, 4), {"axis": -2, "n": 3})]
N_D = [((3, 4), {}), ((2, 3, 4), {}), ((2, 3, 4), {"axes": (-1, 0)}),
       ((2, 3, 4), {"s": (3, 5), "axes": (1, 2)}), ((3, 4), {"s": (2, -1), "axes": (0, 1)})]
TWO_D = [((3, 4), {}), ((2, 3, 4), {"axes": (0, -1)}), ((3, 5), {"s": (4, 3)})]
C2R_N_D = [((3, 4), {}), ((2, 3, 3), {"axes": (0, 2)}), ((3, 4), {"s": (4, 5), "axes": (0, 1)}),
           ((2, 3, 4), {"s": (2, 3, 4), "axes": (0, 1, 2)})]

FAMILIES = [  # (name, tangents function, NumPy function, configurations, complex input)
    ("fft", tnp.fft.fft, np.fft.fft, ONE_D, False),
    ("fft_complex", tnp.fft.fft, np.fft.fft, ONE_D[:3], True),
    ("ifft", tnp.fft.ifft, np.fft.ifft, ONE_D, True),
    ("rfft", tnp.fft.rfft, np.fft.rfft, ONE_D, False),
    ("ihfft", tnp.fft.ihfft, np.fft.ihfft, ONE_D, False),
    ("irfft", tnp.fft.irfft, np.fft.irfft, C2R_ONE_D, True),
    ("hfft", tnp.fft.hfft, np.fft.hfft, C2R_ONE_D, True),
    ("fftn", tnp.fft.fftn, np.fft.fftn, N_D, False),
    ("ifftn", tnp.fft.ifftn, np.fft.ifftn, N_D[:3] + N_D[4:], True),
    ("rfftn", tnp.fft.rfftn, np.fft.rfftn, N_D, False),
    ("irfftn", tnp.fft.irfftn, np.fft.irfftn, C2R_N_D, True),
    ("fft2", tnp.fft.fft2, np.fft.fft2, TWO_D, False),
    ("ifft2", tnp.fft.ifft2, np.fft.ifft2, TWO_D[:2], True),
    ("rfft2", tnp.fft.rfft2, np.fft.rfft2, TWO_D, False),
    ("irfft2", tnp.fft.irfft2, np.fft.irfft2, C2R_N_D[:1], True),
]


def _cases():
    cases = []
    for name, fn, npf, configs, cplx in FAMILIES:
        for k, (shp, kw) in enumerate(configs):
            # every norm on the first two configurations, the default on the others
            for norm in (NORMS if k < 2 else [None]):
                kw_n = dict(kw, norm=norm)
                label = f"{name}{kw}" + ("" if norm is None else f"-{norm}")
                if cplx:
                    fun, ref = _complex_in(fn, npf, kw_n)
                    args = (rand(shp, seed=k), rand(shp, seed=k + 10))
                else:
                    fun, ref = _real_in(fn, npf, kw_n)
                    args = (rand(shp, seed=k),)
                cases.append(Case(label, fun, args, np_fun=ref))
    for name, fn, npf in (("fftshift", tnp.fft.fftshift, np.fft.fftshift),
                          ("ifftshift", tnp.fft.ifftshift, np.fft.ifftshift)):
        for shp, axes in (((5,), None), ((3, 4), 0), ((2, 3, 5), (-1, 1)), ((0, 3), None)):
            cases.append(Case(f"{name}[axes={axes}]", lambda x, fn=fn, a=axes: fn(x, a) ** 2,
                              (rand(shp),), np_fun=lambda x, f=npf, a=axes: f(x, a) ** 2))
    return cases


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_fft_rule(case):
    check_case(case)


# -- the transpose identity on complex inputs: Re<ct, J v> = Re<J^T ct, v> ------------------
def _cplx(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


TRANSPOSE = [
    (lambda z: tnp.fft.fftn(z, s=(3, 6), axes=(0, 1), norm="ortho"), True),
    (lambda z: tnp.fft.ifft(z, n=3, axis=0, norm="forward"), True),
    (lambda z: tnp.fft.rfftn(z, axes=(0, 1)), False),
    (lambda z: tnp.fft.irfft(z, n=7, axis=1), True),
    (lambda z: tnp.fft.irfftn(z, s=(4, 6), axes=(0, 1), norm="ortho"), True),
    (lambda z: tnp.fft.hfft(z, axis=0, norm="forward"), True),
    (lambda z: tnp.fft.ihfft(z, n=5, axis=1), False),
    (lambda z: tnp.fft.fftshift(z), True),
]


@pytest.mark.parametrize("fn,cplx", TRANSPOSE)
def test_transpose_identity(fn, cplx):
    x = _cplx((4, 5), 0) if cplx else rand((4, 5))
    v = _cplx((4, 5), 1) if cplx else rand((4, 5), seed=1)
    out, jv = tg.jvp(fn, (x,), (v,))
    ct = _cplx(out.shape, 2) if out.dtype.kind == "c" else rand(out.shape, seed=2)
    _, pull = tg.vjp(fn, x)
    (jtct,) = pull(ct)
    assert jtct.dtype == x.dtype
    np.testing.assert_allclose(np.sum(ct * jv).real, np.sum(jtct * v).real, **tol("composed"))


def test_cotangent_convention_for_complex_inputs():
    """grad of a real loss of a complex input is dL/da - i dL/db (module docstring)."""
    z = _cplx((5,), 3)
    c = _cplx((5,), 4)
    loss = lambda z: tnp.sum(tnp.real(tnp.fft.fft(z) * c))
    g = tg.grad(loss)(z)
    eps = 1e-6
    num = np.zeros(5, complex)
    for j in range(5):
        e = np.zeros(5)
        e[j] = eps
        num[j] = (loss(z + e) - loss(z - e)) / (2 * eps) \
            - 1j * (loss(z + 1j * e) - loss(z - 1j * e)) / (2 * eps)
    np.testing.assert_allclose(g, num, **tol("derivative"))


def test_numpy_fft_functions_dispatch_to_the_same_rules():
    x = rand((3, 4))
    f_np = lambda x: np.sum(np.real(np.fft.rfft2(x) * np.conj(np.fft.rfft2(x))))
    f_tnp = lambda x: tnp.sum(tnp.real(tnp.fft.rfft2(x) * np.conj(tnp.fft.rfft2(x))))
    np.testing.assert_allclose(tg.grad(f_np)(x), tg.grad(f_tnp)(x))


def test_parseval_gradient():
    x = rand((6,))
    g = tg.grad(lambda x: tnp.sum(tnp.real(tnp.fft.fft(x) * np.conj(tnp.fft.fft(x)))))(x)
    np.testing.assert_allclose(g, 2 * 6 * x)


def test_float32_gives_complex64_and_float32_derivatives():
    x = rand((2, 4), dtype=np.float32)
    assert tnp.fft.fft(x).dtype == np.complex64 and tnp.fft.rfftn(x).dtype == np.complex64
    g = tg.grad(lambda x: tnp.sum(tnp.fft.irfft(tnp.fft.rfft(x) * 2.0) ** 2))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 8 * x, **tol("roundoff", np.float32))


def test_vmap_of_grad_and_third_order():
    x = rand((3, 4))
    f = lambda x: tnp.sum(tnp.fft.irfft(tnp.fft.rfft(x) ** 2, n=4) * x)
    expected = np.stack([tg.grad(f)(r) for r in x])
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(x), expected, **tol("composed"))
    tg.check_grads(f, (x[0],), order=3)


@pytest.mark.parametrize("call,err", [
    (lambda x: tnp.fft.fft(x, norm="bad"), ValueError),
    (lambda x: tnp.fft.fft(x, n=0), ValueError),
    (lambda x: tnp.fft.fft2(x, s=(3,)), ValueError),
    (lambda x: tnp.fft.rfft(x + 1j), TypeError),
    (lambda x: tnp.fft.fft(x, axis=2), np.exceptions.AxisError),
])
def test_invalid_arguments_raise_like_numpy(call, err):
    with pytest.raises(err):
        tg.grad(lambda x: tnp.sum(tnp.real(call(x))))(rand((3, 4)))


def test_abs_of_complex_result():
    tg.check_grads(lambda x: np.abs(np.fft.fft(x)) ** 2, (rand((5,)),), order=1)


@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
def test_sample_frequencies_take_dtype_and_device(name):
    fn, np_fn = getattr(tnp.fft, name), getattr(np.fft, name)
    for n, d in [(1, 1.0), (4, 0.5), (7, 2.5)]:
        np.testing.assert_array_equal(fn(n, d), np_fn(n, d))
        out = fn(n, d=d, dtype=np.float32)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, np_fn(n, d).astype(np.float32))
        assert fn(n, d, device="cpu", dtype=np.float64).dtype == np.float64
    with pytest.raises(ValueError, match="real floating"):
        fn(4, dtype=np.complex64)
    with pytest.raises(ValueError, match="cpu"):
        fn(4, device="gpu")
    # d may be traced: f = k / (n d), so df/dd = -f / d
    f = lambda d: tnp.sum(fn(6, d, dtype=np.float64) * np.arange(1.0, 7.0)[:len(np_fn(6))])
    np.testing.assert_allclose(tg.grad(f)(0.5), -f(0.5) / 0.5)
