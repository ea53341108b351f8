"""check_grads: compare a function's derivatives with central finite differences in float64.

Reverse mode is checked entry by entry (every input entry, or a random sample of
``max_entries`` of them for large inputs) for a random output cotangent; forward mode entry
by entry over the outputs for a random tangent; when both run, the transpose identity
<J v, w> = <v, J^T w> ties them together.  ``order=2`` repeats the check on the derivative
functions themselves."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import tree as tree_util
from .core import jvp, vjp

__all__ = ["check_grads"]

_DEFAULT_TOL = {  # (rtol, atol) by the lowest precision among the inputs
    2: (5e-2, 5e-2), 4: (2e-3, 2e-3), 8: (1e-5, 1e-6),
}


# the function under check as one of flat leaves to the flat list of its output's leaves
_FlatFun = Callable[..., list[Any]]


def _flat_fun(fun: Callable[..., Any], in_tree: tree_util.TreeDef) -> _FlatFun:
    def f(*leaves: Any) -> list[Any]:
        out = fun(*tree_util.unflatten(in_tree, list(leaves)))
        return tree_util.flatten(out)[0]
    return f


def _report(kind: str, rows: Sequence[tuple[str, float, float, float]], rtol: float,
            atol: float) -> AssertionError:
    lines = [f"check_grads: {kind} derivative disagrees with central finite differences "
             f"(rtol={rtol:g}, atol={atol:g}); worst entries:"]
    for where, a, n, rel in rows:
        lines.append(f"  {where}: analytic={a:.8g} numeric={n:.8g} relative error={rel:.3g}")
    return AssertionError("\n".join(lines))


def _compare(kind: str, analytic: Sequence[Any], numeric: Sequence[Any],
             labels: Sequence[str], rtol: float, atol: float) -> None:
    a64 = np.asarray(analytic, np.float64)
    n64 = np.asarray(numeric, np.float64)
    scale = max(1.0, float(np.max(np.abs(n64), initial=0.0)))
    err = np.abs(a64 - n64)
    bound = atol * scale + rtol * np.abs(n64)
    bad = ~(err <= bound)  # nan counts as bad
    if bad.any():
        rel = err / np.maximum(np.abs(n64), 1e-300)
        rel = np.where(np.isnan(rel), np.inf, rel)
        order = np.argsort(-np.where(bad, rel, -1.0))[:5]
        raise _report(kind, [(labels[i], a64[i], n64[i], rel[i])
                             for i in order if bad[i]], rtol, atol)


def _as64(x: Any) -> np.ndarray:
    """``x`` in float64, or complex128 when it is complex (never dropping an imaginary part)."""
    x = np.asarray(x)
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def _random_like(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random direction of ``x``'s shape and dtype (complex parts both random)."""
    r = rng.standard_normal(x.shape)
    if x.dtype.kind == "c":
        r = r + 1j * rng.standard_normal(x.shape)
    return r.astype(x.dtype)


def _pairing(a: Any, b: Any) -> float:
    """Re sum(a * b): the real pairing under which a VJP is the transpose of the JVP (no
    conjugation, docs/conventions.md)."""
    return float(np.real(np.sum(_as64(a) * _as64(b))))


def _entry_label(leaf: int, index: Sequence[Any], nleaves: int) -> str:
    idx = tuple(int(i) for i in index)
    return f"input leaf {leaf} index {idx}" if nleaves > 1 else f"input index {idx}"


def check_grads(fun: Callable[..., Any], args: Sequence[Any], order: int = 1,
                modes: Sequence[str] = ("fwd", "rev"), eps: float | None = None,
                rtol: float | None = None, atol: float | None = None, *,
                max_entries: int = 200, seed: int = 0) -> None:
    """``check_grads(fun, args, order=1, modes=("fwd", "rev"), eps=None, rtol=None, atol=None)``

    Raises ``AssertionError`` naming the worst entries (index, analytic, numeric, relative
    error) when a derivative of ``fun`` at ``args`` disagrees with finite differences.

    >>> check_grads(np.sin, (np.array([0.5, 1.0]),), order=2)
    """
    args = tuple(args)
    flat, in_tree = tree_util.flatten(args)
    flat = [np.asarray(x) for x in flat]
    inexact = [x.dtype.kind in "fc" for x in flat]
    if not any(inexact):
        raise TypeError("check_grads: no floating-point argument to check")
    itemsize = min(x.dtype.itemsize // (2 if x.dtype.kind == "c" else 1)
                   for x, ok in zip(flat, inexact) if ok)
    d_rtol, d_atol = _DEFAULT_TOL.get(itemsize, _DEFAULT_TOL[8])
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol
    eps = 1e-6 if eps is None else eps
    rng = np.random.default_rng(seed)
    f = _flat_fun(fun, in_tree)
    _check(f, flat, inexact, order, tuple(modes), eps, rtol, atol, max_entries, rng)


def _check(f: _FlatFun, flat: Sequence[np.ndarray], inexact: Sequence[bool], order: int,
           modes: tuple[str, ...], eps: float, rtol: float, atol: float, max_entries: int,
           rng: np.random.Generator) -> None:
    def f_diff(*diff: Any) -> list[Any]:
        it = iter(diff)
        return f(*[next(it) if ok else x for x, ok in zip(flat, inexact)])

    xs = [x for x, ok in zip(flat, inexact) if ok]
    outs = f_diff(*xs)
    outs = [np.asarray(o) for o in outs]
    w = [_random_like(o, rng) if o.dtype.kind in "fc" else None for o in outs]
    v = [_random_like(x, rng) for x in xs]

    def f64(*diff: Any) -> list[np.ndarray]:
        return [_as64(o) for o in f_diff(*[_as64(d) for d in diff])]

    jtw = jv = None
    if "rev" in modes:
        jtw = _check_rev(f_diff, f64, xs, outs, w, eps, rtol, atol, max_entries, rng)
    if "fwd" in modes:
        jv = _check_fwd(f_diff, f64, xs, v, eps, rtol, atol)
    if jtw is not None and jv is not None:
        lhs = sum(_pairing(a, b) for a, b in zip(jv, w) if b is not None)
        rhs = sum(_pairing(a, b) for a, b in zip(v, jtw))
        if not abs(lhs - rhs) <= atol * max(1.0, abs(lhs)) + rtol * abs(lhs):
            raise AssertionError(f"check_grads: forward and reverse mode disagree: "
                                 f"<J v, w> = {lhs:.10g} but <v, J^T w> = {rhs:.10g}")
    if order > 1:
        if "rev" in modes:
            w_fixed = [o if o is not None else None for o in w]

            def rev_fn(*diff: Any) -> list[Any]:
                out, pull = vjp(lambda *d: [o for o in f_diff(*d)], *diff)
                return list(pull([c if c is not None else np.zeros(np.shape(o), o.dtype)
                                  for c, o in zip(w_fixed, out)]))
            _check(rev_fn, xs, [True] * len(xs), order - 1, modes, eps, rtol, atol,
                   max_entries, rng)
        if "fwd" in modes:
            def fwd_fn(*diff: Any) -> list[Any]:
                return jvp(lambda *d: f_diff(*d), tuple(diff), tuple(v))[1]
            _check(fwd_fn, xs, [True] * len(xs), order - 1, modes, eps, rtol, atol,
                   max_entries, rng)


def _check_rev(f_diff: _FlatFun, f64: _FlatFun, xs: Sequence[np.ndarray],
               outs: Sequence[np.ndarray], w: Sequence[np.ndarray | None], eps: float,
               rtol: float, atol: float, max_entries: int,
               rng: np.random.Generator) -> list[np.ndarray]:
    seeds = [c if c is not None else np.zeros(o.shape, o.dtype) for c, o in zip(w, outs)]
    _, pull = vjp(lambda *d: list(f_diff(*d)), *xs)
    grads = [np.asarray(g) for g in pull(seeds)]
    for g, x in zip(grads, xs):
        if g.shape != x.shape or g.dtype != x.dtype:
            raise AssertionError(f"check_grads: reverse-mode derivative has shape {g.shape} "
                                 f"and dtype {g.dtype}; its input has {x.shape} {x.dtype}")
    w64 = [None if c is None else _as64(c) for c in w]

    def scalar(*d: Any) -> float:
        return sum(_pairing(o, c) for o, c in zip(f64(*d), w64) if c is not None)

    # a complex entry is two real ones: its real part (direction 1) and imaginary part (1j)
    entries = [(i, j, step) for i, x in enumerate(xs) for j in range(x.size)
               for step in ((1.0, 1j) if x.dtype.kind == "c" else (1.0,))]
    if len(entries) > max_entries:
        pick = rng.choice(len(entries), max_entries, replace=False)
        entries = [entries[k] for k in sorted(pick)]
    base = [_as64(x) for x in xs]
    analytic, numeric, labels = [], [], []
    for i, j, step in entries:
        plus = [b.copy() for b in base]
        minus = [b.copy() for b in base]
        plus[i].flat[j] += eps * step
        minus[i].flat[j] -= eps * step
        numeric.append((scalar(*plus) - scalar(*minus)) / (2 * eps))
        # the cotangent of z = a + ib is dL/da - i dL/db (docs/conventions.md)
        g = grads[i].flat[j]
        analytic.append(g.real if step == 1.0 else -g.imag)
        label = _entry_label(i, np.unravel_index(j, xs[i].shape), len(xs))
        labels.append(label if step == 1.0 else label + " (imaginary part)")
    _compare("reverse-mode", analytic, numeric, labels, rtol, atol)
    return grads


def _check_fwd(f_diff: _FlatFun, f64: _FlatFun, xs: Sequence[np.ndarray],
               v: Sequence[np.ndarray], eps: float, rtol: float,
               atol: float) -> list[np.ndarray]:
    _, tangents = jvp(lambda *d: list(f_diff(*d)), tuple(xs), tuple(v))
    tangents = [np.asarray(t) for t in tangents]
    base = [_as64(x) for x in xs]
    plus = f64(*[b + eps * _as64(t) for b, t in zip(base, v)])
    minus = f64(*[b - eps * _as64(t) for b, t in zip(base, v)])
    analytic, numeric, labels = [], [], []
    for k, (t, p, m) in enumerate(zip(tangents, plus, minus)):
        if t.dtype.kind not in "fc":
            continue
        num = (p - m) / (2 * eps)
        parts = (("", np.real), (" (imaginary part)", np.imag)) if t.dtype.kind == "c" \
            else (("", np.real),)
        for j in range(t.size):
            idx = tuple(int(i) for i in np.unravel_index(j, t.shape))
            label = f"output leaf {k} index {idx}" if len(tangents) > 1 else f"output index {idx}"
            for suffix, part in parts:
                analytic.append(part(t.flat[j]))
                numeric.append(part(num.flat[j]))
                labels.append(label + suffix)
    _compare("forward-mode", analytic, numeric, labels, rtol, atol)
    return tangents
