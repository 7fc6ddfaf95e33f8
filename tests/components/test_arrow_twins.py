"""CsvExampleGen's Arrow twins give the readers exactly what decoding the shards gives."""
from __future__ import annotations

import glob
import os
import shutil

import pytest

import tfpipe
from tfpipe.components import CsvExampleGen
from tfpipe.io import examples as examples_io
from tfpipe.io.arrow_twins import FOLDER, twin_of
from tfpipe import run_pipeline

# Integers, floats, text, quoted text, a sparse column, a column that is always empty,
# and an integer column turning float late (converted a second time).
CSV = ("id,count,ratio,name,sparse,never,late\n"
       + "".join(f"r{i},{i},{i / 3:.4f},n{i % 7},{i if i % 9 == 0 else ''},,{i}\n"
                 for i in range(300))
       + 'r300,-1,,"quoted, name",,,0.5\n')


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("twins")
    (tmp / "data").mkdir()
    (tmp / "data" / "data.csv").write_text(CSV)
    gen = CsvExampleGen(input_base=str(tmp / "data"))
    result = run_pipeline(tfpipe.Pipeline("twins", str(tmp / "root"), [gen]), quiet=True)
    [examples] = result.results["CsvExampleGen"].artifacts["examples"]
    return examples


def _read(path: str, schema=None, raw: str | None = None) -> list:
    reader = examples_io._DecodeFile(schema and schema.SerializeToString(), raw)
    reader.setup()
    return list(reader.process(path))


def _schema(text: str):
    from google.protobuf import text_format
    from tensorflow_metadata.proto.v0 import schema_pb2

    return text_format.Parse(text, schema_pb2.Schema())


SCHEMA = _schema('feature {name: "ratio" type: FLOAT} feature {name: "id" type: BYTES} '
                 'feature {name: "count" type: INT} feature {name: "sparse" type: INT} '
                 'feature {name: "never" type: FLOAT} feature {name: "late" type: FLOAT} '
                 'feature {name: "absent" type: BYTES}')


def test_every_shard_has_a_twin_and_reads_as_decoding_it(examples, tmp_path, monkeypatch):
    monkeypatch.setattr(examples_io, "READ_BATCH_SIZE", 7)  # batches cut across the twin's own
    shards = sorted(glob.glob(os.path.join(examples.uri, "Split-*", "*.gz")))
    assert len(shards) == 2 and all(twin_of(s) for s in shards)
    copy = tmp_path / "copy"
    shutil.copytree(examples.uri, copy, ignore=shutil.ignore_patterns(FOLDER))
    rows = 0
    for shard in shards:
        plain = str(copy / os.path.relpath(shard, examples.uri))
        assert twin_of(plain) is None
        for schema in (None, SCHEMA):
            from_twin, decoded = _read(shard, schema), _read(plain, schema)
            assert [b.schema for b in from_twin] == [b.schema for b in decoded]
            assert all(a.equals(b) for a, b in zip(from_twin, decoded, strict=True))
        rows += sum(b.num_rows for b in from_twin)
        # A column with no value in a batch is of Arrow's null type, as decoded.
        assert {str(b.schema.field("never").type) for b in _read(shard)} == {"null"}
    assert rows == 301


def test_raw_records_and_a_schema_the_twin_does_not_fit_are_decoded(examples):
    import pyarrow as pa

    shard = sorted(glob.glob(os.path.join(examples.uri, "Split-*", "*.gz")))[0]
    with_raw = _read(shard, raw="__raw__")
    assert all(b.column("__raw__").type == pa.large_binary() or
               b.column("__raw__").type == pa.large_list(pa.large_binary()) for b in with_raw)
    wrong = _schema('feature {name: "count" type: FLOAT}')  # the data holds integers
    with pytest.raises(Exception, match="(?i)type|float|int"):
        _read(shard, wrong)


def test_a_damaged_twin_is_not_read_the_shard_is_decoded(examples, tmp_path):
    shard = sorted(glob.glob(os.path.join(examples.uri, "Split-*", "*.gz")))[0]
    copy = tmp_path / "copy"
    shutil.copytree(examples.uri, copy)
    damaged = str(copy / os.path.relpath(shard, examples.uri))
    twin = twin_of(damaged)
    with open(twin, "r+b") as f:
        f.truncate(os.path.getsize(twin) // 2)
    assert all(a.equals(b) for a, b in zip(_read(damaged), _read(shard), strict=True))
