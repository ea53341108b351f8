"""``autograd.scipy.integrate``: not available on tangents yet (``odeint`` raises)."""

__all__ = ["odeint"]


def odeint(func, y0, t, args=(), **kwargs):
    """Unsupported: raises ``NotImplementedError`` with what to do instead."""
    raise NotImplementedError(
        "autograd.scipy.integrate.odeint is not available in tangents.compat.autograd: "
        "integrate with a fixed-step solver written in autograd.numpy (differentiated "
        "through), or call scipy.integrate.odeint outside the transform")
