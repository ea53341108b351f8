"""``autograd.scipy.integrate``: ``odeint`` is tangents' (`tangents.scipy.integrate.odeint`),
differentiable in ``y0``, ``t`` and ``args`` by the adjoint method in reverse mode and by
forward sensitivities in forward mode, both solved at the ``rtol``/``atol`` given."""
from ....scipy.integrate import odeint

__all__ = ["odeint"]
