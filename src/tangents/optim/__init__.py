"""tangents.optim: optimizers over pytrees (sgd, adam, adamw, rmsprop), gradient clipping,
learning-rate schedules, and `minimize`, a bridge to ``scipy.optimize.minimize`` with exact
derivatives.

>>> import numpy as np, tangents as tg
>>> opt = tg.optim.sgd(0.5)
>>> params = {"w": np.array([2.0])}
>>> state = opt.init(params)
>>> updates, state = opt.update(tg.grad(lambda p: (p["w"] ** 2).sum())(params), state, params)
>>> tg.optim.apply_updates(params, updates)
{'w': array([0.])}
"""
from . import schedules  # noqa: F401
from .minimize import NewtonResult, minimize, newton  # noqa: F401
from .optimizers import *  # noqa: F401,F403
from .optimizers import __all__ as _opt_all

__all__ = _opt_all + ["minimize", "newton", "NewtonResult", "schedules"]
