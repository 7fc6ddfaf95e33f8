"""The project templates of ``tfpipe init`` are copies of the example pipelines.

Every file of ``pipelines/<name>/`` (but what runs generate) is in
``tfpipe/templates/project/<name>/`` with the same content, with one documented
difference: in Python files, paths written from the repository root
(``pipelines/<name>/pipeline.py``) are written from the project folder
(``pipeline.py``), where a user of the project runs them. Template-only files
(README.md) are the template's own.

``TFPIPE_SYNC_TEMPLATES=1 pytest tests/test_init.py -k templates_match`` refreshes the
templates after the examples changed.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "pipelines"
TEMPLATES = REPO / "tfpipe" / "templates" / "project"
NAMES = ("penguin", "taxi")
GENERATED = {"tfpipe_output", "serving_model", "__pycache__", ".pytest_cache"}
TEMPLATE_ONLY = {"README.md"}
SYNC_ENV = "TFPIPE_SYNC_TEMPLATES"


def _files(root: Path) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in GENERATED)
        for name in files:
            rel = os.path.relpath(os.path.join(folder, name), root)
            if rel not in TEMPLATE_ONLY and not name.endswith(".pyc"):
                found.append(rel)
    return sorted(found)


def project_content(name: str, rel: str) -> bytes:
    """What the template's copy of ``pipelines/<name>/<rel>`` must contain."""
    data = (EXAMPLES / name / rel).read_bytes()
    if rel.endswith(".py"):
        data = data.decode("utf-8").replace(f"pipelines/{name}/", "").encode("utf-8")
    return data


def differences(name: str) -> list[str]:
    """How the template differs from the example, one line per file."""
    example, template = set(_files(EXAMPLES / name)), set(_files(TEMPLATES / name))
    found = [f"{rel}: missing from the template" for rel in sorted(example - template)]
    found += [f"{rel}: not in pipelines/{name}" for rel in sorted(template - example)]
    found += [f"{rel}: content differs" for rel in sorted(example & template)
              if (TEMPLATES / name / rel).read_bytes() != project_content(name, rel)]
    return found


def sync(name: str) -> None:
    """Make the template match the example."""
    example = set(_files(EXAMPLES / name))
    for rel in set(_files(TEMPLATES / name)) - example:
        (TEMPLATES / name / rel).unlink()
    for rel in sorted(example):
        target = TEMPLATES / name / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.chmod(0o644)
        target.write_bytes(project_content(name, rel))
        target.chmod(0o644)
