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
