"""Tiny components without TensorFlow or Beam, for the engine's unit tests."""
from __future__ import annotations

import os

import tfpipe
from tfpipe import Examples, Input, Output, Parameter, Schema


@tfpipe.component
def Produce(examples: Output[Examples], rows: Parameter[int] = 3):
    with open(os.path.join(examples.uri, "rows.txt"), "w") as f:
        f.write("\n".join(str(i) for i in range(rows)))


@tfpipe.component
def Count(examples: Input[Examples], schema: Output[Schema], fail: Parameter[bool] = False):
    if fail:
        raise ValueError("the rows do not add up")
    with open(os.path.join(examples.uri, "rows.txt")) as f:
        rows = f.read().splitlines()
    with open(os.path.join(schema.uri, "count.txt"), "w") as f:
        f.write(str(len(rows)))


@tfpipe.component
def Join(left: Input[Schema], right: Input[Schema], schema: Output[Schema]):
    total = 0
    for artifact in (left, right):
        with open(os.path.join(artifact.uri, "count.txt")) as f:
            total += int(f.read())
    with open(os.path.join(schema.uri, "count.txt"), "w") as f:
        f.write(str(total))


@tfpipe.component
def Gate(examples: Input[Examples], passed: Output[Examples],
         context: tfpipe.ExecutionContext = None):
    """Starts writing, then decides not to run: ``context.skip``."""
    with open(os.path.join(passed.uri, "half.txt"), "w") as f:
        f.write("half-written")
    context.skip("nothing new to pass on")


@tfpipe.component
def WritesNothing(examples: Output[Examples]):
    """Forgets to write its output."""


def diamond(root: str, *, fail_right: bool = False, rows: int = 3) -> tfpipe.Pipeline:
    """Produce -> (Count left, Count right) -> Join."""
    produce = Produce(rows=rows)
    left = Count(examples=produce.outputs["examples"]).with_id("left")
    right = Count(examples=produce.outputs["examples"], fail=fail_right).with_id("right")
    join = Join(left=left.outputs["schema"], right=right.outputs["schema"])
    return tfpipe.Pipeline("diamond", root, [produce, left, right, join])
