"""What a user sees while a pipeline runs: one line as each node starts and ends."""
from __future__ import annotations

import sys
import threading

import click

from ..formatting import format_duration
from .launcher import NodeResult

_MARKS = {"ran": ("✔", "green"), "cached": ("↺", "cyan"), "failed": ("✘", "red"),
          "skipped": ("–", "yellow")}


class Progress:
    """Prints node progress; ``explain`` adds why each node missed the cache."""

    def __init__(self, total: int, *, explain: bool = False, stream=None, quiet: bool = False):
        self.total = total
        self.explain = explain
        self.stream = stream or sys.stdout
        self.quiet = quiet
        self.done = 0
        self._lock = threading.Lock()

    def _echo(self, text: str) -> None:
        if not self.quiet:
            with self._lock:
                click.echo(text, file=self.stream)

    def note(self, text: str) -> None:
        self._echo(click.style("  ↯ ", fg="yellow") + text)

    def started(self, node_id: str, component: str) -> None:
        self._echo(click.style(f"  ▶ {node_id}", bold=True) + f"  ({component}) started")

    def finished(self, result: NodeResult) -> None:
        self.done += 1
        mark, colour = _MARKS[result.status]
        words = {"ran": "finished", "cached": "reused from cache", "failed": "FAILED",
                 "skipped": "skipped (an upstream node failed)"}[result.status]
        line = f"  {click.style(mark, fg=colour)} {result.node_id}  {words}"
        if result.status != "skipped":
            line += f" in {format_duration(result.duration)}"
        line += click.style(f"  [{self.done}/{self.total}]", dim=True)
        if self.explain and result.status == "ran" and result.cache_note:
            line += click.style(f"\n      cache miss: {result.cache_note}", dim=True)
        self._echo(line)
