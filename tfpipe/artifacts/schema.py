"""Schema: a text-format ``tensorflow_metadata`` Schema in ``schema.pbtxt``, read and
written without TensorFlow."""
from __future__ import annotations

import os

from .base import Artifact

SCHEMA_FILE = "schema.pbtxt"


class Schema(Artifact):
    TYPE_NAME = "Schema"
    FILE_NAME = SCHEMA_FILE


def schema_path(uri: str) -> str:
    return os.path.join(uri, SCHEMA_FILE)


def parse_schema(text: str):
    """A Schema proto from its text format (a google.protobuf ParseError if it is not)."""
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    return text_format.Parse(text, schema_pb2.Schema())


def load_schema(uri: str):
    """The Schema proto of a Schema artifact."""
    with open(schema_path(uri), encoding="utf-8") as f:
        return parse_schema(f.read())


def write_schema(schema, uri: str) -> None:
    from google.protobuf import text_format

    with open(schema_path(uri), "w", encoding="utf-8") as f:
        f.write(text_format.MessageToString(schema))
