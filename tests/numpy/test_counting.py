"""numpy/_counting.py through the shared harness: bincount, histograms and
histogram_bin_edges (differentiable in weights, data range and edges), set operations
(values from the first occurrence), windows; plain counts inside grad and vmap."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, check_plain_result, positive, rand

import tangents as tg
import tangents.numpy as tnp

DATA = np.array([0.3, 1.7, 0.9, 2.4, 1.1, 0.2, 1.9])
CASES = [
    Case("bincount-weights", lambda w: tnp.bincount(np.array([0, 3, 3, 1]), w, minlength=6),
         (rand((4,)),), np_fun=lambda w: np.bincount(np.array([0, 3, 3, 1]), w, minlength=6)),
    Case("histogram-weights-density",
         lambda a, w: tnp.histogram(a, bins=3, weights=w, density=True),
         (rand((8,)), positive((8,), seed=1)),
         np_fun=lambda a, w: np.histogram(a, bins=3, weights=w, density=True)),
    Case("histogram-edges-range", lambda a: tnp.histogram(a, bins=np.array([-2.0, 0.0, 0.5, 2.0]),
                                                          density=True, weights=a * a),
         (rand((2, 4)),), np_fun=lambda a: np.histogram(a, np.array([-2.0, 0.0, 0.5, 2.0]),
                                                         density=True, weights=a * a)),
    Case("histogram2d-weights", lambda x, y, w: tnp.histogram2d(x, y, bins=2, weights=w),
         (rand((6,)), rand((6,), seed=1), rand((6,), seed=2)),
         np_fun=lambda x, y, w: np.histogram2d(x, y, bins=2, weights=w)),
    Case("histogramdd-density", lambda s: tnp.histogramdd(s, bins=(2, 3), density=True,
                                                          range=[(-2, 2), (-2, 2)]),
         (rand((7, 2)),), np_fun=lambda s: np.histogramdd(s, bins=(2, 3), density=True,
                                                          range=[(-2, 2), (-2, 2)])),
    Case("histogram_bin_edges", lambda a: tnp.histogram_bin_edges(a, 4), (DATA,),
         np_fun=lambda a: np.histogram_bin_edges(a, 4)),
    Case("histogram_bin_edges-2d", lambda a: tnp.histogram_bin_edges(a), (rand((2, 3)),),
         np_fun=lambda a: np.histogram_bin_edges(a)),
    Case("histogram_bin_edges-auto", lambda a: tnp.histogram_bin_edges(a, "auto"), (DATA,),
         np_fun=lambda a: np.histogram_bin_edges(a, "auto")),
    Case("histogram_bin_edges-range", lambda lo: tnp.histogram_bin_edges(DATA, 3, (lo, 2.5)),
         (np.array(0.1),), np_fun=lambda lo: np.histogram_bin_edges(DATA, 3, (lo, 2.5))),
    Case("histogram_bin_edges-edges", lambda b: tnp.histogram_bin_edges(DATA, b) * 2,
         (np.array([0.0, 0.5, 1.5, 3.0]),), np_fun=lambda b: np.histogram_bin_edges(DATA, b) * 2),
    # set operations on inputs without shared values (equal values would make finite
    # differences change the result's length; see test_set_operations_gather_first_occurrences)
    Case("union1d", lambda a, b: tnp.union1d(a, b), (np.array([3.0, 1.0]),
                                                     np.array([0.5, 2.0])),
         np_fun=np.union1d, vmap=False),
    Case("setxor1d", lambda a, b: tnp.setxor1d(a, b), (np.array([3.0, 1.0]), np.array([0.5, 2.0])),
         np_fun=np.setxor1d, vmap=False),
    Case("setdiff1d", lambda x: tnp.setdiff1d(tnp.concatenate([x, x[:2]]), x[3:5]),
         (rand((6,)),), np_fun=lambda x: np.setdiff1d(np.concatenate([x, x[:2]]), x[3:5]),
         vmap=False),
    Case("setdiff1d-unique", lambda x: tnp.setdiff1d(x, x[1:2], assume_unique=True),
         (rand((2, 3)),), np_fun=lambda x: np.setdiff1d(x, x[1:2], assume_unique=True),
         vmap=False),
    Case("kaiser", lambda b: tnp.kaiser(6, b), (positive(()),), np_fun=lambda b: np.kaiser(6, b)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_counting_rule(case):
    check_case(case)


_X = rand((3, 4))
PLAIN = [  # (name, function of a float array with a plain result)
    ("digitize", lambda x: np.digitize(x, np.array([-1.0, 0.0, 1.0]), right=True)),
    ("histogram", lambda x: np.histogram(x, bins=3)[0]),
    ("histogramdd", lambda x: np.histogramdd(x, bins=2)[0]),
]


@pytest.mark.parametrize("name,fn", PLAIN, ids=[p[0] for p in PLAIN])
def test_plain_counts_in_grad_and_vmap(name, fn):
    check_plain_result(fn, _X)


def test_bincount_weights_vmap_and_traced_integers():
    x = np.array([0, 2, 2, 1])
    w = rand((3, 4))
    got = tg.vmap(lambda w: tnp.bincount(x, w))(w)
    np.testing.assert_allclose(got, np.stack([np.bincount(x, r) for r in w]))
    with pytest.raises(ValueError, match="ragged"):
        tg.vmap(lambda k: tnp.bincount(k))(np.array([[0, 1], [1, 2]]))


def test_ragged_results_raise_clearly_under_vmap():
    with pytest.raises(ValueError, match="ragged"):
        tg.vmap(lambda x: tnp.intersect1d(x, x[:1]))(rand((2, 3)))


def test_set_operations_gather_first_occurrences():
    a, b = np.array([3.0, 1.0, 2.0, 1.0]), np.array([1.0, 3.0, 3.0])
    np.testing.assert_array_equal(tnp.intersect1d(a, b), np.intersect1d(a, b))
    ga, gb = tg.grad(lambda a, b: tnp.sum(tnp.intersect1d(a, b) * np.array([2.0, 5.0])),
                     argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(ga, [5.0, 2.0, 0.0, 0.0])
    np.testing.assert_array_equal(gb, 0.0)
    got = tnp.intersect1d(a, b, return_indices=True)
    for g, e in zip(got, np.intersect1d(a, b, return_indices=True), strict=True):
        np.testing.assert_array_equal(g, e)
    g = tg.grad(lambda a: tnp.sum(tnp.union1d(a, b) * np.array([1.0, 2.0, 3.0])))(a)
    np.testing.assert_array_equal(g, [3.0, 1.0, 2.0, 0.0])


# -- setdiff1d, putmask, place -------------------------------------------------------------
def test_setdiff1d_values_come_from_first_occurrences_and_vmap_is_ragged():
    x = np.array([2.0, 1.0, 2.0, 3.0])
    g = tg.grad(lambda x: tnp.sum(tnp.setdiff1d(x, np.array([3.0])) * np.array([1.0, 10.0])))(x)
    np.testing.assert_array_equal(g, [10.0, 1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="ragged"):
        tg.vmap(lambda x: tnp.setdiff1d(x, np.array([3.0])))(x[None])


# -- histogram_bin_edges --------------------------------------------------------------------
def test_histogram_bin_edges_derivative_flows_through_min_and_max():
    g = tg.grad(lambda a: tnp.histogram_bin_edges(a, 4)[2])(DATA)  # the midpoint
    want = np.zeros_like(DATA)
    want[[DATA.argmin(), DATA.argmax()]] = 0.5
    np.testing.assert_allclose(g, want)
    g = tg.grad(lambda a: tnp.sum(tnp.histogram_bin_edges(a, 3, (0.0, 1.0))))(DATA)
    np.testing.assert_array_equal(g, np.zeros_like(DATA))
    a32 = DATA.astype(np.float32)
    got = tg.vmap(lambda a: tnp.histogram_bin_edges(a, 3, (0.0, 1.0)))(a32[None])
    assert got.dtype == np.histogram_bin_edges(a32, 3, (0.0, 1.0)).dtype == np.float32


def test_histogram_bin_edges_errors_match_numpy():
    bad = np.array([1.0, np.inf])
    with pytest.raises(ValueError, match="autodetected range of"):
        tg.grad(lambda a: tnp.sum(tnp.histogram_bin_edges(a)))(bad)
    with pytest.raises(ValueError, match="must increase monotonically"):
        tg.grad(lambda b: tnp.sum(tnp.histogram_bin_edges(DATA, b)))(np.array([1.0, 0.0]))
    with pytest.raises(TypeError, match="weighted data"):
        tg.grad(lambda a: tnp.sum(tnp.histogram_bin_edges(a, "auto", weights=a)))(DATA)
    with pytest.raises(ValueError, match="max must be larger than min"):
        tg.grad(lambda lo: tnp.sum(tnp.histogram_bin_edges(DATA, 3, (lo, 0.0))))(np.array(1.0))


def test_windows_take_a_concrete_length():
    np.testing.assert_array_equal(tnp.hanning(5), np.hanning(5))
    with pytest.raises(TypeError, match="concrete integer"):
        tg.vmap(lambda m: tnp.bartlett(m))(np.array([3, 4]))


def test_in1d_follows_the_installed_numpy():
    assert hasattr(tnp, "in1d") == hasattr(np, "in1d")  # deprecated in NumPy 2.0-2.3
