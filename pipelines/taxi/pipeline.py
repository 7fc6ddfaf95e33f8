"""Chicago taxi trips: predict whether a trip's tip is more than 20% of the fare.

Run it:   tfpipe run pipelines/taxi/pipeline.py
"""
import os

import tfpipe
from tfpipe.components import CsvExampleGen, ExampleValidator, SchemaGen, StatisticsGen

HERE = os.path.dirname(os.path.abspath(__file__))


def create_pipeline(data_root: str = os.path.join(HERE, "data"),
                    pipeline_root: str = os.path.join(HERE, "tfpipe_output"),
                    beam_pipeline_args: tuple = ()) -> tfpipe.Pipeline:
    example_gen = CsvExampleGen(input_base=os.path.abspath(data_root))
    statistics_gen = StatisticsGen(examples=example_gen.outputs["examples"])
    schema_gen = SchemaGen(statistics=statistics_gen.outputs["statistics"])
    example_validator = ExampleValidator(statistics=statistics_gen.outputs["statistics"],
                                         schema=schema_gen.outputs["schema"])
    return tfpipe.Pipeline(
        name="chicago-taxi",
        pipeline_root=pipeline_root,
        components=[example_gen, statistics_gen, schema_gen, example_validator],
        beam_pipeline_args=list(beam_pipeline_args),
    )


if __name__ == "__main__":
    tfpipe.run(create_pipeline())
