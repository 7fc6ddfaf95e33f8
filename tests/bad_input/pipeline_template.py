"""A small pipeline the bad-input battery points at broken data, code and settings."""
import os

import tfpipe
from tfpipe import Model, ModelBlessing, Output
from tfpipe.components import (BulkInferrer, CsvExampleGen, ExampleValidator, Importer,
                               ImportSchemaGen, InfraValidator, Pusher, RollingWindowResolver,
                               SchemaGen, StatisticsGen, Trainer, Transform, Tuner)


@tfpipe.component
def BlessedModel(model: Output[Model], blessing: Output[ModelBlessing]):
    """A stand-in for Trainer + Evaluator: a model folder and a positive blessing."""
    os.makedirs(os.path.join(model.uri, "Format-Serving"))
    with open(os.path.join(model.uri, "Format-Serving", "saved_model.pb"), "wb") as f:
        f.write(b"model")
    open(os.path.join(blessing.uri, "BLESSED"), "w").close()
    blessing.custom_properties["blessed"] = 1


def create_pipeline(root, data="", stage="data", module_file="", schema_file="",
                    beam_args=(), push_destination="", input_pattern="*.csv", range_config=None,
                    drift_thresholds=None, window=0, gen_id="", rename_as_statement=False,
                    tune_args=None, request_spec=None,
                    condition_property="", condition_on_missing_node=False, data_spec=None):
    if stage == "import":
        return tfpipe.Pipeline("bad", root, [Importer(source_uri=schema_file,
                                                      artifact_type=tfpipe.Schema)])
    if stage == "push":
        fake = BlessedModel()
        pusher = Pusher(model=fake.outputs["model"], model_blessing=fake.outputs["blessing"],
                        push_destination=push_destination)
        return tfpipe.Pipeline("bad", root, [fake, pusher])
    gen = CsvExampleGen(input_base=data, input_pattern=input_pattern, range_config=range_config)
    if stage == "infra":
        fake = BlessedModel()
        return tfpipe.Pipeline("bad", root, [gen, fake, InfraValidator(
            model=fake.outputs["model"], examples=gen.outputs["examples"],
            request_spec=request_spec)])
    if stage == "infer":  # an untrained penguin model, blessed, over the data
        from tests.components.evaluation_helpers import PenguinModel, StubBlessing

        model, blessing = PenguinModel(steps=0), StubBlessing(blessed=1)
        inferrer = BulkInferrer(examples=gen.outputs["examples"], model=model.outputs["model"],
                                model_blessing=blessing.outputs["blessing"], data_spec=data_spec)
        return tfpipe.Pipeline("bad", root, [gen, model, blessing, inferrer])
    if condition_property:  # StatisticsGen only if the stand-in's blessing says so
        fake = BlessedModel()
        with tfpipe.If(fake.outputs["blessing"].property(condition_property) == 1):
            stats = StatisticsGen(examples=gen.outputs["examples"])
        nodes = [gen, stats] + ([] if condition_on_missing_node else [fake])
        return tfpipe.Pipeline("bad", root, nodes)
    if gen_id:
        gen = gen.with_id(gen_id)
    if rename_as_statement:
        gen.with_id("renamed")  # as TFX's mutating with_id allows; here it returns a new node
    nodes = [gen]
    if window:
        nodes.append(RollingWindowResolver(examples=gen.outputs["examples"], window=window))
    if stage in ("schema", "transform", "trainer", "tuner", "validate"):
        stats = StatisticsGen(examples=gen.outputs["examples"])
        schema = (ImportSchemaGen(schema_file=schema_file) if schema_file
                  else SchemaGen(statistics=stats.outputs["statistics"]))
        nodes += [stats, schema]
    if stage == "validate":
        nodes.append(ExampleValidator(statistics=stats.outputs["statistics"],
                                      schema=schema.outputs["schema"],
                                      drift_thresholds=drift_thresholds))
    if stage in ("transform", "trainer", "tuner"):
        transform = Transform(examples=gen.outputs["examples"], schema=schema.outputs["schema"],
                              module_file=module_file)
        nodes.append(transform)
    if stage == "trainer":
        nodes.append(Trainer(examples=transform.outputs["transformed_examples"],
                             transform_graph=transform.outputs["transform_graph"],
                             schema=schema.outputs["schema"], module_file=module_file,
                             train_args={"num_steps": 2}, eval_args={"num_steps": 1}))
    if stage == "tuner":
        nodes.append(Tuner(examples=transform.outputs["transformed_examples"],
                           transform_graph=transform.outputs["transform_graph"],
                           module_file=module_file, tune_args=tune_args,
                           train_args={"num_steps": 2}, eval_args={"num_steps": 1}))
    return tfpipe.Pipeline("bad", root, nodes, beam_pipeline_args=list(beam_args))
