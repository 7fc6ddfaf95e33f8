"""LatestBlessedModelResolver: the newest blessed model of this pipeline, from MLMD.

Use its ``model`` output as the Evaluator's ``baseline_model`` (and give it the
Trainer's model as ``candidate``): on the first run
nothing is blessed yet, the output is empty and the Evaluator gets no baseline (so
change thresholds are skipped); afterwards it is the model of the newest LIVE
ModelBlessing with ``blessed == 1`` recorded in this pipeline. The node never comes
from the cache: its answer depends on the store, not on its inputs.
"""
from __future__ import annotations

import os

from ..dsl import ExecutionContext, Input, Model, ModelBlessing, Output, component
from ..metadata import artifacts as artifact_io
from ..metadata.types import PIPELINE

MODEL_ID_PROPERTY = "current_model_id"  # set on each blessing by the Evaluator, as in TFX


def _usable(artifact) -> bool:
    return artifact is not None and artifact.state == "LIVE" and os.path.exists(artifact.uri)


def latest_blessed_model(store, pipeline_name: str, exclude: int | None = None
                         ) -> tuple[Model | None, ModelBlessing | None]:
    """The newest (model, blessing) of ``pipeline_name`` whose blessing says blessed and
    whose model still exists, other than the model with id ``exclude``; (None, None) if
    there is none."""
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
        if isinstance(model, Model) and _usable(model) and model.id != exclude:
            return model, candidate
    return None, None


@component(cacheable=False)
def LatestBlessedModelResolver(model: Output[Model], model_blessing: Output[ModelBlessing],
                               candidate: Input[Model] = None,
                               context: ExecutionContext = None):
    """Resolve the latest blessed model of this pipeline (nothing on the first run).

    Pass the model about to be evaluated as ``candidate`` so that it is never its own
    baseline: an unchanged re-run then resolves the same baseline as the run that
    trained the model, and the Evaluator and Pusher come from the cache instead of
    evaluating the model against itself."""
    from ..metadata.store import connect

    store = connect(context.metadata)
    found_model, found_blessing = latest_blessed_model(
        store, context.pipeline_name, exclude=candidate.id if candidate else None)
    return {"model": found_model, "model_blessing": found_blessing}
