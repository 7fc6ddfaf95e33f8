"""SchemaGen: a feature missing from every train example takes its type from the others."""
from __future__ import annotations

from google.protobuf import text_format


def _stats(text: str):
    from tensorflow_metadata.proto.v0 import statistics_pb2

    return text_format.Parse(text, statistics_pb2.DatasetFeatureStatisticsList())


TRAIN = """datasets { features { path { step: "tract" } type: STRING
                                 string_stats { common_stats { num_missing: 99 } } }
                      features { path { step: "fare" } type: FLOAT
                                 num_stats { common_stats { num_non_missing: 99 } } } }"""
EVAL = """datasets { features { path { step: "tract" } type: INT
                                num_stats { common_stats { num_non_missing: 1 num_missing: 50 } } }
                     features { path { step: "fare" } type: FLOAT
                                num_stats { common_stats { num_non_missing: 51 } } } }"""


def test_a_feature_missing_from_all_train_rows_gets_its_type_from_eval():
    import tensorflow_data_validation as tfdv
    from tensorflow_metadata.proto.v0 import schema_pb2

    from tfpipe.components.schema_gen import _types_from_other_splits

    train = _stats(TRAIN)
    schema = tfdv.infer_schema(train)
    assert {f.name: f.type for f in schema.feature}["tract"] == schema_pb2.BYTES  # TFDV alone
    _types_from_other_splits(schema, train, [_stats(EVAL)])
    types = {f.name: f.type for f in schema.feature}
    assert types == {"tract": schema_pb2.INT, "fare": schema_pb2.FLOAT}
