"""Chicago taxi trips: predict whether a trip's tip is more than 20% of the fare.

Run it:   tfpipe run pipelines/taxi/pipeline.py
Train longer:
          tfpipe run pipelines/taxi/pipeline.py -p train_steps=2000

A trained model is evaluated with TFMA on the eval split (overall and per pickup hour)
and pushed to ``<pipeline_root>/serving_model`` if it is accurate enough and no worse
than the latest blessed model.
"""
import os

import tfpipe
from tfpipe.components import (CsvExampleGen, Evaluator, ExampleValidator,
                               LatestBlessedModelResolver, Pusher, SchemaGen, StatisticsGen,
                               Trainer, Transform)

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_FILE = os.path.join(HERE, "taxi_utils.py")


def eval_config(min_accuracy: float) -> dict:
    """TFMA EvalConfig: the label big_tipper comes from the model's transform_features
    signature; accuracy must reach ``min_accuracy`` and not fall below the latest
    blessed model's."""
    return {
        "model_specs": [{"signature_name": "serving_default", "label_key": "big_tipper",
                         "preprocessing_function_names": ["transform_features"]}],
        "slicing_specs": [{}, {"feature_keys": ["trip_start_hour"]}],
        "metrics_specs": [{"metrics": [
            {"class_name": "ExampleCount"},
            {"class_name": "AUC"},
            {"class_name": "BinaryAccuracy",
             "threshold": {"value_threshold": {"lower_bound": min_accuracy},
                           "change_threshold": {"direction": "HIGHER_IS_BETTER",
                                                "absolute": -1e-10}}},
        ]}],
    }


def create_pipeline(data_root: str = os.path.join(HERE, "data"),
                    train_steps: int = 200, eval_steps: int = 20, min_accuracy: float = 0.6,
                    pipeline_root: str = os.path.join(HERE, "tfpipe_output"),
                    serving_model_dir: str | None = None,
                    beam_pipeline_args: tuple = ()) -> tfpipe.Pipeline:
    example_gen = CsvExampleGen(input_base=os.path.abspath(data_root))
    statistics_gen = StatisticsGen(examples=example_gen.outputs["examples"])
    schema_gen = SchemaGen(statistics=statistics_gen.outputs["statistics"])
    example_validator = ExampleValidator(statistics=statistics_gen.outputs["statistics"],
                                         schema=schema_gen.outputs["schema"])
    transform = Transform(examples=example_gen.outputs["examples"],
                          schema=schema_gen.outputs["schema"], module_file=MODULE_FILE)
    trainer = Trainer(examples=transform.outputs["transformed_examples"],
                      transform_graph=transform.outputs["transform_graph"],
                      schema=schema_gen.outputs["schema"], module_file=MODULE_FILE,
                      train_args={"num_steps": train_steps},
                      eval_args={"num_steps": eval_steps})
    latest_blessed = LatestBlessedModelResolver(candidate=trainer.outputs["model"])
    evaluator = Evaluator(examples=example_gen.outputs["examples"],
                          model=trainer.outputs["model"],
                          baseline_model=latest_blessed.outputs["model"],
                          eval_config=eval_config(min_accuracy))
    pusher = Pusher(model=trainer.outputs["model"], model_blessing=evaluator.outputs["blessing"],
                    push_destination=os.path.abspath(
                        serving_model_dir or os.path.join(pipeline_root, "serving_model")))
    return tfpipe.Pipeline(
        name="chicago-taxi",
        pipeline_root=pipeline_root,
        components=[example_gen, statistics_gen, schema_gen, example_validator, transform,
                    trainer, latest_blessed, evaluator, pusher],
        beam_pipeline_args=list(beam_pipeline_args),
    )


if __name__ == "__main__":
    tfpipe.run(create_pipeline())
