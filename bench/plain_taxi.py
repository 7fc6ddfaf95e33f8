"""The taxi pipeline as a plain script: the same executors, hence the same library calls
(Beam CSV conversion, TFDV statistics, schema inference and validation, TFT
analyse-and-transform, the same Keras training, TFMA evaluation, copying the model), one
after the other in one process, with none of tfpipe's orchestration: no compile, no
scheduler, no ML Metadata, no cache keys.

    python bench/plain_taxi.py OUTPUT_DIR [NAME=VALUE ...]   # create_pipeline() arguments
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import tfpipe
from tfpipe.artifacts import artifact_class
from tfpipe.dsl.context import ExecutionContext
from tfpipe.dsl.loader import load_pipeline
from tfpipe.runners.executor import call, input_arguments, load_executor

PIPELINE = Path(__file__).resolve().parent.parent / "pipelines" / "taxi" / "pipeline.py"
RESOLVERS = {"LatestBlessedModelResolver"}  # nothing is blessed in a fresh plain run
# No store to look for a previous analyzer cache in (a fresh tfpipe run finds none
# either); the cache is still written.
NO_STORE = {"Transform": {"disable_analyzer_cache": True}}


def main() -> None:
    out = os.path.abspath(sys.argv[1])
    args = dict(a.split("=", 1) for a in sys.argv[2:])
    args = {k: json.loads(v) if v[:1] in "[{0123456789" else v for k, v in args.items()}
    ir = tfpipe.compile_pipeline(load_pipeline(str(PIPELINE), {"pipeline_root": out, **args}))
    started = time.monotonic()
    produced: dict[tuple[str, str], object] = {}
    for node in ir.nodes:
        if node.component in RESOLVERS:
            continue
        outputs = {name: artifact_class(t)(os.path.join(out, node.id, name))
                   for name, t in node.outputs.items()}
        for artifact in outputs.values():
            os.makedirs(artifact.uri, exist_ok=True)
        inputs = input_arguments(node, {name: [a] for name, i in node.inputs.items()
                                        if (a := produced.get((i.producer, i.output)))})
        context = ExecutionContext(node_id=node.id, pipeline_name=ir.name, pipeline_root=out,
                                   run_id="plain", beam_pipeline_args=ir.beam_pipeline_args,
                                   tmp_dir=os.path.join(out, node.id, ".temp"))
        t = time.monotonic()
        call(load_executor(node), inputs, outputs,
             {**node.parameters, **NO_STORE.get(node.component, {})}, context)
        print(f"{node.id:>20} {time.monotonic() - t:7.1f}s", flush=True)
        produced.update({(node.id, name): a for name, a in outputs.items()})
    print(f"{'total':>20} {time.monotonic() - started:7.1f}s")


if __name__ == "__main__":
    main()
