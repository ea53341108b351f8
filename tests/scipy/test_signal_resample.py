"""tangents.scipy.signal's polyphase resampling (upfirdn, resample_poly, decimate:
scipy/_signal_resample.py) through the shared harness (values against SciPy, derivatives to
order 2 in both modes, float32, vmap), and scipy.signal's own names reaching them."""
import numpy as np
import pytest

ss = pytest.importorskip("scipy.signal")

from harness import Case, case_id, check_case, rand  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.scipy.signal as tss  # noqa: E402


def pair(name, make, args):
    """A row of tangents' function against SciPy's, ``make(module)`` giving the call."""
    return Case(name, make(tss), args, np_fun=make(ss))


H, X, X2 = rand((5,), seed=1), rand((11,), seed=2), rand((2, 9), seed=3)
CASES = [pair(f"upfirdn[up={u},down={d}]",
              lambda m, u=u, d=d: lambda h, x: m.upfirdn(h, x, u, d), (H, X))
         for u, d in ((1, 1), (3, 1), (1, 2), (3, 2), (2, 5))]
CASES += [pair("upfirdn[axis0]", lambda m: lambda x: m.upfirdn(H, x, 2, 3, axis=0), (X2.T,))]
CASES += [pair(f"resample_poly[{u}/{d},{kw}]",
               lambda m, u=u, d=d, kw=kw: lambda x: m.resample_poly(x, u, d, axis=1, **kw),
               (X2,))
          for u, d, kw in ((1, 2, {}), (3, 2, {}), (4, 6, {"window": "hann"}),
                           (5, 3, {"padtype": "mean"}), (2, 3, {"padtype": "median"}),
                           (2, 3, {"padtype": "maximum"}), (3, 1, {"padtype": "minimum"}))]
CASES += [
    pair("resample_poly[array window]",
         lambda m: lambda w, x: m.resample_poly(x, 2, 3, window=w), (H, X)),
    pair("resample_poly[axis0 default]", lambda m: lambda x: m.resample_poly(x, 3, 2),
         (X2.T,)),
    pair("decimate[iir,n=4]", lambda m: lambda x: m.decimate(x, 2, 4), (rand((20,), seed=4),)),
    pair("decimate[iir,n=4,no zero phase,axis0]",
         lambda m: lambda x: m.decimate(x, 3, 4, zero_phase=False, axis=0), (X2.T,)),
    pair("decimate[fir]", lambda m: lambda x: m.decimate(x, 2, ftype="fir"),
         (rand((44,), seed=5),)),
    pair("decimate[fir,n=6,no zero phase]",
         lambda m: lambda x: m.decimate(x, 3, 6, "fir", zero_phase=False), (X2,)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_signal_resample_rule(case):
    check_case(case)


def test_scipy_signal_names_route_here():
    calls = [lambda m, x: m.upfirdn(H, x, 2, 3), lambda m, x: m.resample_poly(x, 3, 2),
             lambda m, x: m.decimate(x, 2, 4, "fir")]
    for call in calls:
        got = tg.grad(lambda x: np.sum(np.sin(call(ss, x))))(X)
        want = tg.grad(lambda x: tg.numpy.sum(tg.numpy.sin(call(tss, x))))(X)
        np.testing.assert_array_equal(got, want)


def test_errors_name_the_function_and_the_fix():
    g = lambda f: tg.grad(lambda x: tg.numpy.sum(f(x)))  # noqa: E731
    with pytest.raises(NotImplementedError, match="upfirdn: derivatives take mode='constant'"):
        g(lambda x: tss.upfirdn(H, x, mode="reflect"))(X)
    with pytest.raises(NotImplementedError, match="resample_poly: derivatives take padtype"):
        g(lambda x: tss.resample_poly(x, 2, 3, padtype="line"))(X)
    with pytest.raises(NotImplementedError, match="decimate: derivatives take ftype 'iir' or"):
        g(lambda x: tss.decimate(x, 2, ftype=ss.dlti([1.0], [1.0, -0.5])))(X)
