"""Penguin module file: TFT preprocessing and a small Keras classifier.

Transform calls ``preprocessing_fn``; Trainer calls ``run_fn``; Tuner (``-p tune=true``)
calls ``tuner_fn``. Ported from TFX's penguin_utils_keras.py: the only changes are the
imports (tf_keras, tfpipe) and the tuner's ``TfKerasTrials`` mix-in (KerasTuner's own
trial loop only takes Keras 3 models).

The model is a ``tf_keras`` (Keras 2) model because TensorFlow Transform 1.16's
transform layer, which the served model embeds, is a Keras 2 layer.
"""
import tensorflow as tf
import tensorflow_transform as tft
import tf_keras as keras
from tfx_bsl.public import tfxio

from tfpipe.serving.signatures import export_serving_model, warm_start

FEATURE_KEYS = ["culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g"]
LABEL_KEY = "species"
NUM_CLASSES = 3
TRAIN_BATCH_SIZE = 20
EVAL_BATCH_SIZE = 10


def preprocessing_fn(inputs):
    """z-scores of the four measurements; the species label passes through."""
    outputs = {key: tft.scale_to_z_score(inputs[key]) for key in FEATURE_KEYS}
    outputs[LABEL_KEY] = inputs[LABEL_KEY]
    return outputs


def _input_fn(file_pattern, data_accessor, tf_transform_output, batch_size):
    """Batches of (transformed features, label), repeated for as many steps as asked."""
    return data_accessor.tf_dataset_factory(
        file_pattern,
        tfxio.TensorFlowDatasetOptions(batch_size=batch_size, label_key=LABEL_KEY),
        tf_transform_output.transformed_metadata.schema).repeat()


def build_model(learning_rate=0.01, hidden_units=(8, 8)):
    """A DNN over the four transformed measurements giving species probabilities."""
    inputs = [keras.layers.Input(shape=(1,), name=key) for key in FEATURE_KEYS]
    x = keras.layers.concatenate(inputs)
    for units in hidden_units:
        x = keras.layers.Dense(units, activation="relu")(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    return model


def _datasets(fn_args):
    """The (train, eval) datasets of transformed examples."""
    tf_transform_output = tft.TFTransformOutput(fn_args.transform_output)
    return (_input_fn(fn_args.train_files, fn_args.data_accessor, tf_transform_output,
                      TRAIN_BATCH_SIZE),
            _input_fn(fn_args.eval_files, fn_args.data_accessor, tf_transform_output,
                      EVAL_BATCH_SIZE))


def search_space():
    """The hyperparameters the Tuner searches (defaults: the untuned model's)."""
    import keras_tuner

    hp = keras_tuner.HyperParameters()
    hp.Choice("learning_rate", [0.01, 0.03], default=0.01)
    hp.Int("num_layers", 1, 2, default=2)
    hp.Int("units", 4, 8, step=4, default=8)
    return hp


def build_tuned_model(hp):
    """The model for one set of hyperparameters (a ``keras_tuner.HyperParameters``)."""
    return build_model(learning_rate=hp.get("learning_rate"),
                       hidden_units=[hp.get("units")] * hp.get("num_layers"))


def tuner_fn(fn_args):
    """A random search over ``search_space()``, judged by accuracy on the eval split."""
    import keras_tuner

    from tfpipe.components.tuner import TfKerasTrials, TunerFnResult

    class RandomSearch(TfKerasTrials, keras_tuner.RandomSearch):
        pass

    tuner = RandomSearch(build_tuned_model, hyperparameters=search_space(),
                         objective=keras_tuner.Objective("val_sparse_categorical_accuracy",
                                                         "max"),
                         max_trials=fn_args.custom_config.get("max_trials", 4), seed=0,
                         directory=fn_args.working_dir, project_name="penguin_tuning")
    train, evaluation = _datasets(fn_args)
    return TunerFnResult(tuner=tuner, fit_kwargs={
        "x": train, "validation_data": evaluation, "steps_per_epoch": fn_args.train_steps,
        "validation_steps": fn_args.eval_steps, "verbose": 0})


def run_fn(fn_args):
    """Train on the transformed train split, validate on eval, save for serving; with
    the Tuner's ``fn_args.hyperparameters``, the model they describe."""
    train, evaluation = _datasets(fn_args)
    tf.random.set_seed(fn_args.custom_config.get("seed", 0))
    if fn_args.hyperparameters:
        import keras_tuner

        model = build_tuned_model(keras_tuner.HyperParameters.from_config(
            fn_args.hyperparameters))
    else:
        model = build_model(**fn_args.custom_config.get("model", {}))
    warm_start(model, fn_args.base_model)  # from the latest blessed model, if one is given
    model.fit(train, steps_per_epoch=fn_args.train_steps, validation_data=evaluation,
              validation_steps=fn_args.eval_steps, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(log_dir=fn_args.model_run_dir)])
    export_serving_model(model, fn_args, label_keys=[LABEL_KEY])
