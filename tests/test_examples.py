"""Every script in examples/ runs to completion (each asserts its own results)."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
NEEDS_SCIPY = {"logistic_regression.py", "sparse_newton.py", "sparse_poisson.py",
               "dask_logistic_regression.py"}
NEEDS_DASK = {"dask_logistic_regression.py"}
ARGS = {"dask_logistic_regression.py": ["--rows", "200000", "--chunk-rows", "50000"]}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path):
    if path.name in NEEDS_SCIPY:
        pytest.importorskip("scipy")
    if path.name in NEEDS_DASK:
        pytest.importorskip("distributed")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]), MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, str(path), *ARGS.get(path.name, [])],
                          capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip(), "an example should print what it shows"


def test_there_are_examples():
    assert len(EXAMPLES) >= 7
