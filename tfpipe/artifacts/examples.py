"""Examples: gzipped TFRecord files of serialized ``tf.Example``s, one folder per split
(``Split-<name>/``), with the span and version of the data they were read from."""
from __future__ import annotations

from .base import INT, STRING, SplitsArtifact, split_folder


class Examples(SplitsArtifact):
    TYPE_NAME = "Examples"
    PROPERTIES = {"span": INT, "split_names": STRING, "version": INT}


def split_pattern(uri: str, split: str) -> str:
    """The files of one split, as a glob pattern for readers."""
    return f"{split_folder(uri, split)}/*"
