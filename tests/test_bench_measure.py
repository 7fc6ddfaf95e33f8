"""bench/measure.py: each node's time, peak memory and cores read from a run's
timestamped output lines, memory and CPU samples (no pipeline is run), and the CPU
samples of a real command."""
from __future__ import annotations

import sys

import pytest

from bench.measure import CpuSample, measure, node_spans

GiB = 2**30

LINES = [
    (0.5, "Running pipeline chicago-taxi (9 nodes, from the start to Transform)\n"),
    (1.0, "  ▶ CsvExampleGen  (CsvExampleGen) started\n"),
    (8.5, "  ✔ CsvExampleGen  finished in 7.5s  [1/4]\n"),
    (8.6, "  ▶ SchemaGen  (SchemaGen) started\n"),
    (8.7, "  ✔ SchemaGen  finished in 0.1s  [2/4]\n"),
    (9.0, "  ▶ ExampleValidator  (ExampleValidator) started\n"),
    (9.1, "  ▶ Transform  (Transform) started\n"),
    (9.5, "  ✔ ExampleValidator  finished in 0.5s  [3/4]\n"),
    (75.0, "  ✔ Transform  finished in 1m05s  [4/4]\n"),
    (75.1, "✔ pipeline chicago-taxi finished in 1m15s (4 ran)\n"),
]
SAMPLES = [(0.0, 1 * GiB), (4.0, 3 * GiB), (8.55, 9 * GiB), (8.75, 2 * GiB),
           (9.2, 4 * GiB), (40.0, 5 * GiB), (76.0, 8 * GiB)]


def test_each_node_gets_its_time_and_the_peak_sampled_while_it_ran():
    spans = {s.node: s for s in node_spans(LINES, SAMPLES)}
    assert list(spans) == ["CsvExampleGen", "SchemaGen", "ExampleValidator", "Transform"]
    assert spans["CsvExampleGen"].seconds == 7.5
    assert spans["CsvExampleGen"].peak_bytes == 3 * GiB  # not the 9 GiB sampled after it
    assert spans["Transform"].seconds == 65  # "1m05s"
    assert spans["Transform"].peak_bytes == 5 * GiB  # not the 8 GiB after the run


def test_a_node_shorter_than_the_sampling_interval_takes_the_next_sample():
    spans = {s.node: s for s in node_spans(LINES, SAMPLES)}
    assert spans["SchemaGen"].peak_bytes == 2 * GiB


def test_nodes_running_at_the_same_time_name_each_other():
    spans = {s.node: s for s in node_spans(LINES, SAMPLES)}
    assert spans["ExampleValidator"].overlaps == ["Transform"]
    assert spans["Transform"].overlaps == ["ExampleValidator"]
    assert spans["CsvExampleGen"].overlaps == []


def test_a_node_that_never_finished_is_left_out():
    lines = LINES[:2] + [(3.0, "  ✘ CsvExampleGen  FAILED in 2.0s  [1/4]\n")]
    assert node_spans(lines, SAMPLES) == []


def test_each_node_gets_the_cores_busy_while_it_ran():
    """CPU samples cover the interval before them; a node counts the part inside it."""
    cpu = [CpuSample(at=1.0, seconds=1.0, cores=0.1, run_cores=0.1),
           CpuSample(at=5.0, seconds=4.0, cores=1.0, run_cores=1.0),  # importing alone
           CpuSample(at=9.0, seconds=4.0, cores=2.0, run_cores=0.2),  # two workers busy
           CpuSample(at=40.0, seconds=31.0, cores=1.5, run_cores=0.5),
           CpuSample(at=76.0, seconds=36.0, cores=1.0, run_cores=1.0)]
    spans = {s.node: s for s in node_spans(LINES, SAMPLES, cpu)}
    example_gen = spans["CsvExampleGen"]  # 1.0 to 8.5: 4 s at 1 core, 3.5 s at 2
    assert example_gen.cores == pytest.approx((4 * 1.0 + 3.5 * 2.0) / 7.5)
    assert example_gen.run_cores == pytest.approx((4 * 1.0 + 3.5 * 0.2) / 7.5)
    assert example_gen.one_core_seconds == pytest.approx(4.0)
    transform = spans["Transform"]  # 9.1 to 75.0: 30.9 s at 1.5 cores, 35 s at 1
    assert transform.cores == pytest.approx((30.9 * 1.5 + 35 * 1.0) / 65.9)
    assert transform.one_core_seconds == pytest.approx(35.0)


def test_without_cpu_samples_nodes_have_no_cores():
    spans = {s.node: s for s in node_spans(LINES, SAMPLES)}
    assert spans["Transform"].cores == 0 and spans["Transform"].one_core_seconds == 0


def test_measure_samples_the_cores_of_the_tree_and_of_the_run_process():
    """A command whose child spins for 1.5 s of its own CPU time: the samples add up to
    that many core-seconds, for the tree and for the child (the run's process), however
    busy the machine is (a loaded machine stretches the wall time, not the CPU time)."""
    spin = "import time\nwhile time.process_time() < 1.5: pass"
    result = measure([sys.executable, "-c", "import subprocess, sys; "
                      f"subprocess.run([sys.executable, '-c', {spin!r}])"], interval=0.1)
    assert result.returncode == 0 and result.cpu, result.output
    tree = sum(s.cores * s.seconds for s in result.cpu)
    run = sum(s.run_cores * s.seconds for s in result.cpu)
    # the last sample before the child ends loses its ticks (at most one interval)
    assert 1.2 < run <= tree < 2.0, (run, tree, result.cpu)
