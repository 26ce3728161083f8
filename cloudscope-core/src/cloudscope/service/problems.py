"""Errors as RFC 9457 problem details (``application/problem+json``): ``type``, ``title``,
``status``, ``detail``; never a traceback, a token or a secret."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Final

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from cloudscope.domain.errors import CloudScopeError, NotFoundError, PluginError, StoreError
from cloudscope.domain.redaction import redact_text
from cloudscope.service.auth import AuthError

MEDIA_TYPE: Final = "application/problem+json"
log = logging.getLogger("cloudscope.serve")


def problem(status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    """A problem response; ``type`` is ``about:blank``, so ``title`` is the status phrase."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
            "detail": redact_text(detail)}
    return Response(orjson.dumps(body), status_code=status, media_type=MEDIA_TYPE,
                    headers=dict(headers or {}))


def status_of(error: CloudScopeError) -> int:
    """The HTTP status of a user-facing error: 404 unknown, 503 store, 502 plugin, else 400."""
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, StoreError):
        return 503
    if isinstance(error, PluginError):
        return 502
    return 400


def _validation_detail(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors()[:3]:
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "query")
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_handlers(app: FastAPI) -> None:
    """Answer every error of the app as a problem."""

    async def auth_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, AuthError)
        return problem(error.status, error.detail, {"WWW-Authenticate": error.challenge})

    async def cloudscope_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, CloudScopeError)
        return problem(status_of(error), str(error))

    async def validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        return problem(400, _validation_detail(error))

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return problem(error.status_code, str(error.detail), error.headers)

    async def internal_error(request: Request, error: Exception) -> Response:
        log.error("internal error answering %s %s", request.method, request.url.path,
                  exc_info=error)
        return problem(500, "internal error (see the server's log)")

    app.add_exception_handler(AuthError, auth_error)
    app.add_exception_handler(CloudScopeError, cloudscope_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, internal_error)
