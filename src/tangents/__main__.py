"""Command line: ``python -m tangents demo [--epochs N] [--seed S] [--output PATH]``."""
from __future__ import annotations

import sys

_USAGE = """usage: python -m tangents <command> [options]

commands:
  demo    train a small CNN on scikit-learn's digits (python -m tangents demo --help)
"""


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_USAGE, end="")
        return 0 if argv else 2
    if argv[0] == "demo":
        from ._tools.demo import main as demo_main
        demo_main(argv[1:])
        return 0
    print(f"unknown command {argv[0]!r}\n\n{_USAGE}", end="", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
