"""``tfpipe runs`` and ``tfpipe lineage`` on a project as a user runs it."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from .conftest import run_cli
from .user_project import check, full_penguin, project, pushed_versions


@pytest.fixture(scope="module")
def runs_project(tmp_path_factory):
    """A penguin project run twice to ExampleValidator: 4 nodes ran, then 4 cached."""
    root = project(tmp_path_factory, "runs-penguin", run_args=("--to-node", "ExampleValidator"))
    if len(json.loads(check(run_cli("runs", "--json", cwd=root)).strip())) < 2:
        check(run_cli("run", "pipeline.py", "--to-node", "ExampleValidator", cwd=root))
    return root


def _runs_json(root):
    result = run_cli("runs", "--json", cwd=root)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_runs_lists_each_run_with_its_node_counts(runs_project):
    lines = check(run_cli("runs", cwd=runs_project)).strip().splitlines()
    header, first, second = lines
    assert header.split() == ["PIPELINE", "RUN", "ID", "STARTED", "DURATION", "STATE", "RAN",
                              "CACHED", "FAILED"]
    start = header.index("RUN ID")
    for row, (ran, cached) in ((first, ("4", "0")), (second, ("0", "4"))):
        assert re.match(r"\d{8}T\d{6}-[0-9a-f]{6} ", row[start:]), row  # aligned columns
        cells = row.split()
        assert cells[0] == "penguin" and cells[5] == "COMPLETE"
        assert (cells[6], cells[7], cells[8]) == (ran, cached, "0")


def test_runs_finds_the_store_from_anywhere(runs_project):
    expected = check(run_cli("runs", cwd=runs_project))
    store = runs_project / "tfpipe_output" / "metadata.sqlite"
    for args in (["runs", str(runs_project / "pipeline.py")],
                 ["runs", "--pipeline-root", str(runs_project / "tfpipe_output")],
                 ["runs", "--metadata", str(store)],
                 ["runs", "--metadata", f"sqlite:///{store}"]):
        assert check(run_cli(*args)) == expected, args


def test_runs_json_has_every_node(runs_project):
    first, second = _runs_json(runs_project)
    nodes = ["CsvExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator"]
    assert sorted(first["nodes"]) == sorted(nodes)
    assert {n["state"] for n in first["nodes"].values()} == {"COMPLETE"}
    assert {n["state"] for n in second["nodes"].values()} == {"CACHED"}
    assert first["duration_seconds"] > second["duration_seconds"] >= 0


def test_runs_without_a_store_says_how_to_point_at_one(tmp_path):
    result = run_cli("runs", cwd=tmp_path)
    assert result.returncode == 4
    assert "no metadata store found" in result.stderr and "--pipeline-root" in result.stderr
    result = run_cli("runs", "--pipeline-root", str(tmp_path / "nowhere"))
    assert result.returncode == 4 and "nothing has run there yet" in result.stderr
    assert not (tmp_path / "nowhere").exists()  # looking never creates a store


def _anomalies_uri(root) -> str:
    [folder] = (root / "tfpipe_output" / "ExampleValidator" / "anomalies").iterdir()
    return str(folder)


def test_lineage_traces_an_artifact_to_its_data_and_parameters(runs_project):
    output = check(run_cli("lineage", _anomalies_uri(runs_project), cwd=runs_project))
    assert output.startswith("ExampleAnomalies #")
    for node in ("ExampleValidator", "SchemaGen", "StatisticsGen", "CsvExampleGen"):
        assert f"made by {node}" in output
    data = runs_project / "data" / "labelled"
    assert f'input_base = "{data}"' in output
    assert re.search(rf"data +input_base +{re.escape(str(data))} +[0-9a-f]{{16}} +unchanged",
                     output)
    assert "(nothing has used it yet)" in output


def test_lineage_accepts_an_id_a_uri_or_a_path_inside_an_artifact(runs_project):
    examples = runs_project / "tfpipe_output" / "CsvExampleGen" / "examples"
    [uri] = examples.iterdir()
    by_uri = check(run_cli("lineage", str(uri), "--direction", "up", cwd=runs_project))
    artifact_id = re.match(r"Examples #(\d+)", by_uri).group(1)
    by_id = check(run_cli("lineage", artifact_id, "--direction", "up", cwd=runs_project))
    inside = check(run_cli("lineage", str(uri / "Split-train"), "--direction", "up"))
    assert by_uri == by_id == inside


def test_lineage_follows_an_artifact_forward(runs_project):
    [uri] = (runs_project / "tfpipe_output" / "CsvExampleGen" / "examples").iterdir()
    output = check(run_cli("lineage", str(uri), "--direction", "down", cwd=runs_project))
    assert "Where it came from" not in output
    for node in ("StatisticsGen", "SchemaGen", "ExampleValidator"):
        assert f"→ {node} (" in output
    assert "also output by 1 later execution(s)" in output  # the cached second run


def test_lineage_says_when_the_data_changed_since(runs_project):
    csv = runs_project / "data" / "labelled" / "labelled.csv"
    before = csv.stat()
    try:
        os.utime(csv, ns=(before.st_atime_ns, before.st_mtime_ns + 10**9))
        output = check(run_cli("lineage", _anomalies_uri(runs_project), "--direction", "up"))
        assert re.search(r"data +input_base .* changed", output)
    finally:
        os.utime(csv, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_lineage_of_something_unknown_is_a_clear_error(runs_project):
    result = run_cli("lineage", "/no/such/model", cwd=runs_project)
    assert result.returncode == 4
    assert "/no/such/model is not an artifact" in result.stderr
    assert str(runs_project / "tfpipe_output" / "metadata.sqlite") in result.stderr
    result = run_cli("lineage", "99999", cwd=runs_project)
    assert result.returncode == 4 and "no artifact with id 99999" in result.stderr


def test_look_only_commands_import_no_tensorflow_or_beam(runs_project, tmp_path):
    script = (
        "import sys\nfrom tfpipe.cli import main\n"
        "for args in sys.argv[1:]:\n"
        "    main(args.split('|'), standalone_mode=False)\n"
        "heavy = [m for m in ('tensorflow', 'apache_beam', 'tensorflow_data_validation', "
        "'tensorflow_transform', 'tensorflow_model_analysis') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n")
    result = subprocess.run(
        [sys.executable, "-c", script, f"init|{tmp_path / 'new'}", "runs", "models",
         f"lineage|{_anomalies_uri(runs_project)}"],
        cwd=runs_project, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout


@pytest.mark.slow
def test_lineage_maps_a_pushed_model_folder_to_its_model(tmp_path_factory):
    root = full_penguin(tmp_path_factory)
    pushed = pushed_versions(root)
    assert pushed, f"no pushed model under {root}"
    version = pushed[-1]
    output = check(run_cli("lineage", str(version), "--direction", "up"))
    assert output.startswith("PushedModel #")
    assert f"pushed to {version} (version {version.name})" in output
    assert "model ← Model #" in output and "model_blessing ← ModelBlessing #" in output
    assert "code penguin_utils.py" in output
    # the destination folder itself means its newest version
    assert check(run_cli("lineage", str(version.parent), "--direction", "up")) == output
