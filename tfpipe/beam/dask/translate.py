"""A Beam pipeline as a Dask task graph.

Beam's Python SDK builds every transform from five primitives, and this translates
each; anything else is an error that names the transform (never a silent
pass-through, which is how Beam's own DaskRunner turns TFDV's statistics into zeros):

- ``Impulse``: one partition holding one empty element;
- ``ParDo`` (Map, FlatMap, WindowInto, the reads' splittable DoFns...): a task per
  partition running the bundle with Beam's own ``DoFnRunner`` (lifecycle, side inputs,
  tagged outputs, windows); a splittable DoFn's restrictions are split first and dealt
  over the partitions (how ReadFromText, ReadFromTFRecord and MatchFiles read in
  parallel);
- ``GroupByKey``: a shuffle by a stable hash of each key's deterministic encoding
  (Python's ``hash`` differs between processes), grouped per key and window;
- ``Flatten``: the inputs' partitions, one after another (no task); of no input, one
  empty partition;
- ``Reshuffled`` (what ``runner.py`` makes of Beam's ``Reshuffle``): the elements dealt
  over the partitions in order, as they are.

CombinePerKey is lifted first (``runner.py``): each bundle combines its own values
before the shuffle. A PCollection is a list of task keys, one per partition; a
PCollection nothing reads is counted, so that every branch (a file sink's finalize
step, TFDV's writes) runs.
"""
from __future__ import annotations

import itertools

import apache_beam as beam

from ...errors import ExecutionError
from . import worker


class UnsupportedTransform(ExecutionError):
    """A transform the Dask runner cannot run."""


def _unsupported(node, why: str, fix: str):
    return UnsupportedTransform(
        f"the Dask runner cannot run Beam transform {node.full_label!r} "
        f"({type(node.transform).__name__}): {why}.", fix=fix)


class Reshuffled(beam.PTransform):
    """Beam's ``Reshuffle`` on Dask (``runner.py`` puts it in): its elements dealt over
    the partitions as they are, with their windows and timestamps, in one shuffle, where
    Beam's expansion adds random keys, groups by them and takes them off again."""

    def expand(self, pcoll):
        return beam.pvalue.PCollection.from_(pcoll)


class TaskGraph:
    """Visits a pipeline's leaf transforms in order and writes their tasks."""

    def __init__(self, run: str, partitions: int, prefix: str = ""):
        self.run, self.partitions, self.prefix = run, max(1, partitions), prefix
        self.tasks: dict = {}
        self.pcolls: dict[int, list] = {}      # id(PCollection) -> partition keys
        self._keep: list = []                  # the PCollections, so that ids stay theirs
        self._read: set[int] = set()
        self._sides: dict[int, str] = {}
        self._names = itertools.count()
        self.steps: list[str] = []

    # --- the PipelineVisitor interface ---------------------------------------------

    def enter_composite_transform(self, node) -> None:
        pass

    def leave_composite_transform(self, node) -> None:
        pass

    def visit_value(self, value, producer_node) -> None:
        pass

    def visit_transform(self, node) -> None:
        outputs = [o for o in node.outputs.values() if isinstance(o, beam.pvalue.PCollection)]
        if outputs and all(id(o) in self.pcolls for o in outputs):
            return  # a composite that returned its input unchanged
        transform = node.transform
        if isinstance(transform, beam.Impulse):
            name = self._name(node)
            self.tasks[(name, 0)] = (worker.impulse,)
            self._set(outputs[0], [(name, 0)])
        elif isinstance(transform, beam.ParDo):
            self._pardo(node, transform)
        elif isinstance(transform, beam.GroupByKey):
            self._group_by_key(node)
        elif isinstance(transform, beam.Flatten):
            self._flatten(node, outputs[0])
        elif isinstance(transform, Reshuffled):
            self._set(outputs[0], self._deal(self._name(node), self._input(node.inputs[0])))
        else:
            raise _unsupported(
                node, "it is not one of Beam's primitives (Impulse, ParDo, GroupByKey, "
                "Flatten) and has no expansion into them",
                "run this pipeline on the DirectRunner, or express the step with "
                "standard Beam transforms")
        self.steps.append(node.full_label)

    # --- what nothing reads: computed and counted -------------------------------------

    def sinks(self) -> list:
        """One task per PCollection that no transform reads: its element count."""
        keys = []
        for pid, parts in self.pcolls.items():
            if pid not in self._read:
                key = (self._name_of("Done"), 0)
                self.tasks[key] = (worker.total, *parts)
                keys.append(key)
        return keys

    # --- translations ----------------------------------------------------------------

    def _name(self, node) -> str:
        return self._name_of(node.full_label)

    def _name_of(self, label: str) -> str:
        # the run's token too: a key the cluster still holds from another pipeline (the
        # same node's previous one) would be taken as this one's result
        return f"{self.prefix}{label}#{next(self._names)}-{self.run}"

    def _set(self, pcoll, parts: list) -> None:
        self.pcolls[id(pcoll)] = parts
        self._keep.append(pcoll)

    def _input(self, pcoll) -> list:
        self._read.add(id(pcoll))
        return self.pcolls[id(pcoll)]

    def _side(self, pcoll) -> str:
        """The key of a task that gathers all of ``pcoll``, for side inputs."""
        if id(pcoll) not in self._sides:
            key = self._sides[id(pcoll)] = self._name_of("SideInput")
            self.tasks[key] = (worker.side_input, *self._input(pcoll))
        return self._sides[id(pcoll)]

    def _pardo(self, node, transform) -> None:
        from apache_beam.internal import pickler
        from apache_beam.runners.common import DoFnSignature

        fn = transform.fn
        signature = DoFnSignature(fn)
        if signature.is_stateful_dofn():
            raise _unsupported(node, "its DoFn uses state or timers",
                               "run it on the DirectRunner, or group with GroupByKey "
                               "instead of per-key state")
        main = node.main_inputs or {}
        main_pcoll = next(iter(main.values())) if main else node.inputs[0]
        sides = [self._side(si.pvalue) for si in node.side_inputs]
        side_specs = [(type(si), si._view_options()) for si in node.side_inputs]  # noqa: SLF001
        tags = [tag for tag, out in node.outputs.items()]
        splittable = signature.is_splittable_dofn()
        name = self._name(node)
        fn_key = f"{name}:fn"
        self.tasks[fn_key] = pickler.dumps(
            (fn, transform.args, transform.kwargs, main_pcoll.windowing, side_specs))
        parts = self._input(main_pcoll)
        if splittable:
            pieces = []
            for i, part in enumerate(parts):
                key = (f"{name}:split", i)
                self.tasks[key] = (worker.split_restrictions, fn_key, part)
                pieces.append(key)
            parts = self._deal(name, pieces)
        bundle_tags = tuple(None if t is None or t == "None" else t for t in tags)
        for i, part in enumerate(parts):
            self.tasks[(name, i)] = (worker.run_bundle, self.run, node.full_label, fn_key,
                                     worker.Literal(bundle_tags), splittable, part, *sides)
        outputs = list(node.outputs.values())
        if len(outputs) == 1:
            self._set(outputs[0], [(name, i) for i in range(len(parts))])
            return
        for index, out in enumerate(outputs):
            keys = []
            for i in range(len(parts)):
                key = (f"{name}:out{index}", i)
                self.tasks[key] = (worker.pick, (name, i), index)
                keys.append(key)
            self._set(out, keys)

    def _deal(self, name: str, parts: list) -> list:
        """``parts`` dealt over ``self.partitions`` partitions, in order."""
        n = self.partitions
        return self._shuffle(f"{name}:deal", f"{name}:spread", parts, worker.concat,
                             lambda i, part: (worker.split_in_order, n, i, part))

    def _shuffle(self, split: str, out: str, parts: list, merge, split_task) -> list:
        """All to all: each of ``parts`` split into ``self.partitions`` buckets
        (``split_task(i, part)``), each output partition ``merge`` of its buckets."""
        n = self.partitions
        for i, part in enumerate(parts):
            self.tasks[(split, i)] = split_task(i, part)
        for j in range(n):
            pieces = []
            for i in range(len(parts)):
                self.tasks[(f"{split}:bucket", i, j)] = (worker.bucket, (split, i), j)
                pieces.append((f"{split}:bucket", i, j))
            self.tasks[(out, j)] = (merge, *pieces)
        return [(out, j) for j in range(n)]

    def _group_by_key(self, node) -> None:
        pcoll = node.inputs[0]
        windowfn = pcoll.windowing.windowfn
        if windowfn.is_merging():
            raise _unsupported(node, f"it groups in merging windows "
                               f"({type(windowfn).__name__})",
                               "use the global window or fixed/sliding windows on Dask")
        coder = _key_coder(pcoll, node.full_label)
        name, n = self._name(node), self.partitions
        self._set(node.outputs[None], self._shuffle(
            f"{name}:split", name, self._input(pcoll), worker.group,
            lambda i, part: (worker.split_by_key, coder, n, part)))

    def _flatten(self, node, output) -> None:
        parts = [key for pcoll in node.inputs for key in self._input(pcoll)]
        if not parts:
            name = self._name(node)
            self.tasks[(name, 0)] = (worker.empty,)
            parts = [(name, 0)]
        self._set(output, parts)


def _key_coder(pcoll, label: str):
    """The deterministic coder of ``pcoll``'s keys, or None (keys are then pickled)."""
    from apache_beam import coders, typehints

    try:
        key_type, _ = typehints.trivial_inference.key_value_types(pcoll.element_type)
        return coders.registry.get_coder(key_type).as_deterministic_coder(label)
    except Exception:  # noqa: BLE001 - no deterministic coder: keys are pickled
        return None
