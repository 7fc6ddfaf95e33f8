"""Training/serving skew on served traffic: the penguin training data against the
requests `tfpipe serve --log-requests` logged (TFX's ImportExampleGen over request logs).

Serve the penguin model and log what it is asked:
          tfpipe run pipelines/penguin/pipeline.py
          tfpipe serve pipelines/penguin/pipeline.py --log-requests /tmp/penguin-requests
then check the latest day of traffic for skew against the training data:
          tfpipe run pipelines/penguin_serving/pipeline.py -p request_logs=/tmp/penguin-requests

ExampleValidator compares each feature's distribution in the served rows with the
training split's (Jensen-Shannon divergence, TFDV's skew comparator) and records the
measurements on its anomalies (custom property ``skew``); one over ``skew_threshold`` is
an anomaly (a warning, or a failed run with ``fail_on_anomalies``).
"""
import os

import tfpipe
from tfpipe.components import (CsvExampleGen, ExampleValidator, ImportExampleGen, SchemaGen,
                               StatisticsGen)

HERE = os.path.dirname(os.path.abspath(__file__))
FEATURES = ["body_mass_g", "culmen_depth_mm", "culmen_length_mm", "flipper_length_mm"]


def create_pipeline(request_logs: str,
                    data_root: str = os.path.join(HERE, "..", "penguin", "data", "labelled"),
                    skew_threshold: float = 0.03, fail_on_anomalies: bool = False,
                    pipeline_root: str = os.path.join(HERE, "tfpipe_output")) -> tfpipe.Pipeline:
    # All the training data as one split, and all of a day's served rows as one: the
    # comparison is of the two distributions, not of two samples of them.
    training = CsvExampleGen(input_base=os.path.abspath(data_root), splits={"train": 1})
    training_statistics = StatisticsGen(examples=training.outputs["examples"])
    schema = SchemaGen(statistics=training_statistics.outputs["statistics"])
    # One span per day of traffic, as `tfpipe serve --log-requests` writes them.
    served = ImportExampleGen(input_base=os.path.abspath(request_logs),
                              input_pattern="{YYYY}-{MM}-{DD}/*.gz",
                              splits={"serving": 1}).with_id("RequestLogExampleGen")
    serving_statistics = StatisticsGen(examples=served.outputs["examples"]).with_id(
        "ServingStatisticsGen")
    validator = ExampleValidator(statistics=training_statistics.outputs["statistics"],
                                 schema=schema.outputs["schema"],
                                 serving_statistics=serving_statistics.outputs["statistics"],
                                 skew_thresholds={f: skew_threshold for f in FEATURES},
                                 fail_on_anomalies=fail_on_anomalies)
    return tfpipe.Pipeline(name="penguin-serving-skew", pipeline_root=pipeline_root,
                           components=[training, training_statistics, schema, served,
                                       serving_statistics, validator])
