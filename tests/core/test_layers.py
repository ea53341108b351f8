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
