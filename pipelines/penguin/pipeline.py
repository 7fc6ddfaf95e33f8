"""Palmer penguins: classify the species from four body measurements.

Run it:   tfpipe run pipelines/penguin/pipeline.py
          (a blessed model is pushed, and predicts the species of data/unlabelled.csv)
Train longer:
          tfpipe run pipelines/penguin/pipeline.py -p train_steps=500
Tune the model's hyperparameters first (KerasTuner, a few trials), train with the best, and
check that the model serves before it is pushed (all of TFX's components):
          tfpipe run pipelines/penguin/pipeline.py -p tune=true
Check that the model serves (a model server process, a few requests) before pushing it:
          tfpipe run pipelines/penguin/pipeline.py -p infra_validate=true
Validate other data against the curated schema, stopping on anomalies:
          tfpipe run pipelines/penguin/pipeline.py -p data_root=pipelines/penguin/data/skewed \
              -p schema_file=pipelines/penguin/schema/schema.pbtxt -p fail_on_anomalies=true
"""
import os

import tfpipe
from tfpipe.components import (BulkInferrer, CsvExampleGen, Evaluator, ExampleValidator,
                               ImportSchemaGen, InfraValidator, LatestBlessedModelResolver, Pusher,
                               SchemaGen, StatisticsGen, Trainer, Transform, Tuner)

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_FILE = os.path.join(HERE, "penguin_utils.py")


def eval_config(min_accuracy: float) -> dict:
    """TFMA EvalConfig: accuracy on the eval split must reach ``min_accuracy`` and not
    fall below the latest blessed model's."""
    return {
        "model_specs": [{"signature_name": "serving_default", "label_key": "species"}],
        "slicing_specs": [{}],
        "metrics_specs": [{"metrics": [
            {"class_name": "ExampleCount"},
            {"class_name": "SparseCategoricalAccuracy",
             "threshold": {"value_threshold": {"lower_bound": min_accuracy},
                           "change_threshold": {"direction": "HIGHER_IS_BETTER",
                                                "absolute": -1e-10}}},
        ]}],
    }


def create_pipeline(data_root: str = os.path.join(HERE, "data", "labelled"),
                    schema_file: str | None = None, fail_on_anomalies: bool = False,
                    train_steps: int = 100, eval_steps: int = 5, min_accuracy: float = 0.6,
                    pipeline_root: str = os.path.join(HERE, "tfpipe_output"),
                    serving_model_dir: str | None = None, tune: bool = False,
                    max_trials: int = 4, infra_validate: bool | None = None,
                    unlabelled_data: str = os.path.join(HERE, "data", "unlabelled.csv"),
                    beam_pipeline_args: tuple = ()) -> tfpipe.Pipeline:
    """The penguin pipeline. With ``schema_file`` the data is validated against that
    curated schema instead of one inferred from the data itself. A model is pushed to
    ``serving_model_dir`` (default ``<pipeline_root>/serving_model``) when it is at
    least ``min_accuracy`` accurate and no worse than the latest blessed model, and the
    same model predicts the species of the rows of ``unlabelled_data`` (BulkInferrer);
    otherwise both are skipped (a condition on the blessing, as TFX's ``Cond``). With
    ``tune`` a Tuner first tries ``max_trials`` hyperparameter sets (each trained for
    ``train_steps``) and the Trainer trains with the best. With ``infra_validate`` an
    InfraValidator serves the model in a separate process and sends it requests made of
    eval examples; the Pusher pushes only a model that answered them all. It is on by
    default when ``tune`` is (the full set of TFX's components), off otherwise."""
    example_gen = CsvExampleGen(input_base=os.path.abspath(data_root))
    statistics_gen = StatisticsGen(examples=example_gen.outputs["examples"])
    if schema_file:
        schema_gen = ImportSchemaGen(schema_file=os.path.abspath(schema_file))
    else:
        schema_gen = SchemaGen(statistics=statistics_gen.outputs["statistics"])
    example_validator = ExampleValidator(statistics=statistics_gen.outputs["statistics"],
                                         schema=schema_gen.outputs["schema"],
                                         fail_on_anomalies=fail_on_anomalies)
    transform = Transform(examples=example_gen.outputs["examples"],
                          schema=schema_gen.outputs["schema"], module_file=MODULE_FILE)
    training = dict(examples=transform.outputs["transformed_examples"],
                    transform_graph=transform.outputs["transform_graph"],
                    schema=schema_gen.outputs["schema"], module_file=MODULE_FILE,
                    train_args={"num_steps": train_steps}, eval_args={"num_steps": eval_steps})
    tuning = [Tuner(**training, custom_config={"max_trials": max_trials})] if tune else []
    tuned = {"hyperparameters": t.outputs["best_hyperparameters"] for t in tuning}
    trainer = Trainer(**training, **tuned)
    unlabelled_gen = CsvExampleGen(
        input_base=os.path.dirname(os.path.abspath(unlabelled_data)),
        input_pattern=os.path.basename(unlabelled_data),
        splits={"unlabelled": 1}).with_id("UnlabelledExampleGen")
    latest_blessed = LatestBlessedModelResolver(candidate=trainer.outputs["model"])
    evaluator = Evaluator(examples=example_gen.outputs["examples"],
                          model=trainer.outputs["model"],
                          baseline_model=latest_blessed.outputs["model"],
                          eval_config=eval_config(min_accuracy))
    if infra_validate is None:
        infra_validate = tune
    infra = [InfraValidator(model=trainer.outputs["model"],
                            examples=example_gen.outputs["examples"])] if infra_validate else []
    infra_blessed = {"infra_blessing": v.outputs["blessing"] for v in infra}
    with tfpipe.If(evaluator.outputs["blessing"].property("blessed") == 1):  # else: skipped
        pusher = Pusher(model=trainer.outputs["model"],
                        model_blessing=evaluator.outputs["blessing"],
                        push_destination=os.path.abspath(
                            serving_model_dir or os.path.join(pipeline_root, "serving_model")),
                        **infra_blessed)
        bulk_inferrer = BulkInferrer(
            examples=unlabelled_gen.outputs["examples"], model=trainer.outputs["model"],
            model_blessing=evaluator.outputs["blessing"],
            output_example_spec={"output_columns_spec": [{"predict_output": {"output_columns": [
                {"output_key": "predictions", "output_column": "species_probabilities"}]}}]})
    return tfpipe.Pipeline(
        name="penguin",
        pipeline_root=pipeline_root,
        components=[example_gen, statistics_gen, schema_gen, example_validator, transform,
                    *tuning, trainer, latest_blessed, evaluator, *infra, pusher, unlabelled_gen,
                    bulk_inferrer],
        beam_pipeline_args=list(beam_pipeline_args),
    )


if __name__ == "__main__":
    tfpipe.run(create_pipeline())
