"""Importer: an existing artifact registered in MLMD, reused on the next run."""
from __future__ import annotations

import os

import pytest

import tfpipe
from tfpipe import Input, Output, Schema
from tfpipe.components import Importer
from tfpipe.errors import DefinitionError

from tests.conftest import Store  # absolute: the executor loads this file by its path


@tfpipe.component
def ReadSchema(schema: Input[Schema], copy: Output[Schema]):
    """Copies the imported schema file: shows that the consumer got its URI."""
    with open(os.path.join(schema.uri, "schema.pbtxt")) as f:
        text = f.read()
    with open(os.path.join(copy.uri, "schema.pbtxt"), "w") as f:
        f.write(text)


def _pipeline(tmp_path, reimport=False):
    imported = Importer(source_uri=str(tmp_path / "curated"), artifact_type=Schema,
                        reimport=reimport).with_id("import_schema")
    read = ReadSchema(schema=imported.outputs["result"])
    return tfpipe.Pipeline("imports", str(tmp_path / "root"), [imported, read])


@pytest.fixture
def curated(tmp_path):
    (tmp_path / "curated").mkdir()
    (tmp_path / "curated" / "schema.pbtxt").write_text('feature { name: "x" type: INT }\n')
    return tmp_path


def test_an_imported_artifact_is_registered_once_and_reused(curated):
    first = tfpipe.run_pipeline(_pipeline(curated), quiet=True)
    [schema] = first.results["import_schema"].artifacts["result"]
    assert schema.uri == str(curated / "curated") and isinstance(schema, Schema)
    [copy] = first.results["ReadSchema"].artifacts["copy"]
    assert open(os.path.join(copy.uri, "schema.pbtxt")).read().startswith('feature { name: "x"')
    again = tfpipe.run_pipeline(_pipeline(curated), quiet=True)
    assert again.results["import_schema"].artifacts["result"][0].id == schema.id
    assert again.results["ReadSchema"].status == "cached"
    store = Store(curated / "root" / "metadata.sqlite")
    runs = store.executions("imports", "import_schema")
    assert [store.state(e) for e in runs] == ["COMPLETE", "COMPLETE"]
    [output] = store.outputs(runs[0].id)
    assert (output.id, output.uri, store.artifact_state(output)) == \
        (schema.id, str(curated / "curated"), "LIVE")
    assert output.custom_properties["imported_by"].string_value == "imports"


def test_reimport_registers_a_new_artifact_each_run(curated):
    ids = [tfpipe.run_pipeline(_pipeline(curated, reimport=True), quiet=True)
           .results["import_schema"].artifacts["result"][0].id for _ in range(2)]
    assert ids[0] != ids[1]


def test_artifact_type_must_be_an_artifact_class():
    with pytest.raises(DefinitionError, match="Importer's artifact_type must be an artifact "
                                              "class, got 'Schema'"):
        Importer(source_uri="x", artifact_type="Schema")


def test_the_importer_compiles_with_its_type(curated):
    ir = tfpipe.compile_pipeline(_pipeline(curated))
    node = ir.node("import_schema")
    assert (node.component, node.outputs) == ("Importer", {"result": "Schema"})
    assert node.parameters["source_uri"] == str(curated / "curated")
    assert ir.node("ReadSchema").inputs["schema"].producer == "import_schema"
