"""``autograd.scipy.stats``: one module per distribution with SciPy's function names
(``norm.logpdf(x, loc, scale)``), on tangents' differentiable distributions."""
from . import beta, chi2, dirichlet, gamma, multivariate_normal, norm, poisson, t  # noqa: F401

__all__ = ["beta", "chi2", "dirichlet", "gamma", "multivariate_normal", "norm", "poisson", "t"]
