"""Running the app on uvicorn: listen, serve, and shut down gracefully.

SIGTERM (what Kubernetes, systemd and ``docker stop`` send) stops accepting connections,
lets the requests in flight finish (up to ``serve.shutdown_timeout_s``), and returns 0;
Ctrl-C (SIGINT) does the same and returns 130, as every interrupted command does. The
socket is bound before uvicorn starts, so a port in use is a one-line error (exit 2).
"""

from __future__ import annotations

import math
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Final

import uvicorn

from cloudscope.domain.errors import UsageError

EXIT_INTERRUPTED: Final = 130


class _Server(uvicorn.Server):
    """uvicorn's server, keeping the signals it received for the exit code instead of
    raising them again once it has stopped (uvicorn does, to hand them to the previous
    handler, which would turn a graceful SIGTERM into a killed process)."""

    received: list[int]

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.received.append(sig)
        super().handle_exit(sig, frame)

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit)
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as error:
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}",
                         hint="choose another --host or --port") from None
    sock.set_inheritable(True)
    return sock


def make_server(app: Any, *, shutdown_timeout_s: float) -> uvicorn.Server:
    """The uvicorn server of ``app``: no access log (the audit log replaces it), no
    lifespan events, requests in flight given ``shutdown_timeout_s`` to finish."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=math.ceil(shutdown_timeout_s),
                            server_header=False, date_header=True)
    server = _Server(config)
    server.received = []
    return server


def run(app: Any, sock: socket.socket, *, shutdown_timeout_s: float) -> int:
    """Serve ``app`` on ``sock`` until SIGTERM or Ctrl-C; return the exit code."""
    server = make_server(app, shutdown_timeout_s=shutdown_timeout_s)
    assert isinstance(server, _Server)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    sys.stderr.write(f"cloudscope: serving on http://{shown}:{port}\n")
    sys.stderr.flush()
    server.run(sockets=[sock])
    return EXIT_INTERRUPTED if signal.SIGINT in server.received and \
        signal.SIGTERM not in server.received else 0
