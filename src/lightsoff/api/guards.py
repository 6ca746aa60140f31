"""Request guards at the edge: body size limits per route, and security headers on every response.

Pure ASGI, like the correlation-id middleware: they run on every request.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lightsoff.api.asgi import HttpMiddleware
from lightsoff.api.problems import problem_response

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
_DOCS = ("/docs", "/redoc")
API_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "cache-control": "no-store",
}
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "frame-ancestors 'none'"
)


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


class BodyLimitMiddleware:
    """Refuses a body past its route's limit: at once when Content-Length says so, else while it streams."""

    def __init__(self, app: ASGIApp, limits: Mapping[str, int], default: int) -> None:
        self._app = app
        self._limits = sorted(limits.items(), key=lambda item: -len(item[0]))
        self._default = default

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self._limits if path.startswith(prefix)), self._default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY:
            await self._app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = problem_response("payload-too-large", f"This route takes bodies of at most {limit} bytes.")
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
            return message

        await self._app(scope, counting_receive, send)


class SecurityHeadersMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        docs = scope["path"].startswith(_DOCS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in API_HEADERS.items():
                    headers.setdefault(name, value)
                if docs:
                    headers["content-security-policy"] = DOCS_CSP
            await send(message)

        await self._app(scope, receive, send_with_headers)
