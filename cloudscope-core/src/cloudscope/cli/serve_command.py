"""``cloudscope serve``: the read-only HTTP API over the store (the ``serve`` extra)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any


def add_parser(commands: Any) -> None:
    """Add the ``serve`` command."""
    parser = commands.add_parser(
        "serve", help="serve the inventory over HTTP (read-only API, JWT auth)",
        description="Serve a read-only HTTP API over the store: /v1/assets, /v1/findings, "
                    "/v1/changes, /v1/runs, /v1/plugins, /v1/export/FORMAT, /healthz, /readyz, /metrics "
                    "and /openapi.json. Settings: the serve: section of the config "
                    "(CLOUDSCOPE_SERVE_*). SIGTERM shuts down gracefully (exit 0).")
    parser.add_argument("--host", metavar="ADDRESS",
                        help="address to listen on (default: serve.host, 127.0.0.1)")
    parser.add_argument("--port", type=int, metavar="N",
                        help="port to listen on (default: serve.port, 8080; 0: any free port)")
    parser.add_argument("--db", metavar="URL", help="store URL")
    parser.set_defaults(run=run)


@dataclass
class Service:
    """A composed service, listening but not yet serving."""

    app: Any
    sock: Any
    audit: Any
    shutdown_timeout_s: float

    def close(self) -> None:
        """Close the stores and the audit log (after the server stopped)."""
        self.app.state.pool.close()
        self.audit.close()


def compose(args: argparse.Namespace) -> Service:
    """The service ``args`` describe: store, plugins, auth, audit and tracing composed, the
    socket bound. Every error here is a one-line error before anything is served."""
    from cloudscope.domain.errors import UsageError

    try:
        # FastAPI and uvicorn are imported here only: other commands never pay for them.
        from cloudscope.service import server
        from cloudscope.service.app import ServiceContext, create_app
    except ImportError as error:
        raise UsageError(f"serve needs the serve extra ({error.name} is not installed)",
                         hint="pip install 'cloudscope-core[serve]'") from None
    from cloudscope.application.output_paths import StoreFootprint, check_output
    from cloudscope.application.storage import choose_url, open_repository
    from cloudscope.cli.components import build_component, find_component
    from cloudscope.cli.plugins_command import plugin_rows
    from cloudscope.cli.runtime import Runtime
    from cloudscope.infrastructure.telemetry import tracer
    from cloudscope.ports.exporter import Exporter
    from cloudscope.service.auth import authenticator_for
    from cloudscope.service.observe import AuditLog

    runtime = Runtime(args)
    settings = runtime.config.settings.serve
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    if not 0 <= port <= 65_535:
        raise UsageError(f"--port {port}: expected 0 to 65535")
    authenticator = authenticator_for(settings.auth, host)
    url = choose_url(args.db, runtime.config.settings.db)
    # The store is opened (and migrated) once before listening: a wrong --db is a
    # one-line error now, not a 503 on every request.
    store = open_repository(runtime.host, url)
    store_paths = store.local_paths()
    store.close()
    if settings.audit_log is not None:
        # The one guard of output paths: the audit log is never the store nor inside it.
        check_output(settings.audit_log, "serve.audit_log", StoreFootprint(store_paths))
    sock = server.listen(host, port)
    audit = AuditLog(settings.audit_log)

    def exporter_for(name: str) -> Exporter:
        registration = find_component(runtime.host, "exporters", name)
        exporter: Exporter = build_component(registration, "exporter", Exporter)
        return exporter

    app = create_app(ServiceContext(
        open_repository=lambda: open_repository(runtime.host, url),
        exporter_for=exporter_for, plugin_rows=lambda: plugin_rows(runtime.host),
        authenticator=authenticator, audit=audit,
        store_connections=settings.store_connections, tracer=tracer(),
        local_store=url.partition(":")[0] == "sqlite" and bool(store_paths)))
    return Service(app, sock, audit, settings.shutdown_timeout_s)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM (exit 0) or Ctrl-C (exit 130)."""
    service = compose(args)
    from cloudscope.service import server

    try:
        return server.run(service.app, service.sock,
                          shutdown_timeout_s=service.shutdown_timeout_s)
    finally:
        service.close()
