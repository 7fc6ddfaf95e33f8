"""TFX's helper modules (``tfx.utils``, ``tfx.types.artifact_utils``, value artifacts,
``executor_spec``, ``tfx.__version__``) as a TFX pipeline or module file imports them."""
from __future__ import annotations

import json

import pytest

from tfpipe import tfx_imports
from tfpipe.artifacts import Examples, Model
from tfpipe.errors import DefinitionError


@pytest.fixture
def tfx():
    with tfx_imports.enabled():
        import tfx

        yield tfx


def test_proto_utils_round_trips_tfxs_protos_and_real_ones(tfx):
    from tfx.utils import proto_utils
    from google.protobuf import struct_pb2

    config = tfx.v1.proto.RangeConfig(static_range=tfx.v1.proto.StaticRange(
        start_span_number=3, end_span_number=3))
    text = proto_utils.proto_to_json(config)
    assert json.loads(text) == {"static_range": {"end_span_number": 3, "start_span_number": 3}}
    back = proto_utils.json_to_proto(text, tfx.v1.proto.RangeConfig())
    assert back.as_parameter() == config.as_parameter()
    value = proto_utils.dict_to_proto({"a": 2}, struct_pb2.Struct())
    assert value["a"] == 2 and json.loads(proto_utils.proto_to_json(value)) == {"a": 2.0}


def test_io_and_path_utils_point_where_tfpipe_writes(tfx, tmp_path):
    from tfx.utils import io_utils, path_utils

    io_utils.write_string_file(str(tmp_path / "a" / "b.txt"), "hello")
    assert io_utils.read_string_file(str(tmp_path / "a" / "b.txt")) == "hello"
    io_utils.copy_dir(str(tmp_path / "a"), str(tmp_path / "c"))
    assert io_utils.get_only_uri_in_dir(str(tmp_path / "c")) == str(tmp_path / "c" / "b.txt")
    with pytest.raises(ValueError, match="2 entries"):
        io_utils.write_string_file(str(tmp_path / "c" / "d.txt"), "")
        io_utils.get_only_uri_in_dir(str(tmp_path / "c"))
    model = Model(str(tmp_path / "model"))
    assert path_utils.serving_model_path(model.uri) == f"{model.uri}/{Model.SERVING_DIR}"
    assert path_utils.eval_model_path(model.uri) == path_utils.serving_model_path(model.uri)


def test_artifact_utils_and_value_artifacts(tfx, tmp_path):
    from tfx.types import artifact_utils, standard_artifacts

    examples = Examples(str(tmp_path / "examples"))
    examples.split_names = ["train", "eval"]
    assert artifact_utils.get_single_uri([examples]) == examples.uri
    assert artifact_utils.get_split_uri([examples], "eval") == f"{examples.uri}/Split-eval"
    assert artifact_utils.decode_split_names(artifact_utils.encode_split_names(["x"])) == ["x"]
    with pytest.raises(ValueError, match="length of one but got 2"):
        artifact_utils.get_single_instance([examples, examples])
    for kind, value in ((standard_artifacts.String, "20220101"), (standard_artifacts.Integer, 7),
                        (standard_artifacts.Float, 0.5), (standard_artifacts.Boolean, True)):
        artifact = kind(str(tmp_path / kind.TYPE_NAME))
        artifact.value = value
        assert kind(artifact.uri).value == value


def test_the_generic_executor_spec_is_tfpipes_trainer_and_tfx_has_a_version(tfx):
    from tfx.components.trainer import executor
    from tfx.dsl.components.base import executor_spec

    spec = executor_spec.ExecutorClassSpec(executor.GenericExecutor)
    node = tfx.components.Trainer(module_file="m.py", custom_executor_spec=spec)
    assert node.id == "Trainer"
    with pytest.raises(DefinitionError, match="custom_executor_spec"):
        tfx.components.Trainer(module_file="m.py",
                               custom_executor_spec=executor_spec.ExecutorClassSpec(object))
    assert tfx.__version__ == tfx.v1.__version__ == tfx_imports.TFX_VERSION
