"""pad (numpy/_padding.py) in every mode through the shared harness: constant, edge, reflect
and symmetric (even and odd), wrap, linear_ramp (end_values, traced too), maximum, minimum,
mean, median (stat_length); forward values bit-equal to np.pad over a grid of shapes,
widths, dtypes and options, with NumPy's errors."""
import functools
import warnings

import numpy as np
import pytest
from harness import Case, case_id, check_case, rand

import tangents as tg
import tangents.numpy as tnp

P = functools.partial


def both(name, f, *args, **kw):
    """A Case whose function takes the namespace (tnp or np) as its first argument."""
    return Case(name, P(f, tnp), args, np_fun=P(f, np), **kw)


CASES = [
    both("constant", lambda m, x: m.pad(x, ((1, 2), (0, 3)), constant_values=((1, 2), (3, 4))),
         rand((2, 3))),
    both("constant-0d", lambda m, x: m.pad(x, 2), rand(())),
    both("constant-empty", lambda m, x: m.pad(x, 1), rand((0, 2))),
    both("constant-traced-value", lambda m, x, c: m.pad(x, (1, 2), constant_values=c),
         rand((3,)), rand((), seed=1)),
    both("constant-traced-pairs", lambda m, x, c: m.pad(x, 1, constant_values=c),
         rand((2, 3)), rand((2, 2), seed=1)),
]
# widths: a pair per axis (corners see the earlier axes' pads), one int, wider than the array
WIDTHS = [((2, 4), (1, 0)), 3, ((0, 7), (5, 1))]
COPYING = [("edge", {}), ("reflect", {}), ("symmetric", {}), ("wrap", {}),
           ("reflect", {"reflect_type": "odd"}), ("symmetric", {"reflect_type": "odd"})]
STATS = [("mean", {}), ("mean", {"stat_length": 2}), ("median", {"stat_length": (1, 2)}),
         ("median", {}), ("maximum", {"stat_length": ((1, 2), (3, 1))}),
         ("minimum", {"stat_length": 2}), ("maximum", {})]
RAMPS = [("linear_ramp", {}), ("linear_ramp", {"end_values": (1.5, -2.0)}),
         ("linear_ramp", {"end_values": ((1.0, 2.0), (0.5, -1.0))})]
for mode, kw in COPYING + STATS + RAMPS:
    tag = "-".join([mode] + [f"{k}={v}" for k, v in kw.items()])
    CASES += [both(f"{tag}-w{w}", lambda m, x, mode=mode, kw=kw, w=w: m.pad(x, w, mode, **kw),
                   rand((2, 3), seed=2)) for w in WIDTHS]
    if not any(isinstance(v, tuple) and isinstance(v[0], tuple) for v in kw.values()):
        CASES += [both(f"{tag}-1d", lambda m, x, mode=mode, kw=kw: m.pad(x, 4, mode, **kw),
                       rand((3,), seed=3)),
                  both(f"{tag}-0d", lambda m, x, mode=mode, kw=kw: m.pad(x, 1, mode, **kw),
                       rand(()))]
    CASES += [both(f"{tag}-empty", lambda m, x, mode=mode, kw=kw: m.pad(x, ((0, 0), (1, 2)),
                                                                         mode, **kw),
                   rand((0, 3)))]
CASES += [
    both("ramp-traced-ends", lambda m, x, e: m.pad(x, (2, 3), "linear_ramp", end_values=e),
         rand((2, 3)), rand((2,), seed=5)),
    both("ramp-traced-scalar-end", lambda m, x, e: m.pad(x, 2, "linear_ramp", end_values=e),
         rand((3,)), rand((), seed=5)),
]


try:  # dict widths are NumPy 2.3+
    np.pad(np.ones(2), {0: 1})
    CASES.append(both("stat-dict-widths",
                      lambda m, x: m.pad(x, {1: (2, 1)}, "median", stat_length=3), rand((2, 4))))
except TypeError:
    pass


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_pad_rule(case):
    check_case(case)


_GRID_WIDTHS = [0, 1, 3, (2, 0), ((1, 2),), 7, ((1, 0), (2, 3), (0, 1)), {0: 2}]
_GRID_MODES = [("constant", {}), ("constant", {"constant_values": ((1, 2),)}),
               ("edge", {}), ("wrap", {}), ("empty", {}), ("reflect", {}),
               ("reflect", {"reflect_type": "odd"}), ("symmetric", {"reflect_type": "odd"}),
               ("linear_ramp", {"end_values": (1.5, -2)}), ("linear_ramp", {}),
               ("mean", {"stat_length": (1, 3)}), ("mean", {"stat_length": 0}),
               ("median", {}), ("median", {"stat_length": 2}),
               ("maximum", {"stat_length": 2.6}), ("minimum", {"stat_length": (3, 1)})]


@pytest.mark.parametrize("mode,kw", _GRID_MODES, ids=[f"{m}-{k}" for m, k in _GRID_MODES])
def test_values_bit_equal_numpy(mode, kw):
    rng = np.random.default_rng(0)
    for shp in [(), (1,), (3,), (2, 3), (1, 4), (2, 1, 3), (0, 3)]:
        for dt in (np.float64, np.float32, np.int64):
            a = (rng.normal(size=shp) * 4).astype(dt)
            for w in _GRID_WIDTHS:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # mean of 0 entries
                    try:
                        want = np.pad(a, w, mode, **kw)
                    except TypeError:
                        if isinstance(w, dict):  # dict widths are NumPy 2.3+
                            continue
                        raise
                    except (ValueError, IndexError) as e:
                        with pytest.raises(type(e), match=str(e)[:30]):
                            tnp.pad(a, w, mode, **kw)
                        continue
                    got = tnp.pad(a, w, mode, **kw)
                msg = f"{shp} {dt.__name__} {w}"
                assert got.dtype == want.dtype and got.shape == want.shape, msg
                if mode != "empty":
                    np.testing.assert_array_equal(got, want, err_msg=msg)


def test_ties_share_equally_and_statistics_derivatives():
    x = np.array([2.0, 5.0, 5.0, 1.0])
    # maximum over the first three entries: the two tied 5s share each pad entry's cotangent
    g = tg.grad(lambda x: tnp.sum(tnp.pad(x, (2, 0), "maximum", stat_length=3)))(x)
    np.testing.assert_allclose(g, [1.0, 2.0, 2.0, 1.0])
    g = tg.grad(lambda x: tnp.sum(tnp.pad(x, (0, 1), "mean")))(x)
    np.testing.assert_allclose(g, 1.0 + np.full(4, 0.25))
    # linear_ramp: entry i of a width-w left ramp is end + (edge - end) i / w
    g = tg.grad(lambda e: tnp.sum(tnp.pad(x, (4, 0), "linear_ramp", end_values=e)))(0.5)
    np.testing.assert_allclose(g, sum(1 - i / 4 for i in range(4)))


def test_errors():
    x = rand((2, 3))
    with pytest.raises(ValueError, match="mode 'bogus' is not supported"):
        tnp.pad(x, 1, "bogus")
    with pytest.raises(ValueError, match="unsupported keyword arguments for mode 'edge'"):
        tnp.pad(x, 1, "edge", constant_values=1)
    with pytest.raises(ValueError, match="stat_length of 0 yields no value"):
        tnp.pad(x, 1, "maximum", stat_length=0)
    with pytest.raises(ValueError, match="can't extend empty axis 0"):
        tnp.pad(np.ones((0, 3)), 1, "median")
    with pytest.raises(TypeError, match="integral type"):
        tnp.pad(x, 1.5)
    with pytest.raises(TypeError, match="stat_length must be plain"):
        tg.vmap(lambda n: tnp.pad(x, 1, "mean", stat_length=n))(np.array([1.0, 2.0]))
    with pytest.raises(NotImplementedError, match="callable mode"):
        tg.grad(lambda x: tnp.sum(tnp.pad(x, 1, lambda v, w, ax, kw: None)))(x)
    np.testing.assert_array_equal(tnp.pad(x, 1, lambda v, w, ax, kw: None), np.pad(
        x, 1, lambda v, w, ax, kw: None))  # a callable mode on a plain array is NumPy's
