"""Imports only go down the layers (the contracts in pyproject.toml's
[tool.importlinter]): artifacts <- dsl <- compiler <- runners <- backends <- cli; no
component imports another; metadata, components, views and the report never import the
runners; Kubeflow's compiler and entrypoint are independent; the leaf modules import
nothing of tfpipe."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .conftest import REPO

LINT_IMPORTS = shutil.which("lint-imports") or "lint-imports"


def _lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=folder, capture_output=True,
                          text=True, timeout=300)


def test_the_import_contracts_are_kept():
    result = _lint(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    declared = (REPO / "pyproject.toml").read_text().count("[[tool.importlinter.contracts]]")
    assert f"Contracts: {declared} kept, 0 broken." in result.stdout


def test_an_upward_import_breaks_a_contract(tmp_path):
    """The check can fail: metadata importing the runners' cache is caught."""
    shutil.copytree(REPO / "tfpipe", tmp_path / "tfpipe",
                    ignore=shutil.ignore_patterns("__pycache__", "templates"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    lineage = tmp_path / "tfpipe" / "metadata" / "lineage.py"
    lineage.write_text(lineage.read_text() + "\nfrom ..runners import cache  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "The metadata layer never imports runners, components or presentation BROKEN" \
        in result.stdout
    assert "tfpipe.metadata.lineage -> tfpipe.runners.cache" in result.stdout
