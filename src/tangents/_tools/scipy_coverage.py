"""The SciPy part of docs/coverage.md: every function tangents.scipy provides, probed from the
live modules: for each argument, whether reverse mode, forward mode and second order work
there (scipy.special), or the module's own note of what it differentiates in (stats, linalg,
signal, integrate: their arguments are structured, so a generic probe cannot call them).
"""
from __future__ import annotations

import importlib
import warnings

import numpy as np

__all__ = ["scipy_tables"]

_POINTS = (0.7, 2.0, 3.0)  # tried in turn: orders and counts want integers, shapes > 1


def _works(thunk):
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = thunk()
        return bool(np.all(np.isfinite(out)))
    except Exception:
        return False


def _special_row(name, fun, nin):
    """Arguments of ``fun`` (of ``nin`` scalars) in which reverse mode, forward mode and
    second order work at a probe point."""
    from ..core import grad, jvp

    probes = [[p] * nin for p in _POINTS] + [[2] + [p] * (nin - 1) for p in _POINTS]
    called = False
    for args in probes:
        if not _works(lambda: fun(*args)):
            continue
        full, first = [], []
        for i, p in enumerate(args):
            if isinstance(p, int):  # an order or count: not differentiated
                continue

            def f(x, i=i, args=args):
                return fun(*args[:i], x, *args[i + 1:])
            if _works(lambda: grad(f)(p)) and _works(lambda: jvp(f, (p,), (1.0,))[1]):
                (full if _works(lambda: grad(grad(f))(p)) else first).append(str(i))
        if not (full or first):
            called = True
            continue
        parts = [f"argument{'s' if len(full) > 1 else ''} {', '.join(full)}"] if full else []
        if first:
            parts.append(f"to first order in argument{'s' if len(first) > 1 else ''} "
                         f"{', '.join(first)}")
        return "differentiable in " + "; ".join(parts)
    if called:
        return "no derivative (piecewise constant or integer-valued)"
    return "not probed (no scalar call fits)"


def _special_rows():
    import scipy.special as sc

    from ..scipy import special
    rows = []
    for name in sorted(n for n in special.__all__ if not n.startswith("_")):
        ref = getattr(sc, name, None)
        nin = getattr(ref, "nin", None)
        if nin is None:  # a Python function: one array argument
            nin = 1
        rows.append((f"scipy.special.{name}", _special_row(name, getattr(special, name), nin)))
    return rows


def _noted_rows(module, prefix, notes_in=()):
    mod = importlib.import_module(f"tangents.scipy.{module}")
    notes = {}
    for src in (module, *notes_in):
        notes.update(getattr(importlib.import_module(f"tangents.scipy.{src}"), "COVERAGE", {}))
    rows = []
    for name in sorted(n for n in getattr(mod, "__all__", ()) if n != "COVERAGE"):
        note = notes.get(name)
        if isinstance(note, dict):
            note = "; ".join(f"{m}: {v}" for m, v in sorted(note.items()))
        rows.append((f"{prefix}{name}", "differentiable" + (f" in {note}" if note else "")))
    return rows


def scipy_tables():
    """Markdown lines of the SciPy tables, or [] without SciPy."""
    try:
        import scipy
    except ImportError:
        return []
    sections = [
        ("scipy.special", _special_rows()),
        ("scipy.stats distributions", _noted_rows("stats", "scipy.stats.", ("_stats_more",))),
        ("scipy.signal convolution and filtering", _noted_rows("signal", "scipy.signal.")),
        ("scipy.integrate", _noted_rows("integrate", "scipy.integrate.")),
        ("scipy.linalg", _noted_rows("linalg", "scipy.linalg.", ("_linalg_more",))),
    ]
    lines = ["", f"# Coverage of SciPy (SciPy {scipy.__version__})", "",
             "Each function of `tangents.scipy`, also reached by SciPy's own function on traced "
             "values where SciPy dispatches or routes to it. scipy.special rows are probed at "
             "scalar points (reverse, forward and second order in each argument); the other "
             "modules' rows say what their functions differentiate in."]
    for title, rows in sections:
        lines += ["", f"## {title}", "", "| function | status |", "|---|---|"]
        lines += [f"| `{n}` | {s} |" for n, s in rows]
    return lines
