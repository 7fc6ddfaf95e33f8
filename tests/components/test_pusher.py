"""Pusher: blessed models to <destination>/<version>/ atomically, nothing otherwise."""
from __future__ import annotations

import json
import os

import pytest

import tfpipe
from tfpipe.components import Pusher
from tfpipe.components.pusher import push_atomically
from tfpipe.errors import InputDataError

from .evaluation_helpers import PenguinModel, StubBlessing, save_penguin_model


def push(root, destination, *, blessed: int, steps: int = 100, model_id: int | None = None):
    """Run model -> blessing -> Pusher; the Pusher's NodeResult (or the run's error)."""
    model = PenguinModel(steps=steps)
    blessing = StubBlessing(blessed=blessed, model_id=model_id)
    pusher = Pusher(model=model.outputs["model"], model_blessing=blessing.outputs["blessing"],
                    push_destination=str(destination))
    pipeline = tfpipe.Pipeline(name="pusher-test", pipeline_root=str(root),
                               components=[model, blessing, pusher])
    result = tfpipe.run_pipeline(pipeline, quiet=True)
    return result.results["Pusher"]


def listing(folder) -> dict:
    """Every file under ``folder`` with its size and modification time."""
    return {os.path.relpath(os.path.join(d, f), folder): os.stat(os.path.join(d, f))[6:9]
            for d, _, files in os.walk(folder) for f in files}


@pytest.fixture(scope="module")
def first_push(tmp_path_factory):
    root = tmp_path_factory.mktemp("pusher")
    destination = root / "serving" / "penguin"
    return root, destination, push(root, destination, blessed=1)


def test_a_blessed_model_is_pushed_to_a_new_version_folder_that_serves(first_push):
    import tensorflow as tf

    _, destination, result = first_push
    pushed = result.outputs["pushed_model"]
    [version] = os.listdir(destination)  # no temporary folder left behind
    assert version.isdigit()
    assert pushed.custom_properties == {"pushed": 1, "pushed_version": int(version),
                                        "pushed_destination": str(destination / version)}
    with open(os.path.join(pushed.uri, "push.json")) as f:
        assert json.load(f)["path"] == str(destination / version)
    served = tf.saved_model.load(str(destination / version))
    example = tf.train.Example(features=tf.train.Features(feature={
        k: tf.train.Feature(float_list=tf.train.FloatList(value=[0.5]))
        for k in ("culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g")}))
    out = served.signatures["serving_default"](examples=tf.constant([example.SerializeToString()]))
    assert out["predictions"].shape == (1, 3)


def test_the_same_inputs_again_push_nothing_twice(first_push):
    root, destination, first = first_push
    before = listing(destination)
    again = push(root, destination, blessed=1)
    assert again.status == "cached"
    assert again.outputs["pushed_model"].id == first.outputs["pushed_model"].id
    assert listing(destination) == before


def test_a_model_that_is_not_blessed_is_not_pushed_and_the_served_version_stays(first_push):
    root, destination, _ = first_push
    before = listing(destination)
    result = push(root, destination, blessed=0)
    pushed = result.outputs["pushed_model"]
    assert pushed.custom_properties["pushed"] == 0
    assert "pushed_version" not in pushed.custom_properties
    with open(os.path.join(pushed.uri, "push.json")) as f:
        assert json.load(f)["reason"].startswith("model not blessed; nothing pushed.")
    assert listing(destination) == before


def test_a_newer_blessed_model_gets_a_higher_version(first_push):
    root, destination, first = first_push
    old_version = first.outputs["pushed_model"].custom_properties["pushed_version"]
    result = push(root, destination, blessed=1, steps=20)
    assert result.outputs["pushed_model"].custom_properties["pushed"] == 1
    new_version = result.outputs["pushed_model"].custom_properties["pushed_version"]
    assert new_version > old_version
    assert sorted(os.listdir(destination)) == sorted([str(old_version), str(new_version)])


def test_a_destination_that_is_a_file_is_a_clear_error(tmp_path):
    target = tmp_path / "serving"
    target.write_text("not a folder")
    with pytest.raises(tfpipe.ExecutionError) as error:
        push(tmp_path / "root", target, blessed=1)
    text = str(error.value)
    assert text.startswith(f"[Pusher] push_destination {target} is an existing file, not a "
                           "folder.")
    assert "fix: point push_destination at a folder" in text
    assert target.read_text() == "not a folder"


def test_a_blessing_of_another_model_is_refused(first_push):
    root, destination, first = first_push
    before = listing(destination)
    model_id = first.outputs["pushed_model"].id + 1000
    with pytest.raises(InputDataError) as error:
        push(root, destination, blessed=1, model_id=model_id)
    assert f"blesses model {model_id}, not the model given to push" in str(error.value)
    assert listing(destination) == before


def test_the_version_appears_whole_in_one_rename(tmp_path, monkeypatch):
    source = save_penguin_model(str(tmp_path / "model"), steps=0)
    destination = tmp_path / "serving"
    seen = []

    def checked_rename(src, dst):
        # at the moment the version appears, the copy is complete and beside it
        assert os.path.dirname(src) == str(destination)
        assert listing(src).keys() == listing(source).keys()
        assert not os.path.exists(dst)
        seen.append(dst)
        real_rename(src, dst)

    real_rename = os.rename
    monkeypatch.setattr(os, "rename", checked_rename)
    version = push_atomically(source, str(destination))
    assert seen == [str(destination / str(version))]
    assert os.listdir(destination) == [str(version)]


def test_a_push_removes_the_staging_folders_of_pushes_that_died(tmp_path):
    """A push killed mid-copy leaves its hidden staging folder; the next push removes it,
    but not the folder of a push still copying (its process is alive)."""
    import socket
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    host = socket.gethostname()
    destination = tmp_path / "serving"
    died = destination / f".tfpipe-push-{host}-{dead}-0123456789ab"
    copying = destination / f".tfpipe-push-{host}-{os.getpid()}-ba9876543210"
    elsewhere = destination / f".tfpipe-push-another-host-{dead}-0123456789ab"
    for folder in (died, copying, elsewhere):
        folder.mkdir(parents=True)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "saved_model.pb").write_text("model")
    version = push_atomically(str(tmp_path / "model"), str(destination))
    assert sorted(p.name for p in destination.iterdir()) == sorted(
        [str(version), copying.name, elsewhere.name])
