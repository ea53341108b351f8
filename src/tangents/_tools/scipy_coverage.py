"""The SciPy part of docs/coverage.md: every function tangents.scipy provides, probed from the
live modules: for each argument, whether reverse mode, forward mode and second order work
there (scipy.special), or the module's own note of what it differentiates in (stats, linalg,
signal, integrate, fft: their arguments are structured, so a generic probe cannot call them);
and whether SciPy's own function reaches tangents' derivative on traced values.
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


# SciPy's Python functions (no ufunc nin): their arguments at a point where they are defined
_PYTHON_PROBES = {"polygamma": [1, 0.7], "multigammaln": [3.0, 2], "spherical_jn": [2, 0.7],
                  "spherical_yn": [2, 0.7], "zeta": [2.0, 0.7]}


def _probes(nin):
    if isinstance(nin, list):
        return [nin]
    return [[p] * nin for p in _POINTS] + [[2] + [p] * (nin - 1) for p in _POINTS]


def _special_row(name, fun, nin):
    """Arguments of ``fun`` (of ``nin`` scalars) in which reverse mode, forward mode and
    second order work at a probe point."""
    from ..core import grad, jvp

    probes = _probes(nin)
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


def _scipy_name_row(ref, ours, nin):
    """How SciPy's own function ``ref`` meets a traced argument: the derivative it gives
    (equal to tangents' version's at a probe point), or that it raises."""
    from ..core import grad

    how = "ufunc dispatch" if getattr(ref, "nin", None) is not None else (
        "routed" if getattr(ref, "_tangents_original", None) is not None else "as written")
    for args in _probes(nin):
        for i, p in enumerate(args):
            if isinstance(p, int) or not _works(lambda: ours(*args)):
                continue

            def f(x, fn, i=i, args=args):
                return fn(*args[:i], x, *args[i + 1:])
            if _works(lambda: grad(f)(p, ours)):
                same = _works(lambda: np.array(grad(f)(p, ref) - grad(f)(p, ours)) == 0)
                return f"yes ({how})" if same else f"differs ({how})"
    return "not probed"


def _special_rows():
    import scipy.special as sc

    from ..scipy import special
    rows = []
    for name in sorted(n for n in special.__all__ if not n.startswith("_")):
        ref = getattr(sc, name, None)
        nin = getattr(ref, "nin", None)
        if nin is None:  # a Python function: its probe, or one array argument
            nin = _PYTHON_PROBES.get(name, 1)
        ours = getattr(special, name)
        rows.append((f"scipy.special.{name}", _special_row(name, ours, nin),
                     _scipy_name_row(ref, ours, nin)))
    return rows


def _routed(scipy_module, name):
    """Which of SciPy's ``name`` (a function, or a distribution's methods) route a traced
    call to tangents' version (tangents.scipy._registry)."""
    from ..scipy._registry import ARRAY_API_NATIVE, ROUTES

    routes = ROUTES.get(scipy_module, {})
    if name in routes:
        native = name in ARRAY_API_NATIVE.get(scipy_module, ())
        return "routed" + (" (SciPy's own code with SCIPY_ARRAY_API=1)" if native else "")
    methods = sorted(k.split(".")[1] for k in routes if k.startswith(name + "."))
    return f"routed: {', '.join(methods)}" if methods else "no (call tangents.scipy's)"


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
        if not note or not note.startswith("differentiable"):
            note = "differentiable" + (f" in {note}" if note else "")
        rows.append((f"{prefix}{name}", note,
                     _routed(prefix[:-1], name)))
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
        ("scipy.fft", _noted_rows("fft", "scipy.fft.")),
        ("scipy.ndimage filters", _noted_rows("ndimage", "scipy.ndimage.")),
    ]
    lines = ["", f"# Coverage of SciPy (SciPy {scipy.__version__})", "",
             "Each function of `tangents.scipy`. scipy.special rows are probed at scalar "
             "points (reverse, forward and second order in each argument); the other "
             "modules' rows say what their functions differentiate in. The last column says "
             "whether SciPy's own function, called on a traced value, gives tangents' "
             "derivative: through its ufunc, routed to tangents' version "
             "(tangents.scipy._registry), or as written (it computes with tangents.numpy); "
             "scipy.special's are probed, the others read from the routes. SciPy's Fourier "
             "transforms (scipy.fft.fft, ...) and the scipy.stats moments compute with "
             "tangents.numpy when SCIPY_ARRAY_API=1."]
    for title, rows in sections:
        lines += ["", f"## {title}", "",
                  "| function | status | SciPy's own function on traced values |",
                  "|---|---|---|"]
        lines += [f"| `{n}` | {s} | {r} |" for n, s, r in rows]
    return lines
