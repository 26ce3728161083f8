"""A small HTTP proxy in front of moto's server: it throttles a share of requests, answers
chosen requests with an error (a denied call, a region an SCP denies), pages
``ListBuckets`` as AWS does, and records when each request arrived.

AWS answers errors with an HTTP status and an error code in the body, shaped by the
service's protocol; botocore reads the code from that body, so the proxy answers in
the protocol of the service named in the request's SigV4 credential scope:
- query services (IAM, STS, RDS, ELB): ``<ErrorResponse><Error><Code>``;
- EC2: ``<Response><Errors><Error><Code>``;
- S3 (and S3 Control, signed as ``s3``): ``<Error><Code>``;
- JSON services (Lambda, KMS, EKS, CloudTrail, Organizations): ``{"__type": ...}`` and
  the ``x-amzn-ErrorType`` header.
Throttling is ``ThrottlingException`` everywhere, which botocore's retry modes treat as
throttling for every service.

It is also an HTTP forward proxy (``HTTP_PROXY``): a request line with an absolute URL is
sent to moto all the same, which is how S3 Control's account-prefixed host names
(``123456789012.s3-control...``) reach it.
"""

from __future__ import annotations

import base64
import http.client
import re
import threading
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_ACTION = re.compile(r"(?:^|&)Action=(\w+)")
_QUERY_SERVICES = {"iam", "sts", "rds", "elasticloadbalancing"}
_S3 = "{http://s3.amazonaws.com/doc/2006-03-01/}"
THROTTLING = "ThrottlingException"


S3_CONTROL_HOST = "http://s3-control.moto.invalid"
"""S3 Control's endpoint in the tests and benchmarks. botocore puts the account id in
front of its host name (``123456789012.s3-control...``), which no IP address takes; the
made-up host is reached through ``HTTP_PROXY`` instead (moto's server, like this proxy,
answers forward-proxy requests), while ``NO_PROXY`` keeps every other request direct."""


def s3_control_environment(endpoint: str) -> dict[str, str]:
    """Variables that send S3 Control's requests to ``endpoint`` (moto or a proxy)."""
    return {"AWS_ENDPOINT_URL_S3_CONTROL": S3_CONTROL_HOST, "HTTP_PROXY": endpoint,
            "NO_PROXY": "127.0.0.1,localhost"}


def error_answer(service: str, code: str, message: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers of an error answer in ``service``'s protocol."""
    text = escape(message)
    if service == "ec2":
        body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{text}</Message>"
                "</Error></Errors><RequestID>proxy</RequestID></Response>")
    elif service in _QUERY_SERVICES:
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{text}</Message></Error><RequestId>proxy</RequestId>"
                "</ErrorResponse>")
    elif service == "s3":
        body = f"<Error><Code>{code}</Code><Message>{text}</Message></Error>"
    else:
        message_json = message.replace("\\", "\\\\").replace('"', '\\"')
        return (f'{{"__type": "{code}", "message": "{message_json}"}}'.encode(),
                {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code})
    return body.encode(), {"Content-Type": "text/xml"}


def throttling_answer(service: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a throttling answer in ``service``'s protocol."""
    return error_answer(service, THROTTLING, "Rate exceeded")


@dataclass(frozen=True)
class Request:
    """What the proxy knows of a request: the SigV4 scope's service and region, the
    operation (query ``Action``, else the ``X-Amz-Target`` operation, else None), the
    path and the body."""

    service: str
    region: str
    action: str | None
    method: str
    path: str
    body: str


@dataclass(frozen=True)
class Fault:
    """An error answer to every request matching all the given fields (None: any):
    ``path`` and ``body`` are regular expressions searched in the request's."""

    code: str
    message: str = "Access Denied"
    status: int = 403
    service: str | None = None
    region: str | None = None
    action: str | None = None
    method: str | None = None
    path: str | None = None
    body: str | None = None

    def matches(self, request: Request) -> bool:
        """Whether this fault answers ``request``."""
        return ((self.service is None or self.service == request.service)
                and (self.region is None or self.region == request.region)
                and (self.action is None or self.action == request.action)
                and (self.method is None or self.method == request.method)
                and (self.path is None or re.search(self.path, request.path) is not None)
                and (self.body is None or re.search(self.body, request.body) is not None))


@dataclass
class ProxyLog:
    """What the proxy saw: arrival times, actions (query protocol ``Action``, JSON
    ``X-Amz-Target`` operation, else the path) and the requests themselves, how many it
    throttled and how many it answered with a fault."""

    arrivals: list[float] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    throttled: int = 0
    faulted: int = 0
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
        if "://" in self.path.split("?", 1)[0]:  # a forward-proxy request line
            target = urlsplit(self.path)
            self.path = target.path + (f"?{target.query}" if target.query else "")
        request = self._describe(body)
        with server.log.lock:
            server.log.arrivals.append(time.monotonic())
            server.log.actions.append(request.action or self.path)
            server.log.requests.append(request)
            server.count += 1
            throttle = server.every > 0 and server.count % server.every == 0
            fault = next((f for f in server.faults if f.matches(request)), None)
            if throttle:
                server.log.throttled += 1
            elif fault is not None:
                server.log.faulted += 1
        if throttle:
            self._answer(400, *throttling_answer(request.service))
        elif fault is not None:
            self._answer(fault.status, *error_answer(request.service, fault.code, fault.message))
        elif server.bucket_page and self._is_list_buckets(request):
            self._answer(200, *self._list_buckets_page(request))
        else:
            self._answer(*self._upstream(self.command, self.path, body, dict(self.headers)))

    def _describe(self, body: bytes) -> Request:
        scope = _SCOPE.search(self.headers.get("Authorization", ""))
        text = body.decode("utf-8", "replace")
        action = _ACTION.search(text)
        target = self.headers.get("X-Amz-Target")
        return Request(service=scope.group(2) if scope else "", region=scope.group(1) if scope
                       else "", action=action.group(1) if action else
                       target.rsplit(".", 1)[-1] if target else None,
                       method=self.command, path=self.path, body=text)

    def _upstream(self, method: str, path: str, body: bytes | None,
                  headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        target = urlsplit(self.server.upstream)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() != "host"}
            sent["Host"] = target.netloc
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            payload = response.read()
            passed = {k: v for k, v in response.getheaders()
                      if k.lower() not in ("transfer-encoding", "connection", "content-length")}
            return response.status, payload, passed
        finally:
            connection.close()

    @staticmethod
    def _is_list_buckets(request: Request) -> bool:
        return request.service == "s3" and request.method == "GET" and \
            urlsplit(request.path).path == "/" and "max-buckets" in request.path

    def _list_buckets_page(self, request: Request) -> tuple[bytes, dict[str, str]]:
        """``ListBuckets`` as AWS answers it when given ``MaxBuckets``: at most the page
        size, each bucket with its ``BucketRegion``, and a ``ContinuationToken`` while
        more remain (moto returns neither)."""
        query = parse_qs(urlsplit(request.path).query)
        headers = {k: v for k, v in self.headers.items() if k.lower() == "authorization"}
        _, listing, _ = self._upstream("GET", "/", None, headers)
        buckets = ElementTree.fromstring(listing).iter(f"{_S3}Bucket")
        names = [(b.findtext(f"{_S3}Name") or "", b.findtext(f"{_S3}CreationDate") or "")
                 for b in buckets]
        start = int(base64.b64decode(query["continuation-token"][0])) \
            if "continuation-token" in query else 0
        size = min(self.server.bucket_page, int(query["max-buckets"][0]))
        page, rest = names[start:start + size], names[start + size:]
        entries = []
        for name, created in page:
            _, location, _ = self._upstream("GET", f"/{name}?location", None, headers)
            region = ElementTree.fromstring(location).text or "us-east-1"
            entries.append(f"<Bucket><Name>{name}</Name><CreationDate>{created}</CreationDate>"
                           f"<BucketRegion>{region}</BucketRegion></Bucket>")
        token = base64.b64encode(str(start + size).encode()).decode() if rest else None
        body = (f'<ListAllMyBucketsResult xmlns="{_S3[1:-1]}"><Owner><ID>owner</ID></Owner>'
                f"<Buckets>{''.join(entries)}</Buckets>"
                + (f"<ContinuationToken>{token}</ContinuationToken>" if token else "")
                + "</ListAllMyBucketsResult>")
        return body.encode(), {"Content-Type": "application/xml"}

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

    def __init__(self, upstream: str, every: int, faults: tuple[Fault, ...],
                 bucket_page: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.every = every
        self.faults = faults
        self.bucket_page = bucket_page
        self.count = 0
        self.log = ProxyLog()


@dataclass(frozen=True)
class Proxy:
    """A running proxy: its URL and what it saw."""

    url: str
    log: ProxyLog

    @property
    def environment(self) -> dict[str, str]:
        """Variables that send every AWS request through the proxy, S3 Control included."""
        return {"AWS_ENDPOINT_URL": self.url, "HTTP_PROXY": self.url}


@contextmanager
def throttling_proxy(upstream: str, *, every: int = 0, faults: tuple[Fault, ...] = (),
                     bucket_page: int = 0) -> Iterator[Proxy]:
    """Serve a proxy to ``upstream`` on a free 127.0.0.1 port; answer every ``every``-th
    request with a throttling error (0: none), the requests a fault matches with its
    error, and ``ListBuckets`` with ``MaxBuckets`` in pages of at most ``bucket_page``
    buckets as AWS does (0: as moto does)."""
    server = _ProxyServer(upstream, every, faults, bucket_page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Proxy(f"http://127.0.0.1:{server.server_address[1]}", server.log)
    finally:
        server.shutdown()
        server.server_close()
