"""bench/measure.py: each node's time and peak memory read from a run's timestamped
output lines and memory samples (no pipeline is run)."""
from __future__ import annotations

from bench.measure import node_spans

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
