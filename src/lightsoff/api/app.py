"""The FastAPI app factory: routes, error handlers, middleware and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from lightsoff import __version__
from lightsoff.api.audit import AuditMiddleware
from lightsoff.api.context import CorrelationIdMiddleware
from lightsoff.api.errors import UnhandledErrorMiddleware, install_error_handlers
from lightsoff.api.guards import BodyLimitMiddleware, SecurityHeadersMiddleware
from lightsoff.api.problems import PROBLEM_JSON
from lightsoff.api.routes import (
    audit,
    auth,
    documents,
    events,
    exceptions,
    health,
    inbound,
    messages,
    orders,
    partners,
    problems,
    products,
    rerun,
    shipments,
    subscriptions,
)
from lightsoff.api.schemas import InvalidRequestRead, ProblemRead
from lightsoff.bootstrap import Lightsoff
from lightsoff.formats.canonical_json import OrderCreate

DESCRIPTION = """
lightsoff takes customer orders from an orchestrator, validates them, mints one canonical id per
order, records every business step as an event and answers. Errors are RFC 9457 problem details;
every response carries `X-Correlation-ID`.
"""


def create_app(lightsoff: Lightsoff) -> FastAPI:
    app = FastAPI(title="lightsoff", version=__version__, description=DESCRIPTION)
    app.state.lightsoff = lightsoff
    for router in (
        orders.router,
        inbound.router,
        exceptions.router,
        documents.router,
        shipments.router,
        events.router,
        messages.router,
        audit.router,
        auth.router,
        health.router,
        problems.router,
        subscriptions.router,
        subscriptions.dead_letters_router,
        partners.router,
        products.router,
        rerun.router,
    ):
        app.include_router(router)
    install_error_handlers(app)
    settings = lightsoff.settings
    app.add_middleware(UnhandledErrorMiddleware)
    limits = {"/v1/orders": settings.max_order_bytes, "/v1/inbound": settings.max_document_bytes}
    app.add_middleware(BodyLimitMiddleware, limits=limits, default=settings.max_request_bytes)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(CorrelationIdMiddleware)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated document, corrected where FastAPI cannot know better.

    It adds the request body schema the raw-body intake route cannot infer, documents errors as the
    problem+json they are, with the 401/403/429 every protected operation can answer, and replaces
    FastAPI's default 422 shape with the one lightsoff sends.
    """
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (OrderCreate, InvalidRequestRead, ProblemRead):
            definition = model.model_json_schema(ref_template=_REF + "{model}")
            components.update(definition.pop("$defs", {}))
            components[model.__name__] = definition
        for path, item in schema["paths"].items():
            for operation in item.values():
                _document_errors(operation, problem_json=not path.startswith("/oauth"))
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = schema
    return app.openapi_schema


_REF = "#/components/schemas/"
_SECURED_ERRORS = {
    "401": "No or invalid credentials",
    "403": "A scope the caller lacks, or an address outside its allowlist",
    "429": "Over the caller's request rate",
}


def _document_errors(operation: dict[str, Any], *, problem_json: bool) -> None:
    responses = operation.setdefault("responses", {})
    # The HTTP server itself answers 400 (plain text) to a request it cannot parse, such as a header value
    # with control characters, before lightsoff sees it.
    responses.setdefault("400", {"description": "A request the HTTP server cannot read (malformed header)"})
    if "HTTPValidationError" in str(responses.get("422", "")):
        responses["422"] = {
            "description": "Invalid parameters",
            "content": {"": {"schema": {"$ref": _REF + "InvalidRequestRead"}}},
        }
    if operation.get("security"):
        for status, description in _SECURED_ERRORS.items():
            responses.setdefault(
                status, {"description": description, "content": {"": {"schema": {"$ref": _REF + "ProblemRead"}}}}
            )
    for status, response in responses.items():
        content = response.get("content", {})
        if int(status) >= 400 and content:
            media = PROBLEM_JSON if problem_json else "application/json"
            response["content"] = {media: next(iter(content.values()))}
