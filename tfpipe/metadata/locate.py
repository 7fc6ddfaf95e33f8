"""Which metadata store a look-only command (runs, report, lineage) reads.

In order: ``--metadata``; ``--pipeline-root`` (its ``metadata.sqlite``); the pipeline
file's own store (loaded like ``tfpipe run`` loads it, ``-p`` included); for a path
given to ``lineage``, the nearest ``metadata.sqlite`` in its parent folders; then the
current folder: its ``pipeline.py`` (a project made by ``tfpipe init``),
``tfpipe_output/metadata.sqlite`` or ``metadata.sqlite``.
A pipeline file also names the pipeline, so only its runs are shown.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import NotFoundError

METADATA_FILE = "metadata.sqlite"
PIPELINE_FILE = "pipeline.py"
DEFAULT_ROOT = "tfpipe_output"


@dataclass(frozen=True)
class Located:
    target: str  # SQLite path or URL, for store.connect
    how: str  # how it was found, for messages
    pipeline: object = None  # the loaded tfpipe.Pipeline, when a pipeline file was used

    @property
    def pipeline_name(self) -> str | None:
        return self.pipeline.name if self.pipeline is not None else None


def _near(path: str) -> str | None:
    folder = os.path.abspath(path)
    while True:
        for candidate in (os.path.join(folder, METADATA_FILE),
                          os.path.join(folder, DEFAULT_ROOT, METADATA_FILE)):
            if os.path.isfile(candidate):
                return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def locate(*, metadata: str | None = None, pipeline_root: str | None = None,
           pipeline_file: str | None = None, params: dict | None = None,
           near: str | None = None, cwd: str | None = None) -> Located:
    """Find the store; NotFoundError (with what to pass) when nothing says where it is."""
    cwd = cwd or os.getcwd()
    pipeline = None
    if pipeline_file is None and not (metadata or pipeline_root or near) and \
            os.path.isfile(os.path.join(cwd, PIPELINE_FILE)):
        pipeline_file = os.path.join(cwd, PIPELINE_FILE)
    if pipeline_file is not None:
        from ..dsl.loader import load_pipeline

        pipeline = load_pipeline(pipeline_file, params)
    if metadata:
        return Located(metadata, "--metadata", pipeline)
    if pipeline_root:
        return Located(os.path.join(pipeline_root, METADATA_FILE), "--pipeline-root", pipeline)
    if pipeline is not None:
        return Located(pipeline.metadata, f"the pipeline in {pipeline_file}", pipeline)
    if near and (found := _near(near)):
        return Located(found, f"the store nearest {near}")
    for candidate in (os.path.join(cwd, DEFAULT_ROOT, METADATA_FILE),
                      os.path.join(cwd, METADATA_FILE)):
        if os.path.isfile(candidate):
            return Located(candidate, "the current folder")
    raise NotFoundError("no metadata store found: there is no pipeline.py, tfpipe_output/ "
                        "or metadata.sqlite here.",
                        fix="give the pipeline file (tfpipe runs pipeline.py), "
                        "--pipeline-root DIR or --metadata PATH_OR_URL")


def split_targets(targets: tuple[str, ...]) -> tuple[str | None, str | None]:
    """``tfpipe report [PIPELINE_FILE] [RUN_ID]``: (pipeline file, run id). A single
    argument is the pipeline file if it ends in .py or is a file, else a run id."""
    from ..errors import PipelineLoadError

    if len(targets) > 2:
        raise PipelineLoadError(f"expected at most a pipeline file and a run id, got "
                                f"{len(targets)} arguments: {' '.join(targets)}.",
                                fix="tfpipe report [PIPELINE_FILE] [RUN_ID]")
    if len(targets) == 2:
        return targets[0], targets[1]
    if len(targets) == 1:
        arg = targets[0]
        is_file = arg.endswith(".py") or os.path.isfile(arg)
        return (arg, None) if is_file else (None, arg)
    return None, None
