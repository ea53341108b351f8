"""Convolutions: values against direct loops, derivatives against finite
differences (order 2), vmap against stacking."""
import numpy as np
import pytest
from harness import Case, case_id, check_case, rand, tol

import tangents as tg
from tangents import nn
from tangents.nn.conv import conv2d_dw_p, conv2d_dx_p, conv2d_p, conv_p, fold_p, patches_p


def conv_ref(x, w, stride, pad, dil, groups):
    """Direct loop over output pixels, channels and kernel taps."""
    (t, b), (lft, r) = pad
    xp = np.pad(x, ((0, 0), (t, b), (lft, r), (0, 0)))
    kh, kw, ci, co = w.shape
    n, h, wd, _ = xp.shape
    oh = (h - (kh - 1) * dil[0] - 1) // stride[0] + 1
    ow = (wd - (kw - 1) * dil[1] - 1) // stride[1] + 1
    out = np.zeros((n, oh, ow, co))
    per = co // groups
    for i in range(oh):
        for j in range(ow):
            for o in range(co):
                g = o // per
                for a in range(kh):
                    for c in range(kw):
                        patch = xp[:, i * stride[0] + a * dil[0], j * stride[1] + c * dil[1],
                                   g * ci:(g + 1) * ci]
                        out[:, i, j, o] += patch @ w[a, c, :, o]
    return out


CONVS = [  # x shape, w shape, stride, padding, dilation, groups
    ((2, 5, 6, 2), (3, 2, 2, 3), 1, "VALID", 1, 1),
    ((1, 5, 5, 2), (3, 3, 2, 2), 2, "SAME", 1, 1),
    ((1, 6, 5, 2), (2, 3, 2, 2), (2, 1), ((1, 2), (0, 1)), (1, 2), 1),
    ((1, 5, 5, 4), (3, 3, 2, 4), 1, 1, 1, 2),
    ((1, 7, 7, 1), (3, 3, 1, 2), 1, "SAME", 2, 1),
]

CASES = [Case(f"conv2d(s={s},p={p},d={d},g={g})",
              lambda x, w, s=s, p=p, d=d, g=g: nn.conv2d(x, w, s, p, d, g),
              (rand(xs), rand(ws, seed=1)), vmap=True)
         for xs, ws, s, p, d, g in CONVS]
CASES += [
    Case("conv1d", lambda x, w: nn.conv1d(x, w, 2, "SAME"),
         (rand((2, 7, 2)), rand((3, 2, 2), seed=1))),
    Case("conv_transpose2d(VALID)", lambda x, w: nn.conv_transpose2d(x, w, 2),
         (rand((1, 3, 3, 2)), rand((3, 3, 2, 1), seed=1))),
    Case("conv_transpose2d(SAME)", lambda x, w: nn.conv_transpose2d(x, w, 2, "SAME"),
         (rand((1, 3, 2, 1)), rand((2, 2, 1, 2), seed=1))),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_conv_family(case):
    check_case(case)


@pytest.mark.parametrize("xs,ws,s,p,d,g", CONVS)
def test_conv2d_matches_loop(xs, ws, s, p, d, g):
    x, w = rand(xs), rand(ws, seed=1)
    s2, d2 = (s, s) if isinstance(s, int) else s, (d, d) if isinstance(d, int) else d
    if p == "VALID":
        pad = ((0, 0), (0, 0))
    elif p == "SAME":
        pad = []
        for n, k, st, dd in zip(xs[1:3], ws[:2], s2, d2, strict=True):
            total = max((-(-n // st) - 1) * st + (k - 1) * dd + 1 - n, 0)
            pad.append((total // 2, total - total // 2))
    elif isinstance(p, int):
        pad = ((p, p), (p, p))
    else:
        pad = p
    np.testing.assert_allclose(nn.conv2d(x, w, s, p, d, g), conv_ref(x, w, s2, pad, d2, g),
                               **tol("composed"))


def test_same_padding_keeps_size_and_matches_tf_convention():
    x = rand((1, 5, 5, 1))
    assert nn.conv2d(x, rand((3, 3, 1, 4)), 1, "SAME").shape == (1, 5, 5, 4)
    assert nn.conv2d(x, rand((3, 3, 1, 4)), 2, "SAME").shape == (1, 3, 3, 4)


def test_conv_transpose_is_the_input_gradient_of_conv():
    # <conv(x, w), y> = <x, conv_transpose(y, flipped w)>: adjointness
    x, w = rand((1, 5, 5, 2)), rand((3, 3, 2, 3), seed=1)
    y = rand((1, 2, 2, 3), seed=2)
    _, pull = tg.vjp(lambda x: nn.conv2d(x, w, 2), x)
    wt = np.flip(w, (0, 1)).transpose(0, 1, 3, 2)
    ct = nn.conv_transpose2d(y, wt, 2)  # (1, 5, 5, 2) for VALID: 2*2 + max(3-2, 0) = 5
    np.testing.assert_allclose(pull(y)[0], ct, **tol("composed"))


def test_conv_float32():
    x, w = rand((1, 4, 4, 2), dtype=np.float32), rand((2, 2, 2, 3), dtype=np.float32)
    gx, gw = tg.grad(lambda x, w: np.sum(nn.conv2d(x, w) ** 2), argnums=(0, 1))(x, w)
    assert nn.conv2d(x, w).dtype == gx.dtype == gw.dtype == np.float32


def test_vmap_over_filters_and_grad():
    x, ws = rand((2, 5, 5, 2)), rand((3, 3, 3, 2, 4), seed=1)
    f = lambda w: np.sum(nn.conv2d(x, w, 1, "SAME") ** 2)
    got = tg.vmap(tg.grad(f))(ws)
    np.testing.assert_allclose(got, np.stack([tg.grad(f)(w) for w in ws]), **tol("composed"))


def test_shape_errors():
    with pytest.raises(ValueError, match="channels"):
        nn.conv2d(np.ones((1, 4, 4, 3)), np.ones((2, 2, 2, 1)))
    with pytest.raises(ValueError, match="padding"):
        nn.conv2d(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), padding="FULL")


# -- the im2col primitives: patches/fold and conv2d with its two transposes -----------------

GEOMS = [  # x shape, kernel, params (strides, padding, dilation)
    ((2, 5, 6, 2), (3, 2), dict(strides=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1))),
    ((1, 6, 5, 3), (2, 3), dict(strides=(2, 1), padding=((1, 2), (0, 1)), dilation=(1, 2))),
    ((1, 7, 6, 4), (3, 3), dict(strides=(2, 3), padding=((-1, 1), (2, -1)), dilation=(2, 1))),
    ((2, 4, 4, 5), (3, 3), dict(strides=(1, 1), padding=((1, 1), (1, 1)), dilation=(1, 1))),
    ((2, 7, 6, 3), (3, 2), dict(strides=(1, 1), padding=((-1, 2), (1, -1)), dilation=(2, 1))),
]


def _geom(xs, k, p, cout=3):
    """Example x, w, and a cotangent y of the convolution's output shape."""
    x = rand(xs)
    w = rand(k + (xs[3], cout), seed=1)
    y = rand(conv2d_p(x, w, **p).shape, seed=2)
    return x, w, y


GEOM_IDS = [f"{xs}-{k}-s{p['strides']}-p{p['padding']}-d{p['dilation']}" for xs, k, p in GEOMS]


@pytest.mark.parametrize("xs,k,p", GEOMS, ids=GEOM_IDS)
def test_conv2d_p_matches_general_conv(xs, k, p):
    # negative (cropping) padding included, which the loop reference cannot express
    x, w, _ = _geom(xs, k, p)
    ref = conv_p(x, w, strides=p["strides"], padding=p["padding"], lhs_dilation=(1, 1),
                 rhs_dilation=p["dilation"], groups=1)
    np.testing.assert_allclose(conv2d_p(x, w, **p), ref, **tol("composed"))


@pytest.mark.parametrize("xs,k,p", GEOMS, ids=GEOM_IDS)
def test_transpose_identities(xs, k, p):
    # <patches(x), c> = <x, fold(c)>;  <conv(x, w), y> = <x, dx(y, w)> = <w, dw(x, y)>
    x, w, y = _geom(xs, k, p)
    cols = patches_p(x, kernel=k, **p)
    c = rand(cols.shape, seed=3)
    back = fold_p(c, input_shape=xs, kernel=k, **p)
    assert back.shape == xs
    np.testing.assert_allclose(np.vdot(cols, c), np.vdot(x, back), **tol("roundoff"))
    conv = np.vdot(conv2d_p(x, w, **p), y)
    np.testing.assert_allclose(np.vdot(x, conv2d_dx_p(y, w, input_shape=xs, **p)), conv,
                               **tol("roundoff"))
    np.testing.assert_allclose(np.vdot(w, conv2d_dw_p(x, y, kernel=k, **p)), conv,
                               **tol("roundoff"))


def _prim_cases():
    out = []
    for (xs, k, p), gid in zip(GEOMS, GEOM_IDS, strict=True):
        x, w, y = _geom(xs, k, p)
        cols = patches_p(x, kernel=k, **p)
        out += [
            Case(f"patches[{gid}]", lambda x, k=k, p=p: patches_p(x, kernel=k, **p), (x,)),
            Case(f"fold[{gid}]", lambda c, xs=xs, k=k, p=p: fold_p(c, input_shape=xs, kernel=k,
                                                                     **p),
                 (rand(cols.shape, seed=3),)),
            Case(f"conv2d_p[{gid}]", lambda x, w, p=p: conv2d_p(x, w, **p), (x, w)),
            Case(f"conv2d_dx[{gid}]",
                 lambda y, w, xs=xs, p=p: conv2d_dx_p(y, w, input_shape=xs, **p), (y, w)),
            Case(f"conv2d_dw[{gid}]", lambda x, y, k=k, p=p: conv2d_dw_p(x, y, kernel=k, **p),
                 (x, y)),
        ]
    return out


@pytest.mark.parametrize("case", _prim_cases(), ids=case_id)
def test_im2col_primitives(case):
    check_case(case)


def test_conv2d_third_order():
    x, w = rand((1, 4, 4, 2)), rand((2, 2, 2, 2), seed=1)
    tg.check_grads(lambda x, w: np.sum(np.tanh(nn.conv2d(x, w, 1, "SAME"))), (x, w), order=3)


@pytest.mark.parametrize("axes", [(0, 0), (1, 2), (3, 4), (4, 0)])
@pytest.mark.parametrize("xs,k,p", GEOMS[:3], ids=GEOM_IDS[:3])
def test_vmap_both_arguments_batched(xs, k, p, axes):
    x, w, y = _geom(xs, k, p)
    b = 3
    xb = np.stack([x + 0.1 * i for i in range(b)], axes[0])
    wb = np.stack([w - 0.1 * i for i in range(b)], axes[1])
    yb = np.stack([y * (1 + i) for i in range(b)], axes[1])
    take = lambda a, ax, i: np.take(a, i, axis=ax)
    for fun, args in [
            (lambda x, w: conv2d_p(x, w, **p), (xb, wb)),
            (lambda y, w: conv2d_dx_p(y, w, input_shape=xs, **p), (yb, wb)),
            (lambda x, y: conv2d_dw_p(x, y, kernel=k, **p), (xb, yb))]:
        in_axes = (axes[0] if args[0] is xb else axes[1], axes[1])
        got = tg.vmap(fun, in_axes=in_axes)(*args)
        want = np.stack([fun(take(args[0], in_axes[0], i), take(args[1], in_axes[1], i))
                         for i in range(b)])
        np.testing.assert_allclose(got, want, **tol("composed"))


def test_vmap_of_second_derivatives():
    # per-example Hessian-vector products of a small CNN loss: batch rules of the
    # transposes under reverse-over-reverse
    x, w = rand((3, 1, 5, 5, 2)), rand((3, 3, 2, 2), seed=1)  # 3 examples
    v = rand(w.shape, seed=2)

    def loss(w, x):
        return np.sum(np.tanh(nn.conv2d(x, w, 1, "SAME")) ** 2)

    hvp = lambda x: tg.jvp(lambda w: tg.grad(loss)(w, x), (w,), (v,))[1]
    got = tg.vmap(hvp)(x)
    np.testing.assert_allclose(got, np.stack([hvp(xi) for xi in x]), **tol("composed"))
    gx = tg.grad(lambda x: np.sum(tg.grad(loss)(w, x) * v))
    np.testing.assert_allclose(tg.vmap(gx)(x), np.stack([gx(xi) for xi in x]), **tol("composed"))


def test_small_cnn_float32_stays_float32():
    x = rand((4, 8, 8, 1), dtype=np.float32)
    w1, w2 = rand((3, 3, 1, 4), seed=1, dtype=np.float32), rand((3, 3, 4, 5), seed=2,
                                                                  dtype=np.float32)

    def loss(w1, w2, x):
        h = nn.relu(nn.conv2d(x, w1))
        return np.mean(nn.relu(nn.conv2d(h, w2)))
    v, (g1, g2) = tg.value_and_grad(loss, argnums=(0, 1))(w1, w2, x)
    assert np.asarray(v).dtype == g1.dtype == g2.dtype == np.float32
    v64, (h1, h2) = tg.value_and_grad(loss, argnums=(0, 1))(*(a.astype(np.float64)
                                                              for a in (w1, w2, x)))
    np.testing.assert_allclose(g1, h1, **tol("composed", np.float32))
    np.testing.assert_allclose(g2, h2, **tol("composed", np.float32))


def test_unit_stride_input_cotangent_matches_the_general_fold():
    # the unit-stride path adds each tap as one flat shift; the general path slices
    from tangents.nn.conv import _conv2d_dx_impl, _fold_taps
    for xs, k, p in GEOMS:
        if p["strides"] != (1, 1):
            continue
        x, w, y = _geom(xs, k, p)
        rows = y.reshape(-1, y.shape[3])
        general = _fold_taps(lambda i, j: (rows @ w[i, j].T).reshape(y.shape[:3] + (xs[3],)),
                             y.shape[1:3], xs, k, p["strides"], p["padding"], p["dilation"],
                             y.dtype)
        np.testing.assert_allclose(_conv2d_dx_impl(y, w, input_shape=xs, **p), general,
                                   **tol("composed"))


def test_filter_gradient_from_kept_columns():
    # reverse mode keeps im2col's columns for the filter cotangent when (and only when) the
    # filter is differentiated; every combination must agree with forward mode
    x, w = rand((2, 6, 5, 3)), rand((3, 2, 3, 4), seed=1)

    def f(x, w):
        return nn.conv2d(x, w, 1, "SAME", 2)

    jx_fwd, jw_fwd = tg.jacfwd(f, argnums=(0, 1))(x, w)
    jx_rev, jw_rev = tg.jacrev(f, argnums=(0, 1))(x, w)
    np.testing.assert_allclose(jw_rev, jw_fwd, **tol("composed"))
    np.testing.assert_allclose(jx_rev, jx_fwd, **tol("composed"))
    np.testing.assert_allclose(tg.jacrev(f, argnums=1)(x, w), jw_fwd, **tol("composed"))
    np.testing.assert_allclose(tg.jacrev(f, argnums=0)(x, w), jx_fwd, **tol("composed"))
    # the backward pass itself differentiated in the cotangent (vjp of vjp_fn), and
    # linearize, which replays the tape forward
    _, pull = tg.vjp(f, x, w)
    ct = rand(f(x, w).shape, seed=2)
    _, pull_pull = tg.vjp(lambda c: pull(c)[1], ct)
    dw = rand(w.shape, seed=3)
    np.testing.assert_allclose(np.vdot(pull_pull(dw)[0], ct), np.vdot(pull(ct)[1], dw),
                               **tol("roundoff"))
    _, lin = tg.linearize(f, x, w)
    np.testing.assert_allclose(lin(x, dw), tg.jvp(f, (x, w), (x, dw))[1], **tol("composed"))
