"""tangents.scipy.signal: convolution in every mode and method, n-d and over axes, and IIR
filtering in the coefficients, the signal and the initial state, through the shared harness
(values against SciPy, derivatives to order 2 in both modes, float32, vmap); plus
scipy.signal's own functions reaching these rules on traced values."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

ss = pytest.importorskip("scipy.signal")

from harness import Case, case_id, check_case, rand, tol  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.scipy.signal as tss  # noqa: E402

CASES = []
CONV_SHAPES = [((5,), (3,)), ((3,), (5,)), ((4, 5), (2, 3)), ((2, 3), (4, 5)),
               ((4, 2), (2, 3)), ((1,), (1,)), ((), ())]
for fn in ("convolve", "correlate", "fftconvolve", "oaconvolve"):
    for mode in ("full", "same", "valid"):
        for sa, sb in CONV_SHAPES:
            if mode == "valid" and sa == (4, 2):  # neither is larger along every axis
                continue
            CASES.append(Case(f"{fn}[{mode}]",
                              lambda a, b, fn=fn, mode=mode: getattr(tss, fn)(a, b, mode),
                              (rand(sa, seed=1), rand(sb, seed=2)),
                              np_fun=lambda a, b, fn=fn, mode=mode: getattr(ss, fn)(a, b, mode)))
for fn in ("convolve", "correlate"):
    for method in ("direct", "fft"):
        CASES.append(Case(f"{fn}[method={method}]",
                          lambda a, b, fn=fn, method=method: getattr(tss, fn)(
                              a, b, "same", method=method),
                          (rand((6,), seed=3), rand((4,), seed=4)),
                          np_fun=lambda a, b, fn=fn, method=method: getattr(ss, fn)(
                              a, b, "same", method=method)))
# axes=: the other axes broadcast (equal, or 1 in one of them)
for fn in ("fftconvolve", "oaconvolve"):
    for sa, sb, axes, mode in [((3, 6), (1, 4), 1, "same"), ((3, 6), (3, 4), -1, "valid"),
                               ((2, 5, 3), (2, 2, 1), (0, 1), "full")]:
        CASES.append(Case(f"{fn}[axes={axes},{mode}]",
                          lambda a, b, fn=fn, axes=axes, mode=mode: getattr(tss, fn)(
                              a, b, mode, axes=axes),
                          (rand(sa, seed=5), rand(sb, seed=6)),
                          np_fun=lambda a, b, fn=fn, axes=axes, mode=mode: getattr(ss, fn)(
                              a, b, mode, axes=axes)))

B, A = np.array([0.5, 0.3, 0.1]), np.array([1.2, -0.4, 0.2])
for name, b, a, sx, axis in [("fir", B, np.array([1.0]), (7,), -1),
                             ("iir", B, A, (2, 7), -1), ("iir_axis0", B, A, (7, 2), 0),
                             ("long_a", B[:1], np.array([1.0, -0.3, 0.1, 0.05]), (6,), -1)]:
    CASES.append(Case(f"lfilter[{name}]", lambda b, a, x, axis=axis: tss.lfilter(b, a, x, axis),
                      (b, a, rand(sx, seed=7)),
                      np_fun=lambda b, a, x, axis=axis: ss.lfilter(b, a, x, axis)))
# with an initial state; the input shorter than the state too
for sx, sz, b in [((2, 7), (2, 2), B), ((2,), (3,), np.array([0.5, 0.3, 0.1, 0.2]))]:
    CASES.append(Case("lfilter[zi]", lambda b, a, x, zi: tss.lfilter(b, a, x, -1, zi),
                      (b, A, rand(sx, seed=8), rand(sz, seed=9)),
                      np_fun=lambda b, a, x, zi: ss.lfilter(b, a, x, -1, zi)))
CASES.append(Case("lfilter[zi,axis0]", lambda x, zi: tss.lfilter(B, A, x, 0, zi),
                  (rand((6, 3), seed=10), rand((2, 3), seed=11)),
                  np_fun=lambda x, zi: ss.lfilter(B, A, x, 0, zi)))


def _sos(s):
    """SciPy demands a0 == 1 in each section: fixed, the rest differentiable."""
    return tg.numpy.concatenate([s[:, :3], np.ones((s.shape[0], 1), s.dtype), s[:, 4:]], axis=1)


SOS = np.array([[0.5, 0.2, 0.1, 1.0, -0.3, 0.1], [1.0, -0.2, 0.3, 1.0, 0.2, 0.05]])
CASES += [
    Case("sosfilt", lambda s, x: tss.sosfilt(_sos(s), x), (SOS, rand((2, 7), seed=12)),
         np_fun=lambda s, x: ss.sosfilt(s, x)),
    Case("sosfilt[zi,axis0]", lambda s, x, zi: tss.sosfilt(_sos(s), x, 0, zi),
         (SOS, rand((7, 2), seed=13), rand((2, 2, 2), seed=14)),
         np_fun=lambda s, x, zi: ss.sosfilt(s, x, 0, zi)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_signal_rule(case):
    check_case(case)


def test_convolution_vjp_is_a_valid_correlation():
    # the transpose of 'full' in x is the 'valid' correlation of the cotangent with y
    x, y, ct = rand((6,), seed=20), rand((3,), seed=21), rand((8,), seed=22)
    _, pull = tg.vjp(tss.convolve, x, y)
    gx, gy = pull(ct)
    np.testing.assert_allclose(gx, ss.correlate(ct, y, "valid"), **tol("roundoff"))
    np.testing.assert_allclose(gy, ss.correlate(ct, x, "valid"), **tol("roundoff"))


def test_lfilter_vjp_in_x_is_the_filter_run_backwards():
    x, ct = rand((9,), seed=23), rand((9,), seed=24)
    _, pull = tg.vjp(lambda x: tss.lfilter(B, A, x), x)
    np.testing.assert_allclose(pull(ct)[0], ss.lfilter(B, A, ct[::-1])[::-1], **tol("roundoff"))


def test_third_order_and_vmap_over_coefficients():
    tg.check_grads(lambda a, x: tss.lfilter(B, a, x), (A, rand((5,), seed=25)), order=3)
    tg.check_grads(lambda x, y: tss.fftconvolve(x, y, "same"),
                   (rand((5,), seed=26), rand((3,), seed=27)), order=3)
    # batched coefficients and batched signals together
    bs, xs = rand((3, 2), seed=28), rand((3, 5), seed=29)
    got = tg.vmap(lambda b, x: tss.lfilter(b, A, x))(bs, xs)
    np.testing.assert_allclose(got, [ss.lfilter(b, A, x) for b, x in zip(bs, xs)],
                               **tol("roundoff"))


def test_errors_name_the_function_and_shapes():
    g = lambda f: tg.grad(lambda x: tg.numpy.sum(f(x)))  # noqa: E731
    with pytest.raises(ValueError, match=r"convolve: mode must be"):
        g(lambda x: tss.convolve(x, x, "middle"))(np.ones(3))
    with pytest.raises(ValueError, match=r"fftconvolve: for mode 'valid'.*\(4, 2\).*\(2, 3\)"):
        g(lambda x: tss.fftconvolve(x, np.ones((2, 3)), "valid"))(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"same dimensionality.*\(3,\).*\(1, 2\)"):
        g(lambda x: tss.correlate(x, np.ones((1, 2))))(np.ones(3))
    with pytest.raises(ValueError, match=r"oaconvolve: in1 \(2, 3\) and in2 \(3, 3\) differ "
                                         r"along axis 0"):
        g(lambda x: tss.oaconvolve(x, np.ones((3, 3)), axes=1))(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"lfilter: zi has length 1.*max\(len\(a\), len\(b\)\)"):
        g(lambda x: tss.lfilter(B, A, x, zi=np.ones(1))[0])(np.ones(4))
    with pytest.raises(ValueError, match=r"lfilter: the leading coefficient a\[0\]"):
        g(lambda x: tss.lfilter(B, np.array([0.0, 1.0]), x))(np.ones(4))
    with pytest.raises(ValueError, match=r"sosfilt: sos must have shape \(n_sections, 6\)"):
        g(lambda x: tss.sosfilt(np.ones((1, 5)), x))(np.ones(4))


_SCRIPT = textwrap.dedent("""
    import numpy as np, scipy.signal as ss
    import tangents as tg, tangents.numpy as tnp
    from harness import tol
    import tangents.scipy.signal  # noqa: F401
    x, k = np.linspace(0.1, 1.0, 6), np.array([0.5, -0.2, 0.1])
    calls = {
        "convolve": lambda x: ss.convolve(x, k, "same"),
        "correlate": lambda x: ss.correlate(k, x, "valid"),
        "fftconvolve": lambda x: ss.fftconvolve(x, k),
        "oaconvolve": lambda x: ss.oaconvolve(k, x, "same"),
        "lfilter": lambda x: ss.lfilter(k, np.array([1.0, -0.3]), x),
        "sosfilt": lambda x: ss.sosfilt(np.array([[1.0, 0.2, 0.0, 1.0, -0.3, 0.0]]), x),
    }
    for name, f in calls.items():
        tg.check_grads(f, (x,), order=1)
        np.testing.assert_allclose(tg.vjp(f, x)[0], f(x), **tol("roundoff"))
        print(name, "ok")
""")


@pytest.mark.parametrize("flag", ["1", "0"])
def test_scipy_signal_functions_reach_these_rules(flag):
    # a traced array mixed with a NumPy constant, with SciPy's array-API dispatch on and off
    env = dict(os.environ, SCIPY_ARRAY_API=flag)
    tests = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # for harness
    env["PYTHONPATH"] = os.pathsep.join(p for p in (tests, env.get("PYTHONPATH")) if p)
    run = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split() == [w for n in ("convolve", "correlate", "fftconvolve",
                                              "oaconvolve", "lfilter", "sosfilt")
                                  for w in (n, "ok")]
