"""Every registered primitive declares all of its rules side by side."""
import pytest

import importlib

import tangents  # noqa: F401  (registers everything)
from tangents.core.primitive import registry

for _optional in ("tangents.scipy.special", "tangents.scipy.linalg", "tangents.scipy.stats"):
    try:  # SciPy is an optional extra; its families register primitives when present
        importlib.import_module(_optional)
    except ImportError:
        pass

PRIMS = sorted(registry)


@pytest.mark.parametrize("name", PRIMS)
def test_primitive_has_every_rule(name):
    prim = registry[name]
    assert prim.batch is not None, f"{name} has no batching rule"
    if prim.differentiable:
        assert prim.vjps is not None or prim.vjp_joint is not None, f"{name} has no VJP rule"
        assert prim.jvps is not None or prim.jvp_joint is not None, f"{name} has no JVP rule"
        if prim.vjps is not None and prim.jvps is not None:
            assert len(prim.vjps) == len(prim.jvps), f"{name}: VJP and JVP arities differ"


def test_registry_is_not_empty():
    assert len(PRIMS) > 50
