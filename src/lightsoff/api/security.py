"""Authorising a request: who it is (token or API key), from where, how often, and with which scopes.

Every route that is not explicitly public declares the scope it needs with ``Security(authorize,
scopes=[...])``; the negative-matrix test reads those declarations from the OpenAPI document, so a
route without one fails the test suite. Errors are problem+json: 401 (who are you?), 403 (you may
not), 429 (not so often). A caller confined to some partners gets 404 for the others' resources; that
happens in the services, which receive ``principal.partners``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import APIKeyHeader, OAuth2, SecurityScopes
from starlette.concurrency import run_in_threadpool

from lightsoff.bootstrap import Security
from lightsoff.domain.errors import Forbidden, Unauthenticated
from lightsoff.domain.security import SCOPE_DESCRIPTIONS, Principal, Scope, ip_allowed

UNRESTRICTED = Principal(subject="no-auth", name="authentication disabled", scopes=frozenset(Scope))

oauth2 = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(
            tokenUrl="/oauth/token", scopes={scope.value: text for scope, text in SCOPE_DESCRIPTIONS.items()}
        )
    ),
    scheme_name="oauth2",
    description="Client credentials: POST /oauth/token, then send `Authorization: Bearer <access token>`.",
    auto_error=False,
)
api_key = APIKeyHeader(
    name="X-API-Key", scheme_name="apiKey", description="A client's API key (`lsk_…`).", auto_error=False
)


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def _credential(authorization: str | None, key: str | None) -> str:
    if key:
        return key
    if authorization:
        kind, _, value = authorization.partition(" ")
        if kind.lower() == "bearer" and value.strip():
            return value.strip()
        raise Unauthenticated("the Authorization header must be `Bearer <access token or API key>`")
    raise Unauthenticated(
        "no credentials: send `Authorization: Bearer <token>` (get one at POST /oauth/token) or `X-API-Key`"
    )


async def authorize(
    security_scopes: SecurityScopes,
    request: Request,
    authorization: Annotated[str | None, Depends(oauth2)],
    key: Annotated[str | None, Depends(api_key)],
) -> Principal:
    security: Security = request.app.state.lightsoff.security
    if not security.enabled:
        request.state.principal = UNRESTRICTED
        return UNRESTRICTED
    source = client_address(request)
    try:
        credential = _credential(authorization, key)
        principal: Principal | None = security.authenticator.cached(credential)
        if principal is None:
            principal = await run_in_threadpool(security.authenticator.authenticate, credential)
    except Unauthenticated:
        security.failed_logins.check(source)
        raise
    request.state.principal = principal
    if not ip_allowed(source, principal.ip_allowlist):
        raise Forbidden(f"client {principal.subject} may not call from {source}: it is outside its IP allowlist")
    security.rates.check(principal.subject, principal.rate_per_second)
    missing = sorted(set(security_scopes.scopes) - {scope.value for scope in principal.scopes})
    if missing:
        raise Forbidden(f"client {principal.subject} lacks the scope {', '.join(missing)} this request needs")
    return principal
