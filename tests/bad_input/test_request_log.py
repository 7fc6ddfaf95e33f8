"""The request log of ``tfpipe serve`` when its folder is moved away under the server (as
a user does to ingest a batch of logs): the lost file is said, once, and the next request
begins a new, complete file."""
from __future__ import annotations

import shutil

import tensorflow as tf

from tfpipe.serving.request_log import RequestLog


def _example(value: float) -> bytes:
    return tf.train.Example(features=tf.train.Features(feature={
        "x": tf.train.Feature(float_list=tf.train.FloatList(value=[value]))})
    ).SerializeToString()


def test_a_log_folder_moved_away_mid_file_is_said_and_logging_goes_on(tmp_path, capsys):
    log = RequestLog(str(tmp_path / "logs"), rotate_seconds=3600, seed=0)
    log.log([_example(1.0)], version=1)
    shutil.move(str(tmp_path / "logs"), str(tmp_path / "moved"))
    log.rotate()
    err = capsys.readouterr().err
    assert "could not be moved into place (No such file or directory): its rows are lost" in err
    log.rotate()  # said once: nothing is open any more
    assert capsys.readouterr().err == ""
    log.log([_example(2.0), _example(3.0)], version=2)
    log.close()
    [written] = (tmp_path / "logs").glob("*/requests-*-v2.tfrecord.gz")
    values = [tf.train.Example.FromString(r.numpy()).features.feature["x"].float_list.value[0]
              for r in tf.data.TFRecordDataset(str(written), compression_type="GZIP")]
    assert values == [2.0, 3.0]
