"""Module files that import their neighbours by TFX package path, as TFX's examples
do (``from tfx.examples.penguin import penguin_utils_base as base``): the name is the
file beside the importing one, in the process that loads the module file and in Beam's
worker processes, without the real TFX."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tfpipe.errors import DefinitionError
from tfpipe.fingerprint import local_imports
from tfpipe.usercode.module_file import load_user_function, worker_pythonpath

BASE = "import os\n\nWHERE = {where!r}\n\n\ndef where(_):\n    return WHERE, os.getpid()\n"
UTILS = ("from tfx import v1 as tfx\n"
         "from tfx.examples.{package} import example_base as base\n"
         "import tfx.examples.{package}.example_base as same\n\n"
         "assert same is base\n\n\n"
         "def preprocessing_fn(inputs):\n"
         "    return base.where(inputs)\n")


def _module_file(folder: Path, where: str, package: str = "mine") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "example_base.py").write_text(BASE.format(where=where))
    (folder / "example_utils.py").write_text(UTILS.format(package=package))
    return str(folder / "example_utils.py")


def _load(module_file: str):
    return load_user_function(module_file, "preprocessing_fn", "Transform",
                              "preprocessing_fn(inputs)")


def test_the_file_beside_the_module_file_is_imported(tmp_path):
    path = list(sys.path)
    fn = _load(_module_file(tmp_path / "a", "a"))
    assert fn({}) == ("a", os.getpid())
    assert fn.__globals__["base"].__file__ == str(tmp_path / "a" / "example_base.py")
    assert [p for p in sys.path if p not in path] in ([], [str(tmp_path / "a")]), \
        "at most the module file's own folder, as for any module file"


def test_another_folders_files_of_the_same_tfx_path_are_their_own(tmp_path):
    first = _load(_module_file(tmp_path / "a", "a"))
    second = _load(_module_file(tmp_path / "b", "b"))
    assert (first({})[0], second({})[0]) == ("a", "b")


def test_an_edited_neighbour_is_read_again_and_counts_for_the_cache(tmp_path):
    module_file = _module_file(tmp_path / "a", "before")
    assert _load(module_file)({})[0] == "before"
    (tmp_path / "a" / "example_base.py").write_text(BASE.format(where="after"))
    assert _load(module_file)({})[0] == "after"
    assert str(tmp_path / "a" / "example_base.py") in local_imports(module_file)


def test_a_missing_neighbour_names_the_line_and_where_it_looked(tmp_path):
    module_file = tmp_path / "utils.py"
    module_file.write_text("import os\nfrom tfx.examples.mine import nowhere_base\n")
    with pytest.raises(DefinitionError) as caught:
        _load(str(module_file))
    assert str(caught.value).startswith(
        "tfx.examples.mine.nowhere_base names a file beside the file importing it (as in "
        f"TFX's examples), but there is no {tmp_path / 'nowhere_base.py'}.")
    assert caught.value.where == f"{module_file}:2"


def test_beam_worker_processes_import_it_too(tmp_path):
    """Two Beam worker processes call the module file's function, pickled by reference:
    each imports the module file, and its tfx.examples neighbour, on its own."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.testing.util import assert_that, equal_to

    module_file = _module_file(tmp_path / "w", "worker")
    fn = _load(module_file)
    options = PipelineOptions(["--direct_running_mode=multi_processing",
                               "--direct_num_workers=2"])
    with worker_pythonpath(module_file), beam.Pipeline(options=options) as p:
        found = (p | beam.Create(range(4)) | beam.Map(fn)
                 | beam.Map(lambda found, parent: (found[0], found[1] != parent), os.getpid()))
        assert_that(found, equal_to([("worker", True)] * 4))
