"""Keeping the libraries' chatter off the user's terminal (a leaf module).

TensorFlow, absl, Beam and Google's client libraries log and warn a lot. ``tfpipe run``
(unless ``--verbose``) quiets them in its own process with ``quiet_libraries``; that also
marks the environment, so the processes a run starts from Python (the warm-worker
zygote and the Beam workers forked from it) quiet themselves with ``quiet_if_asked``,
and its Beam pipelines ask their workers for errors only (``beam_args``).
"""
from __future__ import annotations

import os

QUIET_ENV = "TFPIPE_QUIET_LIBRARIES"
_LOGGERS = ("apache_beam", "tensorflow", "absl", "tfx_bsl", "tensorflow_transform",
            "tensorflow_data_validation", "tensorflow_model_analysis", "root")


def quiet_libraries() -> None:
    """Only errors from the libraries, here and in the Python processes started below."""
    import logging
    import warnings

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    os.environ[QUIET_ENV] = "1"
    for category in (FutureWarning, DeprecationWarning, UserWarning):
        warnings.filterwarnings("ignore", category=category)
    for name in _LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)


def _asked() -> bool:
    """Whether this process was started by a quiet run (or is one)."""
    return os.environ.get(QUIET_ENV) == "1"


def quiet_if_asked() -> None:
    """In a process a quiet run started: be quiet too."""
    if _asked():
        quiet_libraries()


def worker_env() -> dict[str, str]:
    """The environment of worker processes a quiet run starts (its local Dask cluster's):
    no library warnings as they import, and quiet once they run tfpipe's code."""
    if not _asked():
        return {}
    return {QUIET_ENV: "1", "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"),
            "PYTHONWARNINGS": "ignore::FutureWarning,ignore::DeprecationWarning,"
                              "ignore::UserWarning"}


def beam_args(args) -> list[str]:
    """``args`` for a Beam pipeline, with its SDK workers logging errors only in a quiet
    run (they set their own level, INFO by default), unless ``args`` set a level."""
    args = list(args)
    if _asked() and not any(
            a.startswith("--default_sdk_harness_log_level") for a in args):
        args.append("--default_sdk_harness_log_level=ERROR")
    return args
