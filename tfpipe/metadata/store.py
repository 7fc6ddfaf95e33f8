"""Opening an ML Metadata store from a path or URL."""
from __future__ import annotations

import os
from urllib.parse import unquote, urlparse

from ..errors import MetadataError


_MYSQL_FORM = "mysql://user:password@host:3306/database"


def _parse(target: str):
    try:
        return urlparse(target)
    except ValueError as exc:  # "Invalid IPv6 URL"
        raise MetadataError(f"the metadata store URL {describe_safely(target)!r} cannot be "
                            f"read: {exc}.",
                            fix=f"use a SQLite file path, sqlite:///path or {_MYSQL_FORM} "
                            "(an IPv6 host in brackets: [::1])") from None


def _port(url, target: str) -> int:
    try:
        port = url.port
    except ValueError:  # not a number, or out of range
        port = -1
    if port == -1 or port == 0:
        raise MetadataError(f"the MySQL URL {describe_safely(target)} has no valid port: a "
                            "port is a number from 1 to 65535.", fix=f"use {_MYSQL_FORM}")
    return port or 3306


def describe_safely(target: str) -> str:
    """The URL for a message, its password (user:password@) left out."""
    scheme, sep, rest = target.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else target


def connection_config(target: str):
    """MLMD ConnectionConfig for a SQLite path, ``sqlite:///path`` or ``mysql://`` URL."""
    from ml_metadata.proto import metadata_store_pb2

    config = metadata_store_pb2.ConnectionConfig()
    url = _parse(target)
    if url.scheme in ("mysql", "mariadb"):
        config.mysql.host = url.hostname or "localhost"
        config.mysql.port = _port(url, target)
        config.mysql.database = url.path.lstrip("/")
        config.mysql.user = unquote(url.username or "")
        config.mysql.password = unquote(url.password or "")
        if not config.mysql.database:
            raise MetadataError(f"the MySQL URL {target!r} names no database.",
                                fix="use mysql://user:password@host:3306/database")
        return config
    if url.scheme in ("", "sqlite", "file"):
        path = url.path if url.scheme else target
        path = os.path.abspath(path)
        config.sqlite.filename_uri = path
        config.sqlite.connection_mode = config.sqlite.READWRITE_OPENCREATE
        return config
    raise MetadataError(f"unknown metadata store {target!r}.",
                        fix="use a SQLite file path, sqlite:///path or mysql://user:pw@host/db")


def describe(target: str) -> str:
    """The store for a user to read: the path, or the URL without its password."""
    url = _parse(target)
    if url.scheme in ("mysql", "mariadb"):
        return f"{url.scheme}://{url.hostname}:{_port(url, target)}{url.path}"
    return os.path.abspath(url.path if url.scheme else target)


def _check_server(config, target: str) -> None:
    """A MySQL server answers at the URL's host and port (MLMD's own message for a port
    where nothing listens is empty)."""
    import socket

    host, port = config.mysql.host, config.mysql.port
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as exc:
        raise MetadataError(f"no MySQL server answered at {host}:{port} ({describe(target)}): "
                            f"{exc.strerror or exc}.", fix="start the MySQL or MariaDB server, "
                            "or correct the host and port in the URL") from exc


def connect(target: str, *, readonly: bool = False):
    """An MLMD ``MetadataStore``; a clear MetadataError if it cannot be opened.
    ``readonly`` (for commands that only look, like ``tfpipe runs``) refuses to create
    a SQLite store that does not exist yet."""
    from ml_metadata.metadata_store import metadata_store

    config = connection_config(target)
    if readonly and config.HasField("sqlite"):
        if not os.path.isfile(config.sqlite.filename_uri):
            raise MetadataError(f"no metadata store at {describe(target)}: nothing has run "
                                "there yet.", fix="run the pipeline first (tfpipe run "
                                "pipeline.py), or point at its store with --pipeline-root "
                                "or --metadata")
        config.sqlite.connection_mode = config.sqlite.READONLY
    elif config.HasField("sqlite"):
        folder = os.path.dirname(config.sqlite.filename_uri)
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise MetadataError(f"cannot create the folder for the metadata store {folder}: "
                                f"{exc.strerror}.", fix="choose a writable pipeline_root or "
                                "metadata path") from exc
    if config.HasField("mysql"):
        _check_server(config, target)
    try:
        if config.HasField("sqlite"):  # another process may be creating the same store
            return retrying(metadata_store.MetadataStore, config, attempts=8,
                            transient=lambda text: "not a database" not in text)
        return metadata_store.MetadataStore(config)
    except Exception as exc:  # MLMD raises its own errors.* types for every backend problem
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        first = first.rsplit(" query:", 1)[0]  # not the SQL MLMD was running
        raise MetadataError(f"cannot open the metadata store at {describe(target)}: {first}",
                            fix="check the path or URL; a corrupt SQLite file can be moved "
                            "away to start a fresh store") from exc


def _locked(text: str) -> bool:
    return any(w in text for w in ("locked", "busy", "deadlock"))


def retrying(call, *args, attempts: int = 40, transient=_locked, **kwargs):
    """Call MLMD, retrying while another process holds the SQLite write lock (runs of
    different pipelines may share one store); ``transient`` says which errors (lower-case
    text) are worth another try."""
    import time

    for attempt in range(attempts):
        try:
            return call(*args, **kwargs)
        except Exception as exc:  # MLMD's errors.InternalError / AbortedError
            if "disk is full" in str(exc) or "No space left" in str(exc):
                raise MetadataError("the metadata store could not be written: the disk that "
                                    "holds it is full.", fix="free space on that disk (`df "
                                    "-h` shows it) and run again; what was recorded before "
                                    "stays consistent") from exc
            if attempt == attempts - 1 or not transient(str(exc).lower()):
                raise
            time.sleep(min(0.05 * 2 ** attempt, 1.0))
    raise AssertionError("unreachable")


class _Serialised:
    """An MLMD store whose calls are made one at a time (nodes run on several threads;
    the store's client is not meant to be shared between threads concurrently)."""

    def __init__(self, store):
        import threading

        self._store = store
        self._lock = threading.RLock()

    def __getattr__(self, name):
        attr = getattr(self._store, name)
        if not callable(attr):
            return attr

        def locked(*args, **kwargs):
            with self._lock:
                return attr(*args, **kwargs)
        return locked


def serialised(store):
    """``store`` made safe to share between the threads of one run."""
    return store if isinstance(store, _Serialised) else _Serialised(store)
