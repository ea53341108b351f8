"""The first-order adjoint of the explicit Runge-Kutta methods (tangents.scipy.
_integrate_ode_rk): (y, a) integrated alone, the parameters' integrals summed over the
recorded stages in one batched vjp; the backward method at tight tolerances."""
import numpy as np
import pytest

si = pytest.importorskip("scipy.integrate")

from harness import tol  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.scipy._integrate_ode_rk as ode_rk  # noqa: E402
import tangents.scipy.integrate as tsi  # noqa: E402

TIGHT = dict(rtol=1e-10, atol=1e-12)  # the solvers' options, not a test tolerance
LOOSE = dict(rtol=1e-4, atol=1e-7)  # the solvers' options, not a test tolerance
W = np.random.default_rng(0).standard_normal((4, 4)) / 3
Y0 = np.random.default_rng(1).standard_normal(4)


def forced(t, y, w, k):
    """A small network with a time-dependent forcing, so t matters on its own."""
    return np.tanh(w @ y) - k * y + 0.1 * np.sin(3 * t)


def loss(method, options=TIGHT, fun=forced):
    def f(y0, t_eval, w, k):
        ys = tsi.solve_ivp(fun, (0.0, 2.0), y0, method, t_eval=t_eval, args=(w, k),
                           **options).y
        return np.sum(ys ** 2) + np.sum(ys[0] * t_eval)
    return f


ARGS = (Y0, np.array([0.3, 1.1, 1.7]), W, np.array(0.2))  # solved on to t_span's 2.0


@pytest.fixture
def backward_solves(monkeypatch):
    """The SciPy solves made after the forward one, as (method, state size)."""
    calls, solve_ivp = [], si.solve_ivp

    def counted(fun, span, y0, method="RK45", *a, **k):
        calls.append((method, np.size(y0)))
        return solve_ivp(fun, span, y0, method, *a, **k)
    monkeypatch.setattr(tsi._si, "solve_ivp", counted)
    return calls


@pytest.mark.parametrize("method", ["RK23", "RK45", "DOP853"])
def test_stage_sums_equal_the_general_paths_quadratures(method, backward_solves, monkeypatch):
    """Same steps as the general path's (y, a, g) solve, whose g the solver integrates: the
    gradient in y0, the output times and the parameters agrees to rounding."""
    grad = tg.grad(loss(method), argnums=(0, 1, 2, 3))
    fast = grad(*ARGS)
    assert len(backward_solves) == 1  # the forward solve only: no (y, a, g) system
    monkeypatch.setattr(ode_rk, "applies", lambda *args: False)
    backward_solves.clear()
    general = grad(*ARGS)
    assert len(backward_solves) > 1 and all(n == 2 * 4 + 16 + 1 for _, n in backward_solves[1:])
    for got, want in zip(fast, general):
        np.testing.assert_allclose(got, want, **tol("composed"))


@pytest.mark.parametrize("method", ["RK23", "RK45", "DOP853"])
def test_gradient_matches_finite_differences(method):
    tg.check_grads(loss(method), ARGS, order=1, modes=("rev",), rtol=tol("derivative")["rtol"])


def test_tight_tolerances_solve_backward_with_dop853(monkeypatch):
    """RK45 at rtol 1e-10 takes twice DOP853's evaluations backward (bench/bench_ode.py); at
    a loose rtol the forward's method is kept."""
    used = []
    for name in ("RK45", "DOP853"):
        cls = getattr(si, name)
        monkeypatch.setattr(si, name, type(name, (cls,), {
            "__init__": lambda self, *a, _name=name, _cls=cls, **k: (
                used.append(_name), _cls.__init__(self, *a, **k))[1]}))
    tg.grad(loss("RK45"), argnums=2)(*ARGS)
    assert used == ["DOP853"] * 4  # from 2.0 back to 1.7, 1.1, 0.3 and 0.0
    used.clear()
    loose = loss("RK45", LOOSE)
    tg.grad(loose, argnums=2)(*ARGS)
    assert set(used) == {"RK45"}


def test_right_hand_side_that_does_not_vmap_takes_the_general_path(backward_solves):
    """Python control flow on a value runs under jit (a guard) but not under vmap, which the
    parameters' batched vjp needs: the general path computes that gradient instead."""
    def branching(t, y, w, k):
        scale = 2.0 if y[0] > 0 else 1.0
        return forced(t, y, w, k) * scale
    f = loss("RK45", fun=branching)
    got = tg.grad(f, argnums=2)(*ARGS)
    assert len(backward_solves) > 1  # the (y, a, g) solves
    tg.check_grads(f, ARGS, order=1, modes=("rev",), rtol=tol("derivative")["rtol"])
    np.testing.assert_allclose(got, tg.grad(f, argnums=2)(*ARGS), **tol("roundoff"))


@pytest.mark.parametrize("general", [False, True])
def test_a_first_step_longer_than_an_output_interval(general, monkeypatch):
    """The user's first_step holds for the forward solve; a backward solve spans one output
    interval, which may be shorter (SciPy raises on a first step beyond the span)."""
    if general:
        monkeypatch.setattr(ode_rk, "applies", lambda *args: False)
    first = dict(first_step=0.5)  # the solver's option, not a test tolerance
    tg.check_grads(loss("RK45", {**TIGHT, **first}), ARGS, order=1, modes=("rev",),
                   rtol=tol("derivative")["rtol"])
