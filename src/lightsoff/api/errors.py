"""Mapping errors to problem+json: the only place that knows which error is which HTTP status."""

from __future__ import annotations

import math
from collections.abc import Callable

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from lightsoff.api.asgi import HttpMiddleware
from lightsoff.api.guards import BodyTooLarge
from lightsoff.api.problems import problem_response
from lightsoff.domain.errors import (
    CaseClosed,
    ConcurrencyConflict,
    Forbidden,
    InvalidResolution,
    InvalidShipment,
    NotFound,
    RateLimited,
    ResolutionUnfit,
    ShipmentConflict,
    Unauthenticated,
    Unavailable,
)
from lightsoff.formats.canonical_json import json_path

_log = structlog.get_logger("lightsoff.api")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotFound, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(Unauthenticated, _unauthenticated)  # type: ignore[arg-type]
    app.add_exception_handler(Forbidden, _forbidden)  # type: ignore[arg-type]
    app.add_exception_handler(RateLimited, _rate_limited)  # type: ignore[arg-type]
    app.add_exception_handler(BodyTooLarge, _too_large)  # type: ignore[arg-type]
    app.add_exception_handler(Unavailable, _unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(CaseClosed, _conflict("exception-closed"))
    app.add_exception_handler(ResolutionUnfit, _conflict("resolution-unfit"))
    app.add_exception_handler(ConcurrencyConflict, _conflict("concurrent-change"))
    app.add_exception_handler(ShipmentConflict, _conflict("shipment-conflict"))
    app.add_exception_handler(InvalidShipment, _invalid_shipment)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidResolution, _invalid_resolution)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal_error)


def _not_found(request: Request, exc: NotFound) -> Response:
    return problem_response("not-found", f"{exc.kind.capitalize()} {exc.identifier} does not exist.")


def _unauthenticated(request: Request, exc: Unauthenticated) -> Response:
    challenge = 'Bearer realm="lightsoff"'
    if request.headers.get("authorization") or request.headers.get("x-api-key"):
        challenge += ', error="invalid_token"'
    return problem_response("unauthenticated", str(exc), headers={"WWW-Authenticate": challenge})


def _forbidden(request: Request, exc: Forbidden) -> Response:
    return problem_response("forbidden", str(exc))


def _rate_limited(request: Request, exc: RateLimited) -> Response:
    seconds = max(1, math.ceil(exc.retry_after))
    return problem_response("too-many-requests", str(exc), headers={"Retry-After": str(seconds)})


def _too_large(request: Request, exc: BodyTooLarge) -> Response:
    return problem_response("payload-too-large", f"This route takes bodies of at most {exc.limit} bytes.")


def _unavailable(request: Request, exc: Unavailable) -> Response:
    return problem_response("service-unavailable", str(exc), headers={"Retry-After": "5"})


def _conflict(slug: str) -> Callable[[Request, Exception], Response]:
    def handle(request: Request, exc: Exception) -> Response:
        return problem_response(slug, str(exc))

    return handle


def _invalid_resolution(request: Request, exc: InvalidResolution) -> Response:
    return problem_response("invalid-resolution", str(exc), errors=exc.errors or None)


def _invalid_shipment(request: Request, exc: InvalidShipment) -> Response:
    count = len(exc.problems)
    return problem_response(
        "invalid-shipment",
        f"The shipment has {count} problem{'s' if count != 1 else ''}; nothing was recorded.",
        errors=[problem.to_data() for problem in exc.problems],
    )


def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
    errors = [
        {
            "path": json_path([str(error["loc"][0]), *error["loc"][1:]]).removeprefix("$."),
            "code": error["type"],
            "message": error["msg"],
        }
        for error in exc.errors()
    ]
    return problem_response("invalid-request", "Some parameters are not valid: see errors.", errors=errors)


def _http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 404:
        return problem_response("not-found", f"There is no resource at {request.url.path}.")
    if exc.status_code == 400 and isinstance(exc.__cause__, BodyTooLarge):
        # A streamed body past the limit, met while FastAPI read it for a model: still a 413.
        return _too_large(request, exc.__cause__)
    if exc.status_code == 400:
        # FastAPI's answer to a body it could not even decode (not UTF-8): the same 422 as any other bad body.
        error = {
            "path": "body",
            "code": "json_invalid",
            "message": "The body is not JSON text: send UTF-8 encoded JSON with Content-Type: application/json.",
        }
        return problem_response("invalid-request", "The request body could not be read.", errors=[error])
    if exc.status_code == 405:
        return problem_response("method-not-allowed", f"{request.method} is not allowed on {request.url.path}.")
    return (
        problem_response("internal-error", str(exc.detail))
        if exc.status_code >= 500
        else Response(status_code=exc.status_code, headers=exc.headers)
    )


class UnhandledErrorMiddleware(HttpMiddleware):
    """Answers an error no handler took with the 500 problem, inside lightsoff's middleware.

    Starlette's own last-resort handler sits outside every middleware, so its 500 would go out without
    the security headers and the correlation id, and unaudited. Add this one innermost.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, receive, send_tracked)
        except Exception as exc:
            if started:
                raise
            await _internal_error(Request(scope), exc)(scope, receive, send)


def _internal_error(request: Request, exc: Exception) -> Response:
    _log.exception("unhandled error", path=request.url.path)
    return problem_response(
        "internal-error",
        "lightsoff failed to handle the request; quote the correlation id to find it in the logs.",
        correlation_id=request.state.correlation_id,
    )
