"""Bad input to the commands other than `run` (migrate, report, compile, ui) and to
`python -m tfpipe`: each with the exact message a user sees and the documented exit code."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.ui import fill_store

from ..conftest import REPO, run_cli
from ..ui.conftest import start_ui, stop
from ..ui.test_safety import _get


def _one_clean_error(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr, "tracebacks only with --verbose"
    lines = result.stderr.splitlines()
    assert sum(line.startswith("Error") for line in lines) == 1, result.stderr


def test_migrate_a_file_that_is_not_utf8(tmp_path):
    (tmp_path / "latin1.py").write_bytes(b"from tfx import v1 as tfx\n# caf\xe9\n")
    result = run_cli("migrate", "latin1.py", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(
        "Error (cannot load pipeline): latin1.py is not UTF-8 text: byte 0xe9 on line 2.\n"
        "  at latin1.py:2\n"
        "  fix: save the file as UTF-8 (Python source is UTF-8)\n"), result.stderr
    _one_clean_error(result)


def test_migrate_a_script_with_no_tfx_in_it(tmp_path):
    script = tmp_path / "plain.py"
    script.write_text("print('hello')\n")
    result = run_cli("migrate", "plain.py", "--write", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # no diff
    assert result.stderr == "✔ nothing to rewrite: plain.py does not use TFX\n"
    assert script.read_text() == "print('hello')\n"


@pytest.mark.parametrize("command", [["report"], ["compile", "pipeline.py"]])
def test_output_into_a_folder_that_does_not_exist(tmp_path, command):
    """Checked before any work: no store or pipeline is even opened."""
    result = run_cli(*command, "-o", "no/such/dir/r.html", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert ("Error: Invalid value for '-o' / '--output': cannot write no/such/dir/r.html: "
            "the folder no/such/dir does not exist (create it first, or choose another "
            "path).") in result.stderr
    _one_clean_error(result)
    assert list(tmp_path.iterdir()) == []


def test_output_under_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    result = run_cli("report", "-o", "afile/r.html", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert ("cannot write afile/r.html: afile is a file, not a folder (choose another "
            "path).") in result.stderr
    _one_clean_error(result)


def test_a_pipeline_file_failing_to_import_tensorflow_code_prints_only_the_error(tmp_path):
    """As with TFX's MNIST example: the pipeline file imports a module that imports
    TensorFlow and then fails. TensorFlow's C++ start-up lines stay hidden as in `run`."""
    (tmp_path / "mnist_utils.py").write_text("import tensorflow as tf\nimport mnist_utils_base\n")
    (tmp_path / "mnist_pipeline.py").write_text("from tfx import v1 as tfx\nimport mnist_utils\n")
    result = run_cli("compile", "mnist_pipeline.py", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(
        "Error (cannot load pipeline): mnist_pipeline.py raised ModuleNotFoundError while "
        "loading: No module named 'mnist_utils_base'\n"
        f"  at {tmp_path / 'mnist_utils.py'}:2\n"), result.stderr
    _one_clean_error(result)


def test_python_dash_m_tfpipe(tmp_path):
    result = subprocess.run([sys.executable, "-m", "tfpipe", "--version"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "tfpipe, version 0.1.0\n"
    missing = subprocess.run([sys.executable, "-m", "tfpipe", "compile", "nope.py"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2
    assert "Error (cannot load pipeline): no pipeline file at nope.py" in missing.stderr
    assert "Usage: tfpipe" in subprocess.run(
        [sys.executable, "-m", "tfpipe", "--help"], cwd=REPO, capture_output=True,
        text=True, timeout=120).stdout


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ui-bad-input")
    fill_store(str(folder / "metadata.sqlite"), 2, root=str(folder / "root"))
    server = start_ui("--metadata", str(folder / "metadata.sqlite"), log=folder / "ui.log")
    yield server
    stop(server)


def test_ui_artifact_id_of_400_digits(ui_server):
    status, page = _get(ui_server.url + "artifacts/" + "9" * 400)
    assert status == 404
    assert f"404: no artifact &#x27;{'9' * 80}&#x27;." in page
    assert "fix: artifact ids are the numbers the run pages link to" in page
    assert _get(ui_server.url + "artifacts/" + "9" * 400 + "/lineage")[0] == 404


def test_ui_query_string_of_100_kb(ui_server):
    status, page = _get(ui_server.url + "?pipeline=" + "x" * 100_000)
    assert status == 414
    assert "414: the request&#x27;s URL is too long for tfpipe ui." in page
    assert _get(ui_server.url)[0] == 200, "the server is still up"
    log = Path(ui_server.stderr).read_text()
    assert "Traceback" not in log and "x" * 300 not in log, "the access log cuts it short"


def test_a_file_name_that_is_not_utf8(tmp_path):
    """Found by the fuzz test: the name reached the store's protobuf and raised there."""
    import os

    from tfpipe.metadata.store import connect

    connect(str(tmp_path / "metadata.sqlite"))
    name = os.fsdecode(b"caf\xe9.py")
    (tmp_path / name).write_text("x = 1\n")
    result = run_cli("lineage", name, "--metadata", "metadata.sqlite", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(
        f"Error (definition error): '{tmp_path}/caf\\xe9.py' is not UTF-8 text (a file name "
        "or argument with bytes outside UTF-8).\n  fix: rename the file, or give tfpipe "
        "names and values in UTF-8\n"), result.stderr
    _one_clean_error(result)
