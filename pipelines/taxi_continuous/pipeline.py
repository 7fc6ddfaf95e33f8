"""Continuous training on the Chicago taxi trips: one span per year, landing one by one.

    python pipelines/taxi_continuous/land.py 1 && tfpipe run pipelines/taxi_continuous/pipeline.py
    python pipelines/taxi_continuous/land.py 2 && tfpipe run pipelines/taxi_continuous/pipeline.py
    ...                                        (or: tfpipe run --watch pipelines/taxi_continuous/pipeline.py)
    tfpipe models pipelines/taxi_continuous/pipeline.py

Each run ingests only the newest span in ``landing/span-<N>/`` and computes its
statistics; checks it for drift against the span before (recorded per feature, and
with ``-p fail_on_anomalies=true`` a drifting span stops the run before anything is
transformed or trained); transforms and trains on a rolling window of the last
``window`` spans, reusing the spans already ingested and TFT's analyzer cache;
warm-starts from the latest blessed model, and pushes only a model at least as good
as that one on the new span's eval split.
"""
import os

import tfpipe
from tfpipe.components import (CsvExampleGen, Evaluator, ExampleValidator,
                               LatestBlessedModelResolver, PreviousSpanResolver, Pusher,
                               RollingWindowResolver, ImportSchemaGen, StatisticsGen, Trainer,
                               Transform)

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_FILE = os.path.join(HERE, "..", "taxi", "taxi_utils.py")
# Inferred from all four years and curated, as a pipeline that keeps running needs: a
# schema inferred from each new span alone would change under the model (a feature
# empty in a span would change type), and every span is validated against this one.
SCHEMA_FILE = os.path.join(HERE, "schema", "schema.pbtxt")
# Drift between consecutive spans above which a feature is flagged: L-infinity distance
# for the strings, Jensen-Shannon divergence for the numbers.
DRIFT_THRESHOLDS = {"payment_type": 0.1, "company": 0.2, "fare": 0.2, "trip_miles": 0.2,
                    "trip_seconds": 0.2}


def eval_config(min_accuracy: float) -> dict:
    """Accuracy on the new span's eval split must reach ``min_accuracy`` and be no
    worse than the latest blessed model's (the baseline)."""
    return {
        "model_specs": [{"signature_name": "serving_default", "label_key": "big_tipper",
                         "preprocessing_function_names": ["transform_features"]}],
        "slicing_specs": [{}],
        "metrics_specs": [{"metrics": [
            {"class_name": "ExampleCount"},
            {"class_name": "AUC"},
            {"class_name": "BinaryAccuracy",
             "threshold": {"value_threshold": {"lower_bound": min_accuracy},
                           "change_threshold": {"direction": "HIGHER_IS_BETTER",
                                                "absolute": -1e-10}}},
        ]}],
    }


def create_pipeline(data_root: str = os.path.join(HERE, "landing"), window: int = 2,
                    input_pattern: str = "span-{SPAN}/*.csv", schema_file: str = SCHEMA_FILE,
                    train_steps: int = 100, eval_steps: int = 20, min_accuracy: float = 0.6,
                    drift_thresholds: dict | None = None, fail_on_anomalies: bool = False,
                    pipeline_root: str = os.path.join(HERE, "tfpipe_output"),
                    serving_model_dir: str | None = None,
                    beam_pipeline_args: tuple = ()) -> tfpipe.Pipeline:
    example_gen = CsvExampleGen(input_base=os.path.abspath(data_root),
                                input_pattern=input_pattern)
    statistics_gen = StatisticsGen(examples=example_gen.outputs["examples"])
    previous_span = PreviousSpanResolver(statistics=statistics_gen.outputs["statistics"])
    schema_gen = ImportSchemaGen(schema_file=schema_file)
    example_validator = ExampleValidator(
        statistics=statistics_gen.outputs["statistics"], schema=schema_gen.outputs["schema"],
        baseline_statistics=previous_span.outputs["statistics"],
        drift_thresholds=drift_thresholds or DRIFT_THRESHOLDS,
        fail_on_anomalies=fail_on_anomalies)
    rolling_window = RollingWindowResolver(examples=example_gen.outputs["examples"],
                                           window=window)
    transform = Transform(examples=rolling_window.outputs["examples"],
                          schema=schema_gen.outputs["schema"],
                          module_file=MODULE_FILE).after(example_validator)
    latest_blessed = LatestBlessedModelResolver(examples=transform.outputs["transformed_examples"])
    trainer = Trainer(examples=transform.outputs["transformed_examples"],
                      transform_graph=transform.outputs["transform_graph"],
                      schema=schema_gen.outputs["schema"],
                      base_model=latest_blessed.outputs["model"], module_file=MODULE_FILE,
                      train_args={"num_steps": train_steps},
                      eval_args={"num_steps": eval_steps})
    evaluator = Evaluator(examples=example_gen.outputs["examples"],
                          model=trainer.outputs["model"],
                          baseline_model=latest_blessed.outputs["model"],
                          eval_config=eval_config(min_accuracy))
    pusher = Pusher(model=trainer.outputs["model"], model_blessing=evaluator.outputs["blessing"],
                    push_destination=os.path.abspath(
                        serving_model_dir or os.path.join(pipeline_root, "serving_model")))
    return tfpipe.Pipeline(
        name="chicago-taxi-continuous",
        pipeline_root=pipeline_root,
        components=[example_gen, statistics_gen, previous_span, schema_gen, example_validator,
                    rolling_window, transform, latest_blessed, trainer, evaluator, pusher],
        beam_pipeline_args=list(beam_pipeline_args),
    )


if __name__ == "__main__":
    tfpipe.run(create_pipeline())
