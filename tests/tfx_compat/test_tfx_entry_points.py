"""TFX's entry points: a pipeline file with absl flags whose ``__main__`` parses
``absl.flags.FLAGS(sys.argv)`` before building the pipeline, or runs
``absl.app.run(main)``, loads with its flag defaults, and ``-p name=value`` sets a
flag (or, for a name that is no flag, an argument of the pipeline function)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tfpipe.dsl.loader import load_pipeline
from tfpipe.errors import PipelineLoadError

from ..conftest import run_cli

# As penguin_pipeline_local.py: flags, create_pipeline() with required arguments, and
# names defined under __main__ that the pipeline call uses.
FLAGS_FILE = """\
import os
import sys

import absl
from absl import flags
from tfx import v1 as tfx

flags.DEFINE_enum('runner', 'DirectRunner', ['DirectRunner', 'FlinkRunner'], 'runner')
flags.DEFINE_integer('epochs', 3, 'epochs')


def create_pipeline(pipeline_name, pipeline_root, data_root):
    gen = tfx.components.CsvExampleGen(input_base=data_root)
    return tfx.dsl.Pipeline(pipeline_name=pipeline_name, pipeline_root=pipeline_root,
                            components=[gen])


if __name__ == '__main__':
    absl.logging.set_verbosity(absl.logging.INFO)
    absl.flags.FLAGS(sys.argv)
    _name = f'{flags.FLAGS.runner}-{flags.FLAGS.epochs}-{len(sys.argv)}'
    tfx.orchestration.LocalDagRunner().run(
        create_pipeline(pipeline_name=_name, pipeline_root=os.path.join('out', _name),
                        data_root='data'))
"""

# As TFX's examples run with absl.app: main() builds and runs the pipeline.
APP_FILE = """\
from absl import app
from absl import flags
from tfx import v1 as tfx

FLAGS = flags.FLAGS
flags.DEFINE_string('data_root', 'data', 'where the CSV files are')
flags.DEFINE_boolean('fast', False, 'fast')


def _create_pipeline(pipeline_name, pipeline_root, data_root):
    gen = tfx.components.CsvExampleGen(input_base=data_root)
    return tfx.dsl.Pipeline(pipeline_name=pipeline_name, pipeline_root=pipeline_root,
                            components=[gen])


def main(argv):
    del argv
    name = 'fast' if FLAGS.fast else 'slow'
    tfx.orchestration.LocalDagRunner().run(
        _create_pipeline(pipeline_name=name, pipeline_root='out', data_root=FLAGS.data_root))


if __name__ == '__main__':
  app.run(main)
"""


def _write(folder: Path, name: str, text: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return str(folder / name)


def _input_base(pipeline) -> str:
    return pipeline.components[0].arguments["input_base"]


def test_flags_take_their_defaults_and_main_names_are_defined(tmp_path):
    argv = list(sys.argv)
    pipeline = load_pipeline(_write(tmp_path, "pipeline.py", FLAGS_FILE))
    assert pipeline.name == "DirectRunner-3-1", "defaults; sys.argv is the file alone"
    assert sys.argv == argv, "tfpipe's own argv is back"
    assert pipeline.pipeline_root == "out/DirectRunner-3-1"


def test_p_sets_a_flag_and_an_argument_and_a_second_load_starts_from_defaults(tmp_path):
    path = _write(tmp_path, "pipeline.py", FLAGS_FILE)
    pipeline = load_pipeline(path, {"runner": "FlinkRunner", "epochs": 7,
                                    "data_root": "elsewhere"})
    assert pipeline.name == "FlinkRunner-7-1"
    assert _input_base(pipeline) == "elsewhere"
    assert load_pipeline(path).name == "DirectRunner-3-1"


def test_two_files_defining_the_same_flags_load_in_one_process(tmp_path):
    from absl import flags

    first = load_pipeline(_write(tmp_path / "a", "pipeline.py", FLAGS_FILE),
                          {"epochs": 1})
    second = load_pipeline(_write(tmp_path / "b", "pipeline.py", FLAGS_FILE),
                           {"epochs": 2})
    assert (first.name, second.name) == ("DirectRunner-1-1", "DirectRunner-2-1")
    assert "runner" not in flags.FLAGS, "the files' flags are not left in absl's FLAGS"


def test_an_app_run_main_builds_the_pipeline_with_its_flags(tmp_path):
    path = _write(tmp_path, "pipeline.py", APP_FILE)
    pipeline = load_pipeline(path)
    assert (pipeline.name, _input_base(pipeline)) == ("slow", "data")
    pipeline = load_pipeline(path, {"fast": True, "data_root": "d2"})
    assert (pipeline.name, _input_base(pipeline)) == ("fast", "d2")


def test_a_bad_flag_value_names_the_flag_and_its_values(tmp_path):
    path = _write(tmp_path, "pipeline.py", FLAGS_FILE)
    with pytest.raises(PipelineLoadError) as caught:
        load_pipeline(path, {"runner": "Nope"})
    assert f"-p runner=Nope is not a value of the absl flag --runner that {path} " \
           "defines." in str(caught.value)
    assert caught.value.fix == "use one of: DirectRunner, FlinkRunner"
    with pytest.raises(PipelineLoadError, match="invalid literal for int"):
        load_pipeline(path, {"epochs": "many"})


def test_a_statement_under_main_that_fails_is_shown_at_its_line(tmp_path):
    text = FLAGS_FILE.replace("    absl.flags.FLAGS(sys.argv)\n",
                              "    absl.flags.FLAGS(sys.argv)\n    1 / 0\n")
    path = _write(tmp_path, "pipeline.py", text)
    with pytest.raises(PipelineLoadError) as caught:
        load_pipeline(path)
    assert "raised ZeroDivisionError under __main__, before building the pipeline" in \
        str(caught.value)
    assert caught.value.where == f"{path}:21"


def test_tfpipe_compile_takes_a_flag_with_p(tmp_path):
    path = _write(tmp_path, "pipeline.py", FLAGS_FILE)
    result = run_cli("compile", "--ir", path, "-p", "runner=FlinkRunner",
                     "-o", str(tmp_path / "ir.json"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"FlinkRunner-3-1"' in (tmp_path / "ir.json").read_text()
