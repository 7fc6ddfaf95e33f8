"""Bad pipeline definitions, each with the error a user gets."""
from __future__ import annotations

import re

import pytest

import tfpipe
from tfpipe import CompileError, DefinitionError, Examples, Input, Output, Parameter, Schema
from tfpipe.components import CsvExampleGen, ExampleValidator, SchemaGen, StatisticsGen


@tfpipe.component
def Consume(examples: Input[Examples], out: Output[Schema], steps: Parameter[int] = 1):
    """A user component that takes examples."""


def _pipeline(*nodes):
    return tfpipe.Pipeline("bad", "/tmp/unused-root", list(nodes))


@tfpipe.component
def Refine(examples: Input[Examples], refined: Output[Examples]):
    """A user component from examples to examples."""


def cycle():
    a = CsvExampleGen(input_base="x")
    r1 = Refine(examples=a.outputs["examples"]).with_id("r1")
    r2 = Refine(examples=r1.outputs["refined"]).with_id("r2")
    r1.arguments["examples"] = r2.outputs["refined"]  # rewired after the fact: r1 <- r2 <- r1
    return _pipeline(a, r1, r2)


def missing_input():
    return _pipeline(StatisticsGen())


def wrong_type():
    a = CsvExampleGen(input_base="x")
    s = StatisticsGen(examples=a.outputs["examples"])
    return _pipeline(a, s, SchemaGen(statistics=a.outputs["examples"]))


def node_instead_of_output():
    a = CsvExampleGen(input_base="x")
    return _pipeline(a, StatisticsGen(examples=a))


def duplicate_ids():
    a = CsvExampleGen(input_base="x")
    b = CsvExampleGen(input_base="y")
    return _pipeline(a, b)


def unknown_parameter():
    return _pipeline(CsvExampleGen(input_bas="x"))


def missing_parameter():
    return _pipeline(CsvExampleGen())


def unserialisable_parameter():
    return _pipeline(CsvExampleGen(input_base="x", splits={"train": object()}))


def nan_parameter():
    a = CsvExampleGen(input_base="x")
    return _pipeline(a, Consume(examples=a.outputs["examples"], steps=float("nan")))


def string_for_an_int_parameter():
    a = CsvExampleGen(input_base="x")
    return _pipeline(a, Consume(examples=a.outputs["examples"], steps="100"))


def bool_for_an_int_parameter():
    a = CsvExampleGen(input_base="x")
    return _pipeline(a, Consume(examples=a.outputs["examples"], steps=True))


def list_for_a_dict_parameter():
    return _pipeline(CsvExampleGen(input_base="x", splits=["train", "eval"]))


def producer_not_in_pipeline():
    a = CsvExampleGen(input_base="x")
    s = StatisticsGen(examples=a.outputs["examples"])
    return _pipeline(s)


def channel_as_parameter():
    a = CsvExampleGen(input_base="x")
    return _pipeline(a, Consume(examples=a.outputs["examples"], steps=a.outputs["examples"]))


def schema_for_validator_from_stats():
    a = CsvExampleGen(input_base="x")
    s = StatisticsGen(examples=a.outputs["examples"])
    return _pipeline(a, s, ExampleValidator(statistics=s.outputs["statistics"],
                                            schema=s.outputs["statistics"]))


@tfpipe.component
def Bless(examples: Input[Examples], blessing: Output[tfpipe.ModelBlessing]):
    """A user component that blesses."""


def condition_on_a_node_not_in_the_pipeline():
    a = CsvExampleGen(input_base="x")
    bless = Bless(examples=a.outputs["examples"])
    with tfpipe.If(bless.outputs["blessing"].property("blessed") == 1):
        consume = Consume(examples=a.outputs["examples"])
    return _pipeline(a, consume)


def input_from_a_gated_node_outside_its_block():
    a = CsvExampleGen(input_base="x")
    bless = Bless(examples=a.outputs["examples"])
    with tfpipe.If(bless.outputs["blessing"].property("blessed") == 1):
        refine = Refine(examples=a.outputs["examples"])
    return _pipeline(a, bless, refine, Consume(examples=refine.outputs["refined"]))


def condition_on_a_node_inside_another_block():
    a = CsvExampleGen(input_base="x")
    with tfpipe.If(a.outputs["examples"].property("span") > 0):
        bless = Bless(examples=a.outputs["examples"])
    with tfpipe.If(bless.outputs["blessing"].property("blessed") == 1):
        consume = Consume(examples=a.outputs["examples"])
    return _pipeline(a, bless, consume)


BAD = [
    (cycle, "r1", "the pipeline has a cycle: r1 -> r2 -> r1"),
    (missing_input, "StatisticsGen", "required input 'examples' (Examples) is not connected"),
    (wrong_type, "SchemaGen", "input 'statistics' expects ExampleStatistics but is wired to "
                              "CsvExampleGen.outputs['examples'], which is Examples"),
    (node_instead_of_output, "StatisticsGen", "was given the node 'CsvExampleGen' itself"),
    (duplicate_ids, "CsvExampleGen", "two nodes have the id 'CsvExampleGen'"),
    (unknown_parameter, "CsvExampleGen", "has no argument 'input_bas'. Did you mean "
                                         "'input_base'?"),
    (missing_parameter, "CsvExampleGen", "required parameter 'input_base' is not set"),
    (unserialisable_parameter, "CsvExampleGen", "parameter 'splits' cannot be serialised: "
                                                "splits['train'] is a object"),
    (nan_parameter, "Consume", "steps is nan, which JSON cannot hold"),
    (producer_not_in_pipeline, "StatisticsGen", "uses an output of 'CsvExampleGen', which is "
                                                "not in the pipeline"),
    (channel_as_parameter, "Consume", "parameter 'steps' was given an artifact channel"),
    (schema_for_validator_from_stats, "ExampleValidator", "input 'schema' expects Schema"),
    (string_for_an_int_parameter, "Consume", "parameter 'steps' of Consume is a "
                                             "Parameter[int], but was given str '100'"),
    (bool_for_an_int_parameter, "Consume", "is a Parameter[int], but was given bool True"),
    (list_for_a_dict_parameter, "CsvExampleGen", "parameter 'splits' of CsvExampleGen is a "
                                                 "Parameter[dict], but was given list"),
    (condition_on_a_node_not_in_the_pipeline, "Consume",
     "it runs only if Bless.outputs['blessing'].property('blessed') == 1, but 'Bless' is not "
     "in the pipeline"),
    (input_from_a_gated_node_outside_its_block, "Consume",
     "input 'examples' uses an output of 'Refine', which runs only if "
     "Bless.outputs['blessing'].property('blessed') == 1; Consume is not under that "
     "condition, so what it needs might never exist"),
    (condition_on_a_node_inside_another_block, "Consume",
     "the condition Bless.outputs['blessing'].property('blessed') == 1 tests an output of "
     "'Bless', which runs only if CsvExampleGen.outputs['examples'].property('span') > 0; "
     "the block is not under that condition, so the output might never exist"),
]


def test_condition_errors_point_at_the_line_of_the_condition():
    with pytest.raises(CompileError) as info:
        tfpipe.compile_pipeline(condition_on_a_node_not_in_the_pipeline())
    assert info.value.where.startswith(__file__)
    line = int(info.value.where.rsplit(":", 1)[1])
    assert "tfpipe.If(" in open(__file__).read().splitlines()[line - 1]


def test_a_condition_tested_with_python_if_says_to_use_tfpipe_if():
    a = CsvExampleGen(input_base="x")
    with pytest.raises(DefinitionError, match=r"with tfpipe.If\(<condition>\)"):
        if a.outputs["examples"].property("span") == 1:
            pass


@pytest.mark.parametrize("build, message", [
    (lambda ch: tfpipe.If(True), "tfpipe.If takes a condition on an upstream output's "
                                 "property, got bool True"),
    (lambda ch: ch.property("span") == [1], "compares with list [1]; a condition compares a "
                                            "property with a literal"),
    (lambda ch: ch.property("span") == ch.property("span"), "compares with PropertyRef"),
    (lambda ch: ch.property(""), "a property name must be a non-empty string"),
    (lambda ch: ch.future()[1], "a condition tests one artifact of "
                                "CsvExampleGen.outputs['examples'], not [1]"),
])
def test_bad_conditions_are_definition_errors(build, message):
    channel = CsvExampleGen(input_base="x").outputs["examples"]
    with pytest.raises(DefinitionError, match=re.escape(message)) as info:
        build(channel)
    assert info.value.where.startswith(__file__)



def test_with_id_and_with_cache_return_new_nodes():
    gen = CsvExampleGen(input_base="x")
    renamed = gen.with_id("gen").with_cache(False)
    assert (gen.id, gen.enable_cache) == ("CsvExampleGen", None)
    assert (renamed.id, renamed.enable_cache) == ("gen", False)
    assert renamed.outputs["examples"].producer is renamed
    ir = tfpipe.compile_pipeline(_pipeline(renamed))
    assert [(n.id, n.enable_cache) for n in ir.nodes] == [("gen", False)]
    template = Consume(examples=renamed.outputs["examples"])
    both = _pipeline(renamed, template, template.with_id("second"))
    assert [n.id for n in tfpipe.compile_pipeline(both).nodes] == ["gen", "Consume", "second"]


def test_with_cache_as_a_statement_is_a_compile_error():
    gen = CsvExampleGen(input_base="x")
    gen.with_cache(False)
    with pytest.raises(CompileError, match=r"CsvExampleGen.with_cache\(False\) returned a new "
                                           r"node, but the pipeline holds the original") as info:
        tfpipe.compile_pipeline(_pipeline(gen))
    assert info.value.where.startswith(__file__)


def test_parameter_values_of_compatible_types_compile():
    """An int where a float goes, a tuple where a list goes, None for unset."""
    @tfpipe.component
    def Tune(examples: Input[Examples], out: Output[Schema], rate: Parameter[float] = 0.1,
             names: Parameter[list] = (), label: Parameter[str] = None):
        """A user component with float, list and optional parameters."""
    a = CsvExampleGen(input_base="x")
    ir = tfpipe.compile_pipeline(_pipeline(a, Tune(examples=a.outputs["examples"], rate=1,
                                                   names=("a", "b"), label=None)))
    assert ir.node("Tune").parameters["rate"] == 1


@pytest.mark.parametrize("build, node, message", BAD, ids=[b[0].__name__ for b in BAD])
def test_bad_definition_is_rejected_with_a_clear_error(build, node, message):
    with pytest.raises(CompileError) as info:
        tfpipe.compile_pipeline(build())
    error = info.value
    assert error.node == node
    assert message in str(error)
    assert error.fix, "every compile error says how to fix it"
    assert "fix: " in str(error)


def test_errors_point_at_the_line_that_created_the_node():
    with pytest.raises(CompileError) as info:
        tfpipe.compile_pipeline(missing_input())
    assert info.value.where.startswith(__file__)


def test_positional_arguments_are_refused():
    with pytest.raises(DefinitionError, match="keyword arguments only"):
        CsvExampleGen("data/")


def test_unknown_output_name_suggests_the_right_one():
    with pytest.raises(DefinitionError, match="Did you mean 'examples'"):
        CsvExampleGen(input_base="x").outputs["exampels"]


def test_component_arguments_need_annotations():
    with pytest.raises(DefinitionError, match="has no tfpipe annotation"):
        @tfpipe.component
        def Bad(x: int):
            pass


def test_pipeline_refuses_things_that_are_not_nodes():
    with pytest.raises(DefinitionError, match="call the component"):
        tfpipe.Pipeline("p", "/tmp/x", [CsvExampleGen])


@pytest.mark.parametrize("node_id", ["../escape", "a/b", "/abs", "..", ".hidden", "x..y", ""])
def test_node_ids_that_are_not_plain_folder_names_are_refused(node_id):
    from tfpipe.compiler import compile_pipeline

    gen = CsvExampleGen(input_base="x").with_id(node_id)
    with pytest.raises(CompileError, match="cannot be a folder name under the pipeline root"):
        compile_pipeline(_pipeline(gen))


def test_an_output_outside_the_root_is_refused_before_anything_is_written(tmp_path):
    """An IR written by hand is not checked by the compiler: the launcher checks too."""
    from tfpipe.runners.launcher import output_uri

    root = tmp_path / "root"
    assert output_uri(str(root), "gen", "examples", 3) == str(root / "gen" / "examples" / "3")
    with pytest.raises(DefinitionError, match="outside the pipeline root"):
        output_uri(str(root), "../../escape", "examples", 3)
    assert not (tmp_path.parent / "escape").exists()
