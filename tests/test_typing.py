"""Issue #14: every public function of the typed modules is annotated (all parameters and the
return), so an IDE shows real signatures and a new unannotated public function fails here.
mypy checks the bodies in CI (pyproject's [tool.mypy]); this test holds the signatures.

TYPED lists the modules done.  A module joins it when all of its ``__all__`` is annotated."""
from __future__ import annotations

import importlib
import inspect

import pytest

TYPED = [
    "tangents", "tangents.typing", "tangents.tree",
    "tangents.nn", "tangents.nn.conv", "tangents.nn.functions", "tangents.nn.layers",
    "tangents.nn.losses", "tangents.nn.pooling",
    "tangents.optim", "tangents.optim.minimize", "tangents.optim.optimizers",
    "tangents.optim.schedules",
    "tangents.numpy._elementwise", "tangents.numpy._creation", "tangents.numpy._complex",
    "tangents.numpy._float_parts", "tangents.numpy._index_tricks",
    "tangents.numpy._statistics", "tangents.numpy._differences", "tangents.numpy._matrices",
    "tangents.numpy._scalar_math", "tangents.numpy._vectorize", "tangents.numpy._logic",
    "tangents.numpy._padding", "tangents.numpy._polynomials", "tangents.numpy._selection",
    "tangents.numpy._rearranging", "tangents.numpy._joining", "tangents.numpy._counting",
    "tangents.numpy._array_api", "tangents.numpy._shape", "tangents.numpy._updates",
    "tangents.numpy._quantiles", "tangents.numpy._reductions", "tangents.numpy.fft",
    "tangents.numpy._interpolation", "tangents.numpy._sorting", "tangents.numpy._indexing",
    "tangents.numpy._contractions",
    "tangents.numpy.linalg",
    "tangents.jit",
    "tangents.numpy",  # its __all__: every family's functions as tnp shows them
]

# public functions of the modules above that other work owns and has not annotated yet
NOT_YET: set[str] = set()

EMPTY = inspect.Parameter.empty
_DUNDERS = ("__init__", "__call__", "__getitem__")


def _unannotated(fn):
    """Names of ``fn``'s unannotated parameters (and "return"), [] when fully annotated."""
    sig = inspect.signature(fn)
    missing = [p.name for p in sig.parameters.values()
               if p.annotation is EMPTY and p.name not in ("self", "cls")]
    if sig.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def _public_callables(module):
    """``(qualified name, function)`` for each function of ``module.__all__`` written in
    tangents and each method its public classes (or the classes of its public instances)
    define themselves (``__init__``, ``__call__``, ``__getitem__`` and public names)."""
    out = []
    for name in module.__all__:
        obj = getattr(module, name)
        where = f"{module.__name__}.{name}"
        if inspect.ismodule(obj) or where in NOT_YET:
            continue
        if inspect.isclass(obj):
            if issubclass(obj, BaseException) or obj.__module__ != module.__name__ and (
                    not obj.__module__.startswith(module.__name__ + ".")):
                continue  # exceptions; classes re-exported from the core (checked by mypy)
            for attr, member in vars(obj).items():
                public = not attr.startswith("_") or attr in _DUNDERS
                if public and inspect.isfunction(member):
                    out.append((f"{where}.{attr}", member))
        elif inspect.isfunction(inspect.unwrap(obj)) and obj.__module__.startswith("tangents"):
            out.append((where, obj))  # not NumPy's own functions that tnp passes through
        elif type(obj).__module__.startswith("tangents"):  # an instance (r_, c_)
            for attr, member in vars(type(obj)).items():
                if attr in _DUNDERS or not attr.startswith("_") and inspect.isfunction(member):
                    out.append((f"{where}.{attr}", member))
    return out


@pytest.mark.parametrize("modname", TYPED)
def test_public_functions_are_annotated(modname):
    module = importlib.import_module(modname)
    found = _public_callables(module)
    assert found or modname == "tangents.typing", f"{modname}: nothing public was found"
    bad = {name: m for name, fn in found if (m := _unannotated(fn))}
    assert not bad, (f"{modname}: public functions without annotations "
                     f"(parameter names, or 'return'): {bad}; annotate them with the aliases "
                     "of tangents.typing (ArrayLike in, Array out)")


def test_the_check_finds_an_unannotated_function():
    def plain(x, y: int):
        return x

    def typed(x: int, *args: int, **kwargs: int) -> int:
        return x

    assert _unannotated(plain) == ["x", "return"]
    assert _unannotated(typed) == []


def test_generated_ufuncs_carry_annotations():
    # the families build most functions in helpers (_unary, _binary, _nondiff): the functions
    # they return are annotated, not only the helpers
    from tangents import numpy as tnp
    for fn in (tnp.sin, tnp.multiply, tnp.isnan, tnp.equal):
        assert _unannotated(fn) == [], fn.__name__
