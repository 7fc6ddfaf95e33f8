"""Component specs, the ``@component`` decorator, and nodes (component instances).

A component is a frozen ``ComponentSpec`` (typed inputs, outputs, parameters) plus
an executor: a plain Python function named by import path. Calling a component with
keyword arguments gives a ``Node`` whose ``outputs`` are typed channels that other
nodes take as inputs. Nothing here imports TensorFlow or Beam.
"""
from __future__ import annotations

import difflib
import inspect
import sys
import typing
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import DefinitionError
from .annotations import Input, Output, Parameter
from ..artifacts import Artifact
from .condition import (CUSTOM_PROPERTY, PROPERTY, ArtifactFuture, Predicate, PropertyRef,
                        active_predicates)

_NO_DEFAULT = inspect.Parameter.empty
CONTEXT_ARG = "context"  # an executor argument of this name receives the ExecutionContext


@dataclass(frozen=True)
class InputSpec:
    type: type[Artifact]
    optional: bool = False
    many: bool = False  # the executor gets a list (Input[list[T]]), not one artifact


@dataclass(frozen=True)
class ParameterSpec:
    type: Any
    default: Any = _NO_DEFAULT

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT


@dataclass(frozen=True)
class ComponentSpec:
    """The typed interface of a component and the import path of its executor."""

    name: str
    executor: str  # "package.module:function"
    inputs: dict[str, InputSpec] = field(default_factory=dict)
    outputs: dict[str, type[Artifact]] = field(default_factory=dict)
    parameters: dict[str, ParameterSpec] = field(default_factory=dict)
    source_file: str | None = None  # where the executor lives, for modules not on sys.path
    content_parameters: tuple[str, ...] = ()  # parameters naming files the cache key hashes
    cacheable: bool = True  # False for nodes whose result depends on the store (resolvers)
    description: str = ""


@dataclass(frozen=True)
class Channel:
    """One output of one node, as seen by the nodes that consume it."""

    producer: "Node"
    output: str
    type: type[Artifact]

    def __repr__(self) -> str:
        return f"Channel({self.producer.id}.outputs[{self.output!r}]: {self.type.TYPE_NAME})"

    def property(self, name: str) -> PropertyRef:
        """A property of the artifact this output will carry (a typed property of its
        type, else a custom property: ``blessing.property("blessed")``), to compare with
        a literal in ``tfpipe.If(...)``."""
        return PropertyRef(self, name, PROPERTY)

    def custom_property(self, name: str) -> PropertyRef:
        """A custom property of the artifact this output will carry (TFX's name)."""
        return PropertyRef(self, name, CUSTOM_PROPERTY)

    def future(self) -> ArtifactFuture:
        """TFX's spelling: ``channel.future()[0].custom_property("blessed") == 1``."""
        return ArtifactFuture(self)


class _Outputs(dict):
    """``node.outputs['examples']`` (TFX) or ``node.outputs.examples``."""

    def __init__(self, node: "Node"):
        super().__init__({name: Channel(node, name, t) for name, t in node.spec.outputs.items()})
        self._node = node

    def __getattr__(self, name: str) -> Channel:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __missing__(self, name: str) -> Channel:
        close = difflib.get_close_matches(name, list(self), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise DefinitionError(f"{self._node.spec.name} has no output {name!r}.{hint}",
                              node=self._node.id, where=self._node.defined_at,
                              fix=f"use one of: {', '.join(sorted(self)) or '(none)'}")


class Node:
    """A component instance in a pipeline: its spec, wiring, parameters and options."""

    def __init__(self, spec: ComponentSpec, arguments: dict[str, Any], defined_at: str | None):
        self.spec = spec
        self.id = spec.name
        self.arguments = arguments  # inputs (Channels) and parameters, as the user passed them
        self.defined_at = defined_at
        self.enable_cache: bool | None = None  # None: follow the pipeline
        self.outputs = _Outputs(self)
        self.after_nodes: list["Node"] = []  # run only after these succeeded (no data passed)
        # The `with tfpipe.If(...)` blocks it was created in, outermost first.
        self.conditions: tuple[Predicate, ...] = active_predicates()
        # Nodes made from this one by with_id/with_cache: (the call, where, the new node).
        self.derived: list[tuple[str, str | None, "Node"]] = []

    def _derive(self, call: str, **changes) -> "Node":
        """A new node like this one with ``changes``; this one is left as it was."""
        node = Node(self.spec, dict(self.arguments), self.defined_at)
        node.id, node.enable_cache, node.conditions = self.id, self.enable_cache, self.conditions
        node.after_nodes = list(self.after_nodes)
        for name, value in changes.items():
            setattr(node, name, value)
        self.derived.append((call, caller_location(3), node))
        return node

    def with_id(self, node_id: str) -> "Node":
        """A new node with an id of its own (needed when a component is used twice):
        ``node = node.with_id("other")``."""
        return self._derive(f".with_id({node_id!r})", id=node_id)

    def after(self, *nodes: "Node") -> "Node":
        """Run this node only after ``nodes`` succeeded, as KFP's ``.after()``: e.g. a
        Transform after an ExampleValidator with ``fail_on_anomalies``, so that data that
        fails validation is never transformed or trained on."""
        for other in nodes:
            if not isinstance(other, Node):
                raise DefinitionError(f"{self.id}.after() takes nodes, got {other!r}.",
                                      node=self.id, where=self.defined_at,
                                      fix="pass the node itself, e.g. .after(example_validator)")
        self.after_nodes.extend(nodes)
        return self

    def with_cache(self, enabled: bool) -> "Node":
        """A new node with caching switched on or off for it alone:
        ``node = node.with_cache(False)``."""
        return self._derive(f".with_cache({enabled!r})", enable_cache=enabled)

    @property
    def upstream_nodes(self) -> list["Node"]:
        """The nodes this one waits for: its inputs' producers, its ``.after()`` nodes and
        the producers of the outputs its conditions test."""
        return ([c.producer for c in self.inputs.values()] + list(self.after_nodes) +
                [p.channel.producer for p in self.conditions])

    @property
    def inputs(self) -> dict[str, Channel]:
        return {k: v for k, v in self.arguments.items() if isinstance(v, Channel)}

    @property
    def parameters(self) -> dict[str, Any]:
        return {k: v for k, v in self.arguments.items() if not isinstance(v, Channel)}

    def __repr__(self) -> str:
        return f"Node({self.id!r}, {self.spec.name})"


def caller_location(depth: int = 2) -> str | None:
    frame = sys._getframe(depth)
    while frame and frame.f_globals.get("__name__", "").startswith("tfpipe."):  # user's line
        frame = frame.f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame else None


def parameter_value(value: Any) -> Any:
    """A parameter as the IR holds it: a protobuf message (``tfma.EvalConfig(...)``) as
    the JSON dict of its fields, a TFX proto of ``tfpipe.v1.proto`` as the value tfpipe's
    component takes, lists and dicts of them likewise; anything else unchanged."""
    if hasattr(value, "as_parameter"):
        return value.as_parameter()
    if hasattr(value, "DESCRIPTOR") and hasattr(value, "SerializeToString"):
        from google.protobuf import json_format

        return json_format.MessageToDict(value, preserving_proto_field_name=True)
    if isinstance(value, (list, tuple)):
        return type(value)(parameter_value(v) for v in value)
    if isinstance(value, dict):
        return {k: parameter_value(v) for k, v in value.items()}
    return value


class Component:
    """What ``@component`` returns: call it with keyword arguments to get a ``Node``."""

    def __init__(self, spec: ComponentSpec, fn: Callable):
        self.spec = spec
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = spec.name
        self.__wrapped__ = fn

    def __call__(self, *args: Any, **kwargs: Any) -> Node:
        where = caller_location()
        if args:
            raise DefinitionError(f"{self.spec.name} takes keyword arguments only.", where=where,
                                  fix=f"write {self.spec.name}(name=value, ...)")
        return Node(self.spec, {k: v if isinstance(v, Channel) else parameter_value(v)
                                for k, v in kwargs.items()}, where)

    def __repr__(self) -> str:
        return f"<component {self.spec.name}>"


def _classify(name: str, annotation: Any, default: Any, fn_name: str):
    if isinstance(annotation, (Input, Output)):
        if isinstance(annotation, Output) and default is not _NO_DEFAULT:
            raise DefinitionError(f"output {name!r} of {fn_name} cannot have a default.")
        if isinstance(annotation, Input) and default not in (_NO_DEFAULT, None):
            raise DefinitionError(f"input {name!r} of {fn_name} may only default to None.")
        if isinstance(annotation, Input):
            return "input", annotation
        return annotation.role, annotation.type
    if isinstance(annotation, Parameter):
        return "parameter", ParameterSpec(annotation.type, default)
    raise DefinitionError(
        f"argument {name!r} of {fn_name} has no tfpipe annotation ({annotation!r}).",
        fix="annotate it as Input[Type], Output[Type] or Parameter[type]")


def component(fn: Callable | None = None, *, name: str | None = None,
              content_parameters: tuple[str, ...] = ("module_file",),
              cacheable: bool = True, returns: dict[str, type[Artifact]] | None = None) -> Any:
    """Declare a component from a function whose arguments are annotated
    ``Input[T]``, ``Output[T]`` or ``Parameter[T]``; an argument named ``context``
    receives the ``ExecutionContext`` (pipeline root, Beam arguments, run id).

    ``content_parameters`` names parameters holding file or folder paths whose
    content is part of the cache key (a module file also brings in the modules it
    imports from its own folder). ``cacheable=False`` makes the node run every time.

    An executor normally writes files under each output's ``uri``. A resolver instead
    returns ``{output_name: existing Artifact or None}``: those artifacts (already LIVE
    in the store) become its outputs, and None means "nothing found" (downstream
    optional inputs get None). A resolver may instead declare its outputs in ``returns``
    (``{"examples": Examples}``), so that an output can share its input's name as in TFX;
    a returned value may be a list of artifacts (a rolling window)."""
    if fn is None:
        return lambda f: component(f, name=name, content_parameters=content_parameters,
                                   cacheable=cacheable, returns=returns)
    hints = typing.get_type_hints(fn, include_extras=True)
    inputs: dict[str, InputSpec] = {}
    outputs: dict[str, type[Artifact]] = {}
    params: dict[str, ParameterSpec] = {}
    for pname, p in inspect.signature(fn).parameters.items():
        if pname == CONTEXT_ARG:
            continue
        role, value = _classify(pname, hints.get(pname, p.annotation), p.default, fn.__name__)
        if role == "input":
            inputs[pname] = InputSpec(value.type, optional=p.default is None, many=value.many)
        elif role == "output":
            outputs[pname] = value
        else:
            params[pname] = value
    outputs.update(returns or {})
    module = fn.__module__
    source = None if module.startswith("tfpipe.") else inspect.getsourcefile(fn)
    spec = ComponentSpec(name=name or fn.__name__, executor=f"{module}:{fn.__qualname__}",
                         inputs=inputs, outputs=outputs, parameters=params,
                         source_file=source, description=inspect.getdoc(fn) or "",
                         content_parameters=tuple(content_parameters), cacheable=cacheable)
    return Component(spec, fn)


__all__ = ["Channel", "Component", "ComponentSpec", "InputSpec", "Node", "ParameterSpec",
           "component"]
