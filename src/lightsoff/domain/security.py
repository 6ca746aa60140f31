"""Who may do what: roles, scopes, clients and the principal a request acts as. Pure; no I/O.

A client (an orchestrator, an MES, a partner's tool, an operator's script) holds roles; roles grant
scopes; a route asks for one scope. A client may be confined to some partners: it then sees only
their orders, documents and events, and everything else is, to it, not there (404, never 403).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Scope(StrEnum):
    ORDERS_READ = "orders:read"
    ORDERS_WRITE = "orders:write"
    DOCUMENTS_READ = "documents:read"
    DOCUMENTS_WRITE = "documents:write"
    EVENTS_READ = "events:read"
    MESSAGES_READ = "messages:read"
    EXCEPTIONS_READ = "exceptions:read"
    EXCEPTIONS_WRITE = "exceptions:write"
    SHOP_FLOOR_WRITE = "shopfloor:write"
    CONFIG_READ = "config:read"
    SUBSCRIPTIONS_ADMIN = "subscriptions:admin"
    CLIENTS_ADMIN = "clients:admin"
    AUDIT_READ = "audit:read"


SCOPE_DESCRIPTIONS = {
    Scope.ORDERS_READ: "read orders",
    Scope.ORDERS_WRITE: "submit orders",
    Scope.DOCUMENTS_READ: "read inbound and outbound documents",
    Scope.DOCUMENTS_WRITE: "submit documents (EDI, spreadsheets, e-mail)",
    Scope.EVENTS_READ: "read the event feed",
    Scope.MESSAGES_READ: "read archived messages",
    Scope.EXCEPTIONS_READ: "read exception cases",
    Scope.EXCEPTIONS_WRITE: "acknowledge and resolve exception cases",
    Scope.SHOP_FLOOR_WRITE: "report shop floor events",
    Scope.CONFIG_READ: "read partners, products and routing",
    Scope.SUBSCRIPTIONS_ADMIN: "manage subscriptions and dead letters",
    Scope.CLIENTS_ADMIN: "manage clients and keys",
    Scope.AUDIT_READ: "read the audit log",
}


class Role(StrEnum):
    ORCHESTRATOR = "orchestrator"
    SHOP_FLOOR = "shop_floor"
    OPERATOR = "operator"
    VIEWER = "viewer"
    ADMIN = "admin"


_READING = frozenset(
    {Scope.ORDERS_READ, Scope.DOCUMENTS_READ, Scope.EVENTS_READ, Scope.MESSAGES_READ, Scope.EXCEPTIONS_READ}
)
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.ORCHESTRATOR: _READING | {Scope.ORDERS_WRITE, Scope.DOCUMENTS_WRITE},
    Role.SHOP_FLOOR: frozenset({Scope.SHOP_FLOOR_WRITE, Scope.ORDERS_READ}),
    Role.OPERATOR: _READING | {Scope.EXCEPTIONS_WRITE, Scope.CONFIG_READ},
    Role.VIEWER: _READING | {Scope.CONFIG_READ},
    Role.ADMIN: frozenset(Scope),
}


def scopes_for(roles: Iterable[Role]) -> frozenset[Scope]:
    granted: frozenset[Scope] = frozenset()
    for role in roles:
        granted |= ROLE_SCOPES[role]
    return granted


def parse_scopes(text: str | None) -> frozenset[Scope]:
    """The known scopes in a space-separated ``scope`` claim; unknown ones are ignored, not trusted."""
    known = {scope.value: scope for scope in Scope}
    return frozenset(known[part] for part in (text or "").split() if part in known)


def ip_allowed(address: str, allowlist: Iterable[str]) -> bool:
    """True when ``address`` falls in one of the CIDR blocks; an empty allowlist allows any address."""
    networks = [ipaddress.ip_network(block, strict=False) for block in allowlist]
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def cidr_problem(block: str) -> str | None:
    try:
        ipaddress.ip_network(block, strict=False)
    except ValueError as exc:
        return f"{block!r} is not an IP network in CIDR notation ({exc})"
    return None


@dataclass(frozen=True, slots=True)
class Client:
    """A registered caller; its secret and keys are stored only as hashes."""

    client_id: str
    name: str
    roles: tuple[Role, ...]
    partners: tuple[str, ...] | None
    """None: every partner; otherwise only these."""
    ip_allowlist: tuple[str, ...] = ()
    rate_per_second: float | None = None
    """None: the default for its roles."""
    created_at: datetime | None = None
    disabled_at: datetime | None = None

    @property
    def scopes(self) -> frozenset[Scope]:
        return scopes_for(self.roles)

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as, and what it may do."""

    subject: str
    """The client id, or the external token's subject."""
    name: str
    scopes: frozenset[Scope]
    partners: frozenset[str] | None = None
    ip_allowlist: tuple[str, ...] = ()
    rate_per_second: float | None = None
    via: str = "token"
    """``token`` (our JWT), ``api_key``, ``external`` (an identity provider's JWT)."""

    def may_see(self, partner: str | None) -> bool:
        return self.partners is None or (partner is not None and partner in self.partners)


@dataclass(slots=True)
class TokenBucket:
    """Requests allowed at ``rate`` per second with bursts up to ``burst``; time is passed in, not read."""

    rate: float
    burst: float
    tokens: float = field(init=False)
    updated: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self, now: float) -> float:
        """0 when a request may go now, else the seconds until one may."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A long-lived credential of a client: ``lsk_<key_id>_<secret>``; only the secret's hash is kept."""

    key_id: str
    client_id: str
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A key lightsoff signs its access tokens with; retired keys still verify tokens until they expire."""

    key_id: str
    algorithm: str
    private_key_pem: str
    created_at: datetime
    retired_at: datetime | None = None
