"""``autograd.scipy.signal.convolve``: N-dimensional convolution over chosen axis pairs with
contraction over others, written with differentiable ``tangents.numpy`` operations (so every
transform and order differentiates it)."""
import string

import numpy as _onp

from .... import numpy as _tnp

__all__ = ["convolve"]


def _normalize(axes, nd, what):
    out = [int(a) % nd for a in axes]
    if len(set(out)) != len(out):
        raise ValueError(f"convolve: {what} repeats an axis: {list(axes)}")
    return out


def _windows(b, axis, n_a):
    """``b`` zero-padded by ``n_a - 1`` on both sides of ``axis``, which is replaced by
    the axes (k, j) of the sliding windows ``b_padded[k + j]`` (full-mode positions k)."""
    pad = [(0, 0)] * _onp.ndim(b)
    pad[axis] = (n_a - 1, n_a - 1)
    padded = _tnp.pad(b, pad)
    n_out = _onp.shape(b)[axis] + n_a - 1
    index = _onp.arange(n_out)[:, None] + _onp.arange(n_a)[None, :]
    return _tnp.take(padded, index, axis=axis)


def convolve(A, B, axes=None, dot_axes=((), ()), mode="full"):
    """Convolve ``A`` with ``B`` along the axis pairs ``axes = (axes_of_A, axes_of_B)`` (all
    axes by default), summing over the pairs ``dot_axes``; the other axes are kept as an
    outer product.  The result's axes are A's other axes, B's other axes, then the convolved
    axes, each of length ``nA + nB - 1`` ("full"), ``|nA - nB| + 1`` ("valid") or ``nA``
    ("same", centred as SciPy's).  For two 1-d arrays this is ``scipy.signal.convolve``.

    >>> convolve(_onp.array([1.0, 2.0]), _onp.array([1.0, 1.0, 1.0]))
    array([1., 3., 3., 2.])
    """
    if mode not in ("full", "valid", "same"):
        raise ValueError(f"convolve: mode must be 'full', 'valid' or 'same', got {mode!r}")
    nd_a, nd_b = _onp.ndim(A), _onp.ndim(B)
    if axes is None:
        if nd_a != nd_b:
            raise ValueError(f"convolve: A has {nd_a} axes and B {nd_b}; pass axes= to pair "
                             "the axes to convolve")
        axes = (range(nd_a), range(nd_b))
    conv_a, conv_b = _normalize(axes[0], nd_a, "axes"), _normalize(axes[1], nd_b, "axes")
    dot_a, dot_b = _normalize(dot_axes[0], nd_a, "dot_axes"), _normalize(dot_axes[1], nd_b,
                                                                         "dot_axes")
    if len(conv_a) != len(conv_b) or len(dot_a) != len(dot_b):
        raise ValueError(f"convolve: axes {axes} and dot_axes {dot_axes} must pair as many "
                         "axes of A as of B")
    shape_a, shape_b = _onp.shape(A), _onp.shape(B)
    for a, b in zip(dot_a, dot_b):
        if shape_a[a] != shape_b[b]:
            raise ValueError(f"convolve: dot axis {a} of A (length {shape_a[a]}) and {b} of "
                             f"B (length {shape_b[b]}) differ")
    if mode == "valid":
        pairs = [(shape_a[i], shape_b[j]) for i, j in zip(conv_a, conv_b)]
        if not (all(x >= y for x, y in pairs) or all(x <= y for x, y in pairs)):
            raise ValueError(f"convolve: for mode 'valid' one array must be at least as large "
                             f"as the other along every convolved axis, got {pairs}")
    keep_a = [i for i in range(nd_a) if i not in conv_a + dot_a]
    keep_b = [i for i in range(nd_b) if i not in conv_b + dot_b]
    # A as [keep, dot, conv] flipped along conv; B as [keep, dot, conv], each conv axis
    # then replaced by its windows (k, j): full(A, B)[k] = sum_j flip(A)[j] * B_pad[k + j]
    a = _tnp.moveaxis(A, keep_a + dot_a + conv_a, list(range(nd_a)))
    if conv_a:
        a = _tnp.flip(a, axis=tuple(range(nd_a - len(conv_a), nd_a)))
    b = _tnp.moveaxis(B, keep_b + dot_b + conv_b, list(range(nd_b)))
    first = len(keep_b) + len(dot_b)
    for i in reversed(range(len(conv_b))):
        b = _windows(b, first + i, shape_a[conv_a[i]])
    letters = iter(string.ascii_letters)
    ka = [next(letters) for _ in keep_a]
    kb = [next(letters) for _ in keep_b]
    d = [next(letters) for _ in dot_a]
    ks = [next(letters) for _ in conv_a]
    js = [next(letters) for _ in conv_a]
    spec = ("".join(ka + d + js) + "," + "".join(kb + d + [c for kj in zip(ks, js) for c in kj])
            + "->" + "".join(ka + kb + ks))
    full = _tnp.einsum(spec, a, b)
    index = [slice(None)] * (len(ka) + len(kb))
    for ia, ib in zip(conv_a, conv_b):
        n_a, n_b = shape_a[ia], shape_b[ib]
        if mode == "full":
            index.append(slice(None))
        elif mode == "valid":
            index.append(slice(min(n_a, n_b) - 1, max(n_a, n_b)))
        else:
            start = (n_a + n_b - 1 - n_a) // 2
            index.append(slice(start, start + n_a))
    return full[tuple(index)]
