"""BulkInferrer: batch predictions with the model loaded the TF2 way, over the unlabelled
penguin rows (through a real CsvExampleGen), TFX's PredictionLog layout, predictions
joined into output examples, and the model's own answers; nothing for a model that is
not blessed; a clear error for examples that do not fit the model's signature."""
from __future__ import annotations

import glob
import json
import os

import pytest

import tfpipe
from tfpipe.components import BulkInferrer, CsvExampleGen
from tfpipe.errors import InputDataError

from ..conftest import Store
from .evaluation_helpers import FEATURES, PenguinModel, StubBlessing
from .penguin_pipeline import PENGUIN, csv_rows, read_split, serialized_examples

UNLABELLED = os.path.join(PENGUIN, "data", "unlabelled.csv")
SPEC = {"output_columns_spec": [{"predict_output": {"output_columns": [
    {"output_key": "predictions", "output_column": "species_probabilities"}]}}]}


def infer(root, *, blessed: int = 1, data: str = os.path.dirname(UNLABELLED),
          pattern: str = "unlabelled.csv", **params):
    gen = CsvExampleGen(input_base=data, input_pattern=pattern, splits={"unlabelled": 1})
    model = PenguinModel(steps=30)
    blessing = StubBlessing(blessed=blessed)
    inferrer = BulkInferrer(examples=gen.outputs["examples"], model=model.outputs["model"],
                            model_blessing=blessing.outputs["blessing"], **params)
    return tfpipe.run_pipeline(tfpipe.Pipeline("bulk", str(root),
                                               [gen, model, blessing, inferrer]), quiet=True)


def prediction_logs(uri: str) -> list:
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    files = sorted(glob.glob(os.path.join(uri, "prediction_logs-*-of-*.gz")))
    assert files, f"no prediction_logs-*.gz in {uri}"
    return [prediction_log_pb2.PredictionLog.FromString(r.numpy())
            for r in tf.data.TFRecordDataset(files, compression_type="GZIP")]


@pytest.fixture(scope="module")
def inferred(tmp_path_factory):
    root = tmp_path_factory.mktemp("bulk")
    result = infer(root, output_example_spec=SPEC)
    assert result.succeeded, result.failures
    return root, result


def test_one_prediction_log_per_unlabelled_row_with_the_models_own_answer(inferred):
    import numpy as np
    import tensorflow as tf

    root, result = inferred
    inference = result.results["BulkInferrer"].outputs["inference_result"]
    logs = prediction_logs(inference.uri)
    rows = csv_rows(UNLABELLED)
    assert len(logs) == len(rows) == 10
    model_uri = result.results["PenguinModel"].outputs["model"].uri
    served = tf.saved_model.load(os.path.join(model_uri, "Format-Serving"))
    expected = served.signatures["serving_default"](
        examples=tf.constant(serialized_examples(rows)))["predictions"].numpy()
    by_row = {tuple(round(float(r[k]), 5) for k in FEATURES): p for r, p in zip(rows, expected)}
    for log in logs:
        assert set(log.predict_log.response.outputs) == {"predictions"}
        [request] = log.predict_log.request.inputs.values()
        example = tf.train.Example.FromString(request.string_val[0])
        key = tuple(round(example.features.feature[k].float_list.value[0], 5) for k in FEATURES)
        got = tf.make_ndarray(log.predict_log.response.outputs["predictions"])
        assert got.shape == (1, 3)
        np.testing.assert_allclose(got[0], by_row[key], rtol=1e-5)
    assert inference.custom_properties["predictions"] == 10
    assert json.loads(inference.custom_properties["output_keys"]) == ["predictions"]


def test_output_examples_hold_each_row_with_its_predictions(inferred):
    root, result = inferred
    outputs = result.results["BulkInferrer"].outputs
    examples = outputs["output_examples"]
    assert examples.split_names == ["unlabelled"]
    joined = read_split(examples.uri, "unlabelled")
    assert len(joined) == 10
    by_features = {tuple(e.features.feature[k].float_list.value[0] for k in FEATURES):
                   list(e.features.feature["species_probabilities"].float_list.value)
                   for e in joined}
    for log in prediction_logs(outputs["inference_result"].uri):
        import tensorflow as tf

        [request] = log.predict_log.request.inputs.values()
        example = tf.train.Example.FromString(request.string_val[0])
        key = tuple(example.features.feature[k].float_list.value[0] for k in FEATURES)
        predicted = tf.make_ndarray(log.predict_log.response.outputs["predictions"])[0]
        assert by_features[key] == pytest.approx(predicted.tolist())


def test_a_model_that_is_not_blessed_is_skipped_with_the_reason(tmp_path):
    result = infer(tmp_path, blessed=0)
    assert result.succeeded, "skipping is not a failure"
    skipped = result.results["BulkInferrer"]
    assert skipped.status == "skipped"
    assert "is not blessed (decided by the test)" in skipped.reason
    store = Store(tmp_path / "metadata.sqlite")
    [execution] = store.executions("bulk", "BulkInferrer")
    assert "is not blessed" in execution.custom_properties["skipped"].string_value
    assert store.outputs(execution.id) == []
    for pending in store.outputs(execution.id, kinds=("PENDING_OUTPUT",)):
        assert store.artifact_state(pending) == "ABANDONED"
        assert not os.path.exists(pending.uri)


def test_examples_without_the_models_features_are_a_clear_error(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "rows.csv").write_text("beak_length,beak_depth,flipper,mass\n0.1,0.2,0.3,0.4\n")
    with pytest.raises(InputDataError) as info:
        infer(tmp_path / "root", data=str(data), pattern="*.csv")
    error = info.value
    assert error.node == "BulkInferrer"
    assert "the examples of split 'unlabelled' do not match the model's signature " \
           "'serving_default'" in str(error)
    assert "is required but could not be found" in str(error), "TensorFlow's reason"
    assert not glob.glob(str(tmp_path / "root" / "BulkInferrer" / "*" / "*" / "*"))
