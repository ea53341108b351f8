"""tangents.numpy's namespace (numpy/__init__.py): one definition per name, and the name a
user calls is the function NumPy's dispatch reaches on a traced value."""
import importlib
import pkgutil
import types

import numpy as np

import tangents.numpy as tnp
from tangents.core.tracer import function_handlers

# modules that are namespaces of their own (tnp.linalg.X, tnp.fft.X) or helpers, not families
_NOT_FAMILIES = {"linalg", "fft", "_dispatch"}


def _families():
    for info in pkgutil.iter_modules(tnp.__path__):
        if info.name not in _NOT_FAMILIES and not info.name.startswith("_linalg"):
            yield importlib.import_module(f"tangents.numpy.{info.name}")


def test_families_are_found():
    assert {"tangents.numpy._elementwise", "tangents.numpy._creation"} <= \
        {mod.__name__ for mod in _families()}


def test_public_modules_are_numpys_submodules_only():
    """A family module is private (tnp._elementwise): the modules tnp shows by a public
    name are the ones NumPy has under that name (linalg, fft, random, ma, ...)."""
    extra = []
    for name in dir(tnp):
        value = getattr(tnp, name)
        if name.startswith("_") or not isinstance(value, types.ModuleType):
            continue
        if not isinstance(getattr(np, name, None), types.ModuleType):
            extra.append(f"tnp.{name} ({value.__name__})")
    assert not extra, f"make these modules private (a leading underscore): {extra}"


def test_family_all_lists_are_disjoint():
    owner, twice = {}, []
    for mod in _families():
        for name in getattr(mod, "__all__", ()):
            if name in owner:
                twice.append(f"{name}: {owner[name]} and {mod.__name__}")
            owner[name] = mod.__name__
    assert not twice, f"names defined by two families (keep one definition): {twice}"


def test_tnp_name_is_the_function_numpys_dispatch_reaches():
    wrong = []
    for name in dir(np):
        fn = getattr(np, name, None)
        try:
            handler = function_handlers.get(fn)
        except TypeError:  # unhashable objects
            continue
        if handler is not None and hasattr(tnp, name) and getattr(tnp, name) is not handler:
            wrong.append(f"tnp.{name} is {getattr(tnp, name)!r}, np.{name} on a tracer runs "
                         f"{handler!r}")
    assert not wrong, "\n".join(wrong)


def test_star_import_gives_what_dir_lists():
    # `from tangents.numpy import *` binds every public name dir(tnp) shows, NumPy's lazy
    # submodules included, each the object tnp.<name> is, and nothing else
    ns = {}
    exec("from tangents.numpy import *", ns)
    got = {n for n in ns if n != "__builtins__"}
    listed = {n for n in dir(tnp) if not n.startswith("_")}
    assert not listed - got, f"dir(tnp) lists names * does not give: {sorted(listed - got)}"
    assert not got - set(dir(tnp)), f"* gives names dir(tnp) lacks: {sorted(got - listed)}"
    assert [n for n in got if ns[n] is not getattr(tnp, n)] == []
    assert len(tnp.__all__) == len(set(tnp.__all__))


def test_all_holds_every_familys_functions():
    # a family left out of numpy/__init__'s _FAMILIES would drop its names from __all__
    missing = {mod.__name__: sorted(set(mod.__all__) - set(tnp.__all__))
               for mod in _families() if hasattr(mod, "__all__")}
    assert not {k: v for k, v in missing.items() if v}, missing
