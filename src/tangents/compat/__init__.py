"""tangents.compat: layers that let code written for other differentiation libraries run on
tangents unchanged (``tangents.compat.autograd``)."""
