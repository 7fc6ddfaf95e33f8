"""``warm_start``: a module file's model starts from the latest blessed model's layer
weights, or, when the architectures differ, from scratch with nothing changed."""
from __future__ import annotations

import numpy as np
import pytest

from tfpipe.serving.signatures import warm_start

keras = pytest.importorskip("tf_keras")


def _model(hidden=(4,), seed=0):
    import tensorflow as tf

    tf.random.set_seed(seed)
    inputs = keras.layers.Input(shape=(3,), name="x")
    x = keras.layers.Rescaling(0.5)(inputs)  # a layer without weights between them
    for units in hidden:
        x = keras.layers.Dense(units, activation="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    return model


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden, self.out = keras.layers.Dense(4), keras.layers.Dense(1)

    def call(self, inputs):
        return self.out(self.hidden(inputs))


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A trained, saved model (SavedModel, as export_serving_model writes) and its weights."""
    model = _model(seed=1)
    model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=2, verbose=0)
    path = str(tmp_path_factory.mktemp("base") / "Format-Serving")
    model.save(path, save_format="tf")
    return path, model.get_weights()


def _same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def test_the_same_architecture_starts_from_the_base_models_weights(base, monkeypatch):
    """Read from the SavedModel's checkpoint, without loading the model (~1.3 s)."""
    path, weights = base
    model = _model(seed=2)
    monkeypatch.setattr(keras.models, "load_model", None)
    assert not _same(model.get_weights(), weights)
    assert warm_start(model, path) is True
    assert _same(model.get_weights(), weights)
    model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=1, verbose=0)  # and trains on


@pytest.mark.parametrize("hidden", [(5,), (4, 2)], ids=["a layer resized", "a layer added"])
def test_another_architecture_starts_from_scratch_with_nothing_changed(base, hidden):
    path, _ = base
    model = _model(hidden, seed=3)
    before = model.get_weights()
    assert warm_start(model, path) is False
    assert _same(model.get_weights(), before)


def test_no_base_model_changes_nothing():
    model = _model()
    before = model.get_weights()
    assert warm_start(model, None) is False
    assert _same(model.get_weights(), before)


def test_a_subclassed_model_is_warm_started_by_loading_its_base(tmp_path):
    """Its checkpoint names layers by attribute, not ``layer_with_weights-<i>``: the
    base model is loaded and its weights copied."""
    saved = _Subclassed()
    saved(np.ones((1, 3)))
    saved.save(str(tmp_path / "m"), save_format="tf")
    model = _Subclassed()
    model(np.ones((1, 3)))
    assert warm_start(model, str(tmp_path / "m")) is True
    assert _same(model.get_weights(), saved.get_weights())
