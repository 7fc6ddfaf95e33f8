"""Every task of the compiled penguin pipeline through the real entrypoint
(``python -m tfpipe.runners.kubeflow`` with the argv from the YAML, placeholders
substituted), in dependency order, with executor inputs built as KFP builds them and
artifact URIs on gs:// mapped under a tmp directory; the outputs must match a local
run's. Runtime parameters carry the data location and the training steps, as a user
would set them per run on the cluster."""
from __future__ import annotations

import inspect
import json
import re
import shutil
from pathlib import Path

import yaml

from tfpipe.dsl.loader import load_module_from_file, load_pipeline
from tfpipe.backends.kubeflow.entrypoint.artifacts import from_runtime
from tfpipe.backends.kubeflow.compile.pipeline import compile_file
from tfpipe.backends.kubeflow.entrypoint.paths import MOUNT_ROOT_ENV
from tfpipe import run_pipeline

from ..conftest import PENGUIN, REPO
from .kfp_sim import KfpSimulator

PIPELINE = str(PENGUIN / "pipeline.py")
SMALL = {"train_steps": 3, "eval_steps": 2}  # keep training short in the default suite
RUN_PARAMS = {"data_root": "gs://bucket/data/labelled", "train_steps": 3}
# Three training steps do not give the same model twice (shard order differs between
# runs), so for what depends on the model only the layout is compared.
MODEL_DEPENDENT = {"Model", "ModelRun", "ModelEvaluation", "InferenceResult"}
MODEL_DEPENDENT_NODES = {"BulkInferrer"}  # its output examples hold the model's predictions
OUTCOME_DEPENDENT = {"ModelBlessing", "PushedModel"}
# TFT's analyzer cache is keyed by the input artifacts' MLMD ids, which a KFP run without
# a tfpipe store does not have: the same entries under other folder names.
IDENTITY_DEPENDENT = {"TransformCache"}
VOLATILE = ("events.out.tfevents",)  # TensorBoard files named by time, host and pid


def _accepted(args: dict) -> dict:
    factory = load_module_from_file(PIPELINE).create_pipeline
    return {k: v for k, v in args.items() if k in inspect.signature(factory).parameters}


def _comparable(properties: dict) -> dict:
    """Properties without what differs by design between the two runs: artifact ids
    (MLMD's) and paths (KFP's layout vs the local one). Split names as a set: their
    order follows the ``splits`` dict parameter, which JSON with sorted keys (the IR's)
    and KFP's Struct parameters do not keep (the local runner keeps it)."""
    out = {k: v for k, v in properties.items()
           if not k.endswith("_id") and not (isinstance(v, str) and v.startswith("/"))}
    if "split_names" in out:
        out["split_names"] = sorted(json.loads(out["split_names"]))
    return out


def _names(properties: dict) -> set[str]:
    """Property names, without MLMD ids (a KFP run without a tfpipe store has none)."""
    return {k for k in properties if not k.endswith("_id")}


def _files(folder: Path) -> list[str]:
    """Relative file names; shard names (random per bundle) as a pattern."""
    return sorted({re.sub(r"-[0-9a-f]{8,}(?=\.gz(\.arrow)?$)", "-*", str(p.relative_to(folder)))
                   for p in folder.rglob("*")
                   if p.is_file() and not any(v in p.name for v in VOLATILE)})


def _records(folder: Path) -> dict[str, list[str]]:
    """The examples of each split, canonical and sorted: the same data in the same
    splits (serialized bytes may order a map's entries differently)."""
    import tensorflow as tf
    from google.protobuf import json_format

    out = {}
    for split in sorted(folder.glob("Split-*")):
        files = sorted(str(f) for f in split.glob("*.gz"))
        out[split.name] = sorted(
            json_format.MessageToJson(tf.train.Example.FromString(r.numpy()), sort_keys=True)
            for r in tf.data.TFRecordDataset(files, compression_type="GZIP"))
    return out


def test_penguin_tasks_on_kfp_match_a_local_run(tmp_path, monkeypatch):
    mnt = tmp_path / "mnt"
    monkeypatch.setenv(MOUNT_ROOT_ENV, str(mnt))  # gs://b/x is <mnt>/gcs/b/x, here and in tasks
    shutil.copytree(PENGUIN / "data" / "labelled", mnt / "gcs/bucket/data/labelled")
    runtime = tuple(k for k in RUN_PARAMS if _accepted({k: 0}))
    # The project mapped to this checkout instead of the image's /project.
    ir, text = compile_file(PIPELINE, _accepted(
        {**SMALL, "serving_model_dir": str(tmp_path / "kfp-serving")}),
        runtime_params=runtime, image_dir=str(REPO))
    sim = KfpSimulator(yaml.safe_load(text), "gs://bucket/root", tmp_path / "kfp", parallel=2)
    runs = sim.run({k: RUN_PARAMS[k] for k in runtime})
    failed = [(r.task, r.stderr[-3000:]) for r in runs if r.returncode != 0]
    assert not failed
    blessed = sim.outputs["evaluator"]["parameterValues"]["blessing-blessed"] == 1
    gated = {n.id.lower() for n in ir.nodes if n.conditions}
    assert gated == {"pusher", "bulkinferrer"}
    assert {r.task for r in runs} == {n.id.lower() for n in ir.nodes} - (
        set() if blessed else gated), "the Pusher runs on KFP exactly when blessed"

    local = run_pipeline(load_pipeline(PIPELINE, _accepted(
        {**SMALL, "pipeline_root": str(tmp_path / "local"),
         "serving_model_dir": str(tmp_path / "local-serving")})), quiet=True)
    assert local.succeeded

    for node in ir.nodes:
        if node.id.lower() not in sim.outputs or local.results[node.id].status == "skipped":
            continue  # not blessed in one of the two runs (three training steps)
        produced = sim.outputs[node.id.lower()]["artifacts"]
        assert set(produced) == set(node.outputs)
        for name, type_name in node.outputs.items():
            [runtime_artifact] = produced[name]["artifacts"]
            on_kfp = from_runtime(runtime_artifact, type_name)
            here = local.results[node.id].outputs.get(name)
            assert (on_kfp is None) == (here is None), (node.id, name)
            if here is None:
                continue
            assert on_kfp.uri.startswith(str(mnt / "gcs/bucket/root/penguin"))
            if type_name in IDENTITY_DEPENDENT:
                assert len(_files(Path(on_kfp.uri))) == len(_files(Path(here.uri)))
                continue
            if type_name in OUTCOME_DEPENDENT:
                continue  # blessed or not: depends on the few training steps' accuracy
            assert _files(Path(on_kfp.uri)) == _files(Path(here.uri)), (node.id, name)
            if type_name in MODEL_DEPENDENT or node.id in MODEL_DEPENDENT_NODES:
                assert _names(on_kfp.custom_properties) == _names(here.custom_properties)
                continue
            assert _comparable(on_kfp.properties) == _comparable(here.properties), \
                (node.id, name)
            assert _comparable(on_kfp.custom_properties) == \
                _comparable(here.custom_properties), (node.id, name)
            if type_name == "Examples":
                assert _records(Path(on_kfp.uri)) == _records(Path(here.uri)), (node.id, name)
            for text_file in ("schema.pbtxt",):
                for kfp_file in Path(on_kfp.uri).rglob(text_file):
                    local_file = Path(here.uri) / kfp_file.relative_to(on_kfp.uri)
                    assert kfp_file.read_text() == local_file.read_text(), (node.id, name)
