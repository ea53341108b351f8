"""tangents.scipy.integrate: ODE solutions and integrals through the shared harness (values
equal SciPy's; derivatives to order 2 against finite differences and forward against reverse;
float32; vmap), plus the Leibniz/adjoint edge cases and clear errors."""
import time
import warnings

import numpy as np
import pytest

si = pytest.importorskip("scipy.integrate")

from harness import Case, case_id, check_case, tol  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.scipy._integrate_ode_rk as ode_rk  # noqa: E402
import tangents.scipy.integrate as tsi  # noqa: E402
from tangents.core import Tracer  # noqa: E402

TIGHT = dict(rtol=1e-10, atol=1e-12)  # the solvers' options, not a test tolerance


def lotka(y, t, a, b):
    """Lotka-Volterra with a time-dependent forcing (so t matters on its own)."""
    return np.stack([a[0] * y[0] - b * y[0] * y[1] + 0.1 * np.sin(t),
                     -a[1] * y[1] + b * y[0] * y[1]])


def _as(y, like):
    return np.asarray(y, np.asarray(like).dtype)


def ode_y0_t_args(y0, t, a, b):
    return tsi.odeint(lotka, y0, t, args=(a, b), **TIGHT)


def ode_ref(y0, t, a, b):
    return _as(si.odeint(lotka, y0, t, args=(a, b), **TIGHT), y0)


def ivp(method):
    def fun(y0, t_eval, a, b):
        return tsi.solve_ivp(lambda t, y, a, b: lotka(y, t, a, b), (0.0, 2.5), y0, method,
                             t_eval=t_eval, args=(a, b), **TIGHT).y

    def ref(y0, t_eval, a, b):
        return _as(si.solve_ivp(lambda t, y, a, b: lotka(y, t, a, b), (0.0, 2.5), y0, method,
                                t_eval=t_eval, args=(a, b), **TIGHT).y, y0)
    return fun, ref


def ivp_span(y0, t1):
    return tsi.solve_ivp(lambda t, y: -y * t, np.stack([t1 * 0.25, t1]), y0,
                         t_eval=np.stack([t1 * 0.5, t1]), **TIGHT).y


def quad_fun(a, b, c):
    return tsi.quad(lambda x, c: np.exp(-c[0] * x * x) * np.cos(c[1] * x), a, b, args=(c,),
                    epsabs=1e-13, epsrel=1e-12)[0]


def quad_ref(a, b, c):
    return _as(si.quad(lambda x, c: np.exp(-c[0] * x * x) * np.cos(c[1] * x), a, b,
                       args=(c,), epsabs=1e-13, epsrel=1e-12)[0], c)


def quad_vec_fun(a, b, c):
    return tsi.quad_vec(lambda x, c: np.exp(-x * c) / (1 + x), a, b, epsrel=1e-12,
                        args=(c,))[0]


def quad_vec_ref(a, b, c):
    return _as(si.quad_vec(lambda x: np.exp(-x * c) / (1 + x), a, b, epsrel=1e-12)[0], c)


Y0, T = np.array([1.0, 0.5]), np.array([0.0, 0.5, 1.2, 2.0])
A, B = np.array([0.7, 0.4]), np.array(0.3)
CASES = [
    Case("odeint", ode_y0_t_args, (Y0, T, A, B), np_fun=ode_ref),
    Case("solve_ivp_RK45", *ivp("RK45")[:1], (Y0, T[1:], A, B), np_fun=ivp("RK45")[1]),
    Case("solve_ivp_DOP853", *ivp("DOP853")[:1], (Y0, T[1:], A, B), np_fun=ivp("DOP853")[1]),
    Case("solve_ivp_t_span", ivp_span, (Y0, np.array(1.5))),
    Case("quad", quad_fun, (np.array(-0.5), np.array(1.5), np.array([0.8, 2.0])),
         np_fun=quad_ref),
    Case("quad_vec", quad_vec_fun, (np.array(0.2), np.array(2.0), np.array([0.5, 1.0, 2.0])),
         np_fun=quad_vec_ref),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_harness(case):
    check_case(case)


def net(y, t, w):
    return np.tanh(w @ y) - 0.1 * y


def net_loss(method):
    """Sum of squares of the 10-state network's solution at 5 times, in y0 and w (100)."""
    def loss(y0, w):
        t = np.linspace(0.0, 2.0, 5)
        if method == "odeint":
            ys = tsi.odeint(net, y0, t, args=(w,), **TIGHT)
        else:
            ys = tsi.solve_ivp(lambda s, y, w: net(y, s, w), (0.0, 2.0), y0, method,
                               t_eval=t, args=(w,), **TIGHT).y
        return np.sum(ys ** 2)
    return loss


NET_W = np.random.default_rng(0).standard_normal((10, 10)) / 4
NET_Y0 = np.random.default_rng(1).standard_normal(10)


@pytest.mark.parametrize("method", ["odeint", "RK45", "BDF", "LSODA", "Radau"])
def test_gradient_of_100_parameters_matches_finite_differences(method):
    """The acceptance check: a gradient in y0 and 100 parameters, solved at TIGHT, agrees with
    central differences to 1e-6 relative (the adjoint's quadratures out of the error test,
    the implicit solvers' Newton matrix from blockdiag(J, -J^T, 0))."""
    tg.check_grads(net_loss(method), (NET_Y0, NET_W), order=1, rtol=tol("derivative")["rtol"],
                   max_entries=40)  # of the 110, by central differences


def test_second_order_with_bdf():
    """Reverse over reverse with BDF: the outer adjoint reads the adjoint of the inner
    parameter integrals (they are not quadratures there), so its Jacobian has their columns."""
    y0, w = NET_Y0[:2], NET_W[:2, :2]
    loss = lambda y0, w: np.sum(tsi.solve_ivp(  # noqa: E731
        lambda s, y, w: net(y, s, w), (0.0, 2.0), y0, "BDF", t_eval=[1.0, 2.0], args=(w,),
        **TIGHT).y ** 2)
    tg.check_grads(loss, (y0, w), order=2, modes=("rev",), rtol=tol("derivative")["rtol"])


@pytest.fixture
def solver_calls(monkeypatch):
    """(state size, number of right-hand side evaluations) of each SciPy solve."""
    calls, scipy_odeint, scipy_solve_ivp = [], si.odeint, si.solve_ivp

    def odeint(*a, **k):
        ys, info = scipy_odeint(*a, full_output=1, **k)
        calls.append((np.size(a[1]), int(info["nfe"][-1])))
        return ys

    def solve_ivp(*a, **k):
        sol = scipy_solve_ivp(*a, **k)
        calls.append((np.size(a[2]), sol.nfev))
        return sol
    monkeypatch.setattr(tsi._si, "odeint", odeint)
    monkeypatch.setattr(tsi._si, "solve_ivp", solve_ivp)
    return calls


@pytest.mark.parametrize("method", ["odeint", "RK45"])
def test_parameter_integrals_do_not_choose_the_steps(method, solver_calls, monkeypatch):
    """The adjoint's parameter integrals g' = -a^T J_p f are quadratures: the backward solve
    in 100 parameters takes the steps of the one in y0 alone (where there are none).  The
    general path's: RK45 on plain values takes `_integrate_ode_rk`'s, which has no g."""
    monkeypatch.setattr(ode_rk, "applies", lambda *args: False)
    loss = net_loss(method)
    counts = []
    for argnums in (0, 1):
        solver_calls.clear()
        tg.grad(loss, argnums)(NET_Y0, NET_W)
        counts.append([nfev for size, nfev in solver_calls if size > 10])
    assert len(counts[1]) == 4 and counts[0] == counts[1], counts


def test_derivative_systems_are_traced_once_not_per_evaluation(solver_calls):
    """The adjoint and sensitivity systems are staged once with tg.jit, not traced again at
    each of the solver's evaluations (hundreds here); quad_vec's integrands likewise."""
    traced = []

    def rhs(y, t, w):
        traced.append(isinstance(y, Tracer))
        return net(y, t, w)
    ode = lambda w: tsi.odeint(rhs, NET_Y0, [0.0, 1.0, 2.0], args=(w,), **TIGHT)  # noqa: E731
    tg.grad(lambda w: ode(w).sum())(NET_W)
    tg.jvp(ode, (NET_W,), (NET_W,))
    assert sum(n for _, n in solver_calls) > 500 and sum(traced) <= 4, sum(traced)

    points = []
    integrand = lambda x, c: (points.append(isinstance(c, Tracer)),  # noqa: E731
                              np.exp(-c * x) / (1 + x))[1]
    area = lambda c: tsi.quad_vec(integrand, 0.0, 2.0, args=(c,))[0].sum()  # noqa: E731
    tg.grad(area)(np.array([0.5, 1.0]))
    tg.jvp(area, (np.array([0.5, 1.0]),), (np.ones(2),))
    assert len(points) > 100 and sum(points) <= 4, (len(points), sum(points))


def test_plain_right_hand_side_runs_no_tangents_operation_per_evaluation(solver_calls,
                                                                       monkeypatch):
    """The solution's own right-hand side, on plain values (odeint outside transforms, the
    forward pass of a gradient), is the user's NumPy function and a float64 check: args are
    unflattened once per solve and a 1-D result is not reshaped through tnp."""
    import tangents.core.tree as tree_util
    import tangents.numpy as tnp
    seen = []

    def counted(f):
        return lambda *a, **k: (seen.append(1), f(*a, **k))[1]
    monkeypatch.setattr(tnp, "reshape", counted(tnp.reshape))
    monkeypatch.setattr(tree_util, "unflatten", counted(tree_util.unflatten))
    ys = tsi.odeint(net, NET_Y0, [0.0, 1.0, 2.0], args=(NET_W,), **TIGHT)
    np.testing.assert_array_equal(ys, si.odeint(net, NET_Y0, [0.0, 1.0, 2.0], args=(NET_W,),
                                                **TIGHT))
    assert solver_calls[0][1] > 100 and len(seen) <= 2, (solver_calls, len(seen))


def test_derivative_systems_wait_for_their_fused_kernels(monkeypatch):
    """tg.jit answers a new program's first calls with the NumPy executor while its fused
    kernels compile on a background thread; a staged derivative system waits for them, so
    no solve switches executors partway (its steps would depend on when the compile ended).
    The compile is slowed down here so that a solve would finish before it."""
    pytest.importorskip("numba")
    from tangents.jit import background, reuse
    monkeypatch.setattr(reuse, "_programs", type(reuse._programs)())  # none compiled before
    monkeypatch.delenv("TANGENTS_JIT_EXECUTOR", raising=False)
    monkeypatch.setenv("TANGENTS_JIT_COMPILE", "background")
    jobs, submit = [], background.submit

    def slow_submit(name, make, install):
        jobs.append(submit(name, lambda: (time.sleep(1.0), make())[1], install))
        return jobs[-1]
    monkeypatch.setattr(background, "submit", slow_submit)
    tg.grad(lambda w: tsi.odeint(net, NET_Y0, [0.0, 1.0, 2.0], args=(w,), **TIGHT).sum())(NET_W)
    assert jobs and all(job.done.is_set() for job in jobs), len(jobs)


def test_right_hand_side_reading_t_as_a_number_runs_eagerly():
    """float(t) in the right-hand side cannot be staged (a new number at each evaluation):
    the derivative systems run eagerly, with the same result and no warning from jit."""
    def ode(k, read):
        fun = lambda t, y, k: -k * y * np.cos(read(t))  # noqa: E731
        return tsi.solve_ivp(fun, (0.0, 2.0), np.array([1.0, 2.0]), t_eval=[1.0, 2.0],
                             args=(k,), **TIGHT).y.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = tg.grad(ode)(0.7, float)
        got_jvp = tg.jvp(lambda k: ode(k, float), (0.7,), (1.0,))[1]
    want = tg.grad(ode)(0.7, np.asarray)
    np.testing.assert_allclose(got, want, **tol("truncation"))
    np.testing.assert_allclose(got_jvp, want, **tol("truncation"))


def test_adjoint_in_t_and_hessian_match_closed_form():
    """y' = -k y: y(t) = y0 e^{-k (t - t0)}; the derivatives in t0, t1, k and the Hessian in k
    against the closed form."""
    def end(t, k):
        return tsi.odeint(lambda y, t, k: -k * y, np.array([2.0]), t, args=(k,), **TIGHT)[-1, 0]
    t, k = np.array([0.3, 1.1]), 0.7
    exact = 2.0 * np.exp(-k * 0.8)
    g_t, g_k = tg.grad(end, (0, 1))(t, k)
    np.testing.assert_allclose(g_t, [k * exact, -k * exact], **tol("truncation"))
    np.testing.assert_allclose(g_k, -0.8 * exact, **tol("truncation"))
    np.testing.assert_allclose(tg.hessian(end, 1)(t, k), 0.64 * exact, **tol("truncation"))
    np.testing.assert_allclose(tg.jvp(lambda k: end(t, k), (k,), (1.0,))[1], -0.8 * exact,
                               **tol("truncation"))


def test_vmap_over_y0_equals_examples():
    y0s = np.array([[1.0, 0.5], [0.8, 0.9], [1.2, 0.2]])
    f = lambda y0: tsi.solve_ivp(lambda t, y: lotka(y, t, A, B), (0.0, 1.0), y0,  # noqa: E731
                                 t_eval=[0.5, 1.0], **TIGHT).y
    np.testing.assert_allclose(tg.vmap(f)(y0s), np.stack([f(y) for y in y0s]), **tol("roundoff"))
    gs = tg.vmap(tg.grad(lambda y0: f(y0).sum()))(y0s)
    np.testing.assert_allclose(gs, np.stack([tg.grad(lambda y0: f(y0).sum())(y) for y in y0s]),
                               **tol("roundoff"))


def test_solve_ivp_without_t_eval_and_dense_output():
    """Interior output times are the solver's steps (constants); .sol(t) re-solves and is
    differentiable."""
    def res(y0, k):
        return tsi.solve_ivp(lambda t, y, k: -k * y, (0.0, 1.0), y0, args=(k,),
                             dense_output=True, **TIGHT)
    y0 = np.array([1.0, 3.0])
    plain = si.solve_ivp(lambda t, y: -0.5 * y, (0.0, 1.0), y0, **TIGHT)
    np.testing.assert_allclose(tg.grad(lambda y0: res(y0, 0.5).y.sum())(y0),
                               np.full(2, np.exp(-0.5 * plain.t).sum()), **tol("truncation"))
    g = tg.grad(lambda k: res(y0, k).sol(0.4).sum())(0.5)
    np.testing.assert_allclose(g, -0.4 * 4.0 * np.exp(-0.2), **tol("truncation"))
    with pytest.raises(NotImplementedError, match="t_eval"):
        tg.vmap(lambda y0: res(y0, 0.5).y)(np.ones((2, 2)))


def test_quad_infinite_limit_and_limits():
    gauss = lambda b, s: tsi.quad(lambda x, s: np.exp(-x * x / s), -np.inf, b,  # noqa: E731
                                  args=(s,), epsabs=1e-13, epsrel=1e-12)[0]
    g_b, g_s = tg.grad(gauss, (0, 1))(np.inf, 2.0)
    assert g_b == 0.0
    np.testing.assert_allclose(g_s, 0.5 * np.sqrt(np.pi / 2.0), **tol("composed"))  # sqrt(pi s)'
    np.testing.assert_allclose(tg.grad(gauss)(0.3, 2.0), np.exp(-0.045), **tol("roundoff"))


def test_closure_over_traced_value_is_a_clear_error():
    with pytest.raises(TypeError, match=r"odeint: .*args=\(\.\.\.\)"):
        tg.grad(lambda k: tsi.odeint(lambda y, t: -k * y, np.array([1.0]), [0.0, 1.0])
                .sum())(1.0)
    with pytest.raises(TypeError, match=r"quad: .*args=\(\.\.\.\)"):
        tg.grad(lambda k: tsi.quad(lambda x: k * x, 0.0, 1.0)[0])(1.0)


def test_plain_values_are_scipys():
    out = tsi.solve_ivp(lambda t, y: -y, (0.0, 1.0), [1.0], dense_output=True)
    ref = si.solve_ivp(lambda t, y: -y, (0.0, 1.0), [1.0], dense_output=True)
    np.testing.assert_array_equal(out.y, ref.y)
    np.testing.assert_array_equal(out.sol(0.3), ref.sol(0.3))
    assert tsi.quad(np.sin, 0.0, 1.0) == si.quad(np.sin, 0.0, 1.0)


def _central_jacobian(fn, z, h=1e-6):
    """d fn / dz by central differences in float64, column by column."""
    cols = [(fn(z + h * e) - fn(z - h * e)) / (2 * h) for e in np.eye(z.shape[0])]
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("system", ["adjoint", "sensitivities"])
@pytest.mark.parametrize("solver", ["odeint", "BDF"])
def test_implicit_solvers_get_the_block_diagonal_of_the_derivative_systems_jacobian(
        system, solver):
    """The Newton matrix of the adjoint (y, a, g) and of the sensitivities (z, v) is built from
    J = df/dy: blockdiag(J, -J^T, 0) and blockdiag(J, J).  Against central differences of the
    whole system: equal diagonal blocks, and nothing above them (each block reads only
    earlier ones, so the blocks below do not slow Newton's iteration)."""
    from tangents.scipy import _integrate_ode as ode
    _, tree = tg.tree.flatten((NET_W,))
    base = ode._Rhs(net, False, tree, "odeint")
    if system == "adjoint":
        rhs, leaves = ode._AdjointRhs(base, (True,)), [NET_W]
        z = np.concatenate([NET_Y0, np.cos(np.arange(10.0)), np.zeros(100)])
        blocks = [(0, 10), (10, 20), (20, 120)]
    else:
        rhs, leaves = ode._JvpRhs(base, 1), [NET_W, np.sin(NET_W)]
        z = np.concatenate([NET_Y0, np.cos(np.arange(10.0))])
        blocks = [(0, 10), (10, 20)]
    option = ode._jacobian_option(rhs, leaves, solver, z.shape[0])
    got = option["Dfun"](z, 0.3) if solver == "odeint" else option["jac"](0.3, z).toarray()
    fn = rhs.numpy_fn(leaves, "the system")
    want = _central_jacobian(lambda z: fn(z, np.float64(0.3)), z)
    for lo, hi in blocks:
        np.testing.assert_allclose(got[lo:hi, lo:hi], want[lo:hi, lo:hi], **tol("fd"))
        np.testing.assert_array_equal(got[lo:hi, :lo], 0.0)
        np.testing.assert_allclose(want[:lo, lo:hi], 0.0, **tol("fd"))
    assert np.abs(want[10:20, :10]).max() > 1e-3  # a block below that the matrix leaves out


@pytest.mark.parametrize("method", ["BDF", "Radau"])
def test_implicit_backward_solves_do_not_difference_the_state(method, monkeypatch):
    """BDF and Radau get the adjoint's Jacobian, so they evaluate the adjoint system only for
    their steps (its sol.nfev): finite differences over its 2n + P entries would call it
    once more per column group at each Jacobian (calls SciPy does not count in nfev)."""
    solves, scipy_solve_ivp = [], si.solve_ivp

    def solve_ivp(fun, *a, **k):
        calls = []
        sol = scipy_solve_ivp(lambda *x: (calls.append(1), fun(*x))[1], *a, **k)
        solves.append((np.size(a[1]), len(calls), sol.nfev, sol.njev))
        return sol
    monkeypatch.setattr(tsi._si, "solve_ivp", solve_ivp)
    tg.grad(net_loss(method), 1)(NET_Y0, NET_W)
    back = [s[1:] for s in solves if s[0] > 10]
    assert len(back) == 4 and all(calls == nfev and njev > 0 for calls, nfev, njev in back), back
