"""Order intake: a body arrives and becomes an order, a duplicate, a conflict or a rejection, and is archived.

One unit of work decides and archives together: the events, their outbox rows, the read models and
the archived message with what it became commit as one, or not at all. When the unit of work loses a
race to another writer (the same document posted twice at once), it runs again from the start and
then finds the order the other writer created. When deciding fails for any other reason, the message
is still archived, in a transaction of its own, as ``failed`` with the reason, so nothing sent is lost
and it can be run again. A process killed before commit has acknowledged nothing, so the sender's
retry brings the message back.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from lightsoff.domain.cross_references import PURCHASE_ORDER
from lightsoff.domain.customer_order import CustomerOrder
from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.domain.events import (
    Event,
    ExceptionRaised,
    OrderHeld,
    OrderReceived,
    OrderRejected,
    OrderValidated,
    PendingEvent,
)
from lightsoff.domain.exception_cases import CaseStatus, ExceptionCase
from lightsoff.domain.messages import InboundMessage, MessageOutcome
from lightsoff.domain.orders import Order
from lightsoff.domain.problems import FieldProblem
from lightsoff.domain.reference_data import ReferenceData
from lightsoff.formats.canonical_json import ParsedOrder, parse_order
from lightsoff.rules.findings import Finding
from lightsoff.rules.references import check_references
from lightsoff.services.identifiers import IdentifierService
from lightsoff.services.ports import Clock, IdempotencyRecord, UnitOfWork, UnitOfWorkFactory
from lightsoff.services.projections import project

MAX_ATTEMPTS = 8
ANONYMOUS = "anonymous"


class ConflictKind(StrEnum):
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    ORDER_CHANGED = "order_changed"


@dataclass(frozen=True, slots=True)
class Submission:
    """A body as it reached lightsoff, with what the transport said about it."""

    body: bytes
    content_type: str
    channel: str = "api"
    correlation_id: str | None = None
    idempotency_key: str | None = None
    client_id: str | None = None
    allowed_partners: frozenset[str] | None = None
    """The partners the caller may submit orders for; None: any."""
    alongside: Callable[[UnitOfWork, IntakeResult], None] | None = None
    """Called in the deciding unit of work with its result, before it commits: what it writes (the API's
    audit entry) commits with the order, or not at all."""


@dataclass(frozen=True, slots=True)
class IntakeResult:
    outcome: MessageOutcome
    message_id: str
    order: Order | None = None
    exceptions: tuple[ExceptionCase, ...] = ()
    problems: tuple[FieldProblem, ...] = ()
    conflict: ConflictKind | None = None
    conflict_reason: str | None = None

    @property
    def created(self) -> bool:
        return self.outcome in (MessageOutcome.ACCEPTED, MessageOutcome.HELD)


def new_uuid() -> str:
    return str(uuid.uuid4())


class OrderIntake:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        reference_data: ReferenceData,
        identifiers: IdentifierService,
        clock: Clock,
        new_id: Callable[[], str] = new_uuid,
    ) -> None:
        self._uow = uow
        self._reference_data = reference_data
        self._identifiers = identifiers
        self._clock = clock
        self._new_id = new_id

    def submit(self, submission: Submission) -> IntakeResult:
        message = self._received(submission)
        try:
            parsed = _confine(parse_order(submission.body), submission.allowed_partners)
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    return self._uow.run(lambda uow: self._handle(uow, message, parsed, submission.alongside))
                except ConcurrencyConflict:
                    if attempt == MAX_ATTEMPTS:
                        raise
            raise AssertionError("unreachable")
        except Exception as exc:
            self._archive_failure(message, exc)
            raise

    def _received(self, submission: Submission) -> InboundMessage:
        return InboundMessage(
            message_id=self._new_id(),
            received_at=self._clock.now(),
            channel=submission.channel,
            content_type=submission.content_type,
            body=submission.body,
            sha256=hashlib.sha256(submission.body).hexdigest(),
            correlation_id=submission.correlation_id,
            idempotency_key=submission.idempotency_key,
            client_id=submission.client_id,
        )

    def _archive_failure(self, message: InboundMessage, error: Exception) -> None:
        """Keep the body of a message that could not be handled, and why; it can be run again."""
        failed = self._outcome(
            message, MessageOutcome.FAILED, detail={"error": type(error).__name__, "reason": str(error)[:500]}
        )
        self._uow.run(lambda uow: uow.messages.add(failed))

    def _outcome(
        self,
        message: InboundMessage,
        outcome: MessageOutcome,
        *,
        partner: str | None = None,
        order_ids: Sequence[str] = (),
        detail: dict[str, Any] | None = None,
    ) -> InboundMessage:
        return replace(
            message,
            outcome=outcome,
            partner=partner,
            order_ids=tuple(order_ids),
            detail=detail or {},
            processed_at=self._clock.now(),
        )

    def _handle(
        self,
        uow: UnitOfWork,
        message: InboundMessage,
        parsed: ParsedOrder,
        alongside: Callable[[UnitOfWork, IntakeResult], None] | None = None,
    ) -> IntakeResult:
        result = self._handle_once(uow, message, parsed)
        if alongside is not None:
            alongside(uow, result)
        return result

    def _handle_once(self, uow: UnitOfWork, message: InboundMessage, parsed: ParsedOrder) -> IntakeResult:
        key = message.idempotency_key
        scope = message.client_id or ANONYMOUS
        if key is not None:
            record = uow.idempotency.get(scope, key)
            if record is not None:
                return self._replay(uow, message, record)
        result = self._decide(uow, message, parsed)
        if key is not None:
            uow.idempotency.add(IdempotencyRecord(scope, key, message.sha256, message.message_id, self._clock.now()))
        return result

    def _decide(self, uow: UnitOfWork, message: InboundMessage, parsed: ParsedOrder) -> IntakeResult:
        if parsed.order is None:
            return self._reject(uow, message, parsed)
        customer_order, content_hash = parsed.order, parsed.order.content_hash()
        order_id = uow.cross_references.resolve(customer_order.partner, PURCHASE_ORDER, customer_order.po_number)
        if order_id is None:
            return self._receive(uow, message, customer_order, content_hash)
        order = uow.orders.get(order_id)
        assert order is not None, f"cross-reference to {order_id}, which has no read model"
        if order.content_hash == content_hash:
            return self._duplicate(uow, message, order)
        return self._conflict(uow, message, order)

    def _receive(
        self, uow: UnitOfWork, message: InboundMessage, customer_order: CustomerOrder, content_hash: str
    ) -> IntakeResult:
        now = self._clock.now()
        order_id = self._identifiers.next_order_id(uow.sequences, now.date())
        check = check_references(customer_order, self._reference_data)
        raised = [self._raise(uow, order_id, finding, now) for finding in check.findings]
        exception_ids = tuple(event.exception_id for event in raised)
        conclusion: Event = (
            OrderHeld(order_id, exception_ids, check.resolved_skus)
            if raised
            else OrderValidated(order_id, check.resolved_skus)
        )
        received = OrderReceived(order_id, message.message_id, content_hash, customer_order)
        events = [received, *raised, conclusion]
        recorded = uow.events.append(self._envelopes(events, message, now, customer_order.partner))
        projected = project(uow, recorded)
        outcome = MessageOutcome.HELD if raised else MessageOutcome.ACCEPTED
        uow.messages.add(self._outcome(message, outcome, partner=customer_order.partner, order_ids=[order_id]))
        return IntakeResult(
            outcome,
            message.message_id,
            order=projected.orders[order_id],
            exceptions=tuple(projected.exception_cases[exception_id] for exception_id in exception_ids),
        )

    def _raise(self, uow: UnitOfWork, order_id: str, finding: Finding, now: datetime) -> ExceptionRaised:
        route = self._reference_data.route(finding.category)
        return ExceptionRaised(
            exception_id=self._identifiers.next_exception_id(uow.sequences, now.date()),
            order_id=order_id,
            line_no=finding.line_no,
            category=finding.category,
            severity=route.severity.value,
            team=route.team,
            message=finding.message,
            actions=finding.actions,
            due_at=now + route.handle_within,
        )

    def _reject(self, uow: UnitOfWork, message: InboundMessage, parsed: ParsedOrder) -> IntakeResult:
        rejected = OrderRejected(message.message_id, parsed.problems, parsed.partner, parsed.po_number)
        uow.events.append(self._envelopes([rejected], message, self._clock.now(), parsed.partner))
        errors = [problem.to_data() for problem in parsed.problems]
        uow.messages.add(
            self._outcome(message, MessageOutcome.REJECTED, partner=parsed.partner, detail={"errors": errors})
        )
        return IntakeResult(MessageOutcome.REJECTED, message.message_id, problems=parsed.problems)

    def _duplicate(self, uow: UnitOfWork, message: InboundMessage, order: Order) -> IntakeResult:
        uow.messages.add(
            self._outcome(
                message,
                MessageOutcome.DUPLICATE,
                partner=order.customer_order.partner,
                order_ids=[order.order_id],
                detail={"duplicate_of": order.order_id},
            )
        )
        return IntakeResult(
            MessageOutcome.DUPLICATE, message.message_id, order=order, exceptions=_open_cases(uow, order)
        )

    def _conflict(self, uow: UnitOfWork, message: InboundMessage, order: Order) -> IntakeResult:
        customer_order = order.customer_order
        reason = (
            f"Purchase order {customer_order.po_number!r} of partner {customer_order.partner} was already "
            f"received as {order.order_id} with different content. Send changes to an order as a new "
            "PO number, or contact the customer service team to amend it."
        )
        return self._record_conflict(uow, message, ConflictKind.ORDER_CHANGED, reason, [order.order_id])

    def _record_conflict(
        self, uow: UnitOfWork, message: InboundMessage, kind: ConflictKind, reason: str, order_ids: list[str]
    ) -> IntakeResult:
        detail = {"conflict": kind.value, "reason": reason}
        uow.messages.add(self._outcome(message, MessageOutcome.CONFLICT, order_ids=order_ids, detail=detail))
        return IntakeResult(MessageOutcome.CONFLICT, message.message_id, conflict=kind, conflict_reason=reason)

    def _replay(self, uow: UnitOfWork, message: InboundMessage, record: IdempotencyRecord) -> IntakeResult:
        """The answer to a request already handled under the same Idempotency-Key, with no new event."""
        if record.fingerprint != message.sha256:
            reason = (
                f"Idempotency-Key {record.key!r} was already used with a different body (message "
                f"{record.message_id}). Resend that body unchanged to get its result, or use a new key."
            )
            return self._record_conflict(uow, message, ConflictKind.IDEMPOTENCY_KEY_REUSED, reason, [])
        original = uow.messages.get(record.message_id)
        assert original is not None, f"idempotency record for message {record.message_id}, which is not archived"
        if original.outcome is MessageOutcome.REJECTED:
            detail = {"errors": original.detail["errors"], "replay_of": original.message_id}
            uow.messages.add(self._outcome(message, MessageOutcome.REJECTED, partner=original.partner, detail=detail))
            problems = tuple(FieldProblem.from_data(error) for error in original.detail["errors"])
            return IntakeResult(MessageOutcome.REJECTED, message.message_id, problems=problems)
        if original.outcome is MessageOutcome.CONFLICT:
            kind = ConflictKind(original.detail["conflict"])
            return self._record_conflict(uow, message, kind, original.detail["reason"], list(original.order_ids))
        order = uow.orders.get(original.order_ids[0])
        assert order is not None, f"message {original.message_id} became {original.order_ids[0]}, which is gone"
        return self._duplicate(uow, message, order)

    def _envelopes(
        self, events: Iterable[Event], message: InboundMessage, now: datetime, partner: str | None
    ) -> list[PendingEvent]:
        """Events caused by one inbound message, numbered within their streams (new streams start at 1)."""
        versions: dict[str, int] = {}
        pending = []
        for event in events:
            version = versions[event.stream_id] = versions.get(event.stream_id, 0) + 1
            pending.append(
                PendingEvent(
                    event_id=self._new_id(),
                    event=event,
                    stream_version=version,
                    occurred_at=now,
                    correlation_id=message.correlation_id,
                    causation_id=message.message_id,
                    partner=partner,
                )
            )
        return pending


def _confine(parsed: ParsedOrder, allowed: frozenset[str] | None) -> ParsedOrder:
    """Reject an order for a partner the caller may not submit for, before anything can be found by it."""
    if allowed is None or parsed.partner is None or parsed.partner in allowed:
        return parsed
    problem = FieldProblem(
        "$.partner",
        "partner_not_allowed",
        f"This client may submit orders for {', '.join(sorted(allowed))} only, not for {parsed.partner!r}.",
    )
    return ParsedOrder(None, (*parsed.problems, problem), None, parsed.po_number)


def _open_cases(uow: UnitOfWork, order: Order) -> tuple[ExceptionCase, ...]:
    return tuple(
        case
        for case in uow.exception_cases.for_order(order.order_id)
        if case.status in (CaseStatus.OPEN, CaseStatus.ACKNOWLEDGED)
    )
