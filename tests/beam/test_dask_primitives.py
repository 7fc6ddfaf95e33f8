"""Each primitive and transform TFX's libraries use, run on tfpipe's Dask runner against a
real cluster of worker processes, gives what the DirectRunner gives; what it cannot run
is an error naming the transform. Beam's own tests for its DaskRunner (2.69's file, a
superset of 2.60's) run on it in tests/beam/third_party/beam_2_69/."""
from __future__ import annotations

import glob
import json
import os

import pytest

beam = pytest.importorskip("apache_beam")

from apache_beam.options.pipeline_options import PipelineOptions  # noqa: E402
from apache_beam.transforms import window  # noqa: E402

from tfpipe.beam.dask.runner import DaskRunner  # noqa: E402
from tfpipe.beam.dask.translate import UnsupportedTransform  # noqa: E402

from ..conftest import PENGUIN  # noqa: E402


def _save(path: str, values) -> None:
    with open(path, "w") as f:
        json.dump(sorted(repr(v) for v in values), f)


def run_both(build, tmp_path, address: str) -> tuple[list, list]:
    """The elements of ``build(p, folder)``'s PCollection on the DirectRunner and on Dask."""
    out = []
    for name, runner in (("direct", None), ("dask", DaskRunner(address=address))):
        folder = tmp_path / name
        folder.mkdir()
        result = str(folder / "result.json")
        with beam.Pipeline(runner=runner, options=PipelineOptions([])) as p:
            (build(p, str(folder)) | "All" >> beam.combiners.ToList()
             | "Save" >> beam.Map(lambda values, path=result: _save(path, values)))
        with open(result) as f:
            out.append(json.load(f))
    return out[0], out[1]


def _lines(folder: str, n_files: int = 3, n_lines: int = 500) -> str:
    for i in range(n_files):
        with open(os.path.join(folder, f"in-{i}.txt"), "w") as f:
            f.writelines(f"{i}-{j}\n" for j in range(n_lines))
    return os.path.join(folder, "in-*.txt")


def read_text(p, folder):
    return p | beam.io.ReadFromText(_lines(folder))


def read_tfrecord(p, folder):
    path = os.path.join(folder, "records")
    with beam.Pipeline() as w:
        w | beam.Create([f"r{i}".encode() for i in range(300)]) | beam.io.WriteToTFRecord(path)
    return p | beam.io.ReadFromTFRecord(path + "*")


def match_and_read(p, folder):
    from apache_beam.io import fileio

    pattern = _lines(folder, n_lines=20)
    return (p | fileio.MatchFiles(pattern) | fileio.ReadMatches()
            | beam.Map(lambda f: (os.path.basename(f.metadata.path), len(f.read_utf8()))))


def combine_per_key(p, folder):
    pairs = p | beam.Create([(k % 7, k) for k in range(1000)])
    return ((pairs | "Sum" >> beam.CombinePerKey(sum)),
            (pairs | "Mean" >> beam.combiners.Mean.PerKey())) | beam.Flatten()


def combine_globally(p, folder):
    full = p | "Full" >> beam.Create(range(100)) | "Sum" >> beam.CombineGlobally(sum)
    empty = p | "Empty" >> beam.Create([]) | "SumEmpty" >> beam.CombineGlobally(sum)
    counted = p | "Words" >> beam.Create("a b a c".split()) | beam.combiners.Count.PerElement()
    return (full, empty, counted) | beam.Flatten()


def side_inputs(p, folder):
    main = p | "Main" >> beam.Create(["a", "b", "c"])
    one = p | "One" >> beam.Create([10])
    many = p | "Many" >> beam.Create([1, 2, 3])
    pairs = p | "Pairs" >> beam.Create([("a", 1), ("b", 2), ("a", 3)])
    return main | beam.Map(
        lambda k, s, l, it, d, mm: (k, s, sorted(l), sum(it), d.get(k), sorted(mm[k])),
        beam.pvalue.AsSingleton(one), beam.pvalue.AsList(many), beam.pvalue.AsIter(many),
        d=beam.pvalue.AsDict(pairs | "Last" >> beam.CombinePerKey(max)),
        mm=beam.pvalue.AsMultiMap(pairs))


def reshuffle(p, folder):
    return p | beam.Create(range(200)) | beam.Reshuffle() | beam.Map(lambda x: x * 3)


def flatten_zero_one_many(p, folder):
    zero = () | "Zero" >> beam.Flatten(pipeline=p)
    one = (p | "A" >> beam.Create([1, 2]),) | "One" >> beam.Flatten()
    many = [p | f"C{i}" >> beam.Create([i, i + 10]) for i in range(3)] | "Many" >> beam.Flatten()
    return (zero, one, many) | "All3" >> beam.Flatten()


def windows(p, folder):
    stamped = (p | beam.Create([(k % 3, k) for k in range(30)])
               | beam.Map(lambda kv: window.TimestampedValue(kv, kv[1])))
    fixed = (stamped | "Fixed" >> beam.WindowInto(window.FixedWindows(10))
             | "GroupFixed" >> beam.GroupByKey()
             | beam.MapTuple(lambda k, vs: (k, sorted(vs))))
    glob_ = (stamped | "Global" >> beam.WindowInto(window.GlobalWindows())
             | "GroupGlobal" >> beam.GroupByKey()
             | "SortG" >> beam.MapTuple(lambda k, vs: (k, sorted(vs))))
    return ((fixed | "Back" >> beam.WindowInto(window.GlobalWindows())), glob_) | beam.Flatten()


def tagged_outputs(p, folder):
    def split(x):
        yield beam.pvalue.TaggedOutput("odd" if x % 2 else "even", x)
        yield x * 100

    parts = p | beam.Create(range(10)) | beam.FlatMap(split).with_outputs("odd", "even",
                                                                          main="main")
    return ((parts.odd | "O" >> beam.Map(lambda x: ("odd", x))),
            (parts.even | "E" >> beam.Map(lambda x: ("even", x))),
            parts.main) | beam.Flatten()


class Lifecycle(beam.DoFn):
    """Counts its calls, and emits from finish_bundle as TFX's batching DoFns do."""

    def setup(self):
        self.setups = getattr(self, "setups", 0) + 1

    def start_bundle(self):
        self.seen = 0

    def process(self, x):
        self.seen += 1
        yield x

    def finish_bundle(self):
        yield window.GlobalWindows.windowed_value(("bundle", self.setups >= 1, self.seen > 0))


def lifecycle(p, folder):
    import typing

    return (p | beam.Create([1]) | beam.ParDo(Lifecycle()).with_output_types(typing.Any)
            | beam.Map(lambda x: x if isinstance(x, tuple) else ("element", x)))


CASES = [read_text, read_tfrecord, match_and_read, combine_per_key, combine_globally,
         side_inputs, reshuffle, flatten_zero_one_many, windows, tagged_outputs, lifecycle]


@pytest.mark.parametrize("build", CASES, ids=[c.__name__ for c in CASES])
def test_the_dask_runner_gives_what_the_direct_runner_gives(build, tmp_path, dask_address):
    direct, dask = run_both(build, tmp_path, dask_address)
    assert direct, "the case produced nothing: it would compare nothing"
    assert dask == direct


def test_a_file_sink_is_finalized_and_leaves_no_temporary_folder(tmp_path, dask_address):
    out = tmp_path / "out"
    out.mkdir()
    with beam.Pipeline(runner=DaskRunner(address=dask_address)) as p:
        (p | beam.Create([f"line {i}" for i in range(1000)])
         | beam.io.WriteToText(str(out / "part"), num_shards=3))
    shards = sorted(glob.glob(str(out / "part-*")))
    assert [os.path.basename(s) for s in shards] == [
        f"part-0000{i}-of-00003" for i in range(3)]
    lines = [line for s in shards for line in open(s).read().splitlines()]
    assert sorted(lines) == sorted(f"line {i}" for i in range(1000))
    assert not glob.glob(str(out / "beam-temp-*")), os.listdir(out)


def test_tfdv_statistics_of_the_penguin_csv_are_not_empty(tmp_path, dask_address):
    """Beam's own DaskRunner reports 0 examples and 0 features here."""
    import tensorflow_data_validation as tfdv

    def stats(*args):
        return tfdv.generate_statistics_from_csv(
            str(PENGUIN / "data" / "labelled" / "*.csv"), output_path=str(
                tmp_path / f"stats{len(args)}.pb"), pipeline_options=PipelineOptions(list(args)))

    direct = stats()
    # as a user names it in beam_pipeline_args: the runner's path and the scheduler
    dask = stats("--runner=tfpipe.beam.dask.runner.DaskRunner",
                 f"--dask_client_address={dask_address}")
    [dataset] = dask.datasets
    assert dataset.num_examples == 334
    assert len(dataset.features) == 5
    assert dask == direct


class Unknown(beam.PTransform):
    """A primitive no runner knows: its expansion is a bare PCollection."""

    def expand(self, pbegin):
        return beam.pvalue.PCollection(pbegin.pipeline, is_bounded=True)


def test_an_unknown_primitive_is_an_error_naming_the_transform(dask_address):
    with pytest.raises(UnsupportedTransform) as raised:
        with beam.Pipeline(runner=DaskRunner(address=dask_address)) as p:
            p | "MyOwnSource" >> Unknown() | beam.Map(print)
    message = str(raised.value)
    assert "'MyOwnSource'" in message and "(Unknown)" in message
    assert "is not one of Beam's primitives" in message


def test_the_runners_options_are_accepted_as_beam_2_69_names_them():
    """``tfpipe run`` checks beam_pipeline_args before it runs: Beam's Dask options and
    2.69's ``--dask_npartitions`` pass, and land in the runner's options."""
    from tfpipe.beam.dask.runner import DaskOptions
    from tfpipe.runners.scheduler import check_beam_args

    args = ("--runner=DaskRunner", "--dask_client_address=tcp://127.0.0.1:8786",
            "--dask_npartitions=3")
    check_beam_args(args)
    options = PipelineOptions(list(args)).view_as(DaskOptions)
    assert (options.address, options.npartitions) == ("tcp://127.0.0.1:8786", 3)
