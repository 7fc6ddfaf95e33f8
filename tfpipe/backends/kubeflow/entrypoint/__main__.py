"""``python -m tfpipe.runners.kubeflow``: what every task of a compiled pipeline runs.

    python -m tfpipe.runners.kubeflow --executor-input '{{$}}' \
        --run-id '{{$.pipeline_job_uuid}}' --task-ir '<the node's IR as JSON>' \
        [--runtime-items '[["train_args", ["num_steps"], "runtime__train_steps"]]'] \
        [--condition-outputs '{"blessing-blessed": {<a condition of the IR>}}'] \
        [--metadata mysql://user:pw@host:3306/db]

Exit codes as for the tfpipe command: 0 success, 2 bad definition, 3 the node failed,
4 metadata store error.
"""
from __future__ import annotations

import argparse
import sys
import traceback

from ....errors import TfpipeError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tfpipe.runners.kubeflow",
                                     description="Run one tfpipe node as a Kubeflow task.")
    parser.add_argument("--executor-input", required=True,
                        help="KFP's executor input JSON (the {{$}} placeholder).")
    parser.add_argument("--task-ir", required=True,
                        help="The IR (JSON) of the pipeline with this node alone.")
    parser.add_argument("--run-id", default="", help="The KFP run id, for MLMD contexts.")
    parser.add_argument("--runtime-items", default=None,
                        help="JSON [[parameter, path, task input], ...]: items of dict/list "
                             "parameters set from pipeline parameters.")
    parser.add_argument("--condition-outputs", default=None,
                        help="JSON {output parameter: condition}: publish the property each "
                             "condition downstream tests as a KFP output parameter.")
    parser.add_argument("--metadata", default=None,
                        help="tfpipe MLMD store to record to (mysql:// URL or SQLite path); "
                             "default: $TFPIPE_METADATA, else none.")
    return parser


def cli(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from .run import main

    try:
        main(args.executor_input, args.task_ir, run_id=args.run_id, metadata=args.metadata,
             runtime_items_json=args.runtime_items,
             condition_outputs_json=args.condition_outputs)
    except TfpipeError as exc:
        cause = exc.__cause__ or exc
        traceback.print_exception(type(cause), cause, cause.__traceback__, file=sys.stderr)
        print(f"Error ({exc.kind}): {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(cli())
