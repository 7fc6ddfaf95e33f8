"""What the engine reports while a pipeline runs, as plain events (a leaf module).

The runners emit them to a listener, a callable taking one event, and never print: the
CLI and ``tfpipe.run`` render them in the terminal (``tfpipe/views/progress.py``); an
API caller may pass its own listener, or none to run silently.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Union


@dataclass(frozen=True)
class RunStarted:
    pipeline: str
    nodes: int
    part: str = ""  # ", from X to the end" for a partial run


@dataclass(frozen=True)
class WaitingForLock:
    """Another run of the pipeline holds its root; this one waits its turn."""

    pipeline: str
    root: str
    holder: str


@dataclass(frozen=True)
class Note:
    text: str


@dataclass(frozen=True)
class NodeEvent:
    node_id: str


@dataclass(frozen=True)
class NodeStarted(NodeEvent):
    component: str


@dataclass(frozen=True)
class NodeFinished(NodeEvent):
    status: str  # "ran", "cached", "failed", "skipped"
    duration: float
    cache_note: str
    done: int  # nodes finished so far in this run, this one included
    total: int
    reason: str = ""  # why a skipped node did not run


@dataclass(frozen=True)
class NodeWarning(NodeEvent):
    """A warning from inside an executor (``ExecutionContext.warn``)."""

    text: str


@dataclass(frozen=True)
class RunFinished:
    pipeline: str
    succeeded: bool
    duration: float
    counts: dict[str, int] = field(default_factory=dict)  # by status
    where: list[str] = field(default_factory=list)  # pipeline root, store, run id lines


Event = Union[RunStarted, WaitingForLock, Note, NodeStarted, NodeFinished, NodeWarning,
              RunFinished]
Listener = Callable[[Event], None]


def silent(event: Event) -> None:
    """The listener of a run nobody watches."""
