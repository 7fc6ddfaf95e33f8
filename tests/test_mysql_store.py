"""A shared MLMD store on MariaDB (MLMD's own MySQL backend), with a real server."""
from __future__ import annotations

import os

import pytest

from tfpipe.metadata.store import connect
from tfpipe.errors import MetadataError

from . import mariadb
from .conftest import PENGUIN, run_cli


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not mariadb.available():
        if os.environ.get("CI"):
            pytest.fail("CI must test the MySQL store: .ci/run installs mariadb-server")
        pytest.skip("MariaDB is not installed here (.ci/run installs mariadb-server)")
    db = mariadb.MariaDB(tmp_path_factory.mktemp("mariadb")).start()
    yield db
    db.stop()


def test_penguin_pipeline_records_to_mariadb(server, tmp_path):
    url = server.url("tfpipe_penguin")
    result = run_cli("run", str(PENGUIN / "pipeline.py"), "-p", f"pipeline_root={tmp_path}",
                     "--to-node", "ExampleValidator", "--metadata", url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"metadata store  mysql://127.0.0.1:{server.port}/tfpipe_penguin" in result.stdout
    assert not (tmp_path / "metadata.sqlite").exists()

    from ml_metadata.proto import metadata_store_pb2 as pb

    store = connect(url)
    executions = store.get_executions()
    assert len(executions) == 4
    assert all(e.last_known_state == pb.Execution.COMPLETE for e in executions)
    assert all(a.state == pb.Artifact.LIVE for a in store.get_artifacts())

    again = run_cli("run", str(PENGUIN / "pipeline.py"), "-p", f"pipeline_root={tmp_path}",
                    "--to-node", "ExampleValidator", "--metadata", url)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("reused from cache") == 4


def test_an_unreachable_server_is_a_clear_error():
    with pytest.raises(MetadataError) as caught:
        connect("mysql://root@127.0.0.1:1/x")
    message = str(caught.value)
    assert "no MySQL server answered at 127.0.0.1:1 (mysql://127.0.0.1:1/x)" in message
    assert "fix: start the MySQL or MariaDB server" in message
    assert "root@" not in message


def _answers(client) -> dict:
    """What every client method says about a store (ids and times left out: they are
    the same records written to two databases)."""
    latest = client.runs()[0]
    run = client.run(latest.run_id[:-1])
    trainer = run.node("Trainer")
    model = trainer.outputs[0].artifact
    lineage = client.lineage(model.id)
    return {
        "pipelines": client.pipelines(),
        "runs": [(r.pipeline, r.run_id, r.state, r.count("COMPLETE")) for r in client.runs()],
        "complete": len(client.runs(state="COMPLETE")), "failed": client.runs(state="FAILED"),
        "counted": client.count_runs(pipeline="penguin"),
        "page": [r.run_id for r in client.runs(limit=1, offset=1)],
        "nodes": [(n.node_id, n.state, n.cache_reason, n.parameters,
                   [(p.name, p.artifact.type_name) for p in n.inputs],
                   [(p.name, p.artifact.type_name) for p in n.outputs]) for n in run.nodes],
        "edges": run.edges,
        "artifacts": [(a.type_name, a.state) for a in client.artifacts(pipeline="penguin")],
        "models": [a.uri for a in client.artifacts(type="Model")],
        "artifact": client.artifact(model.id).uri,
        "registry": client.models("penguin"),  # nothing pushed: blessings are not recorded
        "spans": [(r.span, r.model_spans) for r in client.span_history("penguin")],
        "lineage": sorted(e.node_id for e in lineage.executions.values()),
    }


def test_the_client_reads_a_mariadb_store_as_a_sqlite_one(server, tmp_path):
    """The same runs recorded to MariaDB and to SQLite (bench/ui.py writes them through
    tfpipe's MLMD layer): tfpipe.Client answers every question the same on both."""
    from bench.ui import fill_store
    from tfpipe import Client

    url, sqlite = server.url("tfpipe_client"), str(tmp_path / "metadata.sqlite")
    for target in (url, sqlite):
        fill_store(target, 3, parameters={"train_steps": 10}, root=str(tmp_path / "root"))
    on_mariadb = _answers(Client(url))
    assert on_mariadb == _answers(Client(sqlite))
    assert len(on_mariadb["runs"]) == 3 and on_mariadb["complete"] == on_mariadb["counted"] == 3
    assert on_mariadb["page"] == [on_mariadb["runs"][1][1]]
    assert on_mariadb["lineage"] == ["CsvExampleGen", "Evaluator", "Pusher", "SchemaGen",
                                     "StatisticsGen", "Trainer", "Transform"]
    assert ("Trainer", "Evaluator") in on_mariadb["edges"]
