"""Beam pipelines with the run's options: ``beam_pipeline_args`` (DirectRunner by default),
quiet workers, warm workers forked from the run's zygote (``warm_workers``), and DoFn specs
worked out once."""
from __future__ import annotations

from .. import quiet
from ..dsl.context import ExecutionContext


def beam_pipeline(context: ExecutionContext):
    """A Beam pipeline with the pipeline's ``beam_pipeline_args`` (DirectRunner by default)."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from . import warm_workers
    from .runners import runner_for

    remember_dofn_specs()
    options = PipelineOptions(quiet.beam_args(context.beam_pipeline_args))
    warm_workers.use_for(options)  # multi_processing: workers forked from a warm zygote
    return beam.Pipeline(runner=runner_for(context.beam_pipeline_args, context.node_id),
                         options=options)


def warm_up(context: ExecutionContext, *modules: str) -> None:
    """At the start of a node that runs Beam pipelines: with ``multi_processing``, the
    run's worker zygote starts now unless it runs, and imports (with ``modules``, what
    this node's workers need beyond Beam, TensorFlow, TFDV and TFT) while the node does
    its first work."""
    from . import warm_workers

    if context is not None:
        warm_workers.prepare(context.beam_pipeline_args, modules)


def remember_dofn_specs() -> None:
    """Make Beam work out each DoFn's state and timer specs once.

    Beam 2.60 asks for them four to six times per DoFn while it builds, translates and
    runs a pipeline, and each time inspects the signature of every method of the DoFn:
    3.8 s of the 46 s the 15,000-row taxi pipeline took, mostly in TFT's and TFMA's
    pipelines of hundreds of steps. The answer depends only on the DoFn object, so it is
    kept per object (weakly: a DoFn that goes away takes its entry with it)."""
    import weakref

    from apache_beam.transforms import userstate

    if hasattr(userstate.get_dofn_specs, "remembered"):
        return
    work_out = userstate.get_dofn_specs
    remembered: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get_dofn_specs(dofn):
        try:
            return remembered[dofn]
        except KeyError:
            specs = remembered[dofn] = work_out(dofn)
            return specs
        except TypeError:  # an unhashable DoFn, or one without weak references
            return work_out(dofn)

    get_dofn_specs.remembered = remembered
    userstate.get_dofn_specs = get_dofn_specs
