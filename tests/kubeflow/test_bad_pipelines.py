"""Pipelines Kubeflow would reject fail at compile time, each with a clear message
naming the problem and the fix."""
from __future__ import annotations

import sys
import textwrap

import pytest

from tfpipe.errors import CompileError
from tfpipe.backends.kubeflow.compile.checks import check_image
from tfpipe.backends.kubeflow.compile.pipeline import compile_file

from ..conftest import REPO, run_cli

PENGUIN = str(REPO / "pipelines" / "penguin" / "pipeline.py")

STEPS = """\
from tfpipe import Examples, Input, Model, Output, Parameter, component


@component
def Make(examples: Output[Examples], count: Parameter[int] = 1, option: Parameter[dict] = None):
    open(examples.uri + "/data.txt", "w").write(str(count))


@component
def Use(examples: Input[Examples], model: Output[Model]):
    open(model.uri + "/model.txt", "w").write(open(examples.uri + "/data.txt").read())
"""


@pytest.fixture(autouse=True)
def fresh_steps_module(monkeypatch):
    monkeypatch.delitem(sys.modules, "steps", raising=False)  # each test's own steps.py


def write_pipeline(folder, body: str) -> str:
    (folder / "pyproject.toml").write_text("")
    (folder / "steps.py").write_text(STEPS)
    path = folder / "pipeline.py"
    path.write_text("import os\nimport tfpipe\nfrom steps import Make, Use\n\n"
                    + textwrap.dedent(body))
    return str(path)


BAD = [
    ("invalid name",
     "pipeline = tfpipe.Pipeline('My Pipeline', 'out', [Make()])",
     {}, r"pipeline name 'My Pipeline' is not valid for Kubeflow.*name='my-pipeline'"),
    ("name too long",
     "pipeline = tfpipe.Pipeline('p' * 129, 'out', [Make()])",
     {}, r"is not valid for Kubeflow Pipelines: it must be 1-128"),
    ("unserialisable parameter",
     "pipeline = tfpipe.Pipeline('p', 'out', [Make(option={'when': object()})])",
     {}, r"\[Make\] parameter 'option' cannot be serialised.*fix: use str, int"),
    ("number KFP cannot hold exactly",
     "pipeline = tfpipe.Pipeline('p', 'out', [Make(count=2 ** 60)])",
     {}, r"\[Make\] parameter 'count' cannot be passed to Kubeflow: count is 1152921504606846976"),
    ("node ids colliding as task names",
     "pipeline = tfpipe.Pipeline('p', 'out', [Make().with_id('make_a'), Make().with_id('Make-A')])",
     {}, r"'Make-A' and 'make_a' both become the Kubeflow task name 'make-a'"),
    ("local path outside the project",
     "from tfpipe.components import CsvExampleGen\n"
     "pipeline = tfpipe.Pipeline('p', 'out', [CsvExampleGen(input_base='/var/data')])",
     {}, r"\[CsvExampleGen\] parameter 'input_base' is the local path /var/data, outside"),
    ("runtime parameter computed into a value",
     "def create_pipeline(count: int = 3):\n"
     "    return tfpipe.Pipeline('p', 'out', [Make(count=count * 2)])",
     {"runtime_params": ("count",)}, r"\[Make\] parameter 'count' is computed from runtime "
     r"parameter 'count'.*pass count to the component as it is"),
    ("runtime parameter changing the nodes",
     "def create_pipeline(twice: bool = False):\n"
     "    nodes = [Make()] + ([Make().with_id('again')] if twice else [])\n"
     "    return tfpipe.Pipeline('p', 'out', nodes)",
     {"runtime_params": ("twice",)}, r"runtime parameter 'twice' changes the pipeline's nodes"),
    ("runtime parameter without a simple default",
     "def create_pipeline(option: dict = None):\n"
     "    return tfpipe.Pipeline('p', 'out', [Make(option=option)])",
     {"runtime_params": ("option",)}, r"must be a str, int, float or bool"),
    ("runtime parameter that reaches no node",
     "def create_pipeline(unused: int = 1):\n"
     "    return tfpipe.Pipeline('p', 'out', [Make()])",
     {"runtime_params": ("unused",)}, r"runtime parameter 'unused' does not reach any node"),
]


@pytest.mark.parametrize("case,body,options,message", BAD, ids=[b[0] for b in BAD])
def test_bad_pipeline_fails_at_compile_time(tmp_path, case, body, options, message):
    path = write_pipeline(tmp_path, body)
    with pytest.raises(CompileError, match=f"(?s){message}") as info:
        compile_file(path, **options)
    assert info.value.fix, "every compile error says how to fix it"


GOOD_IMAGES = ["tfpipe:0.1.0", "gcr.io/my-project/tfpipe:0.1.0", "localhost:5000/a/b_c-d.e:v1",
               "ghcr.io/org/tfpipe@sha256:" + "a" * 64, "tfpipe", "us-docker.pkg.dev/p/r/i:t"]
BAD_IMAGES = [("", "empty"), ("gcr.io/Project/tfpipe:1", "must be lowercase"),
              ("tfpipe:0.1.0 ", "surrounding spaces"), ("tfpipe:a:b", "is not [registry/]"),
              ("tfpipe:-bad", "is not"), ("tfpipe@sha256:abc", "is not"),
              ("tfpipe:" + "t" * 129, "is not"), ("$(rm -rf /)", "is not")]


@pytest.mark.parametrize("image", GOOD_IMAGES)
def test_valid_image_references_are_accepted(image):
    check_image(image)


@pytest.mark.parametrize("image,why", BAD_IMAGES)
def test_invalid_image_references_are_refused(image, why):
    with pytest.raises(CompileError, match="is not a valid container image reference") as info:
        check_image(image)
    assert why in str(info.value)
    assert "--image" in info.value.fix


def test_cli_reports_a_bad_image_with_exit_code_2():
    result = run_cli("compile", PENGUIN, "--image", "Registry/TFPIPE")
    assert result.returncode == 2
    assert "Error (compile error): the image 'Registry/TFPIPE' is not a valid container image " \
           "reference: repository names must be lowercase." in result.stderr
    assert "fix: pass --image like gcr.io/my-project/tfpipe:0.1.0" in result.stderr


def test_cli_reports_an_invalid_name_with_exit_code_2(tmp_path):
    path = write_pipeline(tmp_path, "pipeline = tfpipe.Pipeline('Bad_Name', 'out', [Make()])")
    result = run_cli("compile", path)
    assert result.returncode == 2
    assert "pipeline name 'Bad_Name' is not valid for Kubeflow Pipelines" in result.stderr
    assert "fix: rename it, e.g. Pipeline(name='bad-name', ...)" in result.stderr


def test_cli_reports_an_unknown_runtime_parameter_with_a_suggestion():
    result = run_cli("compile", PENGUIN, "--runtime-param", "data_rot")
    assert result.returncode == 2
    assert "runtime parameter 'data_rot' is not an argument of create_pipeline()" in result.stderr
    assert "Did you mean 'data_root'?" in result.stderr


def test_a_create_pipeline_that_uses_a_runtime_parameter_fails_clearly(tmp_path):
    path = write_pipeline(tmp_path, """\
        def create_pipeline(data_root: str = os.path.dirname(__file__)):
            if not os.path.isdir(data_root):
                raise ValueError(f"no folder {data_root}")
            return tfpipe.Pipeline('p', 'out', [Make()])
        """)
    with pytest.raises(CompileError, match=r"create_pipeline\(\) failed when runtime parameter "
                       r"'data_root' was '/tfpipe-runtime-parameter/data_root'") as info:
        compile_file(path, runtime_params=("data_root",))
    assert "without using it" in info.value.fix
