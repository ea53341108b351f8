"""Every source file stays readable in one sitting: files of at most 600 lines and functions
of at most 80 (docstring included), read from the source with ast; and a name has one
definition (one shape/dtype helper pair, one logsumexp primitive, no globals() lookups)."""
import ast
import pathlib

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "tangents"
MAX_FILE, MAX_FUNCTION = 600, 80

# (path relative to src/tangents, function name): why it may be longer
FUNCTION_EXCEPTIONS: dict = {}


def _sources():
    return sorted(SRC.rglob("*.py"))


def test_sources_are_found():
    assert len(_sources()) > 50 and (SRC / "numpy" / "__init__.py").exists()


def test_files_are_at_most_600_lines():
    long = {str(p.relative_to(SRC)): n for p in _sources()
            if (n := len(p.read_text().splitlines())) > MAX_FILE}
    assert not long, f"split these files (over {MAX_FILE} lines): {long}"


def _long_functions(path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = node.end_lineno - node.lineno + 1
            if n > MAX_FUNCTION:
                yield node.name, n


def test_functions_are_at_most_80_lines():
    long = {}
    for p in _sources():
        rel = p.relative_to(SRC).as_posix()
        for name, n in _long_functions(p):
            if (rel, name) not in FUNCTION_EXCEPTIONS:
                long[f"{rel}:{name}"] = n
    assert not long, f"split these functions (over {MAX_FUNCTION} lines): {long}"


def test_exceptions_are_still_needed():
    """An exception whose function got short (or moved) leaves the list."""
    stale = [key for key in FUNCTION_EXCEPTIONS
             if not any(name == key[1] for name, _ in _long_functions(SRC / key[0]))]
    assert not stale, f"drop these from FUNCTION_EXCEPTIONS: {stale}"


# -- one definition per name (issue #11) -----------------------------------------------------
# The shape/dtype helper pair is core/shapes.py's shape_of/dtype_of (exported by tangents.core);
# a module that needs it imports it rather than keeping a private copy.
HELPER_NAMES = {"shape", "dtype", "shape_of", "dtype_of", "_shape", "_dtype", "_shape_of",
                "_dtype_of", "_ndim"}
HELPER_HOME = "core/shapes.py"
# path relative to src/tangents: why it keeps its own copy for now
HELPER_EXCEPTIONS: dict[str, str] = {}


def _module_functions(path):
    return {node.name for node in ast.parse(path.read_text(), str(path)).body
            if isinstance(node, ast.FunctionDef)}


def test_shape_and_dtype_helpers_are_defined_once():
    copies = {}
    for p in _sources():
        rel = p.relative_to(SRC).as_posix()
        if rel != HELPER_HOME and rel not in HELPER_EXCEPTIONS:
            if found := _module_functions(p) & HELPER_NAMES:
                copies[rel] = sorted(found)
    assert not copies, (f"these modules define their own shape/dtype helper: {copies}; import "
                        "shape_of/dtype_of from tangents.core (or numpy/_dispatch) instead")


def test_helper_exceptions_are_still_needed():
    stale = [rel for rel in HELPER_EXCEPTIONS if not _module_functions(SRC / rel) & HELPER_NAMES]
    assert not stale, f"drop these from HELPER_EXCEPTIONS: {stale}"


def _globals_lookups(path):
    """Lines of ``globals()[...]``: a module-level name reached past a local that shadows it."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name) and node.value.func.id == "globals"):
            yield node.lineno


def test_no_globals_lookups():
    found = {f"{p.relative_to(SRC).as_posix()}:{line}" for p in _sources()
             for line in _globals_lookups(p)}
    assert not found, (f"globals()[...] at {sorted(found)}: import the module-level helper "
                       "under a name no argument or public function shadows (shape_of, "
                       "dtype_of) instead")


def _import_every_module():
    import importlib
    import pkgutil

    import tangents
    for info in pkgutil.walk_packages(tangents.__path__, "tangents."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)


def test_one_logsumexp_primitive(monkeypatch):
    """nn and scipy.special share one logsumexp primitive; no second one is registered."""
    import numpy as np

    import tangents as tg
    from tangents.core.primitive import registry
    from tangents.scipy import special

    _import_every_module()
    assert sorted(n for n in registry if "logsumexp" in n) == ["logsumexp"]
    prim, calls = registry["logsumexp"], []
    impl = prim.impl
    monkeypatch.setattr(prim, "impl", lambda *a, **k: calls.append(k) or impl(*a, **k))
    tg.grad(lambda x: special.logsumexp(x, axis=0))(np.array([1.0, 2.0]))
    assert calls, "scipy.special.logsumexp (without b) does not bind nn's logsumexp primitive"
