"""InferenceResult: what BulkInferrer predicted, as TFX lays it out: gzipped TFRecord
files ``prediction_logs-?????-of-?????.gz`` of TensorFlow Serving ``PredictionLog``s,
one per example, each holding the request (the serialized example) and the response
(every output tensor of the signature)."""
from __future__ import annotations

from .base import Artifact

PREDICTION_LOGS_PREFIX = "prediction_logs"


class InferenceResult(Artifact):
    TYPE_NAME = "InferenceResult"


def prediction_logs_pattern(uri: str) -> str:
    """The files of an InferenceResult, as a glob pattern for readers."""
    return f"{uri.rstrip('/')}/{PREDICTION_LOGS_PREFIX}-*.gz"
