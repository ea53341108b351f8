"""tangents.scipy.fft: scipy.fft's trigonometric transforms (dct, idct, dst, idst and their
n-d forms) in every type, norm and orthogonalize setting, through the shared harness (values
against SciPy, derivatives to order 2 in both modes, float32, vmap), SciPy's Fourier transforms
with SciPy's signatures, and SciPy's own functions reaching them on traced values (this
process runs without SCIPY_ARRAY_API, so scipy.fft's Fourier transforms are routed here)."""
import numpy as np
import pytest

sf = pytest.importorskip("scipy.fft")

from harness import Case, case_id, check_case, rand, tol  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.scipy.fft as tsf  # noqa: E402

NAMES = ("dct", "idct", "dst", "idst")
CASES = [Case(f"{n}[type={t},norm={norm}]",
              lambda x, n=n, t=t, norm=norm: getattr(tsf, n)(x, t, norm=norm), (rand((5,)),),
              np_fun=lambda x, n=n, t=t, norm=norm: getattr(sf, n)(x, t, norm=norm))
         for n in NAMES for t in (1, 2, 3, 4) for norm in (None, "ortho", "forward")]
# orthogonalize against the norm's default; n= crops and zero-pads; axis=; one sample
CASES += [Case(f"{n}[type={t},norm={norm},orthogonalize={o}]",
               lambda x, n=n, t=t, norm=norm, o=o: getattr(tsf, n)(x, t, norm=norm,
                                                                    orthogonalize=o),
               (rand((4,), seed=1),),
               np_fun=lambda x, n=n, t=t, norm=norm, o=o: getattr(sf, n)(x, t, norm=norm,
                                                                         orthogonalize=o))
          for n in NAMES for t in (1, 2, 3) for norm, o in ((None, True), ("ortho", False))]
CASES += [Case(f"{n}[n={m},axis={ax}]",
               lambda x, n=n, m=m, ax=ax: getattr(tsf, n)(x, 2, m, ax),
               (rand((3, 4), seed=2),),
               np_fun=lambda x, n=n, m=m, ax=ax: getattr(sf, n)(x, 2, m, ax))
          for n in NAMES for m, ax in ((2, 0), (6, -1), (None, 0))]
CASES += [Case(f"{n}[one sample]", getattr(tsf, n), (rand((1,), seed=3),),
               np_fun=getattr(sf, n)) for n in NAMES]
CASES += [Case(f"{n}n[{kw}]", lambda x, n=n, kw=kw: getattr(tsf, n + "n")(x, **kw),
               (rand((2, 3, 4), seed=4),),
               np_fun=lambda x, n=n, kw=kw: getattr(sf, n + "n")(x, **kw))
          for n in NAMES for kw in ({}, {"axes": (0, 2), "norm": "ortho"},
                                    {"s": (3, 5), "type": 3}, {"axes": 1, "type": 1})]


FOURIER = [("fft", {"n": 6, "axis": 0}), ("ifft", {"norm": "ortho"}), ("rfft", {}),
           ("irfft", {"n": 5}), ("hfft", {"axis": 0}), ("ihfft", {"norm": "forward"}),
           ("fft2", {}), ("ifft2", {"s": (3, 5)}), ("rfft2", {"axes": (1, 0)}),
           ("irfft2", {}), ("fftn", {"axes": (0,)}), ("ifftn", {}), ("rfftn", {"s": (2, 6)}),
           ("irfftn", {"norm": "ortho"})]


def _real(fn):
    """A real function of the transform (its real and imaginary parts), for the harness."""
    def f(x):
        y = fn(x)
        return y if np.isrealobj(y) else y.real + 2 * y.imag
    return f


# SciPy's names (routed here): SciPy's plain values, tangents.numpy.fft's derivatives
CASES += [Case(f"scipy.fft.{n}[{kw}]", _real(lambda x, n=n, kw=kw: getattr(sf, n)(x, **kw)),
               (rand((3, 4), seed=8),),
               np_fun=_real(lambda x, n=n, kw=kw: getattr(sf, n)(x, **kw)))
          for n, kw in FOURIER]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_fft_rule(case):
    check_case(case)


def test_scipy_fft_names_route_here_and_plain_calls_stay_scipys():
    x = rand((2, 5), seed=5)
    for n in NAMES + tuple(n + "n" for n in NAMES):
        ours, theirs = getattr(tsf, n), getattr(sf, n)
        f = lambda x, fn=theirs: np.sum(np.sin(fn(x, type=3)))
        np.testing.assert_array_equal(tg.grad(f)(x), tg.grad(
            lambda x, fn=ours: tg.numpy.sum(tg.numpy.sin(fn(x, type=3))))(x))
        np.testing.assert_array_equal(theirs(x), theirs._tangents_original(x))


def test_scipy_fourier_names_route_when_scipy_array_api_is_off():
    x = rand((3, 4), seed=9)
    for n, kw in FOURIER:
        f = lambda x, fn: np.sum(np.abs(fn(x, **kw)) ** 2)  # noqa: E731
        ours = getattr(tg.numpy.fft, n)
        if "s" in kw and n.endswith("n"):  # SciPy's default axes: the last len(s)
            ours = lambda x, ours=ours, **kw: ours(x, axes=(-2, -1), **kw)  # noqa: E731
        np.testing.assert_array_equal(tg.grad(f)(x, getattr(sf, n)), tg.grad(f)(x, ours))
        assert getattr(sf, n)._tangents_original is not None
    with pytest.raises(NotImplementedError, match="fft: a precomputed plan is for plain"):
        tg.grad(lambda x: np.sum(sf.fft(x, plan=object()).real))(x)


def test_transpose_is_the_orthonormal_inverse_between_scalings():
    # <L v, w> = <v, L^T w> for each type and norm, against SciPy's matrix
    v, w = rand((6,), seed=6), rand((6,), seed=7)
    for n in NAMES:
        for t in (1, 2, 3, 4):
            for norm in (None, "ortho", "forward"):
                matrix = getattr(sf, n)(np.eye(6), t, axis=0, norm=norm)
                _, pull = tg.vjp(lambda x: getattr(tsf, n)(x, t, norm=norm), v)
                np.testing.assert_allclose(pull(w)[0], matrix.T @ w, **tol("roundoff"))


def test_errors_name_the_transform():
    with pytest.raises(ValueError, match="idct: type must be 1, 2, 3 or 4"):
        tg.grad(lambda x: tg.numpy.sum(tsf.idct(x, type=5)))(np.ones(3))
    with pytest.raises(ValueError, match="dstn: s and axes must have the same length"):
        tg.grad(lambda x: tg.numpy.sum(tsf.dstn(x, s=(2, 2), axes=0)))(np.ones((3, 3)))
