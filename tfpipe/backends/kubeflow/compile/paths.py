"""Paths at compile time: those under the project (the folder holding pyproject.toml,
which the image copies to ``IMAGE_PROJECT_DIR``) become the same paths in the image."""
from __future__ import annotations

import os
from typing import Any

IMAGE_PROJECT_DIR = "/project"  # WORKDIR of tfpipe/templates/docker/Dockerfile


def find_project_root(pipeline_file: str) -> str:
    """The nearest folder above ``pipeline_file`` with a pyproject.toml, else the
    current directory: what the Dockerfile copies into the image."""
    folder = os.path.dirname(os.path.abspath(pipeline_file))
    while True:
        if os.path.isfile(os.path.join(folder, "pyproject.toml")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return os.getcwd()
        folder = parent


def in_project(path: str, project_root: str) -> bool:
    root = os.path.abspath(project_root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def to_image_path(path: str, project_root: str, image_dir: str = IMAGE_PROJECT_DIR) -> str:
    """``<project>/pipelines/x`` -> ``/project/pipelines/x``; other values unchanged."""
    if not in_project(path, project_root):
        return path
    rel = os.path.relpath(path, os.path.abspath(project_root))
    return image_dir if rel == "." else f"{image_dir.rstrip('/')}/{rel.replace(os.sep, '/')}"


def map_project_paths(value: Any, project_root: str, image_dir: str = IMAGE_PROJECT_DIR) -> Any:
    """A JSON value with every string that is a path under the project mapped into the
    image (inside lists and dicts too)."""
    if isinstance(value, str):
        return to_image_path(value, project_root, image_dir)
    if isinstance(value, list):
        return [map_project_paths(v, project_root, image_dir) for v in value]
    if isinstance(value, dict):
        return {k: map_project_paths(v, project_root, image_dir) for k, v in value.items()}
    return value
