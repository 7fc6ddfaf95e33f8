"""The local Dask cluster of a run (``tfpipe run --beam dask``, or ``--runner=DaskRunner``
without a scheduler): worker processes started as the run starts and stopped as it
ends, so that every Beam node of the run shares them."""
from __future__ import annotations

import contextlib
import logging
from typing import Iterator

from ..runners import dask_address, on_dask

DEFAULT_WORKERS = 2


@contextlib.contextmanager
def for_run(beam_pipeline_args, workers: int = DEFAULT_WORKERS) -> Iterator[tuple[str, ...]]:
    """``beam_pipeline_args``, pointed at a local cluster of ``workers`` processes (one
    thread each) for the block if they ask for Dask without naming a scheduler."""
    args = tuple(beam_pipeline_args)
    if not on_dask(args) or dask_address(args):
        yield args
        return
    import distributed

    from ... import quiet

    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
        silence_logs=logging.ERROR, env=quiet.worker_env())
    try:
        yield args + (f"--dask_client_address={cluster.scheduler_address}",)
    finally:
        cluster.close()
