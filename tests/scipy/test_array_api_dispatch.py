"""SciPy's array-API mode (SCIPY_ARRAY_API=1) on traced values: scipy.special and
scipy.stats functions find ``tangents.numpy`` through ``__array_namespace__`` and are
differentiated as written.  The flag must be set before SciPy is imported, so the checks run
in one subprocess and each test reads its row of the report."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

import tangents

scipy = pytest.importorskip("scipy")
if tuple(int(p) for p in scipy.__version__.split(".")[:2]) < (1, 16):
    pytest.skip("SciPy before 1.16 converts array-API inputs of these functions to NumPy",
                allow_module_level=True)

# name -> expression in x (a (3, 4) array in (0.2, 0.8)); sp = scipy.special, st = scipy.stats
CASES = {
    "special.logsumexp": "sp.logsumexp(x)",
    "special.logsumexp-axis": "sp.logsumexp(x, axis=1)",
    "special.logsumexp-keepdims": "sp.logsumexp(x, axis=-1, keepdims=True)",
    "special.logsumexp-b": "sp.logsumexp(x, axis=0, b=x)",
    "special.logsumexp-sign": "sp.logsumexp(x - 0.5, b=x - 0.5, return_sign=True)[0]",
    "special.softmax": "sp.softmax(x, axis=1)",
    "special.log_softmax": "sp.log_softmax(x, axis=0)",
    "special.xlogy": "sp.xlogy(x, x + 1)",
    "special.xlog1py": "sp.xlog1py(x, x)",
    "special.entr": "sp.entr(x)",
    "special.rel_entr": "sp.rel_entr(x, x[::-1] + 0.1)",
    "special.kl_div": "sp.kl_div(x, x[::-1] + 0.1)",
    "special.expit": "sp.expit(x)",
    "special.logit": "sp.logit(x)",
    "special.erf": "sp.erf(x)",
    "special.erfc": "sp.erfc(x)",
    "special.erfinv": "sp.erfinv(x)",
    "special.gammaln": "sp.gammaln(x)",
    "special.digamma": "sp.digamma(x)",
    "special.ndtr": "sp.ndtr(x)",
    "special.ndtri": "sp.ndtri(x)",
    "special.log_ndtr": "sp.log_ndtr(x)",
    "special.i0e": "sp.i0e(x)",
    "special.betaln": "sp.betaln(x, x + 1)",
    "stats.entropy": "st.entropy(x, axis=1)",
    "stats.entropy-qk": "st.entropy(x, x[::-1], axis=0)",
    "stats.zscore": "st.zscore(x, axis=1)",
    "stats.moment": "st.moment(x, order=3, axis=1)",
    "stats.skew": "st.skew(x, axis=1)",
    "stats.kurtosis": "st.kurtosis(x, axis=1)",
    "stats.gmean": "st.gmean(x, axis=1)",
    "stats.hmean": "st.hmean(x, axis=1)",
    "stats.pmean": "st.pmean(x, 2.0, axis=1)",
    "stats.sem": "st.sem(x, axis=1)",
    "stats.tvar": "st.tvar(x)",
    "stats.trim_mean": "st.trim_mean(x, 0.1, axis=1)",
}
SECOND_ORDER = {"special.logsumexp-axis", "special.softmax", "special.log_softmax",
                "special.xlogy", "special.entr", "stats.zscore"}
# the array-API functions through the shared harness (order 2 in both modes, float32,
# vmap at every axis), SciPy's own code on traced values; sf = scipy.fft, ss = scipy.signal
HARNESS = {
    "stats.zscore": "st.zscore(x, axis=1)", "stats.moment": "st.moment(x, order=3, axis=1)",
    "stats.skew": "st.skew(x, axis=1)", "stats.kurtosis": "st.kurtosis(x, axis=0)",
    "stats.entropy": "st.entropy(x, axis=1)", "stats.entropy-qk": "st.entropy(x, x[::-1], axis=0)",
    "stats.variation": "st.variation(x, axis=1)", "fft.fft": "sf.fft(x, axis=1).real",
    "fft.rfft": "sf.rfft(x, axis=0).imag", "fft.irfft": "sf.irfft(x)",
    "fft.fftn": "sf.fftn(x).imag", "fft.hfft": "sf.hfft(x)", "fft.dct": "sf.dct(x)",
    "signal.hilbert": "ss.hilbert(x).real",
    "signal.resample": "ss.resample(x, 6, axis=1)", "signal.welch": "ss.welch(x, nperseg=4)[1]",
    "signal.detrend": "ss.detrend(x)", "special.logsumexp": "sp.logsumexp(x, axis=1)",
    "special.softmax": "sp.softmax(x, axis=0)",
}

_SCRIPT = textwrap.dedent("""
    import json, sys, warnings
    import numpy as np
    import scipy.fft as sf, scipy.signal as ss, scipy.special as sp, scipy.stats as st
    import tangents as tg
    from harness import Case, check_case, tol

    warnings.simplefilter("ignore")
    cases, second = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
    x0 = np.random.default_rng(0).uniform(0.2, 0.8, (3, 4))
    report = {}
    for name, expr in cases.items():
        f = eval("lambda x: " + expr)
        try:
            ref = f(x0)  # plain NumPy input: SciPy's own path
            seen = []
            def scalar(x):
                seen.append(type(x).__name__)
                return np.sum(np.sin(f(x) * 1.0))
            np.testing.assert_allclose(tg.vjp(f, x0)[0], ref, **tol("roundoff"))
            tg.check_grads(scalar, (x0,), order=2 if name in second else 1,
                           modes=("fwd", "rev"))
            y, t = tg.jvp(f, (x0,), (np.ones_like(x0),))
            np.testing.assert_allclose(y, ref, **tol("roundoff"))
            assert np.shape(t) == np.shape(ref)
            report[name] = None
        except Exception as e:
            report[name] = f"{type(e).__name__}: {e}"[:400]
    # vmap of derivatives through SciPy's logsumexp (writes through per-example boolean
    # masks) over either axis equals the per-row results and the closed forms
    try:
        lse = lambda r: sp.logsumexp(r)
        lse_b = lambda r: sp.logsumexp(r, b=r[::-1])
        for ax in (0, 1):
            rows = np.moveaxis(x0, ax, 0)
            s = sp.softmax(rows, axis=1)
            np.testing.assert_allclose(tg.vmap(tg.grad(lse), in_axes=ax)(x0), s, **tol("roundoff"))
            h = tg.vmap(tg.hessian(lse), in_axes=ax)(x0)
            hess = np.stack([np.diag(r) - np.outer(r, r) for r in s])
            np.testing.assert_allclose(h, hess, **tol("composed"))
            t = tg.vmap(lambda r: tg.jvp(lse, (r,), (np.ones_like(r),))[1], in_axes=ax)(x0)
            np.testing.assert_allclose(t, np.ones(len(rows)), **tol("roundoff"))
            gb = tg.vmap(tg.grad(lse_b), in_axes=ax)(x0)
            np.testing.assert_allclose(gb, np.stack([tg.grad(lse_b)(r) for r in rows]),
                                       **tol("roundoff"))
        report["vmap-grad-logsumexp"] = None
    except Exception as e:
        report["vmap-grad-logsumexp"] = f"{type(e).__name__}: {e}"[:400]
    # |x| up to 1e4: SciPy's own logsumexp (it discards an overflowed log(sum(exp(x)))),
    # softmax and log_softmax against tangents.scipy.special's, in every mode and at second
    # order, and against finite differences where the function is finite
    import tangents.scipy.special as tsp
    E = lambda x: np.eye(len(x))
    modes = {
        "grad": lambda f, x: tg.grad(f)(x),
        "jvp": lambda f, x: np.stack([tg.jvp(f, (x,), (e,))[1] for e in E(x)]),
        "jacfwd": lambda f, x: tg.jacfwd(f)(x),
        "jacrev": lambda f, x: tg.jacrev(f)(x),
        "vmap(grad)": lambda f, x: tg.vmap(tg.grad(f))(np.stack([x, x[::-1]])),
        "hessian": lambda f, x: tg.hessian(f)(x),
        "grad(grad)": lambda f, x: np.stack([tg.grad(lambda y: tg.grad(f)(y)[i])(x)
                                             for i in range(len(x))]),
        "jvp(grad)": lambda f, x: np.stack([tg.jvp(tg.grad(f), (x,), (e,))[1]
                                            for e in E(x)], axis=1),
    }
    points = [np.array([1000.0, 5.0]), np.array([1e4, -1e4, 3.0]),
              np.array([-1e4, -1e4 + 0.5, -3.0]), np.array([800.0, 800.5, -800.0]),
              np.array([-1000.0, -999.0])]  # no exact ties: SciPy's max shift is a kink there
    for name in ("logsumexp", "softmax", "log_softmax"):
        key = "large-x-" + name
        try:
            w = np.array([0.3, -1.2, 0.7])
            theirs = lambda x, f=getattr(sp, name): np.sum(f(x) * w[:len(x)])
            ours = lambda x, f=getattr(tsp, name): np.sum(f(x) * w[:len(x)])
            for x in points:
                for mode, d in modes.items():
                    got, want = d(theirs, x), d(ours, x)
                    assert np.isfinite(got).all(), (mode, x, got)
                    np.testing.assert_allclose(got, want, **tol("composed"),
                                               err_msg=f"{mode} at {x}")
                tg.check_grads(theirs, (x,), order=2, modes=("fwd", "rev"))
            report[key] = None
        except Exception as e:
            report[key] = f"{type(e).__name__}: {e}"[:600]
    for name, expr in json.loads(sys.argv[3]).items():
        f = eval("lambda x: " + expr)
        try:
            check_case(Case(name, f, (x0,), np_fun=f))
            report["harness:" + name] = None
        except Exception as e:
            report["harness:" + name] = f"{type(e).__name__}: {e}"[:600]
    print("REPORT" + json.dumps(report))
""")


@pytest.fixture(scope="module")
def report():
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    src = os.path.dirname(os.path.dirname(tangents.__file__))
    tests = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # for harness
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, tests, env.get("PYTHONPATH")) if p)
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, json.dumps(CASES),
                           json.dumps(sorted(SECOND_ORDER)), json.dumps(HARNESS)],
                          env=env, capture_output=True, text=True, timeout=240)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("REPORT")]
    assert proc.returncode == 0 and lines, proc.stderr[-3000:]
    return json.loads(lines[-1][len("REPORT"):])


# logsumexp writes through a boolean mask (xpx.at(a, a == max).set(-inf)) that varies per
# example under vmap: a full-shape mask write is where(mask, v, x) (numpy/_updates.py)
@pytest.mark.parametrize("name", sorted(CASES) + ["vmap-grad-logsumexp", "large-x-logsumexp",
                                                  "large-x-softmax", "large-x-log_softmax"]
                         + [f"harness:{n}" for n in sorted(HARNESS)])
def test_scipy_array_api_function_differentiates(report, name):
    assert report[name] is None, report[name]
