"""Fixtures of the Dask tests: a scheduler that refuses to compute (for the tests that a
transform builds a graph and computes nothing), and a real LocalCluster with worker
processes (for the end-to-end tests)."""
import contextlib

import pytest


def _refuse_to_compute(*args, **kwargs):
    raise AssertionError("computed inside a transform")


@pytest.fixture
def no_compute():
    """A context manager under which any Dask compute raises AssertionError."""
    dask = pytest.importorskip("dask")
    return lambda: dask.config.set(scheduler=_refuse_to_compute)


@pytest.fixture(scope="module")
def cluster_client():
    """A dask.distributed Client of a LocalCluster of 2 worker processes, 1 thread each."""
    distributed = pytest.importorskip("distributed")
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0",
            memory_limit="1GiB"))
        yield stack.enter_context(distributed.Client(cluster))
