"""The correlation id of the request being handled: taken from X-Correlation-ID, or minted.

Pure ASGI rather than BaseHTTPMiddleware: it runs on every request, and BaseHTTPMiddleware costs a
task and a stream per request.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from lightsoff.api.asgi import HttpMiddleware

HEADER = "x-correlation-id"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")
_log = structlog.get_logger("lightsoff.api")


def correlation_id_from(value: str | None) -> str:
    """The caller's id when it is a sane token, else a new one (a bad header is not worth a 400)."""
    if value is not None and _ACCEPTABLE.match(value):
        return value
    return uuid.uuid4().hex


class CorrelationIdMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"x-correlation-id"), None)
        correlation_id = correlation_id_from(given)
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = correlation_id
            await send(message)

        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
            try:
                await self._app(scope, receive, send_with_id)
            finally:
                _log.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
