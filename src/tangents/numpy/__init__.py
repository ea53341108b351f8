"""tangents.numpy: NumPy's namespace, differentiable.

Outside any transform these functions return plain ``numpy.ndarray``; inside one, they
(and NumPy's own functions, through its dispatch protocols) record derivatives.
Every name here is listed explicitly: by its family module (the private ``_elementwise``,
``_reductions``, ...: the functions that compute with arrays), or below, in
``_PASSTHROUGH_NAMES``, for NumPy's own objects re-exported as they are (constants, dtypes
and scalar types, type helpers, errstate and printing, I/O, datetime, index helpers
returning plain integer arrays, classes).  NumPy's submodules
other than ``linalg``, ``fft`` and ``random`` (``ma``, ``testing``, ``polynomial``, ...)
are NumPy's own too, imported on first use as NumPy itself does (``_PASSTHROUGH_MODULES``);
``dir()`` lists them.  So ``import tangents.numpy as np`` has every public name of
NumPy's main namespace, and no name reaches NumPy by reflection.
"""
import types as _types
import warnings as _warnings

import numpy as _np

# NumPy's own objects, re-exported as they are (a family module defining one of these
# names overrides it, and a test then asks to drop it from this list)
_PASSTHROUGH_NAMES = (
    # constants and flags
    "e", "euler_gamma", "inf", "nan", "newaxis", "pi", "little_endian", "False_", "True_",
    "ScalarType", "sctypeDict", "typecodes",
    # dtypes, scalar types and their abstract bases
    "dtype", "ndarray", "generic", "number", "integer", "signedinteger", "unsignedinteger",
    "inexact", "floating", "complexfloating", "flexible", "character", "bool_", "int8",
    "int16", "int32", "int64", "uint8", "float16", "float32", "float64", "float128",
    "complex64", "complex128", "complex256", "byte", "short", "intc", "int_", "intp", "long",
    "longlong", "ubyte", "ushort", "uintc", "uint", "uintp", "ulong", "ulonglong", "half",
    "single", "double", "longdouble", "csingle", "cdouble", "clongdouble", "object_",
    "bytes_", "str_", "void", "record", "datetime64", "timedelta64",
    # type helpers
    "issubdtype", "promote_types", "min_scalar_type", "mintypecode", "typename",
    "isscalar", "iterable", "isfortran", "may_share_memory", "shares_memory",
    # classes
    "ufunc", "broadcast", "flatiter", "nditer", "nested_iters", "ndenumerate", "ndindex",
    "matrix", "asmatrix", "bmat", "memmap", "recarray", "poly1d", "busdaycalendar",
    # floating-point errors, buffers, printing
    "errstate", "geterr", "seterr", "geterrcall", "seterrcall", "getbufsize", "setbufsize",
    "printoptions", "get_printoptions", "set_printoptions", "array2string", "array_repr",
    "array_str", "format_float_positional", "format_float_scientific", "base_repr",
    "binary_repr",
    # input and output
    "load", "save", "savez", "savez_compressed", "loadtxt", "savetxt", "genfromtxt",
    "fromfile", "fromregex", "fromstring", "frombuffer", "fromiter", "fromfunction",
    "frompyfunc",
    # datetime
    "busday_count", "busday_offset", "is_busday", "datetime_as_string", "datetime_data",
    "isnat",
    # index helpers (plain integer arrays and index expressions)
    "indices", "ix_", "diag_indices", "tril_indices", "triu_indices", "mask_indices",
    "ravel_multi_index", "unravel_index", "packbits", "unpackbits", "s_",
    "index_exp", "mgrid", "ogrid",
    # configuration and help
    "get_include", "info", "show_config", "show_runtime", "test",
)
_PASSTHROUGH_MODULES = ("char", "core", "ctypeslib", "dtypes", "emath", "exceptions", "f2py",
                        "lib", "ma", "polynomial", "rec", "strings", "testing", "typing")
# float128/complex256 exist on some platforms only
with _warnings.catch_warnings():  # NumPy 1.26 warns on touching np.long and similar names
    _warnings.simplefilter("ignore")
    globals().update({_n: getattr(_np, _n) for _n in _PASSTHROUGH_NAMES if hasattr(_np, _n)})
from numpy import random  # noqa: E402

from ._creation import *  # noqa: F401,F403
from ._elementwise import *  # noqa: F401,F403
from ._reductions import *  # noqa: F401,F403
from ._shape import *  # noqa: F401,F403
from ._vectorize import *  # noqa: F401,F403
from ._contractions import *  # noqa: F401,F403
from ._indexing import *  # noqa: F401,F403
from ._joining import *  # noqa: F401,F403
from ._sorting import *  # noqa: F401,F403
from ._quantiles import *  # noqa: F401,F403
from ._complex import *  # noqa: F401,F403
from ._rearranging import *  # noqa: F401,F403
from ._differences import *  # noqa: F401,F403
from ._matrices import *  # noqa: F401,F403
from ._padding import *  # noqa: F401,F403
from ._interpolation import *  # noqa: F401,F403
from ._scalar_math import *  # noqa: F401,F403
from . import fft  # noqa: F401
from . import linalg  # noqa: F401
from ._array_api import *  # noqa: F401,F403
from ._logic import *  # noqa: F401,F403
from ._float_parts import *  # noqa: F401,F403
from ._statistics import *  # noqa: F401,F403
from . import _ufunc_methods  # noqa: F401  (np.add.reduce, np.multiply.outer, ...)
from ._selection import *  # noqa: F401,F403
from ._polynomials import *  # noqa: F401,F403
from ._counting import *  # noqa: F401,F403
from ._updates import *  # noqa: F401,F403

_ufunc_methods.attach_ufunc_methods(globals())  # tnp.add.reduce, .at, .nin, ...
from ._index_tricks import *  # noqa: F401,F403
from ._creation import shape_ as shape  # noqa: E402  (np.shape; the internal helper is shape_of)

# the families imported with * above, whose __all__ lists make up tnp's functions
from . import (  # noqa: E402
    _array_api,
    _complex,
    _contractions,
    _counting,
    _creation,
    _differences,
    _elementwise,
    _float_parts,
    _index_tricks,
    _indexing,
    _interpolation,
    _joining,
    _logic,
    _matrices,
    _padding,
    _polynomials,
    _quantiles,
    _rearranging,
    _reductions,
    _scalar_math,
    _selection,
    _shape,
    _sorting,
    _statistics,
    _updates,
    _vectorize,
)

_FAMILIES = (_array_api, _complex, _contractions, _counting, _creation, _differences,
             _elementwise, _float_parts, _index_tricks, _indexing, _interpolation, _joining,
             _logic, _matrices, _padding, _polynomials, _quantiles, _rearranging, _reductions,
             _scalar_math, _selection, _shape, _sorting, _statistics, _updates, _vectorize)

# `from tangents.numpy import *` gives every public name, as `from numpy import *` does
# (NumPy's submodules included, the lazy ones imported then): the families' functions,
# NumPy's objects re-exported and the submodules
__all__ = sorted({_n for _m in _FAMILIES for _n in _m.__all__}
                 | {_n for _n in _PASSTHROUGH_NAMES if _n in globals()}
                 | {"shape", "random", "fft", "linalg"} | set(_PASSTHROUGH_MODULES))


def __getattr__(name: str) -> _types.ModuleType:
    if name in _PASSTHROUGH_MODULES:  # NumPy's submodule, imported on first use
        module: _types.ModuleType = getattr(_np, name)
        return module
    raise AttributeError(f"module 'tangents.numpy' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PASSTHROUGH_MODULES))
