"""TFX's configuration protos (``tfx.proto.*``) as tfpipe reads them.

Each class takes TFX's field names and nests like the proto it stands for
(``PushDestination(filesystem=PushDestination.Filesystem(base_directory=...))``);
``as_parameter()`` gives the JSON value the tfpipe component takes, so the IR stays
pure JSON. A field tfpipe does not support is an error that names it.
"""
from __future__ import annotations

from typing import Any

from ..dsl.component import caller_location, parameter_value
from ..errors import DefinitionError

__all__ = ["PayloadFormat", "DataSpec", "EvalArgs", "Input", "ModelSpec", "OutputColumnsSpec", "OutputExampleSpec",
           "PredictOutput", "PredictOutputCol", "KubernetesConfig", "LocalDockerConfig", "Output",
           "PushDestination", "RangeConfig", "RequestSpec", "RollingRange", "ServingSpec",
           "SplitConfig", "StaticRange", "TensorFlowServing", "TensorFlowServingRequestSpec",
           "TrainArgs", "TuneArgs", "ValidationSpec"]


class ProtoLike:
    """Keyword fields, as a proto constructor takes them; unknown fields are refused."""

    FIELDS: tuple[str, ...] = ()
    PROTO = ""

    def __init__(self, **fields: Any):
        unknown = [k for k in fields if k not in self.FIELDS]
        if unknown:
            raise DefinitionError(
                f"{self.PROTO} has no field {unknown[0]!r} that tfpipe supports.",
                where=caller_location(),
                fix=f"use {', '.join(self.FIELDS)}" if self.FIELDS else "leave it empty")
        self.fields = {k: v for k, v in fields.items() if v is not None}

    def __getattr__(self, name: str) -> Any:
        if name in type(self).FIELDS:
            return self.__dict__.get("fields", {}).get(name)
        raise AttributeError(name)

    def as_parameter(self) -> Any:
        return {k: parameter_value(v) for k, v in self.fields.items()}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.fields == self.fields

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.fields.items())
        return f"{self.PROTO}({inner})"


class _StepArgs(ProtoLike):
    FIELDS = ("num_steps", "splits")


class TrainArgs(_StepArgs):
    """``trainer_pb2.TrainArgs(num_steps=1000, splits=['train'])``."""
    PROTO = "TrainArgs"


class EvalArgs(_StepArgs):
    """``trainer_pb2.EvalArgs(num_steps=150, splits=['eval'])``."""
    PROTO = "EvalArgs"


class PushDestination(ProtoLike):
    """``pusher_pb2.PushDestination(filesystem=PushDestination.Filesystem(base_directory=D))``:
    tfpipe's Pusher takes the folder ``D``."""
    PROTO = "PushDestination"
    FIELDS = ("filesystem",)

    class Filesystem(ProtoLike):
        PROTO = "PushDestination.Filesystem"
        FIELDS = ("base_directory",)

    def as_parameter(self) -> str:
        folder = self.filesystem.base_directory if self.filesystem else None
        if not folder:
            raise DefinitionError("PushDestination needs filesystem.base_directory.",
                                  where=caller_location(),
                                  fix="PushDestination(filesystem=PushDestination.Filesystem("
                                      "base_directory='serving_model'))")
        return folder


class SplitConfig(ProtoLike):
    """``example_gen_pb2.SplitConfig(splits=[SplitConfig.Split(name='train',
    hash_buckets=2), ...])``: tfpipe's ``splits={'train': 2, ...}``."""
    PROTO = "SplitConfig"
    FIELDS = ("splits",)

    class Split(ProtoLike):
        PROTO = "SplitConfig.Split"
        FIELDS = ("name", "hash_buckets")

    def as_parameter(self) -> dict:
        return {s.name: s.hash_buckets for s in self.splits or []}


class Output(ProtoLike):
    """``example_gen_pb2.Output(split_config=SplitConfig(...))``."""
    PROTO = "Output"
    FIELDS = ("split_config",)

    def as_parameter(self) -> dict:
        return self.split_config.as_parameter() if self.split_config else {}


class Input(ProtoLike):
    """``example_gen_pb2.Input(splits=[Input.Split(name='single_split', pattern='*')])``:
    one pattern, split by hash as ``Output`` says (pre-split input is not supported)."""
    PROTO = "Input"
    FIELDS = ("splits",)

    class Split(ProtoLike):
        PROTO = "Input.Split"
        FIELDS = ("name", "pattern")

    def as_parameter(self) -> str:
        splits = self.splits or []
        if len(splits) != 1:
            raise DefinitionError(
                f"input_config with {len(splits)} splits: tfpipe's ExampleGen reads one "
                "pattern and splits it by hash.", where=caller_location(),
                fix="give one Input.Split(name='single_split', pattern=...) and the split "
                    "sizes in output_config")
        return splits[0].pattern


def _message(name: str, *fields: str, doc: str = "") -> type[ProtoLike]:
    """A TFX proto whose fields pass to tfpipe as they are (a dict of them)."""
    return type(name, (ProtoLike,), {"PROTO": name, "FIELDS": fields, "__doc__": doc,
                                     "__module__": __name__})


StaticRange = _message("StaticRange", "start_span_number", "end_span_number")
RollingRange = _message("RollingRange", "start_span_number", "num_spans",
                        "skip_num_recent_spans")
RangeConfig = _message("RangeConfig", "static_range", "rolling_range", doc=(
    "``range_config_pb2.RangeConfig(static_range=...)`` or ``(rolling_range=...)``."))
TuneArgs = _message("TuneArgs", "num_parallel_trials",
                    doc="``tuner_pb2.TuneArgs(num_parallel_trials=1)``.")
TensorFlowServing = _message("TensorFlowServing", "tags", "image_name")
LocalDockerConfig = _message("LocalDockerConfig", "client_timeout_seconds", "client_base_url",
                             "client_api_version")
KubernetesConfig = _message("KubernetesConfig", "service_account_name",
                            "active_deadline_seconds", "serving_pod_overrides")
TensorFlowServingRequestSpec = _message("TensorFlowServingRequestSpec", "signature_names",
                                        "tags")
ValidationSpec = _message("ValidationSpec", "max_loading_time_seconds", doc=(
    "``infra_validator_pb2.ValidationSpec(max_loading_time_seconds=...)``."))


class PayloadFormat:
    """``tfx.proto.PayloadFormat``: the format of the records ExampleGen writes (TFX's
    enum values)."""
    FORMAT_UNSPECIFIED = 0
    FORMAT_TF_EXAMPLE = 6
    FORMAT_TF_SEQUENCE_EXAMPLE = 7
    FORMAT_PROTO = 11
    FORMAT_PARQUET = 15

    @classmethod
    def Name(cls, number: int) -> str:
        names = {v: k for k, v in vars(cls).items() if k.startswith("FORMAT_")}
        return names.get(number, str(number))


DataSpec = _message("DataSpec", "example_splits", doc=(
    "``bulk_inferrer_pb2.DataSpec(example_splits=['eval'])``: empty infers on every split."))
ModelSpec = _message("ModelSpec", "model_signature_name", "tag", doc=(
    "``bulk_inferrer_pb2.ModelSpec(model_signature_name=['serving_default'])``."))
PredictOutputCol = _message("PredictOutputCol", "output_key", "output_column")
PredictOutput = _message("PredictOutput", "output_columns")
OutputColumnsSpec = _message("OutputColumnsSpec", "signature_name", "predict_output")
OutputExampleSpec = _message("OutputExampleSpec", "output_columns_spec", doc=(
    "``bulk_inferrer_pb2.OutputExampleSpec(output_columns_spec=[...])``."))


class ServingSpec(ProtoLike):
    """``infra_validator_pb2.ServingSpec(tensorflow_serving=..., local_docker=...)``: which
    server binary on which platform. tfpipe's InfraValidator always serves with its own
    TensorFlow process on the machine running the node, so the choice is not used."""
    PROTO = "ServingSpec"
    FIELDS = ("tensorflow_serving", "local_docker", "kubernetes", "model_name")


class RequestSpec(ProtoLike):
    """``infra_validator_pb2.RequestSpec(tensorflow_serving=TensorFlowServingRequestSpec(
    signature_names=[...]), split_name=..., num_examples=...)``: tfpipe's ``request_spec``
    (one signature: the first name)."""
    PROTO = "RequestSpec"
    FIELDS = ("tensorflow_serving", "split_name", "num_examples")

    def as_parameter(self) -> dict:
        names = list(getattr(self.tensorflow_serving, "signature_names", None) or [])
        if len(names) > 1:
            raise DefinitionError(f"RequestSpec names {len(names)} signatures; tfpipe's "
                                  "InfraValidator sends its requests to one.",
                                  where=caller_location(), fix="give one signature name")
        return {k: v for k, v in {"signature_name": names[0] if names else None,
                                  "split_name": self.split_name,
                                  "num_examples": self.num_examples}.items() if v is not None}

