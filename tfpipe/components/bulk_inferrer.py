"""BulkInferrer: batch inference with a blessed model over examples, as TFX's BulkInferrer.

On Beam, each worker loading the model's serving SavedModel (``Format-Serving/``) the
TF2 way (``tf.saved_model.load``, so Keras 3 models work) and calling its signature on
batches of serialized examples. ``inference_result`` (InferenceResult) holds one
TensorFlow Serving ``PredictionLog`` per example in TFX's layout
(``prediction_logs-?????-of-?????.gz``); ``output_examples`` (Examples) holds each input
example with the predictions joined in as features, one ``Split-<name>/`` per split.

- ``data_spec``: ``{"example_splits": ["eval"]}`` infers on those splits (default: all).
- ``model_spec``: ``{"model_signature_name": ["serving_default"], "tag": ["serve"]}``
  (TFX's names; one signature, a predict signature as tfpipe's Trainer writes).
- ``output_example_spec``: TFX's ``{"output_columns_spec": [{"predict_output":
  {"output_columns": [{"output_key": "predictions", "output_column": "species_probs"}]}}]}``
  names the feature each output tensor becomes; without it every output tensor becomes a
  feature named after its key.

With ``model_blessing`` wired and the model not blessed, nothing is inferred: the node
is skipped with the reason (as TFX's BulkInferrer does nothing then). Before Beam
starts, the first example of each split goes through the signature, so examples whose
features do not match it stop the node with TensorFlow's reason, not a Beam traceback.
"""
from __future__ import annotations

import json
import os

from ..artifacts.examples import split_pattern
from ..artifacts.inference import PREDICTION_LOGS_PREFIX
from ..artifacts.model import serving_model_path
from ..dsl import (ExecutionContext, Examples, InferenceResult, Input, Model, ModelBlessing,
                   Output, Parameter, component)
from ..errors import ExecutionError, InputDataError
from ..beam.pipeline import beam_pipeline, warm_up
from ..io.shards import finish_splits, write_split

DEFAULT_SIGNATURE, DEFAULT_TAG = "serving_default", "serve"
SPEC_EXAMPLE = ('{"output_columns_spec": [{"predict_output": {"output_columns": '
                '[{"output_key": "predictions", "output_column": "predictions"}]}}]}')


def _one(value, default: str, name: str, node: str) -> str:
    """TFX's model_spec fields are lists; tfpipe serves one signature with one tag."""
    values = [value] if isinstance(value, str) else list(value or [default])
    if len(values) != 1 or not isinstance(values[0], str):
        raise ExecutionError(f"model_spec {name} must name one, got {value!r}.", node=node,
                             fix=f'e.g. model_spec={{"{name}": ["{default}"]}}')
    return values[0]


def _splits(examples: Examples, data_spec: dict | None, node: str) -> list[str]:
    available = examples.split_names
    wanted = list((data_spec or {}).get("example_splits") or available)
    unknown = [s for s in wanted if s not in available]
    if unknown or not wanted:
        raise InputDataError(f"data_spec example_splits {unknown or wanted} are not splits of "
                             f"the examples ({', '.join(available) or 'none'}).", node=node,
                             fix=f"use some of {available}, or leave data_spec out for all")
    return wanted


def _output_columns(spec: dict | None, signature: str, output_keys: list[str],
                    node: str) -> dict[str, str]:
    """{output tensor key: feature name} from TFX's output_example_spec."""
    if not spec:
        return {key: key for key in output_keys}
    columns: dict[str, str] = {}
    for entry in spec.get("output_columns_spec") or [None]:
        if not isinstance(entry, dict) or set(entry) - {"signature_name", "predict_output"} or \
                entry.get("signature_name", signature) != signature:
            raise ExecutionError(f"output_example_spec {json.dumps(spec)} is not one "
                                 f"predict_output of the signature {signature!r}.", node=node,
                                 fix="name the predict outputs to join (tfpipe's models have "
                                 f"predict signatures; no classify/regress), e.g. {SPEC_EXAMPLE}")
        for column in entry.get("predict_output", {}).get("output_columns", []):
            key = column.get("output_key")
            if key not in output_keys:
                raise ExecutionError(f"output_example_spec names output_key {key!r}, which the "
                                     f"signature {signature!r} does not return.", node=node,
                                     fix=f"use one of {output_keys}")
            columns[key] = column.get("output_column") or key
    return columns


def _tf_reason(exc: Exception) -> str:
    """The op's own message in a TensorFlow error ("Feature: body_mass_g (data type:
    float) is required but could not be found."), without the graph's node listing."""
    lines = [line.strip() for line in str(getattr(exc, "message", exc)).splitlines()
             if line.strip() and not line.strip().startswith("[[")]
    return (lines[-1] if lines else type(exc).__name__).replace("Name: <unknown>, ", "")


def _check_examples(model_path: str, signature: str, tag: str, examples: Examples,
                    splits: list[str], node: str) -> tuple[str, list[str]]:
    """The signature's input name and output keys, after one example of each split went
    through it."""
    import tensorflow as tf

    loaded = tf.saved_model.load(model_path, tags=[tag])
    if signature not in loaded.signatures:
        raise InputDataError(f"the model has no signature {signature!r} (it has "
                             f"{sorted(loaded.signatures)}).", node=node,
                             fix="set model_spec model_signature_name to one of them")
    fn = loaded.signatures[signature]
    inputs = fn.structured_input_signature[1]
    if len(inputs) != 1 or next(iter(inputs.values())).dtype != tf.string:
        raise InputDataError(f"the signature {signature!r} takes {sorted(inputs)}, not one "
                             "tensor of serialized tf.Examples.", node=node,
                             fix="serve the model with a signature taking serialized "
                             "examples (tfpipe.serving.signatures.export_serving_model)")
    [name] = inputs
    for split in splits:
        files = tf.io.gfile.glob(split_pattern(examples.uri, split))
        for record in tf.data.TFRecordDataset(files, compression_type="GZIP").take(1):
            try:
                fn(**{name: tf.reshape(record, [1])})
            except (tf.errors.InvalidArgumentError, ValueError) as exc:
                raise InputDataError(
                    f"the examples of split {split!r} do not match the model's signature "
                    f"{signature!r}: {_tf_reason(exc)}", node=node,
                    fix="infer on examples with the features the model was trained on "
                    "(the same columns and types, the label may be left out)") from None
    return name, sorted(fn.structured_outputs)


def _to_example(log, columns: dict[str, str]) -> bytes:
    """The request's example with the response's output tensors as features."""
    import tensorflow as tf

    [request] = log.predict_log.request.inputs.values()
    example = tf.train.Example.FromString(request.string_val[0])
    for key, column in columns.items():
        values = tf.make_ndarray(log.predict_log.response.outputs[key]).reshape(-1)
        feature = example.features.feature[column]
        if values.dtype.kind == "f":
            feature.float_list.value.extend(values.tolist())
        elif values.dtype.kind in "iub":
            feature.int64_list.value.extend(int(v) for v in values)
        else:
            feature.bytes_list.value.extend(v if isinstance(v, bytes) else str(v).encode()
                                            for v in values)
    return example.SerializeToString()


BATCH_SIZE = 256


def _Predict(model_path: str, signature: str, tag: str, input_name: str):
    """A Beam DoFn: batches of serialized tf.Examples -> one TF Serving PredictionLog per
    example (the request holds the example, the response the signature's outputs)."""
    import apache_beam as beam

    class Predict(beam.DoFn):
        def setup(self):
            import tensorflow as tf

            self._fn = tf.saved_model.load(model_path, tags=[tag]).signatures[signature]

        def process(self, batch):
            import tensorflow as tf
            from tensorflow_serving.apis import prediction_log_pb2

            outputs = {k: v.numpy() for k, v in
                       self._fn(**{input_name: tf.constant(batch)}).items()}
            for i, record in enumerate(batch):
                log = prediction_log_pb2.PredictionLog()
                log.predict_log.request.model_spec.signature_name = signature
                log.predict_log.request.inputs[input_name].CopyFrom(
                    tf.make_tensor_proto([record], dtype=tf.string))
                for key, values in outputs.items():
                    log.predict_log.response.outputs[key].CopyFrom(
                        tf.make_tensor_proto(values[i:i + 1]))
                yield log

    return Predict()


@component
def BulkInferrer(examples: Input[Examples], model: Input[Model],
                 inference_result: Output[InferenceResult], output_examples: Output[Examples],
                 model_blessing: Input[ModelBlessing] = None, data_spec: Parameter[dict] = None,
                 model_spec: Parameter[dict] = None, output_example_spec: Parameter[dict] = None,
                 context: ExecutionContext = None):
    """Predict with ``model`` on every example of ``examples`` (see the module doc)."""
    warm_up(context, "tensorflow_model_analysis")  # multi_processing: zygote imports
    import apache_beam as beam
    from tensorflow_serving.apis import prediction_log_pb2

    node = context.node_id
    if model_blessing is not None and not model_blessing.blessed:
        reason = model_blessing.custom_properties.get("reason") or "no reason recorded"
        context.skip(f"the model {model.uri} is not blessed ({reason})")
    model_path = serving_model_path(model, node)
    signature = _one((model_spec or {}).get("model_signature_name"), DEFAULT_SIGNATURE,
                     "model_signature_name", node)
    tag = _one((model_spec or {}).get("tag"), DEFAULT_TAG, "tag", node)
    splits = _splits(examples, data_spec, node)
    input_name, output_keys = _check_examples(model_path, signature, tag, examples, splits,
                                              node)
    columns = _output_columns(output_example_spec, signature, output_keys, node)
    predict = _Predict(model_path, signature, tag, input_name)
    counter = beam.metrics.Metrics.counter("tfpipe.BulkInferrer", "predictions")

    def counted(log):
        counter.inc()
        return log

    with beam_pipeline(context) as pipeline:
        logs = []
        for split in splits:
            split_logs = (pipeline
                          | f"Read[{split}]" >> beam.io.ReadFromTFRecord(
                              split_pattern(examples.uri, split))
                          | f"Batch[{split}]" >> beam.BatchElements(max_batch_size=BATCH_SIZE)
                          | f"Infer[{split}]" >> beam.ParDo(predict)
                          | f"Count[{split}]" >> beam.Map(counted))
            logs.append(split_logs)
            write_split(split_logs | f"Join[{split}]" >> beam.Map(
                lambda log: [_to_example(log, columns)]), output_examples.uri, split)
        _ = (logs | "AllSplits" >> beam.Flatten()
             | "WriteLogs" >> beam.io.WriteToTFRecord(
                 os.path.join(inference_result.uri, PREDICTION_LOGS_PREFIX),
                 file_name_suffix=".gz",
                 coder=beam.coders.ProtoCoder(prediction_log_pb2.PredictionLog)))
    counted_metrics = pipeline.result.metrics().query(
        beam.metrics.MetricsFilter().with_name("predictions"))["counters"]
    finish_splits(output_examples.uri, [(s, 1) for s in splits])
    output_examples.split_names = splits
    for name in ("span", "version"):
        if name in examples.properties:
            output_examples.properties[name] = examples.properties[name]
    inference_result.custom_properties.update(
        model=model.uri, model_id=model.id, signature_name=signature,
        splits=json.dumps(splits), output_keys=json.dumps(output_keys),
        predictions=sum(c.committed or 0 for c in counted_metrics))
