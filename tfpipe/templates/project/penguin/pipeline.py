"""Palmer penguins: classify the species from four body measurements.

Run it:   tfpipe run pipeline.py
Train longer:
          tfpipe run pipeline.py -p train_steps=500
Validate other data against the curated schema, stopping on anomalies:
          tfpipe run pipeline.py -p data_root=data/skewed \
              -p schema_file=schema/schema.pbtxt -p fail_on_anomalies=true
"""
import os

import tfpipe
from tfpipe.components import (CsvExampleGen, ExampleValidator, ImportSchemaGen, SchemaGen,
                               StatisticsGen, Trainer, Transform)

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_FILE = os.path.join(HERE, "penguin_utils.py")


def create_pipeline(data_root: str = os.path.join(HERE, "data", "labelled"),
                    schema_file: str | None = None, fail_on_anomalies: bool = False,
                    train_steps: int = 100, eval_steps: int = 5,
                    pipeline_root: str = os.path.join(HERE, "tfpipe_output"),
                    beam_pipeline_args: tuple = ()) -> tfpipe.Pipeline:
    """The penguin pipeline. With ``schema_file`` the data is validated against that
    curated schema instead of one inferred from the data itself."""
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
    trainer = Trainer(examples=transform.outputs["transformed_examples"],
                      transform_graph=transform.outputs["transform_graph"],
                      schema=schema_gen.outputs["schema"], module_file=MODULE_FILE,
                      train_args={"num_steps": train_steps},
                      eval_args={"num_steps": eval_steps})
    return tfpipe.Pipeline(
        name="penguin",
        pipeline_root=pipeline_root,
        components=[example_gen, statistics_gen, schema_gen, example_validator, transform,
                    trainer],
        beam_pipeline_args=list(beam_pipeline_args),
    )


if __name__ == "__main__":
    tfpipe.run(create_pipeline())
