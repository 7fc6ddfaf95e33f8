"""``tfx.types``: ``Channel`` (as the Resolver takes it) and the standard artifact
classes (``tfx.types.standard_artifacts``), which are tfpipe's own."""
from __future__ import annotations

import inspect

from ..artifacts import Artifact
from ..dsl.component import caller_location
from ..errors import DefinitionError
from . import standard_artifacts

__all__ = ["Artifact", "Channel", "standard_artifacts"]


class Channel:
    """``Channel(type=Model)``: what a Resolver should look for in the store."""

    def __init__(self, type: type[Artifact], **unused):  # noqa: A002 - TFX's name
        if not (inspect.isclass(type) and issubclass(type, Artifact)):
            raise DefinitionError(f"Channel(type={type!r}): the type must be an artifact class.",
                                  where=caller_location(),
                                  fix="e.g. Channel(type=standard_artifacts.Model)")
        self.type = type

    def __repr__(self) -> str:
        return f"Channel(type={self.type.TYPE_NAME})"
