"""The component image's Dockerfile agrees with what the compiler assumes (docker
itself cannot run here), and the entrypoint answers --help."""
from __future__ import annotations

import re
import subprocess
import sys

from tfpipe.backends.kubeflow.compile.paths import IMAGE_PROJECT_DIR
from tfpipe.backends.kubeflow.contract import ENTRYPOINT

from ..conftest import REPO

DOCKERFILE = REPO / "tfpipe" / "templates" / "docker" / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    return [(m[1].upper(), m[2].strip()) for m in
            re.finditer(r"^\s*([A-Za-z]+)\s+(.*)$", text, re.M) if not m[0].lstrip().startswith("#")]


def test_workdir_is_where_the_compiler_maps_project_paths():
    assert ("WORKDIR", IMAGE_PROJECT_DIR) in instructions()


def test_the_image_copies_what_exists_in_the_project_and_installs_with_the_pins():
    copies = [args.split() for kind, args in instructions() if kind == "COPY"]
    sources = [s for c in copies for s in c[:-1]]
    assert {"pyproject.toml", "constraints.txt", "tfpipe/", "pipelines/"} <= set(sources)
    for source in sources:
        assert (REPO / source).exists(), source
    runs = " ".join(args for kind, args in instructions() if kind == "RUN")
    assert "pip install -c constraints.txt ." in runs
    assert (REPO / "tfpipe" / "templates" / "docker" / "Dockerfile.dockerignore").is_file()


def test_entrypoint_module_runs_with_help():
    result = subprocess.run([sys.executable, *ENTRYPOINT[1:], "--help"], capture_output=True,
                            text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--executor-input" in result.stdout and "--task-ir" in result.stdout
