"""Convolutions of a jitted program that share their im2col columns with their filter gradient.

``y = conv2d(x, w)`` builds the patch matrix of ``x`` (im2col) and multiplies it by ``w``;
the filter gradient ``conv2d_dw(x, ct) = patches(x)^T @ ct`` of the same ``x`` builds it
again.  Eager keeps the columns of the forward call for the backward pass (conv2d's
``vjp_forward``); a staged program has two separate equations, so the executor pairs them:
the forward call keeps its columns and the gradient multiplies them, with the same
operations as `tangents.nn.conv`'s own, so the same bits.  W7's columns of its second
layer are 10.6 MB (float32) and took 0.6-0.9 ms of its 9.5 ms step to build twice.
Float32 convolutions that jit/conv_kernels.py covers make no columns: they are direct kernels.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from . import conv_kernels, dgemm_kernels, matmul_kernels
from .ir import Eqn, Var

__all__ = ["conv_pairs", "pair_lines", "DIRECT"]
DIRECT = "direct"  # the partner of a convolution that a direct kernel computes


def conv_pairs(body):
    """{id(eqn): partner eqn} for each ``nn_conv2d(x, w)`` and the first ``nn_conv2d_dw`` after
    it that reads the same ``x`` with the same kernel size, strides, padding and dilation;
    `DIRECT` for a convolution that a direct kernel computes (jit/conv_kernels.py)."""
    from ..nn import conv
    waiting, pairs, made_by = {}, {}, {}
    for e in body:
        if type(e) is not Eqn or type(e.ins[0]) is not Var:
            continue
        made_by.update((v, e) for v in e.outs)
        if conv_kernels.covers(e):
            pairs[id(e)] = DIRECT
            continue
        product = matmul_kernels.covers(e, made_by)  # jit/matmul_kernels.py, jit/dgemm_kernels.py
        if product is not None:
            pairs[id(e)] = product
            continue
        if e.prim is conv.conv2d_p and type(e.ins[1]) is Var:
            key = _key(e.ins[0], e.ins[1].shape[:2], e.params)
            if key is not None:
                waiting.setdefault(key, e)
        elif e.prim is conv.conv2d_dw_p:
            p = dict(e.params)
            key = _key(e.ins[0], p.pop("kernel"), p)
            forward = waiting.pop(key, None) if key is not None else None
            if forward is not None:
                pairs[id(forward)], pairs[id(e)] = e, forward
    if any(_threads_blas(e) for e in body if type(e) is Eqn and id(e) not in pairs):
        for key, partner in pairs.items():  # two pools spinning on one CPU (jit/spread.py)
            if isinstance(partner, (matmul_kernels.Direct, dgemm_kernels.Ordered)):
                pairs[key] = partner.on_one_thread()
    return pairs


_BLAS = {"matmul", "dot", "vdot", "inner", "outer", "tensordot", "einsum", "kron",
         "nn_conv2d", "nn_conv2d_dw", "nn_conv2d_dx"}


def _threads_blas(e):
    """Whether numpy's BLAS may use its threads for ``e``: OpenBLAS does for products of at
    least 2 x 65536 x 4 multiply-adds on two CPUs; other BLAS and LAPACK calls count when an
    operand has 65536 entries."""
    name = e.prim.name
    shapes = [v.shape for v in e.ins if type(v) is Var]
    if name == "matmul" and len(shapes) == 2 and shapes[0]:
        return math.prod(e.outs[0].shape) * shapes[0][-1] >= 2 * 65536 * 4
    if name in _BLAS or name.startswith("linalg"):
        return any(math.prod(s) >= 65536 for s in shapes)
    return False


def _key(x, kernel, params):
    try:
        key = (x, tuple(kernel), tuple(sorted(params.items())))
        hash(key)
    except TypeError:  # a parameter that is not hashable: leave the pair alone
        return None
    return key


def pair_lines(e, partner, pos, ns, later=None):
    """The generated line of ``e``, one of a pair from `conv_pairs`: the forward call also
    returns its columns (``_c<id>``), which the gradient multiplies and then frees.  A
    product's kernel may be compiled by a step appended to ``later`` (`kernels.bind`)."""
    from ..nn import conv
    if partner is DIRECT:
        return conv_kernels.direct_lines(e, pos, ns)
    if type(partner) in (matmul_kernels.Direct, dgemm_kernels.Ordered):
        return matmul_kernels.direct_lines(e, partner, pos, ns, later)
    out = e.outs[0]
    if e.prim is conv.conv2d_p:
        ns[f"_pc{pos}"] = functools.partial(conv._conv2d_forward, (False, True), **e.params)
        return [f"    {out!r}, _c{out.id} = _pc{pos}({e.ins[0]!r}, {e.ins[1]!r})"]
    cols = f"_c{partner.outs[0].id}"
    ns["_dw_from_columns"] = _dw_from_columns
    return [f"    {out!r} = _dw_from_columns({cols}, {e.ins[1]!r}, {out.shape!r})",
            f"    del {cols}"]


def _dw_from_columns(cols, ct, shape):
    # conv2d_dw's own product: patches(x)^T @ ct, with ct as (N*OH*OW, C_out)
    ct = np.asarray(ct)
    return np.matmul(cols.T, ct.reshape(cols.shape[0], ct.shape[3])).reshape(shape)
