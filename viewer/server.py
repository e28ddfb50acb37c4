"""Running the viewer: a threaded werkzeug server on 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import ipaddress
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from nniannot.viewer.app import create_app


def is_loopback(host: str) -> bool:
    """True if ``host`` binds only to this machine (``localhost``, 127.x.x.x, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class QuietHandler(WSGIRequestHandler):
    """Logs failed requests only: a busy page makes dozens of requests a second."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if str(code)[:1] == "5":
            super().log_request(code, size)


@dataclass
class ViewerServer:
    """A viewer being served; ``url`` is where to open it. Call :meth:`shutdown` to stop it."""

    server: BaseWSGIServer
    url: str
    thread: threading.Thread | None = None

    def shutdown(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=10)


def start_server(
    store_path: str, host: str = "127.0.0.1", port: int = 0, *, thread: bool = True
) -> ViewerServer:
    """Bind the viewer for ``store_path`` (port 0: any free port); with ``thread`` serve it in the background.

    Raises OSError if the address cannot be bound.
    """
    app = create_app(store_path, {"LOCAL_HOSTS_ONLY": is_loopback(host)})
    server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    viewer = ViewerServer(server, f"http://{shown}:{server.server_port}/")
    if thread:
        viewer.thread = threading.Thread(target=server.serve_forever, name="nni-annot-viewer", daemon=True)
        viewer.thread.start()
    return viewer


def serve(
    store_path: str,
    host: str = "127.0.0.1",
    port: int = 8080,
    open_browser: bool = True,
    *,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the viewer until interrupted (KeyboardInterrupt propagates after the server is closed).

    ``on_ready(url)`` is called once the port is bound, before the browser is opened.
    """
    viewer = start_server(store_path, host, port, thread=False)
    if on_ready is not None:
        on_ready(viewer.url)
    if open_browser:
        threading.Timer(0.2, webbrowser.open, (viewer.url,)).start()
    try:
        viewer.server.serve_forever()
    finally:
        viewer.server.server_close()
