"""``Input[T]``, ``Output[T]`` and ``Parameter[T]``: how a component declares its interface."""
from __future__ import annotations

import typing
from typing import Any

from ..artifacts import Artifact


class _Annotation:
    """``Input[Examples]`` and friends: an annotation that remembers its type argument."""

    role = ""

    def __init__(self, type_: Any, many: bool = False):
        self.type = type_
        self.many = many  # Input[list[Examples]]: every artifact of the channel, as a list

    def __class_getitem__(cls, type_: Any) -> "_Annotation":
        if cls is Parameter:
            return cls(type_)
        many = cls is Input and typing.get_origin(type_) is list
        if many:
            (type_,) = typing.get_args(type_) or (None,)
        if not (isinstance(type_, type) and issubclass(type_, Artifact)):
            raise TypeError(f"{cls.__name__}[...] takes an artifact type such as "
                            f"Examples{' or list[Examples]' if cls is Input else ''}, "
                            f"got {type_!r}")
        return cls(type_, many)

    def __repr__(self) -> str:
        name = getattr(self.type, "__name__", repr(self.type))
        return f"{type(self).__name__}[{f'list[{name}]' if self.many else name}]"

    def __eq__(self, other: object) -> bool:
        return (type(self) is type(other) and self.type == other.type  # type: ignore[attr-defined]
                and self.many == other.many)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.type, self.many))


class Input(_Annotation):
    """An input artifact; give the argument a default of ``None`` to make it optional.

    ``Input[Examples]`` receives one artifact; ``Input[list[Examples]]`` receives every
    artifact the channel carries (the spans of a rolling window), oldest span first."""

    role = "input"


class Output(_Annotation):
    """An output artifact; the runner hands the executor one with a fresh ``uri``."""

    role = "output"


class Parameter(_Annotation):
    """A JSON-serialisable value fixed when the pipeline is compiled."""

    role = "parameter"
