"""Run autograd's own tests (and examples) through tangents.compat.autograd.

    python tests/compat/autograd_suite.py [--repo GIT_DIR] [--examples] [pytest args...]

Reads a snapshot of the HIPS/autograd repository (a git directory, by default
/work/.mirror/HIPS+autograd/repo, or $AUTOGRAD_REPO), writes its tests/ to a temporary
directory outside this repository with every ``autograd`` import rewritten to
``tangents.compat.autograd`` and nothing else changed, and runs pytest there.  With
``--examples`` it runs each example script instead (a few iterations are enough to see it
run: each is stopped after ``--example-timeout`` seconds, counted as running).  Exits 0
after printing the summary when the snapshot is absent (nothing to run).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

DEFAULT_REPO = "/work/.mirror/HIPS+autograd/repo"
_IMPORT = re.compile(r"^(\s*)(from|import)\s+autograd\b", re.M)
_BARE = re.compile(r"^(\s*)import (tangents\.compat\.autograd[\w.]*)\s*$", re.M)


def rewrite(source):
    """autograd's imports pointed at the layer; ``import autograd[.sub]`` keeps binding the
    name ``autograd``."""
    source = _IMPORT.sub(r"\1\2 tangents.compat.autograd", source)
    return _BARE.sub(r"\1import \2\n\1import tangents.compat.autograd as autograd", source)


def _git(repo, *args):
    return subprocess.run(["git", "--git-dir", repo, *args], check=True, capture_output=True,
                          text=True).stdout


def export(repo, folder, dest):
    """Write ``folder`` of the snapshot's HEAD under ``dest``, imports rewritten."""
    for path in _git(repo, "ls-tree", "-r", "--name-only", "HEAD", folder).split():
        out = os.path.join(dest, path)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        data = subprocess.run(["git", "--git-dir", repo, "show", f"HEAD:{path}"], check=True,
                              capture_output=True).stdout
        if path.endswith(".py"):
            data = rewrite(data.decode()).encode()
        with open(out, "wb") as f:
            f.write(data)


def run_examples(root, timeout):
    ok, failed = [], []
    for name in sorted(os.listdir(os.path.join(root, "examples"))):
        if not name.endswith(".py") or name == "__init__.py":
            continue
        try:
            proc = subprocess.run([sys.executable, name], cwd=os.path.join(root, "examples"),
                                  capture_output=True, text=True, timeout=timeout,
                                  env={**os.environ, "MPLBACKEND": "Agg"})
            (ok if proc.returncode == 0 else failed).append(
                (name, proc.stderr.strip().splitlines()[-1:] if proc.returncode else ""))
        except subprocess.TimeoutExpired:
            ok.append((name, f"still running after {timeout}s"))
    for name, note in ok:
        print(f"ran     {name} {note}")
    for name, err in failed:
        print(f"FAILED  {name}: {err}")
    print(f"examples: {len(ok)} ran, {len(failed)} failed")
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=os.environ.get("AUTOGRAD_REPO", DEFAULT_REPO))
    parser.add_argument("--examples", action="store_true")
    parser.add_argument("--example-timeout", type=float, default=20.0)
    args, pytest_args = parser.parse_known_args(argv)
    if not os.path.isdir(args.repo):
        print(f"skipped: no autograd snapshot at {args.repo}")
        return 0
    with tempfile.TemporaryDirectory(prefix="autograd-on-tangents-") as root:
        if args.examples:
            export(args.repo, "examples", root)
            return run_examples(root, args.example_timeout)
        export(args.repo, "tests", root)
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf",
               "--rootdir", root, os.path.join(root, "tests"), *pytest_args]
        return subprocess.run(cmd, cwd=root).returncode


if __name__ == "__main__":
    sys.exit(main())
