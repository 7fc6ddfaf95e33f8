"""The image's command and the Kubernetes manifest that serve a pushed model: valid
Kubernetes objects whose `tfpipe serve` command line the CLI accepts (no cluster here)."""
from __future__ import annotations

import json
import re

import click
import pytest
import yaml

from tfpipe.cli import main

from ..conftest import REPO

DOCKER = REPO / "tfpipe" / "templates" / "docker"


def _serve_context(argv: list[str]) -> click.Context:
    """Parse ``tfpipe serve ...`` as the CLI would (unknown options fail here)."""
    assert argv[:2] == ["tfpipe", "serve"], argv
    return main.commands["serve"].make_context("serve", list(argv[2:]))


def test_the_image_serves_by_default():
    text = DOCKER.joinpath("Dockerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (.*)$", text, re.M).group(1))
    ctx = _serve_context(cmd)
    assert ctx.params["host"] == "0.0.0.0" and ctx.params["port"] == 8501
    assert re.search(r"^EXPOSE 8501$", text, re.M)


def test_the_deployment_manifest_is_valid_and_serves_the_pushed_model():
    from kubernetes.client import ApiClient

    documents = list(yaml.safe_load_all(DOCKER.joinpath("serving.yaml").read_text()))
    kinds = {d["kind"]: d for d in documents}
    assert set(kinds) == {"Deployment", "Service"}
    client = ApiClient()
    deployment = client._ApiClient__deserialize(kinds["Deployment"], "V1Deployment")
    service = client._ApiClient__deserialize(kinds["Service"], "V1Service")
    [container] = deployment.spec.template.spec.containers
    ctx = _serve_context(container.command + container.args)
    assert ctx.params["target"] == "/models/taxi" and ctx.params["port"] == 8501
    assert container.readiness_probe.http_get.path == "/healthz"
    mounted = {m.mount_path for m in container.volume_mounts}
    assert any(ctx.params["target"].startswith(m) for m in mounted)
    assert service.spec.selector == deployment.spec.selector.match_labels
    assert service.spec.ports[0].port == ctx.params["port"]


@pytest.mark.parametrize("broken", ["spec: {template: 3}"])
def test_a_broken_manifest_fails_the_check(broken):
    from kubernetes.client import ApiClient

    with pytest.raises((ValueError, TypeError, AttributeError)):
        deployment = ApiClient()._ApiClient__deserialize(
            {"apiVersion": "apps/v1", "kind": "Deployment", **yaml.safe_load(broken)},
            "V1Deployment")
        deployment.spec.template.spec.containers[0]
