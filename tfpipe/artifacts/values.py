"""Value artifacts (TFX's ``String``, ``Integer``, ``Float``, ``Bytes``, ``Boolean``): one
small value kept in a file named ``value`` under the artifact's folder, as TFX keeps it,
read and written through ``.value``."""
from __future__ import annotations

import os
from typing import Any, ClassVar

from .base import Artifact

VALUE_FILE = "value"


class ValueArtifact(Artifact):
    """An artifact holding one value; subclasses say how it is written as bytes."""

    TYPE_NAME = "ValueArtifact"
    decode: ClassVar = staticmethod(bytes.decode)
    encode: ClassVar = staticmethod(str.encode)

    @property
    def value(self) -> Any:
        with open(os.path.join(self.uri, VALUE_FILE), "rb") as f:
            return self.decode(f.read())

    @value.setter
    def value(self, value: Any) -> None:
        os.makedirs(self.uri, exist_ok=True)
        with open(os.path.join(self.uri, VALUE_FILE), "wb") as f:
            f.write(self.encode(value))


class String(ValueArtifact):
    TYPE_NAME = "String"


class Bytes(ValueArtifact):
    TYPE_NAME = "Bytes"
    decode = encode = staticmethod(bytes)


class Integer(ValueArtifact):
    TYPE_NAME = "Integer"
    decode = staticmethod(int)
    encode = staticmethod(lambda v: str(int(v)).encode())


class Float(ValueArtifact):
    TYPE_NAME = "Float"
    decode = staticmethod(float)
    encode = staticmethod(lambda v: repr(float(v)).encode())


class Boolean(ValueArtifact):
    TYPE_NAME = "Boolean"
    decode = staticmethod(lambda b: bool(int(b)))
    encode = staticmethod(lambda v: b"1" if v else b"0")
