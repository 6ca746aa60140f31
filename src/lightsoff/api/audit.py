"""Recording every state-changing request in the audit trail, before its response goes out.

Who (the principal the request authenticated as, or ``anonymous``), from where (the client address),
what (method and path), on which resource (when the route names it), the outcome (the status) and the
correlation id. Bodies and credentials are never recorded.
"""

from __future__ import annotations

from datetime import datetime

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lightsoff.domain.audit import AuditEntry
from lightsoff.domain.security import Principal

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_log = structlog.get_logger("lightsoff.audit")


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lightsoff = scope["app"].state.lightsoff
        if scope["type"] != "http" or scope["method"] not in STATE_CHANGING or not lightsoff.security.enabled:
            await self._app(scope, receive, send)
            return

        async def send_audited(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry = _entry(scope, message["status"], lightsoff.clock.now())
                try:
                    await run_in_threadpool(lightsoff.security.audit.record, entry)
                except Exception:
                    _log.exception("audit entry not recorded", action=entry.action, outcome=entry.outcome)
            await send(message)

        await self._app(scope, receive, send_audited)


def _entry(scope: Scope, status: int, now: datetime) -> AuditEntry:
    state = scope.get("state", {})
    principal: Principal | None = state.get("principal")
    client = scope.get("client")
    return AuditEntry(
        at=now,
        actor=f"client:{principal.subject}" if principal else state.get("audit_actor", "anonymous"),
        source=client[0] if client else "",
        action=f"{scope['method']} {scope['path']}",
        resource=state.get("audit_resource"),
        outcome=str(status),
        correlation_id=state.get("correlation_id"),
        detail={"via": principal.via} if principal else None,
    )
