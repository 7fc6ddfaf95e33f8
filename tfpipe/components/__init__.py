"""The standard components: each a spec plus an executor, one module each.

Importing this package imports no TensorFlow, Beam, TFDV or TFT; executors do that
when they run.
"""
from .bulk_inferrer import BulkInferrer
from .example_gen import CsvExampleGen, ImportExampleGen
from .evaluator import Evaluator
from .example_validator import ExampleValidator
from .importer import Importer
from .infra_validator import InfraValidator
from .pusher import Pusher
from .resolver import (LatestArtifactResolver, LatestBlessedModelResolver, PreviousSpanResolver,
                       RollingWindowResolver)
from .schema_gen import ImportSchemaGen, SchemaGen
from .statistics_gen import StatisticsGen
from .trainer import Trainer
from .transform import Transform
from .tuner import Tuner

__all__ = ["BulkInferrer", "CsvExampleGen", "Evaluator", "ExampleValidator", "ImportExampleGen",
           "ImportSchemaGen", "Importer", "InfraValidator", "LatestArtifactResolver",
           "LatestBlessedModelResolver", "PreviousSpanResolver", "Pusher", "RollingWindowResolver",
           "SchemaGen", "StatisticsGen", "Trainer", "Transform", "Tuner"]
