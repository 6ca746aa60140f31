"""Recording every state-changing request in the audit trail, before its response goes out.

Who (the principal the request authenticated as, or ``anonymous``), from where (the client address),
what (method and path), on which resource (what the route names, else the path's parameters), the
outcome (the status, refusals and failures included) and the correlation id. Bodies and credentials
are never recorded.

Entries of requests answering at the same time are written together (``AuditBatcher``): one thread
hop and one unit of work per batch instead of per request, while each request still waits until its
own entry is committed. A route that knows its answer before its unit of work commits (order intake)
may instead write its entry inside that unit of work (``alongside``), so one commit holds both the
change and its record; the middleware then adds nothing, unless the answer turns out different.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lightsoff.domain.audit import AuditEntry
from lightsoff.domain.security import Principal
from lightsoff.services.ports import UnitOfWork

R = TypeVar("R")

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BATCH = 256
_log = structlog.get_logger("lightsoff.audit")


class AuditBatcher:
    """Writes the entries queued while the previous batch was being written, as one batch.

    A batch that fails is retried entry by entry, so one entry the database refuses cannot lose the
    others'. Bound to the event loop of its first caller (the server's).
    """

    def __init__(self, write: Callable[[Sequence[AuditEntry]], Any]) -> None:
        self._write = write
        self._pending: list[tuple[AuditEntry, asyncio.Future[None]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def record(self, entry: AuditEntry) -> None:
        loop = asyncio.get_running_loop()
        written: asyncio.Future[None] = loop.create_future()
        self._pending.append((entry, written))
        if self._drainer is None or self._drainer.done() or self._drainer.get_loop() is not loop:
            self._drainer = loop.create_task(self._drain())
        await written

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            error = await self._written(batch)
            if error is not None and len(batch) > 1:
                for one in batch:
                    _settle([one], await self._written([one]))
            else:
                _settle(batch, error)

    async def _written(self, batch: list[tuple[AuditEntry, asyncio.Future[None]]]) -> Exception | None:
        try:
            await run_in_threadpool(self._write, [entry for entry, _ in batch])
        except Exception as exc:  # handed to the requests waiting for these entries
            return exc
        return None


def _settle(batch: list[tuple[AuditEntry, asyncio.Future[None]]], error: Exception | None) -> None:
    for _, written in batch:
        if written.done():
            continue
        if error is None:
            written.set_result(None)
        else:
            written.set_exception(error)


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._batcher: AuditBatcher | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lightsoff = scope["app"].state.lightsoff
        if scope["type"] != "http" or scope["method"] not in STATE_CHANGING or not lightsoff.security.enabled:
            await self._app(scope, receive, send)
            return
        if self._batcher is None:
            self._batcher = AuditBatcher(lightsoff.security.audit.record_all)
        batcher = self._batcher

        async def send_audited(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["state"].get(_AUDITED) != message["status"]:
                entry = _entry(scope, message["status"], lightsoff.clock.now())
                try:
                    await batcher.record(entry)
                except Exception:
                    _log.exception("audit entry not recorded", action=entry.action, outcome=entry.outcome)
            await send(message)

        await self._app(scope, receive, send_audited)


_AUDITED = "audited_status"


def alongside(
    request: Request, outcome: Callable[[R], tuple[int, str | None]]
) -> Callable[[UnitOfWork, R], None] | None:
    """A writer of this request's entry into the unit of work of its change, given how a result becomes
    (status, resource); None where entries are better batched on their own.

    Only where writes are serialized anyway (SQLite's one writer): on PostgreSQL, chaining inside a
    business transaction would hold the chain's lock until that transaction commits, serializing them.
    """
    lightsoff = request.app.state.lightsoff
    if not lightsoff.security.enabled or not lightsoff.uow.serializes_writes:
        return None
    scope = request.scope

    def write(uow: UnitOfWork, result: R) -> None:
        status, resource = outcome(result)
        uow.audit.append(_entry(scope, status, lightsoff.clock.now(), resource))
        scope["state"][_AUDITED] = status

    return write


def _entry(scope: Scope, status: int, now: datetime, resource: str | None = None) -> AuditEntry:
    state = scope.get("state", {})
    principal: Principal | None = state.get("principal")
    client = scope.get("client")
    return AuditEntry(
        at=now,
        actor=f"client:{principal.subject}" if principal else state.get("audit_actor", "anonymous"),
        source=client[0] if client else "",
        action=f"{scope['method']} {scope['path']}",
        resource=resource or state.get("audit_resource") or _path_resource(scope),
        outcome=str(status),
        correlation_id=state.get("correlation_id"),
        detail={"via": principal.via} if principal else None,
    )


def _path_resource(scope: Scope) -> str | None:
    """What the path names, as the route matched it: ``subscription_id=sub_1``; None before routing."""
    parameters = scope.get("path_params") or {}
    return ", ".join(f"{name}={value}" for name, value in parameters.items()) or None
