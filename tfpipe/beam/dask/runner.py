"""tfpipe's Dask runner: Beam's ``DaskRunner``, able to run TFDV, TFT, TFMA and tfx-bsl.

It keeps Beam's options (``--dask_client_address``, ``--dask_connection_timeout``,
``--dask_scheduler_file``, ``--dask_client_name``, ``--dask_connection_limit``) and adds
Beam 2.69's ``--dask_npartitions`` (partitions of a shuffled or read PCollection; twice
the cluster's threads by default); ``DaskOptions`` here is 2.69's view of them all.
What Beam 2.60's runner lacks, and this one does (each could go upstream):

- every primitive translated, none passed through (``translate.py``), DoFns with their
  whole lifecycle, side inputs of every kind, tagged outputs, splittable DoFns (reads),
  windows, and every branch of the pipeline computed (a sink's finalize step too);
- CombinePerKey lifted (combined within each bundle before the shuffle), as the
  DirectRunner does; Reshuffle one shuffle of its elements, in order (a GroupByKey
  after a Create keeps each key's values in the given order, as on the DirectRunner);
- side inputs in windows other than the main input's, mapped with the side input's
  window mapping (Beam 2.69's own runner expects its test of it to fail);
- only the Dask options reach ``distributed.Client`` (2.60 passes every option, so
  ``--runner=DaskRunner`` itself fails there);
- no runner-API round trip of the pipeline before it runs.

What the workers need: tfpipe and the libraries installed; the user's module file (and
the modules it imports from its folder) is uploaded to every worker for the run.
"""
from __future__ import annotations

import os
import uuid

from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.dask.dask_runner import DaskOptions as BeamDaskOptions
from apache_beam.runners.dask.dask_runner import DaskRunner as BeamDaskRunner
from apache_beam.runners.runner import PipelineResult, PipelineState

from ...errors import ExecutionError

MODULE_FILE_ENV = "TFPIPE_MODULE_FILE"  # set while a node's Beam pipeline may need it
CONNECT_TIMEOUT_S = 10


class TfpipeDaskOptions(PipelineOptions):
    """What tfpipe's runner adds to Beam 2.60's Dask options: ``--dask_npartitions``, as
    Beam 2.69 names it (its ``dest`` is ``npartitions``)."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument(
            "--dask_npartitions", dest="npartitions", type=int, default=None,
            help="Partitions of each shuffled or read PCollection on the Dask runner "
            "(default: twice the threads of the cluster's workers).")


class DaskOptions(TfpipeDaskOptions, BeamDaskOptions):
    """Every option of tfpipe's Dask runner in one view, as Beam 2.69's ``DaskOptions``
    (Beam's connection options, and ``npartitions``)."""

    @staticmethod
    def _extract_bag_kwargs(dask_options: dict) -> dict:
        """The partitioning options, taken out of ``dask_options`` (Beam 2.69's API)."""
        out = {}
        for name in ("npartitions", "partition_size"):
            value = dask_options.pop(name, None)
            if value:
                out[name] = value
        return out


class DaskClusterError(ExecutionError):
    """The Dask cluster cannot be reached or cannot run the pipeline's code."""


def client_options(options) -> dict:
    """The keyword arguments for ``distributed.Client``: Beam's Dask options only."""
    dask = options.view_as(BeamDaskOptions)
    wanted = {"address": dask.address, "scheduler_file": dask.scheduler_file,
              "name": dask.name, "connection_limit": dask.connection_limit,
              "timeout": dask.timeout}
    import dask as dask_lib

    if wanted["timeout"] in (None, dask_lib.config.no_default):
        wanted["timeout"] = CONNECT_TIMEOUT_S
    return {k: v for k, v in wanted.items() if v is not None}


def connect(options, address: str | None = None):
    """A client of the cluster the options name (else ``address``; else a local cluster
    for this pipeline, as Beam's runner does), or a DaskClusterError saying what to do."""
    import distributed

    kwargs = client_options(options)
    if address and not (kwargs.get("address") or kwargs.get("scheduler_file")):
        kwargs["address"] = address
    where = kwargs.get("address") or kwargs.get("scheduler_file")
    try:
        if kwargs.get("address"):
            _probe(kwargs["address"])
        if where is None:
            cluster = distributed.LocalCluster(processes=True, threads_per_worker=1,
                                               dashboard_address=None)
            client = distributed.Client(cluster, set_as_default=False)
            client._tfpipe_cluster = cluster  # noqa: SLF001 - closed with the client
            return client
        return distributed.Client(set_as_default=False, **kwargs)
    except (OSError, TimeoutError, ValueError) as exc:
        raise DaskClusterError(
            f"no Dask scheduler answers at {where} ({type(exc).__name__}: {exc}).",
            fix="start one (`dask scheduler` and `dask worker ADDRESS` on each host), "
            "check the address, or run with `--beam dask` for a local cluster") from None


def _probe(address: str) -> None:
    """Refused at once where nothing listens, rather than retried until the timeout."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        socket.create_connection((parts.hostname, parts.port), timeout=CONNECT_TIMEOUT_S).close()


class DaskRunner(BeamDaskRunner):
    """Beam's DaskRunner, with every primitive that TFX's libraries use translated."""

    def __init__(self, task_prefix: str = "", address: str | None = None):
        """``task_prefix`` starts the name of every task (tfpipe: the node's id, as the
        Dask dashboard shows it); ``address``: the scheduler's, if the options name none."""
        super().__init__()
        self.task_prefix, self.address = task_prefix, address

    @staticmethod
    def is_fnapi_compatible():
        return True  # run the pipeline as it was built, without a runner-API round trip

    def run_pipeline(self, pipeline, options):
        from .translate import TaskGraph

        client = connect(options, self.address)
        try:
            check_workers(client)
            ship_user_code(client)
            pipeline.replace_all(overrides())
            npartitions = options.view_as(DaskOptions).npartitions or \
                2 * max(1, sum(client.nthreads().values()))
            run = uuid.uuid4().hex[:12]
            graph = TaskGraph(run, npartitions, self.task_prefix)
            pipeline.visit(graph)
            sinks = graph.sinks()
            futures = client.get(fused(graph.tasks, sinks), sinks, sync=False)
        except BaseException:
            close(client)
            raise
        return DaskResult(client, futures, run)


def fused(tasks: dict, sinks: list) -> dict:
    """The graph with each chain of tasks that feed one task only made one task (Beam's
    fusion: a partition goes through a chain of ParDos in one task, on one worker,
    without being stored or sent in between); keys keep their names."""
    from dask.optimization import cull, fuse

    tasks, dependencies = cull(tasks, sinks)
    tasks, _ = fuse(tasks, sinks, dependencies=dependencies, rename_keys=False)
    return tasks


def overrides():
    """CombinePerKey lifted, as on the DirectRunner (Beam's own LiftedCombinePerKey:
    a ParDo combining each bundle's values per key, GroupByKey, a ParDo merging), and
    Reshuffle as one shuffle of its elements (``translate.Reshuffled``)."""
    from apache_beam.pipeline import PTransformOverride
    from apache_beam.runners.direct.helper_transforms import LiftedCombinePerKey
    from apache_beam.transforms.core import CombinePerKey
    from apache_beam.transforms.util import Reshuffle

    from .translate import Reshuffled

    class Lift(PTransformOverride):
        def matches(self, applied):
            return isinstance(applied.transform, CombinePerKey) and \
                not applied.side_inputs

        def get_replacement_transform_for_applied_ptransform(self, applied):
            transform = applied.transform
            try:
                return LiftedCombinePerKey(transform.fn, transform.args, transform.kwargs)
            except NotImplementedError:  # deferred side inputs: combined unlifted
                return transform

    class Deal(PTransformOverride):
        def matches(self, applied):
            return isinstance(applied.transform, Reshuffle)

        def get_replacement_transform_for_applied_ptransform(self, applied):
            return Reshuffled()

    return [Lift(), Deal()]


def check_workers(client) -> None:
    """Every worker can import tfpipe's Dask worker code (and so tfpipe)."""
    import importlib

    if not client.nthreads():
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S * 3)
    answers = client.run(importlib.import_module, "tfpipe.beam.dask.worker",
                         on_error="return")
    broken = {w: a for w, a in answers.items() if isinstance(a, BaseException)}
    if broken:
        worker, error = next(iter(broken.items()))
        raise DaskClusterError(
            f"{len(broken)} of {len(answers)} Dask workers cannot import tfpipe "
            f"(e.g. {worker}: {type(error).__name__}: {error}).",
            fix="install tfpipe and its libraries on every worker host "
            "(pip install -c constraints.txt tfpipe), the same version as here")


def ship_user_code(client) -> None:
    """Upload the node's module file, and the modules it imports from its folder, to
    every worker (each imports it: an import that fails there is reported here); a TFX
    module file's ``import tfx`` finds tfpipe's on the workers too."""
    module_file = os.environ.get(MODULE_FILE_ENV)
    if not module_file:
        return
    from ... import tfx_imports
    from ...fingerprint import local_imports
    from . import worker

    if tfx_imports.in_use():
        client.register_plugin(worker.TfxShim())
    files = [os.path.abspath(module_file)] + [
        p for p in local_imports(module_file) if os.path.abspath(p) != os.path.abspath(module_file)]
    for path in reversed(files):  # what the module file imports, first
        try:
            client.upload_file(path)
        except Exception as exc:  # noqa: BLE001 - the worker's import error, as it is
            raise DaskClusterError(
                f"a Dask worker cannot import {os.path.basename(path)} (uploaded from "
                f"{path}): {type(exc).__name__}: {exc}.", where=path,
                fix="install what it imports on every worker host, or make it part of "
                "the module file's folder") from None


def close(client) -> None:
    cluster = getattr(client, "_tfpipe_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


class DaskResult(PipelineResult):
    """A pipeline running on the cluster; ``wait_until_finish`` raises the first task
    error, as Beam's DirectRunner raises a DoFn's."""

    def __init__(self, client, futures, run: str):
        super().__init__(PipelineState.RUNNING)
        self.client, self.futures, self.run = client, futures, run

    def wait_until_finish(self, duration=None):
        if self._state != PipelineState.RUNNING:
            return self._state
        from distributed import as_completed

        try:  # the first task error is raised as soon as it happens
            for _ in as_completed(self.futures, with_results=True, raise_errors=True,
                                  loop=self.client.loop,
                                  timeout=None if duration is None else duration / 1000):
                pass
            self._state = PipelineState.DONE
        except BaseException as exc:
            self._state = PipelineState.FAILED
            self.client.cancel(self.futures)
            raise _explained(exc) from None
        finally:
            self._finish()
        return self._state

    def _finish(self) -> None:
        from . import worker

        try:
            self.client.run(worker.teardown, self.run, on_error="return")
        finally:
            close(self.client)

    def cancel(self):
        self.client.cancel(self.futures)
        self._finish()
        self._state = PipelineState.CANCELLED
        return self._state

    def metrics(self):
        from apache_beam.metrics.metric import MetricResults

        class NoMetrics(MetricResults):
            def query(self, filter=None):  # noqa: A002 - Beam's signature
                return {"counters": [], "distributions": [], "gauges": []}

        return NoMetrics()


def _explained(exc: BaseException) -> BaseException:
    """A worker that died (killed, out of memory) as one clear error; others as raised."""
    try:
        from distributed.scheduler import KilledWorker
    except ImportError:  # pragma: no cover
        return exc
    if isinstance(exc, KilledWorker):
        return DaskClusterError(
            f"Dask workers died running a task of this node ({exc}); Dask retried it "
            f"on other workers and gave up.",
            fix="check the workers' memory and logs (`dask worker --memory-limit`), "
            "then run again: finished nodes come from the cache")
    return exc
