"""ImportExampleGen through TFX's names: TFRecord files of tf.Examples (payload_format
FORMAT_TF_EXAMPLE) and Parquet files (FORMAT_PARQUET), read back as a user would."""
from __future__ import annotations

import glob

import tfpipe
from tfpipe import run_pipeline
from tfpipe.v1 import components as tfx_components
from tfpipe.v1.proto import PayloadFormat


def _read(uri: str) -> dict[str, list]:
    """Every example of every split: {split: [feature dicts]}."""
    import tensorflow as tf

    found = {}
    for path in sorted(glob.glob(f"{uri}/Split-*/*.gz")):
        split = path.split("/Split-")[1].split("/")[0]
        for record in tf.data.TFRecordDataset(path, compression_type="GZIP"):
            example = tf.train.Example.FromString(record.numpy())
            row = {}
            for name, feature in example.features.feature.items():
                kind = feature.WhichOneof("kind")
                row[name] = list(getattr(feature, kind).value) if kind else []
            found.setdefault(split, []).append(row)
    return found


def _run(tmp_path, gen):
    result = run_pipeline(tfpipe.Pipeline("imports", str(tmp_path / "root"), [gen]), quiet=True)
    [examples] = result.results["ImportExampleGen"].artifacts["examples"]
    return examples, _read(examples.uri)


def test_tfrecords_of_tf_examples_are_imported_with_every_feature(tmp_path):
    import tensorflow as tf

    (tmp_path / "data").mkdir()
    with tf.io.TFRecordWriter(str(tmp_path / "data" / "part.tfrecord")) as w:
        for i in range(30):
            w.write(tf.train.Example(features=tf.train.Features(feature={
                "image": tf.train.Feature(float_list=tf.train.FloatList(value=[i / 10] * 784)),
                "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[i % 10])),
            })).SerializeToString())
    gen = tfx_components.ImportExampleGen(input_base=str(tmp_path / "data"),
                                          payload_format=PayloadFormat.FORMAT_TF_EXAMPLE)
    examples, found = _run(tmp_path, gen)
    assert examples.split_names == ["train", "eval"]
    rows = [r for split in found.values() for r in split]
    assert sorted(r["label"][0] for r in rows) == sorted(i % 10 for i in range(30))
    assert all(len(r["image"]) == 784 for r in rows)
    assert sorted(round(r["image"][0] * 10) for r in rows) == list(range(30))


def test_parquet_rows_become_tf_examples_as_tfx_converts_them(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "data").mkdir()
    n = 40
    table = pa.table({"id": list(range(n)), "ratio": [i + 0.5 for i in range(n)],
                      "name": [f"n{i}" if i % 4 else None for i in range(n)],
                      "tags": [["a", "b"] if i % 2 else [] for i in range(n)]})
    pq.write_table(table.slice(0, 25), tmp_path / "data" / "a.parquet")
    pq.write_table(table.slice(25), tmp_path / "data" / "b.parquet")
    gen = tfx_components.ImportExampleGen(input_base=str(tmp_path / "data"),
                                          payload_format=PayloadFormat.FORMAT_PARQUET)
    _, found = _run(tmp_path, gen)
    rows = {r["id"][0]: r for split in found.values() for r in split}
    assert sorted(rows) == list(range(n))
    assert rows[5] == {"id": [5], "ratio": [5.5], "name": [b"n5"], "tags": [b"a", b"b"]}
    assert rows[4]["name"] == [] and rows[4]["tags"] == []  # missing: an empty feature
