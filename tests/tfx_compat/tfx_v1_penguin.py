"""A penguin pipeline written against TFX's public API (``from tfx import v1 as tfx``), as
TFX's own penguin examples are: the compatibility tests compile it through tfpipe's
``tfx`` and through ``tfpipe migrate``. Not imported by the tests themselves."""
import os
from typing import List, Optional

import tensorflow_model_analysis as tfma
from tfx import v1 as tfx

_pipeline_name = 'penguin_tfx_v1'
_here = os.path.dirname(os.path.abspath(__file__))
_repo = os.path.dirname(os.path.dirname(_here))
_data_root = os.path.join(_repo, 'pipelines', 'penguin', 'data', 'labelled')
_module_file = os.path.join(_repo, 'pipelines', 'penguin', 'penguin_utils.py')
_pipeline_root = os.path.join(os.environ.get('TFX_HOME', _here), 'tfx_output')
_serving_model_dir = os.path.join(_pipeline_root, 'serving_model')
_metadata_path = os.path.join(_pipeline_root, 'metadata.db')


def _create_pipeline(pipeline_name: str, pipeline_root: str, data_root: str,
                     module_file: str, serving_model_dir: str, metadata_path: str,
                     beam_pipeline_args: Optional[List[str]] = None) -> tfx.dsl.Pipeline:
  """The penguin pipeline, TFX style."""
  example_gen = tfx.components.CsvExampleGen(
      input_base=data_root,
      output_config=tfx.proto.Output(
          split_config=tfx.proto.SplitConfig(splits=[
              tfx.proto.SplitConfig.Split(name='train', hash_buckets=3),
              tfx.proto.SplitConfig.Split(name='eval', hash_buckets=1),
          ])))
  statistics_gen = tfx.components.StatisticsGen(
      examples=example_gen.outputs['examples'])
  schema_gen = tfx.components.SchemaGen(
      statistics=statistics_gen.outputs['statistics'], infer_feature_shape=True)
  example_validator = tfx.components.ExampleValidator(
      statistics=statistics_gen.outputs['statistics'],
      schema=schema_gen.outputs['schema'])
  transform = tfx.components.Transform(
      examples=example_gen.outputs['examples'],
      schema=schema_gen.outputs['schema'],
      module_file=module_file)
  trainer = tfx.components.Trainer(
      module_file=module_file,
      examples=transform.outputs['transformed_examples'],
      transform_graph=transform.outputs['transform_graph'],
      schema=schema_gen.outputs['schema'],
      train_args=tfx.proto.TrainArgs(num_steps=100),
      eval_args=tfx.proto.EvalArgs(num_steps=5))
  model_resolver = tfx.dsl.Resolver(
      strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
      model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
      model_blessing=tfx.dsl.Channel(
          type=tfx.types.standard_artifacts.ModelBlessing)).with_id(
              'latest_blessed_model_resolver')
  latest_schema = tfx.dsl.Resolver(
      strategy_class=tfx.dsl.experimental.LatestArtifactStrategy,
      schema=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Schema)).with_id(
          'latest_schema_resolver')
  eval_config = tfma.EvalConfig(
      model_specs=[tfma.ModelSpec(label_key='species')],
      slicing_specs=[tfma.SlicingSpec()],
      metrics_specs=[
          tfma.MetricsSpec(metrics=[
              tfma.MetricConfig(
                  class_name='SparseCategoricalAccuracy',
                  threshold=tfma.MetricThreshold(
                      value_threshold=tfma.GenericValueThreshold(
                          lower_bound={'value': 0.6})))
          ])
      ])
  evaluator = tfx.components.Evaluator(
      examples=example_gen.outputs['examples'],
      model=trainer.outputs['model'],
      baseline_model=model_resolver.outputs['model'],
      eval_config=eval_config)
  with tfx.dsl.Cond(evaluator.outputs['blessing'].future()
                    [0].custom_property('blessed') == 1):
    pusher = tfx.components.Pusher(
        model=trainer.outputs['model'],
        model_blessing=evaluator.outputs['blessing'],
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(
                base_directory=serving_model_dir)))
  return tfx.dsl.Pipeline(
      pipeline_name=pipeline_name,
      pipeline_root=pipeline_root,
      components=[example_gen, statistics_gen, schema_gen, example_validator,
                  transform, trainer, model_resolver, latest_schema, evaluator, pusher],
      metadata_connection_config=tfx.orchestration.metadata
      .sqlite_metadata_connection_config(metadata_path),
      beam_pipeline_args=beam_pipeline_args)


if __name__ == '__main__':
  tfx.orchestration.LocalDagRunner().run(
      _create_pipeline(
          pipeline_name=_pipeline_name,
          pipeline_root=_pipeline_root,
          data_root=_data_root,
          module_file=_module_file,
          serving_model_dir=_serving_model_dir,
          metadata_path=_metadata_path))
