"""docs/coverage.md is generated from the registry: regenerate and compare, so it cannot go
stale (run `python -m tangents._tools.coverage docs/coverage.md` after adding a function)."""
import pathlib

import numpy as np
import pytest

from tangents._tools.coverage import table

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "coverage.md"


def test_coverage_table_is_current():
    text = DOC.read_text()
    if f"NumPy {np.__version__};" not in text:
        pytest.skip("docs/coverage.md was generated with another NumPy version; the "
                    "namespace it lists differs")
    scipy = pytest.importorskip("scipy")
    if f"(SciPy {scipy.__version__})" not in text:
        pytest.skip("docs/coverage.md was generated with another SciPy version")
    assert text == table(), (
        "docs/coverage.md is stale: run `python -m tangents._tools.coverage docs/coverage.md`")


@pytest.mark.parametrize("sub", ["linalg", "fft"])
def test_every_numpy_linalg_and_fft_name_is_in_tangents(sub):
    import tangents.numpy as tnp
    missing = [n for n in getattr(np, sub).__all__ if not hasattr(getattr(tnp, sub), n)]
    assert not missing, f"tangents.numpy.{sub} lacks {missing}"


def _public_numpy_names():
    return sorted(n for n in dir(np) if not n.startswith("_"))


@pytest.mark.skipif(np.lib.NumpyVersion(np.__version__) < "2.0.0",
                    reason="NumPy 1.x's namespace holds ~90 names NumPy 2.0 removed (Inf, "
                           "float_, alltrue, ...); tangents.numpy mirrors NumPy 2's")
def test_every_numpy_name_is_in_tangents_numpy():
    import tangents.numpy as tnp
    missing = [n for n in _public_numpy_names() if not hasattr(tnp, n)]
    assert not missing, f"tangents.numpy lacks {missing}"
    assert set(_public_numpy_names()) <= set(dir(tnp)), "dir(tangents.numpy) is incomplete"


def test_passthrough_names_are_numpys_own_objects():
    """Every name re-exported as it is really is NumPy's object: a family module that
    defines one of these names makes the entry stale, and it should leave the list."""
    import tangents.numpy as tnp
    stale = [n for n in tnp._PASSTHROUGH_NAMES
             if hasattr(np, n) and getattr(tnp, n) is not getattr(np, n)]
    assert not stale, f"defined by a family module, drop from _PASSTHROUGH_NAMES: {stale}"
    for name in tnp._PASSTHROUGH_MODULES:
        assert getattr(tnp, name) is getattr(np, name)
    with pytest.raises(AttributeError, match="no attribute 'not_a_numpy_name'"):
        tnp.not_a_numpy_name  # noqa: B018


def test_scipy_tables_list_every_function_of_tangents_scipy():
    pytest.importorskip("scipy")
    from tangents._tools.scipy_coverage import scipy_tables
    from tangents.scipy import fft, integrate, linalg, ndimage, signal, special, stats
    text = "\n".join(scipy_tables())
    for mod, prefix in [(special, "scipy.special."), (stats, "scipy.stats."),
                        (linalg, "scipy.linalg."), (signal, "scipy.signal."),
                        (integrate, "scipy.integrate."), (fft, "scipy.fft."),
                        (ndimage, "scipy.ndimage.")]:
        for name in mod.__all__:
            if name != "COVERAGE":
                assert f"| `{prefix}{name}` |" in text, f"{prefix}{name} is not in the table"
    assert "| `scipy.special.gammainc` | differentiable in arguments 0, 1 | yes (ufunc" in text
    assert "| `scipy.special.spherical_jn` | differentiable in argument 1 | yes (routed) |" in text
