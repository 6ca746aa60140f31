"""Registering clients and their API keys: secrets are shown once and stored only as hashes.

Secrets are 32 random bytes, so a fast hash (SHA-256) is the right store for them: slow password
hashes exist to protect guessable secrets, and these are not guessable.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lightsoff.domain.errors import ConfigurationError, NotFound
from lightsoff.domain.security import ApiKey, Client, Role, cidr_problem
from lightsoff.services.ports import Clock, UnitOfWorkFactory

API_KEY_PREFIX = "lsk_"
_CLIENT_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, expected_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), expected_hash)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Registration:
    client: Client
    secret: str
    """Shown once; only its hash is stored."""


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    key_id: str
    client_id: str
    key: str
    """``lsk_<key id>_<secret>``; shown once."""


class ClientAdministration:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, on_change: Callable[[], None] = lambda: None) -> None:
        self._uow = uow
        self._clock = clock
        self._on_change = on_change
        """Called after every change, so this process's authentication sees it at once."""

    def register(
        self,
        name: str,
        roles: Sequence[Role],
        *,
        client_id: str | None = None,
        partners: Sequence[str] | None = None,
        ip_allowlist: Sequence[str] = (),
        rate_per_second: float | None = None,
        secret: str | None = None,
    ) -> Registration:
        client_id = client_id or _client_id_from(name)
        problems = _registration_problems(client_id, roles, ip_allowlist, rate_per_second, secret)
        if problems:
            raise ConfigurationError(problems)
        client = Client(
            client_id=client_id,
            name=name,
            roles=tuple(roles),
            partners=tuple(partners) if partners is not None else None,
            ip_allowlist=tuple(ip_allowlist),
            rate_per_second=rate_per_second,
            created_at=self._clock.now(),
        )
        secret = secret or new_secret()
        self._uow.run(lambda uow: uow.clients.add(client, hash_secret(secret)))
        self._on_change()
        return Registration(client, secret)

    def ensure(self, client_id: str, secret: str, name: str, roles: Sequence[Role]) -> Client:
        """The client as registered, registering it first if it is not; a different secret is an error."""
        with self._uow(write=False) as uow:
            existing = uow.clients.get(client_id)
        if existing is None:
            return self.register(name, roles, client_id=client_id, secret=secret).client
        if not self.has_secret(client_id, secret):
            raise ConfigurationError([f"client {client_id!r} exists with another secret"])
        return existing

    def has(self, client_id: str) -> bool:
        with self._uow(write=False) as uow:
            return uow.clients.get(client_id) is not None

    def has_secret(self, client_id: str, secret: str) -> bool:
        with self._uow(write=False) as uow:
            stored_hash = uow.clients.secret_hash(client_id)
        return stored_hash is not None and secret_matches(secret, stored_hash)

    def clients(self) -> list[Client]:
        with self._uow(write=False) as uow:
            return uow.clients.all()

    def disable(self, client_id: str) -> None:
        self._require(client_id)
        self._uow.run(lambda uow: uow.clients.disable(client_id, self._clock.now()))
        self._on_change()

    def new_api_key(self, client_id: str) -> IssuedApiKey:
        self._require(client_id)
        key_id, secret = secrets.token_hex(8), new_secret()
        key = ApiKey(key_id, client_id, hash_secret(secret), self._clock.now())
        self._uow.run(lambda uow: uow.api_keys.add(key))
        self._on_change()
        return IssuedApiKey(key_id, client_id, f"{API_KEY_PREFIX}{key_id}_{secret}")

    def revoke_api_key(self, key_id: str) -> None:
        with self._uow(write=False) as uow:
            if uow.api_keys.get(key_id) is None:
                raise NotFound("API key", key_id)
        self._uow.run(lambda uow: uow.api_keys.revoke(key_id, self._clock.now()))
        self._on_change()

    def _require(self, client_id: str) -> None:
        with self._uow(write=False) as uow:
            if uow.clients.get(client_id) is None:
                raise NotFound("client", client_id)


def _client_id_from(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48] or "client"
    return f"{slug}-{secrets.token_hex(3)}"


def _registration_problems(
    client_id: str,
    roles: Sequence[Role],
    ip_allowlist: Sequence[str],
    rate_per_second: float | None,
    secret: str | None,
) -> list[str]:
    problems = [problem for block in ip_allowlist if (problem := cidr_problem(block))]
    if not _CLIENT_ID.match(client_id):
        problems.append(f"client id {client_id!r}: use 3-64 lower-case letters, digits, '.', '_' or '-'")
    if not roles:
        problems.append("a client needs at least one role: " + ", ".join(role.value for role in Role))
    if rate_per_second is not None and rate_per_second <= 0:
        problems.append(f"rate {rate_per_second} must be above 0 requests per second")
    if secret is not None and len(secret) < 16:
        problems.append("a client secret must have at least 16 characters")
    return problems
