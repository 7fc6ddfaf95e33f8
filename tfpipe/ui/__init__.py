"""``tfpipe ui``: a read-only web UI over a metadata store, served by tornado
(``tfpipe.ui.app``). ``tfpipe.ui.assets`` holds the scripts and styles it shares with
the self-contained ``tfpipe report``; importing this package imports no web server."""
