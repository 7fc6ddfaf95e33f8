"""``tfx.dsl``: ``Resolver`` with TFX's strategies, ``Channel``, ``Pipeline``, and
``tfx.dsl.components`` (the ``@component`` decorator and its annotations)."""
from __future__ import annotations

from types import SimpleNamespace

from ..artifacts import Model, ModelBlessing
from ..components import LatestArtifactResolver, LatestBlessedModelResolver
from ..dsl import Cond, Input, Node, Output, Parameter, component
from ..dsl.component import caller_location
from ..errors import DefinitionError
from .orchestration import Pipeline
from .types import Channel

__all__ = ["Channel", "Cond", "Pipeline", "Resolver", "components", "experimental"]


class LatestBlessedModelStrategy:
    """``Resolver(strategy_class=LatestBlessedModelStrategy, model=Channel(type=Model),
    model_blessing=Channel(type=ModelBlessing))``: tfpipe's LatestBlessedModelResolver."""


class LatestArtifactStrategy:
    """``Resolver(strategy_class=LatestArtifactStrategy, model=Channel(type=Model))``:
    the newest artifact of each channel's type (tfpipe's LatestArtifactResolver)."""


def Resolver(strategy_class=None, config: dict | None = None, **channels: Channel) -> Node:
    """TFX's Resolver node: the strategy picks artifacts already in the store."""
    where = caller_location()
    bad = [name for name, c in channels.items() if not isinstance(c, Channel)]
    if bad:
        raise DefinitionError(f"Resolver argument {bad[0]!r} must be a Channel(type=...).",
                              where=where, fix="e.g. model=Channel(type=Model)")
    types = {name: c.type for name, c in channels.items()}
    if strategy_class is LatestBlessedModelStrategy:
        if types != {"model": Model, "model_blessing": ModelBlessing}:
            raise DefinitionError(
                "LatestBlessedModelStrategy takes model=Channel(type=Model) and "
                f"model_blessing=Channel(type=ModelBlessing), got {sorted(types)}.",
                where=where, fix="name the channels model and model_blessing")
        return LatestBlessedModelResolver()
    if strategy_class is LatestArtifactStrategy:
        return LatestArtifactResolver(**types)
    raise DefinitionError(
        f"Resolver strategy {getattr(strategy_class, '__name__', strategy_class)!r} is not "
        "supported by tfpipe.", where=where,
        fix="use LatestBlessedModelStrategy or LatestArtifactStrategy, or tfpipe's "
            "RollingWindowResolver for a window of spans")


experimental = SimpleNamespace(LatestBlessedModelStrategy=LatestBlessedModelStrategy,
                               LatestArtifactStrategy=LatestArtifactStrategy)

components = SimpleNamespace(component=component, Parameter=Parameter, InputArtifact=Input,
                             OutputArtifact=Output)
