"""Every registered primitive declares all of its rules side by side (STYLE.md, point 2)."""
import importlib

import pytest

import tangents  # noqa: F401  (registers every family)
from tangents.core.primitive import registry

for _optional in ("tangents.scipy.special", "tangents.scipy.linalg", "tangents.scipy.stats"):
    try:  # SciPy is an optional extra; its families register primitives when present
        importlib.import_module(_optional)
    except ImportError:
        pass

NAMES = sorted(registry)


@pytest.mark.parametrize("name", NAMES)
def test_primitive_has_every_rule(name):
    prim = registry[name]
    assert prim.batch is not None, f"{name} has no batching rule"
    if prim.differentiable:
        assert prim.vjps is not None or prim.vjp_joint is not None, f"{name} has no VJP"
        assert prim.jvps is not None or prim.jvp_joint is not None, f"{name} has no JVP"
        if prim.vjps is not None and prim.jvps is not None:
            assert len(prim.vjps) == len(prim.jvps), f"{name}: VJPs and JVPs differ in arity"
            for i, (v, j) in enumerate(zip(prim.vjps, prim.jvps)):
                assert (v is None) == (j is None), \
                    f"{name}: argument {i} has a rule in one mode only"


def test_registry_is_not_empty():
    assert {"add", "multiply", "sum", "reshape", "transpose", "broadcast_to"} <= set(NAMES)
