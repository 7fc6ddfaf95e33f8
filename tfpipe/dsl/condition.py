"""Conditionals: ``with tfpipe.If(evaluator.outputs["blessing"].property("blessed") == 1):``.

Every node created inside the ``with`` block runs only if the predicate holds for the
artifact the upstream node produced (TFX's ``Cond``, KFP's ``dsl.If``); nested blocks
AND their predicates together. A predicate compares one property of an upstream
output with a literal (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``); it is recorded
on the nodes as they are created, and nothing is evaluated until the pipeline runs.
"""
from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import DefinitionError

if TYPE_CHECKING:
    from .component import Channel

OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
PROPERTY, CUSTOM_PROPERTY = "property", "custom_property"


def _user_line() -> str | None:
    frame = sys._getframe(1)
    while frame and frame.f_globals.get("__name__", "").startswith("tfpipe."):
        frame = frame.f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame else None


@dataclass(frozen=True)
class Predicate:
    """``<channel>.property(name) <op> <literal>``, and the line of pipeline.py that wrote
    it (for errors)."""

    channel: "Channel"
    name: str
    kind: str  # PROPERTY (a typed property, else a custom one) or CUSTOM_PROPERTY
    op: str
    value: Any
    where: str | None = None

    def describe(self) -> str:
        return (f"{self.channel.producer.id}.outputs[{self.channel.output!r}]"
                f".{self.kind}({self.name!r}) {self.op} {self.value!r}")

    def __bool__(self) -> bool:
        raise DefinitionError(
            f"the condition {self.describe()} cannot be tested while the pipeline is being "
            "defined: the artifact does not exist yet.", where=self.where,
            fix="put the nodes that depend on it in a block: with tfpipe.If(<condition>): ...")


class PropertyRef:
    """One property of the artifact an upstream output will carry; compare it with a
    literal to get a ``Predicate`` for ``tfpipe.If``."""

    def __init__(self, channel: "Channel", name: str, kind: str):
        if not isinstance(name, str) or not name:
            raise DefinitionError(f"a property name must be a non-empty string, got {name!r}.",
                                  where=_user_line(), fix='e.g. .property("blessed")')
        self.channel, self.name, self.kind = channel, name, kind

    def _compare(self, op: str, value: Any) -> Predicate:
        where = _user_line()
        if isinstance(value, PropertyRef) or not isinstance(value, (bool, int, float, str)):
            raise DefinitionError(
                f"{self.channel.producer.id}.outputs[{self.channel.output!r}].{self.kind}"
                f"({self.name!r}) {op} ... compares with {type(value).__name__} {value!r:.60}; "
                "a condition compares a property with a literal.", where=where,
                fix="compare with an int, float, str or bool, e.g. == 1")
        if isinstance(value, float) and value != value:
            raise DefinitionError("a condition cannot compare with NaN.", where=where,
                                  fix="compare with a number")
        return Predicate(self.channel, self.name, self.kind, op, value, where)

    def __eq__(self, value: Any) -> Predicate:  # type: ignore[override]
        return self._compare("==", value)

    def __ne__(self, value: Any) -> Predicate:  # type: ignore[override]
        return self._compare("!=", value)

    def __lt__(self, value: Any) -> Predicate:
        return self._compare("<", value)

    def __le__(self, value: Any) -> Predicate:
        return self._compare("<=", value)

    def __gt__(self, value: Any) -> Predicate:
        return self._compare(">", value)

    def __ge__(self, value: Any) -> Predicate:
        return self._compare(">=", value)

    __hash__ = None  # type: ignore[assignment]


class ArtifactFuture:
    """TFX's ``channel.future()[0]``: the artifact the channel will carry, so that TFX's
    ``Cond(ch.future()[0].custom_property("blessed") == 1)`` ports unchanged."""

    def __init__(self, channel: "Channel"):
        self.channel = channel

    def __getitem__(self, index: int) -> "ArtifactFuture":
        if index not in (0, -1):
            raise DefinitionError(f"a condition tests one artifact of "
                                  f"{self.channel.producer.id}.outputs"
                                  f"[{self.channel.output!r}], not [{index!r}].",
                                  where=_user_line(), fix="write .future()[0]")
        return self

    def property(self, name: str) -> PropertyRef:
        return PropertyRef(self.channel, name, PROPERTY)

    def custom_property(self, name: str) -> PropertyRef:
        return PropertyRef(self.channel, name, CUSTOM_PROPERTY)


_ACTIVE = threading.local()  # the predicates of the `with If` blocks open on this thread


def active_predicates() -> tuple[Predicate, ...]:
    """The predicates a node created now runs under, outermost first."""
    return tuple(getattr(_ACTIVE, "stack", ()))


class If:
    """``with tfpipe.If(predicate): ...``: the nodes created in the block run only if
    ``predicate`` holds when the pipeline runs; otherwise they are skipped (shown as
    skipped with the reason, recorded in MLMD) and the run still succeeds. Blocks nest:
    a node inside two blocks runs only if both hold. Compiled to Kubeflow, a block is a
    ``dsl.If`` condition group."""

    def __init__(self, predicate: Predicate):
        if not isinstance(predicate, Predicate):
            raise DefinitionError(
                f"tfpipe.If takes a condition on an upstream output's property, got "
                f"{type(predicate).__name__} {predicate!r:.60}.", where=_user_line(),
                fix='e.g. tfpipe.If(evaluator.outputs["blessing"].property("blessed") == 1)')
        self.predicate = predicate

    def __enter__(self) -> "If":
        _ACTIVE.stack = active_predicates() + (self.predicate,)
        return self

    def __exit__(self, *exc_info) -> None:
        _ACTIVE.stack = active_predicates()[:-1]


Cond = If  # TFX's name
