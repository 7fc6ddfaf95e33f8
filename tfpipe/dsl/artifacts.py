"""Artifact types, with TFX's names, properties and on-disk layouts."""
from __future__ import annotations

import json
from typing import Any, ClassVar

# MLMD property value types, by name.
INT, STRING, DOUBLE = "INT", "STRING", "DOUBLE"


_REGISTRY: dict[str, type["Artifact"]] = {}


class Artifact:
    """A typed pointer to files under ``uri``, recorded in MLMD.

    ``PROPERTIES`` are typed MLMD properties of the artifact type; anything else a
    component wants to record goes in ``custom_properties``.
    """

    TYPE_NAME: ClassVar[str] = "Artifact"
    PROPERTIES: ClassVar[dict[str, str]] = {}

    def __init__(self, uri: str = "", *, id: int | None = None,
                 properties: dict[str, Any] | None = None,
                 custom_properties: dict[str, Any] | None = None, state: str = ""):
        self.uri = uri
        self.id = id
        self.properties: dict[str, Any] = dict(properties or {})
        self.custom_properties: dict[str, Any] = dict(custom_properties or {})
        self.state = state

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _REGISTRY.setdefault(cls.TYPE_NAME, cls)

    def __repr__(self) -> str:
        return f"{self.TYPE_NAME}(id={self.id}, uri={self.uri!r})"

    def split_uri(self, split: str) -> str:
        """The folder of one split, in TFX's ``Split-<name>`` layout."""
        return f"{self.uri.rstrip('/')}/Split-{split}"


class _SplitsMixin:
    """Artifacts holding one folder per data split."""

    @property
    def split_names(self) -> list[str]:
        return json.loads(self.properties.get("split_names") or "[]")

    @split_names.setter
    def split_names(self, names: list[str]) -> None:
        self.properties["split_names"] = json.dumps(list(names))

    @property
    def span(self) -> int:
        return int(self.properties.get("span", 0))


class Examples(_SplitsMixin, Artifact):
    TYPE_NAME = "Examples"
    PROPERTIES = {"span": INT, "split_names": STRING, "version": INT}


class ExampleStatistics(_SplitsMixin, Artifact):
    TYPE_NAME = "ExampleStatistics"
    PROPERTIES = {"span": INT, "split_names": STRING}


class Schema(Artifact):
    TYPE_NAME = "Schema"
    FILE_NAME = "schema.pbtxt"


class ExampleAnomalies(_SplitsMixin, Artifact):
    TYPE_NAME = "ExampleAnomalies"
    PROPERTIES = {"span": INT, "split_names": STRING}


class TransformGraph(Artifact):
    TYPE_NAME = "TransformGraph"


class TransformCache(Artifact):
    TYPE_NAME = "TransformCache"


class Model(Artifact):
    TYPE_NAME = "Model"
    SERVING_DIR = "Format-Serving"


class ModelRun(Artifact):
    TYPE_NAME = "ModelRun"


class ModelEvaluation(Artifact):
    TYPE_NAME = "ModelEvaluation"


class ModelBlessing(Artifact):
    TYPE_NAME = "ModelBlessing"

    @property
    def blessed(self) -> bool:
        return bool(self.custom_properties.get("blessed", 0))


class PushedModel(Artifact):
    TYPE_NAME = "PushedModel"

    @property
    def pushed(self) -> bool:
        return bool(self.custom_properties.get("pushed", 0))


_REGISTRY["Artifact"] = Artifact


def artifact_class(type_name: str) -> type[Artifact]:
    """The class for a type name (every subclass of Artifact registers itself)."""
    if type_name not in _REGISTRY:
        _REGISTRY[type_name] = type(type_name, (Artifact,), {"TYPE_NAME": type_name})
    return _REGISTRY[type_name]
