"""A TCP proxy on 127.0.0.1 that a test can cut, to play a server lost mid-collect."""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit


class TcpProxy:
    """Forwards connections to ``target``; :meth:`cut` drops them all and refuses new ones,
    :meth:`resume` listens again on the same port; :meth:`stall_after` holds clients' bytes
    past a budget, so that a test can cut a run part way through however fast the run is."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._budget: int | None = None
        self.forwarded = 0
        self._released = threading.Event()
        self.resume()

    def resume(self) -> None:
        """Listen (again) and forward."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def route(self, url: str) -> str:
        """``url`` with its host and port replaced by the proxy's."""
        parts = urlsplit(url)
        user, _, _ = parts.netloc.rpartition("@")
        return parts._replace(netloc=f"{user}@127.0.0.1:{self.port}" if user
                              else f"127.0.0.1:{self.port}").geturl()

    def stall_after(self, budget: int) -> None:
        """Forward at most ``budget`` more bytes from clients to the server, then hold the rest
        (the client waits, as on a hung server) until :meth:`cut`."""
        with self._lock:
            self._budget = self.forwarded + budget
            self._released.clear()

    def cut(self) -> None:
        """Close the listener and every forwarded connection, as a dead server would."""
        self._released.set()
        with self._lock:
            self._budget = None
            sockets, self._sockets = self._sockets, []
            listener, self._listener = self._listener, None
        for sock in [*sockets, *([listener] if listener else [])]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    # Accepted while cut() ran: a connection that slipped past the cut would
                    # carry the rest of the run (the client's pool reconnects at once).
                    client.close()
                    server.close()
                    return
                self._sockets += [client, server]
            for source, target, counted in ((client, server, True), (server, client, False)):
                threading.Thread(target=self._pump, args=(source, target, counted),
                                 daemon=True).start()

    def _allowance(self, wanted: int) -> int:
        """How many of ``wanted`` client bytes may pass now (the rest waits for a cut)."""
        with self._lock:
            allowed = wanted if self._budget is None else max(
                0, min(wanted, self._budget - self.forwarded))
            self.forwarded += allowed
            return allowed

    def _pump(self, source: socket.socket, target: socket.socket, counted: bool) -> None:
        try:
            while data := source.recv(65536):
                allowed = self._allowance(len(data)) if counted else len(data)
                target.sendall(data[:allowed])
                if allowed < len(data):
                    self._released.wait()
                    return
        except OSError:
            pass
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)
