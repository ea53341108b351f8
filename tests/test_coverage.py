"""docs/coverage.md is generated from the registry: regenerate and compare, so it cannot go
stale (run `python -m tangents.coverage docs/coverage.md` after adding a function)."""
import pathlib

import numpy as np
import pytest

from tangents.coverage import table

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "coverage.md"


def test_coverage_table_is_current():
    text = DOC.read_text()
    if f"NumPy {np.__version__};" not in text:
        pytest.skip("docs/coverage.md was generated with another NumPy version; the "
                    "namespace it lists differs")
    assert text == table(), (
        "docs/coverage.md is stale: run `python -m tangents.coverage docs/coverage.md`")


@pytest.mark.parametrize("sub", ["linalg", "fft"])
def test_every_numpy_linalg_and_fft_name_is_in_tangents(sub):
    import tangents.numpy as tnp
    missing = [n for n in getattr(np, sub).__all__ if not hasattr(getattr(tnp, sub), n)]
    assert not missing, f"tangents.numpy.{sub} lacks {missing}"
