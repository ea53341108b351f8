"""Sparsity rules by structure for convolutions, pooling and the smaller movement primitives:
patterns equal the brute-force nonzeros of the dense Jacobian (Hessian) on small random
cases, and are supersets of them where data decides (max pooling, ties of sort)."""
import numpy as np
import pytest
from harness import rand
from test_detection import brute_hessian, brute_jacobian

import tangents as tg
import tangents.sparse as ts
from tangents._tools.sparsity_coverage import sparsity_status
from tangents.core import Primitive, bind, registry
from tangents.nn.conv import conv1d, conv2d, conv_transpose2d, fold_p, patches_p
from tangents.nn.pooling import avg_pool2d, max_pool2d
from tangents.numpy._sorting import tie_average_p
from tangents.numpy.fft import resize_p
from tangents.scipy import fft as sfft
from tangents.scipy import signal as tss

XS, WS, WTS = (2, 5, 4, 3), (3, 2, 3, 4), (3, 3, 3, 2)
NX = int(np.prod(XS))
W0 = rand(WS, seed=2) * (np.arange(np.prod(WS)).reshape(WS) % 5 != 0)  # structural zeros
WT0 = rand(WTS, seed=4) * (np.arange(np.prod(WTS)).reshape(WTS) % 4 != 1)
X0 = rand(XS, seed=9)
PATCH = dict(kernel=(2, 3), strides=(2, 1), padding=((1, 0), (1, 2)), dilation=(1, 2))
COLS = (2, 3, 3, 18)  # the shape of patches of XS with PATCH


def _x(v):
    return v[:NX].reshape(XS)


def _w(v, shape=WS):
    return v[NX:NX + int(np.prod(shape))].reshape(shape)


def _loss(f):
    return lambda a: np.sum(np.sin(f(a)))


# each case maps the vector z (x then a filter) to a vector; x has padding, strides and
# dilations that leave some inputs out of some windows
CONV = {
    "conv2d_const": lambda v: conv2d(_x(v), W0, stride=2, padding=1),
    "conv2d_both": lambda v: conv2d(_x(v), _w(v), padding="SAME", dilation=(2, 1)),
    "conv2d_dx": lambda v: tg.grad(_loss(lambda a: conv2d(a, _w(v), stride=2, padding=1)))(
        _x(v)),
    "conv2d_dw": lambda v: tg.grad(_loss(lambda b: conv2d(_x(v), b, stride=(1, 2),
                                                          padding="SAME")))(_w(v)),
    "grouped_dx": lambda v: tg.grad(_loss(lambda a: conv2d(
        a, _w(v, (3, 2, 1, 4)), groups=2, padding=1)))(_x(v)[..., :2]),  # fold_p
    "conv1d": lambda v: conv1d(v[:20].reshape(2, 5, 2), v[20:32].reshape(3, 2, 2), padding=2,
                               dilation=2),
    "transpose_const": lambda v: conv_transpose2d(_x(v), WT0, stride=2),
    "transpose_both": lambda v: conv_transpose2d(_x(v), _w(v, WTS), stride=2, padding="SAME"),
    "transpose_dx": lambda v: tg.grad(_loss(lambda a: conv_transpose2d(a, _w(v, WTS), stride=2)))(
        _x(v)),  # nn_flip_hw
    "transpose_dw": lambda v: tg.grad(_loss(lambda b: conv_transpose2d(_x(v), b, stride=2)))(
        _w(v, WTS)),
    "avg_pool": lambda v: avg_pool2d(_x(v), 2, 1, padding="SAME"),
    # max pooling's gather and scatter at a constant x: the first maximum is known
    "pool_gather": lambda v: tg.jvp(lambda a: max_pool2d(a, 2, 1, padding="SAME"), (X0,),
                                    (_x(v),))[1],
    "pool_scatter": lambda v: tg.vjp(lambda a: max_pool2d(a, 2, 1, padding="SAME"), X0)[1](
        _x(v))[0],
    "patches": lambda v: bind(patches_p, _x(v), **PATCH),
    "fold": lambda v: bind(fold_p, v[:int(np.prod(COLS))].reshape(COLS), input_shape=XS,
                           **PATCH),
    "fftshift": lambda v: tg.numpy.fft.fftshift(_x(v), axes=(1, 2)),
    "fft_resize": lambda v: bind(resize_p, _x(v), shape=(3, 4, 4, 2)),
}


def _z(name, seed=1):
    return rand((NX * 3 if name == "fold" else NX + int(np.prod(WS)),), seed=seed)


@pytest.mark.parametrize("name", sorted(CONV))
def test_structure_equals_brute_force(name):
    fun = lambda v: CONV[name](v).ravel()  # noqa: E731
    z = _z(name)
    np.testing.assert_array_equal(ts.jacobian_sparsity(fun, z).toarray(),
                                  brute_jacobian(fun, z))


@pytest.mark.parametrize("name", sorted(CONV))
def test_structure_hessians_equal_brute_force(name):
    z = _z(name, seed=2)
    c = np.linspace(0.5, 1.5, CONV[name](z).size)
    # the bilinear part alone (pairs that meet in one term), then through a nonlinearity
    for fun in (lambda v: np.sum(CONV[name](v).ravel() * c),
                lambda v: np.sum(CONV[name](v).ravel() * c) + np.sum(np.sin(CONV[name](v)))):
        np.testing.assert_array_equal(ts.hessian_sparsity(fun, z).toarray(),
                                      brute_hessian(fun, z))


K0 = rand((3,), seed=3) * np.array([1.0, 0.0, 1.0])
# scipy.signal's full convolution over some axes (the others broadcast), on z of 16
SIGNAL = {
    "convolve_const": lambda v: tss.convolve(v[:8], K0, method="direct"),
    "convolve_same": lambda v: tss.convolve(v[:8], v[8:11], mode="same", method="direct"),
    "correlate": lambda v: tss.correlate(v[:8], v[8:11], method="direct"),
    "valid_2d": lambda v: tss.convolve(v[:12].reshape(3, 4), v[12:16].reshape(2, 2),
                                       mode="valid", method="direct"),
    "scalars": lambda v: tss.convolve(v[0], v[1]) * v,
    # the FFT's round-off leaves ~1e-16 where the derivative is 0: nonzeros above 1e-12
    "axes_fft": lambda v: tss.oaconvolve(v[:12].reshape(3, 4), v[12:15].reshape(3, 1), axes=1),
    "broadcast_fft": lambda v: tss.fftconvolve(v[:12].reshape(3, 4), v[12:14].reshape(1, 2),
                                               axes=1),
}

# Fourier transforms mix whole lanes along their axes and nothing across lanes (|X|^2: the
# imaginary part of a real input's DC bin is an exact zero the rule does not know)
FOURIER = {
    "fft": lambda v: np.abs(np.fft.fft(v[:12].reshape(3, 4), axis=0)) ** 2,
    "fft2": lambda v: np.abs(np.fft.fft2(v[:12].reshape(2, 2, 3))) ** 2,
    "fft_n": lambda v: np.abs(np.fft.fftn(v[:12].reshape(3, 4), s=(5,), axes=(1,))) ** 2,
    "rfft": lambda v: np.abs(np.fft.rfft(v[:12].reshape(3, 4), axis=1)) ** 2,
    # the imaginary part of bin 0 is ignored and meets sin(0) at time 0: none in bin 0
    "irfft": lambda v: np.fft.irfft(v[:12].reshape(3, 4) * (1 + 1j * np.array([[0], [1], [1]])),
                                    n=5, axis=0),
    "rfftn": lambda v: np.abs(np.fft.rfftn(v[:12].reshape(2, 3, 2), axes=(0, 1))) ** 2,
    # lengths whose DCT/DST matrices have no exact zeros (DCT-II of 3 has cos(pi/2))
    "dct": lambda v: sfft.dct(v[:12].reshape(4, 3), axis=0),
    "dct1_n": lambda v: sfft.dct(v[:9].reshape(3, 3), type=1, n=4, axis=1),
    "idst4": lambda v: sfft.idst(v[:12].reshape(4, 3), type=4, norm="ortho", axis=0),
    "dctn": lambda v: sfft.dctn(v[:16].reshape(4, 4), type=2),
}
ROUNDED = {**SIGNAL, **FOURIER}


@pytest.mark.parametrize("name", sorted(ROUNDED))
def test_signal_and_fourier_equal_brute_force(name):
    f = lambda v: np.ravel(ROUNDED[name](v))  # noqa: E731
    z = rand((16,), seed=1)
    c = rand(f(z).shape, 0.5, 1.5, seed=7)  # generic weights: no cancellation by symmetry
    g = lambda v: np.sum(f(v) * c) + np.sum(np.sin(f(v)))  # noqa: E731
    for detect, dense in ((ts.jacobian_sparsity, tg.jacfwd), (ts.hessian_sparsity, tg.hessian)):
        brute = 0
        for seed in range(3):
            d = np.abs(dense(f if dense is tg.jacfwd else g)(z + rand(z.shape, seed=seed + 10)))
            brute = brute | (d > 1e-12 * d.max())
        got = detect(f if dense is tg.jacfwd else g, z).toarray()
        np.testing.assert_array_equal(got, brute.reshape(got.shape))


def _union_over_points(fun, z, points):
    out = 0
    for seed in range(points):
        out = out | (tg.jacfwd(fun)(rand(z.shape, seed=100 + seed)) != 0)
    return out.reshape(-1, z.size)


def test_max_pooling_is_the_union_of_its_window():
    # which element is largest depends on x: over many points each one of a window is
    fun = lambda v: max_pool2d(_x(v), (2, 3), 1, padding="SAME").ravel()  # noqa: E731
    z = _z("max_pool")
    got = ts.jacobian_sparsity(fun, z).toarray()
    assert (brute_jacobian(fun, z) <= got).all()
    np.testing.assert_array_equal(got, _union_over_points(fun, z, 80))
    # its derivative scatters to the first maximum of a traced x: somewhere in the window
    fun = lambda v: tg.grad(lambda a: np.sum(np.sin(max_pool2d(a, 2))))(_x(v)).ravel()  # noqa: E731
    got = ts.jacobian_sparsity(fun, z).toarray()
    assert (_union_over_points(fun, z, 20) <= got).all()


def test_max_pooling_is_piecewise_linear():
    z = _z("max_pool")
    c = np.linspace(0.5, 1.5, 24)
    fun = lambda v: np.sum(max_pool2d(_x(v), 2).ravel() * c)  # noqa: E731
    assert ts.hessian_sparsity(fun, z).nnz == 0 == brute_hessian(fun, z).sum()


def test_grouped_conv2d_is_a_superset():
    # grouped conv2d is patches then einsum: the einsum rule cannot see which elements of
    # the (traced) patches are padding zeros, so the filter's pattern over-counts there
    fun = lambda v: conv2d(_x(v)[..., :2], _w(v, (3, 2, 1, 4)), groups=2, padding=1).ravel()  # noqa: E731
    z = _z("grouped")
    got = ts.jacobian_sparsity(fun, z).toarray()
    assert (brute_jacobian(fun, z) <= got).all()
    fun = lambda v: conv2d(_x(v)[..., :2], _w(v, (3, 2, 1, 4)), groups=2).ravel()  # noqa: E731
    np.testing.assert_array_equal(ts.jacobian_sparsity(fun, z).toarray(),
                                  brute_jacobian(fun, z))


def test_tie_average_is_conservative_over_a_lane():
    # the runs of ties are data; sort's derivative averages over each, so any element of a
    # lane may reach any other: the whole lane, and nothing across lanes; linear
    fun = lambda v: bind(tie_average_p, v.reshape(3, 4), axis=(1,)).ravel()  # noqa: E731
    z = np.repeat(rand((6,), seed=3), 2)  # runs of two ties
    got = ts.jacobian_sparsity(fun, z).toarray()
    np.testing.assert_array_equal(got, np.kron(np.eye(3, dtype=bool), np.ones((4, 4), bool)))
    tied = tg.jacfwd(fun)(z) != 0
    assert (tied <= got).all() and (brute_jacobian(fun, z) <= got).all()
    c = np.linspace(0.5, 1.5, 12)
    lin = lambda v: np.sum(fun(v) * c)  # noqa: E731
    assert ts.hessian_sparsity(lin, z).nnz == 0 == brute_hessian(lin, z).sum()


def test_the_coverage_table_reads_precise():
    status = sparsity_status()
    for name in ("conv", "nn_conv2d", "nn_conv2d_dx", "nn_conv2d_dw", "nn_patches", "nn_fold",
                 "nn_flip_hw", "nn_max_pool", "nn_pool_gather", "nn_pool_scatter",
                 "fft_roll", "fft_resize", "tie_average", "scipy.signal.convolve_full",
                 "fft", "rfft", "irfft", "scipy.fft.trig"):
        assert status[name] == "precise", name


def test_the_coverage_table_leaves_out_test_primitives():
    # a full test run registers test modules' primitives before docs/coverage.md is compared
    prim = Primitive("test_structural_rules.identity", lambda x: x)
    try:
        status = sparsity_status()
        assert prim.name not in status and "conv" in status
    finally:
        registry.pop(prim.name)
