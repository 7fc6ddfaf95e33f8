"""What a user sees while a pipeline runs: the engine's events as terminal lines, one as
each node starts and ends."""
from __future__ import annotations

import sys
import threading

import click

from .. import events
from ..formatting import format_duration

_MARKS = {"ran": ("✔", "green"), "cached": ("↺", "cyan"), "failed": ("✘", "red"),
          "skipped": ("–", "yellow")}
_WORDS = {"ran": "finished", "cached": "reused from cache", "failed": "FAILED",
          "skipped": "skipped"}


class TerminalProgress:
    """A listener printing progress; ``explain`` adds why each node missed the cache.
    Events come from several node threads: lines are printed whole, one at a time."""

    def __init__(self, *, explain: bool = False, stream=None):
        self.explain = explain
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def __call__(self, event: events.Event) -> None:
        text = self.render(event)
        if text is not None:
            with self._lock:
                click.echo(text, file=self.stream)

    def render(self, event: events.Event) -> str | None:
        if isinstance(event, events.RunStarted):
            return click.style(f"Running pipeline {event.pipeline}", bold=True) + \
                f" ({event.nodes} nodes{event.part})"
        if isinstance(event, events.WaitingForLock):
            return (f"  … another run of pipeline {event.pipeline} ({event.holder}) is using "
                    f"{event.root}; waiting for it to finish")
        if isinstance(event, events.Note):
            return click.style("  ↯ ", fg="yellow") + event.text
        if isinstance(event, events.NodeStarted):
            return click.style(f"  ▶ {event.node_id}", bold=True) + f"  ({event.component}) started"
        if isinstance(event, events.NodeFinished):
            return self._finished(event)
        if isinstance(event, events.NodeWarning):
            return "\n".join(click.style(("    ⚠ " if i == 0 else "      ") + line, fg="yellow")
                             for i, line in enumerate(event.text.splitlines()))
        if isinstance(event, events.RunFinished):
            return self._run_finished(event)
        return None

    def _finished(self, event: events.NodeFinished) -> str:
        mark, colour = _MARKS[event.status]
        line = f"  {click.style(mark, fg=colour)} {event.node_id}  {_WORDS[event.status]}"
        if event.status == "skipped":
            line += f" ({event.reason or 'an upstream node failed'})"
        else:
            line += f" in {format_duration(event.duration)}"
        line += click.style(f"  [{event.done}/{event.total}]", dim=True)
        if self.explain and event.status == "ran" and event.cache_note:
            line += click.style(f"\n      cache miss: {event.cache_note}", dim=True)
        return line

    @staticmethod
    def _run_finished(event: events.RunFinished) -> str:
        tally = ", ".join(f"{n} {s}" for s, n in event.counts.items() if n)
        if event.succeeded:
            head = click.style("✔ ", fg="green") + f"pipeline {event.pipeline} finished in " \
                f"{format_duration(event.duration)} ({tally})"
        else:
            head = click.style("✘ ", fg="red") + f"pipeline {event.pipeline} failed after " \
                f"{format_duration(event.duration)} ({tally})"
        return "\n".join([head] + ["  " + line for line in event.where])
