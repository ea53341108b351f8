"""The core stands alone: no import (lazy ones included) from core/ reaches the NumPy layer,
nn, scipy, optim or any third-party library but NumPy, and no import loop contains a core
file.  Read from the source with ast, so a lazy import inside a function counts too."""
import ast
import pathlib
import sys

import tangents.core

CORE = pathlib.Path(tangents.core.__file__).parent
ALLOWED_TOP = {"numpy", "__future__"} | set(sys.stdlib_module_names)


def _imports(path):
    """(module imported, line) for every import statement in ``path``, absolute names."""
    here = ["tangents", "core"]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                out.append((node.module, node.lineno))
                continue
            base = here[:len(here) - (node.level - 1)]
            if node.module:
                out.append((".".join(base + node.module.split(".")), node.lineno))
            else:  # from . import ops, tree: each name is a module of that package
                out += [(".".join(base + [a.name]), node.lineno) for a in node.names]
    return out


def _core_files():
    return sorted(p for p in CORE.glob("*.py"))


def test_core_imports_nothing_above_it():
    bad = []
    for path in _core_files():
        for name, line in _imports(path):
            top = name.split(".")[0]
            if top == "tangents":
                if not name.startswith("tangents.core"):
                    bad.append(f"{path.name}:{line} imports {name}")
            elif top not in ALLOWED_TOP:
                bad.append(f"{path.name}:{line} imports third-party {name}")
    assert not bad, "core/ must import only itself, NumPy and the standard library:\n" + \
        "\n".join(bad)


def _graph():
    graph = {}
    for path in _core_files():
        mod = "tangents.core" if path.stem == "__init__" else f"tangents.core.{path.stem}"
        graph[mod] = {n for n, _ in _imports(path)
                      if n.startswith("tangents.core.") and n != mod}
    return graph


def test_no_import_loop_contains_a_core_file():
    graph = _graph()
    state = {}  # 1: on the current path, 2: done

    def visit(mod, path):
        state[mod] = 1
        for dep in sorted(graph.get(mod, ())):
            if state.get(dep) == 1:
                loop = path[path.index(dep):] + [dep]
                raise AssertionError("import loop: " + " -> ".join(loop))
            if dep in graph and dep not in state:
                visit(dep, path + [dep])
        state[mod] = 2

    for mod in sorted(graph):
        if mod not in state:
            visit(mod, [mod])


def test_the_checks_see_lazy_and_upward_imports(tmp_path):
    # the walk finds an import inside a function, and a relative import leaving the core
    src = tmp_path / "x.py"
    src.write_text("def f():\n    from .. import numpy as tnp\n    import scipy\n")
    names = [n for n, _ in _imports(src)]
    assert names == ["tangents.numpy", "scipy"]


# Upper layers use the core through its seam, ``tangents.core`` (core/__init__.py): the
# names it binds.  These reach a core module directly, each for a reason:
SEAM_EXCEPTIONS = {
    # tangents.tree is the public face of the core's pytree module by design (its docstring
    # says so): it re-exports that module's names one for one, PyTree included, which the
    # seam binds only as ``tree.PyTree``
    ("tree.py", "tangents.core.tree"),
}
PKG = CORE.parent


def _names_the_seam_binds():
    """Every name core/__init__.py binds by an import (its __all__ and the ``tree`` module)."""
    names = set()
    for node in ast.parse((CORE / "__init__.py").read_text()).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {a.asname or a.name.split(".")[0] for a in node.names}
    return names


def _past_the_seam(path, seam_names, root=PKG):
    """``(line, what)`` for each import in ``path`` (a file of the package at ``root``
    outside core/) of a core module, or of a name from ``tangents.core`` that the seam
    (``seam_names``) does not bind."""
    rel = path.relative_to(root)
    here = ["tangents", *rel.parts[:-1]]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names
                    if a.name.startswith("tangents.core.")]
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - (node.level - 1)] if node.level else []
            name = ".".join(base + (node.module.split(".") if node.module else []))
            if name.startswith("tangents.core."):
                out.append((node.lineno, name))
            elif name == "tangents.core":
                out += [(node.lineno, f"tangents.core.{a.name}") for a in node.names
                        if a.name not in seam_names]
    return out


def _upper_files():
    return sorted(p for p in PKG.rglob("*.py") if p.relative_to(PKG).parts[0] != "core")


def test_upper_layers_use_the_core_through_its_seam():
    seam = _names_the_seam_binds()
    bad, allowed = [], set()
    for path in _upper_files():
        rel = path.relative_to(PKG).as_posix()
        for line, name in _past_the_seam(path, seam):
            if (rel, name) in SEAM_EXCEPTIONS:
                allowed.add((rel, name))
            else:
                bad.append(f"{rel}:{line} imports {name}")
    assert not bad, ("outside core/, import the core's names from tangents.core (export "
                     "a missing one from core/__init__.py), not from its modules:\n" +
                     "\n".join(bad))
    assert allowed == SEAM_EXCEPTIONS, f"stale SEAM_EXCEPTIONS: {SEAM_EXCEPTIONS - allowed}"


def test_the_seam_check_sees_module_imports(tmp_path):
    # a file in tangents/jit importing a core module three ways, and one seam name
    pkg = tmp_path / "jit"
    pkg.mkdir()
    src = pkg / "x.py"
    src.write_text("from ..core.trace import ConcreteTracer\nfrom ..core import ops, Tracer\n"
                   "def f():\n    import tangents.core.tracer\n")
    found = _past_the_seam(src, {"Tracer"}, root=tmp_path)
    assert found == [(1, "tangents.core.trace"), (2, "tangents.core.ops"),
                     (4, "tangents.core.tracer")]
