"""Repositories for clients, API keys, signing keys and the audit log.

Clients and keys are read rarely (the API caches them), so they use SQLAlchemy Core; appending to
the audit log happens on every state-changing request, so it uses the named statements in sql.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from lightsoff.domain.audit import GENESIS, AuditEntry, AuditRecord, chain_hash
from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.domain.security import ApiKey, Client, Role, SigningKey
from lightsoff.store import tables as t
from lightsoff.store.engine import AUDIT_LOG_LOCK
from lightsoff.store.sql import HotSql


class SqlClients:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, client: Client, secret_hash: str) -> None:
        try:
            self._connection.execute(
                insert(t.clients),
                {
                    "client_id": client.client_id,
                    "name": client.name,
                    "roles": [role.value for role in client.roles],
                    "partners": list(client.partners) if client.partners is not None else None,
                    "ip_allowlist": list(client.ip_allowlist),
                    "rate_per_second": client.rate_per_second,
                    "secret_hash": secret_hash,
                    "created_at": client.created_at,
                    "disabled_at": client.disabled_at,
                },
            )
        except IntegrityError as exc:
            raise ConcurrencyConflict(f"client id {client.client_id!r} is taken") from exc

    def get(self, client_id: str) -> Client | None:
        row = self._connection.execute(select(t.clients).where(t.clients.c.client_id == client_id)).mappings().first()
        return _client(row) if row is not None else None

    def secret_hash(self, client_id: str) -> str | None:
        query = select(t.clients.c.secret_hash).where(t.clients.c.client_id == client_id)
        value: str | None = self._connection.execute(query).scalar()
        return value

    def all(self) -> list[Client]:
        rows = self._connection.execute(select(t.clients).order_by(t.clients.c.client_id)).mappings()
        return [_client(row) for row in rows]

    def disable(self, client_id: str, at: datetime) -> None:
        self._connection.execute(update(t.clients).where(t.clients.c.client_id == client_id).values(disabled_at=at))


def _client(row: Any) -> Client:
    return Client(
        client_id=row["client_id"],
        name=row["name"],
        roles=tuple(Role(role) for role in row["roles"]),
        partners=tuple(row["partners"]) if row["partners"] is not None else None,
        ip_allowlist=tuple(row["ip_allowlist"]),
        rate_per_second=row["rate_per_second"],
        created_at=row["created_at"],
        disabled_at=row["disabled_at"],
    )


class SqlApiKeys:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, key: ApiKey) -> None:
        self._connection.execute(
            insert(t.api_keys),
            {
                "key_id": key.key_id,
                "client_id": key.client_id,
                "secret_hash": key.secret_hash,
                "created_at": key.created_at,
                "revoked_at": key.revoked_at,
            },
        )

    def get(self, key_id: str) -> ApiKey | None:
        row = self._connection.execute(select(t.api_keys).where(t.api_keys.c.key_id == key_id)).mappings().first()
        return ApiKey(**row) if row is not None else None

    def all(self) -> list[ApiKey]:
        rows = self._connection.execute(select(t.api_keys).order_by(t.api_keys.c.key_id)).mappings()
        return [ApiKey(**row) for row in rows]

    def revoke(self, key_id: str, at: datetime) -> None:
        self._connection.execute(update(t.api_keys).where(t.api_keys.c.key_id == key_id).values(revoked_at=at))


class SqlSigningKeys:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, key: SigningKey) -> None:
        self._connection.execute(
            insert(t.signing_keys),
            {
                "key_id": key.key_id,
                "algorithm": key.algorithm,
                "private_key": key.private_key_pem,
                "created_at": key.created_at,
                "retired_at": key.retired_at,
            },
        )

    def usable(self) -> list[SigningKey]:
        query = (
            select(t.signing_keys)
            .where(t.signing_keys.c.retired_at.is_(None))
            .order_by(t.signing_keys.c.created_at.desc(), t.signing_keys.c.key_id)
        )
        return [
            SigningKey(row["key_id"], row["algorithm"], row["private_key"], row["created_at"], row["retired_at"])
            for row in self._connection.execute(query).mappings()
        ]


class SqlAuditLog:
    def __init__(self, connection: Connection, sql: HotSql) -> None:
        self._connection = connection
        self._sql = sql

    def append(self, entry: AuditEntry) -> AuditRecord:
        sql = self._sql
        if not sql.sqlite:
            sql.execute("lock_audit_log", {"key": AUDIT_LOG_LOCK})
        tail = sql.execute("audit_tail", {}).fetchone()
        sequence, previous_hash = (tail[0] + 1, tail[1]) if tail is not None else (1, GENESIS)
        record = AuditRecord(sequence, entry, previous_hash, chain_hash(previous_hash, sequence, entry))
        sql.insert_unique(
            "insert_audit_record",
            {
                "sequence": sequence,
                "at": sql.timestamp(entry.at),
                "actor": entry.actor,
                "source": entry.source,
                "action": entry.action,
                "resource": entry.resource,
                "outcome": entry.outcome,
                "correlation_id": entry.correlation_id,
                "detail": sql.json(entry.detail or {}),
                "previous_hash": previous_hash,
                "hash": record.hash,
            },
            f"audit entry {sequence} was chained by another writer",
        )
        return record

    def read(self, after: int = 0, limit: int = 100) -> list[AuditRecord]:
        query = select(t.audit_log).where(t.audit_log.c.sequence > after).order_by(t.audit_log.c.sequence).limit(limit)
        return [
            AuditRecord(
                sequence=row["sequence"],
                entry=AuditEntry(
                    at=row["at"],
                    actor=row["actor"],
                    source=row["source"],
                    action=row["action"],
                    resource=row["resource"],
                    outcome=row["outcome"],
                    correlation_id=row["correlation_id"],
                    detail=row["detail"],
                ),
                previous_hash=row["previous_hash"],
                hash=row["hash"],
            )
            for row in self._connection.execute(query).mappings()
        ]
