"""Chicago taxi trips: predict whether a trip's tip is more than 20% of the fare.

Run it:   tfpipe run pipeline.py
Train longer:
          tfpipe run pipeline.py -p train_steps=2000
"""
import os

import tfpipe
from tfpipe.components import (CsvExampleGen, ExampleValidator, SchemaGen, StatisticsGen,
                               Trainer, Transform)

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_FILE = os.path.join(HERE, "taxi_utils.py")


def create_pipeline(data_root: str = os.path.join(HERE, "data"),
                    train_steps: int = 200, eval_steps: int = 20,
                    pipeline_root: str = os.path.join(HERE, "tfpipe_output"),
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
    return tfpipe.Pipeline(
        name="chicago-taxi",
        pipeline_root=pipeline_root,
        components=[example_gen, statistics_gen, schema_gen, example_validator, transform,
                    trainer],
        beam_pipeline_args=list(beam_pipeline_args),
    )


if __name__ == "__main__":
    tfpipe.run(create_pipeline())
