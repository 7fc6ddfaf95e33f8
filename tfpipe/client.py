"""``tfpipe.Client``: read what a metadata store recorded, from Python.

    import tfpipe

    client = tfpipe.Client(pipeline_root="pipelines/penguin/tfpipe_output")
    for run in client.runs(state="FAILED"):
        print(run.run_id, run.state, run.duration)
    run = client.run(client.runs()[0].run_id)
    print([(n.node_id, n.state, n.cache_reason) for n in run.nodes])

Read-only: it opens the store read-only and never writes. Every method returns small
frozen dataclasses (never MLMD protos). It is the one query layer of the look-only
commands (``tfpipe runs``, ``lineage``, ``models``, ``report``) and of ``tfpipe ui``,
built on ``tfpipe/metadata/``. Importing it imports neither TensorFlow nor Beam.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from .errors import NotFoundError
from .metadata import lineage as lineage_io
from .metadata import models as models_io
from .metadata import runs as runs_io
from .metadata.history import SpanRecord, span_history
from .metadata.lineage import ArtifactInfo, Lineage, parse_id
from .metadata.locate import locate
from .metadata.models import ModelDetails, ModelVersion
from .metadata.runs import NodeRun, Run
from .metadata.store import connect, describe

STATES = ("COMPLETE",) + runs_io.UNFINISHED
DIRECTIONS = ("both", "up", "down")

__all__ = ["ArtifactInfo", "Client", "Lineage", "ModelDetails", "ModelVersion", "NodeDetail",
           "Port", "Run", "RunDetail", "SpanRecord", "parse_id"]


@dataclass(frozen=True)
class Port:
    """One input or output of a node in a run: its name and the artifact."""

    name: str
    artifact: ArtifactInfo


@dataclass(frozen=True)
class NodeDetail(NodeRun):
    """A node's execution in a run (state, times, ``parameters``, ``cache_parts``,
    ``error``), with why it ran or came from the cache, and what it read and wrote."""

    cache_reason: str = ""
    inputs: tuple[Port, ...] = ()
    outputs: tuple[Port, ...] = ()

    @property
    def cached(self) -> bool:
        return self.state == "CACHED"


@dataclass(frozen=True)
class RunDetail(Run):
    """A run (``state``, ``started``, ``duration``, ``trigger``, ...) whose ``nodes`` are
    NodeDetails, with its graph's ``edges`` (upstream node, downstream node)."""

    edges: tuple[tuple[str, str], ...] = ()


def _fields(record) -> dict:
    return {f.name: getattr(record, f.name) for f in fields(record)}


class Client:
    """A read-only view of one ML Metadata store.

    ``metadata`` is a SQLite path, ``sqlite:///path`` or ``mysql://user:pw@host:port/db``;
    or give ``pipeline_root`` (its ``metadata.sqlite``) or ``pipeline_file`` (the store
    that pipeline records to; then ``pipeline`` is its name). With none, the current
    folder's store is used, as ``tfpipe runs`` finds it. A store that does not exist is
    a ``tfpipe.MetadataError``."""

    def __init__(self, metadata: str | None = None, *, pipeline_root: str | None = None,
                 pipeline_file: str | None = None, params: dict | None = None,
                 near: str | None = None):
        self.located = locate(metadata=metadata, pipeline_root=pipeline_root,
                              pipeline_file=pipeline_file, params=params, near=near)
        self.store = connect(self.located.target, readonly=True)

    @property
    def pipeline(self) -> str | None:
        """The pipeline named by ``pipeline_file``, if one was given."""
        return self.located.pipeline_name

    @property
    def label(self) -> str:
        """Where the store is, for a user to read (a URL without its password)."""
        return describe(self.located.target)

    def pipelines(self) -> list[str]:
        """The names of the pipelines recorded in the store, sorted."""
        return runs_io.pipelines(self.store)

    def runs(self, pipeline: str | None = None, state: str | None = None,
             limit: int | None = None, offset: int = 0) -> list[Run]:
        """The runs (of ``pipeline``, in ``state``: COMPLETE, FAILED, CANCELED or
        RUNNING), newest first; ``limit`` of them from ``offset`` on (all by default).
        Each node has its state, times, error (first line) and skipped reason; ``run(id)``
        has its parameters, cache-key parts and ports."""
        return runs_io.list_runs(self.store, pipeline, self._state(state), limit, offset)

    def count_runs(self, pipeline: str | None = None, state: str | None = None) -> int:
        """How many runs ``runs(pipeline, state)`` would return."""
        return len(runs_io.select_runs(self.store, pipeline, self._state(state)))

    @staticmethod
    def _state(state: str | None) -> str | None:
        if state is not None and state.upper() not in STATES:
            raise NotFoundError(f"unknown run state {state!r}.",
                                fix=f"use one of {', '.join(STATES)}")
        return state.upper() if state else None

    def run(self, run_id: str | None = None, pipeline: str | None = None) -> RunDetail:
        """The run ``run_id`` (a unique prefix is enough; the latest run if None), with
        each node's state, times, parameters, cache key parts and why it ran or was
        reused, its inputs and outputs, and its error."""
        run = runs_io.get_run(self.store, run_id, pipeline)
        inputs, outputs = runs_io.run_ports(self.store, run)
        ids = {a for by in (inputs, outputs) for ports in by.values() for a in ports.values()}
        artifacts = {a.id: a for a in lineage_io.get_artifacts(self.store, ids)}
        reasons = runs_io.cache_reasons(self.store, run, outputs)

        def ports(found: dict[str, int]) -> tuple[Port, ...]:
            return tuple(Port(name, artifacts[a]) for name, a in sorted(found.items())
                         if a in artifacts)
        nodes = tuple(NodeDetail(**_fields(n), cache_reason=reasons.get(n.node_id, ""),
                                 inputs=ports(inputs[n.node_id]),
                                 outputs=ports(outputs[n.node_id])) for n in run.nodes)
        return RunDetail(**{**_fields(run), "nodes": nodes},
                         edges=tuple(sorted(runs_io.edges(inputs, outputs) | run.planned_edges)))

    def artifact(self, artifact_id: int) -> ArtifactInfo:
        """One artifact by id; NotFoundError if the store has none with that id."""
        found = lineage_io.get_artifacts(self.store, [int(artifact_id)])
        if not found:
            raise NotFoundError(f"no artifact with id {artifact_id} in {self.label}.",
                                fix="give an id that `tfpipe report` or `tfpipe lineage` "
                                "showed")
        return found[0]

    def artifacts(self, type: str | None = None,  # noqa: A002 - the word users expect
                  pipeline: str | None = None) -> list[ArtifactInfo]:
        """The artifacts of a type (``"Model"``, ``"ExampleStatistics"``, ...) and/or a
        pipeline, newest first."""
        return lineage_io.list_artifacts(self.store, type, pipeline)

    def models(self, pipeline: str | None = None) -> list[ModelVersion]:
        """The model registry: every pushed version, oldest first, with its metrics,
        the spans it trained on and the baseline it beat."""
        return models_io.list_models(self.store, pipeline)

    def model(self, ref: str | int, pipeline: str | None = None) -> ModelVersion:
        """A pushed version by number, or ``latest`` / ``previous``."""
        return models_io.find_version(self.models(pipeline), str(ref))

    def model_details(self, version: ModelVersion) -> ModelDetails:
        """The parameters and code hashes of the executions that made the model."""
        return models_io.details(self.store, version)

    def span_history(self, pipeline: str) -> list[SpanRecord]:
        """Each span ``pipeline`` ingested: statistics, drift and the model trained."""
        return span_history(self.store, pipeline)

    def find_artifact(self, ref: str | int) -> int:
        """The id of an artifact given as an id, a URI or a path inside one, or a pushed
        model's folder."""
        return lineage_io.find_artifact(self.store, str(ref), f"the metadata store {self.label}")

    def lineage(self, artifact: str | int, direction: str = "both") -> Lineage:
        """Where ``artifact`` (an id, URI, path inside one or pushed model folder) came
        from (``up``), what was made from it (``down``), or ``both``."""
        if direction not in DIRECTIONS:
            raise NotFoundError(f"unknown lineage direction {direction!r}.",
                                fix="use both, up or down")
        return lineage_io.trace(self.store, self.find_artifact(artifact),
                                upstream=direction != "down", downstream=direction != "up")
