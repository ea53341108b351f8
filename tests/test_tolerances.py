"""Tests take their tolerances from the harness's named `TOL` table (issue #11).

A numeric ``rtol=``/``atol=`` (or ``pytest.approx(..., rel=/abs=)``, or a positional tolerance
to ``allclose``) in a test body fails here with its file:line.  A line whose number is not a
test tolerance (a solver's own option, an argument of the function under test) says so with
the marker comment ``not a test tolerance``.
"""
import re
from pathlib import Path

import numpy as np
import pytest
from harness import TOL, tol

TESTS = Path(__file__).parent
NUMBER = r"[0-9][0-9_]*(?:\.[0-9]*)?(?:e[-+]?[0-9]+)?"
LITERAL = re.compile(
    rf"\b(?:rtol|atol|rel|abs)\s*=\s*{NUMBER}\b"            # keyword forms
    rf"|allclose\([^()\[\]]*,[^()\[\]]*,\s*{NUMBER}\s*[,)]"  # allclose(a, b, 1e-6)
)
MARKER = "not a test tolerance"


def literal_tolerances(root=TESTS):
    """``file:line: text`` of every numeric tolerance literal under ``root`` (not the harness,
    which defines them, nor this file's own examples)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name in ("harness.py", "test_tolerances.py"):
            continue
        for k, line in enumerate(path.read_text().splitlines(), 1):
            if LITERAL.search(line) and MARKER not in line:
                found.append(f"{path.relative_to(root.parent)}:{k}: {line.strip()}")
    return found


def test_no_tolerance_literals_in_tests():
    found = literal_tolerances()
    assert not found, ("tolerance literals in tests: take them from harness.tol(name, dtype) "
                       "(see TOL in tests/harness.py)\n" + "\n".join(found))


@pytest.mark.parametrize("line", [
    "np.testing.assert_allclose(a, b, rtol=1e-12)",
    "np.testing.assert_allclose(a, b, atol=0)",
    "assert g == pytest.approx(1.0, rel=1e-9, abs=1e-12)",
    "np.testing.assert_allclose(a, b, 1e-6)",
    "assert np.allclose(a, b, 1e-5, 1e-8)",
    "np.testing.assert_allclose(a, b,\n rtol=2e-3)",
])
def test_the_scan_catches_each_form(tmp_path, line):
    sub = tmp_path / "tests"
    sub.mkdir()
    (sub / "test_x.py").write_text("x = 1\n" + line + "\n")
    found = literal_tolerances(sub)
    assert found and found[0].startswith("tests/test_x.py:"), found


@pytest.mark.parametrize("line", [
    'np.testing.assert_allclose(a, b, **tol("roundoff"))',
    "y = solve(f, epsrel=1e-12, epsabs=1e-13)",
    "np.testing.assert_allclose(a, np.full(3, 1e-3))",
    "np.testing.assert_allclose(g[0], [0.5, 1.0, 0.5])",
    "TIGHT = dict(rtol=1e-10)  # the solver's option, not a test tolerance",
])
def test_the_scan_passes_named_tolerances_and_other_numbers(tmp_path, line):
    (tmp_path / "test_x.py").write_text(line + "\n")
    assert literal_tolerances(tmp_path) == []


def test_every_entry_has_float64_and_is_ordered_sensibly():
    names = [k for k in TOL if isinstance(k, str)]
    assert 6 <= len(names) <= 10
    for name in names:
        rtol, atol = tol(name).values()
        assert 0 <= rtol < 1 and 0 <= atol < 1, name
    # the exactness ladder: each rung strictly looser than the one before
    ladder = [tol(n)["rtol"] for n in ("exact", "roundoff", "composed", "truncation", "fd")]
    assert ladder == sorted(ladder) and len(set(ladder)) == len(ladder)
    assert tol("roundoff", np.complex128) == tol("roundoff", np.float64)
    assert tol("roundoff", np.float32)["rtol"] > tol("roundoff")["rtol"]


def test_unknown_name_or_dtype_is_a_clear_error():
    with pytest.raises(KeyError, match=r"unknown tolerance 'roundof'.*'roundoff'"):
        tol("roundof")
    with pytest.raises(KeyError, match=r"'fd' has no entry for float32"):
        tol("fd", np.float32)
