"""Faults during a run that no input file alone can cause: data changing while it is
read. Each asserts the message, and that nothing half-written is recorded."""
from __future__ import annotations

import glob

import pytest

import tfpipe
from tfpipe.components import CsvExampleGen
from tfpipe.runners.local import run_pipeline

from ..components.test_example_gen import CSV


def test_files_changing_while_they_are_read_are_refused(tmp_path, monkeypatch):
    """A file appended to while ExampleGen reads it: the output is discarded, not recorded."""
    from tfpipe.components import csv_batches
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
