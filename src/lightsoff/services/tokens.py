"""Access tokens: issuing them for the client-credentials grant, and telling who a request acts as.

Verifying an Ed25519 signature costs ~80 µs; a client reuses its token for many requests, so a
verified token is cached (by its exact string) until it expires. Revocation still takes effect within
``refresh_seconds``: every request checks the client's current record, and the client list is reread
that often. Tokens of an external identity provider are verified against its JWKS.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt

from lightsoff.domain.errors import Unauthenticated
from lightsoff.domain.security import ApiKey, Client, Principal, Scope, parse_scopes
from lightsoff.services.clients import API_KEY_PREFIX, secret_matches
from lightsoff.services.keyring import ALGORITHM, Keyring
from lightsoff.services.ports import Clock, UnitOfWorkFactory

TOKEN_CACHE_SIZE = 10_000
EXTERNAL_REFRESH_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class TokenSettings:
    issuer: str
    audience: str
    ttl_seconds: int
    external_issuer: str | None = None
    external_audience: str | None = None
    external_jwks_url: str | None = None
    external_partners_claim: str = "lightsoff_partners"


class OAuthError(Exception):
    """An error of the token endpoint, in RFC 6749 §5.2 terms."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


MISS_REFRESH_SECONDS = 1.0


class ClientRegistry:
    """Clients and API keys, reread from the database every ``refresh_seconds``.

    A look-up that misses may reread sooner (a client registered by another process a moment ago),
    but at most once a second, so a caller spraying made-up keys cannot turn into a database flood.
    """

    def __init__(self, uow: UnitOfWorkFactory, refresh_seconds: float = 5.0) -> None:
        self._uow = uow
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._clients: dict[str, Client] = {}
        self._api_keys: dict[str, ApiKey] = {}
        self._loaded_at = float("-inf")

    @property
    def stale(self) -> bool:
        return time.monotonic() - self._loaded_at > self._refresh_seconds

    def refresh(self) -> None:
        with self._lock, self._uow(write=False) as uow:
            clients = {client.client_id: client for client in uow.clients.all()}
            keys = {key.key_id: key for key in uow.api_keys.all()}
            self._clients, self._api_keys, self._loaded_at = clients, keys, time.monotonic()

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    def refresh_after_miss(self) -> bool:
        """Reread when the last read is over a second old; True when it did."""
        if time.monotonic() - self._loaded_at < MISS_REFRESH_SECONDS:
            return False
        self.refresh()
        return True

    def client(self, client_id: str) -> Client | None:
        return self._clients.get(client_id)

    def api_key(self, key_id: str) -> ApiKey | None:
        return self._api_keys.get(key_id)


class TokenIssuer:
    def __init__(self, uow: UnitOfWorkFactory, keyring: Keyring, clock: Clock, settings: TokenSettings) -> None:
        self._uow = uow
        self._keyring = keyring
        self._clock = clock
        self._settings = settings

    def issue(self, client_id: str, client_secret: str, requested_scope: str | None) -> IssuedToken:
        with self._uow(write=False) as uow:
            client, stored_hash = uow.clients.get(client_id), uow.clients.secret_hash(client_id)
        if client is None or stored_hash is None or not secret_matches(client_secret, stored_hash):
            raise OAuthError("invalid_client", "unknown client or wrong secret", status=401)
        if not client.enabled:
            raise OAuthError("invalid_client", f"client {client_id} is disabled", status=401)
        scopes = client.scopes if requested_scope is None else parse_scopes(requested_scope)
        if requested_scope is not None and (not scopes or not scopes <= client.scopes):
            wanted = " ".join(sorted(requested_scope.split()))
            raise OAuthError("invalid_scope", f"client {client_id} may not have scope {wanted!r}")
        return self._sign(client, scopes)

    def _sign(self, client: Client, scopes: frozenset[Scope]) -> IssuedToken:
        key_id, private_key = self._keyring.signing_key()
        now = int(self._clock.now().timestamp())
        scope = " ".join(sorted(scope.value for scope in scopes))
        claims = {
            "iss": self._settings.issuer,
            "aud": self._settings.audience,
            "sub": client.client_id,
            "client_id": client.client_id,
            "scope": scope,
            "iat": now,
            "nbf": now,
            "exp": now + self._settings.ttl_seconds,
            "jti": secrets.token_hex(8),
        }
        token = jwt.encode(claims, private_key, algorithm=ALGORITHM, headers={"kid": key_id})
        return IssuedToken(token, self._settings.ttl_seconds, scope)


class Authenticator:
    """Bearer token or API key → the principal it proves, or Unauthenticated saying why."""

    def __init__(self, registry: ClientRegistry, keyring: Keyring, clock: Clock, settings: TokenSettings) -> None:
        self._registry = registry
        self._keyring = keyring
        self._clock = clock
        self._settings = settings
        self._verified: OrderedDict[str, tuple[dict[str, Any], float]] = OrderedDict()
        self._lock = threading.Lock()
        self._external = (
            jwt.PyJWKClient(settings.external_jwks_url, cache_jwk_set=True, lifespan=300)
            if settings.external_jwks_url
            else None
        )
        self._external_refreshed = float("-inf")

    def cached(self, credential: str) -> Principal | None:
        """The principal, when it can be told without I/O; None means: call ``authenticate``."""
        if self._registry.stale:
            return None
        if credential.startswith(API_KEY_PREFIX):
            key_id = credential.removeprefix(API_KEY_PREFIX).partition("_")[0]
            return self._from_api_key(credential) if self._registry.api_key(key_id) else None
        with self._lock:
            hit = self._verified.get(credential)
        if hit is None:
            return None
        claims, expires = hit
        if expires <= self._clock.now().timestamp():
            raise Unauthenticated("the access token has expired: request a new one at /oauth/token")
        return self._principal(claims)

    def authenticate(self, credential: str) -> Principal:
        if self._registry.stale:
            self._registry.refresh()
        if credential.startswith(API_KEY_PREFIX):
            return self._from_api_key(credential, may_refresh=True)
        claims = self._verify(credential)
        with self._lock:
            self._verified[credential] = (claims, float(claims["exp"]))
            while len(self._verified) > TOKEN_CACHE_SIZE:
                self._verified.popitem(last=False)
        return self._principal(claims)

    def _verify(self, token: str) -> dict[str, Any]:
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("the bearer credential is neither an access token nor an API key") from exc
        issuer = unverified.get("iss")
        try:
            if issuer == self._settings.issuer:
                return self._verify_own(token, header)
            if self._external is not None and issuer == self._settings.external_issuer:
                return self._verify_external(token)
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("the access token has expired: request a new one at /oauth/token") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the access token is not valid: {exc}") from exc
        raise Unauthenticated(f"tokens of issuer {issuer!r} are not accepted here")

    def _verify_own(self, token: str, header: dict[str, Any]) -> dict[str, Any]:
        public_key = self._keyring.public_key(str(header.get("kid")))
        if public_key is None:
            raise Unauthenticated("the access token was signed with a key lightsoff does not know")
        now = self._clock.now().timestamp()
        claims: dict[str, Any] = jwt.decode(
            token,
            public_key,
            algorithms=[ALGORITHM],
            audience=self._settings.audience,
            issuer=self._settings.issuer,
            options={"require": ["exp", "sub", "iss", "aud"], "verify_exp": False},
        )
        if claims["exp"] <= now:
            raise jwt.ExpiredSignatureError("expired")
        return claims | {"lightsoff:via": "token"}

    def _external_key(self, token: str) -> Any:
        """The identity provider's key for this token, from its cached JWKS.

        An unknown key id may refetch the JWKS, at most once a minute: otherwise tokens with made-up
        key ids would make lightsoff call the identity provider once per request.
        """
        assert self._external is not None
        kid = jwt.get_unverified_header(token).get("kid")
        keys = {key.key_id: key for key in self._external.get_signing_keys()}
        if kid not in keys and time.monotonic() - self._external_refreshed > EXTERNAL_REFRESH_SECONDS:
            self._external_refreshed = time.monotonic()
            keys = {key.key_id: key for key in self._external.get_signing_keys(refresh=True)}
        if kid not in keys:
            raise jwt.InvalidKeyError(f"the identity provider publishes no key {kid!r}")
        return keys[kid].key

    def _verify_external(self, token: str) -> dict[str, Any]:
        claims: dict[str, Any] = jwt.decode(
            token,
            self._external_key(token),
            algorithms=["RS256", "ES256", "EdDSA", "PS256"],
            audience=self._settings.external_audience,
            issuer=self._settings.external_issuer,
            options={"require": ["exp", "iss", "aud"]},
        )
        return claims | {"lightsoff:via": "external"}

    def _principal(self, claims: dict[str, Any]) -> Principal:
        if claims["lightsoff:via"] == "external":
            return self._external_principal(claims)
        client = self._enabled_client(claims["sub"])
        return _principal_of(client, parse_scopes(claims.get("scope")) & client.scopes, via="token")

    def _external_principal(self, claims: dict[str, Any]) -> Principal:
        subject = str(claims.get("client_id") or claims.get("azp") or claims.get("sub"))
        scope_claim = claims.get("scope") or " ".join(claims.get("scp") or [])
        partners = claims.get(self._settings.external_partners_claim)
        registered = self._registry.client(subject)
        return Principal(
            subject=subject,
            name=str(claims.get("name") or subject),
            scopes=parse_scopes(scope_claim),
            partners=frozenset(partners) if isinstance(partners, list) else None,
            ip_allowlist=registered.ip_allowlist if registered else (),
            rate_per_second=registered.rate_per_second if registered else None,
            via="external",
        )

    def _from_api_key(self, credential: str, *, may_refresh: bool = False) -> Principal:
        key_id, _, secret = credential.removeprefix(API_KEY_PREFIX).partition("_")
        key = self._registry.api_key(key_id)
        if key is None and may_refresh and self._registry.refresh_after_miss():
            key = self._registry.api_key(key_id)
        if key is None or not secret or not secret_matches(secret, key.secret_hash):
            raise Unauthenticated("the API key is not valid")
        if key.revoked_at is not None:
            raise Unauthenticated(f"API key {key_id} was revoked")
        client = self._enabled_client(key.client_id)
        return _principal_of(client, client.scopes, via="api_key")

    def _enabled_client(self, client_id: str) -> Client:
        client = self._registry.client(client_id)
        if client is None and self._registry.refresh_after_miss():
            client = self._registry.client(client_id)
        if client is None:
            raise Unauthenticated(f"client {client_id} is not registered (any more)")
        if not client.enabled:
            raise Unauthenticated(f"client {client_id} is disabled")
        return client


def _principal_of(client: Client, scopes: frozenset[Scope], *, via: str) -> Principal:
    return Principal(
        subject=client.client_id,
        name=client.name,
        scopes=scopes,
        partners=frozenset(client.partners) if client.partners is not None else None,
        ip_allowlist=client.ip_allowlist,
        rate_per_second=client.rate_per_second,
        via=via,
    )
