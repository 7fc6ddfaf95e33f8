"""The Kubeflow path on Dask: a pipeline compiled with `tfpipe compile --beam
dask://HOST:PORT` runs each task's Beam work on that cluster (the KFP simulator runs the
compiled tasks through the real container entrypoint)."""
from __future__ import annotations

import pytest
import yaml

import tfpipe
from tfpipe.backends.kubeflow.compile.pipeline import compile_ir
from tfpipe.backends.kubeflow.entrypoint.paths import MOUNT_ROOT_ENV
from tfpipe.beam.runners import ir_with_beam
from tfpipe.components import CsvExampleGen, StatisticsGen

from ..conftest import PENGUIN, REPO


@pytest.mark.slow
def test_kubeflow_tasks_send_their_beam_work_to_the_dask_cluster(tmp_path, dask_cluster,
                                                                dask_address):
    gen = CsvExampleGen(input_base=str(PENGUIN / "data" / "labelled"))
    stats = StatisticsGen(examples=gen.outputs["examples"])
    ir = ir_with_beam(tfpipe.compile_pipeline(tfpipe.Pipeline("kfp-dask", "out", [gen, stats])),
                      "dask://" + dask_address.split("://", 1)[1])
    text = compile_ir(ir, project_root=str(REPO), image_dir=str(REPO))
    assert f"--dask_client_address={dask_address}" in text
    from ..kubeflow.kfp_sim import KfpSimulator

    before = len(dask_cluster.task_names)
    sim = KfpSimulator(yaml.safe_load(text), "gs://bucket/root", tmp_path / "kfp",
                       env={MOUNT_ROOT_ENV: str(tmp_path / "mnt")})
    runs = sim.run()
    assert [r.returncode for r in runs] == [0, 0], [r.stderr[-3000:] for r in runs]
    nodes = {name.split("/", 1)[0] for name in dask_cluster.task_names[before:]}
    assert {"CsvExampleGen", "StatisticsGen"} <= nodes
    [statistics] = sim.outputs["statisticsgen"]["artifacts"]["statistics"]["artifacts"]
    assert statistics["metadata"]["split_names"] == '["eval", "train"]'
