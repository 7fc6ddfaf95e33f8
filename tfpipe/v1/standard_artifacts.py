"""``tfx.types.standard_artifacts``: TFX's artifact classes are tfpipe's, by TFX's names."""
from ..artifacts import (Boolean, Bytes, ExampleAnomalies, Examples, ExampleStatistics, Float,
                         HyperParameters, InferenceResult, InfraBlessing, Integer, Model,
                         ModelBlessing, ModelEvaluation, ModelRun, PushedModel, Schema, String,
                         TransformCache, TransformGraph)

__all__ = ["Boolean", "Bytes", "ExampleAnomalies", "ExampleStatistics", "Examples", "Float",
           "HyperParameters", "InferenceResult", "InfraBlessing", "Integer", "Model",
           "ModelBlessing", "ModelEvaluation", "ModelRun", "PushedModel", "Schema", "String",
           "TransformCache", "TransformGraph"]
