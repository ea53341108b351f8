"""autograd.scipy.integrate.odeint through tangents.compat.autograd: tangents' odeint (its
adjoint in reverse mode, forward sensitivities in forward mode), written as autograd code is,
checked against central finite differences in y0, t and args."""
import numpy as onp
import pytest

pytest.importorskip("scipy")

from harness import tol  # noqa: E402

import tangents as tg  # noqa: E402
import tangents.compat.autograd as autograd  # noqa: E402
import tangents.compat.autograd.numpy as np  # noqa: E402
from tangents.compat.autograd.scipy.integrate import odeint  # noqa: E402
from tangents.compat.autograd.test_util import combo_check  # noqa: E402
from tangents.scipy import integrate as tsi  # noqa: E402

TIGHT = dict(rtol=1e-10, atol=1e-12)  # the solvers' options, not a test tolerance
R = onp.random.default_rng(0).standard_normal


def func(y, t, arg1, arg2):  # autograd's own test system (tests/test_scipy.py)
    return -np.sqrt(t) - y + arg1 - np.mean((y + arg2) ** 2)


Y0, T, A1, A2 = R(3), onp.linspace(0.1, 0.2, 4), R(3), R(3)


def test_odeint_is_tangents_adjoint_odeint():
    assert odeint is tsi.odeint
    assert autograd.scipy.integrate.odeint is tsi.odeint


def loss(y0, t, a1, a2):
    return np.sum(np.sin(odeint(func, y0, t, args=(a1, a2), **TIGHT)))


@pytest.mark.parametrize("argnum", [0, 1, 2, 3])
def test_odeint_derivatives_match_finite_differences(argnum):
    args = (Y0, T, A1, A2)
    # each argument alone, both modes to order 2 (fwd vs rev transpose identity, and rev
    # vs central finite differences in float64)
    tg.check_grads(lambda x: loss(*args[:argnum], x, *args[argnum + 1:]), (args[argnum],),
                   order=2, modes=("fwd", "rev"))
    g = autograd.grad(loss, argnum)(*args)
    assert g.shape == onp.shape(args[argnum]) and g.dtype == onp.float64


def test_odeint_gradient_in_args_is_the_reference():
    # dy/dk of y' = -k y is -t y0 e^{-k t}, to the solver's tolerance
    y0, t, k = onp.array([1.0, 2.0]), onp.array([0.0, 0.5, 1.5]), 0.7
    decay = lambda k: np.sum(odeint(lambda y, t, k: -k * y, y0, t, args=(k,), **TIGHT)[-1])
    want = onp.sum(-t[-1] * y0 * onp.exp(-k * t[-1]))
    onp.testing.assert_allclose(autograd.grad(decay)(k), want, **tol("truncation"))


def test_autograd_suite_odeint_combo():
    # autograd's own check (y0, t and args together, both modes to order 2), at tolerances
    # where central differences of the solution resolve its second derivatives
    solver = {k: [v] for k, v in TIGHT.items()}
    combo_check(odeint, [1, 2, 3])([func], [Y0], [T], [(A1, A2)], **solver)
