"""Saving a trained Keras model so that it serves raw tf.Examples.

For module files: ``export_serving_model(model, fn_args, label_keys=[...])`` saves
the model in ``fn_args.serving_model_dir`` with the transform graph inside it and two
signatures, as TFX's taxi example does:

- ``serving_default``: ``examples`` (serialized raw tf.Examples, ``tf.string[None]``)
  -> the model's predictions. The label is not needed; the served model parses the
  examples and applies the same TFT graph as training did, so they cannot skew.
- ``transform_features``: ``examples`` -> every transformed feature, label included
  (what TFMA's ``preprocessing_function_names=['transform_features']`` calls).

The model must be a ``tf_keras`` (Keras 2) model: TFT's transform layer is a Keras 2
layer, and Keras 3 (``keras`` / ``tf.keras`` by default in TF 2.16) cannot track it.
"""
from __future__ import annotations

SERVING_SIGNATURE = "serving_default"
TRANSFORM_SIGNATURE = "transform_features"
INPUT_NAME = "examples"
PREDICTIONS_KEY = "predictions"


def _dense(value):
    import tensorflow as tf

    if isinstance(value, tf.SparseTensor):
        return tf.sparse.to_dense(value)
    if isinstance(value, tf.RaggedTensor):
        return value.to_tensor()
    return value


def _model_inputs(model, features: dict) -> dict:
    """The transformed features the model takes (all of them if it does not say)."""
    names = getattr(model, "input_names", None)
    if not names:
        return features
    return {k: v for k, v in features.items() if k in names}


def make_signatures(model, transform_output, label_keys=()) -> dict:
    """The ``serving_default`` and ``transform_features`` tf.functions of ``model``,
    for ``model.save(..., signatures=...)``. ``transform_output`` is a
    ``tft.TFTransformOutput``; ``label_keys`` are raw features not given at serving."""
    import tensorflow as tf

    model.tft_layer = transform_output.transform_features_layer()  # tracked by the model
    raw_spec = transform_output.raw_feature_spec()
    serving_spec = {k: v for k, v in raw_spec.items() if k not in set(label_keys)}
    examples_spec = tf.TensorSpec(shape=[None], dtype=tf.string, name=INPUT_NAME)

    @tf.function(input_signature=[examples_spec])
    def serve(examples):
        features = model.tft_layer(tf.io.parse_example(examples, serving_spec))
        predictions = model(_model_inputs(model, features), training=False)
        return predictions if isinstance(predictions, dict) else {PREDICTIONS_KEY: predictions}

    @tf.function(input_signature=[examples_spec])
    def transform_features(examples):
        features = model.tft_layer(tf.io.parse_example(examples, raw_spec))
        return {k: _dense(v) for k, v in features.items()}

    return {SERVING_SIGNATURE: serve.get_concrete_function(),
            TRANSFORM_SIGNATURE: transform_features.get_concrete_function()}


def export_serving_model(model, fn_args, label_keys=()) -> str:
    """Save ``model`` in ``fn_args.serving_model_dir`` with both signatures; returns
    the folder. Needs ``fn_args.transform_output`` (a Trainer wired to a Transform)."""
    import tensorflow_transform as tft

    if not fn_args.transform_output:
        raise ValueError("export_serving_model needs the transform graph: pass "
                         "transform_graph=transform.outputs['transform_graph'] to Trainer")
    signatures = make_signatures(model, tft.TFTransformOutput(fn_args.transform_output),
                                 label_keys)
    model.save(fn_args.serving_model_dir, save_format="tf", signatures=signatures)
    return fn_args.serving_model_dir


def warm_start(model, base_model_dir: str | None) -> bool:
    """Start ``model`` from the weights of the model saved in ``base_model_dir`` (TFX's
    ``fn_args.base_model``, the latest blessed model): for module files, before
    ``model.fit``. Returns False, changing nothing, when there is no base model (the
    first run) or its architecture differs (a changed module file), so training starts
    from scratch as it would have."""
    import tf_keras as keras

    if not base_model_dir:
        return False
    if _restore_layer_weights(model, base_model_dir):
        return True
    base = keras.models.load_model(base_model_dir, compile=False)
    weights = base.get_weights()
    if [w.shape for w in weights] != [tuple(w.shape) for w in model.weights]:
        return False
    model.set_weights(weights)
    return True


def _restore_layer_weights(model, base_model_dir: str) -> bool:
    """``warm_start``'s fast way: the layers' weights read from the checkpoint inside the
    SavedModel (milliseconds, where loading the Keras model takes about 1.3 s). Keras
    saves a functional or Sequential model's layers that have weights as
    ``layer_with_weights-<i>``; the same layers of ``model`` are restored from there
    (not the optimizer's state or the metrics: the same as copying the weights). False,
    changing nothing, if the checkpoint is not laid out so or any weight differs in
    shape: ``warm_start`` then loads the model."""
    import os

    import tensorflow as tf

    path = os.path.join(base_model_dir, "variables", "variables")
    layers = [layer for layer in model.layers if layer.weights]
    try:
        saved = dict(tf.train.list_variables(path))
    except (tf.errors.OpError, ValueError):
        return False
    if not layers or len({n.split("/")[0] for n in saved
                          if n.startswith("layer_with_weights-")}) != len(layers):
        return False
    for i, layer in enumerate(layers):  # a weight resized: known before reading
        for weight in layer.weights:
            attribute = weight.name.rsplit("/", 1)[-1].split(":")[0]
            shape = saved.get(f"layer_with_weights-{i}/{attribute}/.ATTRIBUTES/VARIABLE_VALUE")
            if shape is not None and list(shape) != list(weight.shape):
                return False
    before = model.get_weights()
    checkpoint = tf.train.Checkpoint(**{f"layer_with_weights-{i}": layer
                                        for i, layer in enumerate(layers)})
    try:
        checkpoint.read(path).expect_partial().assert_existing_objects_matched()
    except (AssertionError, ValueError, tf.errors.OpError):
        model.set_weights(before)
        return False
    return True
