"""The Artifact base class: a typed pointer to files, its MLMD properties, and the
registry of types by name; TFX's ``Split-<name>`` folder layout for split artifacts."""
from __future__ import annotations

import difflib
import importlib
import json
import os
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import DefinitionError

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
        return split_folder(self.uri, split)


SPLIT_PREFIX = "Split-"
SPLIT_PROPERTIES = {"span": INT, "split_names": STRING}  # of every artifact with splits


def split_folder(uri: str, split: str) -> str:
    """``<uri>/Split-<split>``: where TFX and tfpipe keep one split of an artifact."""
    return f"{uri.rstrip('/')}/{SPLIT_PREFIX}{split}"


@dataclass(frozen=True)
class SplitFile:
    """A protocol-buffer file kept once per split (``Split-<name>/<file_name>``), read
    and written with tensorflow_metadata's messages (``message``: "module:Class")."""

    file_name: str
    message: str

    def path(self, uri: str, split: str) -> str:
        return os.path.join(split_folder(uri, split), self.file_name)

    def load(self, uri: str, split: str):
        module, _, name = self.message.partition(":")
        proto = getattr(importlib.import_module(module), name)()
        with open(self.path(uri, split), "rb") as f:
            proto.ParseFromString(f.read())
        return proto

    def write(self, proto, uri: str, split: str) -> None:
        os.makedirs(split_folder(uri, split), exist_ok=True)
        with open(self.path(uri, split), "wb") as f:
            f.write(proto.SerializeToString())


def splits_on_disk(uri: str) -> list[str]:
    """The split names of an artifact from its folders (when MLMD does not say)."""
    if not os.path.isdir(uri):
        return []
    return sorted(e.name[len(SPLIT_PREFIX):] for e in os.scandir(uri)
                  if e.is_dir() and e.name.startswith(SPLIT_PREFIX))


class SplitsArtifact(Artifact):
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


_REGISTRY["Artifact"] = Artifact


def artifact_class(type_name: str, *, node: str | None = None) -> type[Artifact]:
    """The class for a type name (every subclass of Artifact registers itself when its
    module is imported); a DefinitionError for a name no class has: a node's outputs
    must be of a type that exists."""
    if type_name not in _REGISTRY:
        close = difflib.get_close_matches(type_name, list(_REGISTRY), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DefinitionError(f"unknown artifact type {type_name!r}.{hint}", node=node,
                              fix=f"define `class {type_name}(tfpipe.Artifact)` with TYPE_NAME "
                              f"= {type_name!r} in the file that defines the component, or "
                              "use one of tfpipe's types (tfpipe.Examples, tfpipe.Model, ...)")
    return _REGISTRY[type_name]


def recorded_artifact_class(type_name: str) -> type[Artifact]:
    """The class for a type recorded in a metadata store, which may come from another
    project's pipeline.py (not imported here): a plain Artifact subclass of that name."""
    if type_name not in _REGISTRY:
        return type(type_name, (Artifact,), {"TYPE_NAME": type_name})
    return _REGISTRY[type_name]
