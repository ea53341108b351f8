"""NumPy's view semantics for in-place updates of traced arrays.

A traced value never changes; an in-place update (``x += 1``, ``x[i] = v``) makes a new
value and rebinds the tracer object to it (`Tracer._become`).  In NumPy, basic indexing,
``reshape`` and ``transpose`` return views, which share memory with their base: writing
through either is seen by the other.  The NumPy layer records such a view with
`record_view`, giving how to read the view from its base and how to write it back; after
an in-place update, `after_inplace` writes the new value up through the bases it is a view
of and re-reads every live view of each array that changed.  Both steps are ordinary
traced operations, so derivatives flow through them like through any other.
"""
from __future__ import annotations

import weakref

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["record_view", "after_inplace", "is_view", "layout", "reshaped_layout"]

_NO_MEMORY = np.zeros(1, np.int8)


class _ViewOf:
    __slots__ = ("base", "read", "write", "derive", "_layout")

    def __init__(self, base, read, write, derive):
        self.base = base
        self.read = read      # read(base) -> the view's value
        self.write = write    # write(base, view) -> the base's value with the view written in
        self.derive = derive  # derive(layout of base) -> layout of the view
        self._layout = None


def record_view(view, base, read, write, derive):
    """Note that tracer ``view`` is a NumPy view of tracer ``base``: ``read(base)`` gives
    its value, ``write(base, view)`` the base with it written in, and ``derive`` applied to
    the base's `layout` the view's (computed only when asked for); returns ``view``."""
    if view is base:
        return view
    view._view_of = _ViewOf(base, read, write, derive)
    views = getattr(base, "_views", None)
    if views is None:
        views = base._views = []
    views.append(weakref.ref(view))
    n = len(views)
    if n >= 32 and n & (n - 1) == 0:  # drop dead references now and then (amortised O(1))
        views[:] = [r for r in views if r() is not None]
    return view


def is_view(x):
    return getattr(x, "_view_of", None) is not None


def layout(x):
    """A stand-in for tracer ``x``'s memory layout: an int8 array of its shape whose strides
    (one byte an element) are those NumPy would give it, with no memory behind them.  Traced
    arrays are laid out in C order; a view's layout is its base's with the view's operation
    applied (basic indexing and transposes only move strides, so they never read memory)."""
    link = getattr(x, "_view_of", None)
    if link is not None:
        if link._layout is None:
            link._layout = link.derive(layout(link.base))
        return link._layout
    shape = tuple(x.shape)
    strides, step = [], 1
    for d in reversed(shape):
        strides.append(step)
        step *= max(d, 1)
    return as_strided(_NO_MEMORY, shape, tuple(reversed(strides)), writeable=False)


def reshaped_layout(lay, shape):
    """``lay`` reshaped without a copy, or None where NumPy's reshape would copy."""
    try:
        return lay.reshape(shape, copy=False)
    except ValueError:
        return None
    except TypeError:  # NumPy < 2.1 has no copy=: setting the shape fails where it would copy
        out = lay.view()
        try:
            out.shape = shape
        except AttributeError:
            return None
        return out


def after_inplace(tracer):
    """Propagate an in-place update of ``tracer`` to the arrays that share its memory."""
    _refresh_views(tracer, skip=None)
    child = tracer
    link = getattr(child, "_view_of", None)
    while link is not None:
        base = link.base
        base._assign(link.write(base, child))
        _refresh_views(base, skip=child)
        child, link = base, getattr(base, "_view_of", None)


def _refresh_views(tracer, skip):
    views = getattr(tracer, "_views", None)
    if not views:
        return
    live = []
    for ref in views:
        view = ref()
        if view is None:
            continue
        live.append(ref)
        if view is not skip:
            view._assign(view._view_of.read(tracer))
            _refresh_views(view, skip=None)
    tracer._views = live
