"""``tfpipe migrate``'s rewrites of what TFX's penguin example uses, on a small file (the
example itself is in test_tfx_examples.py, where ../shared is at hand)."""
from __future__ import annotations

from tfpipe.migrate import migrate_source

ABSL = '''import os
import sys
from typing import Optional

import absl
from absl import flags
from tfx import v1 as tfx
from tfx.utils import proto_utils

flags.DEFINE_string('name', 'p', 'The name.')


@tfx.dsl.components.component
def Gen(day: tfx.dsl.components.Parameter[str],
        out: tfx.dsl.components.OutputArtifact[tfx.types.standard_artifacts.Model]):
  out.uri = proto_utils.proto_to_json(tfx.proto.RangeConfig(
      static_range=tfx.proto.StaticRange(start_span_number=1, end_span_number=1)))


def create_pipeline(name: str, config: Optional[tfx.proto.RangeConfig]) -> tfx.dsl.Pipeline:
  gen = tfx.components.CsvExampleGen(input_base='data')
  inferrer = tfx.components.BulkInferrer(examples=gen.outputs['examples'], model=None,
                                         data_spec=tfx.proto.DataSpec(),
                                         model_spec=tfx.proto.ModelSpec())
  return tfx.dsl.Pipeline(pipeline_name=name, pipeline_root='out',
                          components=[gen, inferrer])


if __name__ == '__main__':
  absl.flags.FLAGS(sys.argv)
  _name = f'p_{flags.FLAGS.name}'
  tfx.orchestration.LocalDagRunner().run(create_pipeline(name=_name, config=None))
'''


def test_an_absl_entry_point_keeps_its_call_and_the_rest_is_rewritten():
    result = migrate_source(ABSL)
    assert result.problems == []
    source = result.source
    assert "import json\nimport tfpipe\n" in source
    assert "@tfpipe.component\ndef Gen(day: tfpipe.Parameter[str],\n" \
           "        out: tfpipe.Output[tfpipe.Model]):" in source
    assert 'out.uri = json.dumps({"static_range": {"start_span_number": 1, ' \
           '"end_span_number": 1}}, sort_keys=True)' in source
    assert "def create_pipeline(name: str, config: Optional[dict]) -> tfpipe.Pipeline:" \
        in source, "no defaults: the values are set under __main__, from the flags"
    assert "data_spec={},\n" in source and "model_spec={})" in source
    assert "  absl.flags.FLAGS(sys.argv)\n  _name = f'p_{flags.FLAGS.name}'\n" \
           "  tfpipe.run_pipeline(create_pipeline(name=_name, config=None))\n" in source


def test_an_entry_point_of_module_constants_becomes_defaults():
    source = ABSL.replace("  _name = f'p_{flags.FLAGS.name}'\n", "").replace(
        "flags.DEFINE_string('name', 'p', 'The name.')", "_name = 'p'")
    result = migrate_source(source)
    assert "def create_pipeline(name: str = _name, config: Optional[dict] = None)" \
        in result.source
    assert "tfpipe.run_pipeline(create_pipeline())" in result.source


def test_what_is_left_of_tfx_is_named():
    result = migrate_source(ABSL.replace("tfx.components.CsvExampleGen(input_base='data')",
                                         "tfx.components.ExampleDiff(config=tfx.proto.X)"))
    assert "line 21: tfx.v1.components.ExampleDiff has no automatic rewrite; see " \
           "docs/from-tfx.md" in result.problems
    assert "line 21: `tfx.components.ExampleDiff` is still used here; migrate has no " \
           "rewrite for it" in result.problems


def test_a_pusher_under_cond_on_a_blessing_gets_that_blessing():
    from tfpipe.migrate import migrate_source

    source = ("from tfx import v1 as tfx\n\n\ndef create_pipeline(trainer, evaluator):\n"
              "    with tfx.dsl.Cond(evaluator.outputs['blessing'].future()[0]"
              ".custom_property('blessed') == 1):\n"
              "        pusher = tfx.components.Pusher(model=trainer.outputs['model'])\n"
              "    return pusher\n")
    migrated = migrate_source(source).source
    assert "Pusher(model=trainer.outputs['model'], " \
           "model_blessing=evaluator.outputs['blessing'])" in migrated, migrated
