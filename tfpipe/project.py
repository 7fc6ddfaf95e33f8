"""``tfpipe init``: a ready-to-run project folder from a template shipped in the package.

Templates live in ``tfpipe/templates/project/<name>/`` (package data, so they work from
an installed tfpipe): a pipeline.py, its module file and the data, plus the files of
``_common/`` (a test of the pipeline, a .gitignore, a README). In the repository
``<name>`` is a link to the example pipeline ``pipelines/<name>/``, so there is one copy
of each; paths written from the repository root in its Python files
(``pipelines/<name>/pipeline.py``) are rewritten from the project folder.
Files named ``gitignore`` are written as ``.gitignore`` (packaging tools drop
dot-files). Imports nothing heavy.
"""
from __future__ import annotations

import ast
import os
import shutil

from .errors import DefinitionError

TEMPLATES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates", "project")
COMMON = "_common"  # files every template gets: the test, .gitignore
README = "README.md"  # its {{placeholders}} are filled in for the project
RENAMES = {"gitignore": ".gitignore"}
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "tfpipe_output",
                                 ".tfpipe-run.lock")


class ProjectError(DefinitionError):
    """``tfpipe init`` cannot create the project where it was asked to."""

    kind = "cannot create project"


def template_names() -> list[str]:
    return sorted(e.name for e in os.scandir(TEMPLATES_DIR)
                  if e.is_dir() and not e.name.startswith(("_", ".")))


def _check_target(path: str) -> None:
    if os.path.isfile(path):
        raise ProjectError(f"{path} is a file, not a folder.",
                           fix="choose a new folder name: tfpipe init my-pipeline")
    if os.path.isdir(path) and any(os.scandir(path)):
        raise ProjectError(f"{path} already exists and is not empty; tfpipe init never "
                           "overwrites files.",
                           fix="choose a new folder name, or empty the folder first")


def create_project(path: str, template: str = "penguin") -> list[str]:
    """Copy ``template`` into the new (or empty) folder ``path``; the files written,
    relative to it."""
    names = template_names()
    if template not in names:
        raise ProjectError(f"there is no template {template!r}.",
                           fix=f"use one of: {', '.join(names)}")
    path = os.path.abspath(path)
    _check_target(path)
    try:
        for source in (COMMON, template):  # the template's own files win
            shutil.copytree(os.path.join(TEMPLATES_DIR, source), path, ignore=_IGNORE,
                            dirs_exist_ok=True)
        written = []
        for folder, _, files in os.walk(path):
            for name in files:
                full = os.path.join(folder, name)
                if name in RENAMES:
                    os.rename(full, os.path.join(folder, RENAMES[name]))
                    full = os.path.join(folder, RENAMES[name])
                os.chmod(full, 0o644)  # package data may be read-only
                if name.endswith(".py"):
                    _relocate(full, template)
                written.append(os.path.relpath(full, path))
        _fill_readme(os.path.join(path, README), path, template)
    except OSError as exc:
        raise ProjectError(f"cannot write the project to {path}: {exc.strerror or exc}.",
                           fix="choose a folder you can write to") from exc
    return sorted(written)


def _relocate(py_file: str, template: str) -> None:
    """Paths written from the repository root (pipelines/<name>/...) become paths from
    the project folder, where its user runs the commands."""
    with open(py_file, encoding="utf-8") as f:
        text = f.read()
    with open(py_file, "w", encoding="utf-8") as f:
        f.write(text.replace(f"pipelines/{template}/", ""))


def _fill_readme(readme: str, path: str, template: str) -> None:
    """The README's {{placeholders}}: the project's name, the template, what the pipeline
    does (its docstring's first paragraph) and its module file."""
    pipeline_file = os.path.join(path, "pipeline.py")
    with open(pipeline_file, encoding="utf-8") as f:
        doc = ast.get_docstring(ast.parse(f.read())) or ""
    modules = sorted(n for n in os.listdir(path) if n.endswith("_utils.py"))
    values = {"project": os.path.basename(path), "template": template,
              "about": doc.split("\n\n")[0].strip(),
              "module_file": modules[0] if modules else "the module file"}
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    with open(readme, "w", encoding="utf-8") as f:
        f.write(text)
