"""Manipulation family: differences and gradients, roll, flips, rot90, tile, repeat,
triangles and diagonals, cross, convolve/correlate, polyval, vander, interp, linspace,
arange, meshgrid, block, insert/delete, sinc, i0, nan_to_num and round through the shared
harness, plus i0's derivative against SciPy's i1 to ~1e-13."""
import functools
import warnings

import numpy as np
import pytest
from harness import Case, case_id, check_case, rand, tol

import tangents as tg
import tangents.numpy as tnp

P = functools.partial


def both(name, f, *args, **kw):
    """A Case whose function takes the namespace (tnp or np) as its first argument."""
    return Case(name, P(f, tnp), args, np_fun=P(f, np), **kw)


CASES = [
    both("diff", lambda m, x: m.diff(x), rand((4,))),
    both("diff-n2-axis0", lambda m, x: m.diff(x, 2, axis=0), rand((4, 3))),
    both("diff-prepend-append", lambda m, x, a: m.diff(x, prepend=1.5, append=a, axis=-2),
         rand((2, 3)), rand((1, 3), seed=1)),
    both("diff-empty", lambda m, x: m.diff(x, axis=0), rand((0, 3))),
    both("diff-n0", lambda m, x: m.diff(x, 0), rand(())),
    both("ediff1d", lambda m, x, b: m.ediff1d(x, to_begin=b, to_end=[1.0, 2.0]),
         rand((2, 3)), rand((), seed=1)),
    both("gradient-1d", lambda m, f: m.gradient(f), rand((5,))),
    both("gradient-2d-spacing", lambda m, f: m.gradient(f, 0.5, 2.0), rand((3, 4))),
    both("gradient-edge2", lambda m, f: m.gradient(f, 0.3, axis=-1, edge_order=2), rand((2, 4))),
    both("gradient-coords", lambda m, f, c: m.gradient(f, c, edge_order=2, axis=0),
         rand((4, 2)), np.array([0.0, 0.4, 1.3, 1.7])),
    both("gradient-coords-e1", lambda m, f, c: m.gradient(f, c), rand((4,)),
         np.array([0.0, 0.4, 1.3, 1.7])),
    both("roll", lambda m, x: m.roll(x, 4), rand((2, 3))),
    both("roll-axes", lambda m, x: m.roll(x, (1, -4, 1), axis=(0, -1, 0)), rand((3, 4))),
    both("roll-empty", lambda m, x: m.roll(x, 1, axis=0), rand((0, 3))),
    both("flip", lambda m, x: m.flip(x), rand((2, 3))),
    both("flip-axis", lambda m, x: m.flip(x, (0, -1)), rand((2, 1, 3))),
    both("flip-0d", lambda m, x: m.flip(x), rand(())),
    both("fliplr", lambda m, x: m.fliplr(x), rand((2, 3))),
    both("flipud", lambda m, x: m.flipud(x), rand((2, 3))),
]
CASES += [both(f"rot90-k{k}", lambda m, x, k=k: m.rot90(x, k, axes=(2, -3)), rand((2, 3, 4)))
          for k in (-1, 0, 1, 2, 3)]
CASES += [
    both("tile", lambda m, x: m.tile(x, (2, 1, 3)), rand((2, 3))),
    both("tile-int", lambda m, x: m.tile(x, 2), rand((3,))),
    both("tile-0d", lambda m, x: m.tile(x, (2, 2)), rand(())),
    both("repeat", lambda m, x: m.repeat(x, 2, axis=-1), rand((2, 3))),
    both("repeat-array", lambda m, x: m.repeat(x, [1, 0, 3], axis=1), rand((2, 3))),
    both("repeat-none", lambda m, x: m.repeat(x, 2), rand((2, 2))),
    both("repeat-0d", lambda m, x: m.repeat(x, 3), rand(())),
    both("tril", lambda m, x: m.tril(x), rand((3, 3))),
    both("tril-k", lambda m, x: m.tril(x, -1), rand((2, 3, 4))),
    both("triu-k", lambda m, x: m.triu(x, 1), rand((3, 2))),
    both("triu-1d", lambda m, x: m.triu(x), rand((3,))),
    both("diag-1d", lambda m, x: m.diag(x), rand((3,))),
    both("diag-1d-k", lambda m, x: m.diag(x, 2), rand((3,))),
    both("diag-1d-negk", lambda m, x: m.diag(x, -1), rand((2,))),
    both("diag-2d", lambda m, x: m.diag(x, -1), rand((3, 4))),
    both("diagflat", lambda m, x: m.diagflat(x, 1), rand((2, 2))),
    both("cross-3", lambda m, a, b: m.cross(a, b), rand((2, 3)), rand((3,), seed=1)),
    both("cross-axes", lambda m, a, b: m.cross(a, b, axisa=0, axisb=-1, axisc=0),
         rand((3, 2)), rand((2, 3), seed=1)),
]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:  # 2-element vectors: deprecated in NumPy 2.0, removed in 2.5
        np.cross(np.ones(2), np.ones(2))
        CASES += [both("cross-2", lambda m, a, b: m.cross(a, b), rand((2, 2)),
                       rand((2,), seed=1)),
                  both("cross-2-3", lambda m, a, b: m.cross(a, b), rand((2,)),
                       rand((3,), seed=1))]
    except ValueError:
        pass
for mode in ("full", "same", "valid"):
    CASES += [both(f"convolve-{mode}", lambda m, a, v, mode=mode: m.convolve(a, v, mode),
                   rand((5,)), rand((3,), seed=1)),
              both(f"convolve-{mode}-swap", lambda m, a, v, mode=mode: m.convolve(a, v, mode),
                   rand((2,)), rand((4,), seed=1)),
              both(f"correlate-{mode}", lambda m, a, v, mode=mode: m.correlate(a, v, mode),
                   rand((5,)), rand((2,), seed=1)),
              both(f"correlate-{mode}-swap", lambda m, a, v, mode=mode: m.correlate(a, v, mode),
                   rand((3,)), rand((4,), seed=1))]
_XP = np.array([-1.0, -0.2, 0.5, 1.5])
CASES += [
    both("polyval", lambda m, p, x: m.polyval(p, x), rand((4,)), rand((2, 3), seed=1)),
    both("polyval-0d", lambda m, p, x: m.polyval(p, x), rand((2,)), rand((), seed=1)),
    both("vander", lambda m, x: m.vander(x), rand((3,))),
    both("vander-N-inc", lambda m, x: m.vander(x, 4, increasing=True), rand((2,))),
    both("vander-N1", lambda m, x: m.vander(x, 1), rand((2,))),
    both("interp", lambda m, x, xp, fp: m.interp(x, xp, fp), rand((2, 3)), _XP,
         rand((4,), seed=2)),
    both("interp-left-right", lambda m, x, fp: m.interp(x, _XP, fp, left=-3.0, right=5.0),
         rand((6,)), rand((4,), seed=2)),
    both("interp-period", lambda m, x, fp: m.interp(x, _XP, fp, period=3.0), rand((5,)),
         rand((4,), seed=2)),
    both("interp-1pt", lambda m, x, fp: m.interp(x, np.array([0.3]), fp), rand((3,)),
         rand((1,), seed=2)),
    both("linspace", lambda m, a, b: m.linspace(a, b, 5), rand(()), rand((), seed=1)),
    both("linspace-arrays", lambda m, a, b: m.linspace(a, b, 4, endpoint=False, axis=-1),
         rand((2,)), rand((3, 1), seed=1)),
    both("linspace-retstep", lambda m, a, b: m.linspace(a, b, 3, retstep=True), rand(()),
         rand((), seed=1)),
    both("linspace-num1", lambda m, a, b: m.linspace(a, b, 1), rand(()), rand((), seed=1)),
    Case("arange", lambda a, s: tnp.arange(a, 3.0, s), (np.array(0.3), np.array(0.7)),
         np_fun=lambda a, s: np.arange(a, 3.0, s)),
    both("meshgrid", lambda m, x, y: m.meshgrid(x, y), rand((2,)), rand((3,), seed=1)),
    both("meshgrid-ij-sparse", lambda m, x, y, z: m.meshgrid(x, y, z, indexing="ij", sparse=True),
         rand((2,)), rand((3,), seed=1), rand((1,), seed=2)),
    both("block", lambda m, a, b: m.block([[a, b[:, :1]], [b[:1, :2], b[:1, :1]]]), rand((2, 2)),
         rand((2, 3), seed=1)),
    both("block-1d", lambda m, a, b: m.block([a, b, 1.0]), rand((2,)), rand((), seed=1)),
    both("insert", lambda m, x, v: m.insert(x, 1, v, axis=1), rand((2, 3)), rand((2, 1), seed=1)),
    both("insert-seq", lambda m, x, v: m.insert(x, [0, 2, 2], v, axis=0), rand((3, 2)),
         rand((), seed=1)),
    both("insert-flat", lambda m, x, v: m.insert(x, 3, v), rand((2, 2)), rand((2,), seed=1)),
    both("delete", lambda m, x: m.delete(x, [0, 2], axis=-1), rand((2, 3))),
    both("delete-flat", lambda m, x: m.delete(x, slice(1, None, 2)), rand((2, 3))),
    both("sinc", lambda m, x: m.sinc(x), rand((2, 3))),
    both("sinc-near-0", lambda m, x: m.sinc(x),
         np.array([0.0, 1e-8, -3e-4, 0.05, 0.159, 0.16, -0.2, 1.0])),
    both("i0", lambda m, x: m.i0(x), rand((2, 3), -12.0, 12.0)),
    both("i0-large", lambda m, x: m.i0(x), np.array([-35.0, 29.5, 30.5, 60.0]), **tol("fd")),
    both("round", lambda m, x: m.round(x, 1), rand((2, 3))),
    both("around", lambda m, x: m.around(x), rand((3,))),
]

_NONFINITE = np.array([np.nan, np.inf, 0.0, -np.inf, 0.0])


def _nan_to_num(m, x, pattern=_NONFINITE, **kw):
    src = (np.where if m is np else tnp.where)(np.isfinite(pattern), x, pattern)
    return m.nan_to_num(src, **kw)


# (the default replacement of inf, the largest float, swamps finite differences)
CASES += [both("nan_to_num", P(_nan_to_num, pattern=np.array([0.0, np.nan, 0.0, np.nan])),
               rand((4,))),
          both("nan_to_num-values",
               lambda m, x: _nan_to_num(m, x, nan=2.0, posinf=1.0, neginf=-4.0),
               rand((5,)))]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_manipulation_rule(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # NumPy's 2-vector cross
        check_case(case)


def test_i0_derivative_is_i1_to_1e13():
    special = pytest.importorskip("scipy.special")
    x = np.concatenate([np.linspace(-40, 40, 801), [0.0, 1e-10, 29.999, 30.0, 30.001, 300.0]])
    g = tg.elementwise_grad(tnp.i0)(x)
    np.testing.assert_allclose(g, special.i1(x), **tol("exact"))
    h = tg.elementwise_grad(tg.elementwise_grad(tnp.i0))(x)
    nz = x != 0
    i1p = special.i0(x[nz]) - special.i1(x[nz]) / x[nz]
    np.testing.assert_allclose(h[nz], i1p, **tol("roundoff"))
    assert (h[~nz] == 0.5).all()


def test_sinc_derivatives_at_zero():
    d1 = tg.grad(tnp.sinc)(0.0)
    d2 = tg.grad(tg.grad(tnp.sinc))(0.0)
    d4 = tg.grad(tg.grad(tg.grad(tg.grad(tnp.sinc))))(0.0)
    assert d1 == 0.0
    np.testing.assert_allclose(d2, -np.pi ** 2 / 3, **tol("roundoff"))
    np.testing.assert_allclose(d4, np.pi ** 4 / 5, **tol("roundoff"))


def test_zero_derivative_at_replaced_and_rounded_entries():
    x = np.array([np.nan, 1.0, np.inf, -2.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tnp.sum(tnp.nan_to_num(x)))(x),
                                  [0.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tnp.sum(np.round(x) * x))(x[1::2]),
                                  np.round(x[1::2]))


def test_interp_slope_at_knots_and_outside():
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    g = tg.elementwise_grad(lambda x: tnp.interp(x, xp, fp))(np.array([-1.0, 0.0, 1.0, 3.0, 4.0]))
    np.testing.assert_array_equal(g, [0.0, 2.0, 0.5, 0.5, 0.0])


def test_arange_and_linspace_in_transforms():
    g = tg.grad(lambda s: tnp.sum(tnp.arange(s, 4.0, 1.5)))(np.float32(1.0))
    assert g == 2.0 and g.dtype == np.float32
    out = tg.vmap(lambda s: tnp.arange(s, 4.0, 1.0))(np.array([0.5, 0.7]))
    np.testing.assert_allclose(out, [np.arange(0.5, 4.0), np.arange(0.7, 4.0)])
    with pytest.raises(ValueError, match="ragged"):
        tg.vmap(lambda s: tnp.arange(s, 4.0, 1.0))(np.array([0.5, 2.0]))
    jac = tg.jacrev(lambda ab: tnp.linspace(ab[0], ab[1], 5))(np.array([0.0, 1.0]))
    t = np.linspace(0, 1, 5)
    np.testing.assert_allclose(jac, np.stack([1 - t, t], axis=1))


def test_numpy_functions_dispatch():
    x = rand((3, 3))
    g_np = tg.grad(lambda x: np.sum(np.pad(np.roll(np.tril(x), 1, 0), 1, mode="edge")
                                    * np.diff(np.tile(x, 2), axis=1, prepend=0.0)[:, :3].sum()))(x)
    g_tnp = tg.grad(lambda x: tnp.sum(tnp.pad(tnp.roll(tnp.tril(x), 1, 0), 1, mode="edge")
                                      * tnp.sum(tnp.diff(tnp.tile(x, 2), axis=1,
                                                         prepend=0.0)[:, :3])))(x)
    np.testing.assert_allclose(g_np, g_tnp)


def test_errors_match_numpy():
    with pytest.raises(ValueError, match="at least one dimensional"):
        tnp.diff(np.array(1.0))
    with pytest.raises(ValueError, match="Axes must be different"):
        tnp.rot90(np.ones((2, 2)), axes=(0, 0))
    with pytest.raises(ValueError, match="dimension must be 2 or 3"):
        tnp.cross(np.ones(4), np.ones(3))
    with pytest.raises(ValueError, match="too small"):
        tnp.gradient(np.ones(2), edge_order=2)
