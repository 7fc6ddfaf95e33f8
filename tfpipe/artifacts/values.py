"""Value artifacts (TFX's String, Integer, Float): one small value in a file ``value``
under the artifact's folder, read and written through ``.value``."""
from __future__ import annotations

import os

from .base import Artifact

VALUE_FILE = "value"


class ValueArtifact(Artifact):
    """An artifact holding one value; ``decode``/``encode`` turn it to and from text."""

    TYPE_NAME = "ValueArtifact"

    @staticmethod
    def decode(text: str):
        return text

    @property
    def value(self):
        with open(os.path.join(self.uri, VALUE_FILE), encoding="utf-8") as f:
            return self.decode(f.read())

    @value.setter
    def value(self, value) -> None:
        os.makedirs(self.uri, exist_ok=True)
        with open(os.path.join(self.uri, VALUE_FILE), "w", encoding="utf-8") as f:
            f.write(str(value))


class String(ValueArtifact):
    TYPE_NAME = "String"


class Integer(ValueArtifact):
    TYPE_NAME = "Integer"
    decode = staticmethod(int)


class Float(ValueArtifact):
    TYPE_NAME = "Float"
    decode = staticmethod(float)
