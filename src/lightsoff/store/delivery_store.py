"""Subscriptions and deliveries in SQL: the relay's fan-out, claim and record, and the views over them.

Fan-out is serialised: it takes ``FAN_OUT_LOCK`` on PostgreSQL (SQLite's one writer does it there) and
walks the event log past its checkpoint, so deliveries of one stream are created in position order.
Claims take ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number of workers share the work without
waiting on each other; each claimed row carries a lease (``claimed_until``), after which a dead
worker's claim is anyone's again. The relay's statements are in ``store.sql``.

A delivery is claimable only while no earlier delivery of the same stream to the same subscription is
pending: that one clause is what keeps events of one order in order, whoever sends them. So that a
claim need not test it on every queued delivery, a delivery created behind a pending one of its stream
is ``waiting``, and recording a delivery as delivered or dead releases the next of its stream. Only
liveness rests on that bookkeeping, never order: a delivery wrongly not waiting is only read in vain by
claims, which still test the clause. On PostgreSQL a record that releases shares ``FAN_OUT_LOCK``, so
it cannot miss a delivery a concurrent fan-out has just created waiting behind the one it settles.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from lightsoff.domain.errors import Unavailable
from lightsoff.domain.events import RecordedEvent
from lightsoff.domain.subscriptions import (
    DeadLetterFilter,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Route,
    Subscription,
    SubscriptionKind,
    SubscriptionSecret,
)
from lightsoff.services.delivery_ports import AttemptResult, Claim, Disablement, Joined, OnDisabled
from lightsoff.store import tables as t
from lightsoff.store.engine import FAN_OUT_LOCK, Database
from lightsoff.store.repositories import _recorded
from lightsoff.store.sql import HotSql
from lightsoff.store.unit_of_work import WRITE_LOCK_TIMEOUT_S, SqlUnitOfWork

FAN_OUT = "fan-out"
_D = t.deliveries
_S = t.subscriptions
_PENDING = DeliveryStatus.PENDING.value


class SqlDeliveryStore:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._postgres = database.dialect == "postgresql"

    @contextmanager
    def _transaction(self, *, write: bool = True, durable: bool = True) -> Iterator[Connection]:
        """One transaction, committed if the block returns; on SQLite a writer first takes the process's lock.

        ``durable=False`` for the relay's own writes, which are redone if a power cut undoes them (never a
        crash): they do not wait for the disk (see ``store.engine``).
        """
        lock = self._database.write_lock if write else None
        if lock is not None and not lock.acquire(timeout=WRITE_LOCK_TIMEOUT_S):
            raise Unavailable(f"no write slot on the database within {WRITE_LOCK_TIMEOUT_S:.0f} s")
        engine = self._database.engine if durable else self._database.relaxed
        try:
            with engine.connect().execution_options(lightsoff_write=write) as connection, connection.begin():
                if self._postgres and not durable:
                    connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
                yield connection
        except OperationalError as exc:
            raise Unavailable(f"the database is unavailable: {exc.orig}") from exc
        finally:
            if lock is not None:
                lock.release()

    # Subscriptions

    def add_subscription(self, subscription: Subscription) -> None:
        with self._transaction() as connection:
            connection.execute(insert(_S).values(**_subscription_row(subscription)))

    def subscription(self, subscription_id: str) -> Subscription | None:
        with self._transaction(write=False) as connection:
            row = connection.execute(select(_S).where(_S.c.subscription_id == subscription_id)).mappings().first()
        return _subscription(row) if row is not None else None

    def subscriptions(self) -> list[Subscription]:
        with self._transaction(write=False) as connection:
            rows = connection.execute(select(_S).order_by(_S.c.created_at, _S.c.subscription_id)).mappings().all()
        return [_subscription(row) for row in rows]

    def update_subscription(self, subscription: Subscription, then: Joined | None = None) -> None:
        row = _subscription_row(subscription)
        with self._transaction() as connection:
            connection.execute(update(_S).where(_S.c.subscription_id == row.pop("subscription_id")).values(**row))
            if then is not None:
                then(SqlUnitOfWork.joining(self._database, connection))

    def delete_subscription(self, subscription_id: str) -> bool:
        with self._transaction() as connection:
            ids = select(_D.c.delivery_id).where(_D.c.subscription_id == subscription_id)
            connection.execute(delete(t.delivery_attempts).where(t.delivery_attempts.c.delivery_id.in_(ids)))
            connection.execute(delete(_D).where(_D.c.subscription_id == subscription_id))
            deleted = connection.execute(delete(_S).where(_S.c.subscription_id == subscription_id)).rowcount
        return bool(deleted)

    # The relay

    def has_new_events(self) -> bool:
        with self._transaction(write=False) as connection:
            return bool(HotSql.on(connection).one("has_new_events", {}))

    def fan_out(self, now: datetime, limit: int) -> int:
        with self._transaction(durable=False) as connection:
            sql = HotSql.on(connection)
            checkpoint = self._lock_checkpoint(sql, now)
            routes = [_route(sql, row) for row in sql.execute("routes", {}).fetchall()]
            per_event = max(1, len(routes))
            events = sql.execute("events_to_fan_out", {"after": checkpoint, "limit": max(1, limit // per_event)})
            events = events.fetchall()
            if not events:
                return 0
            created_at = sql.timestamp(now)
            rows = [
                {
                    "subscription_id": route.subscription_id,
                    "event_position": position,
                    "stream_id": stream_id,
                    "created_at": created_at,
                }
                for position, stream_id, name, partner in events
                for route in routes
                if route.matches(name, partner)
            ]
            if rows:
                sql.execute_many("insert_delivery", rows)
            last = events[-1][0]
            sql.execute("dispatch_outbox", {"now": created_at, "after": checkpoint, "last": last})
            sql.execute("move_fan_out_checkpoint", {"position": last, "now": created_at})
        return len(events)

    def _lock_checkpoint(self, sql: HotSql, now: datetime) -> int:
        if not sql.sqlite:
            sql.execute("lock_fan_out", {"key": FAN_OUT_LOCK})
        sql.execute("ensure_fan_out_checkpoint", {"now": sql.timestamp(now)})
        position: int = sql.one("fan_out_checkpoint", {})
        return position

    def _insert_ignoring_duplicates(self, table: Any) -> Any:
        dialect = postgresql if self._postgres else sqlite
        return dialect.insert(table).on_conflict_do_nothing()

    def claim(self, worker: str, now: datetime, lease: timedelta, limit: int) -> list[Claim]:
        with self._transaction(durable=False) as connection:
            sql = HotSql.on(connection)
            parameters = {"worker": worker, "until": sql.timestamp(now + lease), "now": sql.timestamp(now)}
            rows = sql.execute("claim_deliveries", {**parameters, "limit": limit}).fetchall()
            positions = sorted({row[2] for row in rows})
            events = {
                row["position"]: _recorded(row)
                for row in connection.execute(select(t.events).where(t.events.c.position.in_(positions))).mappings()
            }
        claims = [Claim(_claimed(sql, row, events[row[2]]), events[row[2]]) for row in rows]
        return sorted(claims, key=lambda claim: claim.delivery.delivery_id)

    def record(
        self,
        results: Sequence[AttemptResult],
        now: datetime,
        disable_after: timedelta,
        on_disabled: OnDisabled,
    ) -> list[str]:
        if not results:
            return []
        with self._transaction(durable=False) as connection:
            sql = HotSql.on(connection)
            if not sql.sqlite and any(result.status is not DeliveryStatus.PENDING for result in results):
                sql.execute("share_fan_out", {"key": FAN_OUT_LOCK})
            ids = [result.attempt.delivery_id for result in results]
            kept = select(_D.c.delivery_id, _D.c.stream_id).where(_D.c.delivery_id.in_(ids))
            streams: dict[int, str] = dict(connection.execute(kept).all())
            results = [result for result in results if result.attempt.delivery_id in streams]  # not deleted meanwhile
            if not results:
                return []
            sql.execute_many("insert_delivery_attempt", [_attempt_row(sql, result.attempt) for result in results])
            sql.execute_many("record_delivery", [_delivery_update(sql, result) for result in results])
            settled = {
                (result.subscription_id, streams[result.attempt.delivery_id])
                for result in results
                if result.status is not DeliveryStatus.PENDING
            }
            sql.execute_many(
                "release_next_delivery",
                [{"subscription_id": subscription, "stream_id": stream} for subscription, stream in sorted(settled)],
            )
            return self._record_health(connection, results, now, disable_after, on_disabled)

    def _record_health(
        self,
        connection: Connection,
        results: Sequence[AttemptResult],
        now: datetime,
        disable_after: timedelta,
        on_disabled: OnDisabled,
    ) -> list[str]:
        """Subscriptions' ``failing_since`` from these results; disable those failing too long or gone."""
        healthy = {r.subscription_id for r in results if not r.endpoint_failed}
        failing = {r.subscription_id for r in results if r.endpoint_failed} - healthy
        if healthy:
            connection.execute(
                update(_S)
                .where(_S.c.subscription_id.in_(sorted(healthy)), _S.c.failing_since.is_not(None))
                .values(failing_since=None)
            )
        if failing:
            connection.execute(
                update(_S)
                .where(_S.c.subscription_id.in_(sorted(failing)), _S.c.failing_since.is_(None))
                .values(failing_since=min(r.attempt.at for r in results))
            )
        reasons = {r.subscription_id: r.disable_reason for r in results if r.disable_reason}
        for subscription_id in sorted(failing - set(reasons)):
            reasons[subscription_id] = f"failing for longer than {disable_after}"
        last_errors = {
            r.subscription_id: _error_of(r.attempt) for r in results if r.endpoint_failed or r.disable_reason
        }
        return self._disable(connection, reasons, last_errors, now, now - disable_after, on_disabled)

    def _disable(
        self,
        connection: Connection,
        reasons: dict[str, str],
        last_errors: dict[str, str | None],
        now: datetime,
        cutoff: datetime,
        on_disabled: OnDisabled,
    ) -> list[str]:
        disabled = []
        for subscription_id, reason in sorted(reasons.items()):
            condition: ColumnElement[bool] = _S.c.enabled.is_(True)
            if reason.startswith("failing for"):
                condition = and_(condition, _S.c.failing_since <= cutoff)
            row = (
                connection.execute(
                    update(_S)
                    .where(_S.c.subscription_id == subscription_id, condition)
                    .values(enabled=False, disabled_reason=reason, updated_at=now)
                    .returning(*_S.c)
                )
                .mappings()
                .first()
            )
            if row is not None:
                disabled.append(subscription_id)
                disablement = Disablement(_subscription(row), last_errors.get(subscription_id), now)
                on_disabled(SqlUnitOfWork.joining(self._database, connection), disablement)
        return disabled

    def postpone(self, delivery_ids: Sequence[int], until: datetime) -> None:
        if not delivery_ids:
            return
        with self._transaction(durable=False) as connection:
            connection.execute(
                update(_D)
                .where(_D.c.delivery_id.in_(list(delivery_ids)), _D.c.status == _PENDING)
                .values(next_attempt_at=until, claimed_by=None, claimed_until=None)
            )

    # Views and operations

    def deliveries(
        self, subscription_id: str, status: DeliveryStatus | None = None, after: int = 0, limit: int = 100
    ) -> list[Delivery]:
        query = _DELIVERIES.where(_D.c.subscription_id == subscription_id, _D.c.delivery_id > after)
        if status is not None:
            query = query.where(_D.c.status == status.value)
        return self._deliveries(query.order_by(_D.c.delivery_id).limit(limit))

    def dead_letters(self, where: DeadLetterFilter, after: int = 0, limit: int = 100) -> list[Delivery]:
        query = _filtered(_DELIVERIES.where(_D.c.delivery_id > after), where)
        return self._deliveries(query.order_by(_D.c.delivery_id).limit(limit))

    def delivery(self, delivery_id: int) -> Delivery | None:
        found = self._deliveries(_DELIVERIES.where(_D.c.delivery_id == delivery_id))
        return found[0] if found else None

    def _deliveries(self, query: Any) -> list[Delivery]:
        with self._transaction(write=False) as connection:
            return [_delivery(row) for row in connection.execute(query).mappings()]

    def attempts(self, delivery_id: int) -> list[DeliveryAttempt]:
        attempts = t.delivery_attempts
        query = select(attempts).where(attempts.c.delivery_id == delivery_id).order_by(attempts.c.attempt_id)
        with self._transaction(write=False) as connection:
            return [_attempt(row) for row in connection.execute(query).mappings()]

    def revive(self, where: DeadLetterFilter, now: datetime, delivery_ids: Sequence[int] | None = None) -> int:
        chosen = _filtered(select(_D.c.delivery_id).join(t.events, t.events.c.position == _D.c.event_position), where)
        if delivery_ids is not None:
            chosen = chosen.where(_D.c.delivery_id.in_(list(delivery_ids)))
        with self._transaction() as connection:
            revived = connection.execute(
                update(_D)
                .where(_D.c.delivery_id.in_(chosen.scalar_subquery()))
                .values(
                    status=_PENDING,
                    attempts=0,
                    first_attempt_at=None,
                    next_attempt_at=now,
                    claimed_by=None,
                    claimed_until=None,
                    waiting=False,
                )
            ).rowcount
        return int(revived)

    def position_at(self, at: datetime) -> int:
        events = t.events.c
        with self._transaction(write=False) as connection:
            first = connection.execute(select(func.min(events.position)).where(events.occurred_at >= at)).scalar()
            if first is not None:
                return int(first)
            last = connection.execute(select(func.max(events.position))).scalar()
        return int(last or 0) + 1

    def resend(self, subscription_id: str, from_position: int, now: datetime, limit: int) -> tuple[int, int]:
        with self._transaction() as connection:
            row = connection.execute(select(_S).where(_S.c.subscription_id == subscription_id)).mappings().first()
            if row is None:
                return 0, from_position
            subscription = _subscription(row)
            events = connection.execute(
                select(t.events.c.position, t.events.c.stream_id, t.events.c.name, t.events.c.partner)
                .where(t.events.c.position >= from_position)
                .order_by(t.events.c.position)
                .limit(limit)
            ).all()
            wanted = [e for e in events if subscription.matches(e.name, e.partner)]
            if wanted:
                positions = [e.position for e in wanted]
                connection.execute(
                    update(_D)
                    .where(_D.c.subscription_id == subscription_id, _D.c.event_position.in_(positions))
                    .values(status=_PENDING, attempts=0, first_attempt_at=None, next_attempt_at=now, waiting=False)
                )
                rows = [_new_delivery(subscription_id, e.position, e.stream_id, now) for e in wanted]
                connection.execute(self._insert_ignoring_duplicates(_D), rows)
        return len(wanted), (events[-1].position if events else from_position - 1)


_DELIVERIES = select(*_D.c, t.events.c.name, t.events.c.event_id).join(
    t.events, t.events.c.position == _D.c.event_position
)


def _filtered(query: Any, where: DeadLetterFilter) -> Any:
    query = query.where(_D.c.status == DeliveryStatus.DEAD.value)
    if where.subscription_id is not None:
        query = query.where(_D.c.subscription_id == where.subscription_id)
    if where.event_type is not None:
        query = query.where(t.events.c.name == where.event_type)
    if where.since is not None:
        query = query.where(_D.c.last_attempt_at >= where.since)
    return query


def _error_of(attempt: DeliveryAttempt) -> str | None:
    """What went wrong on an attempt, as a person reads it: ``status: HTTP 500 Internal Server Error``."""
    if attempt.error is None:
        return None
    return f"{attempt.error}: {attempt.detail}" if attempt.detail else attempt.error


def _new_delivery(subscription_id: str, position: int, stream_id: str, now: datetime) -> dict[str, Any]:
    return {
        "subscription_id": subscription_id,
        "event_position": position,
        "stream_id": stream_id,
        "status": _PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "waiting": False,
    }


def _claimed(sql: HotSql, row: Sequence[Any], event: RecordedEvent) -> Delivery:
    """A row of ``claim_deliveries``, in its column order, as a Delivery of ``event``."""
    (delivery_id, subscription_id, position, stream_id, status, attempts, created_at, next_attempt_at) = row[:8]
    first_attempt_at, last_attempt_at, last_status, last_error = row[8:]
    return Delivery(
        delivery_id=delivery_id,
        subscription_id=subscription_id,
        event_position=position,
        event_id=event.event_id,
        event_type=event.name,
        stream_id=stream_id,
        status=DeliveryStatus(status),
        attempts=attempts,
        created_at=sql.read_timestamp(created_at),
        next_attempt_at=sql.read_timestamp(next_attempt_at),
        first_attempt_at=sql.read_timestamp(first_attempt_at) if first_attempt_at is not None else None,
        last_attempt_at=sql.read_timestamp(last_attempt_at) if last_attempt_at is not None else None,
        last_status=last_status,
        last_error=last_error,
    )


def _delivery_update(sql: HotSql, result: AttemptResult) -> dict[str, Any]:
    attempt = result.attempt
    error = f"{attempt.error}: {attempt.detail}" if attempt.error else None
    return {
        "delivery_id": attempt.delivery_id,
        "status": result.status.value,
        "attempts": attempt.attempt,
        "at": sql.timestamp(attempt.at),
        "last_status": attempt.status_code,
        "last_error": error,
        "next_attempt_at": sql.timestamp(result.next_attempt_at),
    }


def _attempt_row(sql: HotSql, attempt: DeliveryAttempt) -> dict[str, Any]:
    return {
        "delivery_id": attempt.delivery_id,
        "attempt": attempt.attempt,
        "at": sql.timestamp(attempt.at),
        "status_code": attempt.status_code,
        "error": attempt.error,
        "detail": attempt.detail,
        "excerpt": attempt.excerpt,
        "latency_ms": attempt.latency_ms,
        "worker": attempt.worker,
    }


def _attempt(row: Any) -> DeliveryAttempt:
    return DeliveryAttempt(
        delivery_id=row["delivery_id"],
        attempt=row["attempt"],
        at=row["at"],
        status_code=row["status_code"],
        error=row["error"],
        detail=row["detail"],
        excerpt=row["excerpt"],
        latency_ms=row["latency_ms"],
        worker=row["worker"],
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        delivery_id=row["delivery_id"],
        subscription_id=row["subscription_id"],
        event_position=row["event_position"],
        event_id=row["event_id"],
        event_type=row["name"],
        stream_id=row["stream_id"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"],
        first_attempt_at=row["first_attempt_at"],
        last_attempt_at=row["last_attempt_at"],
        last_status=row["last_status"],
        last_error=row["last_error"],
    )


def _route(sql: HotSql, row: Sequence[Any]) -> Route:
    subscription_id, event_types, partners = row
    partners = sql.read_json(partners) if partners is not None else None
    return Route(subscription_id, tuple(sql.read_json(event_types)), tuple(partners) if partners is not None else None)


def _subscription_row(subscription: Subscription) -> dict[str, Any]:
    return {
        "subscription_id": subscription.subscription_id,
        "kind": subscription.kind.value,
        "target": subscription.target,
        "event_types": list(subscription.event_types),
        "partners": list(subscription.partners) if subscription.partners is not None else None,
        "secrets": [secret.to_data() for secret in subscription.secrets],
        "enabled": subscription.enabled,
        "disabled_reason": subscription.disabled_reason,
        "max_attempts": subscription.max_attempts,
        "max_age_seconds": int(subscription.max_age.total_seconds()),
        "failing_since": subscription.failing_since,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
    }


def _subscription(row: Any) -> Subscription:
    return Subscription(
        subscription_id=row["subscription_id"],
        kind=SubscriptionKind(row["kind"]),
        target=row["target"],
        event_types=tuple(row["event_types"]),
        partners=tuple(row["partners"]) if row["partners"] is not None else None,
        secrets=tuple(SubscriptionSecret.from_data(secret) for secret in row["secrets"]),
        enabled=bool(row["enabled"]),
        disabled_reason=row["disabled_reason"],
        max_attempts=row["max_attempts"],
        max_age=timedelta(seconds=row["max_age_seconds"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        failing_since=row["failing_since"],
    )
