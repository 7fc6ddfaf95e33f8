"""Rewriting a TFX pipeline file into idiomatic tfpipe, keeping its comments and layout.

What changes (each name is recognised by what it refers to through the file's imports,
with LibCST's qualified names, so ``tfx.proto.TrainArgs`` after ``from tfx import v1 as
tfx`` and ``trainer_pb2.TrainArgs`` after ``from tfx.proto import trainer_pb2`` are the
same thing):

- ``tfx`` imports go; ``import tfpipe`` and ``from tfpipe.components import ...`` come.
- Components keep their names and arguments (``transformed_examples`` becomes
  ``examples``, ExampleGen's ``input_config``/``output_config`` become ``input_pattern``
  and ``splits``); artifact classes become ``tfpipe.Model`` etc.
- TFX's protos become the values tfpipe takes: ``TrainArgs(num_steps=N)`` →
  ``{"num_steps": N}``, a ``PushDestination`` → its folder, a ``SplitConfig`` →
  ``{"train": 2, "eval": 1}``; TFMA's protos (``tfma.EvalConfig``) stay, as tfpipe takes
  them as they are.
- ``Cond(...)`` → ``tfpipe.If(...)`` (the condition as it is).
- ``Resolver(strategy_class=LatestBlessedModelStrategy, ...)`` →
  ``LatestBlessedModelResolver()``; ``LatestArtifactStrategy`` → ``LatestArtifactResolver``.
- ``Pipeline(pipeline_name=..., metadata_connection_config=sqlite_...(path), ...)`` →
  ``tfpipe.Pipeline(name=..., metadata=path, ...)`` (``enable_cache=False``, TFX's
  default, is written out when the file did not say).
- The entry point: the function called under ``if __name__ == '__main__':`` becomes
  ``create_pipeline`` with the call's arguments as its defaults, and
  ``BeamDagRunner().run(...)``/``LocalDagRunner().run(...)`` become
  ``tfpipe.run_pipeline(create_pipeline())``.

Anything else that still refers to ``tfx`` is listed in ``MigrationResult.problems``
with its line, for the user to rewrite by hand.
"""
from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import PositionProvider, QualifiedNameProvider

from .entry_point import EntryPoint, entry_point

COMPONENTS = {"CsvExampleGen", "ImportExampleGen", "StatisticsGen", "SchemaGen",
              "ImportSchemaGen", "ExampleValidator", "Transform", "Trainer", "Evaluator",
              "Pusher", "Importer", "Tuner", "InfraValidator", "BulkInferrer"}
ARTIFACTS = {"Examples", "ExampleStatistics", "Schema", "ExampleAnomalies", "TransformGraph",
             "TransformCache", "Model", "ModelRun", "ModelEvaluation", "ModelBlessing",
             "PushedModel", "HyperParameters", "InfraBlessing", "InferenceResult"}
# TFX argument -> tfpipe argument, per component.
RENAMED = {"Trainer": {"transformed_examples": "examples"},
           "CsvExampleGen": {"input_config": "input_pattern", "output_config": "splits"},
           "ImportExampleGen": {"input_config": "input_pattern", "output_config": "splits"}}
DICT_PROTOS = {"TrainArgs", "EvalArgs", "TuneArgs", "RangeConfig", "StaticRange", "RollingRange",
               "Split", "DataSpec", "ModelSpec", "OutputExampleSpec", "OutputColumnsSpec",
               "ClassifyOutput", "RegressOutput", "PredictOutput", "PredictOutputCol"}
# A TFX proto in a type annotation -> the type of the value it is rewritten to.
PROTO_TYPES = {**dict.fromkeys(DICT_PROTOS | {"SplitConfig", "Output"}, "dict"),
               "Input": "str", "PushDestination": "str"}
# tfx.dsl.components' decorator and annotations -> tfpipe's.
DSL_NAMES = {"component": "component", "Parameter": "Parameter", "InputArtifact": "Input",
             "OutputArtifact": "Output"}
RUNNERS = {"BeamDagRunner", "LocalDagRunner"}
BLESSED_STRATEGIES = {"LatestBlessedModelStrategy", "LatestBlessedModelResolver"}
LATEST_STRATEGIES = {"LatestArtifactStrategy", "LatestArtifactsResolver"}


def _tfpipe_artifact(kind: str | None) -> str | None:
    """Where tfpipe has the artifact class ``kind`` (TFX's standard artifacts: those above,
    and any it gains): "tfpipe" (``tfpipe.<kind>``), "tfpipe.artifacts" (the value
    artifacts, ``String`` ...) or None. Not ``import tfpipe``: the CLI imports this
    module, and must not import the package's API layer."""
    from .. import artifacts, dsl  # dsl: what the package ``tfpipe`` exports them from

    for module, where in ((dsl, "tfpipe"), (artifacts, "tfpipe.artifacts")):
        value = getattr(module, kind or "", None)
        if isinstance(value, type) and issubclass(value, artifacts.Artifact):
            return where
    return None


@dataclass
class MigrationResult:
    source: str
    problems: list[str] = field(default_factory=list)  # "line N: what is left to do"


def _kwargs(call: cst.Call) -> dict[str, cst.BaseExpression]:
    return {a.keyword.value: a.value for a in call.args if a.keyword is not None}


def _dict(items: dict[str, cst.BaseExpression]) -> cst.Dict:
    return cst.Dict([cst.DictElement(cst.SimpleString(f'"{k}"'), v) for k, v in items.items()])


def _dict_value(node: cst.BaseExpression, key: str) -> cst.BaseExpression | None:
    if isinstance(node, cst.Dict):
        for element in node.elements:
            if isinstance(element, cst.DictElement) and \
                    isinstance(element.key, cst.SimpleString) and \
                    element.key.evaluated_value == key:
                return element.value
    return None


def _arg(keyword: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value=value, keyword=cst.Name(keyword),
                   equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))


class TfxToTfpipe(VisitorBasedCodemodCommand):
    """The rewrite; ``problems`` collects what it could not do."""

    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(self, context: CodemodContext, entry: EntryPoint | None):
        super().__init__(context)
        self.entry = entry
        self.problems: list[str] = []
        self.in_main = False
        self.in_annotation = 0
        self.defaults_applied = False
        self.blessings: list[cst.BaseExpression] = []  # of the Cond blocks we are in

    # -- names ----------------------------------------------------------------------
    def _tfx(self, node: cst.CSTNode) -> str | None:
        """The TFX name ``node`` refers to ("tfx.proto.trainer_pb2.TrainArgs"), if any."""
        try:
            names = self.get_metadata(QualifiedNameProvider, node, set())
        except KeyError:
            return None
        return next((q.name for q in names if q.name == "tfx" or q.name.startswith("tfx.")), None)

    def _kind(self, node: cst.CSTNode) -> str | None:
        name = self._tfx(node)
        return name.rsplit(".", 1)[-1] if name else None

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _tfpipe(self, attribute: str) -> cst.Attribute:
        AddImportsVisitor.add_needed_import(self.context, "tfpipe")
        return cst.Attribute(cst.Name("tfpipe"), cst.Name(attribute))

    def _component(self, name: str) -> cst.Name:
        AddImportsVisitor.add_needed_import(self.context, "tfpipe.components", name)
        return cst.Name(name)

    # -- imports ----------------------------------------------------------------------
    def leave_ImportFrom(self, original_node, updated_node):
        module = cst.helpers.get_full_name_for_node(original_node.module) \
            if original_node.module else ""
        if module == "tfx" or module.startswith("tfx."):
            return cst.RemoveFromParent()
        return updated_node

    def leave_Import(self, original_node, updated_node):
        kept = [a for a in updated_node.names
                if not cst.helpers.get_full_name_for_node(a.name).split(".")[0] == "tfx"]
        if not kept:
            return cst.RemoveFromParent()
        return updated_node.with_changes(names=kept) if len(kept) != len(updated_node.names) \
            else updated_node

    # -- references -------------------------------------------------------------------
    def visit_Annotation(self, node) -> bool:
        self.in_annotation += 1
        return True

    def leave_Annotation(self, original_node, updated_node):
        self.in_annotation -= 1
        return updated_node

    def _reference(self, original_node, updated_node):
        name = self._tfx(original_node) or ""
        kind = name.rsplit(".", 1)[-1] if name else None
        where = _tfpipe_artifact(kind) if ".standard_artifacts." in name else None
        if kind in ARTIFACTS or where == "tfpipe":
            return self._tfpipe(kind)
        if where:
            AddImportsVisitor.add_needed_import(self.context, where, kind)
            return cst.Name(kind)
        if kind in DSL_NAMES and name.startswith("tfx.") and ".dsl." in name:
            return self._tfpipe(DSL_NAMES[kind])
        if self.in_annotation and kind in PROTO_TYPES and (".proto." in name or "_pb2." in name):
            return cst.Name(PROTO_TYPES[kind])
        if kind == "Pipeline":
            return self._tfpipe("Pipeline")
        return updated_node

    def leave_Attribute(self, original_node, updated_node):
        return self._reference(original_node, updated_node)

    def leave_Name(self, original_node, updated_node):
        if self.entry and self.entry.as_defaults and original_node.value == self.entry.factory:
            return updated_node.with_changes(value="create_pipeline")
        return self._reference(original_node, updated_node)

    # -- a Pusher guarded by Cond(blessing...) ----------------------------------------
    def _blessing(self, node: cst.With) -> cst.BaseExpression | None:
        """The channel of ``with Cond(<channel>.future()[0].custom_property('blessed')...)``."""
        calls = [i.item for i in node.items if isinstance(i.item, cst.Call)
                 and self._kind(i.item.func) == "Cond" and i.item.args]
        if not calls or "blessed" not in cst.Module([]).code_for_node(calls[0].args[0].value):
            return None
        futures = m.findall(calls[0].args[0].value,
                            m.Call(func=m.Attribute(attr=m.Name("future"))))
        return futures[0].func.value if futures else None

    def visit_With(self, node: cst.With) -> bool:
        self.blessings.append(self._blessing(node))
        return True

    def leave_With(self, original_node, updated_node):
        self.blessings.pop()
        return updated_node

    # -- the entry point --------------------------------------------------------------
    def visit_If(self, node: cst.If) -> bool:
        code = cst.Module([]).code_for_node(node.test)
        if "__name__" in code and "__main__" in code:
            self.in_main = True
        return True

    def leave_If(self, original_node, updated_node):
        self.in_main = False
        return updated_node

    def leave_FunctionDef(self, original_node, updated_node):
        if not self.entry or original_node.name.value != self.entry.factory or \
                not self.entry.as_defaults:  # the call under __main__ keeps its arguments
            return updated_node
        params = list(updated_node.params.params)
        given = self.entry.arguments
        # Defaults only where Python allows them: from the first given parameter on,
        # every parameter must get one.
        first = next((i for i, p in enumerate(params) if p.name.value in given or p.default), None)
        if first is None or any(p.name.value not in given and p.default is None
                                for p in params[first:]):
            self.problems.append(f"line {self._line(original_node)}: give the parameters of "
                                 f"{self.entry.factory} defaults by hand")
            return updated_node
        for i in range(first, len(params)):
            name = params[i].name.value
            if name in given:
                params[i] = params[i].with_changes(
                    default=cst.parse_expression(given[name]),
                    equal=cst.AssignEqual(cst.SimpleWhitespace(" "), cst.SimpleWhitespace(" "))
                    if params[i].annotation else cst.AssignEqual(cst.SimpleWhitespace(""),
                                                                 cst.SimpleWhitespace("")))
        self.defaults_applied = True
        return updated_node.with_changes(params=updated_node.params.with_changes(params=params))

    # -- calls ------------------------------------------------------------------------
    def leave_Call(self, original_node, updated_node):
        func = original_node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "run" and \
                isinstance(func.value, cst.Call) and self._kind(func.value.func) in RUNNERS:
            return cst.Call(self._tfpipe("run_pipeline"), updated_node.args)
        if self.entry and self.in_main and isinstance(func, cst.Name) and \
                func.value == self.entry.factory and self.defaults_applied:
            return updated_node.with_changes(args=[],
                                             whitespace_before_args=cst.SimpleWhitespace(""))
        kind = self._kind(func)
        if kind is None or kind in RUNNERS or (  # runners go with their .run(...)
                isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call)):
            return updated_node  # a method of a node (.with_id) is tfpipe's too
        kwargs = _kwargs(updated_node)
        if kind in COMPONENTS:
            renames = RENAMED.get(kind, {})
            args = [a.with_changes(keyword=cst.Name(renames[a.keyword.value]))
                    if a.keyword is not None and a.keyword.value in renames else a
                    for a in updated_node.args]
            blessing = next((b for b in reversed(self.blessings) if b is not None), None)
            if kind == "Pusher" and blessing is not None and "model_blessing" not in kwargs:
                # TFX's Pusher under Cond(blessed) needs no blessing; tfpipe's takes it
                args = [*args[:-1], args[-1].with_changes(comma=cst.Comma(
                    whitespace_after=cst.SimpleWhitespace(" ")))] if args else []
                args.append(_arg("model_blessing", blessing))
            return updated_node.with_changes(func=self._component(kind), args=args)
        if kind in DICT_PROTOS:
            return _dict(kwargs)
        if kind in ("Filesystem", "PushDestination"):
            return kwargs.get("base_directory", kwargs.get("filesystem", updated_node))
        if kind == "Channel":
            return kwargs.get("type", updated_node)
        if kind == "SplitConfig":
            splits = kwargs.get("splits")
            if isinstance(splits, cst.List):
                return cst.Dict([cst.DictElement(_dict_value(e.value, "name"),
                                                 _dict_value(e.value, "hash_buckets"))
                                 for e in splits.elements])
        if kind == "Output" and "split_config" in kwargs:
            return kwargs["split_config"]
        if kind == "Input":
            splits = kwargs.get("splits")
            if isinstance(splits, cst.List) and len(splits.elements) == 1:
                return _dict_value(splits.elements[0].value, "pattern") or updated_node
        if kind == "sqlite_metadata_connection_config" and updated_node.args:
            return updated_node.args[0].value
        if kind == "proto_to_json" and updated_node.args:  # tfx.utils.proto_utils
            AddImportsVisitor.add_needed_import(self.context, "json")
            return cst.Call(cst.Attribute(cst.Name("json"), cst.Name("dumps")),
                            [updated_node.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT),
                             _arg("sort_keys", cst.Name("True"))])
        if kind == "Cond":
            return updated_node.with_changes(func=self._tfpipe("If"))
        if kind == "Resolver":
            return self._resolver(original_node, updated_node)
        if kind == "Pipeline":
            return self._pipeline(updated_node)
        self.problems.append(f"line {self._line(original_node)}: {self._tfx(func)} has no "
                             "automatic rewrite; see docs/from-tfx.md")
        return updated_node

    def _resolver(self, original_node, updated_node):
        strategy = next((a.value for a in original_node.args
                         if a.keyword is not None and a.keyword.value == "strategy_class"), None)
        kind = self._kind(strategy) if strategy is not None else None
        if kind in BLESSED_STRATEGIES:
            return cst.Call(self._component("LatestBlessedModelResolver"), [])
        if kind in LATEST_STRATEGIES:
            return cst.Call(self._component("LatestArtifactResolver"),
                            [a for a in updated_node.args if a.keyword is not None
                             and a.keyword.value not in ("strategy_class", "config")])
        self.problems.append(f"line {self._line(original_node)}: a Resolver with strategy "
                             f"{kind} has no tfpipe counterpart")
        return updated_node

    def _pipeline(self, updated_node):
        renames = {"pipeline_name": "name", "metadata_connection_config": "metadata"}
        args = [a.with_changes(keyword=cst.Name(renames[a.keyword.value]))
                if a.keyword is not None and a.keyword.value in renames else a
                for a in updated_node.args]
        if not any(a.keyword is not None and a.keyword.value == "enable_cache" for a in args):
            args.append(_arg("enable_cache", cst.Name("False")))  # TFX's default
        return updated_node.with_changes(func=self._tfpipe("Pipeline"), args=args)


def migrate_source(source: str) -> MigrationResult:
    """The tfpipe version of the TFX pipeline file ``source``."""
    entry = entry_point(source)
    context = CodemodContext()
    command = TfxToTfpipe(context, entry)
    module = command.transform_module(cst.parse_module(source))
    code = module.code
    problems = list(command.problems) + [f"line {line}: `{name}` is still used here; migrate "
                                         "has no rewrite for it" for line, name in _tfx_left(code, source)]
    return MigrationResult(code, problems)


def _original_lines(source: str, code: str) -> dict[int, int]:
    """Line of ``code`` (the rewritten file) -> its line in ``source`` (the user's file,
    whose lines the other problems name): an unchanged line its own, a rewritten one
    where its rewritten block starts."""
    lines = {}
    matcher = difflib.SequenceMatcher(None, source.splitlines(), code.splitlines(),
                                      autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            lines[j + 1] = (i1 + j - j1 if tag == "equal" else i1) + 1
    return lines


def _tfx_left(code: str, source: str) -> list[tuple[int, str]]:
    """(line in ``source``, dotted name) of each use of ``tfx`` left in ``code``."""
    original = _original_lines(source, code)
    tree = ast.parse(code)
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Attribute, ast.Name)) and id(node) not in inner:
            base = node
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id == "tfx":
                found.append((original.get(node.lineno, node.lineno), ast.unparse(node)))
    return sorted(found)
