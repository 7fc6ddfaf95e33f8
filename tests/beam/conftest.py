"""A real dask.distributed cluster of worker processes, shared by the Dask tests, and a
record of the tasks its scheduler saw."""
from __future__ import annotations

import logging

import pytest


class TaskNames:
    """A scheduler plugin: the name of every task that finished on the cluster."""

    name = "tfpipe-test-task-names"

    def __init__(self):
        self.names: list[str] = []

    def transition(self, key, start, finish, *args, **kwargs):
        if finish == "memory":
            self.names.append(key[0] if isinstance(key, tuple) else str(key))


@pytest.fixture(scope="session")
def dask_cluster():
    """A LocalCluster of 2 worker processes (one thread each), as `dask worker` runs them."""
    distributed = pytest.importorskip("distributed")
    from distributed.diagnostics.plugin import SchedulerPlugin

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    plugin = type("Recorder", (TaskNames, SchedulerPlugin), {})()
    cluster.scheduler.add_plugin(plugin)
    cluster.task_names = plugin.names
    yield cluster
    cluster.close()


@pytest.fixture(scope="session")
def dask_address(dask_cluster) -> str:
    return dask_cluster.scheduler_address
