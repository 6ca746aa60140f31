"""The FastAPI app factory: routes, error handlers, middleware and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from lightsoff import __version__
from lightsoff.api.context import CorrelationIdMiddleware
from lightsoff.api.errors import install_error_handlers
from lightsoff.api.routes import events, health, messages, orders, problems
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
    for router in (orders.router, events.router, messages.router, health.router, problems.router):
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(CorrelationIdMiddleware)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated document, plus the request body schema the raw-body intake route cannot infer."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        body = OrderCreate.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(body.pop("$defs", {}))
        components["OrderCreate"] = body
        app.openapi_schema = schema
    return app.openapi_schema
