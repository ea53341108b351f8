"""tangents.scipy.signal's composed functions (detrend, savgol_filter, filtfilt, welch:
scipy/_signal_more.py) through the shared harness (values against SciPy, derivatives to order 2
in both modes, float32, vmap), and scipy.signal's own functions reaching them on traced
values."""
import warnings

import numpy as np
import pytest

ss = pytest.importorskip("scipy.signal")

from harness import Case, case_id, check_case, rand, tol  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.scipy.signal as tss  # noqa: E402


def pair(name, make, args, **kw):
    """A row of tangents' function against SciPy's, ``make(module)`` giving the call."""
    return Case(name, make(tss), args, np_fun=make(ss), **kw)


X, X2 = rand((12,), seed=1), rand((2, 12), seed=2)
CASES = [
    pair("detrend", lambda m: m.detrend, (X,)),
    pair("detrend[bp,axis0]", lambda m: lambda x: m.detrend(x, 0, bp=[3, 7]), (X2.T,)),
    pair("detrend[bp=1]", lambda m: lambda x: m.detrend(x, bp=[1, 11]), (X,)),
    pair("detrend[constant]", lambda m: lambda x: m.detrend(x, type="constant"), (X2,)),
]
CASES += [pair(f"savgol_filter[{mode}]",
               lambda m, mode=mode: lambda x: m.savgol_filter(x, 5, 2, mode=mode, cval=0.3),
               (X2,)) for mode in ("interp", "mirror", "nearest", "wrap", "constant")]
CASES += [
    pair("savgol_filter[deriv,delta,axis0]",
         lambda m: lambda x: m.savgol_filter(x, 7, 3, deriv=1, delta=0.5, axis=0), (X2.T,)),
    pair("savgol_filter[window=n]", lambda m: lambda x: m.savgol_filter(x, 5, 3), (X[:5],)),
    pair("savgol_filter[mirror,window>n]",
         lambda m: lambda x: m.savgol_filter(x, 9, 2, mode="mirror"), (X[:4],)),
]
B, A = np.array([0.3, 0.2, 0.1]), np.array([1.0, -0.4, 0.1])
CASES += [
    pair("filtfilt", lambda m: m.filtfilt, (B, A, X)),
    pair("filtfilt[fir]", lambda m: lambda b, x: m.filtfilt(b, [1.0], x), (B[:2], X)),
    pair("filtfilt[a0!=1,axis0]", lambda m: lambda b, a, x: m.filtfilt(b, a, x, axis=0),
         (B, 2 * A, X2.T)),
] + [pair(f"filtfilt[padtype={p},padlen={n}]",
          lambda m, p=p, n=n: lambda x: m.filtfilt(B, A, x, padtype=p, padlen=n), (X2,))
     for p, n in (("even", None), ("constant", 2), (None, None), ("odd", 0))]
CASES += [
    pair("welch", lambda m: lambda x: m.welch(x, nperseg=6)[1], (X2,)),
    pair("welch[spectrum,linear,nfft,noverlap]",
         lambda m: lambda x: m.welch(x, 2.0, "hamming", 5, 2, 8, "linear",
                                     scaling="spectrum")[1], (X,)),
    pair("welch[two-sided,no detrend,axis0]",
         lambda m: lambda x: m.welch(x, nperseg=5, detrend=False, return_onesided=False,
                                     axis=0)[1], (X2.T,)),
    pair("welch[median]", lambda m: lambda x: m.welch(x, nperseg=4, average="median")[1],
         (X,)),
    pair("welch[array window,one segment]",
         lambda m: lambda x: m.welch(x, window=np.hanning(12))[1], (X,)),
    pair("periodogram", lambda m: lambda x: m.periodogram(x)[1], (X2,)),
    pair("periodogram[nfft<n,hann]",
         lambda m: lambda x: m.periodogram(x, window="hann", nfft=9)[1], (X,)),
    pair("periodogram[nfft>n,linear,spectrum,axis0]",
         lambda m: lambda x: m.periodogram(x, nfft=15, detrend="linear", scaling="spectrum",
                                           axis=0)[1], (X2.T,)),
]
SOS = np.array([[0.3, 0.2, 0.1, 1.0, -0.4, 0.1], [0.5, 0.1, 0.0, 1.0, 0.2, 0.0]])


def _sos(s):
    """SciPy demands a0 == 1 in each section: fixed, the rest differentiable."""
    return tg.numpy.concatenate([s[:, :3], np.ones((s.shape[0], 1), s.dtype), s[:, 4:]], axis=1)


CASES += [
    pair("sosfiltfilt", lambda m: lambda x: m.sosfiltfilt(SOS, x), (rand((2, 14), seed=5),)),
    pair("sosfiltfilt[sos,padlen]", lambda m: lambda s, x: m.sosfiltfilt(
        _sos(s) if m is tss else s, x, padlen=4), (SOS, X)),
    pair("sosfiltfilt[even,axis0]",
         lambda m: lambda x: m.sosfiltfilt(SOS, x, axis=0, padtype="even", padlen=3), (X2.T,)),
    pair("sosfiltfilt[no padding]", lambda m: lambda x: m.sosfiltfilt(SOS, x, padtype=None),
         (X,)),
]
K, A45 = rand((2, 3), seed=3), rand((4, 5), seed=4)
CASES += [pair(f"{name}[{mode},{b}]",
               lambda m, name=name, mode=mode, b=b: lambda a, k: getattr(m, name)(
                   a, k, mode, b, 0.7), (A45, K))
          for name in ("convolve2d", "correlate2d")
          for mode, b in (("full", "fill"), ("same", "wrap"), ("valid", "symm"),
                          ("same", "symm"), ("full", "wrap"))]
CASES += [pair(f"{name}[in2 larger,{mode}]",
               lambda m, name=name, mode=mode: lambda a, k: getattr(m, name)(a, k, mode),
               (K, A45)) for name in ("convolve2d", "correlate2d") for mode in ("valid", "same")]


CASES += [
    pair("medfilt", lambda m: m.medfilt, (X2,)),
    pair("medfilt[kernel 3x5]", lambda m: lambda x: m.medfilt(x, [3, 5]), (X2,)),
    pair("medfilt[1-d,kernel>n]", lambda m: lambda x: m.medfilt(x, 5), (X[:4],)),
    pair("medfilt2d", lambda m: m.medfilt2d, (X2,)),
    pair("lfiltic", lambda m: m.lfiltic, (B, A, X[:2], X[2:4])),
    pair("lfiltic[no x,y short]", lambda m: lambda b, a, y: m.lfiltic(b, a, y), (B, A, X[:1])),
    pair("lfiltic[a0!=1,long b]", lambda m: lambda b, y: m.lfiltic(b, 2 * A[:2], y, X[:5]),
         (np.r_[B, 0.05], X[5:9])),
    pair("lfilter_zi", lambda m: m.lfilter_zi, (B, A)),
    pair("lfilter_zi[longer a]", lambda m: m.lfilter_zi, (B[:2], np.r_[A, 0.05])),
    pair("sosfilt_zi", lambda m: lambda s: m.sosfilt_zi(_sos(s) if m is tss else s), (SOS,)),
    pair("deconvolve", lambda m: m.deconvolve, (X, np.array([1.5, 0.5, 0.2]))),
    pair("deconvolve[divisor longer]", lambda m: m.deconvolve, (X[:2], X[2:5])),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_signal_more_rule(case):
    check_case(case)


def test_scipy_signal_names_route_here_and_plain_calls_stay_scipys():
    calls = [lambda m, x: m.detrend(x), lambda m, x: m.savgol_filter(x, 5, 2),
             lambda m, x: m.filtfilt(B, A, x), lambda m, x: m.welch(x, nperseg=6)[1],
             lambda m, x: m.sosfiltfilt(SOS, x, padlen=3), lambda m, x: m.periodogram(x)[1],
             lambda m, x: m.convolve2d(x.reshape(3, 4), K, "same", "symm"),
             lambda m, x: m.correlate2d(x.reshape(3, 4), K, "full", "wrap"),
             lambda m, x: m.medfilt(x, 5), lambda m, x: m.medfilt2d(x.reshape(3, 4)),
             lambda m, x: m.lfiltic(B, A, x[:2], x[2:]), lambda m, x: m.deconvolve(x, B)[1],
             lambda m, x: m.lfilter_zi(x[:3], A)]
    for call in calls:
        got = tg.grad(lambda x: np.sum(np.sin(call(ss, x))))(X)
        want = tg.grad(lambda x: tg.numpy.sum(tg.numpy.sin(call(tss, x))))(X)
        np.testing.assert_array_equal(got, want)
    plain = ss.detrend(X)
    assert type(plain) is np.ndarray
    np.testing.assert_array_equal(plain, ss.detrend._tangents_original(X))


def test_welch_frequencies_and_default_segment_length():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        p = tg.vjp(lambda x: tss.welch(x, fs=4.0)[1], X)[0]
        f_ref, p_ref = ss.welch(X, fs=4.0)
    assert any("using nperseg = 12" in str(w.message) for w in seen)
    np.testing.assert_allclose(p, p_ref, **tol("roundoff"))
    np.testing.assert_array_equal(tss.welch(X, fs=4.0)[0], f_ref)


def test_errors_name_the_function_and_the_fix():
    g = lambda f: tg.grad(lambda x: tg.numpy.sum(f(x)))  # noqa: E731
    with pytest.raises(NotImplementedError, match="savgol_filter: derivatives take an odd "
                       "window_length, got 4; use 5 or 3"):
        g(lambda x: tss.savgol_filter(x, 4, 2))(X)
    with pytest.raises(NotImplementedError, match="filtfilt: derivatives take method='pad'"):
        g(lambda x: tss.filtfilt(B, A, x, method="gust"))(X)
    with pytest.raises(ValueError, match=r"filtfilt: the length of x along axis 0 \(12\) must "
                       r"be greater than padlen \(12\)"):
        g(lambda x: tss.filtfilt(B, A, x, padlen=12))(X)
    with pytest.raises(NotImplementedError, match="welch: derivatives take detrend "
                       "'constant', 'linear' or False and scaling 'density' or 'spectrum'"):
        g(lambda x: tss.welch(x, scaling="psd")[1])(X)
    with pytest.raises(NotImplementedError, match="welch: derivatives take real input"):
        g(lambda x: tss.welch(x * 1j, nperseg=4)[1].real)(X)
    with pytest.raises(ValueError, match="detrend: breakpoints must be less than"):
        g(lambda x: tss.detrend(x, bp=[20]))(X)
    with pytest.raises(NotImplementedError, match="sosfiltfilt: with a traced sos the default "
                       "padlen depends on which coefficients are exactly zero; pass padlen="):
        tg.grad(lambda s: tg.numpy.sum(tss.sosfiltfilt(s, X)))(SOS)
    with pytest.raises(ValueError, match="medfilt: each element of kernel_size should be odd"):
        g(lambda x: tss.medfilt(x, 4))(X)
    with pytest.raises(ValueError, match=r"deconvolve: signal and divisor must be 1-d"):
        g(lambda x: tss.deconvolve(x.reshape(3, 4), B)[0])(X)
    with pytest.raises(ValueError, match=r"convolve2d inputs must both be 2-D arrays, got "
                       r"shapes \(12,\) and \(2, 3\)"):
        g(lambda x: tss.convolve2d(x, K))(X)
