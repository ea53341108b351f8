"""Tools that ship with tangents but are not its API: the `python -m tangents demo` training
run (demo.py) and the generator of docs/coverage.md (coverage.py)."""
