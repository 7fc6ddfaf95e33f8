"""Comparing what two runs of a pipeline wrote: statistics, schemas, examples, inferences."""
from __future__ import annotations

import glob
import math
import os

from google.protobuf import json_format


def _numbers_close(a, b, path: str, rel: float) -> list[str]:
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) \
            or not isinstance(b, (int, float)):
        return [] if a == b else [f"{path}: {a!r} != {b!r}"]
    if math.isclose(a, b, rel_tol=rel, abs_tol=1e-9):
        return []
    return [f"{path}: {a!r} != {b!r}"]


def differences(a, b, path: str = "", rel: float = 1e-6, loose: tuple[str, ...] = (),
                loose_rel: float = 0.05) -> list[str]:
    """Where two JSON values differ: numbers within ``rel`` (``loose_rel`` under a key in
    ``loose``, e.g. quantile histograms), everything else equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{path}/{key}: only in {'first' if key in a else 'second'}")
                continue
            tol = loose_rel if key in loose else rel
            out += differences(a[key], b[key], f"{path}/{key}", tol, loose, loose_rel)
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b))
                for d in differences(x, y, f"{path}[{i}]", rel, loose, loose_rel)]
    if isinstance(a, str) and isinstance(b, str):
        try:
            return _numbers_close(float(a), float(b), path, rel)
        except ValueError:
            return [] if a == b else [f"{path}: {a!r} != {b!r}"]
    return _numbers_close(a, b, path, rel)


def statistics(uri: str) -> dict:
    """The FeatureStats.pb of each split under a statistics artifact, as JSON, with
    features in name order."""
    from tensorflow_metadata.proto.v0 import statistics_pb2

    out = {}
    for path in sorted(glob.glob(os.path.join(uri, "Split-*", "FeatureStats.pb"))):
        stats = statistics_pb2.DatasetFeatureStatisticsList()
        with open(path, "rb") as f:
            stats.ParseFromString(f.read())
        data = json_format.MessageToDict(stats)
        for dataset in data.get("datasets", []):
            dataset["features"] = sorted(dataset.get("features", []),
                                         key=lambda f: json_format.json.dumps(f.get("path")))
        out[os.path.basename(os.path.dirname(path))] = data
    return out


def examples(uri: str) -> dict[str, list[dict]]:
    """The tf.Examples of each split, as sorted JSON rows."""
    import tensorflow as tf

    out = {}
    for split in sorted(glob.glob(os.path.join(uri, "Split-*"))):
        rows = []
        for path in sorted(glob.glob(os.path.join(split, "*"))):
            if os.path.isdir(path):
                continue
            compression = "GZIP" if path.endswith(".gz") else ""
            for record in tf.compat.v1.io.tf_record_iterator(
                    path, tf.io.TFRecordOptions(compression_type=compression)):
                rows.append(json_format.MessageToDict(tf.train.Example.FromString(record)))
        out[os.path.basename(split)] = sorted(rows, key=lambda r: json_format.json.dumps(
            r, sort_keys=True))
    return out
