"""Chicago taxi module file: TFT preprocessing and a Keras wide-and-deep model.

Transform calls ``preprocessing_fn``; Trainer calls ``run_fn``. After TFX's
taxi_utils_native_keras.py: the label ``big_tipper`` is 1 when the tip is more than
20% of the fare; numbers are z-scored, coordinates bucketized, and strings and
area/tract codes mapped through vocabularies. Missing values are filled with a
default (0 or "") before transforming.

The model is a ``tf_keras`` (Keras 2) model because TensorFlow Transform 1.16's
transform layer, which the served model embeds, is a Keras 2 layer.
"""
import tensorflow as tf
import tensorflow_transform as tft
import tf_keras as keras
from tfx_bsl.public import tfxio

from tfpipe.serving.signatures import export_serving_model, warm_start

# Numbers, z-scored.
DENSE_FLOAT_FEATURE_KEYS = ["trip_miles", "fare", "trip_seconds"]
# Coordinates, cut into quantile buckets.
BUCKET_FEATURE_KEYS = ["pickup_latitude", "pickup_longitude", "dropoff_latitude",
                       "dropoff_longitude"]
FEATURE_BUCKET_COUNT = 10
# Strings and codes with many values, mapped to ids through a vocabulary.
VOCAB_FEATURE_KEYS = ["payment_type", "company", "pickup_census_tract",
                      "dropoff_census_tract", "pickup_community_area", "dropoff_community_area"]
VOCAB_SIZE = 1000
OOV_SIZE = 10
# Small integer categories used as they are, with their number of values.
CATEGORICAL_FEATURE_KEYS = {"trip_start_hour": 24, "trip_start_day": 8, "trip_start_month": 13}

FARE_KEY = "fare"
RAW_LABEL_KEY = "tips"
LABEL_KEY = "big_tipper"  # the transformed label, 1 if tips > 20% of the fare
TRAIN_BATCH_SIZE = 64
EVAL_BATCH_SIZE = 64


def transformed_name(key):
    return key + "_xf"


def _fill_in_missing(x):
    """A [batch, 1] dense tensor from a feature that may be missing in some examples
    (a SparseTensor): missing values become 0 (numbers) or "" (strings)."""
    if not isinstance(x, tf.sparse.SparseTensor):
        return x
    default_value = "" if x.dtype == tf.string else 0
    return tf.sparse.to_dense(
        tf.SparseTensor(x.indices, x.values, [x.dense_shape[0], 1]), default_value)


def preprocessing_fn(inputs):
    """Raw features -> the model's features and the big_tipper label."""
    outputs = {}
    for key in DENSE_FLOAT_FEATURE_KEYS:
        value = tf.cast(_fill_in_missing(inputs[key]), tf.float32)
        outputs[transformed_name(key)] = tft.scale_to_z_score(value)
    for key in BUCKET_FEATURE_KEYS:
        outputs[transformed_name(key)] = tft.bucketize(_fill_in_missing(inputs[key]),
                                                       FEATURE_BUCKET_COUNT)
    for key in VOCAB_FEATURE_KEYS:
        outputs[transformed_name(key)] = tft.compute_and_apply_vocabulary(
            _fill_in_missing(inputs[key]), top_k=VOCAB_SIZE, num_oov_buckets=OOV_SIZE,
            vocab_filename=key)
    for key, size in CATEGORICAL_FEATURE_KEYS.items():
        outputs[transformed_name(key)] = tf.clip_by_value(_fill_in_missing(inputs[key]), 0,
                                                          size - 1)
    fare = tf.cast(_fill_in_missing(inputs[FARE_KEY]), tf.float32)
    tips = tf.cast(_fill_in_missing(inputs[RAW_LABEL_KEY]), tf.float32)
    outputs[LABEL_KEY] = tf.cast(tf.greater(tips, fare * 0.2), tf.int64)
    return outputs


def _categorical_sizes():
    sizes = {transformed_name(k): FEATURE_BUCKET_COUNT for k in BUCKET_FEATURE_KEYS}
    sizes.update({transformed_name(k): VOCAB_SIZE + OOV_SIZE for k in VOCAB_FEATURE_KEYS})
    sizes.update({transformed_name(k): n for k, n in CATEGORICAL_FEATURE_KEYS.items()})
    return sizes


def build_model(hidden_units=(64, 32), learning_rate=0.01):
    """Wide and deep: a DNN over the z-scored numbers, a linear model over one-hot
    categories, joined in one sigmoid output (the probability of a big tip)."""
    dense = {transformed_name(k): keras.layers.Input(shape=(1,), name=transformed_name(k))
             for k in DENSE_FLOAT_FEATURE_KEYS}
    categorical = {name: keras.layers.Input(shape=(1,), name=name, dtype=tf.int64)
                   for name in _categorical_sizes()}
    deep = keras.layers.concatenate(list(dense.values()))
    for units in hidden_units:
        deep = keras.layers.Dense(units, activation="relu")(deep)
    wide = keras.layers.concatenate([
        keras.layers.CategoryEncoding(num_tokens=size, output_mode="one_hot")(categorical[name])
        for name, size in _categorical_sizes().items()])
    output = keras.layers.Dense(1, activation="sigmoid", name="big_tipper_probability")(
        keras.layers.concatenate([deep, wide]))
    model = keras.Model(inputs={**dense, **categorical}, outputs=output)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.BinaryCrossentropy(),
                  metrics=[keras.metrics.BinaryAccuracy(), keras.metrics.AUC(name="auc")])
    return model


def _input_fn(file_pattern, data_accessor, tf_transform_output, batch_size):
    """Batches of (transformed features, big_tipper), repeated for as many steps as asked."""
    return data_accessor.tf_dataset_factory(
        file_pattern,
        tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=LABEL_KEY),
        tf_transform_output.transformed_metadata.schema).repeat()


def run_fn(fn_args):
    """Train on the transformed train split, validate on eval, save for serving."""
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_output)
    train = _input_fn(fn_args.train_files, fn_args.data_accessor, tf_transform_output,
                      TRAIN_BATCH_SIZE)
    evaluation = _input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output,
                           EVAL_BATCH_SIZE)
    tf.random.set_seed(fn_args.custom_config.get("seed", 0))
    model = build_model(**fn_args.custom_config.get("model", {}))
    warm_start(model, fn_args.base_model)  # from the latest blessed model, if one is given
    model.fit(train, steps_per_epoch=fn_args.train_steps, validation_data=evaluation,
              validation_steps=fn_args.eval_steps, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(log_dir=fn_args.model_run_dir)])
    export_serving_model(model, fn_args, label_keys=[RAW_LABEL_KEY])
