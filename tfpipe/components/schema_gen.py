"""SchemaGen (infer a schema from the train split) and ImportSchemaGen (a curated one)."""
from __future__ import annotations

import os
import shutil

from ..dsl import ExampleStatistics, ExecutionContext, Input, Output, Parameter, Schema, component
from ..errors import InputDataError


def schema_path(schema: Schema) -> str:
    return os.path.join(schema.uri, Schema.FILE_NAME)


def load_schema(schema: Schema):
    import tensorflow_data_validation as tfdv

    return tfdv.load_schema_text(schema_path(schema))


@component
def SchemaGen(statistics: Input[ExampleStatistics], schema: Output[Schema],
              infer_feature_shape: Parameter[bool] = True, context: ExecutionContext = None):
    """Infer a schema with ``tfdv.infer_schema`` from the statistics of the train split."""
    import tensorflow_data_validation as tfdv

    from .statistics_gen import load_statistics

    split = "train" if "train" in statistics.split_names else statistics.split_names[0]
    inferred = tfdv.infer_schema(load_statistics(statistics, split),
                                 infer_feature_shape=infer_feature_shape)
    tfdv.write_schema_text(inferred, schema_path(schema))


@component(content_parameters=("schema_file",))
def ImportSchemaGen(schema: Output[Schema], schema_file: Parameter[str],
                    context: ExecutionContext = None):
    """Import a curated schema.pbtxt (a text-format tensorflow_metadata Schema)."""
    import tensorflow_data_validation as tfdv
    from google.protobuf import text_format

    if not os.path.isfile(schema_file):
        raise InputDataError(f"schema_file {schema_file} does not exist.", node=context.node_id,
                             fix="point schema_file at a schema.pbtxt")
    try:
        tfdv.load_schema_text(schema_file)
    except text_format.ParseError as exc:
        raise InputDataError(f"{schema_file} is not a valid schema: {exc}.",
                             node=context.node_id, fix="correct the text-format Schema proto "
                             "(see tensorflow_metadata/proto/v0/schema.proto)") from None
    shutil.copyfile(schema_file, schema_path(schema))
