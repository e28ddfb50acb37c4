"""Fixtures for the Dask backend's tests: one local cluster of two process workers for the whole session
(starting one costs seconds), skipped with a reason when Dask is not installed."""

from __future__ import annotations

import logging
import os
import sys

import pytest

BEHAVE = os.path.join(os.path.dirname(__file__), "behave.py")


@pytest.fixture(scope="session")
def dask_cluster():
    distributed = pytest.importorskip(
        "distributed", reason="needs the dask extra: pip install 'nni-annot[dask]'"
    )
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
    )
    yield cluster
    cluster.close()


@pytest.fixture(scope="session")
def dask_client(dask_cluster):
    import distributed

    client = distributed.Client(dask_cluster, set_as_default=False)
    yield client
    client.close()


@pytest.fixture
def dask_backend_factory(dask_client):
    """``make(tmp_path, command=None, **options)``: a DaskBackend on the session's cluster shipping the
    command's script (behave.py by default); ``code_dir``, ``cwd`` and ``upload`` shape the bundle."""
    from nniannot.runner.backends.dask import DaskBackend
    from tests.runner.snapshots import bundle_for

    def make(tmp_path, command=None, **options):
        command = command or [sys.executable, BEHAVE]
        code_dir = options.pop("code_dir", os.path.dirname(BEHAVE))
        cwd = options.pop("cwd", str(tmp_path))
        bundle = bundle_for(tmp_path, command, cwd, code_dir, options.pop("upload", []))
        return DaskBackend(
            client=dask_client, bundle=bundle, kill_grace=options.pop("kill_grace", 2.0), **options
        )

    return make
