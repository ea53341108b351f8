"""SciPy functions on traced values, called by their SciPy names with SCIPY_ARRAY_API=1 (and
without): those SciPy computes through the Array API namespace (scipy.fft, scipy.stats
moments, scipy.special) reach tangents.numpy; those it converts to NumPy are routed to
tangents' versions by tangents.scipy._registry.  Each is checked against finite differences
in forward and reverse mode.  The flag must be set before SciPy is imported: one subprocess
per import order, each test reads its row."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tangents
import tangents as tg

scipy = pytest.importorskip("scipy")
import scipy.stats as st  # noqa: E402

CASES = {  # name -> expression in x (a (3, 4) array in (0.2, 0.8))
    "stats.variation": "st.variation(x, axis=1)",
    "stats.variation-ddof": "st.variation(x, axis=None, ddof=1)",
    "stats.zscore": "st.zscore(x, axis=1)",
    "stats.moment": "st.moment(x, order=2, axis=1)",
    "stats.skew": "st.skew(x, axis=1)",
    "stats.kurtosis": "st.kurtosis(x, axis=0)",
    "stats.entropy": "st.entropy(x, axis=1)",
    "stats.norm.logpdf": "st.norm.logpdf(x, 0.1, 2.0)",
    "stats.norm.logpdf-loc-scale": "st.norm.logpdf(0.3, loc=x, scale=x + 1)",
    "stats.norm.cdf": "st.norm.cdf(x)",
    "stats.norm.ppf": "st.norm.ppf(x)",
    "stats.gamma.logpdf": "st.gamma.logpdf(x, 2.5, scale=1.5)",
    "stats.beta.cdf-shape": "st.beta.cdf(0.4, x + 1, 2.0)",
    "stats.t.sf": "st.t.sf(x, 3.0)",
    "stats.poisson.logpmf-mu": "st.poisson.logpmf(2, x + 1)",
    "stats.norm-frozen.logpdf": "st.norm(0.1, 2.0).logpdf(x)",
    "special.jv-order": "sp.jv(x, 2.0)",
    "special.gammainc": "sp.gammainc(x, 1.0)",
    "fft.fft": "sf.fft(x, axis=1).real",
    "fft.rfft": "sf.rfft(x, axis=0).imag",
    "fft.irfft": "sf.irfft(x)",
    "fft.fftn": "sf.fftn(x).imag",
    "fft.hfft": "sf.hfft(x)",
    "fft.fftshift": "sf.fftshift(x)",
    "signal.convolve": "ss.convolve(x, x[::-1])",
    "signal.correlate": "ss.correlate(x, x, mode='same')",
    "signal.fftconvolve": "ss.fftconvolve(x, x[::-1])",
    "signal.lfilter": "ss.lfilter([1.0], [1.0, -0.5], x)",
    "signal.sosfilt": "ss.sosfilt(np.array([[1.0, 0.2, 0, 1.0, -0.5, 0]]), x)",
    "signal.hilbert": "ss.hilbert(x).real",
    "signal.resample": "ss.resample(x, 6, axis=1)",
    "signal.detrend": "ss.detrend(x)",
    "signal.savgol_filter": "ss.savgol_filter(x, 3, 1, axis=0)",
    "signal.filtfilt": "ss.filtfilt([0.5, 0.3], [1.0, -0.2], x, padlen=2)",
    "signal.welch": "ss.welch(x, nperseg=4)[1]",
    "signal.periodogram": "ss.periodogram(x, axis=0)[1]",
    "signal.sosfiltfilt": "ss.sosfiltfilt(np.array([[0.5, 0.3, 0, 1.0, -0.2, 0]]), x, padlen=2)",
    "signal.convolve2d": "ss.convolve2d(x, x[:2, :2], 'same', 'symm')",
    "signal.correlate2d": "ss.correlate2d(x, x[:2, :3])",
    "signal.upfirdn": "ss.upfirdn([1.0, 0.5], x, 2, 3)",
    "signal.resample_poly": "ss.resample_poly(x, 3, 2, axis=1)",
    "signal.decimate": "ss.decimate(x, 2, n=2, ftype='fir')",
    "signal.csd": "ss.csd(x, x[::-1], nperseg=4)[1].real",
    "signal.coherence": "ss.coherence(x, x[::-1] ** 2, nperseg=4)[1]",
    "signal.spectrogram": "ss.spectrogram(x, nperseg=3, axis=0)[2]",
    "signal.medfilt": "ss.medfilt(x)",
    "signal.stft": "ss.stft(x, nperseg=3)[2].imag",
    "signal.lfiltic": "ss.lfiltic([0.5, 0.2], [1.0, -0.3], x[0], x[1])",
    "signal.deconvolve": "ss.deconvolve(x[0], np.array([1.0, 0.5]))[0]",
    "signal.convolve-constant": "ss.convolve(x, np.array([[0.5, -0.3]]))",
    "fft.dct": "sf.dct(x)",
    "fft.idst-ortho": "sf.idst(x, type=3, norm='ortho', axis=0)",
    "fft.dctn": "sf.dctn(x, type=1)",
    "special.spherical_jn": "sp.spherical_jn(2, x)",
    "special.polygamma": "sp.polygamma(1, x)",
}

_SCRIPT = textwrap.dedent("""
    import json, sys, warnings
    import numpy as np
    if sys.argv[2] == "tangents-first":
        import tangents as tg
    import scipy.fft as sf, scipy.signal as ss, scipy.special as sp, scipy.stats as st
    import tangents as tg
    from harness import tol

    warnings.simplefilter("ignore")
    x0 = np.random.default_rng(0).uniform(0.2, 0.8, (3, 4))
    report = {}
    for name, expr in json.loads(sys.argv[1]).items():
        f = eval("lambda x: " + expr)
        try:
            ref = f(x0)  # plain input: SciPy's own function
            np.testing.assert_allclose(tg.vjp(f, x0)[0], ref, **tol("roundoff"))
            tg.check_grads(lambda x: np.sum(np.sin(f(x))), (x0,), order=1,
                           modes=("fwd", "rev"))
            report[name] = None
        except Exception as e:
            report[name] = f"{type(e).__name__}: {e}"[:400]
    print("REPORT" + json.dumps(report))
""")


def _run(order):
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    src = os.path.dirname(os.path.dirname(tangents.__file__))
    tests = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # for harness
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, tests, env.get("PYTHONPATH")) if p)
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, json.dumps(CASES), order],
                          env=env, capture_output=True, text=True, timeout=300)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("REPORT")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    return json.loads(lines[-1][len("REPORT"):])


@pytest.fixture(scope="module", params=["scipy-first", "tangents-first"])
def report(request):
    return _run(request.param)


@pytest.mark.parametrize("name", sorted(CASES))
def test_scipy_function_on_traced_value_differentiates(report, name):
    assert report[name] is None, report[name]


def test_routes_without_array_api_flag_and_plain_calls_stay_scipys():
    # this process runs without SCIPY_ARRAY_API
    x = np.array([0.3, 1.2])
    tg.check_grads(lambda m: st.norm.logpdf(x, loc=m, scale=2.0), (0.4,), order=2)
    tg.check_grads(lambda v: st.variation(v), (x,), order=2)
    original = type(st.norm).logpdf._tangents_original
    assert st.norm.logpdf(0.3) == original(st.norm, 0.3)
    assert type(st.norm.logpdf(x)) is type(original(st.norm, x))


def test_variation_rejects_other_nan_policies_by_name():
    with pytest.raises(NotImplementedError, match="variation: nan_policy='omit'"):
        tg.grad(lambda v: st.variation(v, nan_policy="omit"))(np.array([0.3, 1.2]))
