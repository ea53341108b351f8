"""Every source file stays readable in one sitting: files of at most 600 lines and functions
of at most 80 (docstring included), read from the source with ast."""
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
