"""Bad inputs, each with the exact error a user gets, a non-zero exit, and nothing
half-written recorded as output."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from ..conftest import PENGUIN, Store, run_cli

TEMPLATE = Path(__file__).with_name("pipeline_template.py")
GOOD_CSV = PENGUIN / "data" / "labelled" / "labelled.csv"

IDENTITY_PREPROCESSING = "def preprocessing_fn(inputs):\n    return dict(inputs)\n"


@dataclass
class Case:
    name: str
    setup: Callable[[Path], list[str]]  # writes files under tmp, returns CLI args after run
    exit_code: int
    messages: list[str]
    failed_node: str | None = None  # its executions must not be COMPLETE, outputs not LIVE
    pipeline_file: Callable[[Path], Path] = field(default=lambda tmp: tmp / "pipeline.py")


def _data(tmp: Path, text: bytes | str, name: str = "data.csv") -> str:
    folder = tmp / "data"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(folder)


def _args(tmp: Path, **params) -> list[str]:
    out = ["-p", f"root={tmp / 'root'}"]
    for key, value in params.items():
        out += ["-p", f"{key}={value}"]
    return out


def _module(tmp: Path, text: str) -> str:
    path = tmp / "module.py"
    path.write_text(text)
    return str(path)


# A TFX pipeline file building its pipeline under __main__; line 5 is the one under test.
TFX_FILE = ("from tfx import v1 as tfx\n\n\ndef _create_pipeline():\n    {}\n\n\n"
            "if __name__ == '__main__':\n    _create_pipeline()\n")
HEADER = "species,culmen_length_mm,culmen_depth_mm,flipper_length_mm,body_mass_g\n"

CASES = [
    Case("missing input path", lambda t: _args(t, data=t / "nowhere"), 3,
         ["[CsvExampleGen] input_base", "nowhere does not exist.",
          "fix: point input_base at a folder of data files"], "CsvExampleGen"),
    Case("empty CSV", lambda t: _args(t, data=_data(t, "")), 3,
         ["[CsvExampleGen] data.csv is empty: it has no header row."], "CsvExampleGen"),
    Case("header only", lambda t: _args(t, data=_data(t, HEADER)), 3,
         ["holds no data rows.", "fix: add rows under the header"], "CsvExampleGen"),
    Case("row with too many columns", lambda t: _args(t, data=_data(
        t, HEADER + "0,0.1,0.2,0.3,0.4\n1,0.1,0.2,0.3,0.4,9\n")), 3,
         ["data.csv line 3: a row has 6 columns but the header has 5: '1,0.1,0.2,0.3,0.4,9'"],
         "CsvExampleGen"),
    Case("row with too few columns", lambda t: _args(t, data=_data(
        t, HEADER + "0,0.1,0.2,0.3,0.4\n1,0.1,0.2\n")), 3,
         ["data.csv line 3: a row has 3 columns but the header has 5"], "CsvExampleGen"),
    Case("quoted field never closed", lambda t: _args(t, data=_data(
        t, HEADER + '0,0.1,0.2,0.3,0.4\n1,"0.1,0.2,0.3,0.4\n2,0.1,0.2,0.3,0.4\n')), 3,
         ["[CsvExampleGen] data.csv line 4: unexpected end of data.",
          'fix: close every quoted field with a quote; write a quote inside one as two quotes '
          '("")'], "CsvExampleGen"),
    Case("header line of many megabytes", lambda t: _args(t, data=_data(
        t, ",".join(f"c{i}" for i in range(700_000)) + "\n")), 3,
         ["[CsvExampleGen] data.csv: the header line is over 4 MB long (is this a CSV file "
          "with a header row?)."], "CsvExampleGen"),
    Case("more than 10,000 columns", lambda t: _args(t, data=_data(
        t, ",".join(f"c{i}" for i in range(20_000)) + "\n" + ",".join(["1"] * 20_000) + "\n")),
         3, ["[CsvExampleGen] data.csv has 20000 columns; tfpipe reads at most 10000."],
         "CsvExampleGen"),
    Case("not UTF-8", lambda t: _args(t, data=_data(
        t, HEADER.encode() + b"0,0.1,0.2,0.3,0.4\n1,0.1,\xe9t\xe9,0.3,0.4\n")), 3,
         ["data.csv is not UTF-8 text: byte 0xe9 on line 3", "fix: save the file as UTF-8"],
         "CsvExampleGen"),
    Case("type changes mid-file", lambda t: _args(t, data=_data(
        t, HEADER + "0,0.1,0.2,0.3,0.4\n1,0.1,0.2,0.3,0.4\n2,long,0.2,0.3,0.4\n")), 3,
         ["column 'culmen_length_mm' holds numbers in some rows and text in others "
          "(e.g. 'long')"], "CsvExampleGen"),
    Case("pipeline.py raises on import", lambda t: [], 2,
         ["Error (cannot load pipeline):", "raised ZeroDivisionError while loading: division "
          "by zero", "broken.py:3"],
         pipeline_file=lambda t: _write(t / "broken.py", "import tfpipe\n\nRATE = 1 / 0\n")),
    Case("pipeline.py with a syntax error", lambda t: [], 2,
         ["has a syntax error", "syntax.py:2"],
         pipeline_file=lambda t: _write(t / "syntax.py", "import tfpipe\ndef oops(:\n")),
    Case("pipeline.py without a pipeline", lambda t: [], 2,
         ["defines no pipeline.", "fix: define a module-level `pipeline = Pipeline(...)`"],
         pipeline_file=lambda t: _write(t / "empty.py", "X = 1\n")),
    Case("unknown --param", lambda t: _args(t, dat="x"), 2,
         ["create_pipeline() in", "has no argument 'dat'."]),
    Case("module file without preprocessing_fn", lambda t: _args(
        t, data=GOOD_CSV, stage="transform", module_file=_module(t, "def preprocess(x):\n"
                                                                 "    return x\n")), 3,
         ["[Transform] preprocessing_fn is not defined in module_file", "module.py",
          "fix: define `def preprocessing_fn"], "Transform"),
    Case("preprocessing_fn returning a list", lambda t: _args(
        t, data=GOOD_CSV, stage="transform", module_file=_module(
            t, "def preprocessing_fn(inputs):\n    return [inputs['species']]\n")), 3,
         ["[Transform] preprocessing_fn returned a list, but it must return a dict of tensors "
          "(output feature name -> tensor).", "module.py:1",
          "fix: end preprocessing_fn with `return {'name': tensor, ...}`"], "Transform"),
    Case("module file without run_fn", lambda t: _args(
        t, data=GOOD_CSV, stage="trainer", module_file=_module(t, IDENTITY_PREPROCESSING)), 3,
         ["[Trainer] run_fn is not defined in module_file", "fix: define `def run_fn"],
         "Trainer"),
    Case("exception inside run_fn", lambda t: _args(
        t, data=GOOD_CSV, stage="trainer", module_file=_module(
            t, IDENTITY_PREPROCESSING + "\n\ndef run_fn(fn_args):\n"
               "    raise ValueError('learning rate must be positive')\n")), 3,
         ["[Trainer] Trainer failed in user code: ValueError: learning rate must be positive",
          "module.py:6"], "Trainer"),
    Case("module file without tuner_fn", lambda t: _args(
        t, data=GOOD_CSV, stage="tuner", module_file=_module(
            t, IDENTITY_PREPROCESSING + "\n\ndef tuner(fn_args):\n    pass\n")), 3,
         ["[Tuner] tuner_fn is not defined in module_file", "module.py (it has 'tuner': a typo?)",
          "fix: define `def tuner_fn(fn_args):` at the top level of module.py"], "Tuner"),
    Case("tuner_fn returning the tuner alone", lambda t: _args(
        t, data=GOOD_CSV, stage="tuner", module_file=_module(
            t, IDENTITY_PREPROCESSING + "\n\ndef tuner_fn(fn_args):\n"
               "    import keras_tuner\n"
               "    return keras_tuner.RandomSearch(lambda hp: None, max_trials=1,\n"
               "                                    directory=fn_args.working_dir)\n")), 3,
         ["[Tuner] tuner_fn returned a RandomSearch, but it must return "
          "TunerFnResult(tuner=<a KerasTuner tuner>, fit_kwargs=<a dict of tuner.search "
          "arguments>).", "module.py:5", "fix: end tuner_fn with `return TunerFnResult("],
         "Tuner"),
    Case("Tuner asked for parallel trials", lambda t: _args(
        t, data=GOOD_CSV, stage="tuner", tune_args='{"num_parallel_trials": 4}',
        module_file=_module(t, IDENTITY_PREPROCESSING + "\n\ndef tuner_fn(fn_args):\n"
                               "    raise AssertionError('not reached')\n")), 3,
         ["[Tuner] tune_args {'num_parallel_trials': 4} cannot be honoured: tfpipe runs a "
          "Tuner's trials one after another", "fix: drop tune_args or set tune_args="
          "{'num_parallel_trials': 1}"], "Tuner"),
    Case("InfraValidator request_spec with a misspelt key", lambda t: _args(
        t, data=GOOD_CSV, stage="infra", request_spec='{"num_example": 3}'), 3,
         ["[InfraValidator] request_spec has no setting 'num_example'. Did you mean "
          "'num_examples'?", "fix: request_spec takes num_examples, signature_name, "
          "split_name"], "InfraValidator"),
    Case("InfraValidator requests from a split the examples lack", lambda t: _args(
        t, data=GOOD_CSV, stage="infra", request_spec='{"split_name": "test"}'), 3,
         ["[InfraValidator] examples", "have no split 'test' to build requests from (they "
          "have ['train', 'eval']).", "fix: set request_spec={'split_name': ...} to one of "
          "them"], "InfraValidator"),
    Case("unwritable pipeline root", lambda t: ["-p", f"root={_write(t / 'afile', 'x')}/root",
                                                "-p", f"data={GOOD_CSV}"], 2,
         ["cannot write to the pipeline root", "Not a directory",
          "fix: choose a pipeline_root you can write to"]),
    Case("corrupt metadata file", lambda t: _corrupt_store(t) + _args(t, data=GOOD_CSV), 4,
         ["Error (metadata store error): cannot open the metadata store at",
          "metadata.sqlite"]),
    Case("unknown Beam arguments", lambda t: _args(t, data=GOOD_CSV) + [
        "-p", 'beam_args=["--direct_num_workerz=2"]'], 2,
         ["unknown Beam pipeline argument(s): --direct_num_workerz=2."]),
    Case("push destination is a file", lambda t: _args(
        t, stage="push", push_destination=_write(t / "serving", "not a folder")), 3,
         ["[Pusher] push_destination", "serving is an existing file, not a folder.",
          "fix: point push_destination at a folder"], "Pusher"),
    Case("schema file that is not a schema", lambda t: _args(
        t, data=GOOD_CSV, stage="schema", schema_file=_write(t / "schema.pbtxt",
                                                             "feature { nme: 'x' }")), 3,
         ["[ImportSchemaGen]", "is not a valid schema"], "ImportSchemaGen"),
    Case("missing pipeline file", lambda t: [], 2, ["no pipeline file at"],
         pipeline_file=lambda t: t / "nope.py"),
    # Spans: the input pattern, the span folders and the range.
    Case("span pattern matching nothing", lambda t: _args(
        t, data=_spans(t, {}), input_pattern="span-{SPAN}/*.csv"), 3,
         ["[CsvExampleGen] no file in", "matches input_pattern 'span-{SPAN}/*.csv'.",
          "fix: land the first span there (e.g. span-1/*.csv)"], "CsvExampleGen"),
    Case("span folder that is not a number", lambda t: _args(
        t, data=_spans(t, {"span-1": GOOD_ROWS, "span-latest": GOOD_ROWS}),
        input_pattern="span-{SPAN}/*.csv"), 3,
         ["span-latest/data.csv matches input_pattern 'span-{SPAN}/*.csv', but its span "
          "'latest' is not a number.", "fix: name the span folders with whole numbers"],
         "CsvExampleGen"),
    Case("two folders claiming the same span", lambda t: _args(
        t, data=_spans(t, {"span-1": GOOD_ROWS, "span-01": GOOD_ROWS}),
        input_pattern="span-{SPAN}/*.csv"), 3,
         ["two folders claim span 1:", "fix: keep one span 1: merge or rename the other"],
         "CsvExampleGen"),
    Case("unknown placeholder in the pattern", lambda t: _args(
        t, data=_spans(t, {"span-1": GOOD_ROWS}), input_pattern="span-{SPAM}/*.csv"), 3,
         ["input_pattern 'span-{SPAM}/*.csv' has unknown placeholder(s) {SPAM}.",
          "fix: use {SPAN}, {VERSION}, or the date {YYYY}/{MM}/{DD}"], "CsvExampleGen"),
    Case("static range over several spans", lambda t: _args(
        t, data=_spans(t, {"span-1": GOOD_ROWS, "span-2": GOOD_ROWS}),
        input_pattern="span-{SPAN}/*.csv",
        range_config='{"static_range": {"start_span_number": 1, "end_span_number": 2}}'), 3,
         ["static_range from span 1 to 2: ExampleGen reads exactly one span",
          "fix: ExampleGen ingests one span per execution; to train on several, add "
          "RollingWindowResolver"], "CsvExampleGen"),
    Case("range naming a span that has not landed", lambda t: _args(
        t, data=_spans(t, {"span-1": GOOD_ROWS}), input_pattern="span-{SPAN}/*.csv",
        range_config='{"static_range": {"start_span_number": 5, "end_span_number": 5}}'), 3,
         ["range_config asks for span 5, but", "holds spans 1.",
          "fix: land that span, or change range_config"], "CsvExampleGen"),
    Case("rolling window of no spans", lambda t: _args(t, data=GOOD_CSV, window=-1), 3,
         ["[RollingWindowResolver] window must be a whole number of spans >= 1, got -1."],
         "RollingWindowResolver"),
    Case("drift threshold for an unknown feature", lambda t: _args(
        t, data=GOOD_CSV, stage="validate", drift_thresholds='{"culmen_lenght_mm": 0.1}'), 3,
         ["[ExampleValidator] drift_thresholds names feature 'culmen_lenght_mm', which the "
          "schema does not have. Did you mean 'culmen_length_mm'?"], "ExampleValidator"),
    Case("drift threshold out of range", lambda t: _args(
        t, data=GOOD_CSV, stage="validate", drift_thresholds='{"species": 3}'), 3,
         ["[ExampleValidator] drift_thresholds['species'] must be a number in (0, 1], got 3."],
         "ExampleValidator"),
    # Issue 12: paths confined to the pipeline root, user code that exits, unreadable files.
    Case("node id escaping the pipeline root", lambda t: _args(
        t, data=GOOD_CSV, gen_id="../../escape"), 2,
         ["Error (compile error): [../../escape] node id '../../escape' cannot be a folder "
          "name under the pipeline root (its outputs go to <pipeline_root>/<node id>/).",
          "fix: use letters, digits, '_', '-' and '.', starting with a letter, digit or '_', "
          "e.g. .with_id('escape')", "pipeline.py:"]),
    Case("with_id written as a statement", lambda t: _args(
        t, data=GOOD_CSV, rename_as_statement="true"), 2,
         ["Error (compile error): [CsvExampleGen] CsvExampleGen.with_id('renamed') returned a "
          "new node, but the pipeline holds the original 'CsvExampleGen', so the change is "
          "lost.", "pipeline.py:", "fix: use the node it returns, e.g. x = x.with_id('renamed'), "
          "and put that in the pipeline"]),
    Case("condition on a node not in the pipeline", lambda t: _args(
        t, data=GOOD_CSV, condition_property="blessed", condition_on_missing_node="true"), 2,
         ["Error (compile error): [StatisticsGen] it runs only if "
          "BlessedModel.outputs['blessing'].property('blessed') == 1, but 'BlessedModel' is "
          "not in the pipeline.", "pipeline.py:", "fix: add BlessedModel to "
          "Pipeline(components=[...])"]),
    Case("condition on a property the artifact does not have", lambda t: _args(
        t, data=GOOD_CSV, condition_property="blesed"), 3,
         ["Error (execution failed): [StatisticsGen] the condition "
          "BlessedModel.outputs['blessing'].custom_property('blesed') == 1 tests a custom "
          "property that the artifact", "does not have (it has: blessed).",
          "fix: test a property that the upstream component records"], "StatisticsGen"),
    Case("BulkInferrer on examples without the model's features", lambda t: _args(
        t, stage="infer", data=_data(t, "beak_length,beak_depth,flipper,mass\n" + "".join(
            f"{i},2,3,4\n" for i in range(9)))), 3,
         ["Error (bad input data): [BulkInferrer] the examples of split 'train' do not match "
          "the model's signature 'serving_default': Feature: ",
          "is required but could not be found.",
          "fix: infer on examples with the features the model was trained on"], "BulkInferrer"),
    Case("BulkInferrer data_spec naming a split the examples lack", lambda t: _args(
        t, stage="infer", data=GOOD_CSV) + ["-p", 'data_spec={"example_splits": ["test"]}'], 3,
         ["Error (bad input data): [BulkInferrer] data_spec example_splits ['test'] are not "
          "splits of the examples (train, eval).", "fix: use some of ['train', 'eval']"],
         "BulkInferrer"),
    Case("Importer of a path that does not exist", lambda t: _args(
        t, stage="import", schema_file=t / "nowhere"), 3,
         ["Error (bad input data): [Importer] source_uri", "nowhere does not exist.",
          "fix: point source_uri at the file or folder to import"], "Importer"),
    Case("sys.exit inside run_fn", lambda t: _args(
        t, data=GOOD_CSV, stage="trainer", module_file=_module(
            t, IDENTITY_PREPROCESSING + "\n\ndef run_fn(fn_args):\n"
               "    import sys\n    sys.exit(7)\n")), 3,
         ["[Trainer] Trainer failed in user code: it called sys.exit(7); a component fails by "
          "raising an exception, and never ends the tfpipe process", "module.py:7"], "Trainer"),
    Case("symlink loop in the data folder", lambda t: _symlink_loop(t), 3,
         ["Error (bad input data): [CsvExampleGen] cannot read", "loop: Too many levels of "
          "symbolic links.", "fix: remove or repair that file or link"]),
    Case("pipeline root that is a file", lambda t: ["-p", f"root={_write(t / 'afile', 'x')}",
                                                    "-p", f"data={GOOD_CSV}"], 2,
         ["Error (definition error): pipeline_root", "afile is a file, not a folder.",
          "fix: point pipeline_root at a folder (it is created if missing)"]),
    Case("a -p value that looks like JSON but is not", lambda t: _args(t, data=GOOD_CSV) + [
        "-p", "beam_args={not json"], 2,
         ["Error (definition error): -p beam_args={not json looks like JSON but is not: "
          "Expecting property name enclosed in double quotes at character 2.",
          "fix: write valid JSON, quoted for the shell"]),
    Case("MySQL URL where no server listens", lambda t: _args(t, data=GOOD_CSV) + [
        "--metadata", "mysql://tfpipe:secret@127.0.0.1:9/mlmd"], 4,
         ["Error (metadata store error): no MySQL server answered at 127.0.0.1:9 "
          "(mysql://127.0.0.1:9/mlmd): Connection refused.",
          "fix: start the MySQL or MariaDB server, or correct the host and port in the URL"]),
    # Issue 14: TFX pipeline files use what tfpipe has not got.
    Case("a TFX component tfpipe has not got", lambda t: [], 2,
         ["Error (definition error): TFX's tfx.components.BigQueryExampleGen is not supported "
          "by tfpipe.", "tfx_pipeline.py:1", "fix: read an export of the data instead: CsvExampleGen over "
          "CSV files exported from BigQuery, or ImportExampleGen over TFRecords of "
          "tf.Examples; tfpipe offers here: BulkInferrer, CsvExampleGen, DataAccessor,",
          "see docs/from-tfx.md"],
         pipeline_file=lambda t: _write(t / "tfx_pipeline.py", "from tfx.components import "
                                        "BigQueryExampleGen\n")),
    Case("a TFX module tfpipe has not got", lambda t: [], 2,
         ["Error (definition error): TFX's module tfx.extensions is not supported by tfpipe.",
          "tfx_pipeline.py:2", "fix: read an export of the data instead: CsvExampleGen over "
          "CSV files exported from BigQuery, or ImportExampleGen over TFRecords of "
          "tf.Examples; tfpipe offers here: tfx.components, tfx.dsl, "
          "tfx.orchestration, tfx.proto, tfx.types, tfx.utils, tfx.v1;"],
         pipeline_file=lambda t: _write(t / "tfx_pipeline.py", "import os\nfrom "
                                        "tfx.extensions.google_cloud_big_query import "
                                        "example_gen\n")),
    Case("a TFX proto field tfpipe has not got", lambda t: [], 2,
         ["Error (definition error): TrainArgs has no field 'num_epochs' that tfpipe supports.",
          "tfx_pipeline.py:5", "fix: use num_steps, splits"],
         pipeline_file=lambda t: _write(t / "tfx_pipeline.py", TFX_FILE.format(
            "tfx.proto.TrainArgs(num_epochs=3)"))),
    Case("a TFX argument tfpipe has not got", lambda t: [], 2,
         ["Error (definition error): Trainer(custom_executor_spec=...) is not supported by "
          "tfpipe.", "tfx_pipeline.py:5", "fix: leave it out: tfpipe's Trainer is the generic "
          "Trainer (run_fn)"],
         pipeline_file=lambda t: _write(t / "tfx_pipeline.py", TFX_FILE.format(
            "tfx.components.Trainer(module_file='m.py', custom_executor_spec=object())"))),
    Case("an ImportExampleGen payload_format tfpipe cannot import", lambda t: [], 2,
         ["Error (definition error): ImportExampleGen(payload_format=FORMAT_PROTO) is not "
          "supported by tfpipe: it imports tf.Examples (TFRecord) and Parquet rows.",
          "tfx_pipeline.py:5", "fix: convert the records to tf.Examples and use "
          "payload_format=tfx.proto.FORMAT_TF_EXAMPLE"],
         pipeline_file=lambda t: _write(t / "tfx_pipeline.py", TFX_FILE.format(
            "tfx.components.ImportExampleGen(input_base='d', "
            "payload_format=tfx.proto.PayloadFormat.FORMAT_PROTO)"))),
    Case("a TFX resolver strategy tfpipe has not got", lambda t: [], 2,
         ["Error (definition error): TFX's tfx.v1.dsl.experimental.SpanRangeStrategy is not "
          "supported by tfpipe.", "tfx_pipeline.py:5",
          "fix: tfpipe offers here: LatestArtifactStrategy, LatestBlessedModelStrategy"],
         pipeline_file=lambda t: _write(t / "tfx_pipeline.py", TFX_FILE.format(
            "tfx.dsl.Resolver(strategy_class=tfx.dsl.experimental.SpanRangeStrategy)"))),
    Case("a TFX Trainer with a custom executor tfpipe cannot run", lambda t: [], 2,
         ["Error (definition error): Trainer(custom_executor_spec=...) is not supported by "
          "tfpipe.", "tfx_pipeline.py:7", "fix: leave it out: tfpipe's Trainer is the generic "
          "Trainer (run_fn)"],
         pipeline_file=lambda t: _write(t / "tfx_pipeline.py", (
             "from tfx import v1 as tfx\nfrom tfx.dsl.components.base import executor_spec\n"
             "\n\nclass MyExecutor:\n    pass\n"
             "tfx.components.Trainer(module_file='m.py', custom_executor_spec="
             "executor_spec.ExecutorClassSpec(MyExecutor))\n"))),
    Case("TFX's BigQueryExampleGen through tfx.v1.extensions", lambda t: [], 2,
         ["Error (definition error): TFX's tfx.v1.extensions is not supported by tfpipe.",
          "tfx_pipeline.py:5", "fix: read an export of the data instead: CsvExampleGen over "
          "CSV files exported from BigQuery, or ImportExampleGen over TFRecords of "
          "tf.Examples; tfpipe offers here: components, dsl, orchestration, "
          "proto, types; see docs/from-tfx.md"],
         pipeline_file=lambda t: _write(t / "tfx_pipeline.py", TFX_FILE.format(
            "tfx.extensions.google_cloud_big_query.BigQueryExampleGen(query='SELECT 1')"))),
    # Issue 29: user code that cannot load, or that is declared against its contract.
    Case("module file with a syntax error", lambda t: _args(
        t, data=GOOD_CSV, stage="transform", module_file=_module(
            t, "def preprocessing_fn(inputs)\n    return inputs\n")), 3,
         ["Error (error in user code): [Transform] module_file ", "module.py has a syntax "
          "error: expected ':'.", "module.py:1\n", "fix: correct the line shown"], "Transform"),
    Case("preprocessing_fn declared without its argument", lambda t: _args(
        t, data=GOOD_CSV, stage="transform", module_file=_module(
            t, "def preprocessing_fn():\n    return {}\n")), 3,
         ["Error (error in user code): [Transform] preprocessing_fn() cannot be called as "
          "preprocessing_fn(inputs): Transform calls it with one argument, a dict of feature "
          "tensors, and takes back a dict of tensors (output feature name -> tensor).",
          "module.py:1\n", "fix: declare it as `def preprocessing_fn(inputs):`"], "Transform"),
    # `run --watch`: a pipeline whose ExampleGen reads no spans has nothing to watch.
    Case("watching a pipeline that reads no spans", lambda t: _args(t, data=GOOD_CSV) + [
        "--watch", "--once"], 2,
         ["Error (definition error): nothing to watch in pipeline bad: CsvExampleGen reads "
          "input_pattern '*.csv', with no span in it.",
          "fix: --watch starts a run when a new span lands: give CsvExampleGen or "
          "ImportExampleGen an input_pattern naming spans, e.g. "
          "input_pattern='span-{SPAN}/*.csv'"]),
    Case("watching a pipeline without ExampleGen", lambda t: _args(
        t, stage="push", push_destination=t / "serving") + ["--watch"], 2,
         ["nothing to watch in pipeline bad: it has no ExampleGen."]),
    Case("watching a pattern that can never match", lambda t: _args(
        t, data=_spans(t, {}), input_pattern="span-{SPAM}/*.csv") + ["--watch"], 2,
         ["Error (definition error): [CsvExampleGen] input_pattern 'span-{SPAM}/*.csv' has "
          "unknown placeholder(s) {SPAM}."]),
]

GOOD_ROWS = HEADER + "0,0.1,0.2,0.3,0.4\n1,0.5,0.6,0.7,0.8\n"


def _spans(tmp: Path, spans: dict[str, str]) -> str:
    """An input folder with one sub-folder per span, each holding data.csv."""
    for folder, text in spans.items():
        (tmp / "data" / folder).mkdir(parents=True)
        (tmp / "data" / folder / "data.csv").write_text(text)
    (tmp / "data").mkdir(exist_ok=True)
    return str(tmp / "data")


def _symlink_loop(tmp: Path) -> list[str]:
    folder = Path(_data(tmp, GOOD_CSV.read_text()))
    (folder / "loop").symlink_to(folder / "loop")
    return _args(tmp, data=folder)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _corrupt_store(tmp: Path) -> list[str]:
    (tmp / "root").mkdir()
    (tmp / "root" / "metadata.sqlite").write_bytes(b"this is not a database" * 100)
    return []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gives_one_clear_error_and_records_nothing_half_written(case, tmp_path):
    shutil.copy(TEMPLATE, tmp_path / "pipeline.py")
    args = case.setup(tmp_path)
    result = run_cli("run", str(case.pipeline_file(tmp_path)), *args)
    assert result.returncode == case.exit_code, result.stdout + result.stderr
    for message in case.messages:
        assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, "tracebacks only with --verbose"
    assert result.stderr.count("Error (") == 1, "exactly one error message"
    if case.failed_node:
        _assert_nothing_half_written(tmp_path / "root", case.failed_node)


def _assert_nothing_half_written(root: Path, node: str) -> None:
    store = Store(root / "metadata.sqlite")
    executions = store.executions("bad", node)
    assert executions, f"{node} was not recorded"
    for execution in executions:
        assert store.state(execution) == "FAILED"
        for artifact in store.outputs(execution.id, kinds=("OUTPUT", "PENDING_OUTPUT")):
            assert store.artifact_state(artifact) == "ABANDONED"
            assert not os.path.exists(artifact.uri), "half-written files were removed"
        assert store.outputs(execution.id) == []


def test_verbose_shows_the_traceback(tmp_path):
    shutil.copy(TEMPLATE, tmp_path / "pipeline.py")
    result = run_cli("run", str(tmp_path / "pipeline.py"), "--verbose",
                     *_args(tmp_path, data=tmp_path / "nowhere"))
    assert result.returncode == 3
    assert "Traceback" in result.stderr
    assert "does not exist" in result.stderr


def test_models_diff_of_versions_that_are_not_there(tmp_path):
    """`tfpipe models diff` names what is missing and what to give instead."""
    from tfpipe.metadata.store import connect

    connect(str(tmp_path / "metadata.sqlite"))  # a store with nothing pushed yet
    store = ["--metadata", str(tmp_path / "metadata.sqlite")]
    listed = run_cli("models", *store)
    assert listed.returncode == 0 and "No model version has been pushed yet" in listed.stdout
    none = run_cli("models", "diff", "previous", "latest", *store)
    assert none.returncode == 4, none.stderr
    assert "Error (not found): no model version has been pushed in this metadata store." \
        in none.stderr
    assert "fix: run the pipeline until its Pusher pushes a blessed model" in none.stderr
    wrong = run_cli("models", "diff", "1", *store)
    assert wrong.returncode == 2, wrong.stderr
    assert "unexpected arguments: diff 1." in wrong.stderr
    assert "tfpipe models diff A B [PIPELINE_FILE]" in wrong.stderr
    for result in (none, wrong):
        assert "Traceback" not in result.stderr and result.stderr.count("Error (") == 1


@pytest.mark.parametrize("where, messages", [
    (lambda tmp: ["--pipeline-root", str(tmp / "nothing-ran-here")],
     ["Error (metadata store error): no metadata store at ",
      "nothing-ran-here/metadata.sqlite: nothing has run there yet.",
      "fix: run the pipeline first"]),
    (lambda tmp: ["--metadata", "mysql://user:pw@127.0.0.1:1/mlmd"],
     ["Error (metadata store error): no MySQL server answered at 127.0.0.1:1",
      "fix: start the MySQL or MariaDB server, or correct the host and port in the URL"]),
], ids=["absent store", "unreachable MySQL"])
def test_ui_on_a_store_that_cannot_be_opened(tmp_path, where, messages):
    """`tfpipe ui` checks the store before it listens: exit 4, one message, no server."""
    result = run_cli("ui", *where(tmp_path), "--port", "0", timeout=120)
    assert result.returncode == 4, result.stdout + result.stderr
    for message in messages:
        assert message in result.stderr, result.stderr
    assert "tfpipe ui of" not in result.stdout
    assert "Traceback" not in result.stderr and result.stderr.count("Error (") == 1
    assert not (tmp_path / "nothing-ran-here").exists(), "a look-only command creates nothing"


def test_ui_on_a_port_in_use(tmp_path):
    """A port something already listens on: exit 2, the port named, another one offered."""
    import socket

    from tfpipe.metadata.store import connect

    connect(str(tmp_path / "metadata.sqlite"))  # an empty store is fine to serve
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("ui", "--metadata", str(tmp_path / "metadata.sqlite"),
                         "--port", str(port), timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert (f"Error (cannot serve): port {port} on 127.0.0.1 is already in use" in
            result.stderr), result.stderr
    assert f"fix: stop that server, or choose another port: --port {port + 1}" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("Error (") == 1


@pytest.mark.parametrize("case, args, messages", [
    ("no such target", ["{tmp}/nowhere"], [
        "Error (cannot serve): tfpipe serve: {tmp}/nowhere is neither a folder nor a "
        "pipeline file.", "fix: give the Pusher's push_destination"]),
    ("a SavedModel that is not a version", ["{tmp}/model"], [
        "is a SavedModel, not a version folder (named by an integer)",
        "fix: copy it to a folder named 1 inside another folder"]),
    ("a pipeline without a Pusher", ["{pipeline}"], [
        "has no Pusher, so nothing it makes is served.", "fix: add a Pusher"]),
    ("a wrong version policy", ["{tmp}", "--version-policy", "newest"], [
        "tfpipe serve: --version-policy 'newest' is not latest[:N], all or specific:",
        "fix: e.g. --version-policy latest:2"]),
])
def test_serve_on_something_it_cannot_serve(tmp_path, case, args, messages):
    """`tfpipe serve` on what is not a push destination: exit 2, what to give instead."""
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "saved_model.pb").write_bytes(b"")
    pipeline = tmp_path / "pipeline.py"
    pipeline.write_text("import tfpipe\nfrom tfpipe.components import CsvExampleGen\n"
                        "def create_pipeline():\n    return tfpipe.Pipeline('no-push', "
                        f"{str(tmp_path / 'root')!r}, [CsvExampleGen(input_base='.')])\n")
    fill = {"tmp": str(tmp_path), "pipeline": str(pipeline)}
    result = run_cli("serve", *[a.format(**fill) for a in args], timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    for message in messages:
        assert message.format(**fill) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("Error (") == 1


def test_serve_on_a_port_in_use(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", str(tmp_path), "--port", str(port), timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert (f"Error (cannot serve): port {port} on 127.0.0.1 is already in use (another "
            "tfpipe serve" in result.stderr), result.stderr
