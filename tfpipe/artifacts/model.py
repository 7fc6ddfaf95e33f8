"""What training produces and what judges it: TransformGraph and TransformCache (TFT's
folders), HyperParameters (the Tuner's ``best_hyperparameters.txt``), Model (the served
SavedModel in ``Format-Serving/``), ModelRun (training logs), ModelEvaluation (TFMA's
results), ModelBlessing (TFX's ``BLESSED`` or ``NOT_BLESSED`` marker file),
InfraBlessing (``INFRA_BLESSED`` or ``INFRA_NOT_BLESSED``) and PushedModel."""
from __future__ import annotations

import json
import os

from ..errors import InputDataError
from .base import Artifact

BLESSED_FILE = "BLESSED"
NOT_BLESSED_FILE = "NOT_BLESSED"
HYPERPARAMETERS_FILE = "best_hyperparameters.txt"


class TransformGraph(Artifact):
    TYPE_NAME = "TransformGraph"


class TransformCache(Artifact):
    TYPE_NAME = "TransformCache"


class HyperParameters(Artifact):
    TYPE_NAME = "HyperParameters"


class Model(Artifact):
    TYPE_NAME = "Model"
    SERVING_DIR = "Format-Serving"


class ModelRun(Artifact):
    TYPE_NAME = "ModelRun"


class ModelEvaluation(Artifact):
    TYPE_NAME = "ModelEvaluation"


def _flag(name: str) -> property:
    """A custom property holding 1 or 0, read as a bool (TFX's ``blessed``, ``pushed``)."""
    return property(lambda self: bool(self.custom_properties.get(name, 0)))


class ModelBlessing(Artifact):
    TYPE_NAME = "ModelBlessing"
    blessed = _flag("blessed")


class InfraBlessing(Artifact):
    TYPE_NAME = "InfraBlessing"
    blessed = _flag("blessed")


class PushedModel(Artifact):
    TYPE_NAME = "PushedModel"
    pushed = _flag("pushed")


def serving_model_dir(uri: str) -> str:
    """Where a Model artifact keeps its SavedModel (written there by the Trainer)."""
    return os.path.join(uri, Model.SERVING_DIR)


def serving_model_path(model: Model, node: str | None = None) -> str:
    """The SavedModel folder of a Model artifact, checked to hold a SavedModel."""
    path = serving_model_dir(model.uri)
    if not os.path.isfile(os.path.join(path, "saved_model.pb")):
        raise InputDataError(f"model {model.uri} holds no SavedModel in {Model.SERVING_DIR}/.",
                             node=node, fix="the component producing the model must save a "
                             f"TF SavedModel (serving_default signature) under <uri>/"
                             f"{Model.SERVING_DIR}")
    return path


def write_blessing(blessing: ModelBlessing, blessed: bool, reason: str, model: Model,
                   baseline: Model | None) -> None:
    """TFX's marker file and custom properties."""
    with open(os.path.join(blessing.uri, BLESSED_FILE if blessed else NOT_BLESSED_FILE),
              "w") as f:
        f.write(reason + "\n")
    blessing.custom_properties.update(blessed=int(blessed), reason=reason,
                                      current_model=model.uri, current_model_id=model.id)
    if baseline is not None:
        blessing.custom_properties.update(baseline_model=baseline.uri,
                                          baseline_model_id=baseline.id)


def write_hyperparameters(artifact: HyperParameters, config: dict) -> None:
    """``best_hyperparameters.txt``: KerasTuner's ``HyperParameters.get_config()`` as
    JSON, the file TFX's Tuner writes."""
    with open(os.path.join(artifact.uri, HYPERPARAMETERS_FILE), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)


def read_hyperparameters(artifact: HyperParameters, node: str | None = None) -> dict:
    """The config dict a HyperParameters artifact holds (from a Tuner or an Importer)."""
    path = os.path.join(artifact.uri, HYPERPARAMETERS_FILE)
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise InputDataError(f"hyperparameters {artifact.uri} hold no readable "
                             f"{HYPERPARAMETERS_FILE}: {e}", node=node,
                             fix="pass the Tuner's best_hyperparameters, or import a folder "
                             f"holding {HYPERPARAMETERS_FILE} (KerasTuner's "
                             "HyperParameters.get_config() as JSON)") from e


INFRA_BLESSED_FILE = "INFRA_BLESSED"
INFRA_NOT_BLESSED_FILE = "INFRA_NOT_BLESSED"
INFRA_RECORD_FILE = "infra_validation.json"


def write_infra_blessing(blessing: InfraBlessing, blessed: bool, reason: str, model: Model,
                         figures: dict) -> None:
    """TFX's marker file (the reason inside), ``infra_validation.json`` with the figures,
    and the custom properties."""
    with open(os.path.join(blessing.uri,
                           INFRA_BLESSED_FILE if blessed else INFRA_NOT_BLESSED_FILE), "w") as f:
        f.write(reason + "\n")
    record = {"blessed": blessed, "reason": reason, "model": model.uri, **figures}
    with open(os.path.join(blessing.uri, INFRA_RECORD_FILE), "w") as f:
        json.dump(record, f, indent=2, sort_keys=True)
    blessing.custom_properties.update(figures, blessed=int(blessed), reason=reason,
                                      current_model=model.uri, current_model_id=model.id)
