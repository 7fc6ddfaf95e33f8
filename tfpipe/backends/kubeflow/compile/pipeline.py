"""``tfpipe compile``: a pipeline file (or its IR) to Kubeflow Pipelines v2 YAML.

Imports no TensorFlow, Beam or ``kfp`` SDK: the PipelineSpec is built as plain dicts
(spec.py) and written with PyYAML.
"""
from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from .... import __version__
from ....compiler import PipelineIR, compile_pipeline
from ....dsl.loader import load_pipeline
from ....errors import CompileError
from .checks import check_image, kubeflow_name
from ..contract import is_remote
from .paths import IMAGE_PROJECT_DIR, find_project_root, in_project, map_project_paths
from .runtime_params import find_wiring
from .spec import pipeline_spec

DEFAULT_IMAGE = f"tfpipe:{__version__}"
_CLUSTER_METADATA_SCHEMES = ("mysql://", "mariadb://")


def _source_file_in_image(node, project_root: str, image_dir: str) -> str | None:
    if node.source_file is None:
        return None
    if in_project(os.path.abspath(node.source_file), project_root):
        return map_project_paths(os.path.abspath(node.source_file), project_root, image_dir)
    module = node.executor.partition(":")[0]
    if not module.startswith("_tfpipe_"):
        return None  # an installed module: the container imports it by name
    raise CompileError(f"the executor of {node.component} is defined in {node.source_file}, "
                       f"outside the project folder {project_root} that the image holds.",
                       node=node.id, fix="move the file under the project (e.g. next to "
                       "pipeline.py) or install it as a package in the image")


def _check_content_paths(node, project_root: str) -> None:
    for name in node.content_parameters:
        value = node.parameters.get(name)
        if (isinstance(value, str) and os.path.isabs(value) and not is_remote(value)
                and not in_project(value, project_root)):
            raise CompileError(f"parameter {name!r} is the local path {value}, outside the "
                               f"project folder {project_root}, so the container cannot read it.",
                               node=node.id, fix="put the files under the project (the image "
                               "copies it) or use a gs://, s3:// or minio:// URI")


def ir_for_image(ir: PipelineIR, project_root: str,
                 image_dir: str = IMAGE_PROJECT_DIR) -> PipelineIR:
    """The IR as the container sees it: paths under the project become paths under
    ``image_dir``; a local path outside it is a CompileError."""
    nodes = []
    for node in ir.nodes:
        _check_content_paths(node, project_root)
        nodes.append(replace(node, parameters=map_project_paths(node.parameters, project_root,
                                                                 image_dir),
                             source_file=_source_file_in_image(node, project_root, image_dir)))
    return replace(ir, nodes=tuple(nodes))


def to_yaml(spec: dict, name: str) -> str:
    import yaml

    header = (f"# PIPELINE DEFINITION\n# Name: {name}\n# Compiled by tfpipe {__version__} "
              "(tfpipe compile); see docs/kubeflow.md to build the image and run it.\n")
    return header + yaml.safe_dump(spec, sort_keys=True, default_flow_style=False, width=100,
                                   allow_unicode=True)


def compile_ir(ir: PipelineIR, *, image: str | None = None, project_root: str | None = None,
               image_dir: str = IMAGE_PROJECT_DIR,
               wiring: dict[tuple[str, str, tuple], str] | None = None) -> str:
    """The Kubeflow YAML of ``ir``. ``wiring`` maps (node id, parameter, path inside its
    value) to the runtime (pipeline) parameter feeding it, whose default is the
    compile-time value found there."""
    image = image or DEFAULT_IMAGE
    pipeline_name = kubeflow_name(ir.name)
    check_image(image)
    mapped = ir_for_image(ir, project_root or os.getcwd(), image_dir)
    wiring = wiring or {}
    defaults: dict[str, Any] = {}
    for (node_id, param, path), name in sorted(wiring.items()):
        value = mapped.node(node_id).parameters[param]
        for key in path:
            value = value[key]
        if name in defaults and defaults[name] != value:
            raise CompileError(f"runtime parameter {name!r} reaches nodes as different values "
                               f"({defaults[name]!r} and {value!r}).", node=node_id,
                               fix=f"pass {name} to every component unchanged")
        defaults[name] = value
    metadata = ir.metadata if ir.metadata.startswith(_CLUSTER_METADATA_SCHEMES) else None
    spec = pipeline_spec(mapped, image=image, metadata=metadata, runtime_parameters=defaults,
                         wiring=wiring)
    spec["pipelineInfo"]["name"] = pipeline_name
    return to_yaml(spec, pipeline_name)


def compile_file(path: str, args: dict[str, Any] | None = None, *, image: str | None = None,
                 runtime_params: tuple[str, ...] = (), project_root: str | None = None,
                 image_dir: str = IMAGE_PROJECT_DIR,
                 beam: str | None = None) -> tuple[PipelineIR, str]:
    """Load ``path`` with ``args`` for create_pipeline(), compile it; returns the IR and
    the YAML. The project root defaults to the folder with pyproject.toml above it.
    ``beam``: where every task's Beam work goes (``tfpipe compile --beam``, e.g. a Dask
    scheduler on the cluster, ``dask://dask-scheduler:8786``)."""
    from ....beam.runners import ir_with_beam

    args = dict(args or {})
    ir = ir_with_beam(compile_pipeline(load_pipeline(path, args)), beam)
    wiring = find_wiring(path, args, ir, tuple(runtime_params)) if runtime_params else {}
    text = compile_ir(ir, image=image, project_root=project_root or find_project_root(path),
                      image_dir=image_dir, wiring=wiring)
    return ir, text
