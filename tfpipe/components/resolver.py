"""Resolvers: nodes that pick existing artifacts from MLMD instead of making new ones.

- ``LatestBlessedModelResolver``: the newest blessed model of this pipeline.
- ``RollingWindowResolver``: the Examples of the last N spans a node ingested, so a
  window reuses the spans already ingested (their ExampleGen and StatisticsGen
  executions are not run again).
- ``LatestArtifactResolver``: the newest artifact of each given type (TFX's
  LatestArtifactStrategy).
- ``PreviousSpanResolver``: the statistics of the span before the current one, the
  baseline for drift.

None of them comes from the cache: their answer depends on the store, not their inputs.

LatestBlessedModelResolver

Use its ``model`` output as the Evaluator's ``baseline_model`` (and give it the
Trainer's model as ``candidate``): on the first run
nothing is blessed yet, the output is empty and the Evaluator gets no baseline (so
change thresholds are skipped); afterwards it is the model of the newest LIVE
ModelBlessing with ``blessed == 1`` recorded in this pipeline. The node never comes
from the cache: its answer depends on the store, not on its inputs.
"""
from __future__ import annotations

import os

from ..artifacts import Artifact
from ..dsl import (ExampleStatistics, Examples, ExecutionContext, Input, Model, ModelBlessing,
                   Node, Output, Parameter, component)
from ..dsl.component import caller_location
from ..errors import DefinitionError, ExecutionError
from ..metadata import artifacts as artifact_io
from ..metadata import producers
from ..metadata.types import PIPELINE

MODEL_ID_PROPERTY = "current_model_id"  # set on each blessing by the Evaluator, as in TFX


def _usable(artifact) -> bool:
    return artifact is not None and artifact.state == "LIVE" and os.path.exists(artifact.uri)


def latest_blessed_model(store, pipeline_name: str, exclude: int | None = None,
                         not_trained_on: set[int] = frozenset()
                         ) -> tuple[Model | None, ModelBlessing | None]:
    """The newest (model, blessing) of ``pipeline_name`` whose blessing says blessed and
    whose model still exists, other than the model with id ``exclude`` and models whose
    Trainer read any artifact in ``not_trained_on``; (None, None) if there is none."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    ctx = store.get_context_by_type_and_name(PIPELINE, pipeline_name)
    if ctx is None:
        return None, None
    protos = [a for a in store.get_artifacts_by_context(ctx.id) if a.state == pb.Artifact.LIVE
              and "blessed" in a.custom_properties
              and a.custom_properties["blessed"].int_value == 1]
    protos.sort(key=lambda a: (a.create_time_since_epoch, a.id), reverse=True)
    for candidate in artifact_io.get(store, [a.id for a in protos]):
        if not isinstance(candidate, ModelBlessing) or not os.path.exists(candidate.uri):
            continue
        model_id = candidate.custom_properties.get(MODEL_ID_PROPERTY)
        model = next(iter(artifact_io.get(store, [int(model_id)])), None) \
            if model_id is not None else None
        if isinstance(model, Model) and _usable(model) and model.id != exclude and \
                not (not_trained_on and _trained_on(store, model) & not_trained_on):
            return model, candidate
    return None, None


def _trained_on(store, model: Model) -> set[int]:
    found = producers.producer(store, model.id)
    return producers.input_ids(store, found[0]) if found else set()


@component(cacheable=False)
def LatestBlessedModelResolver(model: Output[Model], model_blessing: Output[ModelBlessing],
                               candidate: Input[Model] = None,
                               examples: Input[list[Examples]] = None,
                               context: ExecutionContext = None):
    """Resolve the latest blessed model of this pipeline (nothing on the first run).

    Placed after the Trainer, pass the model about to be evaluated as ``candidate`` so
    that it is never its own baseline. Placed before the Trainer (to warm-start it and
    to be the Evaluator's baseline), pass the Trainer's ``examples``: models trained on
    those very examples are skipped. Either way an unchanged re-run resolves the same
    model as the run before, so the Trainer, Evaluator and Pusher come from the cache."""
    from ..metadata.store import connect

    store = connect(context.metadata)
    found_model, found_blessing = latest_blessed_model(
        store, context.pipeline_name, exclude=candidate.id if candidate else None,
        not_trained_on={a.id for a in examples or []})
    return {"model": found_model, "model_blessing": found_blessing}


def _latest_per_span(artifacts) -> dict[int, object]:
    """Per span, its newest artifact (highest version, then newest); files must exist."""
    best: dict[int, object] = {}
    for a in artifacts:
        if not os.path.exists(a.uri):
            continue
        key = (int(a.properties.get("version", 0) or 0), a.id)
        old = best.get(a.span)
        if old is None or key > (int(old.properties.get("version", 0) or 0), old.id):
            best[a.span] = a
    return best


@component(cacheable=False, returns={"examples": Examples})
def RollingWindowResolver(examples: Input[Examples], window: Parameter[int],
                          context: ExecutionContext = None):
    """The Examples of the last ``window`` spans up to the current one (its input: what
    ExampleGen read in this run), from every span that ExampleGen node ingested, oldest
    first. Spans ingested in earlier runs are reused, not read again; a span ingested in
    several versions counts once, in its newest."""
    from ..metadata.store import connect

    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        raise ExecutionError(f"window must be a whole number of spans >= 1, got {window!r}.",
                             node=context.node_id, fix="e.g. RollingWindowResolver(examples=..., "
                             "window=4)")
    store = connect(context.metadata)
    per_span = _latest_per_span(producers.same_output(store, examples.id))
    per_span[examples.span] = examples  # this run's own read of the current span
    spans = sorted(s for s in per_span if s <= examples.span)[-window:]
    return {"examples": [per_span[s] for s in spans]}


@component(cacheable=False, returns={"statistics": ExampleStatistics})
def PreviousSpanResolver(statistics: Input[ExampleStatistics],
                         context: ExecutionContext = None):
    """The statistics of the newest span before the current one (its input), from the
    same StatisticsGen node; nothing for the first span. Give it to ExampleValidator as
    ``baseline_statistics`` to check each new span for drift against the one before."""
    from ..metadata.store import connect

    store = connect(context.metadata)
    per_span = _latest_per_span(producers.same_output(store, statistics.id))
    earlier = [s for s in per_span if s < statistics.span]
    return {"statistics": per_span[max(earlier)] if earlier else None}


def latest_artifact(store, pipeline_name: str, type_name: str):
    """The newest LIVE artifact of ``type_name`` recorded in ``pipeline_name`` whose
    files still exist, or None."""
    from ml_metadata.proto import metadata_store_pb2 as pb

    from ..metadata.types import artifact_type_id

    ctx = store.get_context_by_type_and_name(PIPELINE, pipeline_name)
    if ctx is None:
        return None
    type_id = artifact_type_id(store, type_name)
    protos = sorted((a for a in store.get_artifacts_by_context(ctx.id)
                     if a.type_id == type_id and a.state == pb.Artifact.LIVE),
                    key=lambda a: (a.create_time_since_epoch, a.id), reverse=True)
    return next((a for a in artifact_io.get(store, [p.id for p in protos]) if _usable(a)), None)


def _latest_of_each(types: Parameter[dict], context: ExecutionContext = None) -> dict:
    from ..metadata.store import connect

    store = connect(context.metadata)
    return {name: latest_artifact(store, context.pipeline_name, type_name)
            for name, type_name in types.items()}


def LatestArtifactResolver(**channels: type[Artifact]) -> Node:
    """A node whose outputs, one per keyword (``model=tfpipe.Model``), are the newest
    artifact of that type this pipeline recorded (nothing on the first run), as TFX's
    ``Resolver(strategy_class=LatestArtifactStrategy, model=Channel(type=Model))``."""
    bad = {n: t for n, t in channels.items()
           if not (isinstance(t, type) and issubclass(t, Artifact))}
    if not channels or bad:
        raise DefinitionError(
            f"LatestArtifactResolver takes output names with artifact classes, got "
            f"{bad or channels!r}.", where=caller_location(),
            fix="e.g. LatestArtifactResolver(model=tfpipe.Model)")
    resolver = component(_latest_of_each, name="LatestArtifactResolver", cacheable=False,
                         content_parameters=(), returns=dict(channels))
    return resolver(types={name: t.TYPE_NAME for name, t in channels.items()})
