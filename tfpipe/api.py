"""What a user calls from Python (``python pipeline.py``, a notebook): run a pipeline
locally with the progress display of ``tfpipe run``."""
from __future__ import annotations

from typing import Sequence

from . import events
from .compiler import PipelineIR
from .dsl.pipeline import Pipeline
from .runners.local import run_locally
from .views.progress import TerminalProgress


def run_pipeline(pipeline: Pipeline | PipelineIR, *, quiet: bool = False,
                 explain_cache: bool = False, listener: events.Listener | None = None,
                 from_node: str | Sequence[str] | None = None,
                 to_node: str | Sequence[str] | None = None, parallelism: int = 2,
                 trigger: str | None = None):
    """Run ``pipeline`` locally on Apache Beam, recording to its MLMD store; prints
    progress and a summary (nothing with ``quiet``; ``explain_cache`` says why each node
    missed the cache; ``listener`` receives the ``tfpipe.events`` instead). Raises the
    first failed node's TfpipeError; returns the RunResult."""
    if listener is None:
        listener = events.silent if quiet else TerminalProgress(explain=explain_cache)
    return run_locally(pipeline, listener=listener, from_node=from_node, to_node=to_node,
                       parallelism=parallelism, trigger=trigger)


def serve(target: str, **options) -> None:
    """Serve the model versions of ``target`` (a push destination or a pipeline file) over
    TF Serving's REST API until interrupted, as ``tfpipe serve`` does; see
    ``tfpipe.serving.serve.serve`` for the options (``model_name``, ``host``, ``port``,
    ``poll_seconds``, ``version_policy``, ``log_requests``, ``sample_rate``, ...)."""
    from .serving.serve import serve as run_server

    run_server(target, **options)
