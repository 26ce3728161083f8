"""``cloudscope serve``: a read-only HTTP API over the store (FastAPI on uvicorn).

A layer of its own: it turns HTTP requests into the use cases' calls (paging, export) and
their answers into JSON, with authentication, audit, metrics and traces around each
request. It imports the domain, the ports, the use cases and the infrastructure (config,
metrics, telemetry); the CLI composes it with the plugin host and the store, as it does
every command. Nothing imports this package but ``cloudscope serve``: FastAPI and uvicorn
(the ``serve`` extra) are never loaded by other commands.
"""
