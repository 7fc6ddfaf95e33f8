"""A pipeline with conditions, of components without TensorFlow or Beam: a stand-in
Evaluator blesses when ``score`` reaches 0.5; a Pusher stand-in runs only if blessed,
and a "canary" only if, besides, the score exceeds 0.8."""
from __future__ import annotations

import os

import tfpipe
from tfpipe import Examples, Input, ModelBlessing, Output, Parameter, PushedModel

from tests.engine.components import Produce


@tfpipe.component
def Judge(examples: Input[Examples], blessing: Output[ModelBlessing],
          score: Parameter[float] = 0.5):
    blessed = score >= 0.5
    with open(os.path.join(blessing.uri, "BLESSED" if blessed else "NOT_BLESSED"), "w") as f:
        f.write(str(score))
    blessing.custom_properties.update(blessed=int(blessed), score=score)


@tfpipe.component
def Ship(blessing: Input[ModelBlessing], pushed: Output[PushedModel],
         note: Parameter[str] = "shipped"):
    with open(os.path.join(pushed.uri, "pushed.txt"), "w") as f:
        f.write(note)
    pushed.custom_properties["pushed"] = 1


def create_pipeline(root: str = "out", score: float = 0.5,
                    note: str = "shipped") -> tfpipe.Pipeline:
    produce = Produce()
    judge = Judge(examples=produce.outputs["examples"], score=score)
    with tfpipe.If(judge.outputs["blessing"].property("blessed") == 1):
        ship = Ship(blessing=judge.outputs["blessing"], note=note)
        with tfpipe.If(judge.outputs["blessing"].property("score") > 0.8):
            canary = Ship(blessing=judge.outputs["blessing"]).with_id("canary")
    return tfpipe.Pipeline("conditional", root, [produce, judge, ship, canary])
