"""``tfpipe init``: a new user's project, from creation to a traced pushed model."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from .conftest import run_cli
from .user_project import check, full_penguin, pushed_versions

TEMPLATE_MODULES = {"penguin": "penguin_utils.py", "taxi": "taxi_utils.py"}
TEMPLATES = tuple(TEMPLATE_MODULES)


@pytest.mark.parametrize("template", TEMPLATES)
def test_init_creates_a_ready_project(tmp_path, template):
    target = tmp_path / "my-project"
    output = check(run_cli("init", str(target), "--template", template))
    files = {str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()}
    assert {"pipeline.py", TEMPLATE_MODULES[template], "tests/test_pipeline.py", ".gitignore",
            "README.md"} <= files
    assert any(f.startswith("data/") and f.endswith(".csv") for f in files)
    assert "tfpipe_output/" in (target / ".gitignore").read_text().splitlines()
    readme = (target / "README.md").read_text()
    assert readme.startswith("# my-project\n") and "{{" not in readme
    assert TEMPLATE_MODULES[template] in readme
    assert "tfpipe run pipeline.py" in output and f"cd {target}" in output
    for py in target.rglob("*.py"):  # paths are written from the project folder
        assert f"pipelines/{template}/" not in py.read_text(), py
    assert not (target / "tfpipe_output").exists()


def test_init_fills_an_empty_folder(tmp_path):
    check(run_cli("init", str(tmp_path)))
    assert (tmp_path / "pipeline.py").is_file()


def test_init_never_overwrites(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    output = check(run_cli("init", str(tmp_path)), expected=2)
    assert "already exists and is not empty" in output and "fix:" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_init_lists_the_templates_when_one_is_unknown(tmp_path):
    output = check(run_cli("init", str(tmp_path / "x"), "--template", "mnist"), expected=2)
    assert "'penguin'" in output and "'taxi'" in output
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_projects_own_tests_pass(tmp_path, template):
    target = tmp_path / "p"
    check(run_cli("init", str(target), "--template", template))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "tests"], cwd=target, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout


@pytest.mark.parametrize("template", TEMPLATES)
def test_the_project_compiles_to_kubeflow_yaml(tmp_path, template):
    target = tmp_path / "p"
    check(run_cli("init", str(target), "--template", template))
    check(run_cli("compile", "pipeline.py", "-o", "pipeline.yaml", cwd=target))
    spec = yaml.safe_load((target / "pipeline.yaml").read_text())
    tasks = spec["root"]["dag"]["tasks"]
    assert {"csvexamplegen", "statisticsgen", "trainer"} <= set(tasks)


@pytest.mark.slow
def test_a_new_user_creates_runs_reports_and_traces_a_project(tmp_path_factory):
    """init -> run (whole pipeline) -> report -> lineage of the pushed model."""
    project = full_penguin(tmp_path_factory)
    output = check(run_cli("report", cwd=project))
    assert "written to report.html" in output
    html = (project / "report.html").read_text()
    assert "Pushed model" in html and "BLESSED" in html
    runs = check(run_cli("runs", cwd=project))
    assert "penguin" in runs and "COMPLETE" in runs
    served = pushed_versions(project)
    assert served, f"no pushed model under {project}"
    lineage = check(run_cli("lineage", str(served[-1]), cwd=project))
    assert f"data input_base: {project / 'data'}" in lineage
    assert "code penguin_utils.py" in lineage and "unchanged" in lineage
    assert "made by Trainer" in lineage and "made by CsvExampleGen" in lineage
