"""tfpipe: declarative ML pipelines, run locally on Apache Beam or compiled to Kubeflow.

Nothing imported here pulls in TensorFlow or Beam; executors import them when they run.
"""
from .compiler import PipelineIR, compile_pipeline
from .dsl import (Artifact, Cond, ExampleAnomalies, Examples, ExampleStatistics, ExecutionContext,
                  HyperParameters, If, InferenceResult, InfraBlessing, Input, Model, ModelBlessing,
                  ModelEvaluation, ModelRun, Output, Parameter, Pipeline, PushedModel, Schema,
                  TransformCache, TransformGraph, component)
from .errors import (CompileError, DefinitionError, ExecutionError, MetadataError,
                     TfpipeError)
from .api import run_pipeline, serve
from .client import Client

__version__ = "0.1.0"

run = run_pipeline

__all__ = ["Artifact", "Client", "CompileError", "Cond", "DefinitionError", "ExampleAnomalies",
           "Examples", "ExampleStatistics", "ExecutionContext", "ExecutionError",
           "HyperParameters", "If", "InferenceResult", "InfraBlessing", "Input", "MetadataError",
           "Model", "ModelBlessing", "ModelEvaluation", "ModelRun", "Output", "Parameter",
           "Pipeline", "PipelineIR", "PushedModel", "Schema", "TfpipeError", "TransformCache",
           "TransformGraph", "compile_pipeline", "component", "run", "run_pipeline", "serve"]
