"""TFX's API on tfpipe: a pipeline file written with ``from tfx import v1 as tfx``
compiles through tfpipe's ``tfx``, ``tfpipe migrate`` rewrites it into tfpipe with the
same IR, and the ``tfx`` names exist only while tfpipe loads user files, never in place
of a real TFX."""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

from ..conftest import REPO, heavy_imports_of, run_cli

V1_PIPELINE = Path(__file__).with_name("tfx_v1_penguin.py")


def compile_ir(path: Path, out: Path) -> dict:
    result = run_cli("compile", "--ir", str(path), "-o", str(out))
    assert result.returncode == 0, result.stderr
    return json.loads(out.read_text())


def test_a_tfx_v1_pipeline_compiles_to_tfpipes_ir(tmp_path, monkeypatch):
    monkeypatch.setenv("TFX_HOME", str(tmp_path))
    ir = compile_ir(V1_PIPELINE, tmp_path / "ir.json")
    nodes = {n["id"]: n for n in ir["nodes"]}
    assert ir["name"] == "penguin_tfx_v1"
    assert ir["metadata"] == str(tmp_path / "tfx_output" / "metadata.db")
    assert ir["enable_cache"] is False, "TFX's Pipeline does not cache unless told"
    assert nodes["CsvExampleGen"]["parameters"]["splits"] == {"train": 3, "eval": 1}
    assert nodes["Trainer"]["parameters"]["train_args"] == {"num_steps": 100}
    assert nodes["Trainer"]["inputs"]["examples"]["producer"] == "Transform"
    config = nodes["Evaluator"]["parameters"]["eval_config"]
    assert config["model_specs"] == [{"label_key": "species"}]
    assert config["metrics_specs"][0]["metrics"][0]["threshold"] == {
        "value_threshold": {"lower_bound": 0.6}}, "tfma's proto became its JSON form"
    assert nodes["Pusher"]["parameters"]["push_destination"] == \
        str(tmp_path / "tfx_output" / "serving_model")
    assert nodes["Pusher"]["conditions"][0]["producer"] == "Evaluator", nodes["Pusher"]
    assert nodes["latest_blessed_model_resolver"]["component"] == "LatestBlessedModelResolver"
    assert nodes["latest_schema_resolver"]["component"] == "LatestArtifactResolver"
    assert nodes["Evaluator"]["inputs"]["baseline_model"]["producer"] == \
        "latest_blessed_model_resolver"


def test_migrate_rewrites_it_into_tfpipe_with_the_same_ir(tmp_path, monkeypatch):
    monkeypatch.setenv("TFX_HOME", str(tmp_path))
    copy = tmp_path / "pipeline.py"
    shutil.copy(V1_PIPELINE, copy)
    shutil.copy(V1_PIPELINE, tmp_path / "original.py")  # the same folder: the same paths
    original = compile_ir(tmp_path / "original.py", tmp_path / "original.json")
    preview = run_cli("migrate", str(copy))
    assert preview.returncode == 0, preview.stderr
    assert "-from tfx import v1 as tfx" in preview.stdout
    assert "+      train_args={\"num_steps\": 100}," in preview.stdout
    assert copy.read_text() == V1_PIPELINE.read_text(), "nothing written without --write"

    written = run_cli("migrate", str(copy), "--write")
    assert written.returncode == 0, written.stderr
    assert f"rewrote {copy}" in written.stderr
    source = copy.read_text()
    imports = [n for n in ast.walk(ast.parse(source)) if isinstance(n, (ast.Import, ast.ImportFrom))]
    modules = [n.module if isinstance(n, ast.ImportFrom) else a.name
               for n in imports for a in n.names]
    assert not [m for m in modules if m and m.split(".")[0] == "tfx"], modules
    assert "def create_pipeline(pipeline_name: str = _pipeline_name" in source
    assert "LatestBlessedModelResolver().with_id(" in source
    assert "with tfpipe.If(evaluator.outputs['blessing'].future()" in source
    assert "# Not imported by the tests themselves" not in source  # the docstring is kept as is
    assert compile_ir(copy, tmp_path / "migrated.json") == original


def test_migrate_lists_what_it_cannot_rewrite(tmp_path):
    path = tmp_path / "pipeline.py"
    path.write_text("from tfx.extensions.google_cloud_big_query.example_gen.component import "
                    "BigQueryExampleGen\n\n\ndef _create_pipeline(query):\n"
                    "    return BigQueryExampleGen(query=query)\n")
    result = run_cli("migrate", str(path))
    assert result.returncode == 2
    assert "to do by hand: " in result.stderr
    assert "line 5: tfx.extensions.google_cloud_big_query.example_gen.component." \
           "BigQueryExampleGen has no automatic rewrite; see docs/from-tfx.md" in result.stderr


def test_tfx_resolves_only_while_tfpipe_loads_user_files():
    outside = subprocess.run([sys.executable, "-c", "import tfpipe.v1, tfpipe.dsl.loader\n"
                              "import tfx"], cwd=REPO, capture_output=True, text=True)
    assert "No module named 'tfx'" in outside.stderr
    assert heavy_imports_of("import tfpipe.v1, tfpipe.tfx_imports") == []


def test_a_real_tfx_install_is_never_shadowed(tmp_path, monkeypatch):
    fake = tmp_path / "site" / "tfx"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("REAL_TFX = True\n")
    pipeline = tmp_path / "pipeline.py"
    pipeline.write_text("import tfx\nimport tfpipe\nassert tfx.REAL_TFX\n\n\n"
                        "@tfpipe.component\ndef Step():\n    pass\n\n\n"
                        "pipeline = tfpipe.Pipeline('p', 'out', [Step()])\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    result = run_cli("compile", "--ir", str(pipeline), "-o", str(tmp_path / "ir.json"))
    assert result.returncode == 0, result.stderr


def test_a_tfx_custom_component_compiles(tmp_path):
    pipeline = tmp_path / "pipeline.py"
    pipeline.write_text(
        "from tfx.dsl.component.experimental.annotations import InputArtifact, "
        "OutputArtifact, Parameter\n"
        "from tfx.dsl.component.experimental.decorators import component\n"
        "from tfx.orchestration import pipeline as tfx_pipeline\n"
        "from tfx.types.standard_artifacts import Examples, Model\n"
        "from tfx.v1.components import ImportExampleGen\n\n\n"
        "@component\n"
        "def MyTrainer(examples: InputArtifact[Examples], model: OutputArtifact[Model],\n"
        "              num_steps: Parameter[int] = 10) -> None:\n"
        "    pass\n\n\n"
        "def _create_pipeline(root):\n"
        "    gen = ImportExampleGen(input_base='data')\n"
        "    trainer = MyTrainer(examples=gen.outputs['examples'], num_steps=3)\n"
        "    return tfx_pipeline.Pipeline(pipeline_name='custom', pipeline_root=root,\n"
        "                                 components=[gen, trainer])\n\n\n"
        "if __name__ == '__main__':\n"
        "    _create_pipeline('out')\n")
    ir = compile_ir(pipeline, tmp_path / "ir.json")
    trainer = next(n for n in ir["nodes"] if n["id"] == "MyTrainer")
    assert trainer["parameters"] == {"num_steps": 3}
    assert trainer["inputs"]["examples"]["producer"] == "ImportExampleGen"
    assert trainer["outputs"] == {"model": "Model"}
    assert ir["pipeline_root"] == "out", "the __main__ call's argument"
