"""`python -m tangents demo`: a short run (one epoch on a subset) and its --help."""
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _run(args, cwd):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "tangents", *args], capture_output=True,
                          text=True, env=env, timeout=120, cwd=cwd)


def test_demo_help_lists_options(tmp_path):
    proc = _run(["demo", "--help"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    for opt in ("--epochs", "--seed", "--output"):
        assert opt in proc.stdout


def test_unknown_command(tmp_path):
    proc = _run(["nope"], tmp_path)
    assert proc.returncode == 2 and "demo" in proc.stderr


def test_demo_short_run(tmp_path):
    for mod in ("sklearn", "matplotlib", "tqdm"):
        pytest.importorskip(mod)
    out = tmp_path / "demo.png"
    proc = _run(["demo", "--epochs", "1", "--subset", "400", "--output", str(out),
                 "--no-progress"], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "gradient check" in proc.stdout
    assert f"wrote {out}" in proc.stdout
    last = proc.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"test accuracy: (\d+\.\d)%", last)
    assert m, last
    assert float(m.group(1)) > 50.0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
