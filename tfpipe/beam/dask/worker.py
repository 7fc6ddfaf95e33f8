"""What a Dask worker runs for a Beam pipeline: bundles of a ParDo, the two halves of a
GroupByKey's shuffle, gathering a side input, and the pool of set-up DoFns.

A PCollection is a list of partitions; a partition is a list of ``WindowedValue``s and
is one Beam bundle. Everything here is a plain function of the task's arguments, so a
retried task (Dask reruns the tasks of a lost worker) computes the same result.
"""
from __future__ import annotations

import collections
import threading
import zlib

from apache_beam.runners.common import Receiver

from ... import quiet

quiet.quiet_if_asked()  # a worker of a quiet run's local cluster

# DoFns set up on this worker, idle between bundles: {(run, step): [DoFnRunner-ready fn]}.
# A DoFn's ``setup`` (TFT loads a graph there, TFMA a model) runs once per instance, and
# an instance serves one bundle at a time, as on Beam's own workers.
_IDLE: dict[tuple[str, str], list] = collections.defaultdict(list)
_IDLE_LOCK = threading.Lock()


def _take_fn(run: str, step: str, pickled: bytes):
    from apache_beam.internal import pickler

    with _IDLE_LOCK:
        idle = _IDLE[(run, step)]
        if idle:
            return idle.pop()
    entry = pickler.loads(pickled)  # (fn, args, kwargs, windowing, side input views)
    entry[0].setup()
    return entry


def _give_back(run: str, step: str, entry) -> None:
    with _IDLE_LOCK:
        _IDLE[(run, step)].append(entry)


def teardown(run: str) -> int:
    """Tear down every DoFn this worker set up for ``run`` (the run has ended)."""
    with _IDLE_LOCK:
        steps = [key for key in _IDLE if key[0] == run]
        entries = [entry for key in steps for entry in _IDLE.pop(key)]
    for fn, *_ in entries:
        try:
            fn.teardown()
        except Exception:  # noqa: BLE001 - teardown is best effort, as in Beam
            pass
    return len(entries)


class _Outputs(dict):
    """``tagged_receivers`` for a DoFnRunner: one list of WindowedValues per output tag."""

    def __missing__(self, tag):
        receiver = self[tag] = _ListReceiver()
        return receiver


class _ListReceiver(Receiver):
    def __init__(self):
        self.values = []

    def receive(self, windowed_value):
        self.values.append(windowed_value)


def side_input(*partitions):
    """All WindowedValues of a PCollection used as a side input."""
    return [value for partition in partitions for value in partition]


class Literal:
    """A task argument passed as it is (Dask would read a tuple as a task or a key)."""

    def __init__(self, value):
        self.value = value


def run_bundle(run: str, step: str, pickled: bytes, tags: Literal, splittable: bool,
               partition, *side_values):
    """Run one bundle of a ParDo: ``setup`` (once per DoFn instance), ``start_bundle``,
    ``process`` for each element (with its restriction, for a splittable DoFn),
    ``finish_bundle``. Returns the outputs as a list per tag of ``tags`` (a single list
    when there is one)."""
    from apache_beam.runners.common import DoFnRunner
    from apache_beam.transforms.sideinputs import SideInputMap

    entry = _take_fn(run, step, pickled)
    fn, args, kwargs, windowing, side_specs = entry
    tags = tags.value
    side_inputs = [SideInputMap(view_class, view_options, values)
                   for (view_class, view_options), values in zip(side_specs, side_values)]
    outputs = _Outputs()
    runner = DoFnRunner(fn, args, kwargs, side_inputs, windowing,
                        tagged_receivers=outputs, step_name=step)
    runner.start()
    process = runner.process_with_sized_restriction if splittable else runner.process
    for value in partition:
        residuals = process(value)
        while residuals:  # a DoFn that checkpointed: go on with what it left
            residuals = [more for residual in residuals
                         for more in runner.process_with_sized_restriction(
                             residual.residual_value) or ()]
    runner.finish()
    _give_back(run, step, entry)
    if len(tags) == 1:
        return outputs[tags[0]].values
    return [outputs[tag].values for tag in tags]


def pick(outputs, index: int):
    """One output's partition of a multi-output ParDo's bundle."""
    return outputs[index]


def split_restrictions(pickled: bytes, partition):
    """A splittable DoFn's elements, each with the pieces of its initial restriction:
    ``((element, (restriction, watermark state)), size)``, as Beam's SDF expansion
    pairs and splits them, so that the pieces spread over the workers."""
    from apache_beam.internal import pickler
    from apache_beam.runners.common import DoFnSignature

    fn = pickler.loads(pickled)[0]
    signature = DoFnSignature(fn)
    provider = signature.get_restriction_provider()
    estimators = signature.get_watermark_estimator_provider()
    pieces = []
    for value in partition:
        element = value.value
        whole = provider.initial_restriction(element)
        for piece in provider.split(element, whole):
            state = estimators.initial_estimator_state(element, piece)
            size = provider.restriction_size(element, piece)
            pieces.append(value.with_value(((element, (piece, state)), size)))
    return pieces


# --- GroupByKey: each input partition splits its (key, value)s into a bucket per output
# partition by a stable hash of the key's encoding; each output partition groups its
# bucket of every input partition. Keys are compared by their encoding, as in Beam.

def _encode(key_coder, key) -> bytes:
    if key_coder is not None:
        try:
            return key_coder.encode(key)
        except Exception:  # noqa: BLE001 - a key the deterministic coder refuses
            pass
    import pickle

    return b"p" + pickle.dumps(key, protocol=4)


def split_by_key(key_coder, buckets: int, partition):
    """(window, encoded key, key, value) of each element, in ``buckets`` lists."""
    out = [[] for _ in range(buckets)]
    for value in partition:
        key, item = value.value
        encoded = _encode(key_coder, key)
        index = zlib.crc32(encoded) % buckets
        for window in value.windows:
            out[index].append((window, encoded, key, item))
    return out


def split_in_order(buckets: int, offset: int, partition):
    """The elements of ``partition`` dealt over ``buckets`` lists in runs that keep their
    order (Reshuffle, splits): the first run to list ``offset`` (an input partition's
    index, so that many small partitions spread), the next to ``offset + 1``... A single
    partition comes out in order over the lists, so that a GroupByKey after a Create keeps
    each key's values in the order they were given, as on the DirectRunner."""
    out = [[] for _ in range(buckets)]
    size = len(partition)
    for i, value in enumerate(partition):
        out[(offset + i * buckets // size) % buckets].append(value)
    return out


def bucket(split, index: int):
    return split[index]


def concat(*lists):
    return [value for part in lists for value in part]


def group(*buckets):
    """GroupByKey's output partition: (key, [values]) per key and window, at the end of
    the window (Beam's default timestamp combiner)."""
    from apache_beam.utils.windowed_value import WindowedValue

    groups: dict = {}
    for part in buckets:
        for window, encoded, key, item in part:
            entry = groups.get((window, encoded))
            if entry is None:
                groups[(window, encoded)] = (key, [item])
            else:
                entry[1].append(item)
    return [WindowedValue((key, items), window.max_timestamp(), (window,))
            for (window, _), (key, items) in groups.items()]


def count(partition) -> int:
    """What a PCollection nothing reads comes to: its length (its data stays here)."""
    return len(partition)


def impulse():
    from apache_beam.transforms.window import GlobalWindows

    return [GlobalWindows.windowed_value(b"")]


def empty():
    return []


def total(*parts) -> int:
    return sum(len(part) for part in parts)


class TfxShim:
    """A Dask worker plugin: ``import tfx`` on the worker finds tfpipe's (a TFX module
    file's imports), on every worker, also one that joins or restarts later."""

    name = "tfpipe-tfx-shim"

    def setup(self, worker=None):
        import sys

        from ...tfx_imports import WORKER_PATH

        if WORKER_PATH not in sys.path:
            sys.path.insert(0, WORKER_PATH)

    def teardown(self, worker=None):
        pass
