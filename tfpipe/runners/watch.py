"""``tfpipe run --watch``: run the pipeline whenever a new span of input data lands.

The pipeline is compiled once to find what to watch: its ExampleGen nodes that read
spans (an ``input_pattern`` with ``{SPAN}``, ``{VERSION}`` or ``{YYYY}-{MM}-{DD}``).
Every ``interval`` seconds ``spans.select`` says what each would read now (span,
version, and a fingerprint of the files). When that differs from what the last run
read, and still looks the same ``SETTLE_SECONDS`` later (a span being copied in place
keeps changing), one ``tfpipe run`` starts as a child process, with what triggered it
(recorded on the run's MLMD context). One run at a time. A process per run, as a
scheduler would start it: each run loads pipeline.py afresh (an edit between runs takes
effect), and what a run leaves in the process (TensorFlow's graphs and resources,
Beam's threads) goes with it. Looking at the files is pure Python: the watcher itself
never imports TensorFlow or Beam.

Without ``once``: a run at start if there is data (an unchanged pipeline is a cache
hit), then one per change; a failed run (the child printed why) is reported and the
watch goes on. With ``once``: no run at start; the first change starts one run, and
its exit code ends the watch. Ctrl-C or SIGTERM while waiting stops the watch (exit
130); during a run, Ctrl-C interrupts the run too (it is in the same process
group) and SIGTERM is passed on to it as Ctrl-C, so it stops as ``tfpipe run`` does
when interrupted, and the watch ends with 130.
"""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable

import click

from ..compiler.ir import PipelineIR
from ..io import spans
from ..errors import DefinitionError, InputDataError
from .interrupts import EXIT_INTERRUPTED, Terminated, stop_signals_raise
from .partial import select as select_nodes
from .supervise import run_supervised

DEFAULT_INTERVAL = 60.0
SETTLE_SECONDS = 1.0


@dataclass(frozen=True)
class Target:
    """An ExampleGen node that reads spans, with its parameters from the IR."""

    node_id: str
    input_base: str
    pattern: str
    range_config: dict | None = None

    @property
    def where(self) -> str:
        return os.path.join(self.input_base, self.pattern)

    def look(self) -> spans.SpanFiles | None:
        """What the node would read now; None while no span has landed. An
        InputDataError when files are there but cannot be read as spans."""
        if not spans.find(self.input_base, self.pattern, self.node_id):
            return None
        return spans.select(self.input_base, self.pattern, self.range_config, self.node_id)


def targets(ir: PipelineIR) -> list[Target]:
    """The nodes to watch; a DefinitionError if there are none, or a pattern can never
    match a span."""
    found = [Target(n.id, n.parameters["input_base"], n.parameters["input_pattern"],
                    n.parameters.get("range_config"))
             for n in ir.nodes if isinstance(n.parameters.get("input_base"), str)
             and spans.has_placeholders(n.parameters.get("input_pattern"))]
    if not found:
        readers = [f"{n.id} reads input_pattern {n.parameters['input_pattern']!r}"
                   for n in ir.nodes if "input_base" in n.parameters
                   and "input_pattern" in n.parameters]
        why = f"{', '.join(readers)}, with no span in it" if readers else "it has no ExampleGen"
        raise DefinitionError(
            f"nothing to watch in pipeline {ir.name}: {why}.",
            fix="--watch starts a run when a new span lands: give CsvExampleGen or "
                "ImportExampleGen an input_pattern naming spans, e.g. "
                "input_pattern='span-{SPAN}/*.csv' (or {YYYY}-{MM}-{DD}); or run without --watch")
    for target in found:
        _check_pattern(target)
    return found


def _check_pattern(target: Target) -> None:
    """A pattern no file can ever match (an unknown placeholder, {VERSION} without a span)
    is an error before watching, not a wait: find() checks the pattern before it looks
    at any file, so over an empty folder only a bad pattern fails."""
    with tempfile.TemporaryDirectory() as empty:
        try:
            spans.find(empty, target.pattern, target.node_id)
        except InputDataError as exc:
            raise DefinitionError(exc.message, node=exc.node, fix=exc.fix) from None


@dataclass(frozen=True)
class Look:
    """What every watched node would read at one moment: its span files and their
    fingerprint, or why it cannot read yet."""

    selected: dict[str, tuple[spans.SpanFiles, str]] = field(default_factory=dict)
    waiting: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return not self.waiting

    @property
    def key(self) -> tuple:
        return tuple((node, s.span, s.version, fp) for node, (s, fp) in self.selected.items())


def look(watched: list[Target]) -> Look:
    selected, waiting = {}, {}
    for target in watched:
        try:
            found = target.look()
            if found is None:
                waiting[target.node_id] = "no span yet, waiting for the first"
            else:
                selected[target.node_id] = (found, found.fingerprint)
        except InputDataError as exc:  # e.g. two folders claim one span: fixable meanwhile
            waiting[target.node_id] = f"waiting: {exc}"
        except OSError as exc:  # a file removed between listing and reading it
            waiting[target.node_id] = f"waiting: cannot read {target.where}: {exc.strerror}"
    return Look(selected, waiting)


def _change(before: tuple[spans.SpanFiles, str] | None, after: tuple[spans.SpanFiles, str]
            ) -> str | None:
    """How one node's selection changed, e.g. "span 3 landed"; None if it did not."""
    (now, fingerprint) = after
    if before is None or (before[0].span, before[0].version) < (now.span, now.version):
        return f"{now.describe()} landed"
    if (before[0].span, before[0].version) != (now.span, now.version):
        return f"{now.describe()} is the latest again"
    return None if before[1] == fingerprint else f"{now.describe()} changed"


class Watcher:
    """The watch loop. ``run(trigger)`` runs the pipeline once and returns its exit
    code."""

    def __init__(self, ir: PipelineIR, run: Callable[[str], int], *,
                 interval: float = DEFAULT_INTERVAL, once: bool = False,
                 say: Callable[[str], None] = click.echo,
                 sleep: Callable[[float], None] = time.sleep):
        self.ir = ir
        self.watched = targets(ir)
        self.run = run
        self.interval = interval
        self.once = once
        self.say = say
        self.sleep = sleep
        self.runs = 0
        self.start: Look | None = None  # what the nodes would read when the watch began
        self.last: Look | None = None  # what the last run read
        self._said_waiting: dict[str, str] = {}

    def watch(self) -> int:
        """Watch until stopped (exit code 130, for Ctrl-C or SIGTERM), or with
        ``once`` until one run ended (its exit code). Ctrl-C or SIGTERM during a run
        propagates (as KeyboardInterrupt) once the run has stopped."""
        code, now = 0, None
        with stop_signals_raise():
            while True:
                try:
                    if now is None:
                        now = self.start = look(self.watched)
                        self._announce(now)
                    else:
                        self.say(self._still_watching(code))
                        now = look(self.watched)
                    now = self._next_change(now)
                except KeyboardInterrupt as stop:
                    return self._stopped(stop)
                code = self._run(now)  # Ctrl-C in here interrupts the run (the CLI exits)
                if self.once:
                    return code

    def _next_change(self, now: Look) -> Look:
        """Look every ``interval`` until what the nodes would read differs from what the
        last run read and has stayed so for SETTLE_SECONDS."""
        pending: Look | None = None
        while True:
            if now.ready and now.key != self._ran_key:
                if pending is not None and pending.key == now.key:
                    return now
                pending, delay = now, min(SETTLE_SECONDS, self.interval)
            else:
                pending, delay = None, self.interval
                self._say_waiting(now)
            self.sleep(delay)
            now = look(self.watched)

    @property
    def _ran_key(self) -> tuple | None:
        """What the last run read; with ``once``, what was there at the start; None
        before the first run otherwise (so the start runs)."""
        if self.last is not None:
            return self.last.key
        return self.start.key if self.once else None

    def _run(self, now: Look) -> int:
        trigger = self._trigger(now)
        self.say(click.style("→ ", fg="cyan", bold=True) + f"{trigger}: starting a run")
        self.last = now
        self.runs += 1
        code = self.run(trigger)
        if code:
            self.say(click.style("✘ ", fg="red", bold=True) + f"the run for {trigger} failed "
                     f"(exit code {code}); the error is above")
        return code

    def _label(self, node: str, text: str) -> str:
        """``text`` about one node, named when several nodes are watched."""
        return f"{node}: {text}" if len(self.watched) > 1 else text

    def _trigger(self, now: Look) -> str:
        """What started this run: "watch started (span 2)", "span 3 landed", ..."""
        if self.last is None and not self.once and now.key == self.start.key:
            return "watch started (" + "; ".join(
                self._label(node, s.describe()) for node, (s, _) in now.selected.items()) + ")"
        before = (self.last or self.start).selected
        changes = [self._label(node, change) for node, after in now.selected.items()
                   if (change := _change(before.get(node), after))]
        return "; ".join(changes) or "input files changed"

    def _state(self, now: Look, node: str) -> str:
        if node in now.selected:
            return f"latest: {now.selected[node][0].describe()}"
        return now.waiting[node]

    def _announce(self, now: Look) -> None:
        for target in self.watched:
            self.say(click.style("Watching ", bold=True) + self._label(
                target.node_id, f"{target.where} every {self.interval:g}s; "
                f"{self._state(now, target.node_id)}"))
        self._said_waiting = dict(now.waiting)
        if self.once:
            self.say("  --once: the next span or version to land starts one run, then the "
                     "watch ends with that run's exit code")
        else:
            self.say(click.style("  Ctrl-C stops the watch", dim=True))

    def _say_waiting(self, now: Look) -> None:
        if now.waiting and now.waiting != self._said_waiting:
            for node, why in now.waiting.items():
                self.say(click.style("  … ", fg="yellow") + self._label(node, why))
        self._said_waiting = dict(now.waiting)

    def _still_watching(self, code: int) -> str:
        latest = "; ".join(self._label(t.node_id, self._state(self.last, t.node_id))
                           for t in self.watched)
        then = f"; every {self.interval:g}s" if code == 0 else ", whose run failed: a new " \
            "version of it, or its files fixed in place, starts another run"
        return click.style("Watching ", bold=True) + f"for the next span ({latest}{then})"

    def _stopped(self, stop: KeyboardInterrupt) -> int:
        why = "SIGTERM" if isinstance(stop, Terminated) else "Ctrl-C"
        self.say(click.style("■ ", fg="yellow") + f"stopped watching pipeline {self.ir.name} "
                 f"({why}) after {self.runs} run(s); no run was interrupted")
        return getattr(stop, "exit_code", EXIT_INTERRUPTED)


def watch(ir: PipelineIR, command: list[str], *, interval: float = DEFAULT_INTERVAL,
          once: bool = False, from_node=None, to_node=None) -> int:
    """Watch ``ir``'s span inputs and run ``command`` (``tfpipe run`` with the user's
    options) whenever they change; returns the exit code. See the module docstring."""
    select_nodes(ir, from_node, to_node)  # a wrong --from-node fails now, not at the first span
    return Watcher(ir, lambda trigger: run_supervised([*command, "--trigger", trigger],
                                                      raise_interrupt=True),
                   interval=interval, once=once).watch()
