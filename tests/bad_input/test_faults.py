"""Faults during a run that no input file alone can cause: data changing while it is
read, a full disk, a read-only pipeline root, a file the user may not read. Each asserts
the message, and that nothing half-written is recorded."""
from __future__ import annotations

import contextlib
import glob
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tfpipe
from tfpipe.components import CsvExampleGen
from tfpipe import run_pipeline

from ..components.test_example_gen import CSV
from ..conftest import Store, run_cli
from .test_bad_input import GOOD_CSV, TEMPLATE


def test_files_changing_while_they_are_read_are_refused(tmp_path, monkeypatch):
    """A file appended to while ExampleGen reads it: the output is discarded, not recorded."""
    from tfpipe.io import csv_batches
    from tfpipe.errors import InputDataError

    (tmp_path / "data").mkdir()
    data = tmp_path / "data" / "data.csv"
    data.write_text(CSV, newline="")
    read = csv_batches.read_batches

    def read_then_append(path, header, node):
        yield from read(path, header, node)
        with open(path, "a") as f:
            f.write("e,late,5\r\n")
    monkeypatch.setattr(csv_batches, "read_batches", read_then_append)
    gen = CsvExampleGen(input_base=str(tmp_path / "data"))
    with pytest.raises(InputDataError, match="the input files changed while they were read") as e:
        run_pipeline(tfpipe.Pipeline("csv", str(tmp_path / "root"), [gen]), quiet=True)
    assert "land data atomically" in e.value.fix
    assert not glob.glob(str(tmp_path / "root" / "CsvExampleGen" / "examples" / "*" / "*"))


WRITER = textwrap.dedent('''
    import os
    import tfpipe
    from tfpipe import Examples, Output, Parameter

    @tfpipe.component
    def Produce(examples: Output[Examples], megabytes: Parameter[int] = 0):
        with open(os.path.join(examples.uri, "data.bin"), "wb") as f:
            for _ in range(megabytes):
                f.write(b"x" * 1024 * 1024)

    def create_pipeline(root, megabytes=1):
        return tfpipe.Pipeline("writer", root, [Produce(megabytes=megabytes)])
''')


@contextlib.contextmanager
def _tmpfs(path: Path, *options: str):
    """A small tmpfs mounted at ``path`` (the tests run as root, as CI does)."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs",
                              str(path)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_disk_fails_the_node_and_keeps_the_store(tmp_path):
    """The pipeline root on a 3 MB disk, a node writing 10 MB: one clear error, the
    half-written output removed (which frees the disk), the store consistent, and the
    next run, with room, completes."""
    (tmp_path / "pipeline.py").write_text(WRITER)
    with _tmpfs(tmp_path / "disk", "size=3m") as disk:
        args = ["run", str(tmp_path / "pipeline.py"), "-p", f"root={disk / 'root'}"]
        full = run_cli(*args, "-p", "megabytes=10")
        assert full.returncode == 3, full.stdout + full.stderr
        assert "Error (execution failed): [Produce] Produce ran out of disk space: No space " \
               "left on device." in full.stderr
        assert "fix: free space on the disk that holds the pipeline root (`df -h` shows it), " \
               "or set pipeline_root to a larger disk; this node's outputs were removed" \
               in full.stderr
        assert "Traceback" not in full.stderr
        Store(disk / "root" / "metadata.sqlite").assert_closed("writer", "Produce", "FAILED")
        again = run_cli(*args)
        assert again.returncode == 0, again.stdout + again.stderr
        store = Store(disk / "root" / "metadata.sqlite")
        assert [store.state(e) for e in store.executions("writer", "Produce")] == \
            ["FAILED", "COMPLETE"]


EXAMPLE_GEN = textwrap.dedent('''
    import tfpipe
    from tfpipe.components import CsvExampleGen

    def create_pipeline(root, data):
        return tfpipe.Pipeline("gen", root, [CsvExampleGen(input_base=data)])
''')


def test_a_full_disk_inside_a_beam_node_is_named_and_frees_its_space(tmp_path):
    """CsvExampleGen's Beam writers meet a full disk (TensorFlow's and Arrow's errors,
    re-raised by Beam): the same one message as any node, no traceback, the shards and
    Arrow twins it had open closed and removed, so the store still records the failure;
    with room, the next run completes."""
    (tmp_path / "pipeline.py").write_text(EXAMPLE_GEN)
    data = Path(__file__).resolve().parents[2] / "pipelines" / "taxi" / "data"
    with _tmpfs(tmp_path / "disk", "size=1600k") as disk:
        args = ["run", str(tmp_path / "pipeline.py"), "-p", f"root={disk / 'root'}",
                "-p", f"data={data}"]
        full = run_cli(*args)
        assert full.returncode == 3, full.stdout + full.stderr
        assert "Error (execution failed): [CsvExampleGen] CsvExampleGen ran out of disk space " \
               f"writing {disk}/root/CsvExampleGen/examples/1: No space left on device." \
               in full.stderr
        assert "this node's outputs were removed" in full.stderr
        assert "Traceback" not in full.stderr and full.stderr.count("Error (") == 1
        assert not any((disk / "root" / "CsvExampleGen" / "examples").iterdir())
        subprocess.run(["mount", "-o", "remount,size=8m", str(disk)], check=True)
        again = run_cli(*args)
        assert again.returncode == 0, again.stdout + again.stderr
        store = Store(disk / "root" / "metadata.sqlite")
        assert [store.state(e) for e in store.executions("gen", "CsvExampleGen")] == \
            ["FAILED", "COMPLETE"]


def test_a_read_only_pipeline_root_is_refused_before_anything_runs(tmp_path):
    (tmp_path / "pipeline.py").write_text(WRITER)
    with _tmpfs(tmp_path / "disk", "ro", "size=1m") as disk:
        result = run_cli("run", str(tmp_path / "pipeline.py"), "-p", f"root={disk / 'root'}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"Error (definition error): cannot write to the pipeline root {disk / 'root'}: " \
           "Read-only file system." in result.stderr
    assert "fix: choose a pipeline_root you can write to" in result.stderr


def test_an_unreadable_data_file_is_named(tmp_path):
    """Run without the power to read any file (root's DAC override dropped, as for an
    ordinary user) over a data file nobody may read."""
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    shutil.copy(TEMPLATE, tmp_path / "pipeline.py")
    (tmp_path / "data").mkdir()
    data = tmp_path / "data" / "data.csv"
    shutil.copy(GOOD_CSV, data)
    data.chmod(0)
    result = subprocess.run(
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m",
         "tfpipe.cli", "run", str(tmp_path / "pipeline.py"), "-p", f"root={tmp_path / 'root'}",
         "-p", f"data={tmp_path / 'data'}"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"Error (execution failed): [CsvExampleGen] CsvExampleGen may not open {data}: " \
           "Permission denied." in result.stderr
    assert f"fix: give the user who runs tfpipe access to it (e.g. chmod a+r {data} for an " \
           "input file)" in result.stderr
    Store(tmp_path / "root" / "metadata.sqlite").assert_closed("bad", "CsvExampleGen", "FAILED")
