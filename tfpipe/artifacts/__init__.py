"""The artifacts layer: each artifact type's class (TFX's names and MLMD properties), its
layout on disk and its readers and writers, in one place that components, the report,
the views and the runners all use. Protocol buffers are read with tensorflow_metadata
alone; nothing here imports TensorFlow.

One module per kind of data, in data-flow order: ``examples``, ``statistics``,
``schema``, ``anomalies``, ``model`` (transform outputs, hyperparameters, model,
evaluation, blessings, push), ``inference`` (batch predictions), ``values`` (TFX's
value artifacts: String, Integer...); ``base`` holds the
Artifact class, the type registry and the split layout.
"""
from .anomalies import ExampleAnomalies
from .base import DOUBLE, INT, STRING, Artifact, artifact_class
from .examples import Examples
from .inference import InferenceResult
from .model import (HyperParameters, InfraBlessing, Model, ModelBlessing, ModelEvaluation,
                    ModelRun, PushedModel, TransformCache, TransformGraph)
from .schema import Schema
from .statistics import ExampleStatistics
from .values import Boolean, Bytes, Float, Integer, String, ValueArtifact

__all__ = ["Artifact", "Boolean", "Bytes", "DOUBLE", "ExampleAnomalies", "ExampleStatistics", "Examples",
           "Float", "HyperParameters", "INT", "Integer", "InferenceResult", "InfraBlessing", "Model",
           "ModelBlessing", "ModelEvaluation", "ModelRun", "PushedModel", "STRING", "Schema",
           "String", "TransformCache", "TransformGraph", "ValueArtifact", "artifact_class"]
