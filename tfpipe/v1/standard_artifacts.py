"""``tfx.types.standard_artifacts``: TFX's artifact classes are tfpipe's, by TFX's names."""
from ..artifacts import (ExampleAnomalies, Examples, ExampleStatistics, Model, ModelBlessing,
                         ModelEvaluation, ModelRun, PushedModel, Schema, TransformCache,
                         TransformGraph)

__all__ = ["ExampleAnomalies", "ExampleStatistics", "Examples", "Model", "ModelBlessing",
           "ModelEvaluation", "ModelRun", "PushedModel", "Schema", "TransformCache",
           "TransformGraph"]
