"""tangents.numpy: NumPy's namespace, differentiable.

Outside any transform these functions return plain ``numpy.ndarray``; inside one, they
(and NumPy's own functions, through its dispatch protocols) record derivatives.
Every name here is listed explicitly by its family module.
"""
from numpy import (e, euler_gamma, inf, nan, newaxis, pi, random,  # noqa: F401
                   float16, float32, float64, complex64, complex128, int8, int16, int32,
                   int64, uint8, bool_, dtype, finfo, iinfo, ndarray)

from .creation import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .vectorize import *  # noqa: F401,F403
from .contractions import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .joining import *  # noqa: F401,F403
from .sorting import *  # noqa: F401,F403
from .quantiles import *  # noqa: F401,F403
from .complex import *  # noqa: F401,F403
from .manipulation import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .interpolation import *  # noqa: F401,F403
from .scalar_math import *  # noqa: F401,F403
from . import fft  # noqa: F401
from . import linalg  # noqa: F401
from .array_api import *  # noqa: F401,F403
from .extras import *  # noqa: F401,F403
from .statistics import *  # noqa: F401,F403
from .selection import *  # noqa: F401,F403
from .polynomials import *  # noqa: F401,F403
from .counting import *  # noqa: F401,F403
from .updates import *  # noqa: F401,F403
