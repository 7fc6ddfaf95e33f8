"""CsvExampleGen reads RFC 4180 CSV: quoted fields holding commas, quotes and line breaks."""
from __future__ import annotations

import glob

import pytest

import tfpipe
from tfpipe.components import CsvExampleGen
from tfpipe.errors import InputDataError
from tfpipe import run_pipeline

CSV = ('name,comment,count\r\n'
       'a,"plain",1\r\n'
       'b,"a comma, inside",2\r\n'
       '\r\n'
       'c,"two\nlines and ""quotes""",3\r\n'
       'd,,4\r\n')


def _examples(uri: str) -> dict[str, dict]:
    import tensorflow as tf

    found = {}
    for path in glob.glob(f"{uri}/Split-*/*.gz"):
        for record in tf.data.TFRecordDataset(path, compression_type="GZIP"):
            example = tf.train.Example.FromString(record.numpy())
            features = example.features.feature
            found[features["name"].bytes_list.value[0].decode()] = {
                "comment": [v.decode() for v in features["comment"].bytes_list.value],
                "count": list(features["count"].int64_list.value)}
    return found


def test_quoted_fields_may_hold_commas_quotes_and_line_breaks(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "data.csv").write_text(CSV, newline="")
    gen = CsvExampleGen(input_base=str(tmp_path / "data"))
    result = run_pipeline(tfpipe.Pipeline("csv", str(tmp_path / "root"), [gen]), quiet=True)
    [examples] = result.results["CsvExampleGen"].artifacts["examples"]
    assert _examples(examples.uri) == {
        "a": {"comment": ["plain"], "count": [1]},
        "b": {"comment": ["a comma, inside"], "count": [2]},
        "c": {"comment": ['two\nlines and "quotes"'], "count": [3]},
        "d": {"comment": [], "count": [4]},
    }



# Rows of a file without quotes: CRLF and LF endings, blank and blank-looking lines, an
# integer column that turns float late (converted again), a sparse column (empty in the
# sampled rows), a last line without a line ending.
HEADER = "id,count,ratio,name,sparse\r\n"
ROWS = ([f"r{i},{i},{i},n{i % 7},\r\n" for i in range(40)] + ["\r\n", "   \n"]
        + [f"r{i},{-i},{i}.5,n{i % 5},\n" for i in range(40, 80)] + ["\n"]
        + [f"r{i},{i},{i},,{i}\n" for i in range(80, 120)] + ["r120,0,1e3,last,"])
LATE_ROW_ERRORS = [
    (b"r77,1,2,n\n", "data.csv line 80: a row has 4 columns but the header has 5: 'r77,1,2,n'"),
    (b"r77,1,2,\xe9,\n", "data.csv is not UTF-8 text: byte 0xe9 on line 80"),
    (b"r77,many,2,n,\n", "column 'count' holds numbers in some rows and text in others "
     "(e.g. 'many')"),
    (b"r77,1,2,n,none\n", "column 'sparse' holds numbers in some rows and text in others "
     "(e.g. 'none')"),
]


def _small_ranges(monkeypatch) -> None:
    """Byte ranges and the type sample a few rows long, so that the test's files are
    read in many ranges and their types widen after the sample."""
    from tfpipe.io import csv_batches

    monkeypatch.setattr(csv_batches, "CHUNK_BYTES", 333)
    monkeypatch.setattr(csv_batches, "SAMPLE_BYTES", 200)
    monkeypatch.setattr(csv_batches, "ARROW_BATCH", 7)


def _by_split(uri: str) -> dict[str, list[bytes]]:
    """Each split's records, each made canonical (deterministic field order) and sorted."""
    import tensorflow as tf

    found = {}
    for folder in glob.glob(f"{uri}/Split-*"):
        records = [tf.train.Example.FromString(r.numpy()).SerializeToString(deterministic=True)
                   for path in glob.glob(f"{folder}/*.gz")
                   for r in tf.data.TFRecordDataset(path, compression_type="GZIP")]
        found[folder.rsplit("Split-", 1)[1]] = sorted(records)
    return found


def _reference(text: str, splits: list[tuple[str, int]]) -> dict[str, list[bytes]]:
    """The examples the rows must become, built with Python's csv and re modules: each
    column of the widest type of its cells (int64, float, bytes), an empty cell a feature
    without values, each record in the split of its line (without its line ending)."""
    import csv
    import re

    import tensorflow as tf

    from tfpipe.io.shards import split_index

    lines = [line for line in text.encode().split(b"\n")[1:] if line.strip()]
    keys = [line[:-1] if line.endswith(b"\r") else line for line in lines]
    header, rows = text.splitlines()[0].split(","), list(csv.reader(k.decode() for k in keys))

    def kind(cells):
        filled = [c for c in cells if c]
        if filled and all(re.fullmatch(r"[+-]?\d+", c) for c in filled):
            return "int64_list"
        if filled and all(re.fullmatch(r"[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?)", c, re.I)
                          for c in filled):
            return "float_list"
        return "bytes_list"

    kinds = [kind(column) for column in zip(*rows)]
    found: dict[str, list[bytes]] = {name: [] for name, _ in splits}
    for key, row in zip(keys, rows):
        example = tf.train.Example()
        for name, cell, kind_ in zip(header, row, kinds):
            feature = example.features.feature[name]
            if cell:
                value = {"int64_list": int, "float_list": float, "bytes_list": str.encode}[kind_]
                getattr(feature, kind_).value.append(value(cell))
        found[splits[split_index(key, splits)][0]].append(
            example.SerializeToString(deterministic=True))
    return {name: sorted(records) for name, records in found.items()}


def _run_gen(tmp_path, files: dict[str, bytes], warnings: list[str] | None = None):
    from tfpipe import events

    data = tmp_path / "data"
    data.mkdir(parents=True)
    for name, content in files.items():
        (data / name).write_bytes(content)
    gen = CsvExampleGen(input_base=str(data))

    def listener(event):
        if isinstance(event, events.NodeWarning) and warnings is not None:
            warnings.append(event.text)

    return run_pipeline(tfpipe.Pipeline("csv", str(tmp_path / "root"), [gen]),
                        listener=listener)


def test_rows_read_in_byte_ranges_become_the_examples_the_csv_module_reads(tmp_path,
                                                                           monkeypatch):
    _small_ranges(monkeypatch)
    text = HEADER + "".join(ROWS)
    warnings: list[str] = []
    result = _run_gen(tmp_path, {"data.csv": text.encode()}, warnings)
    # (Arrow's look at the whole file for the sparse column stops at the blank-looking line)
    assert warnings == ["later rows widen the type the first rows showed of column(s) 'ratio' "
                        "(integer -> float), 'sparse' (empty -> integer): the files are "
                        "converted a second time with the wider types"]
    [examples] = result.results["CsvExampleGen"].artifacts["examples"]
    found = _by_split(examples.uri)
    assert found == _reference(text, [("train", 2), ("eval", 1)])
    assert sum(map(len, found.values())) == 121
    # the late float widened "ratio" from int: every row holds a float, even the first
    import tensorflow as tf

    ratios = {tf.train.Example.FromString(r).features.feature["id"].bytes_list.value[0]:
              tf.train.Example.FromString(r).features.feature["ratio"] for r in
              found["train"] + found["eval"]}
    assert ratios[b"r1"].float_list.value == [1.0] and not ratios[b"r1"].int64_list.value
    assert list(ratios[b"r90"].float_list.value) == [90.0]
    assert ratios[b"r120"].float_list.value == [1000.0]


def test_a_sparse_column_takes_its_type_without_a_second_pass(tmp_path, monkeypatch):
    _small_ranges(monkeypatch)
    text = HEADER + "".join(row for row in ROWS
                            if row.strip() and "." not in row and "e3" not in row)
    warnings: list[str] = []
    result = _run_gen(tmp_path, {"data.csv": text.encode()}, warnings)
    [examples] = result.results["CsvExampleGen"].artifacts["examples"]
    assert _by_split(examples.uri) == _reference(text, [("train", 2), ("eval", 1)])
    assert warnings == []


def test_an_error_in_a_later_byte_range_names_its_line_or_column(tmp_path, monkeypatch):
    _small_ranges(monkeypatch)
    for i, (bad, message) in enumerate(LATE_ROW_ERRORS):
        text = (HEADER + "".join(ROWS[:78])).encode() + bad + "".join(ROWS[78:]).encode()
        with pytest.raises(InputDataError) as error:
            _run_gen(tmp_path / str(i), {"data.csv": text})
        assert message in str(error.value)
