"""The taxi pipeline plus statistics of the transformed data, a branch independent of
training (as TFX users often add): after Transform, StatisticsGen of the transformed
examples and the Trainer can run at the same time."""
import importlib.util
import os

import tfpipe
from tfpipe.components import StatisticsGen

_TAXI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pipelines", "taxi",
                     "pipeline.py")
_spec = importlib.util.spec_from_file_location("taxi_pipeline", _TAXI)
taxi = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(taxi)


def create_pipeline(**args) -> tfpipe.Pipeline:
    pipeline = taxi.create_pipeline(**args)
    transform = next(n for n in pipeline.components if n.id == "Transform")
    pipeline.components.append(
        StatisticsGen(examples=transform.outputs["transformed_examples"])
        .with_id("TransformedStatisticsGen"))
    return pipeline
