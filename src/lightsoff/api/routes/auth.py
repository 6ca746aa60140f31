"""/oauth/token (client credentials) and /.well-known/jwks.json (the keys that sign the tokens)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import unquote

import orjson
from fastapi import APIRouter, Form, Request, Response
from starlette.concurrency import run_in_threadpool

from lightsoff.api.deps import LightsoffDep
from lightsoff.api.schemas import OAuthErrorRead, TokenRead
from lightsoff.api.security import client_address
from lightsoff.domain.errors import RateLimited
from lightsoff.services.tokens import OAuthError

router = APIRouter(tags=["auth"])
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


def _oauth_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=NO_STORE | (headers or {})
    )


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """client_secret_basic (RFC 6749 §2.3.1): both parts form-urlencoded, then Base64."""
    kind, _, value = request.headers.get("authorization", "").partition(" ")
    if kind.lower() != "basic":
        return None
    try:
        client_id, separator, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_client", "the Basic credentials are not valid Base64", status=401) from exc
    if not separator:
        raise OAuthError("invalid_client", "the Basic credentials must be client_id:client_secret", status=401)
    return unquote(client_id), unquote(secret)


@router.post(
    "/oauth/token",
    summary="Get an access token (OAuth 2.0 client credentials)",
    response_model=TokenRead,
    responses={
        400: {"model": OAuthErrorRead, "description": "unsupported_grant_type, invalid_scope, invalid_request"},
        401: {"model": OAuthErrorRead, "description": "invalid_client"},
        429: {"model": OAuthErrorRead, "description": "slow_down: too many failed attempts from this address"},
    },
)
async def token(
    request: Request,
    lightsoff: LightsoffDep,
    grant_type: Annotated[str | None, Form()] = None,
    scope: Annotated[str | None, Form(description="space-separated; default: all the client's scopes")] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
) -> Response:
    security = lightsoff.security
    try:
        if grant_type != "client_credentials":
            raise OAuthError("unsupported_grant_type", "only grant_type=client_credentials is supported")
        credentials = _basic_credentials(request) or (client_id, client_secret)
        if not credentials[0] or not credentials[1]:
            raise OAuthError("invalid_client", "send client_id and client_secret (form or Basic)", status=401)
        request.state.audit_actor = f"client:{credentials[0]}"
        issued = await run_in_threadpool(security.tokens.issue, credentials[0], credentials[1], scope)
    except OAuthError as exc:
        if exc.status == 401:
            try:
                security.failed_logins.check(client_address(request))
            except RateLimited as limited:
                return _oauth_response(
                    429, {"error": "slow_down", "error_description": str(limited)}, {"retry-after": _seconds(limited)}
                )
        challenge = {"www-authenticate": 'Basic realm="lightsoff"'} if exc.status == 401 else None
        return _oauth_response(exc.status, {"error": exc.error, "error_description": exc.description}, challenge)
    body = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    }
    return _oauth_response(200, body)


def _seconds(limited: RateLimited) -> str:
    return str(max(1, round(limited.retry_after + 0.5)))


@router.get(
    "/.well-known/jwks.json",
    summary="The public keys that verify lightsoff's access tokens",
    responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}},
)
async def jwks(lightsoff: LightsoffDep) -> Response:
    keys = await run_in_threadpool(lightsoff.security.keyring.jwks)
    return Response(orjson.dumps(keys), media_type="application/json")
