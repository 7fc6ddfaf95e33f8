"""Which Beam runner a node's pipeline runs on, from the pipeline's ``beam_pipeline_args``
(or ``tfpipe run --beam``): the DirectRunner (one process or ``multi_processing``),
tfpipe's Dask runner, or whatever Beam runner the arguments name (Flink, Spark,
Dataflow: passed through, untested here)."""
from __future__ import annotations

DASK_NAMES = ("DaskRunner", "dask", "apache_beam.runners.dask.dask_runner.DaskRunner",
              "tfpipe.beam.dask.runner.DaskRunner")


from .warm_workers import _option as option  # the last value of --name=value / --name value


def on_dask(args) -> bool:
    return option(args, "runner") in DASK_NAMES


def dask_address(args) -> str | None:
    return option(args, "dask_client_address") or option(args, "dask_scheduler_file")


def runner_for(args, node_id: str):
    """A runner instance for a node's pipeline, or None for the one Beam picks."""
    if on_dask(args):
        from .dask.runner import DaskRunner

        return DaskRunner(task_prefix=f"{node_id}/")
    return None


def beam_args(target: str, dask_workers: int = 2) -> tuple[str, ...]:
    """``beam_pipeline_args`` for ``--beam TARGET``: ``direct``, ``multiprocessing``
    (``--direct_num_workers`` from ``dask_workers``), ``dask`` (a local cluster the run
    starts) or ``dask://HOST:PORT`` (a running scheduler)."""
    if target == "direct":
        return ("--runner=DirectRunner",)
    if target in ("multiprocessing", "multi_processing"):
        return ("--runner=DirectRunner", "--direct_running_mode=multi_processing",
                f"--direct_num_workers={dask_workers}")
    if target == "dask":
        return ("--runner=DaskRunner",)
    if target.startswith(("dask://", "tcp://")):
        host = target.split("://", 1)[1]
        if not host:
            raise ValueError(f"--beam {target}: no scheduler address after ://")
        return ("--runner=DaskRunner", f"--dask_client_address=tcp://{host}")
    raise ValueError(f"--beam {target!r}: expected direct, multiprocessing, dask or "
                     f"dask://HOST:PORT")


def with_beam_args(args, extra) -> tuple[str, ...]:
    """``args`` with the runner options of ``extra`` in place of their own."""
    replaced = {a.split("=", 1)[0] for a in extra}
    runner_options = ("--runner", "--direct_running_mode", "--direct_num_workers",
                      "--dask_client_address", "--dask_scheduler_file")
    if "--runner" in replaced:
        replaced |= set(runner_options)
    kept = [a for a in args if a.split("=", 1)[0] not in replaced]
    return tuple(kept) + tuple(extra)


def ir_with_beam(ir, target: str | None, dask_workers: int = 2):
    """``ir`` with the Beam runner ``--beam TARGET`` names, if given."""
    if target is None:
        return ir
    return ir.with_options(beam_pipeline_args=with_beam_args(
        ir.beam_pipeline_args, beam_args(target, dask_workers)))
