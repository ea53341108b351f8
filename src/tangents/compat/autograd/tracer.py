"""autograd's ``tracer`` module names, on tangents' traced values."""
from ._boxes import Tracer as Box
from ._boxes import getval, isbox
from .extend import notrace_primitive, primitive

__all__ = ["Box", "getval", "isbox", "primitive", "notrace_primitive"]
