"""Binding a server's listening sockets, for ``tfpipe serve`` and ``tfpipe ui``."""
from __future__ import annotations

import errno

from ..errors import ServeError


def bind(host: str, port: int, what: str = "server") -> list:
    """Listening sockets for ``host:port``; a ServeError saying what to do if the port
    is taken or the address is not this machine's. ``what`` names the server for the
    message (e.g. "tfpipe ui")."""
    from tornado.netutil import bind_sockets

    try:
        return bind_sockets(port, address=host)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is already in use (another {what} or "
                             "another server is listening there).",
                             fix=f"stop that server, or choose another port: --port "
                             f"{port + 1}") from exc
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}.",
                         fix="give an address of this machine with --host (127.0.0.1 by "
                         "default) and a free port with --port") from exc
