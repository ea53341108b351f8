"""tangents.scipy.signal's spectral estimates (csd, coherence, spectrogram, stft; welch and
periodogram rows are in test_signal_more.py) through the shared harness (values against SciPy,
derivatives to order 2 in both modes, float32, vmap), and scipy.signal's own names reaching
them."""
import numpy as np
import pytest

ss = pytest.importorskip("scipy.signal")

from harness import Case, case_id, check_case, rand  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.scipy.signal as tss  # noqa: E402


def pair(name, make, args):
    """A row of tangents' function against SciPy's, ``make(module)`` giving the call."""
    return Case(name, make(tss), args, np_fun=make(ss))


def _real(fn):
    """A real function of a complex spectrum (its real and imaginary parts), for the harness."""
    def f(*args):
        y = fn(*args)
        return y if np.isrealobj(y) else y.real + 2 * y.imag
    return f


X, Y = rand((2, 14), seed=1), rand((2, 14), seed=2)
CASES = [
    pair("csd", lambda m: _real(lambda x, y: m.csd(x, y, nperseg=6)[1]), (X, Y)),
    pair("csd[median,spectrum,linear,hamming]",
         lambda m: _real(lambda x, y: m.csd(x, y, window="hamming", nperseg=5, noverlap=2,
                                            detrend="linear", scaling="spectrum",
                                            average="median")[1]), (X, Y)),
    pair("csd[y shorter,two-sided,axis0]",
         lambda m: _real(lambda x, y: m.csd(x, y, nperseg=4, return_onesided=False,
                                            axis=0)[1]), (X.T, Y.T[:11])),
    pair("coherence", lambda m: lambda x, y: m.coherence(x, y, nperseg=6)[1], (X, Y)),
    pair("coherence[nfft,no detrend]",
         lambda m: lambda x, y: m.coherence(x, y, nperseg=5, nfft=8, detrend=False)[1],
         (X[0], Y[0])),
    pair("spectrogram", lambda m: lambda x: m.spectrogram(x, nperseg=6)[2], (X,)),
    pair("spectrogram[axis0,noverlap,nfft,spectrum]",
         lambda m: lambda x: m.spectrogram(x, nperseg=5, noverlap=2, nfft=7, axis=0,
                                           scaling="spectrum")[2], (X.T,)),
    pair("spectrogram[magnitude]",
         lambda m: lambda x: m.spectrogram(x, nperseg=6, mode="magnitude")[2], (X,)),
    pair("spectrogram[complex,two-sided]",
         lambda m: _real(lambda x: m.spectrogram(x, nperseg=6, mode="complex",
                                                 return_onesided=False)[2]), (X,)),
    pair("stft", lambda m: _real(lambda x: m.stft(x, nperseg=6)[2]), (X,)),
] + [pair(f"stft[{kw}]", lambda m, kw=kw: _real(lambda x: m.stft(x, **kw)[2]), (X.T,))
     for kw in ({"nperseg": 5, "boundary": "odd", "axis": 0},
                {"nperseg": 6, "boundary": "even", "padded": False, "noverlap": 2, "axis": 0},
                {"nperseg": 4, "boundary": "constant", "nfft": 6, "scaling": "psd",
                 "detrend": "linear", "axis": 0},
                {"nperseg": 4, "boundary": None, "return_onesided": False, "axis": 0})]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_signal_spectral_rule(case):
    check_case(case)


def test_scipy_signal_names_route_here_with_frequencies_and_times():
    for call in [lambda m, x: m.csd(x, Y, nperseg=6), lambda m, x: m.coherence(x, Y, nperseg=6),
                 lambda m, x: m.spectrogram(x, nperseg=6),
                 lambda m, x: m.stft(x, nperseg=6, boundary="odd")]:
        value = lambda m, x: tg.numpy.sum(tg.numpy.abs(call(m, x)[-1]) ** 2)  # noqa: E731
        np.testing.assert_array_equal(tg.grad(lambda x: value(ss, x))(X),
                                      tg.grad(lambda x: value(tss, x))(X))
        got, want = tg.vjp(lambda x: call(ss, x)[-1], X)[0], call(ss, X)
        for k in range(len(want) - 1):  # frequencies (and times)
            np.testing.assert_array_equal(call(tss, X + 0)[k], want[k])
        assert np.shape(got) == np.shape(want[-1])


def test_errors_name_the_function_and_the_fix():
    with pytest.raises(NotImplementedError, match="spectrogram: derivatives take mode 'psd'"):
        tg.grad(lambda x: tg.numpy.sum(tss.spectrogram(x, nperseg=6, mode="angle")[2]))(X)
    with pytest.raises(NotImplementedError, match="csd: derivatives take detrend 'constant'"):
        tg.grad(lambda x: tg.numpy.sum(tss.csd(x, Y, nperseg=6, scaling="psd")[1].real))(X)
