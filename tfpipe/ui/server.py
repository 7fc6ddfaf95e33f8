"""Starting ``tfpipe ui``: bind the address (127.0.0.1 unless told), then serve until
Ctrl-C or SIGTERM."""
from __future__ import annotations

import signal

from ..client import Client
from ..serving.sockets import bind

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8080


def serve(client: Client, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          ready=None) -> None:
    """Serve the UI over ``client`` until interrupted; ``ready(url)`` is called once the
    socket listens (port 0 picks a free one)."""
    import asyncio

    from tornado.httpserver import HTTPServer

    from .app import READ_HEADERS, make_app

    sockets = bind(host, port, "tfpipe ui")
    bound = sockets[0].getsockname()[1]
    shown = f"[{host}]" if ":" in host else host

    async def main() -> None:  # the server must be made on the loop that runs it
        server = HTTPServer(make_app(client), max_header_size=READ_HEADERS)
        server.add_sockets(sockets)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if ready is not None:
            ready(f"http://{shown}:{bound}/")
        await stop.wait()
        server.stop()

    asyncio.run(main())
