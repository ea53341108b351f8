"""The coverage table: every function of NumPy's main namespace, numpy.linalg and numpy.fft,
classified from the live registry as differentiable (reverse, forward, second order),
pass-through (non-differentiable by nature: integer/boolean results) or not supported;
then SciPy's (scipy_coverage) and each primitive's sparsity rule (sparsity_coverage).

``python -m tangents._tools.coverage [PATH]`` writes the table (default docs/coverage.md); a test
regenerates it and compares, so it cannot go stale.
"""
from __future__ import annotations

import sys
import warnings

import numpy as np

from ..core import function_handlers, ufunc_handlers

__all__ = ["classify", "table"]

# names that take no array to differentiate: configuration, I/O, printing, types, testing,
# creation from sizes, index expressions
_NOT_MATH = {
    "add_docstring", "add_newdoc", "add_newdoc_ufunc", "asmatrix", "bmat", "busday_count",
    "busday_offset", "datetime_as_string", "datetime_data", "fromfile", "fromfunction",
    "fromiter", "frombuffer", "fromregex", "fromstring", "genfromtxt", "get_include",
    "get_printoptions", "getbufsize", "geterr", "geterrcall", "info", "is_busday", "load",
    "loadtxt", "printoptions", "save", "savetxt", "savez", "savez_compressed",
    "set_printoptions", "setbufsize", "seterr", "seterrcall", "show_config", "show_runtime",
    "test", "array2string", "array_repr", "array_str", "format_float_positional",
    "format_float_scientific", "base_repr", "binary_repr", "may_share_memory",
    "shares_memory", "can_cast", "promote_types", "min_scalar_type", "result_type",
    "common_type", "mintypecode", "typename", "isdtype", "issubdtype", "iterable",
    "isscalar", "isfortran", "broadcast_shapes", "ndim", "shape", "size", "get_array_wrap",
    "packbits", "unpackbits", "ravel_multi_index", "unravel_index", "indices", "mask_indices",
    "diag_indices", "tril_indices", "triu_indices", "ix_", "nested_iters", "astype",
    "from_dlpack", "frompyfunc", "vectorize", "einsum_path", "eye", "identity", "ones",
    "zeros", "empty",
    "bartlett", "blackman", "hamming", "hanning",  # windows of an integer length
    "full", "tri", "mgrid", "ogrid", "r_", "c_", "s_", "index_exp", "fftfreq",
    "rfftfreq",
}


def _probe_args(x):
    idx = np.zeros((3, 3), np.intp)
    return [(x,), (x, x), (x, 1), (x, 0), (x, [0, 1]), (x, 2, 0), (x, (0, 1)), (x, 0, 1),
            (x, (9,)), (x, (3, 3)), (x, idx, 0), (x, idx, x, 0), (x[0], x[0]), (x[0],),
            (x[0], x[0], x[0]), ([x, x],), ((x, x),), (x, x, x), (np.sum, 0, x),
            (np.sum, x, [0])]


def _call(fun, args):
    """``fun(*args)``; for an in-place writer (it returns None), its array argument after
    the write (the probe's array is copied first, so the probe stays as it was)."""
    first = args[0]
    if hasattr(first, "shape") and hasattr(first, "copy"):
        first = first.copy()
    out = fun(first, *args[1:])
    return first if out is None and first is not args[0] else out


def _differentiates(fun, x):
    """(reverse, forward, second order) for the first argument list that ``fun`` accepts
    and differentiates; None when no probe argument list fits its signature."""
    from .. import numpy as tnp
    from ..core import grad, jvp

    accepted = False
    for args in _probe_args(x):
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                ref = _call(fun, args)
        except Exception:
            continue
        leaves = ref if isinstance(ref, (tuple, list)) else (ref,)
        if not all(hasattr(r, "dtype") for r in leaves):
            continue
        accepted = True
        if not any(np.asarray(r).dtype.kind in "fc" for r in leaves):
            return "pass-through"
        listed = isinstance(args[0], (list, tuple))

        def scalar(y, args=args, listed=listed):
            if listed:
                call = ([y if a is x else a for a in args[0]],) + args[1:]
            else:
                call = tuple(y if a is point else a for a in args)
            out = _call(fun, call)
            outs = out if isinstance(out, (tuple, list)) else (out,)
            return sum(tnp.sum(tnp.real(o) * 0.5) for o in outs
                       if getattr(o, "dtype", np.dtype(int)).kind in "fc")

        point = x if listed or any(a is x for a in args) else args[0]
        rev = _works(lambda: grad(scalar)(point))
        fwd = _works(lambda: jvp(scalar, (point,), (np.ones_like(point),)))
        if not (rev or fwd):
            continue
        second = _works(lambda: jvp(grad(scalar), (point,), (np.ones_like(point),)))
        return ("differentiable" + ("" if rev else " (no reverse)") +
                ("" if fwd else " (no forward)") + ("" if second else " (first order)"))
    if accepted:
        return "not supported"
    try:  # functions of integers only (bitwise operations)
        k = np.arange(9).reshape(3, 3)
        try:
            out = fun(k, k)
        except Exception:
            out = fun(k)
        if np.asarray(out).dtype.kind in "iub":
            return "pass-through"
    except Exception:
        pass
    return None


def _works(thunk):
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            thunk()
        return True
    except Exception:
        return False


def classify(name, obj):
    """One row: how tangents handles ``obj`` (a NumPy function called ``name``)."""
    handler = ufunc_handlers.get(obj) if isinstance(obj, np.ufunc) else function_handlers.get(obj)
    if handler is None:
        return "not supported"
    x = np.linspace(0.3, 0.9, 9).reshape(3, 3) + np.eye(3)
    verdict = _differentiates(handler, x)
    return verdict or "differentiable (not probed)"


def _public_functions(module, prefix):
    rows = []
    for name in sorted(dir(module)):
        if name.startswith("_") or name in _NOT_MATH:
            continue
        obj = getattr(module, name)
        if isinstance(obj, type) or not callable(obj) or type(obj).__name__ == "module":
            continue
        rows.append((prefix + name, obj))
    return rows


def table():
    """The coverage table as markdown."""
    import tangents  # noqa: F401  (registers every family)

    rows = (_public_functions(np, "numpy.") + _public_functions(np.linalg, "numpy.linalg.")
            + _public_functions(np.fft, "numpy.fft."))
    lines, counts = [], {}
    for name, obj in rows:
        verdict = classify(name, obj)
        key = verdict.split(" (")[0]
        counts[key] = counts.get(key, 0) + 1
        lines.append(f"| `{name}` | {verdict} |")
    head = [
        "# Coverage of NumPy by tangents",
        "",
        f"Generated by `python -m tangents._tools.coverage` with NumPy {np.__version__}; a test",
        "regenerates it. *differentiable*: reverse mode, forward mode and second order all",
        "work on a probe input (notes say what is missing); *pass-through*: integer/boolean",
        "results, computed on primal values; *not supported*: raises a clear error naming",
        "the function on traced values (wrap it with `tg.custom_vjp`).",
        "",
        "| status | functions |", "|---|---|",
        *[f"| {k} | {v} |" for k, v in sorted(counts.items())],
        "",
        "| function | status |", "|---|---|",
    ]
    from .scipy_coverage import scipy_tables
    from .sparsity_coverage import sparsity_table
    return "\n".join(head + lines + scipy_tables() + sparsity_table()) + "\n"


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else "docs/coverage.md"
    text = table()
    with open(path, "w") as fh:
        fh.write(text)
    print(text.split("| function | status |")[0])
