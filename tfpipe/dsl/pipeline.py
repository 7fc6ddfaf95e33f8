"""``Pipeline``: a name, a root folder for outputs, and the nodes to run."""
from __future__ import annotations

import os
from typing import Sequence

from ..errors import DefinitionError
from .component import Node

METADATA_FILE = "metadata.sqlite"


class Pipeline:
    """A pipeline definition, as a user writes it in pipeline.py.

    ``metadata`` is where ML Metadata is recorded: a SQLite file path, a
    ``sqlite:///path`` or ``mysql://user:pass@host:port/db`` URL, or ``None`` for
    ``<pipeline_root>/metadata.sqlite``. ``beam_pipeline_args`` are passed to every
    Beam pipeline the components run (DirectRunner by default).
    """

    def __init__(self, name: str, pipeline_root: str | os.PathLike, components: Sequence[Node],
                 metadata: str | os.PathLike | None = None,
                 beam_pipeline_args: Sequence[str] | None = (), enable_cache: bool = True):
        if not isinstance(name, str) or not name:
            raise DefinitionError("a pipeline needs a non-empty string name.",
                                  fix="Pipeline(name='my-pipeline', ...)")
        bad = [c for c in components if not isinstance(c, Node)]
        if bad:
            raise DefinitionError(
                f"pipeline {name!r}: components must be component instances, got {bad[0]!r}.",
                fix="pass the nodes, e.g. components=[example_gen, statistics_gen]; call the "
                    "component (CsvExampleGen(...)) rather than passing the component itself")
        beam_pipeline_args = () if beam_pipeline_args is None else beam_pipeline_args
        if isinstance(beam_pipeline_args, str) or not all(
                isinstance(a, str) for a in beam_pipeline_args):
            raise DefinitionError(
                f"pipeline {name!r}: beam_pipeline_args must be a list of strings, got "
                f"{beam_pipeline_args!r}.",
                fix="e.g. beam_pipeline_args=['--direct_num_workers=2']")
        self.name = name
        self.pipeline_root = os.fspath(pipeline_root)
        self.components = list(components)
        self.metadata = (os.fspath(metadata) if metadata is not None
                         else os.path.join(self.pipeline_root, METADATA_FILE))
        self.beam_pipeline_args = list(beam_pipeline_args)
        self.enable_cache = enable_cache

    def __repr__(self) -> str:
        return f"Pipeline({self.name!r}, {len(self.components)} nodes)"
