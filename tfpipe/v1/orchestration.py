"""``tfx.orchestration``: ``Pipeline`` with TFX's arguments, ``LocalDagRunner`` and
``BeamDagRunner`` (both run the pipeline with tfpipe's local runner), and ``metadata``
(the connection configs)."""
from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Sequence

from ..dsl import Node, Pipeline as NativePipeline
from ..dsl.component import caller_location
from ..errors import DefinitionError

__all__ = ["BeamDagRunner", "LocalDagRunner", "Pipeline", "metadata"]


def sqlite_metadata_connection_config(metadata_db_uri: str):
    """ML Metadata's ConnectionConfig for a SQLite file, as TFX builds it."""
    from ml_metadata.proto import metadata_store_pb2

    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = metadata_db_uri
    config.sqlite.connection_mode = \
        metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    return config


def mysql_metadata_connection_config(host: str, port: int, database: str, username: str,
                                     password: str):
    """ML Metadata's ConnectionConfig for a MySQL or MariaDB server, as TFX builds it."""
    from ml_metadata.proto import metadata_store_pb2

    config = metadata_store_pb2.ConnectionConfig()
    config.mysql.host, config.mysql.port = host, port
    config.mysql.database, config.mysql.user, config.mysql.password = \
        database, username, password
    return config


metadata = SimpleNamespace(sqlite_metadata_connection_config=sqlite_metadata_connection_config,
                           mysql_metadata_connection_config=mysql_metadata_connection_config)


def metadata_url(config) -> str | None:
    """tfpipe's ``metadata`` argument for an ML Metadata ConnectionConfig."""
    if config is None:
        return None
    kind = config.WhichOneof("config")
    if kind == "sqlite":
        return config.sqlite.filename_uri
    if kind == "mysql":
        m = config.mysql
        return f"mysql://{m.user}:{m.password}@{m.host}:{m.port or 3306}/{m.database}"
    raise DefinitionError(f"metadata_connection_config of kind {kind!r} is not supported by "
                          "tfpipe.", where=caller_location(),
                          fix="use sqlite_metadata_connection_config or "
                              "mysql_metadata_connection_config")


class Pipeline(NativePipeline):
    """``pipeline.Pipeline(pipeline_name=, pipeline_root=, components=, enable_cache=,
    metadata_connection_config=, beam_pipeline_args=)``: a tfpipe Pipeline."""

    def __init__(self, pipeline_name: str, pipeline_root: str | None = None,
                 components: Sequence[Node] = (), enable_cache: bool = False,
                 metadata_connection_config=None, beam_pipeline_args: Sequence[str] | None = None,
                 platform_config=None, execution_mode=None, inputs=None, outputs=None,
                 **unsupported):
        given = {**unsupported, "platform_config": platform_config, "inputs": inputs,
                 "outputs": outputs,
                 "execution_mode": execution_mode if "ASYNC" in str(execution_mode) else None}
        for name, value in given.items():
            if value is not None:
                raise DefinitionError(f"Pipeline({name}=...) is not supported by tfpipe.",
                                      where=caller_location(),
                                      fix="leave it out: tfpipe runs pipelines synchronously, "
                                          "locally or on Kubeflow")
        if pipeline_root is None:
            raise DefinitionError(f"pipeline {pipeline_name!r} needs a pipeline_root.",
                                  where=caller_location(), fix="pipeline_root='tfx_output'")
        super().__init__(name=pipeline_name, pipeline_root=os.fspath(pipeline_root),
                         components=components,
                         metadata=metadata_url(metadata_connection_config),
                         beam_pipeline_args=beam_pipeline_args or (),
                         enable_cache=enable_cache)


class LocalDagRunner:
    """``LocalDagRunner().run(pipeline)``: runs it here with tfpipe's local runner,
    showing progress as ``tfpipe run`` does."""

    def __init__(self, *args, **kwargs):
        pass

    def run(self, pipeline: NativePipeline):
        from ..api import run_pipeline

        return run_pipeline(pipeline)


BeamDagRunner = LocalDagRunner
