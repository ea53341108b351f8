"""autograd's container builtins.  tangents traces through Python's own tuples, lists and
dicts (each leaf is traced on its own), so ``tuple``, ``list`` and ``dict`` are Python's;
``isinstance`` and ``type`` look through traced values to the values they stand for."""
import builtins as _builtins

from ._boxes import Tracer as _Tracer
from ._boxes import getval as _getval

tuple = _builtins.tuple
list = _builtins.list
dict = _builtins.dict
SequenceBox = (_builtins.tuple, _builtins.list)
DictBox = _builtins.dict
__all__ = ["tuple", "list", "dict", "isinstance", "type", "SequenceBox", "DictBox"]


def isinstance(obj, classinfo):
    """Python's ``isinstance`` of the value under any tracing.

    >>> import numpy as np
    >>> isinstance(np.zeros(1), np.ndarray)
    True
    """
    return _builtins.isinstance(_getval(obj) if _builtins.isinstance(obj, _Tracer) else obj,
                                classinfo)


def type(obj):
    """Python's ``type`` of the value under any tracing.

    >>> type(1.0)
    <class 'float'>
    """
    return _builtins.type(_getval(obj))
