"""Complex parts (imag, conj/conjugate, angle, with real from _creation.py) checked against
finite differences in the real and imaginary parts, under the convention stated in
tangents/numpy/_complex.py: for a real loss L of z = x + iy, grad(L)(z) = dL/dx - i dL/dy."""
import numpy as np
import pytest
from harness import TOL, rand, tol

import tangents as tg
import tangents.numpy as tnp

EPS = 1e-6


def crand(shape, seed=0, dtype=np.complex128):
    return (rand(shape, seed=seed) + 1j * rand(shape, seed=seed + 11)).astype(dtype)


def fd_grad(f, z):
    """dL/dx - i dL/dy by central differences, entry by entry."""
    z = np.asarray(z, np.complex128)
    out = np.zeros(z.shape, np.complex128)
    for j in range(z.size):
        e = np.zeros(z.shape, np.complex128)
        e.flat[j] = EPS
        dx = (f(z + e) - f(z - e)) / (2 * EPS)
        dy = (f(z + 1j * e) - f(z - 1j * e)) / (2 * EPS)
        out.flat[j] = dx - 1j * dy
    return out


W = rand((2, 3), seed=5)
C = crand((2, 3), seed=7)
LOSSES = {  # real losses of a complex (2, 3) array, through the functions under test
    "imag": lambda z: tnp.sum(W * tnp.imag(z) ** 2),
    "imag-method": lambda z: tnp.sum(W * z.imag),
    "real": lambda z: tnp.sum(W * tnp.real(z) * tnp.imag(z)),
    "conj": lambda z: tnp.sum(tnp.real(tnp.conj(z) * C * z * z)),
    "conjugate-np": lambda z: np.sum(np.imag(np.conjugate(z) * C)),
    "conj-method": lambda z: tnp.sum(tnp.real(z.conj() ** 2)),
    "angle": lambda z: tnp.sum(W * tnp.angle(z)),
    "angle-deg": lambda z: tnp.sum(tnp.sin(np.angle(z, deg=True) / 50.0)),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_grad_matches_finite_differences_in_real_and_imaginary_parts(name):
    f = LOSSES[name]
    z = crand((2, 3))
    np.testing.assert_allclose(tg.grad(f)(z), fd_grad(f, z), **tol("derivative"))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_second_order_and_forward_mode(name):
    f = LOSSES[name]
    z, v = crand((2, 3)), crand((2, 3), seed=3)
    # forward mode: the directional derivative along v, Re<grad, v> under the convention
    _, t = tg.jvp(f, (z,), (v,))
    fd = (f(z + EPS * v) - f(z - EPS * v)) / (2 * EPS)
    np.testing.assert_allclose(t, fd, **tol("derivative"))
    np.testing.assert_allclose(t, np.real(np.sum(tg.grad(f)(z) * v)), **tol("composed"))
    # second order: the grad of the directional derivative equals the FD of grad along v
    g = tg.grad(f)
    hv = tg.jvp(g, (z,), (v,))[1]
    np.testing.assert_allclose(hv, (g(z + EPS * v) - g(z - EPS * v)) / (2 * EPS),
                               **tol("derivative"))
    hv_rev = tg.grad(lambda z: tg.jvp(f, (z,), (v,))[1])(z)
    np.testing.assert_allclose(hv_rev, hv, **tol("composed"))


@pytest.mark.parametrize("fn", [tnp.imag, tnp.conj, tnp.conjugate, tnp.angle,
                                lambda z: tnp.angle(z, deg=True)])
def test_values_dtypes_and_vmap(fn):
    for dt in (np.complex128, np.complex64):
        for shp in [(), (3,), (2, 3), (0, 2)]:
            z = crand(shp, dtype=dt)
            np_fn = {tnp.imag: np.imag, tnp.conj: np.conj, tnp.conjugate: np.conjugate,
                     tnp.angle: np.angle}.get(fn, lambda z: np.angle(z, deg=True))
            out, want = fn(z), np_fn(z)
            assert type(out) in (np.ndarray, type(want))
            assert np.asarray(out).dtype == np.asarray(want).dtype
            np.testing.assert_allclose(out, want,
                                       **tol("exact", dt))
        zs = crand((4, 2, 3))
        for axis in (0, 1, 2):
            np.testing.assert_allclose(tg.vmap(fn, in_axes=axis)(np.moveaxis(zs, 0, axis)),
                                       np.stack([fn(s) for s in zs]), **tol("exact"))


def test_complex64_derivatives_stay_complex64():
    def f(z):
        return tnp.sum(tnp.imag(z) ** 2 + tnp.angle(z) * tnp.real(tnp.conj(z)))
    z = crand((3,), dtype=np.complex64)
    g = tg.grad(f)(z)
    assert g.dtype == np.complex64
    rtol, atol = TOL[np.float32]
    np.testing.assert_allclose(g, tg.grad(f)(z.astype(np.complex128)), rtol=rtol, atol=atol)


def test_real_inputs_and_the_origin():
    x = np.array([-1.5, 0.0, 2.0])
    assert tg.grad(lambda x: tnp.sum(tnp.imag(x) + x))(x).tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_allclose(tnp.angle(x), np.angle(x))
    assert tg.grad(lambda x: tnp.sum(tnp.angle(x)))(x).tolist() == [0.0, 0.0, 0.0]
    assert tg.grad(lambda x: tnp.sum(tnp.conj(x) * x))(x).tolist() == (2 * x).tolist()
    # angle at z = 0: value as NumPy's, derivative 0 rather than nan
    z = np.array([0j, 1 + 1j])
    np.testing.assert_allclose(tnp.angle(z), np.angle(z))
    g = tg.grad(lambda z: tnp.sum(tnp.angle(z)))(z)
    assert g[0] == 0 and np.isfinite(g).all()
    # a real input reached through complex operations gets the real part of the cotangent
    f = lambda x: tnp.sum(tnp.imag((x + 0j) * (2.0 + 3.0j)))
    np.testing.assert_allclose(tg.grad(f)(x), [3.0, 3.0, 3.0])


def test_abs_of_complex():
    f = lambda z: tnp.sum(tnp.abs(z) ** 3)
    z = crand((2, 3))
    np.testing.assert_allclose(tg.grad(f)(z), fd_grad(f, z), **tol("derivative"))
