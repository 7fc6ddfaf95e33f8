"""What users write: artifact types, annotations, components and pipelines."""
from .annotations import Input, Output, Parameter
from ..artifacts import (Artifact, ExampleAnomalies, Examples, ExampleStatistics,
                         HyperParameters, InferenceResult, InfraBlessing, Model, ModelBlessing,
                         ModelEvaluation, ModelRun, PushedModel, Schema, TransformCache,
                         TransformGraph)
from .component import Channel, Component, ComponentSpec, Node, component
from .condition import Cond, If
from .context import ExecutionContext
from .pipeline import Pipeline

__all__ = ["Artifact", "Channel", "Component", "ComponentSpec", "Cond", "ExampleAnomalies",
           "Examples", "ExampleStatistics", "ExecutionContext", "HyperParameters", "If",
           "InferenceResult", "InfraBlessing", "Input", "Model", "ModelBlessing",
           "ModelEvaluation", "ModelRun", "Node", "Output", "Parameter", "Pipeline",
           "PushedModel", "Schema", "TransformCache", "TransformGraph", "component"]
