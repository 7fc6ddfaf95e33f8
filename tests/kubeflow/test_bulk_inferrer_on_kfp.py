"""BulkInferrer as a Kubeflow task: compiled, run through the real entrypoint by the KFP
simulator, its InferenceResult and output Examples typed as TFX's and written under the
task's output URIs, in the same layout as a local run's."""
from __future__ import annotations

import pytest
import yaml

import tfpipe
from tfpipe.backends.kubeflow.compile.pipeline import compile_ir
from tfpipe.backends.kubeflow.entrypoint.paths import MOUNT_ROOT_ENV
from tfpipe.components import BulkInferrer, CsvExampleGen

from ..conftest import PENGUIN, REPO
from ..components.evaluation_helpers import PenguinModel, StubBlessing
from ..components.test_bulk_inferrer import prediction_logs


@pytest.mark.slow
def test_bulk_inferrer_runs_as_a_kubeflow_task(tmp_path):
    gen = CsvExampleGen(input_base=str(PENGUIN / "data"), input_pattern="unlabelled.csv",
                        splits={"unlabelled": 1})
    model, blessing = PenguinModel(steps=5), StubBlessing(blessed=1)
    inferrer = BulkInferrer(examples=gen.outputs["examples"], model=model.outputs["model"],
                            model_blessing=blessing.outputs["blessing"])
    ir = tfpipe.compile_pipeline(tfpipe.Pipeline("bulk", "out",
                                                 [gen, model, blessing, inferrer]))
    spec = yaml.safe_load(compile_ir(ir, project_root=str(REPO), image_dir=str(REPO)))
    outputs = spec["components"]["comp-bulkinferrer"]["outputDefinitions"]["artifacts"]
    assert {k: v["artifactType"]["schemaTitle"] for k, v in outputs.items()} == {
        "inference_result": "tfx.InferenceResult", "output_examples": "tfx.Examples"}

    from .kfp_sim import KfpSimulator

    sim = KfpSimulator(spec, "gs://bucket/root", tmp_path / "kfp",
                       env={MOUNT_ROOT_ENV: str(tmp_path / "mnt")})
    runs = sim.run()
    assert [r.returncode for r in runs] == [0] * 4, [r.stderr[-3000:] for r in runs]
    produced = sim.outputs["bulkinferrer"]["artifacts"]
    [result] = produced["inference_result"]["artifacts"]
    assert result["metadata"]["predictions"] == 10
    assert len(prediction_logs(str(tmp_path / "mnt" / "gcs" / result["uri"][len("gs://"):]))) \
        == 10
    [examples] = produced["output_examples"]["artifacts"]
    assert examples["metadata"]["split_names"] == '["unlabelled"]'
