"""A small HTTP proxy in front of moto's server that throttles a share of requests and
records when each request arrived.

AWS answers throttling with HTTP 400 and an error code in the body, shaped by the
service's protocol; botocore reads the code from that body, so the proxy answers in
the protocol of the service named in the request's SigV4 credential scope:
- query services (IAM, STS, RDS, ELB): ``<ErrorResponse><Error><Code>``;
- EC2: ``<Response><Errors><Error><Code>``;
- S3: ``<Error><Code>``;
- JSON services (Lambda, KMS, EKS, CloudTrail): ``{"__type": ...}`` and the
  ``x-amzn-ErrorType`` header.
The code is ``ThrottlingException`` everywhere, which botocore's retry modes treat as
throttling for every service.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_ACTION = re.compile(r"(?:^|&)Action=(\w+)")
_QUERY_SERVICES = {"iam", "sts", "rds", "elasticloadbalancing"}
_MESSAGE = "Rate exceeded"


def throttling_answer(service: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a throttling answer in ``service``'s protocol."""
    code = "ThrottlingException"
    if service == "ec2":
        body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{_MESSAGE}</Message>"
                "</Error></Errors><RequestID>throttled</RequestID></Response>")
    elif service in _QUERY_SERVICES:
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{_MESSAGE}</Message></Error><RequestId>throttled</RequestId>"
                "</ErrorResponse>")
    elif service == "s3":
        body = f"<Error><Code>{code}</Code><Message>{_MESSAGE}</Message></Error>"
    else:
        return (f'{{"__type": "{code}", "message": "{_MESSAGE}"}}'.encode(),
                {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code})
    return body.encode(), {"Content-Type": "text/xml"}


@dataclass
class ProxyLog:
    """What the proxy saw: arrival times and actions (query protocol ``Action``, else the
    path) of every request, and how many it throttled."""

    arrivals: list[float] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    throttled: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def max_in_window(self, seconds: float) -> int:
        """The most requests that arrived within any window of ``seconds``."""
        times = sorted(self.arrivals)
        most, start = 0, 0
        for end, arrived in enumerate(times):
            while arrived - times[start] > seconds:
                start += 1
            most = max(most, end - start + 1)
        return most


class _Handler(BaseHTTPRequestHandler):
    # Without this every small response waits for the Nagle timer (about 40 ms).
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server: _ProxyServer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: pytest shows nothing of a passing test."""

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server = self.server
        action = _ACTION.search(body.decode("utf-8", "replace"))
        with server.log.lock:
            server.log.arrivals.append(time.monotonic())
            server.log.actions.append(action.group(1) if action else self.path)
            server.count += 1
            throttle = server.every > 0 and server.count % server.every == 0
            if throttle:
                server.log.throttled += 1
        if throttle:
            match = _SCOPE.search(self.headers.get("Authorization", ""))
            payload, headers = throttling_answer(match.group(1) if match else "")
            self._answer(400, payload, headers)
            return
        target = urlsplit(server.upstream)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            headers["Host"] = target.netloc
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            passed = {k: v for k, v in response.getheaders()
                      if k.lower() not in ("transfer-encoding", "connection", "content-length")}
            self._answer(response.status, payload, passed)
        finally:
            connection.close()

    def _answer(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, every: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.every = every
        self.count = 0
        self.log = ProxyLog()


@dataclass(frozen=True)
class Proxy:
    """A running proxy: its URL and what it saw."""

    url: str
    log: ProxyLog


@contextmanager
def throttling_proxy(upstream: str, *, every: int = 0) -> Iterator[Proxy]:
    """Serve a proxy to ``upstream`` on a free 127.0.0.1 port; answer every ``every``-th
    request with a throttling error (0: none)."""
    server = _ProxyServer(upstream, every)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Proxy(f"http://127.0.0.1:{server.server_address[1]}", server.log)
    finally:
        server.shutdown()
        server.server_close()
