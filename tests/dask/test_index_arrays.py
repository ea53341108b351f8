"""Dask integer arrays used as indices (embedding lookups and label picks with Dask labels)
stay lazy under every reverse transform: a scheduler that raises is active, the results are
Dask arrays equal to NumPy's on the same data, the graph grows with the chunks (not the
rows), and what Dask cannot take lazily raises a clear error instead of computing."""
import pickle

import numpy as np
import pytest
from harness import tol

import tangents as tg

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

RNG = np.random.default_rng(3)
N, V, D = 60, 7, 4
LABELS = RNG.integers(-V, V, N)  # repeated entries accumulate; negative ones wrap
XN = RNG.standard_normal((N, D))
PARAMS = {"E": RNG.standard_normal((V, D)), "W": RNG.standard_normal((D, V))}


def _arange(labels):
    """``np.arange(N)`` for NumPy labels, ``da.arange(N)`` for Dask ones."""
    mod = da if isinstance(labels, da.Array) else np
    return mod.arange(labels.shape[0])


def _logp(p, X):
    return tg.nn.log_softmax(X @ p["W"], axis=1)


# the four ways of indexing with labels, each mixing the gathered rows with the data
FORMS = {
    "E[labels]": lambda p, X, lab: np.sum(np.tanh(p["E"][lab]) * X),
    "take(E, labels, axis=0)": lambda p, X, lab: np.sum(np.take(p["E"], lab, axis=0) ** 2 * X),
    "logp[np.arange(N), labels]": lambda p, X, lab: -np.mean(
        _logp(p, X)[np.arange(lab.shape[0]), lab]),
    "logp[da.arange(N), labels]": lambda p, X, lab: -np.mean(_logp(p, X)[_arange(lab), lab]),
    "take_along_axis(logp, labels[:, None], 1)": lambda p, X, lab: -np.mean(
        np.take_along_axis(_logp(p, X), lab[:, None] % V, axis=1)),
    "E[labels2d]": lambda p, X, lab: np.sum(np.sin(p["E"][lab.reshape(N // 2, 2)]) ** 2),
    "E[None, labels, 1:]": lambda p, X, lab: np.sum(np.cos(p["E"][None, lab, 1:]) * X[:, 1:]),
}

TRANSFORMS = {
    "grad": lambda f, p: tg.grad(f)(p),
    "value_and_grad": lambda f, p: tg.value_and_grad(f)(p),
    "vjp": lambda f, p: (lambda out, pull: (out, pull(1.0)))(*tg.vjp(f, p)),
}


def _lazy(chunks=15):
    return da.from_array(XN, chunks=(chunks, D)), da.from_array(LABELS, chunks=chunks)


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("form", FORMS)
def test_dask_labels_as_indices_compute_nothing_and_equal_numpy(form, transform, no_compute):
    fun, apply = FORMS[form], TRANSFORMS[transform]
    params = {k: PARAMS[k] for k in ("W" if "logp" in form else "E")}  # the one it uses
    X, labels = _lazy()
    with no_compute():
        got = apply(lambda p: fun(p, X, labels), params)
    leaves = tg.tree.leaves(got)
    assert all(isinstance(g, da.Array) for g in leaves), [type(g) for g in leaves]
    want = apply(lambda p: fun(p, XN, LABELS), params)
    got = dask.compute(got, scheduler="sync")[0]
    assert tg.tree.structure(got) == tg.tree.structure(want)
    for g, w in zip(tg.tree.leaves(got), tg.tree.leaves(want)):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, **tol("composed"))


def _graph(rows, chunks, form):
    rs = da.random.RandomState(0)
    X = rs.standard_normal((rows, D), chunks=(rows // chunks, D))
    labels = rs.randint(0, V, rows, chunks=rows // chunks)
    fun, key = FORMS[form], "W" if "logp" in form else "E"
    g = tg.grad(lambda w: fun({key: w}, X, labels))(PARAMS[key])
    return dict(g.__dask_graph__())


@pytest.mark.parametrize("form", ["E[labels]", "logp[np.arange(N), labels]",
                                  "take_along_axis(logp, labels[:, None], 1)"])
def test_graph_grows_with_chunks_not_rows(form, no_compute):
    from dask.core import get_dependencies
    with no_compute():
        small, large = _graph(10**3, 4, form), _graph(10**5, 4, form)
        many = _graph(64 * 50, 64, form)
    size_small, size_large = len(pickle.dumps(small)), len(pickle.dumps(large))
    assert size_large <= 1.5 * size_small, (size_small, size_large)  # no O(rows) array
    assert len(large) == len(small)
    fan_in = max(len(get_dependencies(many, k)) for k in many)
    assert fan_in <= 8, f"a task of the gradient reads {fan_in} others (64 chunks)"


def test_out_of_range_dask_label_raises_when_computed(no_compute):
    X, _ = _lazy()
    labels = da.from_array(np.where(np.arange(N) == 40, V, LABELS), chunks=15)
    with no_compute():
        g = tg.grad(lambda p: FORMS["E[labels]"](p, X, labels))(PARAMS)
    with pytest.raises(IndexError, match=f"index {V} of a Dask index array is out of bounds"):
        dask.compute(g, scheduler="sync")


UNSUPPORTED = {
    "separated": (lambda E, lab: E[lab, :, lab], "next to each other"),
    "boolean-mask": (lambda E, lab: E[lab > 0], "boolean mask"),
    "float-index": (lambda E, lab: E[lab * 1.0], "integer"),
}


@pytest.mark.parametrize("name", UNSUPPORTED)
def test_what_dask_cannot_index_lazily_raises_clearly(name, no_compute):
    fun, message = UNSUPPORTED[name]
    E = RNG.standard_normal((V, 3, V))
    labels = da.from_array(LABELS, chunks=15)
    with no_compute(), pytest.raises((NotImplementedError, IndexError), match=message):
        tg.grad(lambda E: np.sum(fun(E, labels)))(E)


ROW_PICKS = {
    "logp[np.arange(N), labels]": lambda x, lab: x[np.arange(N), lab],
    "take_along_axis(logp, labels[:, None], 1)": lambda x, lab: np.take_along_axis(
        x, lab[:, None], axis=1),
}


@pytest.mark.parametrize("form", ROW_PICKS)
def test_row_picks_from_data_stay_in_their_rows_chunks(form, no_compute):
    # the row index is the identity: each chunk of rows gathers from, and scatters its
    # cotangent into, its own rows only (not a data-sized buffer per chunk summed after)
    pick = ROW_PICKS[form]
    logp = da.from_array(RNG.standard_normal((N, V)), chunks=(15, V))
    labels = da.from_array(LABELS, chunks=20)
    with no_compute():
        ans, pull = tg.vjp(lambda x: np.sin(pick(x, labels)), logp)
        (ct,) = pull(da.ones(ans.shape, chunks=ans.chunks))
    assert ans.chunks[0] == logp.chunks[0] and ct.chunks == logp.chunks, (ans.chunks, ct.chunks)
    want_ans, want_pull = tg.vjp(lambda x: np.sin(pick(x, LABELS)), logp.compute())
    np.testing.assert_allclose(ans.compute(), want_ans, **tol("composed"))
    np.testing.assert_allclose(ct.compute(), want_pull(np.ones(want_ans.shape))[0],
                               **tol("composed"))
