"""``autograd.numpy.numpy_boxes``: autograd's array box type is tangents' traced value."""
from .._boxes import Tracer as ArrayBox

__all__ = ["ArrayBox"]
