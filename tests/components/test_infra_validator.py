"""InfraValidator: real models served by a separate process over loopback HTTP; blessed
only when every request is answered in the latency budget; Pusher refuses the rest."""
from __future__ import annotations

import json
import os

import pytest

import tfpipe
from tfpipe.components import InfraValidator, Pusher

from .evaluation_helpers import (CorruptModel, FloatInputModel, NotAModel, PenguinExamples,
                                 PenguinModel, StubBlessing)

NAME = "infra-test"


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    """One run: a good model validated twice (no budget, 0 ms), a corrupt one, one with
    the wrong signature, one without a SavedModel, and a Pusher behind each verdict."""
    root = tmp_path_factory.mktemp("infra")
    examples = PenguinExamples()
    good, corrupt, wrong, empty = PenguinModel(steps=5), CorruptModel(), FloatInputModel(), \
        NotAModel()
    requests = {"examples": examples.outputs["examples"], "request_spec": {"num_examples": 12}}
    checks = {name: InfraValidator(model=m.outputs["model"], **spec).with_id(name)
              for name, m, spec in [
                  ("good", good, requests),
                  ("over_budget", good, {**requests, "validation_spec": {"max_latency_ms": 0}}),
                  ("load_only", good, {}),
                  ("corrupt", corrupt, requests), ("wrong_signature", wrong, requests),
                  ("no_model", empty, requests)]}
    blessing = StubBlessing(blessed=1)
    models = {"good": good, "over_budget": good, "corrupt": corrupt, "wrong_signature": wrong,
              "no_model": empty}
    pushers = [Pusher(model=model.outputs["model"], model_blessing=blessing.outputs["blessing"],
                      infra_blessing=checks[name].outputs["blessing"],
                      push_destination=str(root / "serving" / name)).with_id(f"push_{name}")
               for name, model in models.items()]
    nodes = [examples, good, corrupt, wrong, empty, *checks.values(), blessing, *pushers]
    result = tfpipe.run_pipeline(tfpipe.Pipeline(NAME, str(root), nodes), quiet=True)
    return root, {node: r.outputs for node, r in result.results.items()}


def _verdict(outputs, name):
    blessing = outputs[name]["blessing"]
    marker = [f for f in os.listdir(blessing.uri) if f.startswith("INFRA_")]
    with open(os.path.join(blessing.uri, "infra_validation.json")) as f:
        return blessing, marker, json.load(f)


@pytest.mark.slow
def test_a_model_that_serves_is_infra_blessed_with_its_figures(validated):
    root, outputs = validated
    blessing, marker, record = _verdict(outputs, "good")
    assert marker == ["INFRA_BLESSED"] and blessing.blessed
    props = blessing.custom_properties
    assert props["requests"] == 12 and record["requests"] == 12
    assert 0 < props["load_seconds"] <= props["startup_seconds"]
    assert 0 < props["latency_p50_ms"] <= props["latency_p90_ms"] <= props["latency_p99_ms"]
    assert props["current_model_id"] == outputs["PenguinModel"]["model"].id
    assert "12 requests answered" in props["reason"]
    pushed = outputs["push_good"]["pushed_model"]
    assert pushed.pushed and os.listdir(root / "serving" / "good")


@pytest.mark.slow
def test_without_examples_only_loading_is_checked(validated):
    _, outputs = validated
    blessing, marker, record = _verdict(outputs, "load_only")
    assert marker == ["INFRA_BLESSED"] and record["requests"] == 0
    assert blessing.custom_properties["reason"].endswith("(no examples given: no requests sent)")
    assert blessing.custom_properties["load_seconds"] > 0
    assert "latency_p99_ms" not in blessing.custom_properties


@pytest.mark.slow
@pytest.mark.parametrize("name, reason", [
    ("over_budget", "p99 latency "),
    ("corrupt", "the model server could not load the model "),
    ("no_model", "the model server could not load the model "),
    ("wrong_signature", "the model's signature 'serving_default' does not accept the "
                        "requests (serialized tf.Examples): request 1 got HTTP 400: "),
])
def test_a_model_that_does_not_serve_is_not_blessed_with_the_reason(validated, name, reason):
    _, outputs = validated
    blessing, marker, record = _verdict(outputs, name)
    assert marker == ["INFRA_NOT_BLESSED"] and not blessing.blessed
    assert blessing.custom_properties["reason"].startswith(reason)
    assert record["reason"] == blessing.custom_properties["reason"]
    with open(os.path.join(blessing.uri, "INFRA_NOT_BLESSED")) as f:
        assert f.read().strip() == record["reason"]


@pytest.mark.slow
def test_the_reasons_say_what_went_wrong(validated):
    _, outputs = validated
    reason = {n: outputs[n]["blessing"].custom_properties["reason"]
              for n in ("over_budget", "corrupt", "no_model", "wrong_signature")}
    assert "is over the budget max_latency_ms=0" in reason["over_budget"]
    assert "saved_model.pb" in reason["corrupt"] or "SavedModel" in reason["corrupt"]
    assert "Format-Serving" in reason["no_model"]
    assert "signature 'serving_default' takes x: float32 [None, 4]" in reason["wrong_signature"]


@pytest.mark.slow
@pytest.mark.parametrize("name, reason", [
    ("over_budget", "p99 latency "), ("corrupt", "the model server could not load the model"),
    ("wrong_signature", "the model's signature 'serving_default' does not accept"),
    ("no_model", "the model server could not load the model")])
def test_pusher_refuses_a_model_that_is_not_infra_blessed(validated, name, reason):
    root, outputs = validated
    pushed = outputs[f"push_{name}"]["pushed_model"]
    assert not pushed.pushed
    assert pushed.custom_properties["reason"].startswith(
        "model not infra-blessed; nothing pushed. " + reason)
    assert not os.path.exists(root / "serving" / name)
    assert outputs["push_good"]["pushed_model"].pushed, "the model that served is pushed"



def _section(html: str, section: str) -> str:
    """The text of one section of the report."""
    import re

    found = re.search(rf'<section id="{section}".*?</section>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split()) if found else ""


@pytest.mark.slow
def test_the_report_shows_each_verdict_with_its_figures_and_the_refused_push(validated):
    from ..conftest import run_cli

    root, outputs = validated
    result = run_cli("report", "--metadata", str(root / "metadata.sqlite"), "-o", "-")
    assert result.returncode == 0, result.stderr
    infra = _section(result.stdout, "infra-validation")
    good = outputs["good"]["blessing"].custom_properties
    assert "INFRA BLESSED" in infra and f"latency p99 {good['latency_p99_ms']} ms" in infra
    assert infra.count("NOT INFRA BLESSED") == 4
    assert "is over the budget max_latency_ms=0" in infra
    pushed = _section(result.stdout, "pushed-model")
    assert "not pushed model not infra-blessed; nothing pushed. p99 latency" in pushed
