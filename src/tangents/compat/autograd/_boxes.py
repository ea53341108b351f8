"""What autograd calls boxes, read off tangents' traced values (shared by the layer)."""
from ... import tree as _tree
from ...core import Tracer


def isbox(x):
    """True when ``x`` is a traced value of some transform (autograd's ``Box``)."""
    return isinstance(x, Tracer)


def getval(x):
    """The plain value under every level of tracing (autograd's ``getval``)."""
    while isinstance(x, Tracer):
        inner = getattr(x, "primal", None)
        if inner is None:
            inner = getattr(x, "val", None)
        if inner is None:
            return x
        x = inner
    return x


def has_box(x):
    """True when any leaf of the pytree ``x`` is traced."""
    if isinstance(x, Tracer):
        return True
    if isinstance(x, (tuple, list, dict)):
        return any(isinstance(leaf, Tracer) for leaf in _tree.leaves(x))
    return False
