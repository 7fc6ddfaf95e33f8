"""A quiet run (``tfpipe run`` without ``--verbose``) keeps the libraries quiet in the
processes it starts too: Beam's SDK workers are asked for errors only."""
from __future__ import annotations

from tfpipe import quiet

WORKERS = ["--direct_running_mode=multi_processing", "--direct_num_workers=2"]


def test_a_quiet_run_asks_beams_workers_for_errors_only(monkeypatch):
    monkeypatch.setenv(quiet.QUIET_ENV, "1")
    assert quiet.beam_args(WORKERS) == [*WORKERS, "--default_sdk_harness_log_level=ERROR"]


def test_a_level_the_pipeline_sets_is_kept(monkeypatch):
    monkeypatch.setenv(quiet.QUIET_ENV, "1")
    args = [*WORKERS, "--default_sdk_harness_log_level=DEBUG"]
    assert quiet.beam_args(args) == args


def test_a_verbose_run_leaves_the_workers_level_alone(monkeypatch):
    monkeypatch.delenv(quiet.QUIET_ENV, raising=False)
    assert quiet.beam_args(WORKERS) == WORKERS
