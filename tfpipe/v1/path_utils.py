"""``tfx.utils.path_utils``: where a Model artifact keeps its SavedModel. tfpipe's
Trainer writes it in ``<model uri>/Format-Serving`` as TFX does; the evaluation model
is the serving one (tfpipe has no separate TFMA eval graph)."""
from __future__ import annotations

import os

from ..artifacts.model import Model

__all__ = ["eval_model_dir", "eval_model_path", "get_model_dir_by_type", "serving_model_dir",
           "serving_model_path", "stamped_model_path", "warmup_file_path"]

EVAL_MODEL_DIR = "Format-TFMA"
STAMPED_MODEL_DIR = "stamped_model"
TFMA_EVAL = "tfma_eval"


def serving_model_dir(output_uri: str, is_old_artifact: bool = False) -> str:
    return os.path.join(output_uri, "serving_model_dir" if is_old_artifact else Model.SERVING_DIR)


def serving_model_path(output_uri: str, is_old_artifact: bool = False) -> str:
    return serving_model_dir(output_uri, is_old_artifact)


def eval_model_dir(output_uri: str, is_old_artifact: bool = False) -> str:
    return os.path.join(output_uri, "eval_model_dir" if is_old_artifact else EVAL_MODEL_DIR)


def eval_model_path(output_uri: str, is_old_artifact: bool = False) -> str:
    """The evaluation model if one was exported, else the serving model (as TFX)."""
    path = eval_model_dir(output_uri, is_old_artifact)
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return path
    return serving_model_path(output_uri, is_old_artifact)


def get_model_dir_by_type(output_uri: str, model_type: str, is_old_artifact: bool = False) -> str:
    if model_type == TFMA_EVAL:
        return eval_model_dir(output_uri, is_old_artifact)
    return serving_model_dir(output_uri, is_old_artifact)


def stamped_model_path(output_uri: str) -> str:
    return os.path.join(output_uri, STAMPED_MODEL_DIR)


def warmup_file_path(saved_model_path: str) -> str:
    return os.path.join(saved_model_path, "assets.extra", "tf_serving_warmup_requests")
