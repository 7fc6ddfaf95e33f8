"""Running a command while sampling the memory and the CPU use of its whole process tree.

Every output line and every sample is timestamped, so a part of the run can be read
afterwards: ``node_spans`` gives each pipeline node of a ``tfpipe run`` its own time,
the peak memory sampled between its ``▶ Node ... started`` and ``✔ Node  finished in
...`` lines, and how many cores the tree kept busy meanwhile: in all, in the run's own
process (the one running the nodes, where Beam's runner and TFT's graph building live),
and how long at most one core was busy (the part a second worker could not shorten).
"""
from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field

PAGE = os.sysconf("SC_PAGE_SIZE")
_STARTED = re.compile(r"▶ (\S+)\s+\(\S+\) started")
_FINISHED = re.compile(r"✔ (\S+)\s+finished in (?:(\d+)m(\d+)s|([\d.]+)s)")


TICK = os.sysconf("SC_CLK_TCK")
ONE_CORE = 1.25  # cores busy at most, for an interval to count as one core's work


def _tree(root: int) -> tuple[int, dict[int, int], int | None]:
    """Resident bytes of ``root`` and all its descendants, each one's CPU ticks (user and
    system), and the run's process: the child of ``root`` that used the most CPU (a
    ``tfpipe run`` runs its nodes in a child process that it watches); from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as f:
                rss[int(entry)] = int(f.read().split()[1]) * PAGE
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        ticks[int(entry)] = int(fields[11]) + int(fields[12])
    total, todo, tree = 0, [root], {}
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        tree[pid] = ticks.get(pid, 0)
        todo.extend(children.get(pid, []))
    run = max(children.get(root, []), key=lambda pid: ticks.get(pid, 0), default=None)
    return total, tree, run


@dataclass
class CpuSample:
    """The cores busy between the sample before and ``at``: in the whole tree, and in the
    run's process alone."""
    at: float
    seconds: float
    cores: float
    run_cores: float


@dataclass
class NodeSpan:
    """One node of a ``tfpipe run``: when its lines were printed (seconds after the
    command started), its own time (from its ✔ line), the peak memory of the process tree
    sampled while it ran, and the nodes that ran at the same time."""
    node: str
    start: float
    end: float
    seconds: float
    peak_bytes: int
    overlaps: list[str] = field(default_factory=list)
    cores: float = 0.0  # busy on average while it ran, in the whole tree
    run_cores: float = 0.0  # of them, in the run's own process
    one_core_seconds: float = 0.0  # while at most one core was busy

    @property
    def peak_gib(self) -> float:
        return self.peak_bytes / 2**30


def node_spans(lines: list[tuple[float, str]], samples: list[tuple[float, int]],
               cpu: list[CpuSample] = ()) -> list[NodeSpan]:
    """The nodes that finished, in the order they started, from the timestamped output
    ``lines`` and memory ``samples`` of a ``tfpipe run``. A node's peak is the largest
    sample taken between its start and end lines (the first one after its start if the
    node was too short to be sampled); with nodes overlapping it is the whole tree's, so
    each lists the others it overlapped."""
    started: dict[str, float] = {}
    spans: list[NodeSpan] = []
    for at, line in lines:
        if match := _STARTED.search(line):
            started[match[1]] = at
        elif (match := _FINISHED.search(line)) and match[1] in started:
            minutes, secs, short = match[2], match[3], match[4]
            seconds = float(short) if short else int(minutes) * 60 + int(secs)
            begin = started[match[1]]
            inside = [rss for t, rss in samples if begin <= t <= at]
            later = [rss for t, rss in samples if t >= begin][:1]
            spans.append(NodeSpan(match[1], begin, at, seconds, max(inside or later or [0]),
                                  **_cores(cpu, begin, at)))
    for span in spans:
        span.overlaps = [o.node for o in spans
                         if o is not span and o.start < span.end and span.start < o.end]
    return sorted(spans, key=lambda s: s.start)


def _cores(cpu: list[CpuSample], begin: float, end: float) -> dict:
    """The CPU samples' figures for the time from ``begin`` to ``end``, each sample
    counted for the part of its interval inside it."""
    wall = busy = run = one = 0.0
    for sample in cpu:
        inside = min(end, sample.at) - max(begin, sample.at - sample.seconds)
        if inside > 0:
            wall += inside
            busy += sample.cores * inside
            run += sample.run_cores * inside
            one += inside if sample.cores <= ONE_CORE else 0.0
    if not wall:
        return {}
    return {"cores": busy / wall, "run_cores": run / wall, "one_core_seconds": one}


@dataclass
class Measurement:
    seconds: float
    peak_bytes: int
    returncode: int
    output: str
    lines: list[tuple[float, str]] = field(default_factory=list)  # (seconds after start, line)
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds, tree RSS bytes)
    cpu: list[CpuSample] = field(default_factory=list)

    @property
    def peak_gib(self) -> float:
        return self.peak_bytes / 2**30

    def nodes(self) -> list[NodeSpan]:
        """The nodes of a ``tfpipe run``, with their time and peak memory."""
        return node_spans(self.lines, self.samples, self.cpu)


def measure(command: list[str], *, cwd: str | None = None, interval: float = 0.25) -> Measurement:
    """Wall time and peak resident memory of the process tree of ``command``, with its
    output lines and memory samples timestamped (the command runs unbuffered, so a line
    is stamped when it is printed)."""
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, "PYTHONWARNINGS": "ignore",
                                            "PYTHONUNBUFFERED": "1"})
    lines: list[tuple[float, str]] = []
    samples: list[tuple[float, int]] = []
    cpu: list[CpuSample] = []
    before: tuple[float, dict[int, int]] | None = None

    def read() -> None:
        for line in proc.stdout:
            lines.append((time.monotonic() - started, line))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while proc.poll() is None:
        rss, ticks, run = _tree(proc.pid)
        at = time.monotonic() - started
        samples.append((at, rss))
        if before is not None and at > before[0]:
            # a process that ended since takes its last ticks with it (an undercount)
            used = {pid: n - before[1].get(pid, 0) for pid, n in ticks.items()}
            wall = at - before[0]
            cpu.append(CpuSample(at, wall, sum(used.values()) / TICK / wall,
                                 used.get(run, 0) / TICK / wall))
        before = at, ticks
        time.sleep(interval)
    reader.join()
    return Measurement(time.monotonic() - started, max((s for _, s in samples), default=0),
                       proc.returncode, "".join(line for _, line in lines), lines, samples,
                       cpu)
