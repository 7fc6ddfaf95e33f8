"""CsvExampleGen reads RFC 4180 CSV: quoted fields holding commas, quotes and line breaks."""
from __future__ import annotations

import glob

import tfpipe
from tfpipe.components import CsvExampleGen
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

