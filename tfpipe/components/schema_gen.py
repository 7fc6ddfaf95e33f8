"""SchemaGen (infer a schema from the train split) and ImportSchemaGen (a curated one)."""
from __future__ import annotations

import os
import shutil

from ..artifacts.schema import parse_schema, schema_path, write_schema
from ..artifacts.statistics import load_statistics
from ..dsl import ExampleStatistics, ExecutionContext, Input, Output, Parameter, Schema, component
from ..errors import InputDataError


@component
def SchemaGen(statistics: Input[ExampleStatistics], schema: Output[Schema],
              infer_feature_shape: Parameter[bool] = True, context: ExecutionContext = None):
    """Infer a schema with ``tfdv.infer_schema`` from the statistics of the train split."""
    import tensorflow_data_validation as tfdv

    split = "train" if "train" in statistics.split_names else statistics.split_names[0]
    train = load_statistics(statistics.uri, split)
    inferred = tfdv.infer_schema(train, infer_feature_shape=infer_feature_shape)
    others = [load_statistics(statistics.uri, s) for s in statistics.split_names if s != split]
    _types_from_other_splits(inferred, train, others)
    write_schema(inferred, schema.uri)


def _types_from_other_splits(schema, train, others) -> None:
    """A feature missing from every train example has no type in the train statistics
    (TFDV would call it BYTES); take its type from a split where it has values, so
    that split is not read with the wrong type."""
    from tensorflow_metadata.proto.v0 import schema_pb2, statistics_pb2

    stats_types = {statistics_pb2.FeatureNameStatistics.INT: schema_pb2.INT,
                   statistics_pb2.FeatureNameStatistics.FLOAT: schema_pb2.FLOAT,
                   statistics_pb2.FeatureNameStatistics.STRING: schema_pb2.BYTES,
                   statistics_pb2.FeatureNameStatistics.BYTES: schema_pb2.BYTES}

    def present(stats_list):
        return {".".join(f.path.step): f for f in stats_list.datasets[0].features
                if (c := _common(f)) is not None and c.num_non_missing > 0}

    seen_in_train = present(train)
    typed = {}
    for stats in others:
        for name, f in present(stats).items():
            typed.setdefault(name, stats_types.get(f.type))
    for feature in schema.feature:
        if feature.name not in seen_in_train and typed.get(feature.name):
            feature.type = typed[feature.name]
            feature.ClearField("domain_info")


def _common(feature_stats):
    kind = feature_stats.WhichOneof("stats")
    return getattr(feature_stats, kind).common_stats if kind else None


@component(content_parameters=("schema_file",))
def ImportSchemaGen(schema: Output[Schema], schema_file: Parameter[str],
                    context: ExecutionContext = None):
    """Import a curated schema.pbtxt (a text-format tensorflow_metadata Schema)."""
    from google.protobuf import text_format

    if not os.path.isfile(schema_file):
        raise InputDataError(f"schema_file {schema_file} does not exist.", node=context.node_id,
                             fix="point schema_file at a schema.pbtxt")
    try:
        with open(schema_file, encoding="utf-8") as f:
            parse_schema(f.read())
    except text_format.ParseError as exc:
        raise InputDataError(f"{schema_file} is not a valid schema: {exc}.",
                             node=context.node_id, fix="correct the text-format Schema proto "
                             "(see tensorflow_metadata/proto/v0/schema.proto)") from None
    shutil.copyfile(schema_file, schema_path(schema.uri))
