"""The standard components: each a spec plus an executor, one module each.

Importing this package imports no TensorFlow, Beam, TFDV or TFT; executors do that
when they run. The helpers they share live in the layers below: ``tfpipe.io`` (the data
plane), ``tfpipe.beam`` (the Beam runtime), ``tfpipe.serving`` and ``tfpipe.usercode``.
"""
import sys

from ..serving import signatures as serving
from ..usercode import fn_args
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

# Import paths that the docs and module files used before these helpers moved down the
# layers (issue 27): ``tfpipe.components.serving`` and ``tfpipe.components.fn_args`` still
# import the same modules.
sys.modules[__name__ + ".serving"] = serving
sys.modules[__name__ + ".fn_args"] = fn_args
