"""Fixed costs of a small pipeline: where each node of the 15,000-row taxi pipeline
(``--no-cache``, all 9 nodes) spends its time.

    python bench/fixed_costs.py [OUTPUT_DIR]

The pipeline runs in this process, one node at a time (parallelism 1), as
``tfpipe.run_pipeline`` runs it. ``apache_beam.Pipeline`` is wrapped here only (tfpipe
is not changed): a Beam pipeline's construction runs from its creation until ``run()``
is called (building the graph: TFT traces the preprocessing_fn and plans its analysers
then, TFDV and TFMA build their transforms), its running is ``run()`` itself; both are
counted for the node whose thread made the calls. The rest of a node's time is "other":
loading and checking inputs, imports, model building, TF tracing, training, MLMD. Beam is
imported before the run, to wrap it; its import time is printed apart.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import tfpipe
from tfpipe import events
from tfpipe.dsl.loader import load_pipeline
from tfpipe.views.progress import TerminalProgress

PIPELINE = Path(__file__).resolve().parent.parent / "pipelines" / "taxi" / "pipeline.py"


class BeamClock:
    """Time spent building and running Beam pipelines, by the node whose thread did it.

    A pipeline's ``run()`` may build and run a copy of it (Beam's runner-API round
    trip): only the outermost call on a thread counts."""

    def __init__(self):
        self.construction: dict[str, float] = defaultdict(float)
        self.running: dict[str, float] = defaultdict(float)
        self.walls: dict[str, float] = {}
        self._node_of_thread: dict[int, str] = {}
        self._created: dict[int, float] = {}  # id(pipeline) -> when its creation began
        self._inside_run = threading.local()

    def _node(self) -> str:
        return self._node_of_thread.get(threading.get_ident(), "(outside any node)")

    def install(self) -> None:
        """Wrap ``apache_beam.Pipeline.__init__`` and ``run`` (in this process)."""
        import apache_beam as beam

        clock, init, run = self, beam.Pipeline.__init__, beam.Pipeline.run

        def timed_init(pipeline, *args, **kwargs):
            if not getattr(clock._inside_run, "on", False):
                clock._created[id(pipeline)] = time.perf_counter()
            init(pipeline, *args, **kwargs)

        def timed_run(pipeline, *args, **kwargs):
            if getattr(clock._inside_run, "on", False):
                return run(pipeline, *args, **kwargs)
            called = time.perf_counter()
            created = clock._created.pop(id(pipeline), None)
            if created is not None:
                clock.construction[clock._node()] += called - created
            clock._inside_run.on = True
            try:
                return run(pipeline, *args, **kwargs)
            finally:
                clock._inside_run.on = False
                clock.running[clock._node()] += time.perf_counter() - called

        beam.Pipeline.__init__, beam.Pipeline.run = timed_init, timed_run

    def observe(self, event: events.Event) -> None:
        """A run's listener: a node's thread is known when it starts (the node runs on
        the thread that reports its start); its wall time when it finishes."""
        if isinstance(event, events.NodeStarted):
            self._node_of_thread[threading.get_ident()] = event.node_id
        elif isinstance(event, events.NodeFinished):
            self.walls[event.node_id] = event.duration


def print_table(clock: BeamClock, run_seconds: float) -> None:
    print(f"\n{'node':<28} {'wall s':>7} {'Beam construction':>18} {'Beam run':>9} "
          f"{'other':>7}")
    total = defaultdict(float)
    for node, wall in clock.walls.items():
        built, ran = clock.construction.get(node, 0.0), clock.running.get(node, 0.0)
        beam = f"{built:>18.1f} {ran:>9.1f}" if node in clock.running else f"{'-':>18} {'-':>9}"
        print(f"{node:<28} {wall:>7.1f} {beam} {wall - built - ran:>7.1f}")
        for key, value in (("wall", wall), ("built", built), ("ran", ran),
                           ("other", wall - built - ran)):
            total[key] += value
    print(f"{'total of the nodes':<28} {total['wall']:>7.1f} {total['built']:>18.1f} "
          f"{total['ran']:>9.1f} {total['other']:>7.1f}")
    print(f"{'the whole run':<28} {run_seconds:>7.1f}")
    for name in sorted((set(clock.construction) | set(clock.running)) - set(clock.walls)):
        print(f"Beam {name}: construction {clock.construction.get(name, 0.0):.1f}s, "
              f"run {clock.running.get(name, 0.0):.1f}s")


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="fixed-"))
    clock = BeamClock()
    started = time.perf_counter()
    clock.install()
    print(f"importing apache_beam (before the run, to wrap it): "
          f"{time.perf_counter() - started:.1f}s")
    ir = tfpipe.compile_pipeline(load_pipeline(str(PIPELINE), {"pipeline_root": str(root)}))
    progress = TerminalProgress()
    try:
        result = tfpipe.run_pipeline(ir.with_options(enable_cache=False), parallelism=1,
                                     listener=lambda event: (clock.observe(event),
                                                             progress(event)))
    finally:
        if len(sys.argv) < 2:
            shutil.rmtree(root, ignore_errors=True)
    print_table(clock, result.duration)


if __name__ == "__main__":
    main()
