"""The sparsity part of docs/coverage.md: for every registered primitive, whether its
``sparsity`` slot holds a precise rule (declared beside its other rules) or the sparsity
interpreter falls back on the dense default, read from the live registry.
"""
from __future__ import annotations

import importlib

__all__ = ["sparsity_status", "sparsity_table"]

# families that register primitives only when imported (SciPy is an optional extra)
_OPTIONAL = ("tangents.scipy.special", "tangents.scipy.linalg", "tangents.scipy.stats",
             "tangents.scipy.signal", "tangents.scipy.integrate")


def sparsity_status() -> dict[str, str]:
    """``{primitive name: 'precise' | 'dense default' | 'no derivative'}`` for every
    primitive of tangents' families.

    >>> sparsity_status()["matmul"], sparsity_status()["linalg_solve"]
    ('precise', 'dense default')
    """
    import tangents  # noqa: F401  (registers every family)
    for name in _OPTIONAL:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    from ..core import registry
    # a test module's own primitives (named test_...) are not tangents': a full test run
    # registers them before tests/_tools compares this table with docs/coverage.md
    return {name: ("no derivative" if not p.differentiable else
                   "dense default" if p.sparsity is None else "precise")
            for name, p in sorted(registry.items()) if not name.startswith("test_")}


def sparsity_table() -> list[str]:
    """Markdown lines of the per-primitive sparsity table."""
    status = sparsity_status()
    counts: dict[str, int] = {}
    for s in status.values():
        counts[s] = counts.get(s, 0) + 1
    return [
        "", "# Sparsity rules by primitive", "",
        "How `tangents.sparse` (jacobian_sparsity, hessian_sparsity and the sparse jacfwd, "
        "jacrev and hessian) propagates dependency patterns through each primitive. "
        "*precise*: the primitive's own rule, declared beside its other rules with a builder "
        "of `tangents.core.sparsity` (elementwise: by element; data movement and indexing: by "
        "index; reductions and scans: by group; matmul, einsum and convolutions: by "
        "structure; Fourier transforms: by lane; max pooling and ties of sort: the whole "
        "window or lane); *dense "
        "default*: every answer element depends on every input its arguments depend on, and "
        "all of them interact (always correct, may over-count); *no derivative*: the result "
        "depends on no input.",
        "", "| status | primitives |", "|---|---|",
        *[f"| {k} | {v} |" for k, v in sorted(counts.items())],
        "", "| primitive | sparsity rule |", "|---|---|",
        *[f"| `{name}` | {s} |" for name, s in status.items()],
    ]
