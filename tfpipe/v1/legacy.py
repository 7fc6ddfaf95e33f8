"""TFX's older module paths that its examples still import, e.g.
``tfx.dsl.components.common.resolver.Resolver`` and
``tfx.dsl.experimental.latest_blessed_model_resolver.LatestBlessedModelResolver``."""
from .dsl import LatestArtifactStrategy, LatestBlessedModelStrategy, Resolver
from .orchestration import BeamDagRunner, LocalDagRunner, Pipeline

LatestBlessedModelResolver = LatestBlessedModelStrategy
LatestArtifactsResolver = LatestArtifactStrategy

__all__ = ["BeamDagRunner", "LatestArtifactStrategy", "LatestArtifactsResolver",
           "LatestBlessedModelResolver", "LatestBlessedModelStrategy", "LocalDagRunner",
           "Pipeline", "Resolver"]
