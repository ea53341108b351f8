"""tangents.scipy.linalg: every function through the shared harness (values against SciPy,
derivatives to order 2 forward and reverse against finite differences, float32, vmap) on
1x1, 3x3, batched and broadcast inputs, plus the error paths."""
import numpy as np
import pytest

sl = pytest.importorskip("scipy.linalg")

from harness import Case, case_id, check_case, rand, spd, sym, tol  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.numpy as tnp  # noqa: E402
import tangents.scipy.linalg as tsl  # noqa: E402


def general(shape, seed=0):
    """A well-conditioned random square matrix (stack): noise plus n I."""
    n = shape[-1]
    return np.random.default_rng(seed).standard_normal(shape) * 0.5 + n * np.eye(n)


def pair(name, make, args, **kw):
    """A Case whose function is ``make(tangents.scipy.linalg)``, checked against
    ``make(scipy.linalg)``."""
    return Case(name, make(tsl), args, np_fun=make(sl), **kw)


CASES = []
# solve_triangular: every (lower, trans, unit_diagonal), then vector, batched, broadcast b
for lower in (True, False):
    for trans in (0, 1):
        for unit in (False, True):
            kw = dict(lower=lower, trans=trans, unit_diagonal=unit)
            CASES.append(pair(f"solve_triangular{kw}",
                              lambda L, kw=kw: lambda a, b: L.solve_triangular(a, b, **kw),
                              (general((3, 3), 1), rand((3, 2), seed=2))))
for name, sa, sb, kw in [
        ("vector", (3, 3), (3,), dict(lower=True)),
        ("1x1", (1, 1), (1, 2), dict()),
        ("batched", (2, 3, 3), (2, 3, 2), dict(trans="T")),
        ("broadcast_b", (3, 3), (2, 3, 2), dict(lower=True, trans="C")),
        ("broadcast_a", (2, 1, 3, 3), (4, 3, 1), dict()),
        ("batched_vector", (2, 3, 3), (3,), dict(trans=1, lower=True))]:
    CASES.append(pair(f"solve_triangular_{name}",
                      lambda L, kw=kw: lambda a, b: L.solve_triangular(a, b, **kw),
                      (general(sa, 3), rand(sb, seed=4))))

# Cholesky: the factor (SciPy leaves the other triangle's input entries; ours holds zeros)
for lower in (True, False):
    tri = np.tril if lower else np.triu
    for s in [(1, 1), (3, 3), (2, 3, 3)]:
        CASES.append(Case(f"cho_factor[lower={lower}]",
                          lambda a, lower=lower: tsl.cho_factor(sym(a), lower=lower)[0],
                          (spd(s, 5),),
                          np_fun=lambda a, lower=lower, tri=tri: tri(
                              sl.cho_factor(sym(a), lower=lower)[0])))
        CASES.append(pair(f"cholesky[lower={lower}]",
                          lambda L, lower=lower: lambda a: L.cholesky(sym(a), lower=lower),
                          (spd(s, 6),)))
    for sa, sb in [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 1))]:
        CASES.append(pair(f"cho_solve[lower={lower}]",
                          lambda L, lower=lower: lambda a, b: L.cho_solve(
                              L.cho_factor(sym(a), lower=lower), b),
                          (spd(sa, 7), rand(sb, seed=8))))
        # in the factor directly (its triangle)
        CASES.append(Case(f"cho_solve_in_c[lower={lower}]",
                          lambda c, b, lower=lower: tsl.cho_solve((c, lower), b),
                          (general(sa, 9), rand(sb, seed=10)),
                          np_fun=lambda c, b, lower=lower: sl.cho_solve((c, lower), b)))

# LU: pivoting matrices (no diagonal dominance), the packed factor and solves through it
for s in [(1, 1), (3, 3), (2, 3, 3)]:
    CASES.append(pair("lu_factor", lambda L: lambda a: L.lu_factor(a)[0], (rand(s, seed=11),)))
for sa, sb in [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2)), ((3, 3), (2, 3, 1))]:
    for trans in (0, 1):
        CASES.append(pair(f"lu_solve[trans={trans}]",
                          lambda L, trans=trans: lambda a, b: L.lu_solve(L.lu_factor(a), b,
                                                                         trans=trans),
                          (rand(sa, seed=12), rand(sb, seed=13))))

# expm, expm_frechet, sqrtm, solve_sylvester
for s in [(1, 1), (3, 3), (2, 3, 3)]:
    CASES += [
        pair("expm", lambda L: L.expm, (rand(s, -1, 1, seed=14),)),
        # SciPy's expm_frechet computes in float64 for float32 input; ours keeps float32
        Case("expm_frechet", tsl.expm_frechet, (rand(s, -1, 1, seed=15), rand(s, seed=16)),
             np_fun=lambda a, e: tuple(r.astype(a.dtype) for r in sl.expm_frechet(a, e))),
        pair("sqrtm", lambda L: L.sqrtm, (general(s, 17),)),
        pair("sqrtm_spd", lambda L: L.sqrtm, (spd(s, 18),)),
    ]
for sa, sb in [((3, 3), (2, 2)), ((1, 1), (1, 1)), ((2, 3, 3), (2, 2, 2))]:
    CASES.append(pair("solve_sylvester", lambda L: L.solve_sylvester,
                      (general(sa, 19), general(sb, 20), rand(sa[:-1] + sb[-1:], seed=21))))

# block_diag: 0-d, 1-d (a row), 2-d and size-0 blocks
for shapes in [[(2, 2)], [(2, 2), (1, 3)], [(), (3,), (2, 1)], [(0, 2), (2, 0), (1, 1)]]:
    args = tuple(rand(s, seed=22 + k) for k, s in enumerate(shapes))
    CASES.append(pair(f"block_diag{shapes}", lambda L: L.block_diag, args))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_linalg_rule(case):
    if not tsl._SCIPY_BATCHES and any(np.ndim(a) > 2 for a in case.args):
        pytest.skip("SciPy before 1.16 computes no batched reference (tangents loops itself: "
                    "test_stacks_of_matrices_without_scipy_batching)")
    check_case(case)


def test_expm_derivative_is_the_frechet_derivative():
    a, e = rand((3, 3), -1, 1, seed=30), rand((3, 3), seed=31)
    _, t = tg.jvp(tsl.expm, (a,), (e,))
    np.testing.assert_allclose(t, sl.expm_frechet(a, e, compute_expm=False), **tol("roundoff"))
    # batched: vmap of the JVP equals the per-matrix Fréchet derivatives
    ab, eb = rand((4, 3, 3), -1, 1, seed=32), rand((4, 3, 3), seed=33)
    tb = tg.vmap(lambda a, e: tg.jvp(tsl.expm, (a,), (e,))[1])(ab, eb)
    np.testing.assert_allclose(tb, [sl.expm_frechet(x, y, compute_expm=False)
                                    for x, y in zip(ab, eb, strict=True)], **tol("roundoff"))
    tg.check_grads(lambda a: tnp.sum(tsl.expm(a) ** 2), (ab,), order=1)


@pytest.mark.parametrize("fn,x", [(tsl.expm, rand((2, 2), -1, 1, seed=34)),
                                  (tsl.sqrtm, general((2, 2), 35))])
def test_third_order(fn, x):
    tg.check_grads(fn, (x,), order=3)


def test_sqrtm_squares_back_and_its_gradient_matches_the_sylvester_solution():
    a = spd((3, 3), 36)
    x = tsl.sqrtm(a)
    np.testing.assert_allclose(x @ x, a, **tol("composed"))
    ct = rand((3, 3), seed=37)
    _, pull = tg.vjp(tsl.sqrtm, a)
    np.testing.assert_allclose(pull(ct)[0], sl.solve_sylvester(x.T, x.T, ct), **tol("composed"))


def test_lu_solve_through_lu_factor_matches_the_derivative_of_solve():
    a, b = rand((3, 3), seed=38), rand((3, 2), seed=39)
    g = tg.grad(lambda a: tnp.sum(tsl.lu_solve(tsl.lu_factor(a), b) ** 2))(a)
    g_ref = tg.grad(lambda a: tnp.sum(tnp.linalg.solve(a, b) ** 2))(a)
    np.testing.assert_allclose(g, g_ref, **tol("composed"))
    piv = tsl.lu_factor(a)[1]
    assert not np.array_equal(piv, np.arange(3)), "the test matrix should need pivoting"


def test_errors():
    with pytest.raises(NotImplementedError, match="square"):
        tg.grad(lambda a: tnp.sum(tsl.lu_factor(a)[0]))(rand((3, 2)))
    with pytest.raises(ValueError, match="trans"):
        tsl.solve_triangular(np.eye(2), np.ones(2), trans=3)
    with pytest.raises(ValueError, match="dimension greater than 2"):
        tsl.block_diag(np.ones((2, 2, 2)))
    assert tsl.block_diag().shape == sl.block_diag().shape


@pytest.mark.parametrize("stack", [(2,), (0,), (2, 1)])
def test_stacks_of_matrices_without_scipy_batching(monkeypatch, stack):
    # SciPy before 1.16 takes one matrix per call: each function falls back to a loop
    real = {name: getattr(sl, name) for name in ("solve_triangular", "expm", "sqrtm",
                                                 "lu_factor", "solve_sylvester")}

    def one_matrix_only(f):
        def call(*args, **kwargs):
            if any(np.ndim(a) > 2 for a in args):
                raise ValueError("expected square matrix")
            return f(*args, **kwargs)
        return call
    for name, f in real.items():
        monkeypatch.setattr(tsl._sl, name, one_matrix_only(f))
    monkeypatch.setattr(tsl, "_SCIPY_BATCHES", False)
    rng = np.random.default_rng(0)
    a = np.eye(3) * 2 + 0.1 * rng.standard_normal(stack + (3, 3))
    b = rng.standard_normal(stack + (3, 2))
    for got, want in [
            (tsl.solve_triangular(a, b, lower=True),
             np.reshape([real["solve_triangular"](m, r, lower=True) for m, r in
                         zip(a.reshape(-1, 3, 3), b.reshape(-1, 3, 2))], stack + (3, 2))),
            (tsl.expm(a), np.reshape([real["expm"](m) for m in a.reshape(-1, 3, 3)],
                                     stack + (3, 3))),
            (tsl.lu_factor(a)[0], np.reshape([real["lu_factor"](m)[0] for m in
                                              a.reshape(-1, 3, 3)], stack + (3, 3)))]:
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, **tol("roundoff"))
    if stack == (2,):
        np.testing.assert_allclose(tg.vmap(lambda m: np.sum(tsl.sqrtm(m @ m.T)))(a),
                                   [np.sum(real["sqrtm"](m @ m.T)) for m in a], **tol("composed"))
