"""TFX's public API (``from tfx import v1 as tfx``) on tfpipe.

``tfpipe.v1.components``, ``.dsl``, ``.proto``, ``.types`` and ``.orchestration`` hold
TFX's names for tfpipe's components, resolvers, artifact types and pipeline, taking TFX's
arguments (protos included) and building tfpipe's nodes and IR. A TFX pipeline file runs
unchanged: while tfpipe loads a pipeline or module file and the real ``tfx`` package is
not installed, ``import tfx...`` resolves here (``tfpipe/tfx_imports.py``).
"""
from . import components, dsl, orchestration, proto, types

__all__ = ["components", "dsl", "orchestration", "proto", "types"]
