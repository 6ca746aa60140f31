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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from lightsoff.domain.corrections import Correction
from lightsoff.domain.cross_references import PURCHASE_ORDER
from lightsoff.domain.customer_order import CustomerOrder
from lightsoff.domain.errors import ConcurrencyConflict
from lightsoff.domain.events import (
    Event,
    OrderCorrected,
    OrderHeld,
    OrderReceived,
    OrderRejected,
)
from lightsoff.domain.exception_cases import ACTIVE_STATUSES, ExceptionCase
from lightsoff.domain.messages import InboundMessage, MessageOutcome
from lightsoff.domain.orders import Order, OrderStatus
from lightsoff.domain.policy import Amendments
from lightsoff.domain.problems import FieldProblem
from lightsoff.formats.canonical_json import ParsedOrder, parse_order
from lightsoff.rules.catalog import AMENDMENT
from lightsoff.rules.draft import Evaluation, OrderRef
from lightsoff.rules.findings import Finding
from lightsoff.services.order_rules import OrderRules
from lightsoff.services.ports import CaseQuery, Clock, IdempotencyRecord, UnitOfWork, UnitOfWorkFactory
from lightsoff.services.projections import Projected
from lightsoff.services.recording import Cause, record

MAX_ATTEMPTS = 8
ANONYMOUS = "anonymous"


class ConflictKind(StrEnum):
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    ORDER_CHANGED = "order_changed"
    """A changed PO for an order that can no longer change (cancelled)."""


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
    corrections: tuple[Correction, ...] = ()
    merged_into: str | None = None
    """The open order this repeat order's lines joined."""
    amended: bool = False

    @property
    def created(self) -> bool:
        return self.outcome in (MessageOutcome.ACCEPTED, MessageOutcome.HELD)


def new_uuid() -> str:
    return str(uuid.uuid4())


class OrderIntake:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        rules: OrderRules,
        clock: Clock,
        new_id: Callable[[], str] = new_uuid,
    ) -> None:
        self._uow = uow
        self._rules = rules
        self._clock = clock
        self._new_id = new_id

    def submit(self, submission: Submission) -> IntakeResult:
        message = self._received(submission)
        try:
            parsed = _confine(parse_order(submission.body, self._rules.prepare), submission.allowed_partners)
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
            return self._new(uow, message, parsed, content_hash)
        order = uow.orders.get(order_id)
        assert order is not None, f"cross-reference to {order_id}, which has no read model"
        if content_hash == order.content_hash or any(doc.content_hash == content_hash for doc in order.merged):
            return self._duplicate(uow, message, order)
        if order.status is OrderStatus.CANCELLED or customer_order.po_number != order.customer_order.po_number:
            return self._conflict(uow, message, order)
        return self._amend(uow, message, customer_order, content_hash, order)

    def _new(self, uow: UnitOfWork, message: InboundMessage, parsed: ParsedOrder, content_hash: str) -> IntakeResult:
        assert parsed.order is not None
        evaluation = self._rules.evaluate(uow, parsed.order)
        evaluation = replace(evaluation, corrections=parsed.corrections + evaluation.corrections)
        if evaluation.rejections:
            problems = tuple(FieldProblem(f.field, f.rule, f.message) for f in evaluation.rejections)
            return self._reject(uow, message, replace(parsed, order=None, problems=problems))
        if evaluation.merge_into is not None:
            return self._merge(uow, message, parsed.order, content_hash, evaluation, evaluation.merge_into)
        return self._receive(uow, message, parsed.order, content_hash, evaluation)

    def _receive(
        self,
        uow: UnitOfWork,
        message: InboundMessage,
        customer_order: CustomerOrder,
        content_hash: str,
        evaluation: Evaluation,
    ) -> IntakeResult:
        now = self._clock.now()
        order_id = self._rules.identifiers.next_order_id(uow.sequences, now.date())
        concluded, exception_ids = self._rules.conclude(uow, order_id, evaluation, content_hash)
        received = OrderReceived(order_id, message.message_id, content_hash, customer_order)
        projected = self._record(uow, [received, *concluded], {}, message, customer_order.partner)
        outcome = MessageOutcome.HELD if exception_ids else MessageOutcome.ACCEPTED
        uow.messages.add(self._outcome(message, outcome, partner=customer_order.partner, order_ids=[order_id]))
        return IntakeResult(
            outcome,
            message.message_id,
            order=projected.orders[order_id],
            exceptions=tuple(projected.exception_cases[exception_id] for exception_id in exception_ids),
            corrections=evaluation.corrections,
        )

    def _merge(
        self,
        uow: UnitOfWork,
        message: InboundMessage,
        customer_order: CustomerOrder,
        content_hash: str,
        evaluation: Evaluation,
        target_ref: OrderRef,
    ) -> IntakeResult:
        """A repeat order joins the open order for the same ship-to and date (policy ``repeat_orders: merge``)."""
        target = uow.orders.get(target_ref.order_id)
        assert target is not None, f"open order {target_ref.order_id} has no read model"
        sent = (message.message_id, customer_order.po_number, content_hash)
        events = self._rules.merge(uow, target, sent, evaluation.order.lines, evaluation.resolved_skus)
        active = tuple(uow.exception_cases.find(CaseQuery(order_id=target.order_id, statuses=ACTIVE_STATUSES)))
        versions = {target.order_id: target.version}
        projected = self._record(uow, events, versions, message, customer_order.partner)
        detail = {"merged_into": target.order_id}
        uow.messages.add(
            self._outcome(
                message, MessageOutcome.ACCEPTED, partner=target.partner, order_ids=[target.order_id], detail=detail
            )
        )
        return IntakeResult(
            MessageOutcome.ACCEPTED,
            message.message_id,
            order=projected.orders[target.order_id],
            exceptions=tuple(active),
            corrections=evaluation.corrections,
            merged_into=target.order_id,
        )

    def _amend(
        self, uow: UnitOfWork, message: InboundMessage, customer_order: CustomerOrder, content_hash: str, order: Order
    ) -> IntakeResult:
        """The same PO with changed content: applied while the order is open and policy allows, else reviewed."""
        partner = self._rules.reference_data.partner(order.partner)
        apply = order.is_open and (partner is None or partner.policy.amendments is Amendments.APPLY)
        if apply:
            events, versions = self._rules.amend(uow, order, message.message_id, customer_order, content_hash)
        else:
            events, versions = self._amendment_case(uow, message, order, customer_order)
        projected = self._record(uow, events, versions, message, order.partner)
        updated = projected.orders.get(order.order_id, order)
        raised = [case for case in projected.exception_cases.values() if case.is_active]
        outcome = MessageOutcome.HELD if raised else MessageOutcome.ACCEPTED
        uow.messages.add(
            self._outcome(
                message, outcome, partner=order.partner, order_ids=[order.order_id], detail={"amendment": apply}
            )
        )
        corrections = next((e.corrections for e in events if isinstance(e, OrderCorrected)), ())
        return IntakeResult(
            outcome, message.message_id, order=updated, exceptions=tuple(raised), corrections=corrections, amended=apply
        )

    def _amendment_case(
        self, uow: UnitOfWork, message: InboundMessage, order: Order, customer_order: CustomerOrder
    ) -> tuple[list[Event], dict[str, int]]:
        why = (
            "is already allocated"
            if not order.is_open
            else f"belongs to partner {order.partner}, whose policy is to review changes"
        )
        finding = Finding(
            AMENDMENT,
            f"PO {customer_order.po_number!r} was sent again with changed content (message {message.message_id}), "
            f"but order {order.order_id} {why}. Apply the amendment to replace the order's lines, dates and ship-to, "
            "or keep the original and tell the customer.",
            ("apply_amendment", "keep_original"),
            suggestion={"action": "apply_amendment", "parameters": {"message_id": message.message_id}},
        )
        case = self._rules.raise_case(
            uow, order.order_id, order.customer_order, finding, self._clock.now(), order.content_hash
        )
        events: list[Event] = [case]
        if order.is_open:
            events.append(OrderHeld(order.order_id, (case.exception_id,), order.resolved_skus))
        return events, {order.order_id: order.version}

    def _record(
        self,
        uow: UnitOfWork,
        events: list[Event],
        versions: dict[str, int],
        message: InboundMessage,
        partner: str | None,
    ) -> Projected:
        cause = Cause(message.correlation_id, message.message_id, partner)
        return record(uow, events, versions=versions, cause=cause, now=self._clock.now(), new_id=self._new_id)

    def _reject(self, uow: UnitOfWork, message: InboundMessage, parsed: ParsedOrder) -> IntakeResult:
        rejected = OrderRejected(message.message_id, parsed.problems, parsed.partner, parsed.po_number)
        self._record(uow, [rejected], {}, message, parsed.partner)
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
            f"Purchase order {customer_order.po_number!r} of partner {customer_order.partner} was received as "
            f"{order.order_id}, which is {order.status.value}: it can no longer change. Send a new order under a "
            "new PO number, or contact the customer service team."
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
    return tuple(uow.exception_cases.find(CaseQuery(order_id=order.order_id, statuses=ACTIVE_STATUSES)))
